"""The stream workers' projection store and the gateway's reader (ADR 9), on SQLite and
PostgreSQL: states, indexes, views and offsets written in one transaction or not at all, and
read by the gateway without seeing or waiting for an open write."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, event, insert, inspect, text
from sqlalchemy.exc import DBAPIError

from bron.errors import BronError
from streams import store_sql as sql
from streams.reads import ProjectionReader
from streams.store import Entity, ProjectionStore, StoredView
from streams.store_tables import consumer_offset, store_meta


@pytest.fixture
def store(database_url: str) -> Iterator[ProjectionStore]:
    store = ProjectionStore(database_url)
    yield store
    store.close()


@pytest.fixture
def reader(store: ProjectionStore, database_url: str) -> Iterator[ProjectionReader]:
    reader = ProjectionReader(database_url)
    yield reader
    reader.close()


def persoon(id: str, seq: int = 1, nummeraanduiding: str = "0599200000219678") -> Entity:
    state = {
        "burgerservicenummer": "999993653",
        "naam": {"voornamen": "Suzanne", "geslachtsnaam": "Moulin-Ñuñez"},
        "kinderen": [],
        "geheimhouding": False,
        "leeftijd": 42,
        "overlijden": None,
    }
    return Entity(
        "persoon",
        id,
        seq,
        state,
        frozenset({("bsn", "999993653"), ("nummeraanduiding", nummeraanduiding)}),
    )


def test_an_entity_round_trips_with_its_json_state_and_index(store: ProjectionStore) -> None:
    entity = persoon("p1")
    with store.transaction() as tx:
        assert tx.entity("persoon", "p1") is None
        tx.put(entity)
        assert tx.entity("persoon", "p1") == entity
    with store.transaction() as tx:
        assert tx.entity("persoon", "p1") == entity
        assert tx.entity("pand", "p1") is None
        assert tx.entities("persoon", ["p1", "p2", "p1"]) == {"p1": entity}
        assert tx.entities("persoon", []) == {}
        tx.put(Entity("persoon", "p1", 2, {"naam": "nieuw"}, entity.index))
    with store.transaction() as tx:
        assert tx.entity("persoon", "p1") == Entity(
            "persoon", "p1", 2, {"naam": "nieuw"}, entity.index
        )


def test_a_transaction_reads_each_entity_once_and_sees_its_own_writes(
    store: ProjectionStore,
) -> None:
    with store.transaction() as tx:
        tx.put(persoon("p1"))
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731 (conn, cursor, statement, …)
    event.listen(store._engine, "before_cursor_execute", listen)
    try:
        with store.transaction() as tx:
            first = tx.entities("persoon", ["p1", "p2"], with_index=False)
            again = tx.entities("persoon", ["p2", "p1"])  # the index sets now, states known
            tx.put_many([persoon("p1", seq=2)])
            after = tx.entities("persoon", ["p1", "p2"])
    finally:
        event.remove(store._engine, "before_cursor_execute", listen)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")
             and "FROM entity " in s + " " and "entity_index" not in s]  # fmt: skip
    assert len(reads) == 1, statements
    assert set(first) == set(again) == set(after) == {"p1"}
    assert first["p1"].index == frozenset()
    assert again["p1"].index == persoon("p1").index
    assert after["p1"].seq == 2
    with store.transaction() as tx:
        assert tx.entity("persoon", "p1") == persoon("p1", seq=2)


def test_a_move_replaces_the_index_rows(store: ProjectionStore) -> None:
    with store.transaction() as tx:
        tx.put(persoon("p1", 1, nummeraanduiding="A"))
        tx.put(persoon("p2", 1, nummeraanduiding="A"))
    with store.transaction() as tx:  # a fresh transaction compares with the stored rows
        tx.put(persoon("p1", 2, nummeraanduiding="B"))
        assert tx.find("persoon", "nummeraanduiding", "A") == ["p2"]
    with store.transaction() as tx:
        assert tx.find("persoon", "nummeraanduiding", "A") == ["p2"]
        assert tx.find("persoon", "nummeraanduiding", "B") == ["p1"]
        assert tx.find("persoon", "bsn", "999993653") == ["p1", "p2"]
        # In one batch the last state of an entity wins; an emptied index removes every row.
        tx.put_many(
            [persoon("p2", 2, nummeraanduiding="C"), Entity("persoon", "p2", 3, {}, frozenset())]
        )
    with store.transaction() as tx:
        assert tx.find("persoon", "nummeraanduiding", "A") == []
        assert tx.find("persoon", "nummeraanduiding", "C") == []
        assert tx.find("persoon", "bsn", "999993653") == ["p1"]
        assert tx.entity("persoon", "p2") == Entity("persoon", "p2", 3, {}, frozenset())


def test_find_many_answers_every_value_asked(store: ProjectionStore) -> None:
    entities = [
        Entity("persoon", f"p{n:04}", 1, {}, frozenset({("gemeente", f"g{n % 600:03}")}))
        for n in range(1200)
    ]
    with store.transaction() as tx:
        tx.put_many(entities)
        tx.put(Entity("pand", "x", 1, {}, frozenset({("gemeente", "g001")})))
    with store.transaction() as tx:
        found = tx.find_many("persoon", "gemeente", ["g001", "g599", "onbekend", "g001"])
        assert found == {"g001": ["p0001", "p0601"], "g599": ["p0599", "p1199"], "onbekend": []}
        everything = tx.find_many("persoon", "gemeente", [f"g{n:03}" for n in range(600)])
        assert sum(len(ids) for ids in everything.values()) == 1200
        assert tx.find_many("persoon", "gemeente", []) == {}


def test_find_range_finds_the_passed_timestamps(store: ProjectionStore) -> None:
    ends = {
        "t1": "2026-11-30T23:59:59+00:00",
        "t2": "2026-12-01T10:00:00+00:00",
        "t3": "2026-12-01T10:00:01+00:00",
        "t4": "2027-01-01T00:00:00+00:00",
    }
    with store.transaction() as tx:
        tx.put_many(
            [Entity("toestemming", i, 1, {}, frozenset({("verloopt", t)})) for i, t in ends.items()]
        )
    with store.transaction() as tx:
        assert tx.find_range("toestemming", "verloopt", "2026-12-01T10:00:00+00:00") == [
            ("2026-11-30T23:59:59+00:00", "t1"),
            ("2026-12-01T10:00:00+00:00", "t2"),
        ]
        assert tx.find_range("toestemming", "verloopt", "2026-01-01T00:00:00+00:00") == []
        assert tx.find_range("toestemming", "anders", "9999") == []


def test_ids_and_views_of_doel_page_in_order(store: ProjectionStore) -> None:
    ids = [f"id-{n:03}" for n in range(25)]
    with store.transaction() as tx:
        tx.put_many([Entity("pand", i, 1, {}) for i in reversed(ids)])
        tx.put(Entity("woonplaats", "id-000a", 1, {}))
        for i in ids:
            tx.put_view("app", "doel", i, "d", {"id": i})
        tx.put_view("app", "ander-doel", "id-000a", "d", {})
        tx.delete_view("app", "doel", "id-010")
    with store.transaction() as tx:
        pages = [tx.ids("pand", limit=10)]
        while pages[-1]:
            pages.append(tx.ids("pand", after=pages[-1][-1], limit=10))
        assert [len(p) for p in pages] == [10, 10, 5, 0]
        assert [i for p in pages for i in p] == ids
        assert tx.ids("pand", after="id-023") == ["id-024"]
        views = [tx.views_of_doel("app", "doel", limit=10)]
        while views[-1]:
            views.append(tx.views_of_doel("app", "doel", after=views[-1][-1], limit=10))
        assert [i for p in views for i in p] == [i for i in ids if i != "id-010"]
        assert tx.views_of_doel("app", "geen") == []


def test_put_view_writes_only_a_changed_view(store: ProjectionStore) -> None:
    with store.transaction() as tx:
        assert tx.view("app", "doel", "p1") is None
        assert tx.put_view("app", "doel", "p1", "d1", {"naam": "A"}) == 1
        assert tx.put_view("app", "doel", "p1", "d1", {"naam": "A"}) is None
        assert tx.put_view("app", "doel", "p1", "d2", {"naam": "B"}) == 2
        assert tx.put_view("app", "doel2", "p1", "d1", {"naam": "A"}) == 1
    with store.transaction() as tx:
        assert tx.put_view("app", "doel", "p1", "d2", {"naam": "B"}) is None
        assert tx.put_view("app", "doel", "p1", "d3", {"naam": "C"}) == 3
        assert tx.view("app", "doel", "p1") == StoredView(
            "app", "doel", "p1", 3, "d3", {"naam": "C"}
        )
        tx.put_view("app", "doel", "p2", "d1", {})
        assert tx.views_of(["p1", "p2", "p3"]) == [
            StoredView("app", "doel", "p1", 3, "d3", {"naam": "C"}),
            StoredView("app", "doel2", "p1", 1, "d1", {"naam": "A"}),
            StoredView("app", "doel", "p2", 1, "d1", {}),
        ]


def test_put_views_writes_a_batch_of_changed_views(store: ProjectionStore) -> None:
    with store.transaction() as tx:
        tx.put_view("app", "doel", "p1", "d1", {"naam": "A"})
        tx.put_view("app", "doel", "p2", "d1", {"naam": "B"})
        tx.delete_view("app", "doel", "p2")
        written = tx.put_views(
            [
                ("app", "doel", "p1", "d1", {"naam": "A"}),  # unchanged
                ("app", "doel", "p2", "d2", {"naam": "B2"}),  # back after its tombstone
                ("app", "doel", "p3", "d0", {"naam": "weg"}),
                ("app", "doel", "p3", "d1", {"naam": "C"}),  # the last write of a key wins
            ]
        )
        assert written == {("app", "doel", "p2"): 3, ("app", "doel", "p3"): 1}
        assert tx.put_views([]) == {}
    with store.transaction() as tx:
        assert [(v.persoon_id, v.version, v.view) for v in tx.views_of(["p1", "p2", "p3"])] == [
            ("p1", 1, {"naam": "A"}),
            ("p2", 3, {"naam": "B2"}),
            ("p3", 1, {"naam": "C"}),
        ]
        assert tx.put_views([("app", "doel", "p3", "d2", {"naam": "D"})]) == {
            ("app", "doel", "p3"): 2
        }


def test_delete_view_returns_the_tombstone_version(store: ProjectionStore) -> None:
    with store.transaction() as tx:
        assert tx.delete_view("app", "doel", "p1") is None
        tx.put_view("app", "doel", "p1", "d1", {"naam": "A"})
        tx.put_view("app", "doel", "p1", "d2", {"naam": "B"})
        assert tx.delete_view("app", "doel", "p1") == 3
        assert tx.delete_view("app", "doel", "p1") is None
        assert tx.view("app", "doel", "p1") is None
        # The removed view stays known by the version of its tombstone, without its data.
        assert tx.views_of(["p1"]) == [StoredView("app", "doel", "p1", 3, None, None)]
        assert tx.views_of_doel("app", "doel") == []
    with store.transaction() as tx:
        # The view comes back above its tombstone: consumers that drop by version keep it.
        assert tx.put_view("app", "doel", "p1", "d2", {"naam": "B"}) == 4
        assert tx.view("app", "doel", "p1") == StoredView(
            "app", "doel", "p1", 4, "d2", {"naam": "B"}
        )


def test_offsets_are_upserted(store: ProjectionStore) -> None:
    with store.transaction() as tx:
        assert tx.offsets("worker", "bron.brp") == {}
        tx.set_offsets("worker", "bron.brp", {0: 10, 1: 5})
        tx.set_offsets("worker", "bron.bag", {0: 7})
        tx.set_offsets("worker", "bron.brp", {})
    with store.transaction() as tx:
        tx.set_offsets("worker", "bron.brp", {1: 6, 2: 1})
        tx.set_offsets("ander", "bron.brp", {0: 99})
    with store.transaction() as tx:
        assert tx.offsets("worker", "bron.brp") == {0: 10, 1: 6, 2: 1}
        assert tx.offsets("worker", "bron.bag") == {0: 7}
        assert tx.offsets("ander", "bron.brp") == {0: 99}


def test_a_transaction_that_raises_writes_nothing(store: ProjectionStore) -> None:
    class Boom(Exception):
        pass

    def write_and_fail() -> None:
        with store.transaction() as tx:
            tx.put(persoon("p1"))
            tx.put_view("app", "doel", "p1", "d1", {"naam": "A"})
            tx.set_offsets("worker", "bron.brp", {0: 10})
            raise Boom

    with pytest.raises(Boom):
        write_and_fail()
    with store.transaction() as tx:
        assert tx.entity("persoon", "p1") is None
        assert tx.find("persoon", "bsn", "999993653") == []
        assert tx.view("app", "doel", "p1") is None
        assert tx.offsets("worker", "bron.brp") == {}


def test_the_reader_sees_committed_data_only_and_is_not_blocked(
    store: ProjectionStore, reader: ProjectionReader, database_url: str
) -> None:
    with store.transaction() as tx:
        tx.put(persoon("p1", 1, nummeraanduiding="A"))
        tx.put_view("app", "doel", "p1", "d1", {"naam": "A"})
    assert reader.view("app", "doel", "p1") == {"naam": "A"}
    with store.transaction() as tx:
        tx.put(persoon("p1", 2, nummeraanduiding="B"))
        tx.put_view("app", "doel", "p1", "d2", {"naam": "B"})
        tx.put_view("app", "doel", "p2", "d1", {"naam": "C"})
        started = time.monotonic()
        assert reader.view("app", "doel", "p1") == {"naam": "A"}
        assert reader.views("app", "doel", ["p1", "p2"]) == {"p1": {"naam": "A"}}
        assert reader.find("persoon", "nummeraanduiding", ["A", "B"]) == {"A": ["p1"], "B": []}
        fresh = ProjectionReader(database_url)  # connects while the write is open
        try:
            assert fresh.views("app", "doel", ["p1", "p2"]) == {"p1": {"naam": "A"}}
        finally:
            fresh.close()
        assert time.monotonic() - started < 5  # a blocked reader would wait for the timeout
    assert reader.view("app", "doel", "p1") == {"naam": "B"}
    assert reader.views("app", "doel", ["p1", "p2", "p3"]) == {
        "p1": {"naam": "B"},
        "p2": {"naam": "C"},
    }
    assert reader.find("persoon", "nummeraanduiding", ["A", "B"]) == {"A": [], "B": ["p1"]}
    assert reader.entities("persoon", ["p1", "p9"]) == {"p1": persoon("p1").state}
    with store.transaction() as tx:
        tx.delete_view("app", "doel", "p1")
    assert reader.view("app", "doel", "p1") is None


def test_the_reader_counts_its_queries_and_cannot_write(
    store: ProjectionStore, reader: ProjectionReader
) -> None:
    with store.transaction() as tx:
        tx.put_many([Entity("pand", f"p{n}", 1, {"n": n}) for n in range(1200)])
    assert reader.calls == 0
    reader.view("app", "doel", "p1")
    assert reader.calls == 1
    reader.views("app", "doel", ["p1", "p2", "p3"])
    assert reader.calls == 2
    assert len(reader.entities("pand", [f"p{n}" for n in range(1200)])) == 1200  # 3 chunks
    assert reader.calls == 5
    reader.find("persoon", "bsn", [str(n) for n in range(501)])  # 2 chunks
    assert reader.calls == 7
    reader.views("app", "doel", [])
    assert reader.calls == 7

    def write_through_the_reader() -> None:
        row = {"consumer": "gateway", "topic": "t", "partition": 0, "next_offset": 1}
        with reader._engine.connect() as conn:  # the database refuses, not just the API
            conn.execute(insert(consumer_offset).values(row))
            conn.commit()

    with pytest.raises(DBAPIError, match=r"(?i)read.only|readonly"):
        write_through_the_reader()
    with store.transaction() as tx:
        assert tx.offsets("gateway", "t") == {}


def test_bulk_micro_measure(store: ProjectionStore, database_url: str) -> None:
    """Not a benchmark: a rough figure per database, printed with -s."""
    n = 10_000
    entities = [
        Entity(
            "persoon",
            f"{i:010}",
            1,
            {"burgerservicenummer": f"{i:09}", "naam": {"voornamen": "Jan", "geslachtsnaam": "X"}},
            frozenset({("bsn", f"{i:09}"), ("nummeraanduiding", f"0599200000{i % 5000:06}")}),
        )
        for i in range(n)
    ]
    started = time.perf_counter()
    with store.transaction() as tx:
        tx.put_many(entities)
        entities_done = time.perf_counter()
        for e in entities:
            tx.put_view("app", "doel", e.id, f"d{e.id}", {"naam": e.state["naam"]})
    ended = time.perf_counter()
    moved = [Entity(e.kind, e.id, 2, e.state, frozenset({next(iter(e.index))})) for e in entities]
    batch = [("app", "doel2", e.id, f"d{e.id}", {"naam": e.state["naam"]}) for e in entities]
    again = time.perf_counter()
    with store.transaction() as tx:
        tx.put_many(moved)
        moved_done = time.perf_counter()
        assert len(tx.put_views(batch)) == n
    batch_ended = time.perf_counter()
    kind = database_url.split(":", 1)[0].split("+", 1)[0]
    first, second = ended - started, batch_ended - again
    print(
        f"\n[{kind}] put_many {n} new entities (2 index rows each): {entities_done - started:.3f}s;"
        f" {n} put_view: {ended - entities_done:.3f}s; transaction: {first:.3f}s"
        f"\n[{kind}] put_many {n} changed entities (1 index row less): {moved_done - again:.3f}s;"
        f" put_views of {n}: {batch_ended - moved_done:.3f}s; transaction: {second:.3f}s"
    )
    with store.transaction() as tx:
        assert len(tx.find_many("persoon", "bsn", [f"{i:09}" for i in range(0, n, 7)])) == 1429
        assert len(tx.views_of_doel("app", "doel", limit=n + 1)) == n


def test_a_store_of_an_older_format_is_refused_until_rebuilt(database_url: str) -> None:
    store = ProjectionStore(database_url)  # empty: marked with the current format
    with store.transaction() as tx:
        tx.put(Entity("persoon", "p1", 1, {"persoonId": "p1"}, frozenset()))
    store.close()
    ProjectionStore(database_url).close()  # the same format: opens
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:  # what a store built before the format existed looks like
        conn.execute(delete(store_meta).where(store_meta.c.name == "format"))
    engine.dispose()
    with pytest.raises(BronError, match="format 1; this Bron needs format") as refused:
        ProjectionStore(database_url)
    assert "bron streams rebuild" in (refused.value.suggestion or "")
    rebuilding = ProjectionStore(database_url, rebuild=True)
    rebuilding.wipe()
    rebuilding.close()
    reopened = ProjectionStore(database_url)
    with reopened.transaction() as tx:
        assert tx.entity("persoon", "p1") is None
    reopened.close()


def test_an_entitys_index_rows_are_found_without_scanning_its_kind(tmp_path: Path) -> None:
    """Found by the scale run: with an index on (kind, id) only, SQLite read an entity's index
    rows by scanning every row of its kind (the covering primary key), and the worker slowed
    as the store grew. The plan of the statement the worker runs, with the store's data."""
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    store = ProjectionStore(url)
    with store.transaction() as tx:
        tx.put_many([persoon(f"p{i}", nummeraanduiding=f"{i:016d}") for i in range(300)])
    store.close()
    engine = create_engine(url)
    statement = sql.INDEX_OF.params(kind="persoon", ids=["p1", "p2"]).compile(
        engine, compile_kwargs={"literal_binds": True}
    )
    with engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}").all()
    engine.dispose()
    detail = " ".join(str(row[-1]) for row in plan)
    assert "ix_entity_index_rows (kind=? AND id=?)" in detail, detail


def test_a_store_of_an_earlier_version_gets_the_current_indexes(database_url: str) -> None:
    ProjectionStore(database_url).close()
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:  # as an earlier version left it
        conn.execute(text("DROP INDEX ix_entity_index_rows"))
        conn.execute(text("CREATE INDEX ix_entity_index_entity ON entity_index (kind, id)"))
    ProjectionStore(database_url).close()
    names = {i["name"] for i in inspect(engine).get_indexes("entity_index")}
    engine.dispose()
    assert "ix_entity_index_rows" in names
    assert "ix_entity_index_entity" not in names
