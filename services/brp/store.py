"""The BRP registry's tables: persons (versioned state with the columns searches use) and the
outbox, in one database so that a change and its events commit together."""

from __future__ import annotations

from sqlalchemy import MetaData

from bron.registry.aggregates import AggregateTable
from services.brp.domain import Persoon
from services.outbox import Outbox

metadata = MetaData()
personen: AggregateTable[Persoon] = AggregateTable(
    metadata,
    "persoon",
    Persoon,
    lookups=("bsn", "geslachtsnaam", "geboortedatum", "postcode", "huisnummer", "ouder1", "ouder2"),
    unique=("bsn",),
)
outbox = Outbox(metadata)


def lookups(state: Persoon) -> dict[str, str | None]:
    adres = state.verblijfplaats.verblijfadres if state.verblijfplaats else None
    huisnummer = adres.huisnummer if adres else None
    ouders = {o.ouder_aanduiding: o.persoon_id for o in state.ouders}
    return {
        "bsn": state.burgerservicenummer,
        "geslachtsnaam": geslachtsnaam_key(state.naam.geslachtsnaam),
        "geboortedatum": state.geboorte.datum.isoformat() if state.geboorte.datum else None,
        "postcode": postcode_key(adres.postcode) if adres and adres.postcode else None,
        "huisnummer": None if huisnummer is None else str(huisnummer),
        # a child names its parents; these columns answer "whose parent" (`kinderen`)
        "ouder1": ouders.get("ouder1"),
        "ouder2": ouders.get("ouder2"),
    }


def geslachtsnaam_key(value: str) -> str:
    """Lowercased and cut to the column's width; a search compares full names afterwards."""
    return value.strip().lower()[:64]


def postcode_key(value: str) -> str:
    return value.replace(" ", "").upper()
