"""Prometheus metrics of the webhook service, on its own `/metrics`. Labels are outcomes only:
never a subscription, app, URL, person or data (a subscription's troubles are in its log lines
and in `GET /abonnementen/{id}`)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

OUTCOMES = ("delivered", "retry", "rate_limited", "gone", "dead_letter", "log_unavailable")


class Metrics:
    def __init__(self, pending: Callable[[], float]) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "bron_webhooks_deliveries",
            "Delivery attempts, by outcome",
            ["outcome"],
            registry=self.registry,
        )
        for outcome in OUTCOMES:
            self.deliveries.labels(outcome)
        self.latency = Histogram(
            "bron_webhooks_delivery_latency_seconds",
            "From the per-app record's Kafka timestamp to the receiver's 2xx",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600),
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "bron_webhooks_dead_letters", "Deliveries given up", registry=self.registry
        )
        self.bad_records = Counter(
            "bron_webhooks_bad_records",
            "Per-app records that are no notices (passed, logged)",
            registry=self.registry,
        )
        self.notices = Counter(
            "bron_webhooks_queued",
            "Deliveries queued from the per-app topics",
            registry=self.registry,
        )
        self.pending = Gauge(
            "bron_webhooks_pending", "Deliveries waiting (all instances)", registry=self.registry
        )
        self.pending.set_function(pending)

    def outcome(self, name: str) -> None:
        self.deliveries.labels(name).inc()

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
