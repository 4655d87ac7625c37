"""A person as Haal Centraal BRP bevragen shows one, rendered from the person's *record*: the
fold of the BRP's events (`schemas/avro/brp/`) as a plain dict with the events' field names.

One renderer for every reader: the BRP registry converts its `Persoon` state to this record
and the stream processors fold the published events into it, so both answer the same
document. The function is pure (no I/O, no clock): `today` and the gemeenten table are given.

The record: the `PersoonIngeschreven` fields, kept current by the later events, plus two that
the fold adds: `partnerschappen` (in the order entered: `partner`, `soortVerbintenis`,
`aangaanHuwelijkPartnerschap`, `ontbindingHuwelijkPartnerschap` or None) and `overlijden`
(None while alive). Dates may be `datetime.date` or ISO strings (a JSON round trip), ids
strings or `uuid.UUID` (fastavro); absent optional fields count as null.

The document: field names and value shapes of `policy/velden-persoon.txt`, so that
`fields=geboorte.datum.datum` or `geslacht.code` mean what they mean there. Dates are
`{type, datum, langFormaat}` objects, coded values `{code, omschrijving}` (omschrijving where
Bron has the table: gemeenten, geslacht, ...). Absent values are left out, as Haal Centraal
does. Bron's own additions: `persoonId` (the stable key of its events) and
`geheimhoudingPersoonsgegevens` as the BRP's 0-7 value. `kinderen` are the registered persons
that name this person as a parent (a child outside the BRP is not known). Not yet shown:
`gezag`, `verblijfstitel`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

Document = dict[str, Any]
Record = Mapping[str, Any]
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
    record: Record,
    today: datetime.date,
    related: Mapping[str, Record],
    kinderen: Sequence[Record] = (),
    gemeenten: Mapping[str, str] | None = None,
) -> Document:
    """`related`: persoonId → record of the persons in the BRP that the partners and parents
    refer to; `kinderen`: the records of the persons that name this one as a parent, in the
    order to show. `gemeenten`: LO-GBA table 33 (code → name) for the omschrijving of a
    gemeente; without it gemeenten are shown by code alone."""
    tabel = gemeenten or {}
    overlijden, immigratie = record.get("overlijden"), record.get("immigratie")
    verblijf = record.get("verblijfplaats")
    document: Document = _clean(
        {
            "persoonId": _id(record["persoonId"]),
            "burgerservicenummer": record["burgerservicenummer"],
            "aNummer": record.get("aNummer"),
            "naam": naam(record["naam"]),
            "geboorte": geboorte(record["geboorte"], tabel),
            "geslacht": geslacht(record["geslacht"]),
            "leeftijd": None
            if overlijden is not None
            else leeftijd(_date(record["geboorte"].get("datum")), today),
            "nationaliteiten": [
                {
                    "type": "Nationaliteit",
                    "nationaliteit": {"code": n["nationaliteit"]},
                    "redenOpname": {"code": n.get("redenOpname")},
                    "datumIngangGeldigheid": datum(n.get("datumIngangGeldigheid")),
                }
                for n in record.get("nationaliteiten") or ()
            ],
            "verblijfplaats": None if verblijf is None else verblijfplaats(verblijf),
            "gemeenteVanInschrijving": gemeente(record["gemeenteVanInschrijving"], tabel),
            "datumInschrijvingInGemeente": datum(record["datumInschrijvingInGemeente"]),
            "immigratie": None
            if immigratie is None
            else {
                "indicatieVestigingVanuitBuitenland": True,
                "landVanwaarIngeschreven": {"code": immigratie.get("landVanwaarIngeschreven")},
                "datumVestigingInNederland": datum(immigratie.get("datumVestigingInNederland")),
            },
            "partners": [partner(p, related, tabel) for p in record.get("partnerschappen") or ()],
            "ouders": [
                {
                    "ouderAanduiding": str(o["ouderAanduiding"]).removeprefix("ouder"),
                    **gerelateerde(related.get(_id(o.get("persoonId")) or ""), tabel),
                }
                for o in record.get("ouders") or ()
            ],
            "kinderen": [kind(k, tabel) for k in kinderen],
            "overlijden": None
            if overlijden is None
            else {
                "datum": datum(overlijden.get("datum")),
                "plaats": plaats(overlijden.get("plaats"), tabel),
                "land": land(overlijden.get("land")),
            },
            "geheimhoudingPersoonsgegevens": record.get("geheimhoudingPersoonsgegevens", 0),
        }
    )
    return document


def naam(n: Record) -> Document:
    voornamen: str | None = n.get("voornamen")
    voorvoegsel: str | None = n.get("voorvoegsel")
    geslachtsnaam: str = n["geslachtsnaam"]
    return {
        "voornamen": voornamen,
        "voorvoegsel": voorvoegsel,
        "geslachtsnaam": geslachtsnaam,
        "adellijkeTitelPredicaat": {"code": n.get("adellijkeTitelPredicaat")},
        "voorletters": "".join(f"{v[0]}." for v in (voornamen or "").split()) or None,
        "volledigeNaam": " ".join(v for v in (voornamen, voorvoegsel, geslachtsnaam) if v),
    }


def geboorte(g: Record, gemeenten: Mapping[str, str]) -> Document:
    return {
        "datum": datum(g.get("datum")),
        "plaats": plaats(g.get("plaats"), gemeenten),
        "land": land(g.get("land")),
    }


def geslacht(value: str) -> Document:
    return {"code": GESLACHT.get(value, "O"), "omschrijving": value}


def leeftijd(geboren: datetime.date | None, today: datetime.date) -> int | None:
    if geboren is None:
        return None
    return today.year - geboren.year - ((today.month, today.day) < (geboren.month, geboren.day))


def datum(value: datetime.date | str | None) -> Document:
    found = _date(value)
    if found is None:
        return {"type": "DatumOnbekend", "onbekend": True, "langFormaat": "onbekend"}
    lang = f"{found.day} {MAANDEN[found.month - 1]} {found.year}"
    return {"type": "Datum", "datum": found.isoformat(), "langFormaat": lang}


def verblijfplaats(v: Record) -> Document:
    adres: Record = v["verblijfadres"]
    functie = FUNCTIE_ADRES.get(v["functieAdres"])
    aanduiding = adres.get("aanduidingBijHuisnummer")
    return {
        "type": VERBLIJFPLAATS_TYPE[v["type"]],
        "functieAdres": {"code": functie, "omschrijving": v["functieAdres"]} if functie else None,
        "adresseerbaarObjectIdentificatie": v.get("adresseerbaarObjectIdentificatie"),
        "nummeraanduidingIdentificatie": v.get("nummeraanduidingIdentificatie"),
        "datumVan": datum(v["datumAanvangAdreshouding"]),
        "datumIngangGeldigheid": datum(v["datumAanvangAdreshouding"]),
        "verblijfadres": {
            "officieleStraatnaam": adres.get("officieleStraatnaam"),
            "korteStraatnaam": adres.get("korteStraatnaam"),
            "huisnummer": adres.get("huisnummer"),
            "huisletter": adres.get("huisletter"),
            "huisnummertoevoeging": adres.get("huisnummertoevoeging"),
            "aanduidingBijHuisnummer": None
            if aanduiding is None
            else {"code": AANDUIDING_BIJ_HUISNUMMER[aanduiding], "omschrijving": aanduiding},
            "postcode": adres.get("postcode"),
            "woonplaats": adres.get("woonplaats"),
            "locatiebeschrijving": adres.get("locatiebeschrijving"),
        },
    }


def partner(p: Record, related: Mapping[str, Record], gemeenten: Mapping[str, str]) -> Document:
    """A partner in the BRP is shown from their own record; one outside it (or not found) from
    the name and birth the partnership names."""
    code, omschrijving = SOORT_VERBINTENIS[p["soortVerbintenis"]]
    ref: Record = p["partner"]
    known = related.get(_id(ref.get("persoonId")) or "")
    naam_, geboorte_ = ref.get("naam"), ref.get("geboorte")
    outside = {
        "naam": None if naam_ is None else naam(naam_),
        "geboorte": None if geboorte_ is None else geboorte(geboorte_, gemeenten),
    }
    aangaan: Record = p["aangaanHuwelijkPartnerschap"]
    ontbinding: Record | None = p.get("ontbindingHuwelijkPartnerschap")
    return {
        **(gerelateerde(known, gemeenten) if known is not None else outside),
        "soortVerbintenis": {"code": code, "omschrijving": omschrijving},
        "aangaanHuwelijkPartnerschap": {
            "datum": datum(aangaan["datum"]),
            "plaats": plaats(aangaan.get("plaats"), gemeenten),
            "land": land(aangaan.get("land")),
        },
        "ontbindingHuwelijkPartnerschap": None
        if ontbinding is None
        else {"datum": datum(ontbinding["datum"])},
    }


def gerelateerde(r: Record | None, gemeenten: Mapping[str, str]) -> Document:
    """A partner or parent as shown on another person's record."""
    if r is None:
        return {}
    return {
        "burgerservicenummer": r["burgerservicenummer"],
        "naam": naam(r["naam"]),
        "geboorte": geboorte(r["geboorte"], gemeenten),
        "geslacht": geslacht(r["geslacht"]),
    }


def kind(k: Record, gemeenten: Mapping[str, str]) -> Document:
    return {"burgerservicenummer": k["burgerservicenummer"], "naam": naam(k["naam"]),
            "geboorte": geboorte(k["geboorte"], gemeenten)}  # fmt: skip


def gemeente(code: str, gemeenten: Mapping[str, str]) -> Document:
    return {"code": code, "omschrijving": gemeenten.get(code)}


def plaats(value: str | None, gemeenten: Mapping[str, str]) -> Document | None:
    """In the Netherlands a gemeentecode, elsewhere the place's name."""
    if value is None:
        return None
    if value.isdigit() and len(value) == 4:
        return gemeente(value, gemeenten)
    return {"omschrijving": value}


def land(code: str | None) -> Document | None:
    return None if code is None else {"code": code}


def _date(value: datetime.date | str | None) -> datetime.date | None:
    """A record's date: a `date` from the fold or Avro, an ISO string after JSON."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def _id(value: object) -> str | None:
    """A persoonId as the string the events carry (fastavro reads a uuid as `uuid.UUID`)."""
    return None if value is None else str(value)


def _clean(value: Any) -> Any:
    """Haal Centraal leaves absent values out: drop None, {} and [] from every object."""
    if isinstance(value, dict):
        cleaned = {}
        for k, v in value.items():
            if isinstance(v, dict | list):
                v = _clean(v)
                if not v:
                    continue
            elif v is None:
                continue
            cleaned[k] = v
        return cleaned
    if isinstance(value, list):
        return [_clean(v) if isinstance(v, dict | list) else v for v in value]
    return value
