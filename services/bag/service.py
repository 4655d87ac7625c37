"""The BAG registry's use cases: run a command, read an object, find addresses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from bron.registry.commands import Change, Publish, execute
from bron.registry.database import Database
from services.bag.domain import BagObject, Command, Objecttype, address_key, decide, evolve
from services.bag.store import TABLES, ConnectionRefs, lookups


@dataclass(frozen=True, slots=True)
class Adres:
    nummeraanduiding: BagObject
    verblijfsobjecten: list[BagObject]


class BagRegistry:
    def __init__(self, engine: Database, publish: Publish) -> None:
        self.engine = engine
        self.publish = publish

    def execute(self, command: Command) -> Change[Any]:
        def decide_in(conn: Connection, state: BagObject | None) -> list[tuple[str, Any]]:
            return decide(command, state, ConnectionRefs(conn))

        return execute(
            self.engine,
            TABLES[command.objecttype],
            command.identificatie,
            decide_in,
            evolve,
            lookups,
            self.publish,
        )

    def get(self, objecttype: Objecttype, identificatie: str) -> BagObject | None:
        with self.engine.connect() as conn:
            loaded = TABLES[objecttype].load(conn, identificatie)
        return loaded.state if loaded else None

    def addresses(
        self, postcode: str, huisnummer: int, huisletter: str | None, toevoeging: str | None
    ) -> list[Adres]:
        """Nummeraanduidingen at postcode + huisnummer (+ huisletter / toevoeging when given),
        each with the verblijfsobjecten whose hoofdadres it is."""
        key = address_key(postcode, huisnummer, huisletter, toevoeging)
        with self.engine.connect() as conn:
            ids = TABLES["nummeraanduiding"].find_ids(conn, postcode=key.split("-")[0])
            found = []
            for identificatie in ids:
                loaded = TABLES["nummeraanduiding"].load(conn, identificatie)
                assert loaded is not None
                own = lookups(loaded.state)["adres"] or ""
                if not _matches(own, key, huisletter, toevoeging):
                    continue
                objects = [
                    TABLES["verblijfsobject"].load(conn, vbo)
                    for vbo in TABLES["verblijfsobject"].find_ids(conn, hoofdadres=identificatie)
                ]
                found.append(Adres(loaded.state, [o.state for o in objects if o is not None]))
        return found


def _matches(own: str, wanted: str, huisletter: str | None, toevoeging: str | None) -> bool:
    mine, theirs = own.split("-"), wanted.split("-")
    if mine[:2] != theirs[:2]:
        return False
    if huisletter is not None and mine[2] != theirs[2]:
        return False
    return toevoeging is None or mine[3] == theirs[3]
