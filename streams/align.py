"""The store's offsets are the truth (ADR 9); the worker's consumer group reads from the offsets
faust committed on Kafka. Normally the group is at or behind the store (the store commits
first, faust later), and the pipeline skips what the store already has. A store that is
behind the group would silently miss the events in between: a new store (the database file
deleted, or `BRON_PROJECTIONS_DATABASE_URL` switched to PostgreSQL) or a restored backup.

So before a worker joins, the group's committed offsets are moved back to the store's wherever
the store is behind. Kafka allows that only while the group has no members: the first worker
to start aligns (waiting up to 15 s for workers that just stopped to leave); a worker that
joins a running group finds it aligned by the first one (and says so when it is not).

Where the store is behind the first offset a topic still holds, the events in between are gone
from Kafka (retention): the worker goes on from the first offset kept and logs
`streams.history_cut`; `bron streams rebuild` refuses such a history too."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import structlog
from confluent_kafka import ConsumerGroupTopicPartitions, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient

from bron.kafka.clients import make_consumer, watermarks
from streams.store import ProjectionStore

log = structlog.get_logger("bron.streams")

Offsets = Mapping[tuple[str, int], int]
# A worker's session timeout is 10 s (`streams.worker.create_app`): a static member that stopped
# leaves the group by then.
GROUP_EMPTY_WAIT = 15.0


@dataclass(slots=True)
class Alignment:
    moved: dict[tuple[str, int], int] = field(default_factory=dict)  # → the store's offset
    cut: dict[tuple[str, int], int] = field(default_factory=dict)  # → first offset kept
    skipped: str = ""  # why nothing was moved, when the group was busy


def behind(committed: Offsets, stored: Offsets) -> dict[tuple[str, int], int]:
    """Partitions whose committed offset is past the store's, with the store's offset to go
    back to (a partition the store has no offset for starts at 0)."""
    return {tp: stored.get(tp, 0) for tp, at in committed.items() if at > stored.get(tp, 0)}


def cuts(stored: Offsets, first_kept: Offsets) -> dict[tuple[str, int], int]:
    """Partitions whose first offset still held is past the store's (0 where the store has
    none): the events in between were never applied and are gone from Kafka."""
    return {tp: low for tp, low in first_kept.items() if stored.get(tp, 0) < low}


def align(
    bootstrap: str,
    group: str,
    store: ProjectionStore,
    topics: Sequence[str],
    members: Callable[[], int],
    wait: float = GROUP_EMPTY_WAIT,
) -> Alignment:
    """Move the group's committed offsets back to the store's where the store is behind;
    `members`: how many consumers the group has now (only an empty group can be moved; a
    worker that just stopped stays a static member until its session times out, so a busy
    group is asked again for up to `wait` seconds)."""
    result = Alignment()
    consumer = make_consumer(bootstrap, group)  # reads the group's offsets; never subscribes
    try:
        kept = watermarks(consumer, topics)
        asked = [TopicPartition(t, p) for t, p in kept]
        committed = {(tp.topic, tp.partition): tp.offset
                     for tp in consumer.committed(asked, timeout=10) if tp.offset >= 0}  # fmt: skip
    finally:
        consumer.close()
    with store.transaction() as tx:
        stored = {(t, p): o for t in topics for p, o in tx.offsets(group, t).items()}
    targets = behind(committed, stored)
    result.cut = cuts(stored, {tp: low for tp, (low, _) in kept.items()})
    for (topic, partition), first in sorted(result.cut.items()):
        log.error("streams.history_cut", topic=topic, partition=partition, first_kept=first,
                  store_at=stored.get((topic, partition), 0))  # fmt: skip
    if not targets:
        return result
    deadline = time.monotonic() + wait
    while (busy := members()) and time.monotonic() < deadline:
        time.sleep(1.0)
    if busy:
        result.skipped = f"the group has {busy} member(s)"
        log.error("streams.store_behind_group", partitions=len(targets), why=result.skipped,
                  fix="stop every worker of the group, then start them again")  # fmt: skip
        return result
    admin = AdminClient({"bootstrap.servers": bootstrap})
    request = ConsumerGroupTopicPartitions(
        group, [TopicPartition(t, p, at) for (t, p), at in sorted(targets.items())]
    )
    try:
        for future in admin.alter_consumer_group_offsets([request], request_timeout=30).values():
            future.result(timeout=30)
    except KafkaException as exc:  # e.g. another worker joined first: it aligned
        result.skipped = f"Kafka refused: {exc.args[0].name() if exc.args else exc}"
        log.error("streams.store_behind_group", partitions=len(targets), why=result.skipped,
                  fix="stop every worker of the group, then start them again")  # fmt: skip
        return result
    result.moved = targets
    again = sum(committed[tp] - at for tp, at in targets.items())
    log.warning("streams.group_aligned_to_store", partitions=len(targets), events_again=again)
    return result
