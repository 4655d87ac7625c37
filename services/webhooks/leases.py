"""The sender's side of the store: claiming deliveries under a lease, and settling attempts.

A sender claims a due delivery by setting `leased_until` with an UPDATE that only succeeds
while the row is not leased, so two dispatchers (or one restarted after SIGKILL) never send the
same row at the same time; a lease that runs out (its sender died) makes the row claimable
again. A subscription's queue is claimed from its head (its lowest `seq`), with the few due
deliveries right behind it, and sent one after the other by one task: at most one delivery per
subscription is in flight, they arrive in the order their records were consumed, and a failing
subscription waits alone while the others go on. When one fails, the rest of its claim is
released, so nothing overtakes it.

The outcomes of finished attempts are settled, and the next heads claimed, in ONE transaction
per turn of the sender's loop (group commit): the database sees a few writes per turn instead
of two per delivery, and the next delivery of a subscription is claimed in the same
transaction that deletes the one before it. An outcome only applies while its lease holds."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection, delete, func, insert, select, text, update

from services.webhooks.rows import Pending, pending
from services.webhooks.tables import dead_letter, delivery, subscription

DELIVERY_COLUMNS = [c.name for c in dead_letter.c if c.name in delivery.c]

_HEADS = text("""
SELECT d.*, s.url, s.secret FROM webhook_subscription s JOIN webhook_delivery d ON d.seq =
  (SELECT min(h.seq) FROM webhook_delivery h WHERE h.subscription_id = s.id)
WHERE s.status = 'actief' AND d.next_attempt_at <= :now AND d.leased_until <= :now
ORDER BY d.next_attempt_at LIMIT :limit
""")
_BEHIND = text("""
SELECT d.*, s.url, s.secret FROM webhook_delivery d JOIN webhook_subscription s
  ON s.id = d.subscription_id
WHERE d.subscription_id = :sid AND d.seq > :seq ORDER BY d.seq LIMIT :limit
""")


class Kind(StrEnum):
    delivered = "delivered"
    retry = "retry"  # again at `next_at`
    dead = "dead"  # to the dead letters, as `dead_id`
    gone = "gone"  # 410: the subscription and everything of it removed
    release = "release"  # not attempted (stopping): claimable again at once


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: Kind
    pending: Pending
    started: float = 0.0
    next_at: float = 0.0
    status: int | None = None
    error: str = ""
    reason: str = ""
    dead_id: str = ""


def settle(
    tx: Connection,
    outcomes: Sequence[Outcome],
    now: float,
    limit: int,
    lease_seconds: float,
    owner: str,
    batch: int = 1,
) -> list[list[Pending]]:
    """Apply the outcomes, then lease for `owner` the queues of up to `limit` subscriptions
    whose head is due: the head and up to `batch - 1` due deliveries right behind it, in order,
    under one lease (sent one after the other by one task)."""
    for outcome in outcomes:
        _apply(tx, outcome, now)
    claimed: list[list[Pending]] = []
    if limit <= 0:
        return claimed
    for head in tx.execute(_HEADS, {"now": now, "limit": limit}).mappings().all():
        rows = [head]
        if batch > 1:
            behind = (
                tx.execute(
                    _BEHIND,
                    {"sid": head["subscription_id"], "seq": head["seq"], "limit": batch - 1},
                )
                .mappings()
                .all()
            )
            for row in behind:
                if row["next_attempt_at"] > now or row["leased_until"] > now:
                    break
                rows.append(row)
        lease = f"{owner}:{uuid.uuid4()}"
        free = delivery.c.seq.in_([r["seq"] for r in rows]) & (delivery.c.leased_until <= now)
        until = now + lease_seconds
        taken = tx.execute(update(delivery).where(free).values(leased_until=until, lease=lease))
        if taken.rowcount == len(rows):
            claimed.append([pending(r, lease) for r in rows])
        elif taken.rowcount:  # another dispatcher took part of it meanwhile: leave it all
            tx.execute(
                update(delivery)
                .where(delivery.c.lease == lease)
                .values(leased_until=0.0, lease=None)
            )
    return claimed


def _apply(tx: Connection, o: Outcome, now: float) -> None:
    p = o.pending
    held = (delivery.c.seq == p.seq) & (delivery.c.lease == p.lease)
    if o.kind is Kind.delivered:
        tx.execute(delete(delivery).where(held))
    elif o.kind is Kind.release:
        tx.execute(update(delivery).where(held).values(leased_until=0.0, lease=None))
    elif o.kind is Kind.retry:
        tx.execute(
            update(delivery)
            .where(held)
            .values(
                attempts=delivery.c.attempts + 1,
                next_attempt_at=o.next_at,
                first_attempt_at=func.coalesce(delivery.c.first_attempt_at, o.started),
                leased_until=0.0,
                lease=None,
                last_status=o.status,
                last_error=o.error,
            )
        )
    elif o.kind is Kind.dead:
        row = tx.execute(select(delivery).where(held)).mappings().first()
        if row is not None:
            values = {c: row[c] for c in DELIVERY_COLUMNS}
            values.update(
                attempts=row["attempts"] + 1,
                last_status=o.status,
                last_error=o.error,
                first_attempt_at=row["first_attempt_at"] or o.started,
            )
            tx.execute(
                insert(dead_letter).values(id=o.dead_id, reason=o.reason, failed_at=now, **values)
            )
            tx.execute(delete(delivery).where(held))
    elif o.kind is Kind.gone:
        remove_subscription(tx, p.subscription_id)


def remove_subscription(tx: Connection, id: str) -> int:
    """The subscription, what is pending for it and its dead letters; 1 if it was there."""
    for table in (delivery, dead_letter):
        tx.execute(delete(table).where(table.c.subscription_id == id))
    return int(tx.execute(delete(subscription).where(subscription.c.id == id)).rowcount)


def release_owner(tx: Connection, owner: str) -> int:
    """Free the leases of a dispatcher that is known dead: a restarted dispatcher with the same
    stable name (`--instance`) need not wait until they run out."""
    prefix = f"{owner}:"
    mine = func.substr(delivery.c.lease, 1, len(prefix)) == prefix
    freed = tx.execute(update(delivery).where(mine).values(leased_until=0.0, lease=None))
    return int(freed.rowcount)
