"""Aggregates in a table: one row per entity with its version and its state as JSON, plus the
columns the registry looks entities up by. Optimistic: a save names the version it read."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    bindparam,
    insert,
    select,
    update,
)

S = TypeVar("S")


class ConcurrentChange(Exception):
    """Another transaction changed the entity since it was read: retry the command."""


@dataclass(frozen=True, slots=True)
class Loaded(Generic[S]):
    state: S
    version: int


class AggregateTable(Generic[S]):
    def __init__(
        self,
        metadata: MetaData,
        name: str,
        state_type: type[S],
        lookups: Sequence[str] = (),
        unique: Sequence[str] = (),
    ) -> None:
        columns = [
            Column(c, String(64), nullable=True, index=True, unique=c in unique) for c in lookups
        ]
        self.table = Table(
            name,
            metadata,
            Column("id", String(64), primary_key=True),
            Column("version", Integer, nullable=False),
            Column("state", JSON, nullable=False),
            Column("changed_at", DateTime(timezone=True), nullable=False),
            *columns,
        )
        self.lookups = tuple(lookups)
        self._adapter: TypeAdapter[S] = TypeAdapter(state_type)
        # Built once: building and cache-keying a statement per call costs more than running it.
        c = self.table.c
        self._load = select(c.state, c.version).where(c.id == bindparam("entity_id"))
        self._insert = insert(self.table)
        self._finds: dict[tuple[str, ...], Select[tuple[str]]] = {}
        self._update = (
            update(self.table)
            .where(c.id == bindparam("entity_id"), c.version == bindparam("expected"))
            .values({name: bindparam(f"new_{name}") for name in self._columns()})
        )

    def _columns(self) -> tuple[str, ...]:
        return ("version", "state", "changed_at", *self.lookups)

    def load(self, conn: Connection, entity_id: str) -> Loaded[S] | None:
        row = conn.execute(self._load, {"entity_id": entity_id}).first()
        if row is None:
            return None
        return Loaded(self._adapter.validate_python(row.state), int(row.version))

    def find_ids(self, conn: Connection, **criteria: str | None) -> list[str]:
        if any(value is None for value in criteria.values()):
            raise ValueError(f"find_ids compares values, not NULL: {sorted(criteria)}")
        columns = tuple(sorted(criteria))
        query = self._finds.get(columns)
        if query is None:
            query = select(self.table.c.id)
            for column in columns:
                query = query.where(self.table.c[column] == bindparam(f"by_{column}"))
            query = self._finds[columns] = query.order_by(self.table.c.id)
        params = {f"by_{column}": value for column, value in criteria.items()}
        return [str(r.id) for r in conn.execute(query, params)]

    def save(
        self,
        conn: Connection,
        entity_id: str,
        state: S,
        version: int,
        expected: int | None,
        lookups: Mapping[str, str | None],
    ) -> None:
        """Insert (expected None) or update from `expected` to `version`."""
        values: dict[str, Any] = {
            "version": version,
            "state": self._adapter.dump_python(state, mode="json"),
            "changed_at": datetime.now(UTC),
            **{c: lookups.get(c) for c in self.lookups},
        }
        if expected is None:
            conn.execute(self._insert, {"id": entity_id, **values})
            return
        result = conn.execute(
            self._update,
            {"entity_id": entity_id, "expected": expected,
             **{f"new_{name}": value for name, value in values.items()}},
        )  # fmt: skip
        if result.rowcount != 1:
            raise ConcurrentChange(entity_id)
