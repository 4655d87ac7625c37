"""The relay: publishes an outbox's unsent rows to Kafka in position order, one relay at a time.

A round: hold the lease (renewed once a third of it has passed), read up to a batch of unsent
rows in position order, produce them, wait for every delivery report, then — in a transaction
that first confirms the lease — mark the delivered prefix sent. A crash anywhere re-sends rows
at worst; a failed row stops the batch and is retried alone, with backoff, until it goes.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import DBAPIError

from services.outbox.delivery import Backoff, delivered_prefix, relay_producer_config
from services.outbox.lease import Lease
from services.outbox.message import decode_headers
from services.outbox.outbox import Outbox
from services.outbox.publisher import Publisher, Row

log = logging.getLogger("bron.outbox.relay")


class Relay:
    def __init__(
        self,
        engine: Engine,
        outbox: Outbox,
        bootstrap: str,
        *,
        owner: str | None = None,
        batch_size: int = 500,
        idle_sleep: float = 0.05,
        lease_seconds: float = 10.0,
        producer_config: dict[str, Any] | None = None,
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.batch_size = batch_size
        self.idle_sleep = idle_sleep
        owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = Lease(outbox.lease_table, owner, lease_seconds)
        self.backoff = Backoff(maximum=max(1.0, lease_seconds))
        self._db_backoff = Backoff(maximum=max(1.0, lease_seconds))
        config = relay_producer_config(bootstrap, lease_seconds, producer_config)
        self._publisher = Publisher(config)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.published = 0  # events published and marked sent since start (metrics)
        self.failures = 0  # batches that failed to publish (metrics)

    def run_once(self) -> int:
        """Publish one batch; the number of rows published and marked sent (0 when this relay
        does not hold the lease, had nothing to send, failed, or lost the lease)."""
        rows = self._read_batch()
        if not rows:
            return 0
        reports = self._publisher.publish(rows, timeout=self._settle_timeout())
        count, failure = delivered_prefix(reports)
        if failure is not None:
            self.failures += 1
            self._publisher.reset()
            delay = self.backoff.failed()
            failed = rows[count]
            log.warning(
                "outbox row %s (event %s, topic %s) not delivered: %s; attempt %d, next in %.1fs",
                *(failed.position, failed.event_id, failed.topic, failure),
                *(self.backoff.failures, delay),
            )
        else:
            self.backoff.succeeded()
        if count and not self._mark_sent([r.position for r in rows[:count]]):
            log.warning(
                "lost the lease of %s; %d published rows stay unsent", self.outbox.name, count
            )
            return 0
        self.published += count
        return count

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set; release the lease and close the producer at the end."""
        try:
            while not stop.is_set():
                try:
                    published = self.run_once()
                    self._db_backoff.succeeded()
                except DBAPIError as exc:
                    # exc.orig only: the statement's parameters may hold personal data
                    log.warning("outbox %s: database error: %s", self.outbox.name, exc.orig)
                    stop.wait(self._db_backoff.failed())
                    continue
                if published:
                    continue
                if self.backoff.failing:
                    stop.wait(self.backoff.delay)
                elif self.lease.held:
                    stop.wait(self.idle_sleep)
                else:
                    stop.wait(max(self.idle_sleep, self.lease.seconds / 10))
        finally:
            self.close()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.run, args=(self._stop,), name=f"relay-{self.outbox.name}", daemon=True
        )
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise TimeoutError(f"the relay of {self.outbox.name} did not stop in {timeout}s")
            self._thread = None

    def close(self) -> None:
        """Hand the lease back (a standby relay takes over at once) and close the producer."""
        self._publisher.close()
        try:
            self.lease.release(self.engine)
        except DBAPIError as exc:
            log.warning("outbox %s: lease not released: %s", self.outbox.name, exc.orig)

    def _read_batch(self) -> list[Row]:
        self.lease.ensure_row(self.engine)
        t = self.outbox.table.c
        limit = 1 if self.backoff.failing else self.batch_size
        query = (
            select(t.position, t.event_id, t.topic, t.key, t.value, t.headers)
            .where(t.sent_at.is_(None))
            .order_by(t.position)
            .limit(limit)
        )
        with self.engine.begin() as conn:
            if self.lease.remaining() < self.lease.seconds * 2 / 3 and not self.lease.hold(conn):
                return []
            found = conn.execute(query).all()
        return [Row(p, e, topic, k, v, decode_headers(h)) for p, e, topic, k, v, h in found]

    def _settle_timeout(self) -> float:
        return max(0.5, self.lease.remaining() - self.lease.seconds / 10)

    def _mark_sent(self, positions: list[int]) -> bool:
        table = self.outbox.table
        with self.engine.begin() as conn:
            if not self.lease.confirm(conn):
                return False
            conn.execute(
                update(table)
                .where(table.c.position.in_(positions))
                .values(sent_at=datetime.now(UTC))
            )
        return True
