"""The BAG registry's tables: one versioned aggregate table per object type, the outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, MetaData

from bron.registry.aggregates import AggregateTable
from services.bag.domain import (
    STATES,
    BagObject,
    Nummeraanduiding,
    Objecttype,
    Verblijfsobject,
    address_key,
    is_end,
)
from services.outbox import Outbox

metadata = MetaData()
LOOKUPS: dict[Objecttype, tuple[str, ...]] = {
    "woonplaats": ("naam",),
    "openbare-ruimte": ("ligt_in",),
    "nummeraanduiding": ("adres", "postcode"),
    "verblijfsobject": ("hoofdadres",),
    "pand": (),
}
TABLES: dict[Objecttype, AggregateTable[Any]] = {
    objecttype: AggregateTable(
        metadata, objecttype.replace("-", "_"), STATES[objecttype], lookups=LOOKUPS[objecttype]
    )
    for objecttype in STATES
}
outbox = Outbox(metadata)


def lookups(state: BagObject) -> dict[str, str | None]:
    if isinstance(state, Nummeraanduiding):
        key = address_key(state.postcode or "", state.huisnummer, state.huisletter,
                          state.huisnummertoevoeging)  # fmt: skip
        return {"adres": key, "postcode": state.postcode}
    if isinstance(state, Verblijfsobject):
        return {"hoofdadres": state.heeftAlsHoofdadres}
    if state.objecttype == "woonplaats":
        return {"naam": getattr(state, "naam", None)}
    if state.objecttype == "openbare-ruimte":
        return {"ligt_in": getattr(state, "ligtIn", None)}
    return {}


class ConnectionRefs:
    """The domain's `Refs`, answered from the same transaction's snapshot."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def exists(self, objecttype: Objecttype, identificatie: str) -> bool:
        loaded = TABLES[objecttype].load(self.conn, identificatie)
        return loaded is not None and not is_end(objecttype, loaded.state.status)
