"""Field rules for an object's data, and the other objects it refers to."""

from __future__ import annotations

from collections.abc import Iterable
from typing import get_args

from bron.registry.rejection import Rejection
from services.bag.adres import check_huisletter, check_huisnummer, check_postcode, check_toevoeging
from services.bag.commands import (
    Gebruiksdoel,
    Gegevens,
    Mutatie,
    NummeraanduidingGegevens,
    OpenbareRuimteGegevens,
    OpenbareRuimteType,
    PandGegevens,
    TypeAdresseerbaarObject,
    VerblijfsobjectGegevens,
    WoonplaatsGegevens,
)
from services.bag.identificatie import check_identificatie, check_woonplaatscode
from services.bag.types import Objecttype

Reference = tuple[str, Objecttype, str]
VERKORTE_NAAM_MAX = 24
OPPERVLAKTE_MAX = 999999
NOG_NIET_GEBOUWD = 9999
_NOT_YET_BUILT = frozenset({"bouwvergunning_verleend", "bouw_gestart"})


def check_document(mutatie: Mutatie) -> None:
    _filled("documentnummer", mutatie.documentnummer)


def check_gegevens(gegevens: Gegevens) -> None:
    check_document(gegevens)
    if isinstance(gegevens, WoonplaatsGegevens):
        _filled("naam", gegevens.naam)
    elif isinstance(gegevens, OpenbareRuimteGegevens):
        _openbare_ruimte(gegevens)
    elif isinstance(gegevens, NummeraanduidingGegevens):
        _nummeraanduiding(gegevens)
    elif isinstance(gegevens, VerblijfsobjectGegevens):
        _verblijfsobject(gegevens)
    else:
        _pand(gegevens)
    for field, objecttype, identificatie in references(gegevens):
        check_identificatie(field, identificatie, objecttype)


def references(gegevens: Gegevens) -> list[Reference]:
    if isinstance(gegevens, OpenbareRuimteGegevens):
        return [("ligtIn", "woonplaats", gegevens.ligtIn)]
    if isinstance(gegevens, NummeraanduidingGegevens):
        ligt_in = gegevens.ligtIn
        refs: list[Reference] = [("ligtAan", "openbare-ruimte", gegevens.ligtAan)]
        return refs + ([("ligtIn", "woonplaats", ligt_in)] if ligt_in is not None else [])
    if isinstance(gegevens, VerblijfsobjectGegevens):
        return [
            ("heeftAlsHoofdadres", "nummeraanduiding", gegevens.heeftAlsHoofdadres),
            *_items("heeftAlsNevenadres", "nummeraanduiding", gegevens.heeftAlsNevenadres),
            *_items("maaktDeelUitVan", "pand", gegevens.maaktDeelUitVan),
        ]
    return []


def _openbare_ruimte(g: OpenbareRuimteGegevens) -> None:
    _filled("naam", g.naam)
    if g.verkorteNaam is not None and not 1 <= len(g.verkorteNaam) <= VERKORTE_NAAM_MAX:
        raise Rejection("verkorteNaam", "lengte", f"1 to {VERKORTE_NAAM_MAX} characters")
    _member("type", g.type, get_args(OpenbareRuimteType))


def _nummeraanduiding(g: NummeraanduidingGegevens) -> None:
    check_huisnummer("huisnummer", g.huisnummer)
    if g.huisletter is not None:
        check_huisletter("huisletter", g.huisletter)
    if g.huisnummertoevoeging is not None:
        check_toevoeging("huisnummertoevoeging", g.huisnummertoevoeging)
    if g.postcode is not None:
        check_postcode("postcode", g.postcode)
    _member("typeAdresseerbaarObject", g.typeAdresseerbaarObject, get_args(TypeAdresseerbaarObject))
    if g.ligtIn is not None:
        check_woonplaatscode("ligtIn", g.ligtIn)


def _verblijfsobject(g: VerblijfsobjectGegevens) -> None:
    if not 1 <= g.oppervlakte <= OPPERVLAKTE_MAX:
        raise Rejection("oppervlakte", "oppervlakte-range", f"1 to {OPPERVLAKTE_MAX} m²")
    _filled("gebruiksdoelen", g.gebruiksdoelen)
    for i, doel in enumerate(g.gebruiksdoelen):
        _member(f"gebruiksdoelen.{i}", doel, get_args(Gebruiksdoel))
    _filled("maaktDeelUitVan", g.maaktDeelUitVan)
    _unique("gebruiksdoelen", g.gebruiksdoelen)
    _unique("maaktDeelUitVan", g.maaktDeelUitVan)
    _unique("heeftAlsNevenadres", (g.heeftAlsHoofdadres, *g.heeftAlsNevenadres), offset=-1)


def _pand(g: PandGegevens) -> None:
    bouwjaar = g.oorspronkelijkBouwjaar
    if bouwjaar == NOG_NIET_GEBOUWD and g.status in _NOT_YET_BUILT:
        return
    if not 1000 <= bouwjaar <= g.tijdstipRegistratie.year:
        raise Rejection(
            "oorspronkelijkBouwjaar",
            "bouwjaar-range",
            f"from 1000 to this year ({NOG_NIET_GEBOUWD} only for a pand not yet built)",
        )


def _items(field: str, objecttype: Objecttype, values: Iterable[str]) -> list[Reference]:
    return [(f"{field}.{i}", objecttype, value) for i, value in enumerate(values)]


def _filled(field: str, value: str | tuple[object, ...]) -> None:
    if not (value.strip() if isinstance(value, str) else value):
        raise Rejection(field, "verplicht", "may not be empty")


def _member(field: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise Rejection(field, "waarde-onbekend", f"{value!r} is not one of {', '.join(allowed)}")


def _unique(field: str, values: tuple[str, ...], offset: int = 0) -> None:
    seen: set[str] = set()
    for i, value in enumerate(values):
        if value in seen:
            raise Rejection(f"{field}.{i + offset}", "dubbel", f"{value} is listed twice")
        seen.add(value)
