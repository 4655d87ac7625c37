"""Reading topics from the store's offsets to their current end with a plain confluent-kafka
consumer, through the same `Pipeline` the faust worker feeds: `bron streams rebuild` (after
emptying the store; the register of apps and purposes and the consents first, so that no
person is ever projected for a purpose before their consent state is known) and the
benchmark's bare baseline. The store's offsets are the truth (ADR 9); this consumer commits
nothing to Kafka."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

from bron.kafka.clients import end_offsets, make_consumer, watermarks
from streams.pipeline import Message, Pipeline


@dataclass(slots=True)
class Replayed:
    events: int = 0
    seconds: float = 0.0


def replay(
    pipeline: Pipeline,
    bootstrap: str,
    topics: Sequence[str],
    *,
    batch: int = 500,
    progress: Callable[[int], None] = lambda _: None,
) -> Replayed:
    """Every event of `topics` from the store's offsets up to the end offsets as they were
    when the replay began."""
    consumer = make_consumer(bootstrap, f"{pipeline.group}-replay",
                             **{"enable.auto.commit": False})  # fmt: skip
    started = time.perf_counter()
    done = Replayed()
    try:
        ends = _assign(consumer, pipeline, topics)
        pending: list[Message] = []
        while ends:
            for m in consumer.consume(batch, timeout=1.0):
                message = _message(m)
                if message is None:
                    continue
                tp = (message.topic, message.partition)
                if tp not in ends or message.offset >= ends[tp]:
                    continue
                pending.append(message)
                if message.offset + 1 >= ends[tp]:
                    del ends[tp]
            if pending and (len(pending) >= batch or not ends):
                pipeline.process(pending)
                done.events += len(pending)
                progress(len(pending))
                pending = []
        if pending:
            pipeline.process(pending)
            done.events += len(pending)
    finally:
        consumer.close()
    done.seconds = time.perf_counter() - started
    return done


@dataclass(frozen=True, slots=True)
class Cut:
    """A partition whose first records are gone (the topic's retention, or deleted records):
    a replay of it does not see every event that was published."""

    topic: str
    partition: int
    first: int  # the first offset still kept


def history_cuts(bootstrap: str, topics: Sequence[str]) -> list[Cut]:
    consumer = make_consumer(bootstrap, f"cuts-{uuid.uuid4().hex[:8]}")
    try:
        found = watermarks(consumer, topics)
    finally:
        consumer.close()
    return [Cut(t, p, low) for (t, p), (low, _high) in sorted(found.items()) if low > 0]


def _message(m: Any) -> Message | None:
    topic, partition, offset = m.topic(), m.partition(), m.offset()
    if m.error() is not None or topic is None or partition is None or offset is None:
        return None
    headers = m.headers() or []
    pairs = list(headers.items()) if isinstance(headers, dict) else list(headers)
    as_bytes = [(k, v if isinstance(v, bytes | None) else v.encode()) for k, v in pairs]
    return Message(topic, partition, offset, m.key(), m.value(), as_bytes)


def _assign(
    consumer: Consumer, pipeline: Pipeline, topics: Sequence[str]
) -> dict[tuple[str, int], int]:
    """Assign every partition at the store's offset; return the end offsets still to reach."""
    assignment: list[TopicPartition] = []
    ends: dict[tuple[str, int], int] = {}
    with pipeline.store.transaction() as tx:
        stored = {t: tx.offsets(pipeline.group, t) for t in topics}
    for (topic, partition), high in end_offsets(consumer, topics).items():
        start = stored[topic].get(partition, OFFSET_BEGINNING)
        if high > (start if start >= 0 else 0):
            ends[(topic, partition)] = high
            assignment.append(TopicPartition(topic, partition, start))
    consumer.assign(assignment)
    return ends
