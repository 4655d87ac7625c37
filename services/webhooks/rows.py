"""Rows of the webhook tables as values, and back (`services.webhooks.store`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from services.webhooks.domain import Status, Subscription


@dataclass(frozen=True, slots=True)
class NewDelivery:
    subscription_id: str
    notice_id: str
    app_id: str
    doel_id: str
    persoon_id: str
    type: str
    logged_fields: tuple[str, ...]
    topic: str
    partition: int
    offset: int
    written_at: float
    payload: bytes
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Pending:
    """A claimed delivery, with the lease that proves the claim and where it goes."""

    seq: int
    lease: str
    subscription_id: str
    notice_id: str
    app_id: str
    doel_id: str
    persoon_id: str
    logged_fields: tuple[str, ...]
    written_at: float
    payload: bytes
    headers: dict[str, str]
    attempts: int
    queued_at: float
    url: str  # the subscription's, when claimed
    secret: str


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: str
    subscription_id: str
    app_id: str
    notice_id: str
    type: str
    reason: str
    attempts: int
    failed_at: float
    last_status: int | None


def subscription_row(s: Subscription) -> dict[str, Any]:
    return {
        "id": s.id,
        "app_id": s.app_id,
        "doel_id": s.doel_id,
        "url": s.url,
        "kinds": json.dumps(sorted(s.kinds)),
        "gemeenten": json.dumps(sorted(s.gemeenten)),
        "persoon_id": s.persoon_id,
        "volledig": s.volledig,
        "status": s.status.value,
        "secret": s.secret,
        "created_at": s.created_at,
    }


def subscription_from(r: Any) -> Subscription:
    return Subscription(
        id=r["id"],
        app_id=r["app_id"],
        doel_id=r["doel_id"],
        url=r["url"],
        kinds=frozenset(json.loads(r["kinds"])),
        gemeenten=frozenset(json.loads(r["gemeenten"])),
        persoon_id=r["persoon_id"],
        volledig=bool(r["volledig"]),
        status=Status(r["status"]),
        secret=r["secret"],
        created_at=float(r["created_at"]),
    )


def delivery_row(d: NewDelivery, now: float) -> dict[str, Any]:
    """A new pending delivery: due now, its retry window starting now."""
    return {
        "subscription_id": d.subscription_id,
        "notice_id": d.notice_id,
        "app_id": d.app_id,
        "doel_id": d.doel_id,
        "persoon_id": d.persoon_id,
        "type": d.type,
        "logged_fields": json.dumps(list(d.logged_fields)),
        "topic": d.topic,
        "kafka_partition": d.partition,
        "kafka_offset": d.offset,
        "written_at": d.written_at,
        "payload": d.payload,
        "headers": json.dumps(d.headers),
        "attempts": 0,
        "queued_at": now,
        "first_attempt_at": None,
        "last_status": None,
        "last_error": None,
        "next_attempt_at": now,
        "leased_until": 0.0,
        "lease": None,
    }


def pending(r: Any, lease: str) -> Pending:
    return Pending(
        seq=int(r["seq"]),
        lease=lease,
        subscription_id=r["subscription_id"],
        notice_id=r["notice_id"],
        app_id=r["app_id"],
        doel_id=r["doel_id"],
        persoon_id=r["persoon_id"],
        logged_fields=tuple(json.loads(r["logged_fields"])),
        written_at=float(r["written_at"]),
        payload=bytes(r["payload"]),
        headers=json.loads(r["headers"]),
        attempts=int(r["attempts"]),
        queued_at=float(r["queued_at"]),
        url=r["url"],
        secret=r["secret"],
    )


def dead(r: Any) -> DeadLetter:
    return DeadLetter(
        id=r["id"],
        subscription_id=r["subscription_id"],
        app_id=r["app_id"],
        notice_id=r["notice_id"],
        type=r["type"],
        reason=r["reason"],
        attempts=int(r["attempts"]),
        failed_at=float(r["failed_at"]),
        last_status=r["last_status"],
    )
