"""How a batch of rows reaches the projection store's tables, per database.

SQLite runs in-process: its executemany costs microseconds a row, so the batch goes out as
executemany of the dialect's upserts (and a multi-row `INSERT .. RETURNING` for views).
PostgreSQL pays a protocol message per row even when pipelined, so there a batch is one
statement over `unnest` of one array per column, whatever its size.

Every batch holds a key at most once (the store keeps the last write of a key): one
`INSERT .. ON CONFLICT DO UPDATE` may not touch a row twice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from sqlalchemy import Connection, text

from bron import fastjson
from streams.store_sql import DELETE_INDEX, Upserts

Row = dict[str, Any]
ViewKey = tuple[str, str, str]


class Bulk(Protocol):
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


class ExecuteManyBulk:
    def __init__(self, upserts: Upserts) -> None:
        self._upserts = upserts

    def entities(self, conn: Connection, rows: Sequence[Row]) -> None:
        conn.execute(self._upserts.entity, rows)

    def add_index(self, conn: Connection, rows: Sequence[Row]) -> None:
        conn.execute(self._upserts.index, rows)

    def remove_index(self, conn: Connection, rows: Sequence[Row]) -> None:
        conn.execute(DELETE_INDEX, rows)

    def views(self, conn: Connection, rows: Sequence[Row]) -> dict[ViewKey, int]:
        params = [{**r, "version": 1} for r in rows]
        written = conn.execute(self._upserts.view, params)
        return {(r.app_id, r.doel_id, r.persoon_id): int(r.version) for r in written}


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
