"""Prometheus metrics of a stream worker, read from the pipeline's counters and the store when
scraped (no second bookkeeping): events by outcome, per-app records, dead letters by error,
expired consents, and the lag per topic (end offsets minus the store's offsets). Labels are
topic names and error types, never keys or values."""

from __future__ import annotations

from collections.abc import Iterator

import structlog
from prometheus_client import start_http_server
from prometheus_client.core import REGISTRY, CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bron.kafka.clients import end_offsets, make_consumer
from streams.pipeline import Pipeline

log = structlog.get_logger("bron.streams")


class StreamsCollector(Collector):
    def __init__(self, pipeline: Pipeline, bootstrap: str, topics: tuple[str, ...]) -> None:
        self.pipeline = pipeline
        self.topics = topics
        self.consumer = make_consumer(bootstrap, f"{pipeline.group}-metrics")

    def collect(self) -> Iterator[Metric]:
        c = self.pipeline.counts
        events = CounterMetricFamily("bron_streams_events", "Events consumed, by outcome",
                                     labels=["outcome"])  # fmt: skip
        events.add_metric(["applied"], c.applied)
        events.add_metric(["duplicate"], c.duplicates)
        events.add_metric(["dead_letter"], c.dead_letters)
        yield events
        yield CounterMetricFamily("bron_streams_batches", "Batches processed", value=c.batches)
        yield CounterMetricFamily("bron_streams_app_records", "Records sent to per-app topics",
                                  value=c.records)  # fmt: skip
        yield CounterMetricFamily("bron_streams_retries", "Events retried alone",
                                  value=c.retries)  # fmt: skip
        yield CounterMetricFamily(
            "bron_streams_registry_waits",
            "Batches tried again because the schema registry did not answer",
            value=c.registry_waits,
        )
        yield CounterMetricFamily(
            "bron_streams_consents_expired", "Consents ended by the expiry timer", value=c.expired
        )
        dead = CounterMetricFamily("bron_streams_dead_letters", "Dead letters, by error type",
                                   labels=["error"])  # fmt: skip
        for error, count in sorted(c.by_reason.items()):
            dead.add_metric([error], count)
        yield dead
        lag = GaugeMetricFamily("bron_streams_lag", "End offset minus the store's offset",
                                labels=["topic"])  # fmt: skip
        for topic, behind in self.lag().items():
            lag.add_metric([topic], behind)
        yield lag

    def lag(self) -> dict[str, int]:
        with self.pipeline.store.transaction() as tx:
            stored = {t: tx.offsets(self.pipeline.group, t) for t in self.topics}
        behind = dict.fromkeys(self.topics, 0)
        for (topic, partition), high in end_offsets(self.consumer, self.topics, 5).items():
            behind[topic] += max(0, high - stored[topic].get(partition, 0))
        return behind


def serve_metrics(pipeline: Pipeline, bootstrap: str, topics: tuple[str, ...], port: int,
                  host: str = "127.0.0.1") -> bool:  # fmt: skip
    """Start the /metrics endpoint; False (and a warning) when the port is taken, e.g. by a
    second worker on the same host: the worker runs on without it."""
    REGISTRY.register(StreamsCollector(pipeline, bootstrap, topics))
    try:
        start_http_server(port, addr=host)
    except OSError as exc:
        log.warning("streams.metrics_port_in_use", port=port, error=str(exc))
        return False
    return True
