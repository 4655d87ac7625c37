"""From a batch of per-app records to the deliveries they queue (pure): decode each record,
derive its notices (`bron.notices`, the same as every other channel), match them against the
subscriptions, and build each delivery's request once, so that every attempt sends the same
bytes under the same `ce-id`. A record that is not what the workers write is reported, not
queued: it carries no notice, and its offset is passed like any other."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bron.notices import RecordError, decode, notices
from bron.policy import Policy
from services.webhooks.domain import Subscription, body, headers, logged_fields, matches
from services.webhooks.rows import NewDelivery

HeaderList = list[tuple[str, str | bytes | None]]


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: HeaderList
    timestamp: float  # the record's Kafka timestamp, unix seconds


@dataclass(slots=True)
class Planned:
    deliveries: list[NewDelivery] = field(default_factory=list)
    offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    bad: list[tuple[Message, str]] = field(default_factory=list)  # (message, reason)


def plan(
    messages: Sequence[Message],
    subscriptions: Sequence[Subscription],
    policy: Policy,
    *,
    source: str,
    dataref: str,
) -> Planned:
    consent = frozenset(d.id for d in policy.doelen if d.needs_consent)
    by_app: dict[str, list[Subscription]] = {}
    for sub in subscriptions:
        by_app.setdefault(sub.app_id, []).append(sub)
    out = Planned()
    for m in messages:
        out.offsets[(m.topic, m.partition)] = m.offset + 1
        try:
            record = decode(m.topic, m.key, m.value, m.headers)
        except RecordError as exc:
            out.bad.append((m, str(exc)))
            continue
        candidates = by_app.get(record.app_id)
        if not candidates:
            continue
        time = _ce_time(m)
        for notice in notices(record, consent):
            doel = policy.doel_by_id.get(notice.doel_id)
            for sub in candidates:
                if not matches(sub, notice, m.timestamp):
                    continue
                fields = logged_fields(doel, sub.volledig) if doel else ["persoonId"]
                request = headers(notice, source, dataref, time)
                out.deliveries.append(
                    NewDelivery(
                        sub.id,
                        notice.id,
                        notice.app_id,
                        notice.doel_id,
                        notice.persoon_id,
                        notice.type,
                        tuple(fields),
                        m.topic,
                        m.partition,
                        m.offset,
                        m.timestamp,
                        body(notice, sub.volledig),
                        request,
                    )
                )
    return out


def _ce_time(m: Message) -> str:
    """When the change was recorded: the record's `ce_time` (when it is a moment: it becomes
    the `ce-time` header of every delivery), else its Kafka timestamp."""
    for name, value in m.headers:
        if name == "ce_time" and value:
            try:
                text = value.decode() if isinstance(value, bytes) else value
                datetime.fromisoformat(text.replace("Z", "+00:00"))
            except ValueError:  # UnicodeDecodeError too
                break
            return text
    stamp = datetime.fromtimestamp(m.timestamp, UTC)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
