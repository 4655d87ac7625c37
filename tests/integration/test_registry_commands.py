"""Commands on aggregates, on SQLite and PostgreSQL: state and events in one transaction,
rejections write nothing, concurrent commands on one entity lose no update."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Engine, Integer, MetaData, String, Table, insert, select

from bron.db import make_engine
from bron.registry.aggregates import AggregateTable, Loaded
from bron.registry.commands import Events, execute
from bron.registry.database import Database, batch


@dataclass(frozen=True)
class Teller:
    naam: str
    waarde: int


class Geweigerd(Exception):
    pass


metadata = MetaData()
tellers: AggregateTable[Teller] = AggregateTable(metadata, "teller", Teller, lookups=["naam"])
published = Table(
    "published",
    metadata,
    Column("position", Integer, primary_key=True, autoincrement=True),
    Column("entity", String(64)),
    Column("sequence", Integer),
    Column("type", String(64)),
)


def publish(conn: Connection, entity_id: str, first: int, events: Events) -> None:
    for offset, (event_type, _data) in enumerate(events):
        conn.execute(
            insert(published).values(entity=entity_id, sequence=first + offset, type=event_type)
        )


def evolve(state: Teller | None, event_type: str, data: dict[str, Any]) -> Teller:
    if event_type == "aangemaakt":
        return Teller(data["naam"], 0)
    assert state is not None
    return Teller(state.naam, state.waarde + int(data["stap"]))


def verhogen(stap: int) -> Any:
    def decide(_conn: Connection, state: Teller | None) -> Events:
        if stap <= 0:
            raise Geweigerd("stap moet positief zijn")
        events: Events = [] if state else [("aangemaakt", {"naam": "t"})]
        return [*events, ("verhoogd", {"stap": stap})]

    return decide


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def sequences(engine: Engine, entity: str) -> list[int]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(published.c.sequence)
            .where(published.c.entity == entity)
            .order_by(published.c.position)
        )
        return [int(r.sequence) for r in rows]


def run(engine: Database, entity: str, stap: int) -> Any:
    return execute(engine, tellers, entity, verhogen(stap), evolve, lambda s: {"naam": s.naam},
                   publish)  # fmt: skip


def test_state_and_events_are_written_together(engine: Engine) -> None:
    first = run(engine, "a", 2)
    assert (first.version, first.first_sequence, first.state.waarde) == (2, 1, 2)
    second = run(engine, "a", 3)
    assert (second.version, second.first_sequence, second.state.waarde) == (3, 3, 5)
    assert sequences(engine, "a") == [1, 2, 3]
    with engine.connect() as conn:
        assert tellers.find_ids(conn, naam="t") == ["a"]
        loaded = tellers.load(conn, "a")
    assert loaded is not None
    assert (loaded.state, loaded.version) == (Teller("t", 5), 3)


def test_a_rejected_command_writes_and_publishes_nothing(engine: Engine) -> None:
    run(engine, "b", 1)
    with pytest.raises(Geweigerd):
        run(engine, "b", 0)
    with pytest.raises(Geweigerd):
        run(engine, "nieuw", -1)
    assert sequences(engine, "b") == [1, 2]
    assert sequences(engine, "nieuw") == []
    with engine.connect() as conn:
        assert tellers.load(conn, "nieuw") is None


def test_concurrent_commands_on_one_entity_lose_no_update(engine: Engine) -> None:
    run(engine, "c", 1)
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(25):
                execute(engine, tellers, "c", verhogen(1), evolve, lambda s: {"naam": s.naam},
                        publish, attempts=50)  # fmt: skip
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    with engine.connect() as conn:
        loaded = tellers.load(conn, "c")
    assert loaded is not None
    assert loaded.state.waarde == 101
    assert sequences(engine, "c") == list(range(1, 103))


def test_a_batch_commits_its_commands_at_once_and_a_refused_one_rolls_back_alone(
    engine: Engine, database_url: str
) -> None:
    reader = make_engine(database_url, writer=False)
    with batch(engine) as db:
        run(db, "b1", 2)
        with pytest.raises(Geweigerd):
            run(db, "b1", -1)
        run(db, "b1", 3)
        run(db, "b2", 1)
        # nothing is visible outside the batch before it commits
        with reader.connect() as other:
            assert tellers.load(other, "b1") is None
    reader.dispose()
    loaded = _load(engine, "b1")
    assert (loaded.state.waarde, loaded.version) == (5, 3)
    assert sequences(engine, "b1") == [1, 2, 3]
    assert sequences(engine, "b2") == [1, 2]


def test_a_batch_that_raises_writes_nothing(engine: Engine) -> None:
    def load_that_stops() -> None:
        with batch(engine) as db:
            run(db, "b3", 1)
            raise RuntimeError("the load stopped")

    with pytest.raises(RuntimeError):
        load_that_stops()
    assert _load_or_none(engine, "b3") is None
    assert sequences(engine, "b3") == []


def _load_or_none(engine: Engine, entity: str) -> Loaded[Teller] | None:
    with engine.connect() as conn:
        return tellers.load(conn, entity)


def _load(engine: Engine, entity: str) -> Loaded[Teller]:
    loaded = _load_or_none(engine, entity)
    assert loaded is not None
    return loaded
