"""Running a command: load the entity, decide, fold the events into its state, save it, and
hand the events to `publish` (the outbox) — all in one database transaction. A rejection
raised by `decide` rolls everything back: nothing written, nothing published. `decide` gets
the connection too, to look at other entities of the same registry in the same snapshot."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from bron.registry.aggregates import AggregateTable, ConcurrentChange
from bron.registry.database import Database

S = TypeVar("S")
Events = list[tuple[str, dict[str, Any]]]
Publish = Callable[[Connection, str, int, Events], None]


@dataclass(frozen=True, slots=True)
class Change(Generic[S]):
    entity_id: str
    state: S | None
    version: int
    events: Events

    @property
    def first_sequence(self) -> int:
        return self.version - len(self.events) + 1


def execute(
    engine: Database,
    aggregates: AggregateTable[S],
    entity_id: str,
    decide: Callable[[Connection, S | None], Events],
    evolve: Callable[[S | None, str, dict[str, Any]], S],
    lookups: Callable[[S], Mapping[str, str | None]],
    publish: Publish,
    attempts: int = 5,
) -> Change[S]:
    """Apply a command to one entity; retried when another transaction changed it first."""
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as conn:
                return _once(conn, aggregates, entity_id, decide, evolve, lookups, publish)
        except (ConcurrentChange, IntegrityError):
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def _once(
    conn: Connection,
    aggregates: AggregateTable[S],
    entity_id: str,
    decide: Callable[[Connection, S | None], Events],
    evolve: Callable[[S | None, str, dict[str, Any]], S],
    lookups: Callable[[S], Mapping[str, str | None]],
    publish: Publish,
) -> Change[S]:
    loaded = aggregates.load(conn, entity_id)
    state = loaded.state if loaded else None
    before = loaded.version if loaded else 0
    events = decide(conn, state)
    if not events:
        return Change(entity_id, state, before, [])
    for event_type, data in events:
        state = evolve(state, event_type, data)
    assert state is not None
    version = before + len(events)
    aggregates.save(
        conn, entity_id, state, version, loaded.version if loaded else None, lookups(state)
    )
    publish(conn, entity_id, before + 1, events)
    return Change(entity_id, state, version, events)
