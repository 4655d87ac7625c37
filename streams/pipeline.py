"""One batch of Kafka messages through the projections, whatever consumes them (the faust
agent, or the bare consumer the benchmark compares it with).

Per batch: decode with the project's codec; project in one store transaction; send the per-app
records and the dead letters and wait until Kafka has them; then commit (states, views and
offsets together, ADR 9). When the batch fails, each event runs alone, up to `ATTEMPTS` times;
one that still fails goes to `bron.dead-letter` with the reason and its original bytes, and
its offset is passed. A message that does not decode is dead-lettered at once. Nothing is
skipped silently; nothing personal is logged (reasons name types and fields, never values)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from confluent_kafka import KafkaException, Producer

from bron import fastjson
from bron.contracts.codec import DecodeError, EventCodec
from bron.contracts.envelope import Attributes, to_headers
from streams.fold import FoldError
from streams.incoming import Incoming, UnknownEvent
from streams.projector import AppRecord, Projector, Result
from streams.store import ProjectionStore

log = structlog.get_logger("bron.streams")

ATTEMPTS = 3
# A dead letter holds the message it is about, unchanged, in a Kafka record of its own, which
# the producer refuses over `message.max.bytes` (1,000,000 bytes by default): a message that
# would not fit with the rest of the dead letter is kept without its largest parts (the
# reason says which; the original stays at its offset), and a reason is cut to a length.
DEAD_LETTER_ROOM = 900_000
REASON_LENGTH = 500
APP_TOPIC_PREFIX = "bron.app."
EVENT_TYPE = "nl.bron.projectie-gewijzigd.v1"
RECORD_IDS = uuid.UUID("5d1c6a8e-8f0b-4a53-9a43-6b0c1f3e2d71")  # uuid5 namespace of record ids


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes | None]]


@dataclass(slots=True)
class Counts:
    batches: int = 0
    events: int = 0
    applied: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    records: int = 0
    retries: int = 0
    expired: int = 0
    registry_waits: int = 0  # batches tried again because the schema registry did not answer
    by_reason: dict[str, int] = field(default_factory=dict)


def record_id(record: AppRecord, part: str = "") -> str:
    """The CloudEvents `id` of a per-app record: the same for the same (app, person, versie),
    so a record sent again after a crash is recognisably the same event."""
    name = f"{record.app_id}|{record.persoon_id}|{record.versie}|{part}"
    return str(uuid.uuid5(RECORD_IDS, name))


def app_topic(app_id: str) -> str:
    return f"{APP_TOPIC_PREFIX}{app_id}"


class Pipeline:
    def __init__(
        self,
        store: ProjectionStore,
        codec: EventCodec,
        producer: Producer,
        consumer_group: str,
        source: str,
        ensure_topic: Callable[[str], None],
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store
        self.codec = codec
        self.producer = producer
        self.group = consumer_group
        self.source = source
        self.clock = clock
        self.projector = Projector(consumer_group)
        self.counts = Counts()
        self.ensure_topic = ensure_topic  # creates `bron.app.<appId>` (compacted) when new
        self._topics: set[str] = set()
        self._failures: list[str] = []

    def process(self, batch: Sequence[Message]) -> Result:
        decoded: list[Incoming] = []
        undecodable: list[tuple[Message, Exception]] = []
        for message in batch:  # a `RegistryUnavailable` leaves here: nothing counted or written
            try:
                decoded.append(self.decode(message))
            except (DecodeError, UnknownEvent, KeyError) as bad:
                undecodable.append((message, bad))
        self.counts.batches += 1
        self.counts.events += len(batch)
        try:
            return self._commit(decoded, [(m, e, 1) for m, e in undecodable])
        except Exception as failure:  # the batch is retried event by event
            log.warning("streams.batch_failed", error=type(failure).__name__, events=len(batch))
        total = Result()
        for message, reason in undecodable:
            self._commit([], [(message, reason, 1)])
        for event, message in zip(decoded, [m for m in batch if not _failed(m, undecodable)],
                                  strict=True):  # fmt: skip
            total = _merge(total, self._one(event, message))
        return total

    def expire(self) -> Result:
        """The one-second sweep: consents past `geldigTot`, removed without an event."""
        with self.store.transaction() as tx:
            result = self.projector.expire(tx, self.clock())
            self._send(result.records)
            self._flush()
        self.counts.expired += result.applied
        self.counts.records += len(result.records)
        return result

    def close(self) -> None:
        self.producer.flush(10)
        self.store.close()
        self.codec.registry.close()

    def decode(self, message: Message) -> Incoming:
        event = self.codec.decode(message.key, message.value, message.headers)
        attributes = event.attributes
        incoming = Incoming(message.topic, message.partition, message.offset, attributes.id,
                            attributes.type, attributes.sequence, event.data)  # fmt: skip
        _ = incoming.kind, incoming.entity_id  # an unknown type or a missing id fails here
        if event.key != incoming.entity_id:  # as the outbox writes them: keyed by the entity
            raise DecodeError(f"the key is not the {incoming.kind}'s id in the event's data")
        return incoming

    def _one(self, event: Incoming, message: Message) -> Result:
        first = time.time()
        error: Exception | None = None
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return self._commit([event], [])
            except (UnknownEvent, FoldError) as exc:  # the same every time: no use retrying
                return self._commit([], [(message, exc, attempt)], first_failed=first)
            except Exception as exc:  # retried, then dead-lettered
                error = exc
                self.counts.retries += 1
                time.sleep(0.05 * attempt)
        assert error is not None
        return self._commit([], [(message, error, ATTEMPTS)], first_failed=first)

    def _commit(
        self,
        events: Sequence[Incoming],
        dead: Sequence[tuple[Message, Exception, int]],
        first_failed: float | None = None,
    ) -> Result:
        with self.store.transaction() as tx:
            skipped = [(m.topic, m.partition, m.offset) for m, _, _ in dead]
            result = self.projector.apply(tx, events, self.clock(), skipped=skipped)
            self._send(result.records)
            for message, exc, attempts in dead:
                self._dead_letter(message, exc, attempts, first_failed)
            self._flush()
        self.counts.applied += result.applied
        self.counts.duplicates += result.duplicates
        self.counts.records += len(result.records)
        self.counts.dead_letters += len(dead)
        return result

    def _send(self, records: Sequence[AppRecord]) -> None:
        """Each record under its person's key; a person the app no longer sees gets a record
        that says what was removed (empty `doelen`, for subscribers), then a tombstone."""
        for record in records:
            topic = app_topic(record.app_id)
            if topic not in self._topics:
                self.ensure_topic(topic)
                self._topics.add(topic)
            body = {"persoonId": record.persoon_id, "versie": record.versie,
                    "doelen": record.doelen or {}, "wijzigingen": record.wijzigingen}  # fmt: skip
            if record.doelen is not None or record.wijzigingen:
                self._produce(topic, record, record_id(record), fastjson.dumpb(body))
            if record.doelen is None:
                self._produce(topic, record, record_id(record, "tombstone"), None)

    def _produce(self, topic: str, record: AppRecord, id: str, value: bytes | None) -> None:
        headers = to_headers(Attributes(source=self.source, type=EVENT_TYPE,
                                        sequence=max(record.versie, 1),
                                        dataschema="urn:bron:projectie",
                                        datacontenttype="application/json", id=id))  # fmt: skip
        self.producer.produce(topic, key=record.persoon_id.encode(), value=value,
                              headers=_kafka(headers), on_delivery=self._delivered)  # fmt: skip
        self.producer.poll(0)

    def _dead_letter(
        self, message: Message, exc: Exception, attempts: int, first_failed: float | None
    ) -> None:
        now = datetime.now(UTC)
        reason = _reason(exc)
        if len(reason) > REASON_LENGTH:
            reason = reason[:REASON_LENGTH] + " (cut)"
        kind = type(exc).__name__
        self.counts.by_reason[kind] = self.counts.by_reason.get(kind, 0) + 1
        key, value, headers, left_out = _fitting(message)
        data: dict[str, Any] = {
            "deadLetterId": str(uuid.uuid4()),
            "topic": message.topic,
            "partition": message.partition,
            "offset": message.offset,
            "key": key,
            "value": value,
            "headers": [{"key": k, "value": v} for k, v in headers],
            "reason": reason + left_out,
            "errorType": type(exc).__name__,
            "attempts": attempts,
            "firstFailedAt": datetime.fromtimestamp(first_failed, UTC) if first_failed else now,
            "lastFailedAt": now,
            "consumerGroup": self.group,
        }
        record = self.codec.encode("nl.platform.dead-letter.v1", data, sequence=1)
        self.producer.produce(
            record.topic,
            key=record.key,
            value=record.value,
            headers=_kafka(record.headers),
            on_delivery=self._delivered,
        )
        log.warning("streams.dead_letter", topic=message.topic, partition=message.partition,
                    offset=message.offset, error=type(exc).__name__, reason=reason)  # fmt: skip

    def _delivered(self, err: Any, _msg: Any) -> None:
        if err is not None:
            self._failures.append(str(err))

    def _flush(self) -> None:
        """Every record delivered before the store commits: else the batch fails and reruns."""
        left = self.producer.flush(30)
        failures, self._failures = self._failures, []
        if left:
            raise KafkaException(f"{left} records not delivered within 30 s")
        if failures:
            raise KafkaException(failures[0])


def _kafka(headers: Sequence[tuple[str, bytes]]) -> list[tuple[str, str | bytes | None]]:
    return [(k, v) for k, v in headers]


def _reason(exc: Exception) -> str:
    """What went wrong, in words that name types and fields, never values."""
    if isinstance(exc, DecodeError | UnknownEvent | FoldError):
        return str(exc)
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    return f"{type(exc).__name__} while projecting"


def _fitting(
    message: Message,
) -> tuple[bytes | None, bytes | None, list[tuple[str, bytes | None]], str]:
    """Key, value and headers for the dead letter: the message's, or, when they would not fit
    in one, without the larger of the value and the headers' values, then without the other,
    then without key and headers; and what was left out, for the reason."""
    key, value, headers = message.key, message.value, list(message.headers)

    def size() -> int:
        return (
            len(key or b"")
            + len(value or b"")
            + sum(len(k.encode()) + len(v or b"") for k, v in headers)
        )

    total = size()
    left_out: list[str] = []
    order = ["value", "header values"]  # the larger first
    if sum(len(v or b"") for _, v in headers) > len(value or b""):
        order.reverse()
    for part in order:
        if size() <= DEAD_LETTER_ROOM:
            break
        if part == "value":
            value = None
        else:
            headers = [(k, None) for k, _ in headers]
        left_out.append(part)
    if size() > DEAD_LETTER_ROOM:
        key, headers = None, []
        left_out.append("key and headers")
    if not left_out:
        return key, value, headers, ""
    note = (f"; {', '.join(left_out)} left out: the message is {total} bytes, too large for a "
            "dead letter (it stays at its offset)")  # fmt: skip
    return key, value, headers, note


def _failed(message: Message, undecodable: Sequence[tuple[Message, Exception]]) -> bool:
    return any(m is message for m, _ in undecodable)


def _merge(a: Result, b: Result) -> Result:
    return Result(a.applied + b.applied, a.duplicates + b.duplicates, a.persons + b.persons,
                  [*a.records, *b.records])  # fmt: skip
