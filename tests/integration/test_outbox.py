"""The outbox contract on SQLite and PostgreSQL, with the relay publishing to the real broker."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from confluent_kafka.admin import NewTopic
from sqlalchemy import Engine, MetaData, select, update
from sqlalchemy.exc import IntegrityError

from bron.db import make_engine
from bron.kafka.admin import admin_client
from services.outbox import Outbox, OutboxMessage, Relay
from services.outbox.testing import audit, create_topic, read_topic

MakeRelay = Callable[..., Relay]
# SQLite has one writer at a time: there, insert order is commit order by construction.
ONLY_POSTGRESQL = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def outbox(engine: Engine) -> Outbox:
    metadata = MetaData()
    outbox = Outbox(metadata)
    metadata.create_all(engine)
    return outbox


@pytest.fixture
def topic(bootstrap: str) -> str:
    return create_topic(bootstrap)


@pytest.fixture
def make_relay(engine: Engine, outbox: Outbox, bootstrap: str) -> Iterator[MakeRelay]:
    relays: list[Relay] = []

    def make(**options: object) -> Relay:
        relay = Relay(engine, outbox, bootstrap, **options)  # type: ignore[arg-type]
        relays.append(relay)
        return relay

    yield make
    for relay in relays:
        relay.close()


def message(topic: str, entity: str, sequence: int) -> OutboxMessage:
    return OutboxMessage(
        event_id=str(uuid.uuid4()),
        aggregate_type="persoon",
        aggregate_id=entity,
        sequence=sequence,
        event_type="nl.brp.persoon-verhuisd.v1",
        topic=topic,
        key=entity.encode(),
        value=f"{entity}:{sequence}".encode() + b"\x00\xff",
        headers=[("ce_id", b"x"), ("ce_sequence", str(sequence).encode()), ("raw", b"\x00\x80")],
    )


def raw_row(m: OutboxMessage) -> dict[str, object]:
    fields = ("event_id", "aggregate_type", "aggregate_id", "sequence", "event_type", "topic")
    return {f: getattr(m, f) for f in fields} | {
        "key": m.key,
        "value": m.value,
        "headers": "[]",
        "created_at": datetime.now(UTC),
    }


def append(engine: Engine, outbox: Outbox, messages: list[OutboxMessage]) -> None:
    with engine.begin() as conn:
        outbox.append(conn, messages)


def sequences(bootstrap: str, topic: str) -> list[tuple[str, int]]:
    return [
        (r.key.decode(), int(r.headers["ce_sequence"]))
        for r in sorted(read_topic(bootstrap, topic), key=lambda r: (r.partition, r.offset))
    ]


def drain(relay: Relay, outbox: Outbox, timeout: float = 30.0) -> int:
    published, deadline = 0, time.monotonic() + timeout
    while outbox.pending(relay.engine):
        assert time.monotonic() < deadline, "the outbox did not drain"
        published += relay.run_once()
    return published


def test_an_append_in_a_rolled_back_transaction_leaves_nothing(
    engine: Engine, outbox: Outbox, topic: str
) -> None:
    with engine.connect() as conn:
        outbox.append(conn, [message(topic, "a", 1), message(topic, "b", 1)])
        conn.rollback()
    assert outbox.pending(engine) == 0
    with engine.connect() as conn:
        assert conn.execute(select(outbox.table)).all() == []


def test_the_relay_publishes_every_row_in_order_per_entity_with_the_stored_bytes(
    bootstrap: str, engine: Engine, outbox: Outbox, topic: str, make_relay: MakeRelay
) -> None:
    entities = [f"e{i}" for i in range(7)]
    written = [message(topic, e, s) for s in range(1, 6) for e in entities]
    for start in range(0, len(written), 4):
        append(engine, outbox, written[start : start + 4])
    assert outbox.pending(engine) == 35

    relay = make_relay(batch_size=10)
    assert drain(relay, outbox) == 35
    assert outbox.pending(engine) == 0
    with engine.connect() as conn:
        sent = conn.execute(select(outbox.table.c.sent_at)).scalars().all()
    assert all(at is not None for at in sent)

    records = read_topic(bootstrap, topic)
    assert len(records) == 35
    by_value = {r.value: r for r in records}
    for m in written:
        record = by_value[m.value]
        assert record.key == m.key
        assert list(record.headers.items()) == m.headers
    result = audit(dict.fromkeys(entities, 5), sequences(bootstrap, topic))
    assert (result.lost, result.duplicates, result.disorder) == (0, 0, [])


def test_prune_deletes_only_sent_rows_older_than_the_retention(
    engine: Engine, outbox: Outbox, topic: str, make_relay: MakeRelay
) -> None:
    relay = make_relay()
    append(engine, outbox, [message(topic, "old", 1), message(topic, "old", 2)])
    drain(relay, outbox)
    append(engine, outbox, [message(topic, "old", 3)])  # old but unsent
    with engine.begin() as conn:
        conn.execute(update(outbox.table).values(created_at=datetime.now(UTC) - timedelta(days=8)))
    append(engine, outbox, [message(topic, "new", 1)])
    drain(relay, outbox)  # sends old:3 and new:1 now: new:1 is recent
    append(engine, outbox, [message(topic, "new", 2)])

    assert outbox.prune(engine, timedelta(days=7)) == 3
    with engine.connect() as conn:
        left = conn.execute(select(outbox.table.c.aggregate_id, outbox.table.c.sequence)).all()
    assert sorted((e, s) for e, s in left) == [("new", 1), ("new", 2)]
    assert outbox.prune(engine, timedelta(days=7)) == 0


def test_a_sequence_of_an_entity_is_written_once(
    engine: Engine, outbox: Outbox, topic: str
) -> None:
    append(engine, outbox, [message(topic, "a", 1)])
    with pytest.raises(IntegrityError):
        append(engine, outbox, [message(topic, "a", 1)])
    with pytest.raises(ValueError, match="sequence order"):
        append(engine, outbox, [message(topic, "a", 3), message(topic, "a", 2)])
    assert outbox.pending(engine) == 1


def test_of_two_relays_on_one_outbox_only_one_publishes(
    engine: Engine, outbox: Outbox, topic: str, make_relay: MakeRelay
) -> None:
    first, second = make_relay(owner="first"), make_relay(owner="second")
    append(engine, outbox, [message(topic, "a", 1)])
    assert first.run_once() == 1
    append(engine, outbox, [message(topic, "a", 2), message(topic, "b", 1)])
    assert second.run_once() == 0
    assert outbox.pending(engine) == 2
    assert first.run_once() == 2

    first.close()  # a graceful stop hands the lease on at once
    append(engine, outbox, [message(topic, "a", 3)])
    assert second.run_once() == 1
    assert first.run_once() == 0


def test_a_dead_holders_lease_is_taken_over_after_it_expired(
    engine: Engine, outbox: Outbox, topic: str, make_relay: MakeRelay
) -> None:
    holder, standby = make_relay(lease_seconds=1.5), make_relay(lease_seconds=1.5)
    append(engine, outbox, [message(topic, "a", 1)])
    assert holder.run_once() == 1
    append(engine, outbox, [message(topic, "a", 2)])
    taken = time.monotonic()
    while standby.run_once() == 0:  # the holder no longer renews: it is as good as dead
        assert time.monotonic() - taken < 10
        time.sleep(0.05)
    assert time.monotonic() - taken >= 1.0
    assert outbox.pending(engine) == 0
    append(engine, outbox, [message(topic, "a", 3)])
    assert holder.run_once() == 0, "the old holder finds the lease taken and stops"
    assert standby.run_once() == 1


def test_a_relay_restarted_under_its_own_name_resumes_at_once(
    engine: Engine, outbox: Outbox, topic: str, make_relay: MakeRelay
) -> None:
    before = make_relay(owner="brp-relay-0")
    append(engine, outbox, [message(topic, "a", 1)])
    assert before.run_once() == 1
    after = make_relay(owner="brp-relay-0")  # the same name, as a restarted pod has
    append(engine, outbox, [message(topic, "a", 2)])
    assert after.run_once() == 1, "no wait for the old lease to expire"
    append(engine, outbox, [message(topic, "a", 3)])
    assert before.run_once() == 0, "its lease was taken over: it marks nothing"
    assert before.run_once() == 0, "nor does it take the lease straight back by its name"
    assert after.run_once() == 1


def test_a_relay_that_lost_its_lease_does_not_mark(
    bootstrap: str, engine: Engine, outbox: Outbox, topic: str, make_relay: MakeRelay
) -> None:
    paused, other = make_relay(owner="paused"), make_relay(owner="other")
    append(engine, outbox, [message(topic, "a", 1)])
    assert paused.run_once() == 1
    append(engine, outbox, [message(topic, "a", 2), message(topic, "a", 3)])
    with engine.begin() as conn:  # time passes for the database while `paused` is stopped
        conn.execute(update(outbox.lease_table).values(expires_at=0.0))
        assert other.lease.hold(conn)

    assert paused.run_once() == 0, "published, but the lease is gone: nothing is marked"
    assert outbox.pending(engine) == 2
    assert paused.run_once() == 0
    assert drain(other, outbox) == 2
    result = audit({"a": 3}, sequences(bootstrap, topic))
    assert (result.lost, result.disorder) == (0, [])


def test_a_missing_topic_blocks_the_outbox_until_it_exists(
    bootstrap: str, engine: Engine, outbox: Outbox, topic: str, make_relay: MakeRelay
) -> None:
    missing = f"outbox-missing-{uuid.uuid4().hex[:10]}"
    append(engine, outbox, [message(topic, "a", 1)])
    append(engine, outbox, [message(missing, "m", 1)])
    append(engine, outbox, [message(topic, "a", 2), message(missing, "m", 2)])
    relay = make_relay(producer_config={"message.timeout.ms": 1000})

    assert relay.run_once() == 1, "the row before the failing one is marked"
    for _ in range(3):
        assert relay.run_once() == 0
        assert outbox.pending(engine) == 3, "nothing behind the failing row is skipped"
    assert relay.backoff.failures == 4

    client = admin_client(bootstrap)
    client.create_topics([NewTopic(missing, 3, 1)])[missing].result(30)
    drain(relay, outbox)
    assert not relay.backoff.failing
    assert audit({"m": 2}, sequences(bootstrap, missing)).lost == 0
    result = audit({"a": 2}, sequences(bootstrap, topic))
    assert (result.lost, result.disorder) == (0, [])


@ONLY_POSTGRESQL
def test_postgresql_appends_commit_in_position_order(
    engine: Engine, outbox: Outbox, topic: str, make_relay: MakeRelay
) -> None:
    """Positions are taken at insert; the append lock makes a later appender wait for the
    earlier one's commit, so no committed row can ever sit behind an uncommitted one."""
    relay = make_relay()
    second_done = threading.Event()

    def second_writer() -> None:
        append(engine, outbox, [message(topic, "b", 1)])
        second_done.set()

    with engine.connect() as first:
        outbox.append(first, [message(topic, "a", 1)])
        writer = threading.Thread(target=second_writer)
        writer.start()
        assert not second_done.wait(0.5), "the second append waits for the first commit"
        assert relay.run_once() == 0
        first.commit()
    writer.join(10)
    assert second_done.is_set()
    assert drain(relay, outbox) == 2
    with engine.connect() as conn:
        order = conn.execute(
            select(outbox.table.c.aggregate_id).order_by(outbox.table.c.position)
        ).scalars()
        assert list(order) == ["a", "b"]


@ONLY_POSTGRESQL
def test_a_row_that_commits_behind_a_later_position_is_still_published(
    bootstrap: str,
    engine: Engine,
    outbox: Outbox,
    topic: str,
    make_relay: MakeRelay,
) -> None:
    """Without the append lock (a raw insert), a lower position can commit last: the relay
    scans for unsent rows rather than following a cursor, so the gap is never skipped."""
    relay = make_relay()
    with engine.connect() as slow:
        slow.execute(outbox.table.insert().values(raw_row(message(topic, "late", 1))))
        with engine.begin() as fast:
            fast.execute(outbox.table.insert().values(raw_row(message(topic, "early", 1))))
        assert relay.run_once() == 1
        slow.commit()
    assert relay.run_once() == 1
    assert {r.key for r in read_topic(bootstrap, topic)} == {b"late", b"early"}


def test_start_and_stop_run_the_relay_in_a_background_thread(
    engine: Engine, outbox: Outbox, topic: str, make_relay: MakeRelay
) -> None:
    relay = make_relay(idle_sleep=0.01)
    relay.start()
    try:
        for s in range(1, 21):
            append(engine, outbox, [message(topic, "a", s)])
        deadline = time.monotonic() + 30
        while outbox.pending(engine):
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        relay.stop()
    with engine.connect() as conn:
        owner = conn.execute(select(outbox.lease_table.c.owner)).scalar_one()
    assert owner is None, "a stopped relay hands its lease back"
