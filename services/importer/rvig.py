"""The RvIG test persons as registry commands (pure): first the BAG objects their addresses
refer to, then one inschrijving per person, then partnerships and deaths.

Facts the test set does not hold are filled in and marked as such: woonplaats ids (4 digits,
derived from the name), openbare-ruimte and pand ids (derived from the address), bouwjaar,
oppervlakte and gebruiksdoel of the verblijfsobject.
"""

from __future__ import annotations

import datetime
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from services.brp.testset import TestPerson, Verblijfplaats

NAMESPACE = uuid.UUID("6f1c63c2-6a0b-4d43-9a8c-5b1b0a0e7c11")
DOCUMENT = {"documentdatum": "2022-05-02", "documentnummer": "RvIG-testset-20220502"}
GESLACHT = {"M": "man", "V": "vrouw", "O": "onbekend"}
VERBINTENIS = {"H": "huwelijk", "P": "geregistreerd_partnerschap"}


@dataclass(frozen=True, slots=True)
class Call:
    registry: str  # "bag" or "brp"
    path: str
    body: dict[str, Any]
    label: str  # what it is, for the summary (no personal data: ids only)
    # Refusals that mean this call was carried out by an earlier run (see services/importer/run)
    done_when: frozenset[str] = frozenset()


@dataclass(slots=True)
class Plan:
    bag: list[Call] = field(default_factory=list)
    inschrijvingen: list[Call] = field(default_factory=list)
    vervolg: list[Call] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (pl id, reason)
    notes: list[tuple[str, str]] = field(default_factory=list)


def persoon_id(person: TestPerson) -> str:
    return str(uuid.uuid5(NAMESPACE, person.pl_id))


def _digits(text: str, count: int) -> str:
    return str(int(hashlib.sha256(text.encode()).hexdigest(), 16) % 10**count).zfill(count)


def woonplaats_ids(names: set[str]) -> dict[str, str]:
    """A stable 4-digit id per woonplaats name (1000-9999), collisions resolved in name order."""
    taken: set[str] = set()
    ids: dict[str, str] = {}
    for name in sorted(names):
        candidate = 1000 + int(_digits(name, 8)) % 9000
        while str(candidate) in taken:
            candidate = 1000 + (candidate - 999) % 9000
        taken.add(str(candidate))
        ids[name] = str(candidate)
    return ids


def _bag_address(v: Verblijfplaats) -> str | None:
    """Why the address cannot be created in the BAG, or None when it can."""
    n, a = v.nummeraanduiding_identificatie, v.adresseerbaar_object_identificatie
    if not (n and a and v.huisnummer and v.woonplaats and (v.naam_openbare_ruimte or v.straatnaam)):
        return "address without BAG ids"
    if not (len(n) == len(a) == 16 and n.isdigit() and a.isdigit()):
        return "BAG id that is not 16 digits"
    if n[4:6] != "20" or a[4:6] != "01":
        return "BAG id with an unexpected object type (not 20 / 01)"
    return None


def plan(persons: list[TestPerson], now: datetime.datetime) -> Plan:
    result = Plan()
    mutatie = {**DOCUMENT, "tijdstipRegistratie": now.isoformat()}
    usable = {p.pl_id: _bag_address(p.verblijfplaats) if p.verblijfplaats else "no address"
              for p in persons}  # fmt: skip
    addressed = [p for p in persons if usable[p.pl_id] is None and p.verblijfplaats]
    woonplaatsen = woonplaats_ids({p.verblijfplaats.woonplaats or "" for p in addressed
                                   if p.verblijfplaats})  # fmt: skip
    seen: set[str] = set()
    for p in addressed:
        assert p.verblijfplaats is not None
        for call in _bag_calls(p.verblijfplaats, woonplaatsen, mutatie):
            key = call.path + call.body["identificatie"]
            if key not in seen:
                seen.add(key)
                result.bag.append(call)
    by_bsn: dict[str, TestPerson] = {}
    registered: list[TestPerson] = []
    for p in sorted(persons, key=lambda p: p.pl_id):
        v = p.verblijfplaats
        if not p.burgerservicenummer:
            result.skipped.append((p.pl_id, "no burgerservicenummer"))
        elif p.burgerservicenummer in by_bsn:
            first = by_bsn[p.burgerservicenummer].pl_id
            result.skipped.append((p.pl_id, f"its BSN is also on {first}, registered once"))
        elif v is None or not v.gemeente_van_inschrijving:
            result.skipped.append((p.pl_id, "no gemeente van inschrijving"))
        else:
            by_bsn[p.burgerservicenummer] = p
            registered.append(p)
    for p in registered:
        v = p.verblijfplaats
        assert v is not None
        reason = usable[p.pl_id]
        if reason and reason != "no address":
            result.notes.append((p.pl_id, f"registered without verblijfplaats: {reason}"))
        result.inschrijvingen.append(_inschrijving(p, v, reason is None, by_bsn))
        result.vervolg += _partnerschap(p, by_bsn)
        if p.overlijdensdatum and p.overlijdensdatum.as_date:
            body = {"overlijden": {"datum": p.overlijdensdatum.as_date.isoformat()}}
            result.vervolg.append(Call("brp", f"/personen/{persoon_id(p)}/overlijden", body,
                                       f"overlijden {p.pl_id}"))  # fmt: skip
    return result


def _bag_calls(
    v: Verblijfplaats, woonplaatsen: dict[str, str], mutatie: dict[str, Any]
) -> list[Call]:
    n, a = v.nummeraanduiding_identificatie or "", v.adresseerbaar_object_identificatie or ""
    gemeente = n[:4]
    woonplaats = woonplaatsen[v.woonplaats or ""]
    straat = v.naam_openbare_ruimte or v.straatnaam or ""
    openbare_ruimte = f"{gemeente}30{_digits(woonplaats + straat, 10)}"
    pand = f"{a[:4]}10{_digits(a, 10)}"
    return [
        Call("bag", "/woonplaatsen", {**mutatie, "identificatie": woonplaats,
             "naam": v.woonplaats, "status": "woonplaats_aangewezen"}, f"woonplaats {woonplaats}"),
        Call("bag", "/openbareruimten", {**mutatie, "identificatie": openbare_ruimte,
             "naam": straat, "type": "weg", "status": "naamgeving_uitgegeven",
             "ligtIn": woonplaats}, f"openbare ruimte {openbare_ruimte}"),
        Call("bag", "/nummeraanduidingen", {**mutatie, "identificatie": n,
             "huisnummer": v.huisnummer, "huisletter": v.huisletter,
             "huisnummertoevoeging": v.huisnummertoevoeging, "postcode": v.postcode,
             "typeAdresseerbaarObject": "verblijfsobject", "status": "naamgeving_uitgegeven",
             "ligtAan": openbare_ruimte, "ligtIn": woonplaats}, f"nummeraanduiding {n}"),
        Call("bag", "/panden", {**mutatie, "identificatie": pand, "oorspronkelijkBouwjaar": 1975,
             "status": "pand_in_gebruik"}, f"pand {pand}"),
        Call("bag", "/verblijfsobjecten", {**mutatie, "identificatie": a,
             "heeftAlsHoofdadres": n, "gebruiksdoelen": ["woonfunctie"], "oppervlakte": 80,
             "status": "verblijfsobject_in_gebruik", "maaktDeelUitVan": [pand]},
             f"verblijfsobject {a}"),
    ]  # fmt: skip


def _date(value: Any) -> str | None:
    found = value.as_date if value is not None else None
    return found.isoformat() if found else None


def _naam(naam: Any) -> dict[str, Any]:
    return {"geslachtsnaam": naam.geslachtsnaam or ".", "voornamen": naam.voornamen,
            "voorvoegsel": naam.voorvoegsel,
            "adellijkeTitelPredicaat": naam.adellijke_titel_predicaat}  # fmt: skip


def _inschrijving(
    p: TestPerson, v: Verblijfplaats, with_address: bool, by_bsn: dict[str, TestPerson]
) -> Call:
    ingeschreven = _date(v.datum_inschrijving) or _date(v.datum_aanvang_adreshouding)
    immigratie = v.land_vanwaar_ingeschreven is not None
    body: dict[str, Any] = {
        "reden": "immigratie" if immigratie else "geboorte",
        "persoonId": persoon_id(p),
        "burgerservicenummer": p.burgerservicenummer,
        "aNummer": p.a_nummer,
        "naam": _naam(p.naam),
        "geboorte": {
            "datum": _date(p.geboortedatum),
            "plaats": p.geboorteplaats,
            "land": p.geboorteland,
        },
        "geslacht": GESLACHT.get(p.geslacht or "", "onbekend"),
        "gemeenteVanInschrijving": v.gemeente_van_inschrijving,
        "datumInschrijvingInGemeente": ingeschreven or DOCUMENT["documentdatum"],
        "nationaliteiten": [{"nationaliteit": code} for code in p.nationaliteiten],
        "geheimhoudingPersoonsgegevens": p.geheimhouding,
        "ouders": _ouders(p, by_bsn),
    }
    if immigratie:
        body["immigratie"] = {
            "landVanwaarIngeschreven": v.land_vanwaar_ingeschreven,
            "datumVestigingInNederland": _date(v.datum_vestiging_in_nederland),
        }
    if with_address:
        body["verblijfplaats"] = {
            "verblijfadres": {"officieleStraatnaam": v.naam_openbare_ruimte or v.straatnaam,
                              "korteStraatnaam": v.straatnaam, "huisnummer": v.huisnummer,
                              "huisletter": v.huisletter,
                              "huisnummertoevoeging": v.huisnummertoevoeging,
                              "postcode": v.postcode, "woonplaats": v.woonplaats},
            "datumAanvangAdreshouding": _date(v.datum_aanvang_adreshouding) or body[
                "datumInschrijvingInGemeente"],
            "nummeraanduidingIdentificatie": v.nummeraanduiding_identificatie,
            "adresseerbaarObjectIdentificatie": v.adresseerbaar_object_identificatie,
        }  # fmt: skip
    return Call("brp", "/personen", body, f"inschrijving {p.pl_id}")


def _ouders(p: TestPerson, by_bsn: dict[str, TestPerson]) -> list[dict[str, str]]:
    """Parents that are registered persons of the set, by their persoonId (a child is known
    to its parents through this link: the BRP answers their `kinderen` from it)."""
    ouders = []
    for o in p.ouders:
        parent = by_bsn.get(o.persoon.burgerservicenummer or "")
        if parent is not None and parent is not p:
            ouders.append({"ouderAanduiding": f"ouder{o.ouder_aanduiding}",
                           "persoonId": persoon_id(parent)})  # fmt: skip
    return ouders


def _dies(p: TestPerson) -> bool:
    return p.overlijdensdatum is not None and p.overlijdensdatum.as_date is not None


def _current_partner(p: TestPerson) -> str | None:
    """The BSN of the partner of the person's current partnership with a known start."""
    if not p.partners or not p.partners[0].datum_aangaan or not p.partners[0].datum_aangaan.as_date:
        return None
    return p.partners[0].persoon.burgerservicenummer or ""


def _partnerschap(p: TestPerson, by_bsn: dict[str, TestPerson]) -> list[Call]:
    if _current_partner(p) is None:
        return []
    current = p.partners[0]
    other = by_bsn.get(current.persoon.burgerservicenummer or "")
    if other is p or (other is not None and _current_partner(other) != p.burgerservicenummer):
        # The list names the person as their own partner, or the partner's own list does not
        # name this person back (someone else, or no current partnership): the name only.
        other = None
    if other is not None:
        if other.pl_id < p.pl_id:
            return []  # the other one's call names this person; one partnership, not two
        partner: dict[str, Any] = {"persoonId": persoon_id(other)}
    else:
        partner = {"naam": _naam(current.persoon.naam),
                   "geboorte": {"datum": _date(current.persoon.geboortedatum)}}  # fmt: skip
    body = {
        "partner": partner,
        "soortVerbintenis": VERBINTENIS.get(current.soort_verbintenis or "", "onbekend"),
        "aangaanHuwelijkPartnerschap": {
            "datum": _date(current.datum_aangaan),
            "plaats": current.plaats_aangaan,
            "land": current.land_aangaan,
        },
    }
    # Deaths are registered after partnerships; on a later run the death refuses the marriage.
    done = {"rejected/partnerschap.bestaat-al"}
    if _dies(p):
        done.add("rejected/persoon.overleden")
    if other is not None and _dies(other):
        done.add("rejected/partnerschap.partner-overleden")
    label = f"partnerschap {p.pl_id}"
    path = f"/personen/{persoon_id(p)}/partnerschappen"
    return [Call("brp", path, body, label, frozenset(done))]
