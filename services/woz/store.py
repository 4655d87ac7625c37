"""The WOZ registry's tables: the versioned WOZ-objects, which verblijfsobjecten each covers
(kept in the command's transaction), and the outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Connection, MetaData, String, Table, delete, insert, select

from bron.registry.aggregates import AggregateTable
from bron.registry.commands import Publish
from services.outbox import Outbox
from services.woz.domain import WozObject

metadata = MetaData()
woz_objecten: AggregateTable[WozObject] = AggregateTable(
    metadata, "woz_object", WozObject, lookups=("gemeentecode",)
)
covers = Table(
    "woz_verblijfsobject",
    metadata,
    Column("woz_objectnummer", String(12), primary_key=True),
    Column("verblijfsobject", String(16), primary_key=True, index=True),
)
outbox = Outbox(metadata)


def lookups(state: WozObject) -> dict[str, str | None]:
    return {"gemeentecode": state.gemeentecode}


def indexing(publish: Publish) -> Publish:
    """`publish`, after recording the verblijfsobjecten an object event names."""

    def step(conn: Connection, entity_id: str, first: int, events: list[Any]) -> None:
        for _, data in events:
            if "verblijfsobjectIdentificaties" in data:
                conn.execute(delete(covers).where(covers.c.woz_objectnummer == entity_id))
                rows = [{"woz_objectnummer": entity_id, "verblijfsobject": v}
                        for v in data["verblijfsobjectIdentificaties"]]  # fmt: skip
                if rows:
                    conn.execute(insert(covers), rows)
        publish(conn, entity_id, first, events)

    return step


def covering(conn: Connection, verblijfsobject: str) -> list[str]:
    query = select(covers.c.woz_objectnummer).where(covers.c.verblijfsobject == verblijfsobject)
    return [
        str(r.woz_objectnummer) for r in conn.execute(query.order_by(covers.c.woz_objectnummer))
    ]
