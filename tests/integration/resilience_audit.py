"""What the resilience suite checks after the load stopped and everything drained, and the
table it prints: per phase (the steady load alone, each component's faults, the drain) how
many faults were injected, how many changes were acknowledged, how many of them (or of the
reads and notices of that phase) were lost, and how many repeats the consumers absorbed.

- A change acknowledged by a registry is lost when its (entity, sequence) is not on the
  registry's topic, or the projection store's entity is older than the acknowledged version.
- A gateway answer with personal data is lost when `bron.verwerkingslog` has no record with
  its trace id (and the citizen's pseudonym).
- A notice is lost when the per-app topic implies it for the subscription (`bron.notices`, the
  code every channel uses, and the subscription's own rule: written after it was created) and
  the receiver never got it.
- Repeats absorbed: a registry event published again (a relay killed between sending and
  marking), a per-app record produced again (a worker killed between producing and
  committing), a webhook delivered again (a dispatcher killed between sending and settling).
  Each is counted in the phase in which the repeat was written or arrived."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx
from confluent_kafka import OFFSET_BEGINNING, TopicPartition
from sqlalchemy import create_engine, text

from bron.kafka.clients import make_consumer
from bron.notices import decode, notices
from bron.policy import load_policy
from services.outbox.testing import audit
from tests.integration.resilience_stack import Phase
from tests.integration.resilience_traffic import Ack, Answer
from tests.integration.test_webhooks import Received


@dataclass(frozen=True, slots=True)
class Kept:
    """A record as read back: enough to identify it and to place it in time."""

    topic: str
    partition: int
    offset: int
    key: str
    headers: dict[str, bytes]
    value: bytes | None
    at: float  # the record's timestamp, unix seconds


def read_all(bootstrap: str, topics: Sequence[str], timeout: float = 60) -> list[Kept]:
    """Every record of the topics up to their current ends, in partition and offset order."""
    consumer = make_consumer(bootstrap, f"resilience-audit-{uuid.uuid4().hex[:8]}")
    try:
        ends: dict[tuple[str, int], int] = {}
        for topic in topics:
            meta = consumer.list_topics(topic, timeout=10).topics[topic]
            for p in meta.partitions:
                high = consumer.get_watermark_offsets(TopicPartition(topic, p), 10)[1]
                if high > 0:
                    ends[(topic, p)] = high
        consumer.assign([TopicPartition(t, p, OFFSET_BEGINNING) for t, p in ends])
        kept: list[Kept] = []
        left = set(ends)
        while left:
            m = consumer.poll(timeout)
            if m is None:
                raise TimeoutError(f"no record for {timeout} s; unread: {sorted(left)}")
            if m.error() is not None:
                continue
            topic, partition, offset = m.topic() or "", m.partition() or 0, m.offset() or 0
            raw = m.headers() or []
            items = raw.items() if isinstance(raw, dict) else raw
            headers = {k: v if isinstance(v, bytes) else (v or "").encode() for k, v in items}
            kept.append(Kept(topic, partition, offset, (m.key() or b"").decode(), headers,
                             m.value(), m.timestamp()[1] / 1000))  # fmt: skip
            if offset + 1 >= ends[(topic, partition)]:
                left.discard((topic, partition))
        return sorted(kept, key=lambda k: (k.topic, k.partition, k.offset))
    finally:
        consumer.close()


@dataclass
class Row:
    """One line of the table."""

    events: int = 0  # changes acknowledged
    reads: int = 0  # gateway answers with data
    notices: int = 0  # notices the subscription was owed
    lost: Counter[str] = field(default_factory=Counter)  # by check
    repeats: Counter[str] = field(default_factory=Counter)  # by kind of repeat


@dataclass
class Report:
    phases: list[Phase]
    rows: dict[str, Row]
    examples: list[str] = field(default_factory=list)  # the first losses, precisely
    disorder: list[str] = field(default_factory=list)

    @classmethod
    def over(cls, phases: list[Phase]) -> Report:
        return cls(phases, {p.fault: Row() for p in phases})

    def row(self, moment: float) -> Row:
        for phase in self.phases:
            if phase.holds(moment):
                return self.rows[phase.fault]
        return self.rows[self.phases[0].fault if moment < self.phases[0].start
                         else self.phases[-1].fault]  # fmt: skip

    def lose(self, moment: float, check: str, example: str) -> None:
        self.row(moment).lost[check] += 1
        if len(self.examples) < 20:
            self.examples.append(f"{check}: {example}")

    @property
    def lost(self) -> int:
        return sum(sum(r.lost.values()) for r in self.rows.values())

    def table(self, exits: Sequence[tuple[str, str]] = ()) -> str:
        head = ("fault", "injected", "events", "lost", "duplicates absorbed", "reads", "notices",
                "recovery s (max)")  # fmt: skip
        lines = [head]
        total = Row()
        for phase in self.phases:
            row = self.rows[phase.fault]
            total.events += row.events
            total.reads += row.reads
            total.notices += row.notices
            total.lost.update(row.lost)
            total.repeats.update(row.repeats)
            recovery = f"{max(phase.recovery):.1f}" if phase.recovery else "-"
            lines.append((phase.fault, str(phase.injected), str(row.events),
                          _counted(row.lost), _counted(row.repeats), str(row.reads),
                          str(row.notices), recovery))  # fmt: skip
        lines.append(("total", str(sum(p.injected for p in self.phases)), str(total.events),
                      _counted(total.lost), _counted(total.repeats), str(total.reads),
                      str(total.notices), ""))  # fmt: skip
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
        out = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(line, widths, strict=True)))
               for line in lines]  # fmt: skip
        out.insert(1, "  ".join("-" * w for w in widths))
        out.insert(len(out) - 1, "  ".join("-" * w for w in widths))
        for component, what in exits:
            out.append(f"ended by itself (restarted as a supervisor would): {component}: {what}")
        return "\n".join(out)


def _counted(counts: Counter[str]) -> str:
    total = sum(counts.values())
    if not total:
        return "0"
    return f"{total} (" + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v) + ")"


class DuplicateMeter:
    """The stream worker's duplicates (events below its stored offsets, redelivered after a
    kill, and events of an entity whose sequence it already has), read from its metrics
    `bron_streams_events{outcome="duplicate"}`: a counter per process, so summed over the
    worker's processes; per phase, each sample counted in the phase that was running."""

    METRIC = 'bron_streams_events_total{outcome="duplicate"}'

    def __init__(self, url: str) -> None:
        self.url = url
        self.seen: dict[int, float] = {}  # per process (its start number): the last value
        self.by_phase: Counter[str] = Counter()

    def take(self, phase: str, process: int) -> None:
        try:
            exposition = httpx.get(self.url, timeout=10).text
        except httpx.HTTPError:
            return  # a process that is gone: what it counted since the last sample is lost
        for line in exposition.splitlines():
            if line.startswith(self.METRIC):
                value = float(line.rsplit(" ", 1)[1])
                self.by_phase[phase] += int(value - self.seen.get(process, 0.0))
                self.seen[process] = value


# -- the checks ---------------------------------------------------------------------------


def changes_on_kafka(report: Report, acks: Sequence[Ack], records: Iterable[Kept]) -> None:
    """(1a) every acknowledged (entity, version) on its registry's topic, sequences 1..n of
    every acknowledged entity without a gap or disorder; repeats counted."""
    for ack in acks:
        report.row(ack.at).events += 1
    by_topic: dict[str, list[Kept]] = defaultdict(list)
    for r in records:
        by_topic[r.topic].append(r)
    for registry in sorted({a.registry for a in acks}):
        topic = f"bron.{registry}.events"
        arrived = [(r.key, int(r.headers["ce_sequence"])) for r in by_topic[topic]]
        written: dict[str, int] = {}
        for a in acks:
            if a.registry == registry:
                written[a.entity_id] = max(written.get(a.entity_id, 0), a.version)
        result = audit(written, arrived)
        report.disorder += [f"{topic}: {d}" for d in result.disorder]
        seen: set[tuple[str, int]] = set()
        for r, pair in zip(by_topic[topic], arrived, strict=True):
            if pair in seen:
                report.row(r.at).repeats["registry events"] += 1
            seen.add(pair)
        for a in acks:
            if a.registry == registry and (a.entity_id, a.version) not in seen:
                report.lose(a.at, "not on Kafka", f"{topic} {a.kind} {a.entity_id} v{a.version}")
        gaps = result.lost - sum(1 for a in acks if a.registry == registry
                                 and (a.entity_id, a.version) not in seen)  # fmt: skip
        if gaps:
            report.examples.append(f"{topic}: {gaps} earlier sequence(s) of acknowledged "
                                   "entities missing")  # fmt: skip
            report.rows[report.phases[-1].fault].lost["sequence gaps"] += gaps


def changes_projected(report: Report, acks: Sequence[Ack], projections_url: str) -> None:
    """(1b) every acknowledged change reflected in the store: the entity's seq >= version."""
    engine = create_engine(projections_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT kind, id, seq FROM entity"))
            stored = {(r.kind, r.id): int(r.seq) for r in rows}
    finally:
        engine.dispose()
    for a in acks:
        have = stored.get((a.kind, a.entity_id), 0)
        if have < a.version:
            report.lose(a.at, "not projected",
                        f"{a.kind} {a.entity_id} v{a.version}, store has v{have}")  # fmt: skip


def app_record_repeats(report: Report, records: Iterable[Kept]) -> None:
    """Per-app records produced again with the same id (absorbed by versie)."""
    seen: set[str] = set()
    for r in records:
        record_id = r.headers.get("ce_id", b"").decode()
        if record_id in seen:
            report.row(r.at).repeats["app records"] += 1
        seen.add(record_id)


def reads_logged(
    report: Report, answers: Sequence[Answer], log: Iterable[dict[str, Any]],
    pseudonym: Callable[[str], str],
) -> None:  # fmt: skip
    """(3) every answer with data has its processing-log record: its trace id, the person's
    pseudonym among the processed objects."""
    logged: dict[str, set[str]] = defaultdict(set)
    for record in log:
        objects = record.get("verwerkteObjecten") or []
        logged[str(record["traceId"])].update(str(o["identificator"]) for o in objects)
    for answer in answers:
        report.row(answer.at).reads += 1
        if pseudonym(answer.persoon_id) not in logged.get(answer.trace_id, set()):
            report.lose(answer.at, "read not logged",
                        f"trace {answer.trace_id} (persoon {answer.persoon_id})")  # fmt: skip


def notices_delivered(
    report: Report, records: Iterable[Kept], doel: str, created_at: float,
    received: Sequence[Received],
) -> tuple[int, int]:  # fmt: skip
    """(4) every notice the per-app topic implies for the subscription arrived at least once;
    (expected, delivered) returned."""
    consent = frozenset(d.id for d in load_policy().doelen if d.needs_consent)
    owed: dict[str, float] = {}
    for r in records:
        if r.at < created_at:
            continue
        record = decode(r.topic, r.key.encode(), r.value, list(r.headers.items()))
        for notice in notices(record, consent):
            if notice.doel_id == doel:
                owed.setdefault(notice.id, r.at)
    got: Counter[str] = Counter()
    for delivery in received:
        if got[delivery.ce_id]:
            report.row(delivery.at).repeats["webhook redeliveries"] += 1
        got[delivery.ce_id] += 1
    for notice_id, at in owed.items():
        report.row(at).notices += 1
        if not got[notice_id]:
            report.lose(at, "notice not delivered", notice_id)
    return len(owed), len(received)
