"""The BAG and WOZ objects as GraphQL types: a verblijfsobject and a WOZ object with its values,
belanghebbenden and objections, as `streams.compose` keeps them in a view (and as the gateway
composes them from the stored states). The persons behind belanghebbenden and objections are
never named: no persoonId, no BSN."""

from __future__ import annotations

from typing import Any, NewType, cast

import strawberry

from bron_gateway.selection import requested_of

Long = NewType("Long", int)
# Given to the schema as a scalar override (`bron_gateway.schema`): GraphQL's Int has 32 bits.
LONG = strawberry.scalar(
    name="Long",
    serialize=int,
    parse_value=int,
    description="A whole number that may not fit in 32 bits (an amount in euros).",
)


@strawberry.type(
    description="A building (pand) from the BAG, read from the BAG registry with only the "
    "fields asked (the projections do not hold panden); governed by the purpose's `pand` "
    "fields."
)
class Pand:
    identificatie: str | None = None
    oorspronkelijkBouwjaar: int | None = None
    status: str | None = None


async def _panden(root: Any, info: strawberry.Info) -> list[Pand] | None:
    """The panden the verblijfsobject is part of (`maaktDeelUitVan`, in the view only when the
    purpose allows pand fields; `bron_gateway.selection` checked the fields before)."""
    ids = list(root.get("maaktDeelUitVan") or []) if isinstance(root, dict) else []
    bag = info.context.services.bag
    if not ids or bag is None:
        return None
    fields = [p for p in requested_of("pand", info.selected_fields[0].selections)["pand"]
              if p != "*"] or ["identificatie"]  # fmt: skip
    return [cast(Pand, p) for p in await info.context.loaders.panden(bag, ids, fields) if p]


@strawberry.type(description="A verblijfsobject from the BAG.")
class Verblijfsobject:
    identificatie: str | None = strawberry.field(
        default=None, description="The verblijfsobject's BAG id (16 digits)."
    )
    oppervlakte: int | None = None
    gebruiksdoelen: list[str] | None = None
    status: str | None = None
    heeftAlsHoofdadres: str | None = None
    panden: list[Pand] | None = strawberry.field(resolver=_panden)


@strawberry.type(description="A value of a WOZ object as of its waardepeildatum.")
class WozWaarde:
    vastgesteldeWaarde: Long | None = None
    waardepeildatum: str | None = None
    toestandspeildatum: str | None = None
    belastingjaar: int | None = None


@strawberry.type(description="In what capacity someone has an interest; who is not shown.")
class Belanghebbende:
    soort: str | None = strawberry.field(default=None, description="eigenaar or gebruiker")
    ingangsdatum: str | None = None
    einddatum: str | None = None


@strawberry.type(description="An objection to a WOZ value; who made it is not shown.")
class Bezwaar:
    bezwaarnummer: str | None = None
    belastingjaar: int | None = None
    bestredenWaarde: Long | None = None
    gewensteWaarde: Long | None = None
    datumOntvangst: str | None = None
    uitkomst: str | None = None
    nieuweWaarde: Long | None = None
    datumUitspraak: str | None = None


@strawberry.type(
    description="A WOZ object, cut to the purpose's `wozObject` fields. Outside the purpose's "
    "municipalities or unknown: null, indistinguishably."
)
class WozObject:
    wozObjectnummer: str | None = None
    gemeentecode: str | None = None
    verblijfsobjectIdentificaties: list[str] | None = None
    soortObjectcode: str | None = None
    grondoppervlakte: int | None = None
    waarden: list[WozWaarde] | None = None
    belanghebbenden: list[Belanghebbende] | None = None
    bezwaren: list[Bezwaar] | None = None
