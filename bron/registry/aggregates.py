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
    String,
    Table,
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

    def load(self, conn: Connection, entity_id: str) -> Loaded[S] | None:
        row = conn.execute(
            select(self.table.c.state, self.table.c.version).where(self.table.c.id == entity_id)
        ).first()
        if row is None:
            return None
        return Loaded(self._adapter.validate_python(row.state), int(row.version))

    def find_ids(self, conn: Connection, **criteria: str | None) -> list[str]:
        query = select(self.table.c.id)
        for column, value in criteria.items():
            query = query.where(self.table.c[column] == value)
        return [str(r.id) for r in conn.execute(query.order_by(self.table.c.id))]

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
            conn.execute(insert(self.table).values(id=entity_id, **values))
            return
        result = conn.execute(
            update(self.table)
            .where(self.table.c.id == entity_id, self.table.c.version == expected)
            .values(**values)
        )
        if result.rowcount != 1:
            raise ConcurrentChange(entity_id)
