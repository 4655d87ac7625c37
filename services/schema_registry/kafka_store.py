"""The registry's state in the `_schemas` topic: every instance reads it all, one writes.

Reading: a thread consumes the single partition from the start (read_committed) and folds each
record into the state. Writing goes through one leader at a time: every instance shares one
transactional id, so the instance that last initialised it is the only one whose transactions
can commit (Kafka fences the others). A writer that finds itself fenced initialises again,
which fences the other, reads up to the end of the topic, plans again and retries; so a plan is
always made on a state that includes every committed write (see docs/adr/0005).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from confluent_kafka import (
    OFFSET_BEGINNING,
    Consumer,
    KafkaError,
    KafkaException,
    Producer,
    TopicPartition,
)

from bron.kafka.admin import ensure_topics
from bron.topics import SCHEMAS
from bron.types import TopicName
from services.schema_registry import errors
from services.schema_registry.records import decode
from services.schema_registry.state import State, apply
from services.schema_registry.store import Plan, T

log = logging.getLogger("bron.schema_registry.store")
WRITE_ATTEMPTS = 8


class KafkaStore:
    def __init__(self, bootstrap: str, topic: str, replication_factor: int = 1) -> None:
        self.bootstrap = bootstrap
        self.topic = topic
        self.replication_factor = replication_factor
        self._state = State()
        self._position = 0  # the next offset the reader will see
        self._cond = threading.Condition()
        self._write_lock = threading.Lock()
        self._stop = threading.Event()
        self._failure: BaseException | None = None
        self._producer: Producer | None = None
        self._reader = Consumer(self._consumer_config(partition_eof=True))
        self._meta = Consumer(self._consumer_config(partition_eof=False))
        self._thread = threading.Thread(target=self._run, name="schemas-reader", daemon=True)

    def _consumer_config(self, partition_eof: bool) -> dict[str, Any]:
        return {
            "bootstrap.servers": self.bootstrap,
            "group.id": "bron-schema-registry-reader",  # never committed: assign() only
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
            "enable.partition.eof": partition_eof,
            # read_committed fetches wait for the broker's timeout when a commit marker lands;
            # a short wait keeps read-your-writes latency low for a low-volume topic.
            "fetch.wait.max.ms": 20,
            "logger": log,
        }

    # -- lifecycle -------------------------------------------------------------------------

    def start(self, timeout: float = 30.0) -> None:
        """Create the topic if needed, read it to its end, then serve."""
        spec = replace(SCHEMAS, name=TopicName(self.topic))
        ensure_topics(self.bootstrap, [spec], self.replication_factor)
        self._reader.assign([TopicPartition(self.topic, 0, OFFSET_BEGINNING)])
        self._thread.start()
        try:
            self._catch_up(timeout)
        except errors.RegistryError:
            self.close()
            raise

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._reader.close()
        self._meta.close()
        if self._producer is not None:
            self._producer.flush(5)

    @property
    def healthy(self) -> bool:
        return self._thread.is_alive() and self._failure is None

    # -- reading ---------------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[State]:
        with self._cond:
            yield self._state

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                message = self._reader.poll(0.2)
                if message is None:
                    continue
                error = message.error()
                with self._cond:
                    if error is not None:
                        if error.code() != KafkaError._PARTITION_EOF:
                            raise KafkaException(error)
                        self._position = max(self._position, message.offset() or 0)
                    else:
                        record = decode(message.key(), message.value())
                        offset = message.offset() or 0
                        if record is not None:
                            apply(self._state, record, offset)
                        self._position = offset + 1
                    self._cond.notify_all()
        except BaseException as exc:  # the reader must never die silently
            self._failure = exc
            log.exception("schemas.reader_failed")
            with self._cond:
                self._cond.notify_all()

    def _wait_for(self, offset: int, timeout: float) -> None:
        with self._cond:
            reached = self._cond.wait_for(
                lambda: self._position >= offset or self._failure is not None, timeout
            )
            if self._failure is not None:
                raise errors.store_error(f"the reader of {self.topic} failed: {self._failure}")
            if not reached:
                raise errors.store_error(
                    f"{self.topic} not read up to offset {offset} within {timeout:.0f} s"
                )

    def _catch_up(self, timeout: float = 30.0) -> None:
        """Wait until this instance has applied everything committed so far."""
        partition = TopicPartition(self.topic, 0)
        deadline = time.monotonic() + timeout
        while True:
            try:
                _low, high = self._meta.get_watermark_offsets(partition, timeout=5, cached=False)
                break
            except KafkaException as exc:  # a new topic's leader may not be known yet
                if time.monotonic() > deadline:
                    raise errors.store_error(f"no end offset for {self.topic}: {exc}") from None
                time.sleep(0.1)
        self._wait_for(high, max(deadline - time.monotonic(), 1.0))

    # -- writing ---------------------------------------------------------------------------

    def write(self, plan: Plan[T]) -> T:
        with self._write_lock:
            for attempt in range(1, WRITE_ATTEMPTS + 1):
                fresh = self._producer is None
                producer = self._writer()
                if fresh:
                    # Only a new writer can have missed writes: while our producer is not
                    # fenced, nobody else has committed (they would have fenced us first).
                    self._catch_up()
                with self._cond:
                    records, result = plan(self._state)
                if not records:
                    return result
                try:
                    last = self._commit(producer, [r.encode() for r in records])
                except KafkaException as exc:
                    error = exc.args[0]
                    log.warning("schemas.write_retry", extra={"attempt": attempt})
                    if not (error.txn_requires_abort() and self._aborted(producer)):
                        self._producer = None  # fenced or fatal: initialise a new writer
                    time.sleep(0.05 * attempt)
                    continue
                self._wait_for(last + 1, 30)
                return result
        raise errors.store_error(f"could not write to {self.topic} as its single writer")

    @staticmethod
    def _aborted(producer: Producer) -> bool:
        """Abort the failed transaction; False when that fails too (say, we were fenced)."""
        try:
            producer.abort_transaction(30)
        except KafkaException:
            return False
        return True

    def _writer(self) -> Producer:
        if self._producer is None:
            producer = Producer(
                {
                    "bootstrap.servers": self.bootstrap,
                    "transactional.id": f"bron-schema-registry-{self.topic}",
                    "transaction.timeout.ms": 10_000,
                    "enable.idempotence": True,
                    "acks": "all",
                    "logger": log,
                }
            )
            try:
                producer.init_transactions(30)
            except KafkaException as exc:
                raise errors.store_error(f"cannot become the writer: {exc}") from None
            self._producer = producer
        return self._producer

    def _commit(self, producer: Producer, items: list[tuple[bytes, bytes | None]]) -> int:
        offsets: list[int] = []
        failures: list[KafkaError] = []

        def on_delivery(err: KafkaError | None, msg: Any) -> None:
            if err is not None:
                failures.append(err)
            else:
                offsets.append(msg.offset())

        producer.begin_transaction()
        for key, value in items:
            producer.produce(self.topic, value, key, partition=0, on_delivery=on_delivery)
        producer.commit_transaction(30)
        if failures:
            raise KafkaException(failures[0])
        return max(offsets)
