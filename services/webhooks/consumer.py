"""The consumer of the per-app topics, in a thread of its own: one confluent-kafka consumer in
the dispatchers' group, subscribed to `^bron\\.app\\..*` (new apps' topics are found within
the metadata refresh, 5 s), committing nothing by itself.

On assignment each partition is positioned at the offset in the store; each batch's deliveries
and the offsets after it are written in one transaction (ADR 9), and only then committed to
Kafka too (asynchronously: for lag tools only, the store is the truth). The subscriptions are
read from the store for every batch, after its records were fetched: a record written after a
subscription's creation was confirmed always sees it. A batch that cannot be stored is tried
again; when the store stays away the process exits (code 70) for its supervisor to restart
it, which replays from the stored offsets: never skip-and-acknowledge."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

import structlog
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, TopicPartition

from bron.kafka.clients import make_consumer
from services.webhooks.metrics import Metrics
from services.webhooks.queue import Message, plan
from services.webhooks.register import CurrentPolicy
from services.webhooks.store import WebhookStore

log = structlog.get_logger("bron.webhooks")

PATTERN = r"^bron\.app\..*"
BATCH = 500
SAVE_ATTEMPTS = 6


class AppTopicConsumer:
    def __init__(
        self,
        bootstrap: str,
        group: str,
        store: WebhookStore,
        policy: CurrentPolicy,
        metrics: Metrics,
        *,
        source: str,
        dataref: str,
        wake: Callable[[], None],
        instance: str | None = None,
    ) -> None:
        self.store = store
        self.policy = policy
        self.metrics = metrics
        self.group = group
        self.source = source
        self.dataref = dataref
        self.wake = wake
        overrides: dict[str, Any] = {
            "topic.metadata.refresh.interval.ms": 5000,
            "session.timeout.ms": 10000,
            "heartbeat.interval.ms": 1000,
        }
        if instance:  # static membership: a restarted dispatcher takes its partitions back
            overrides["group.instance.id"] = instance
        self._consumer: Consumer = make_consumer(bootstrap, group, **overrides)
        self._positions: dict[tuple[str, int], int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="webhooks-consumer", daemon=True)

    def start(self) -> None:
        self._consumer.subscribe([PATTERN], on_assign=self._on_assign)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def _on_assign(self, consumer: Consumer, partitions: list[TopicPartition]) -> None:
        self._positions = self.store.offsets(self.group)
        for p in partitions:
            p.offset = self._positions.get((p.topic, p.partition), OFFSET_BEGINNING)
        consumer.assign(partitions)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                # poll waits for the first record only; consume(n, timeout) would wait for n
                first = self._consumer.poll(0.5)
                if first is None:
                    continue
                fetched = [first, *self._consumer.consume(BATCH - 1, 0)]
                batch = [m for m in fetched if self._usable(m)]
                if batch:
                    self._process([_message(m) for m in batch])
        except Exception as exc:  # the type only: a message may quote a record
            log.error("webhooks.consumer_failed", error=type(exc).__name__)
            os._exit(70)
        finally:
            self._consumer.close()

    def _usable(self, m: Any) -> bool:
        error = m.error()
        if error is not None:
            if error.code() != KafkaError._PARTITION_EOF:
                log.warning("webhooks.consumer_error", error=error.name())
            return False
        stored = self._positions.get((m.topic(), m.partition()), 0)
        return bool(m.offset() >= stored)  # below the store's offset: already queued

    def _process(self, batch: list[Message]) -> None:
        for attempt in range(1, SAVE_ATTEMPTS + 1):
            try:
                subscriptions = self.store.subscriptions()
                planned = plan(
                    batch, subscriptions, self.policy(), source=self.source, dataref=self.dataref
                )
                self.store.save(self.group, planned.deliveries, planned.offsets, time.time())
                break
            except Exception as exc:
                log.warning("webhooks.batch_not_stored", error=type(exc).__name__, attempt=attempt)
                if attempt == SAVE_ATTEMPTS:
                    raise
                time.sleep(min(2.0**attempt, 10.0))
        for message, reason in planned.bad:
            self.metrics.bad_records.inc()
            log.error(
                "webhooks.bad_record",
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                reason=reason,
            )
        self._positions.update(planned.offsets)
        self.metrics.notices.inc(len(planned.deliveries))
        if planned.deliveries:
            self.wake()
        commits = [TopicPartition(t, p, o) for (t, p), o in planned.offsets.items()]
        try:
            self._consumer.commit(offsets=commits, asynchronous=True)
        except Exception as exc:  # informational only: the store has the offsets
            log.info("webhooks.commit_skipped", error=type(exc).__name__)


def _message(m: Any) -> Message:
    _kind, stamp = m.timestamp()
    seconds = stamp / 1000 if stamp > 0 else time.time()
    headers = list(m.headers() or [])
    return Message(m.topic(), m.partition(), m.offset(), m.key(), m.value(), headers, seconds)
