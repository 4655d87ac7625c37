"""The WOZ registry's use cases: run a command, read an object, find those of a verblijfsobject."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from bron.registry.commands import Change, Publish, execute
from bron.registry.database import Database
from services.woz.domain import Command, Refs, WozObject, decide, evolve
from services.woz.store import covering, indexing, lookups, woz_objecten


class WozRegistry:
    def __init__(self, engine: Database, publish: Publish, verblijfsobjecten: Refs) -> None:
        self.engine = engine
        self.publish = indexing(publish)
        self.verblijfsobjecten = verblijfsobjecten

    def execute(self, command: Command) -> Change[WozObject]:
        def decide_in(_: Connection, state: WozObject | None) -> list[tuple[str, Any]]:
            return decide(command, state, self.verblijfsobjecten)

        return execute(self.engine, woz_objecten, command.wozObjectnummer, decide_in, evolve,
                       lookups, self.publish)  # fmt: skip

    def get(self, nummer: str) -> WozObject | None:
        with self.engine.connect() as conn:
            loaded = woz_objecten.load(conn, nummer)
        return loaded.state if loaded else None

    def of_verblijfsobject(self, verblijfsobject: str) -> list[WozObject]:
        with self.engine.connect() as conn:
            loaded = [woz_objecten.load(conn, n) for n in covering(conn, verblijfsobject)]
        return [entry.state for entry in loaded if entry is not None]
