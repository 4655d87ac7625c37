"""The consent register's tables: consents (looked up by person, by the active
(persoonId, appId, doelId) triple and by when they expire), the published apps and purposes,
and the outbox."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import Connection, MetaData, select

from bron.registry.aggregates import AggregateTable
from services.outbox import Outbox
from services.toestemming.domain import Gepubliceerd, Toestemming

metadata = MetaData()
# `actief` is unique: two active consents for the same triple cannot both be saved.
TOESTEMMINGEN: AggregateTable[Toestemming] = AggregateTable(
    metadata, "toestemming", Toestemming, lookups=("persoon", "actief", "verloopt"),
    unique=("actief",),
)  # fmt: skip
APPS: AggregateTable[Gepubliceerd] = AggregateTable(metadata, "gepubliceerde_app", Gepubliceerd)
DOELEN: AggregateTable[Gepubliceerd] = AggregateTable(metadata, "gepubliceerd_doel", Gepubliceerd)
outbox = Outbox(metadata)


def active_key(persoon_id: str, app_id: str, doel_id: str) -> str:
    return hashlib.sha256(f"{persoon_id}\n{app_id}\n{doel_id}".encode()).hexdigest()


def stamp(moment: datetime) -> str:
    """Fixed width, so that comparing the strings compares the moments."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def lookups(state: Toestemming) -> dict[str, str | None]:
    active = state.actief
    return {
        "persoon": state.persoonId,
        "actief": active_key(state.persoonId, state.appId, state.doelId) if active else None,
        "verloopt": stamp(state.geldigTot) if active and state.geldigTot else None,
    }


def is_active(conn: Connection, persoon_id: str, app_id: str, doel_id: str) -> bool:
    return bool(TOESTEMMINGEN.find_ids(conn, actief=active_key(persoon_id, app_id, doel_id)))


def due_ids(conn: Connection, now: datetime) -> list[str]:
    """Active consents whose geldigTot is at or before `now`."""
    column = TOESTEMMINGEN.table.c.verloopt
    query = select(TOESTEMMINGEN.table.c.id).where(column.is_not(None), column <= stamp(now))
    return [str(row.id) for row in conn.execute(query.order_by(column))]
