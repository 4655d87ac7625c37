"""Helpers for tests of the outbox and of the registries that use it: topics, reading a topic
back to its end, and the audit of what arrived against what was written."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from confluent_kafka._types import HeadersType
from confluent_kafka.admin import NewTopic

from bron.kafka.admin import admin_client


@dataclass(frozen=True, slots=True)
class Record:
    partition: int
    offset: int
    key: bytes
    value: bytes
    headers: dict[str, bytes]


def create_topic(bootstrap: str, prefix: str = "outbox-test", partitions: int = 3) -> str:
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    client = admin_client(bootstrap)  # the future needs its client alive
    client.create_topics([NewTopic(name, partitions, 1)])[name].result(30)
    return name


def read_topic(bootstrap: str, topic: str, timeout: float = 60.0) -> list[Record]:
    """Every record of the topic up to its current end, in partition then offset order."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{uuid.uuid4()}"})
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        ends = {
            p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
            for p in partitions
        }
        consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        records: list[Record] = []
        remaining = {p for p, end in ends.items() if end > 0}
        while remaining:
            message = consumer.poll(timeout)
            if message is None:
                raise TimeoutError(f"{topic}: no record for {timeout}s, {remaining} unread")
            if message.error() is not None:
                continue
            partition, offset = message.partition() or 0, message.offset() or 0
            records.append(
                Record(
                    partition,
                    offset,
                    message.key() or b"",
                    message.value() or b"",
                    _headers(message.headers()),
                )
            )
            if offset + 1 >= ends[partition]:
                remaining.discard(partition)
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        consumer.close()


def _headers(raw: HeadersType | None) -> dict[str, bytes]:
    items = raw.items() if isinstance(raw, dict) else raw or []
    return {k: v if isinstance(v, bytes) else (v or "").encode() for k, v in items}


@dataclass(slots=True)
class Audit:
    lost: int = 0
    duplicates: int = 0
    disorder: list[str] = field(default_factory=list)


def audit(written: Mapping[str, int], arrived: Iterable[tuple[str, int]]) -> Audit:
    """Check a topic the way a de-duplicating consumer reads it: per entity, the first arrival
    of each sequence must be the next one (1, 2, 3, ...); a sequence seen before is a duplicate;
    any other is disorder. `written` is the last sequence of every entity."""
    result = Audit()
    high: dict[str, int] = {}
    seen: set[tuple[str, int]] = set()
    for entity, sequence in arrived:
        last = high.get(entity, 0)
        if (entity, sequence) in seen:
            result.duplicates += 1
        elif sequence == last + 1:
            high[entity] = sequence
        else:
            result.disorder.append(f"{entity}: {sequence} arrived first after {last}")
            high[entity] = max(last, sequence)
        seen.add((entity, sequence))
    result.lost = sum(1 for e, n in written.items() for s in range(1, n + 1) if (e, s) not in seen)
    return result
