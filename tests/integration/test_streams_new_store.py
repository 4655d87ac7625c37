"""A worker given a store that is behind its consumer group (a new database, as when an operator
deletes the file or switches `BRON_PROJECTIONS_DATABASE_URL`; or a restored backup) reads
again what the store lacks: the store's offsets are the truth (ADR 9), not faust's."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from confluent_kafka import TopicPartition

from bron.db import database_url
from bron.kafka.clients import make_consumer
from streams.store import ProjectionStore
from tests.integration.streams_support import StreamsStack, published, streams_stack
from tests.integration.test_streams_resilience import Workers, caught_up, ends, views

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamsStack]:
    with streams_stack(tmp_path_factory.mktemp("new-store"), "new-store") as base:
        yield published(base, 40, seed=12)


def committed(bootstrap: str, group: str, partitions: list[tuple[str, int]]) -> dict:  # type: ignore[type-arg]
    consumer = make_consumer(bootstrap, group)
    try:
        found = consumer.committed([TopicPartition(t, p) for t, p in partitions], timeout=10)
        return {(tp.topic, tp.partition): tp.offset for tp in found if tp.offset >= 0}
    finally:
        consumer.close()


def test_a_new_store_is_filled_from_the_start_not_from_where_the_group_was(
    stack: StreamsStack,
) -> None:
    settings = stack.settings
    first = Workers(settings, stack.folder)
    first.start("old-store")
    target = caught_up(settings, first, timeout=180)
    first.stop_all()
    deadline = time.monotonic() + 60  # faust commits when it stops
    while committed(settings.bootstrap_servers, settings.streams_group, list(target)) != target:
        assert time.monotonic() < deadline, "the group committed the end of every partition"
        time.sleep(0.2)
    old = views(database_url(settings, "projections"))
    assert old

    fresh_url = f"sqlite:///{stack.folder / f'fresh-{uuid.uuid4().hex[:6]}.db'}"
    fresh = settings.model_copy(update={"projections_database_url": fresh_url})
    ProjectionStore(fresh_url).close()  # its tables, for the poll below
    second = Workers(fresh, stack.folder)
    second.start("new-store")
    try:
        assert caught_up(fresh, second, timeout=180) == ends(settings.bootstrap_servers)
    finally:
        second.stop_all()
    assert views(fresh_url) == old
    assert second.log_lines("streams.group_aligned_to_store"), "the worker says what it did"
    assert not second.log_lines("streams.history_cut")
