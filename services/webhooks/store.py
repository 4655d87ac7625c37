"""The webhook service's database: subscriptions, pending deliveries, dead letters and the
consumed offsets (`services.webhooks.tables`).

Consumed offsets are written in the same transaction as the deliveries their records produced
(ADR 9): after a crash the consumer starts again from the stored offsets, and a delivery
inserted twice (the same notice id for the same subscription) is inserted once.

Claiming and settling deliveries is in `services.webhooks.leases`."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from bron.db import make_engine
from services.webhooks import leases
from services.webhooks.domain import Status, Subscription
from services.webhooks.leases import DELIVERY_COLUMNS, Outcome
from services.webhooks.rows import (
    DeadLetter,
    NewDelivery,
    Pending,
    dead,
    delivery_row,
    subscription_from,
    subscription_row,
)
from services.webhooks.tables import dead_letter, delivery, metadata, offset, subscription


class WebhookStore:
    """On SQLite the process's writers (consumer, sender, API) queue on a lock of their own
    before the database's: SQLite's busy handler sleeps in steps of up to 100 ms, which is
    what a delivery would wait; reads go through a reader engine and take no write lock."""

    def __init__(self, url: str) -> None:
        # errors never quote the parameters: they are payloads and persoonIds
        self.engine = make_engine(url, hide_parameters=True)
        self.reader = make_engine(url, writer=False, hide_parameters=True)
        metadata.create_all(self.engine)
        self._upsert = _dialect_insert(self.engine.dialect.name)
        sqlite = self.engine.dialect.name == "sqlite"
        self._writing = threading.Lock() if sqlite else contextlib.nullcontext()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self._writing, self.engine.begin() as conn:
            yield conn

    def close(self) -> None:
        self.engine.dispose()
        self.reader.dispose()

    # subscriptions
    def add(self, sub: Subscription) -> None:
        with self.transaction() as tx:
            tx.execute(insert(subscription).values(subscription_row(sub)))

    def subscription(self, id: str) -> Subscription | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(subscription).where(subscription.c.id == id)).first()
        return None if row is None else subscription_from(row._mapping)

    def subscriptions(self, app_id: str | None = None) -> list[Subscription]:
        query = select(subscription).order_by(subscription.c.created_at)
        if app_id is not None:
            query = query.where(subscription.c.app_id == app_id)
        with self.reader.connect() as conn:
            return [subscription_from(r._mapping) for r in conn.execute(query)]

    def set_status(self, id: str, status: Status, now: float) -> None:
        """Pausing keeps what is pending; resuming sends it now, with a fresh retry window."""
        with self.transaction() as tx:
            tx.execute(
                update(subscription).where(subscription.c.id == id).values(status=status.value)
            )
            if status is Status.actief:
                tx.execute(
                    update(delivery)
                    .where(delivery.c.subscription_id == id)
                    .values(queued_at=now, next_attempt_at=now)
                )

    def remove(self, id: str) -> None:
        """The subscription, what is pending for it and its dead letters."""
        self.remove_all([id])

    def remove_all(self, ids: Sequence[str]) -> int:
        """`remove` for each, in one transaction; how many were there (another dispatcher may
        have removed some meanwhile)."""
        with self.transaction() as tx:
            return sum(leases.remove_subscription(tx, id) for id in ids)

    # consuming
    def offsets(self, group: str) -> dict[tuple[str, int], int]:
        query = select(offset).where(offset.c.consumer_group == group)
        with self.reader.connect() as conn:
            return {(r.topic, r.kafka_partition): r.next_offset for r in conn.execute(query)}

    def save(
        self,
        group: str,
        new: Sequence[NewDelivery],
        offsets: dict[tuple[str, int], int],
        now: float,
    ) -> None:
        """The deliveries of a batch and the offsets after it, in one transaction."""
        with self.transaction() as tx:
            if new:
                rows = [delivery_row(d, now) for d in new]
                tx.execute(
                    self._upsert(delivery).on_conflict_do_nothing(
                        index_elements=["subscription_id", "notice_id"]
                    ),
                    rows,
                )
            for (topic, partition), next_offset in offsets.items():
                statement = self._upsert(offset).values(
                    consumer_group=group,
                    topic=topic,
                    kafka_partition=partition,
                    next_offset=next_offset,
                )
                tx.execute(
                    statement.on_conflict_do_update(
                        index_elements=["consumer_group", "topic", "kafka_partition"],
                        set_={"next_offset": next_offset},
                    )
                )

    # sending (services.webhooks.leases)
    def settle(
        self,
        outcomes: Sequence[Outcome],
        now: float,
        limit: int,
        lease_seconds: float,
        owner: str,
        batch: int = 1,
    ) -> list[list[Pending]]:
        with self.transaction() as tx:
            return leases.settle(tx, outcomes, now, limit, lease_seconds, owner, batch)

    def release_owner(self, owner: str) -> int:
        with self.transaction() as tx:
            return leases.release_owner(tx, owner)

    def pending(self, subscription_id: str | None = None) -> int:
        query = select(func.count()).select_from(delivery)
        if subscription_id is not None:
            query = query.where(delivery.c.subscription_id == subscription_id)
        with self.reader.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def last_error(self, subscription_id: str) -> tuple[int | None, str | None]:
        query = (
            select(delivery.c.last_status, delivery.c.last_error)
            .where(
                delivery.c.subscription_id == subscription_id, delivery.c.last_error.is_not(None)
            )
            .order_by(delivery.c.seq)
            .limit(1)
        )
        with self.reader.connect() as conn:
            row = conn.execute(query).first()
        return (None, None) if row is None else (row.last_status, row.last_error)

    # dead letters
    def dead_letters(self, app_id: str | None = None) -> list[DeadLetter]:
        query = select(dead_letter).order_by(dead_letter.c.failed_at)
        if app_id is not None:
            query = query.where(dead_letter.c.app_id == app_id)
        with self.reader.connect() as conn:
            return [dead(r._mapping) for r in conn.execute(query)]

    def dead_letter(self, id: str) -> DeadLetter | None:
        with self.reader.connect() as conn:
            row = conn.execute(select(dead_letter).where(dead_letter.c.id == id)).first()
        return None if row is None else dead(row._mapping)

    def redeliver(self, id: str, now: float) -> bool:
        """Back to pending (after what waits already), attempts from 0, a new window."""
        with self.transaction() as tx:
            row = tx.execute(select(dead_letter).where(dead_letter.c.id == id)).mappings().first()
            if row is None:
                return False
            values = {c: row[c] for c in DELIVERY_COLUMNS}
            values.update(
                attempts=0,
                first_attempt_at=None,
                queued_at=now,
                last_status=None,
                last_error=None,
                next_attempt_at=now,
                leased_until=0.0,
            )
            tx.execute(
                self._upsert(delivery)
                .values(**values)
                .on_conflict_do_nothing(index_elements=["subscription_id", "notice_id"])
            )
            tx.execute(delete(dead_letter).where(dead_letter.c.id == id))
        return True


def _dialect_insert(name: str) -> Any:
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert
