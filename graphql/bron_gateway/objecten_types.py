"""The BAG and WOZ objects as GraphQL types: a verblijfsobject and a WOZ object with its values,
belanghebbenden and objections, as `streams.compose` keeps them in a view (and as the gateway
composes them from the stored states). The persons behind belanghebbenden and objections are
never named: no persoonId, no BSN."""

from __future__ import annotations

from typing import NewType

import strawberry

Long = NewType("Long", int)
# Given to the schema as a scalar override (`bron_gateway.schema`): GraphQL's Int has 32 bits.
LONG = strawberry.scalar(
    name="Long",
    serialize=int,
    parse_value=int,
    description="A whole number that may not fit in 32 bits (an amount in euros).",
)


@strawberry.type(description="A verblijfsobject from the BAG.")
class Verblijfsobject:
    identificatie: str | None = strawberry.field(
        default=None, description="The verblijfsobject's BAG id (16 digits)."
    )
    oppervlakte: int | None = None
    gebruiksdoelen: list[str] | None = None
    status: str | None = None
    heeftAlsHoofdadres: str | None = None


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
