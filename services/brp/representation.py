"""A person as Haal Centraal BRP bevragen shows one (pure): field names and value shapes of
`policy/velden-persoon.txt`, so that `fields=geboorte.datum.datum` or `geslacht.code` mean
what they mean there. Dates are `{type, datum, langFormaat}` objects, coded values
`{code, omschrijving}` (omschrijving where Bron has the table: gemeenten, geslacht, ...).
Absent values are left out, as Haal Centraal does.

Bron's own additions: `persoonId` (the stable key of its events) and
`geheimhoudingPersoonsgegevens` as the BRP's 0-7 value. `kinderen` are the registered persons
that name this person as a parent (a child outside the BRP is not known). Not yet shown:
`gezag`, `verblijfstitel`."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from services.brp.domain import Geboorte, Naam, Partnerschap, Persoon, Verblijfplaats
from services.brp.testset import GEMEENTEN, read_gemeenten

Document = dict[str, Any]
MAANDEN = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
           "september", "oktober", "november", "december")  # fmt: skip
GESLACHT = {"man": "M", "vrouw": "V", "onbekend": "O"}
SOORT_VERBINTENIS = {"huwelijk": ("H", "huwelijk"),
                     "geregistreerd_partnerschap": ("P", "geregistreerd partnerschap"),
                     "onbekend": ("O", "onbekend")}  # fmt: skip
VERBLIJFPLAATS_TYPE = {"adres": "Adres", "locatie": "Locatie", "onbekend": "VerblijfplaatsOnbekend"}
FUNCTIE_ADRES = {"woonadres": "W", "briefadres": "B"}
AANDUIDING_BIJ_HUISNUMMER = {"bij": "by", "tegenover": "to"}


def persoon(
    p: Persoon,
    today: datetime.date,
    related: Mapping[str, Persoon],
    kinderen: Sequence[Persoon] = (),
) -> Document:
    """`related`: the persons in the BRP that `p`'s partners and parents refer to;
    `kinderen`: the persons that name `p` as a parent."""
    document: Document = _clean(
        {
            "persoonId": p.persoon_id,
            "burgerservicenummer": p.burgerservicenummer,
            "aNummer": p.a_nummer,
            "naam": naam(p.naam),
            "geboorte": geboorte(p.geboorte),
            "geslacht": geslacht(p.geslacht),
            "leeftijd": None if p.overleden else leeftijd(p.geboorte.datum, today),
            "nationaliteiten": [
                {
                    "type": "Nationaliteit",
                    "nationaliteit": {"code": n.nationaliteit},
                    "redenOpname": {"code": n.reden_opname},
                    "datumIngangGeldigheid": datum(n.datum_ingang_geldigheid),
                }
                for n in p.nationaliteiten
            ],
            "verblijfplaats": verblijfplaats(p.verblijfplaats) if p.verblijfplaats else None,
            "gemeenteVanInschrijving": gemeente(p.gemeente_van_inschrijving),
            "datumInschrijvingInGemeente": datum(p.datum_inschrijving_in_gemeente),
            "immigratie": None
            if p.immigratie is None
            else {
                "indicatieVestigingVanuitBuitenland": True,
                "landVanwaarIngeschreven": {"code": p.immigratie.land_vanwaar_ingeschreven},
                "datumVestigingInNederland": datum(p.immigratie.datum_vestiging_in_nederland),
            },
            "partners": [partner(ps, related) for ps in p.partnerschappen],
            "ouders": [
                {
                    "ouderAanduiding": o.ouder_aanduiding.removeprefix("ouder"),
                    **gerelateerde(related.get(o.persoon_id or "")),
                }
                for o in p.ouders
            ],
            "kinderen": [kind(k) for k in kinderen],
            "overlijden": None
            if p.overlijden is None
            else {
                "datum": datum(p.overlijden.datum),
                "plaats": plaats(p.overlijden.plaats),
                "land": land(p.overlijden.land),
            },
            "geheimhoudingPersoonsgegevens": p.geheimhouding_persoonsgegevens,
        }
    )
    return document


def naam(n: Naam) -> Document:
    voornamen = (n.voornamen or "").split()
    return {
        "voornamen": n.voornamen,
        "voorvoegsel": n.voorvoegsel,
        "geslachtsnaam": n.geslachtsnaam,
        "adellijkeTitelPredicaat": {"code": n.adellijke_titel_predicaat},
        "voorletters": "".join(f"{v[0]}." for v in voornamen) or None,
        "volledigeNaam": " ".join(v for v in (n.voornamen, n.voorvoegsel, n.geslachtsnaam) if v),
    }


def geboorte(g: Geboorte) -> Document:
    return {"datum": datum(g.datum), "plaats": plaats(g.plaats), "land": land(g.land)}


def geslacht(value: str) -> Document:
    return {"code": GESLACHT.get(value, "O"), "omschrijving": value}


def leeftijd(geboren: datetime.date | None, today: datetime.date) -> int | None:
    if geboren is None:
        return None
    return today.year - geboren.year - ((today.month, today.day) < (geboren.month, geboren.day))


def datum(value: datetime.date | None) -> Document:
    if value is None:
        return {"type": "DatumOnbekend", "onbekend": True, "langFormaat": "onbekend"}
    lang = f"{value.day} {MAANDEN[value.month - 1]} {value.year}"
    return {"type": "Datum", "datum": value.isoformat(), "langFormaat": lang}


def verblijfplaats(v: Verblijfplaats) -> Document:
    adres = v.verblijfadres
    functie = FUNCTIE_ADRES.get(v.functie_adres)
    aanduiding = adres.aanduiding_bij_huisnummer
    return {
        "type": VERBLIJFPLAATS_TYPE[v.type],
        "functieAdres": {"code": functie, "omschrijving": v.functie_adres} if functie else None,
        "adresseerbaarObjectIdentificatie": v.adresseerbaar_object_identificatie,
        "nummeraanduidingIdentificatie": v.nummeraanduiding_identificatie,
        "datumVan": datum(v.datum_aanvang_adreshouding),
        "datumIngangGeldigheid": datum(v.datum_aanvang_adreshouding),
        "verblijfadres": {
            "officieleStraatnaam": adres.officiele_straatnaam,
            "korteStraatnaam": adres.korte_straatnaam,
            "huisnummer": adres.huisnummer,
            "huisletter": adres.huisletter,
            "huisnummertoevoeging": adres.huisnummertoevoeging,
            "aanduidingBijHuisnummer": None
            if aanduiding is None
            else {"code": AANDUIDING_BIJ_HUISNUMMER[aanduiding], "omschrijving": aanduiding},
            "postcode": adres.postcode,
            "woonplaats": adres.woonplaats,
            "locatiebeschrijving": adres.locatiebeschrijving,
        },
    }


def partner(p: Partnerschap, related: Mapping[str, Persoon]) -> Document:
    code, omschrijving = SOORT_VERBINTENIS[p.soort_verbintenis]
    known = related.get(p.partner.persoon_id or "")
    outside = {
        "naam": naam(p.partner.naam) if p.partner.naam else None,
        "geboorte": geboorte(p.partner.geboorte) if p.partner.geboorte else None,
    }
    return {
        **(gerelateerde(known) if known else outside),
        "soortVerbintenis": {"code": code, "omschrijving": omschrijving},
        "aangaanHuwelijkPartnerschap": {
            "datum": datum(p.aangaan.datum),
            "plaats": plaats(p.aangaan.plaats),
            "land": land(p.aangaan.land),
        },
        "ontbindingHuwelijkPartnerschap": None
        if p.ontbinding is None
        else {"datum": datum(p.ontbinding.datum)},
    }


def gerelateerde(p: Persoon | None) -> Document:
    """A partner or parent as shown on another person's record."""
    if p is None:
        return {}
    return {
        "burgerservicenummer": p.burgerservicenummer,
        "naam": naam(p.naam),
        "geboorte": geboorte(p.geboorte),
        "geslacht": geslacht(p.geslacht),
    }


def kind(k: Persoon) -> Document:
    return {"burgerservicenummer": k.burgerservicenummer, "naam": naam(k.naam),
            "geboorte": geboorte(k.geboorte)}  # fmt: skip


def gemeente(code: str) -> Document:
    return {"code": code, "omschrijving": _gemeenten().get(code)}


def plaats(value: str | None) -> Document | None:
    """In the Netherlands a gemeentecode, elsewhere the place's name."""
    if value is None:
        return None
    return gemeente(value) if value.isdigit() and len(value) == 4 else {"omschrijving": value}


def land(code: str | None) -> Document | None:
    return None if code is None else {"code": code}


@cache
def _gemeenten() -> dict[str, str]:
    return read_gemeenten(GEMEENTEN)


def _clean(value: Any) -> Any:
    if isinstance(value, dict):
        cleaned = {k: _clean(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value
