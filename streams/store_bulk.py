"""How a batch of rows reaches the projection store's tables, per database.

SQLite runs in-process: its executemany costs microseconds a row, so the batch goes out as
executemany of plain SQL through the driver, and states are read through it too (SQLAlchemy's
per-row parameter and result processing cost more than SQLite's work in a profile of the
worker), and a multi-row `INSERT .. RETURNING` of
the dialect's upsert for views.
PostgreSQL pays a protocol message per row even when pipelined, so there a batch is one
statement over `unnest` of one array per column, whatever its size.

Every batch holds a key at most once (the store keeps the last write of a key): one
`INSERT .. ON CONFLICT DO UPDATE` may not touch a row twice."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import Connection, text

from bron import fastjson
from streams.store_sql import ENTITIES, Upserts

Row = dict[str, Any]
ViewKey = tuple[str, str, str]
State = tuple[str, int, dict[str, Any]]  # id, seq, state


class Bulk(Protocol):
    def states(self, conn: Connection, kind: str, ids: Sequence[str]) -> list[State]:
        """(id, seq, state) of the stored ones among `ids` (at most `CHUNK` of them)."""

    def entities(self, conn: Connection, rows: Sequence[Row]) -> None:
        """Upsert kind, id, seq, state."""

    def add_index(self, conn: Connection, rows: Sequence[Row]) -> None:
        """Insert kind, name, value, id (a row already there is kept)."""

    def remove_index(self, conn: Connection, rows: Sequence[Row]) -> None:
        """Delete kind, name, value, id."""

    def views(self, conn: Connection, rows: Sequence[Row]) -> dict[ViewKey, int]:
        """Upsert app_id, doel_id, persoon_id, digest, view, changed_at where the digest
        changed; the new version of every view written."""


def bulk(dialect: str, upserts: Upserts) -> Bulk:
    return UnnestBulk() if dialect == "postgresql" else ExecuteManyBulk(upserts)


_SQLITE_ENTITIES = (
    "INSERT INTO entity (kind, id, seq, state) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (kind, id) DO UPDATE SET seq = excluded.seq, state = excluded.state"
)
_SQLITE_ADD_INDEX = (
    "INSERT INTO entity_index (kind, name, value, id) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_SQLITE_REMOVE_INDEX = (
    "DELETE FROM entity_index WHERE kind = ? AND name = ? AND value = ? AND id = ?"
)


class ExecuteManyBulk:
    def __init__(self, upserts: Upserts) -> None:
        self._upserts = upserts

    def states(self, conn: Connection, kind: str, ids: Sequence[str]) -> list[State]:
        rows = conn.exec_driver_sql(_states_query(len(ids)), (kind, *ids))
        return [(id, int(seq), fastjson.loads(state)) for id, seq, state in rows]

    def entities(self, conn: Connection, rows: Sequence[Row]) -> None:
        params = [(r["kind"], r["id"], r["seq"], fastjson.dumps(r["state"])) for r in rows]
        conn.exec_driver_sql(_SQLITE_ENTITIES, params)

    def add_index(self, conn: Connection, rows: Sequence[Row]) -> None:
        conn.exec_driver_sql(_SQLITE_ADD_INDEX, _index_tuples(rows))

    def remove_index(self, conn: Connection, rows: Sequence[Row]) -> None:
        conn.exec_driver_sql(_SQLITE_REMOVE_INDEX, _index_tuples(rows))

    def views(self, conn: Connection, rows: Sequence[Row]) -> dict[ViewKey, int]:
        params = [{**r, "version": 1} for r in rows]
        written = conn.execute(self._upserts.view, params)
        return {(r.app_id, r.doel_id, r.persoon_id): int(r.version) for r in written}


@lru_cache(maxsize=64)
def _states_query(count: int) -> str:
    """The statement for `count` ids: only placeholders are put into it, never a value."""
    marks = ", ".join("?" * count)
    return f"SELECT id, seq, state FROM entity WHERE kind = ? AND id IN ({marks})"  # noqa: S608


def _index_tuples(rows: Sequence[Row]) -> list[tuple[str, str, str, str]]:
    return [(r["kind"], r["name"], r["value"], r["id"]) for r in rows]


# (The statements name only constants; the values travel as one array parameter per column.)
_ENTITIES = text(
    "INSERT INTO entity (kind, id, seq, state) "
    "SELECT kind, id, seq, CAST(state AS json) "
    "FROM unnest(CAST(:kind AS varchar[]), CAST(:id AS varchar[]), CAST(:seq AS bigint[]), "
    "CAST(:state AS text[])) AS t(kind, id, seq, state) "
    "ON CONFLICT (kind, id) DO UPDATE SET seq = excluded.seq, state = excluded.state"
)
_INDEX = ("kind", "name", "value", "id")
_ADD_INDEX = text(
    "INSERT INTO entity_index (kind, name, value, id) "
    "SELECT * FROM unnest(CAST(:kind AS varchar[]), CAST(:name AS varchar[]), "
    "CAST(:value AS varchar[]), CAST(:id AS varchar[])) "
    "ON CONFLICT DO NOTHING"
)
_REMOVE_INDEX = text(
    "DELETE FROM entity_index AS i USING unnest(CAST(:kind AS varchar[]), "
    "CAST(:name AS varchar[]), CAST(:value AS varchar[]), CAST(:id AS varchar[])) "
    "AS d(kind, name, value, id) "
    "WHERE i.kind = d.kind AND i.name = d.name AND i.value = d.value AND i.id = d.id"
)
_VIEWS = text(
    "INSERT INTO projection_view AS v "
    "(app_id, doel_id, persoon_id, version, digest, view, changed_at) "
    "SELECT app_id, doel_id, persoon_id, 1, digest, CAST(view AS json), changed_at "
    "FROM unnest(CAST(:app_id AS varchar[]), CAST(:doel_id AS varchar[]), "
    "CAST(:persoon_id AS varchar[]), CAST(:digest AS varchar[]), CAST(:view AS text[]), "
    "CAST(:changed_at AS timestamptz[])) "
    "AS t(app_id, doel_id, persoon_id, digest, view, changed_at) "
    "ON CONFLICT (app_id, doel_id, persoon_id) DO UPDATE SET version = v.version + 1, "
    "digest = excluded.digest, view = excluded.view, changed_at = excluded.changed_at "
    "WHERE v.digest IS DISTINCT FROM excluded.digest "
    "RETURNING app_id, doel_id, persoon_id, version"
)


def _columns(rows: Sequence[Row], names: Sequence[str], as_json: str = "") -> Row:
    params: Row = {name: [r[name] for r in rows] for name in names}
    if as_json:
        params[as_json] = [fastjson.dumps(value) for value in params[as_json]]
    return params


class UnnestBulk:
    def states(self, conn: Connection, kind: str, ids: Sequence[str]) -> list[State]:
        rows = conn.execute(ENTITIES, {"kind": kind, "ids": list(ids)})
        return [(r.id, int(r.seq), r.state) for r in rows]

    def entities(self, conn: Connection, rows: Sequence[Row]) -> None:
        conn.execute(_ENTITIES, _columns(rows, ("kind", "id", "seq", "state"), "state"))

    def add_index(self, conn: Connection, rows: Sequence[Row]) -> None:
        conn.execute(_ADD_INDEX, _columns(rows, _INDEX))

    def remove_index(self, conn: Connection, rows: Sequence[Row]) -> None:
        conn.execute(_REMOVE_INDEX, _columns(rows, _INDEX))

    def views(self, conn: Connection, rows: Sequence[Row]) -> dict[ViewKey, int]:
        names = ("app_id", "doel_id", "persoon_id", "digest", "view", "changed_at")
        written = conn.execute(_VIEWS, _columns(rows, names, "view"))
        return {(r.app_id, r.doel_id, r.persoon_id): int(r.version) for r in written}
