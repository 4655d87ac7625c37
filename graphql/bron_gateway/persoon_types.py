"""The person as Haal Centraal BRP bevragen shows one (`bron.views.persoon`), as GraphQL types.

Field names are the Haal Centraal names, so a selection maps to the dotted paths of
`policy/velden-persoon.txt` by joining field names (`bron_gateway.selection`). The objects the
resolvers return are the stored view documents themselves: the schema's default resolver reads
a dict by key (`read_field`), and every field is nullable because Haal Centraal leaves absent
values out."""

from __future__ import annotations

from typing import Any

import strawberry

from bron_gateway.objecten_types import Verblijfsobject, WozObject


def read_field(source: Any, name: str) -> object:
    """The default resolver: a view document is a dict keyed by the Haal Centraal names."""
    if isinstance(source, dict):
        return source.get(name)
    return getattr(source, name)


@strawberry.type(description="A coded value: code and description (omschrijving).")
class Waardetabel:
    code: str | None = None
    omschrijving: str | None = None


@strawberry.type
class AdellijkeTitelPredicaat:
    code: str | None = None
    omschrijving: str | None = None
    soort: str | None = None


@strawberry.type(description="A date, or what is known of it (DatumOnbekend, JaarDatum, ...).")
class Datum:
    type: str | None = None
    datum: str | None = strawberry.field(default=None, description="ISO 8601 date")
    langFormaat: str | None = None
    onbekend: bool | None = None
    jaar: int | None = None
    maand: int | None = None


@strawberry.type
class Naam:
    voornamen: str | None = None
    voorvoegsel: str | None = None
    geslachtsnaam: str | None = None
    adellijkeTitelPredicaat: AdellijkeTitelPredicaat | None = None
    voorletters: str | None = None
    volledigeNaam: str | None = None
    aanduidingNaamgebruik: Waardetabel | None = None


@strawberry.type(description="The name of a partner, parent or child.")
class NaamGerelateerde:
    voornamen: str | None = None
    voorvoegsel: str | None = None
    geslachtsnaam: str | None = None
    adellijkeTitelPredicaat: AdellijkeTitelPredicaat | None = None
    voorletters: str | None = None


@strawberry.type
class Geboorte:
    datum: Datum | None = None
    plaats: Waardetabel | None = None
    land: Waardetabel | None = None


@strawberry.type
class Verblijfadres:
    officieleStraatnaam: str | None = None
    korteStraatnaam: str | None = None
    huisnummer: int | None = None
    huisletter: str | None = None
    huisnummertoevoeging: str | None = None
    aanduidingBijHuisnummer: Waardetabel | None = None
    postcode: str | None = None
    woonplaats: str | None = None
    locatiebeschrijving: str | None = None
    regel1: str | None = None
    regel2: str | None = None
    regel3: str | None = None
    land: Waardetabel | None = None


@strawberry.type
class Verblijfplaats:
    type: str | None = None
    functieAdres: Waardetabel | None = None
    adresseerbaarObjectIdentificatie: str | None = None
    nummeraanduidingIdentificatie: str | None = None
    datumVan: Datum | None = None
    datumIngangGeldigheid: Datum | None = None
    verblijfadres: Verblijfadres | None = None


@strawberry.type
class AangaanHuwelijkPartnerschap:
    datum: Datum | None = None
    plaats: Waardetabel | None = None
    land: Waardetabel | None = None


@strawberry.type
class OntbindingHuwelijkPartnerschap:
    datum: Datum | None = None


@strawberry.type
class Partner:
    burgerservicenummer: str | None = None
    naam: NaamGerelateerde | None = None
    geboorte: Geboorte | None = None
    geslacht: Waardetabel | None = None
    soortVerbintenis: Waardetabel | None = None
    aangaanHuwelijkPartnerschap: AangaanHuwelijkPartnerschap | None = None
    ontbindingHuwelijkPartnerschap: OntbindingHuwelijkPartnerschap | None = None


@strawberry.type
class Ouder:
    burgerservicenummer: str | None = None
    naam: NaamGerelateerde | None = None
    geboorte: Geboorte | None = None
    geslacht: Waardetabel | None = None
    ouderAanduiding: str | None = None
    datumIngangFamilierechtelijkeBetrekking: Datum | None = None


@strawberry.type
class Kind:
    burgerservicenummer: str | None = None
    naam: NaamGerelateerde | None = None
    geboorte: Geboorte | None = None


@strawberry.type
class Overlijden:
    datum: Datum | None = None
    plaats: Waardetabel | None = None
    land: Waardetabel | None = None


@strawberry.type
class Nationaliteit:
    type: str | None = None
    nationaliteit: Waardetabel | None = None
    redenOpname: Waardetabel | None = None
    datumIngangGeldigheid: Datum | None = None


@strawberry.type(
    description="An address (nummeraanduiding) from the BAG: a person's, or one looked up."
)
class Adres:
    identificatie: str | None = strawberry.field(
        default=None, description="The nummeraanduiding's BAG id (16 digits)."
    )
    postcode: str | None = None
    huisnummer: int | None = None
    huisletter: str | None = None
    huisnummertoevoeging: str | None = None
    straat: str | None = None
    woonplaats: str | None = None


@strawberry.type(
    description="A person, cut to the fields the purpose (doel) allows. Out of scope or "
    "unknown: null, indistinguishably."
)
class Persoon:
    burgerservicenummer: str | None = None
    aNummer: str | None = None
    naam: Naam | None = None
    geboorte: Geboorte | None = None
    geslacht: Waardetabel | None = None
    leeftijd: int | None = strawberry.field(
        default=None,
        description="Age in whole years today (absent after death); a purpose may allow it "
        "without the birth date.",
    )
    verblijfplaats: Verblijfplaats | None = None
    partners: list[Partner] | None = None
    ouders: list[Ouder] | None = None
    kinderen: list[Kind] | None = None
    overlijden: Overlijden | None = None
    nationaliteiten: list[Nationaliteit] | None = None
    adres: Adres | None = strawberry.field(
        default=None, description="Governed by the purpose's `adres` fields, not `persoon`."
    )
    verblijfsobject: Verblijfsobject | None = strawberry.field(
        default=None,
        description="The verblijfsobject the person lives in; governed by the purpose's "
        "`verblijfsobject` fields.",
    )
    wozObjecten: list[WozObject] | None = strawberry.field(
        default=None,
        description="The WOZ objects of the person's home and those they are belanghebbende "
        "of; governed by the purpose's `wozObject` fields.",
    )
