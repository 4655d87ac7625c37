"""The stream workers' pure code (ADR 9): `streams.fold` (events → entity states),
`streams.index` (what each state is found by), `streams.scope` (who an app may see for a
purpose) and `streams.compose` (a purpose's view of one person). No store, no broker.

The builders at the top make events as the registries publish them: every record is written and
read back with its own Avro contract (`schemas/avro/**`), so the data has exactly the shapes and
Python types the codec gives a worker (`uuid.UUID`, `datetime.date`, aware `datetime`), on the
topic and partition its contract routes it to, with offsets and per-entity sequences counting
up. `tests/integration/test_projector.py` builds its scenarios with them too."""

from __future__ import annotations

import datetime
import decimal
import functools
import io
import itertools
import json
import uuid
import zlib
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import fastavro
import pytest

from bron.contracts.routing import topic_spec_for
from bron.contracts.schemafiles import load_schema_files
from bron.policy import App, Doel, Policy, load_policy
from bron.views.persoon import persoon as render_persoon
from services.brp.bsn import is_valid_bsn
from services.toestemming.policy_events import app_data, doel_data, publish_policy
from streams import compose
from streams.fold import STEMS, FoldError, fold, jsonable
from streams.incoming import Incoming, UnknownEvent, kind_of
from streams.index import active_key, index_of, moment
from streams.scope import consent_active, scope
from streams.store import Entity

UTC = datetime.UTC
NOW = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
TODAY = NOW.date()
DAY = datetime.timedelta(days=1)
IDS = uuid.UUID("6f1f5a8e-3c1d-4d39-9a55-0f9b1b7d2c10")  # namespace of the builders' ids
State = dict[str, Any]

# gemeentecode → (woonplaatscode, woonplaats, postcode prefix); 0344 runs no purpose
GEMEENTEN = {
    "0363": ("3594", "Amsterdam", "1011"),
    "0518": ("1245", "'s-Gravenhage", "2511"),
    "0599": ("3086", "Rotterdam", "3011"),
    "0344": ("3295", "Utrecht", "3511"),
}


# -- contracts -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Contract:
    schema: Any
    topic: str
    partitions: int


@functools.cache
def contracts() -> dict[str, Contract]:
    found = {}
    for f in load_schema_files():
        spec = topic_spec_for(f)
        found[f.event_type] = Contract(fastavro.parse_schema(f.schema), spec.name, spec.partitions)
    return found


def as_decoded(event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` written and read with the event type's Avro contract, strictly: a missing or
    unknown field fails here, and the values come back as the codec decodes them."""
    schema = contracts()[event_type].schema
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, dict(data), strict=True)
    buffer.seek(0)
    decoded = fastavro.schemaless_reader(buffer, schema, None)
    assert isinstance(decoded, dict)
    return decoded


# -- the events of a small world -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Adres:
    gemeente: str
    woonplaats: str  # woonplaatscode
    woonplaatsnaam: str
    openbare_ruimte: str
    straat: str
    nummeraanduiding: str
    verblijfsobject: str
    huisnummer: int
    postcode: str
    huisletter: str | None = None


@dataclass(frozen=True, slots=True)
class Persoon:
    id: str
    bsn: str
    gemeente: str
    adres: Adres | None
    geslachtsnaam: str


def bsn(n: int) -> str:
    """The n-th BSN of the builders (a test number, 9999…), passing the 11-proef."""
    for prefix in (99_900_000 + 2 * n, 99_900_001 + 2 * n):
        digits = [int(c) for c in str(prefix)]
        check = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
        if check != 10:
            return f"{prefix}{check}"
    raise AssertionError(f"no BSN for {n}")


def voorkomen(n: int = 1) -> dict[str, Any]:
    """The BAG's fields of a voorkomen (version) of an object."""
    return {"geconstateerd": False, "documentdatum": datetime.date(2026, 1, 5),
            "documentnummer": f"BAG-2026-{n:05d}", "voorkomenidentificatie": n,
            "beginGeldigheid": datetime.date(2026, 1, 5), "eindGeldigheid": None,
            "tijdstipRegistratie": datetime.datetime(2026, 1, 5, 9, 30, tzinfo=UTC)}  # fmt: skip


def naam(voornamen: str, geslachtsnaam: str, voorvoegsel: str | None = None) -> dict[str, Any]:
    return {"voornamen": voornamen, "adellijkeTitelPredicaat": None, "voorvoegsel": voorvoegsel,
            "geslachtsnaam": geslachtsnaam}  # fmt: skip


def verblijfplaats(adres: Adres, sinds: datetime.date) -> dict[str, Any]:
    return {
        "type": "adres",
        "functieAdres": "woonadres",
        "nummeraanduidingIdentificatie": adres.nummeraanduiding,
        "adresseerbaarObjectIdentificatie": adres.verblijfsobject,
        "verblijfadres": {
            "officieleStraatnaam": adres.straat,
            "korteStraatnaam": adres.straat[:24],
            "huisnummer": adres.huisnummer,
            "huisletter": adres.huisletter,
            "huisnummertoevoeging": None,
            "aanduidingBijHuisnummer": None,
            "postcode": adres.postcode,
            "woonplaats": adres.woonplaatsnaam,
            "locatiebeschrijving": None,
        },
        "datumAanvangAdreshouding": sinds,
    }


@dataclass
class Stream:
    """Events as the registries publish them: on the topic of their contract, in a partition
    by key, at the next offset of that partition, with the next sequence of their entity."""

    events: list[Incoming] = field(default_factory=list)
    taken: int = 0
    offsets: defaultdict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    sequences: defaultdict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))

    def emit(self, event_type: str, data: Mapping[str, Any]) -> Incoming:
        contract = contracts()[event_type]
        decoded = as_decoded(event_type, data)
        probe = Incoming(contract.topic, 0, 0, "", event_type, 0, decoded)
        partition = zlib.crc32(probe.entity_id.encode()) % contract.partitions
        self.sequences[probe.kind, probe.entity_id] += 1
        sequence = self.sequences[probe.kind, probe.entity_id]
        return self._add(contract.topic, partition, str(uuid.uuid4()), event_type, sequence,
                         decoded)  # fmt: skip

    def emit_all(self, events: Sequence[tuple[str, dict[str, Any]]]) -> list[Incoming]:
        return [self.emit(event_type, data) for event_type, data in events]

    def redeliver(self, event: Incoming) -> Incoming:
        """The same event again at a later offset (a producer's retry): same id and sequence."""
        return self._add(event.topic, event.partition, event.event_id, event.event_type,
                         event.sequence, event.data)  # fmt: skip

    def take(self) -> list[Incoming]:
        """The events emitted since the last take: the next batch."""
        batch, self.taken = self.events[self.taken :], len(self.events)
        return batch

    def _add(self, topic: str, partition: int, event_id: str, event_type: str, sequence: int,
             data: dict[str, Any]) -> Incoming:  # fmt: skip
        offset = self.offsets[topic, partition]
        self.offsets[topic, partition] += 1
        event = Incoming(topic, partition, offset, event_id, event_type, sequence, data)
        self.events.append(event)
        return event


@dataclass
class World(Stream):
    """A few registries' worth of events: the register of apps and purposes, BAG addresses,
    persons living at them, their partners and children, WOZ objects and consents."""

    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    woonplaatsen: set[str] = field(default_factory=set)
    straten: dict[tuple[str, str], str] = field(default_factory=dict)

    def next(self) -> int:
        return next(self.counter)

    def policy(self, register: Policy | None = None) -> list[Incoming]:
        return self.emit_all(publish_policy(register or load_policy()))

    def doel_gewijzigd(self, doel: Doel) -> Incoming:
        return self.emit("nl.toestemming.doel-gewijzigd.v1", doel_data(doel))

    def app_gewijzigd(self, app: App) -> Incoming:
        return self.emit("nl.toestemming.app-gewijzigd.v1", app_data(app))

    def adres(self, gemeente: str, straat: str = "Damstraat", huisnummer: int | None = None,
              huisletter: str | None = None, ligt_in: str | None = None) -> Adres:  # fmt: skip
        """A new nummeraanduiding with its verblijfsobject, at a street (and woonplaats) made
        the first time one is named. `ligt_in`: a woonplaats other than the street's."""
        n = self.next()
        woonplaats, woonplaatsnaam, postcode = GEMEENTEN[gemeente]
        if woonplaats not in self.woonplaatsen:
            self.woonplaatsen.add(woonplaats)
            self.emit("nl.bag.woonplaats-aangemaakt.v1", {
                "identificatie": woonplaats, "naam": woonplaatsnaam,
                "status": "woonplaats_aangewezen", "geometrie": None, **voorkomen()})  # fmt: skip
        if (woonplaats, straat) not in self.straten:
            identificatie = f"{gemeente}30{n:010d}"
            self.straten[woonplaats, straat] = identificatie
            self.emit("nl.bag.openbare-ruimte-aangemaakt.v1", {
                "identificatie": identificatie, "naam": straat, "verkorteNaam": None,
                "type": "weg", "status": "naamgeving_uitgegeven", "ligtIn": woonplaats,
                **voorkomen()})  # fmt: skip
        adres = Adres(gemeente, ligt_in or woonplaats, woonplaatsnaam,
                      self.straten[woonplaats, straat], straat, f"{gemeente}20{n:010d}",
                      f"{gemeente}01{n:010d}", huisnummer or n, f"{postcode}{_letters(n)}",
                      huisletter)  # fmt: skip
        self.emit("nl.bag.nummeraanduiding-aangemaakt.v1", nummeraanduiding(adres, ligt_in))
        self.emit("nl.bag.verblijfsobject-aangemaakt.v1", {
            "identificatie": adres.verblijfsobject, "heeftAlsHoofdadres": adres.nummeraanduiding,
            "heeftAlsNevenadres": [], "gebruiksdoelen": ["woonfunctie"], "oppervlakte": 40 + n,
            "status": "verblijfsobject_in_gebruik", "maaktDeelUitVan": [f"{gemeente}10{n:010d}"],
            "geometrie": None, **voorkomen()})  # fmt: skip
        return adres

    def persoon(self, geslachtsnaam: str, where: Adres | str, *, voornamen: str = "Anna Maria",
                geboren: datetime.date = datetime.date(1984, 3, 7), geslacht: str = "vrouw",
                ouders: Sequence[Persoon] = (), geheimhouding: int = 0) -> Persoon:  # fmt: skip
        """Ingeschreven in a gemeente, at an address there (or without one: a gemeentecode)."""
        n = self.next()
        adres = where if isinstance(where, Adres) else None
        gemeente = where.gemeente if isinstance(where, Adres) else where
        persoon_id = uuid.uuid5(IDS, f"persoon-{n}")
        self.emit("nl.brp.persoon-ingeschreven.v1", {
            "persoonId": str(persoon_id), "reden": "geboorte", "burgerservicenummer": bsn(n),
            "aNummer": None, "naam": naam(voornamen, geslachtsnaam),
            "geboorte": {"datum": geboren, "plaats": gemeente, "land": "6030"},
            "geslacht": geslacht,
            "nationaliteiten": [{"nationaliteit": "0001", "redenOpname": "001",
                                 "datumIngangGeldigheid": geboren}],
            "ouders": [{"persoonId": o.id, "ouderAanduiding": f"ouder{i}"}
                       for i, o in enumerate(ouders, 1)],
            "verblijfplaats": None if adres is None else verblijfplaats(adres, geboren),
            "gemeenteVanInschrijving": gemeente, "datumInschrijvingInGemeente": geboren,
            "immigratie": None, "geheimhoudingPersoonsgegevens": geheimhouding})  # fmt: skip
        return Persoon(str(persoon_id), bsn(n), gemeente, adres, geslachtsnaam)

    def verhuis(self, p: Persoon, adres: Adres,
                sinds: datetime.date = datetime.date(2026, 6, 1)) -> Persoon:  # fmt: skip
        self.emit("nl.brp.persoon-verhuisd.v1", {
            "persoonId": p.id, "verblijfplaats": verblijfplaats(adres, sinds),
            "gemeenteVanInschrijving": adres.gemeente,
            "vorigeGemeenteVanInschrijving": None if adres.gemeente == p.gemeente
            else p.gemeente})  # fmt: skip
        return Persoon(p.id, p.bsn, adres.gemeente, adres, p.geslachtsnaam)

    def naam_gewijzigd(self, p: Persoon, geslachtsnaam: str, voornamen: str = "Anna Maria") -> None:
        self.emit("nl.brp.persoon-naam-gewijzigd.v1", {
            "persoonId": p.id, "naam": naam(voornamen, geslachtsnaam),
            "datumIngangGeldigheid": datetime.date(2026, 5, 1)})  # fmt: skip

    def geheimhouding(self, p: Persoon, waarde: int) -> None:
        self.emit("nl.brp.persoon-geheimhouding-gewijzigd.v1", {
            "persoonId": p.id, "geheimhoudingPersoonsgegevens": waarde,
            "datumIngangGeldigheid": datetime.date(2026, 5, 1)})  # fmt: skip

    def partnerschap(self, a: Persoon, b: Persoon) -> None:
        """A huwelijk, as the BRP registers it: on both persons."""
        for one, other in ((a, b), (b, a)):
            self.emit("nl.brp.persoon-partnerschap-aangegaan.v1", {
                "persoonId": one.id,
                "partner": {"persoonId": other.id, "naam": None, "geboorte": None},
                "soortVerbintenis": "huwelijk",
                "aangaanHuwelijkPartnerschap": {
                    "datum": datetime.date(2012, 8, 18), "plaats": one.gemeente,
                    "land": "6030"}})  # fmt: skip

    def woz(self, adres: Adres, belanghebbende: Persoon | None = None) -> str:
        nummer = f"{adres.gemeente}{self.next():08d}"
        self.emit("nl.woz.woz-object-aangemaakt.v1", {
            "wozObjectnummer": nummer, "gemeentecode": adres.gemeente,
            "verblijfsobjectIdentificaties": [adres.verblijfsobject], "soortObjectcode": "1010",
            "grondoppervlakte": 120, "ingangsdatum": datetime.date(2020, 1, 1),
            "tijdstipRegistratie": datetime.datetime(2020, 1, 2, 8, tzinfo=UTC)})  # fmt: skip
        if belanghebbende is not None:
            self.emit("nl.woz.belanghebbende-gewijzigd.v1", {
                "wozObjectnummer": nummer, "persoonId": belanghebbende.id, "soort": "eigenaar",
                "ingangsdatum": datetime.date(2020, 1, 1), "einddatum": None})  # fmt: skip
        return nummer

    def waarde(self, nummer: str, waarde: int, jaar: int = 2026) -> None:
        self.emit("nl.woz.waarde-vastgesteld.v1", {
            "wozObjectnummer": nummer, "vastgesteldeWaarde": waarde,
            "waardepeildatum": datetime.date(jaar - 1, 1, 1),
            "toestandspeildatum": datetime.date(jaar, 1, 1), "belastingjaar": jaar,
            "tijdstipRegistratie": datetime.datetime(jaar, 2, 28, 10, tzinfo=UTC)})  # fmt: skip

    def toestemming(self, p: Persoon, app: str, doel: str,
                    geldig_tot: datetime.datetime | None = None) -> str:  # fmt: skip
        toestemming_id = str(uuid.uuid5(IDS, f"toestemming-{self.next()}"))
        self.emit("nl.toestemming.toestemming-verleend.v1", {
            "toestemmingId": toestemming_id, "persoonId": p.id, "appId": app, "doelId": doel,
            "verleendOp": NOW - 30 * DAY, "geldigTot": geldig_tot})  # fmt: skip
        return toestemming_id

    def intrekken(self, p: Persoon, toestemming_id: str, app: str, doel: str) -> None:
        self.emit("nl.toestemming.toestemming-ingetrokken.v1", {
            "toestemmingId": toestemming_id, "persoonId": p.id, "appId": app, "doelId": doel,
            "ingetrokkenOp": NOW - DAY})  # fmt: skip


def nummeraanduiding(adres: Adres, ligt_in: str | None = None, n: int = 1,
                     postcode: str | None = None) -> dict[str, Any]:  # fmt: skip
    return {"identificatie": adres.nummeraanduiding, "huisnummer": adres.huisnummer,
            "huisletter": adres.huisletter, "huisnummertoevoeging": None,
            "postcode": postcode or adres.postcode, "typeAdresseerbaarObject": "verblijfsobject",
            "status": "naamgeving_uitgegeven", "ligtAan": adres.openbare_ruimte, "ligtIn": ligt_in,
            **voorkomen(n)}  # fmt: skip


def _letters(n: int) -> str:
    return chr(ord("A") + n // 26 % 26) + chr(ord("A") + n % 26)


def states(events: Sequence[Incoming]) -> dict[tuple[str, str], State]:
    """Every entity's state after `events`, folded one by one (as a worker does)."""
    found: dict[tuple[str, str], State] = {}
    for e in events:
        key = (e.kind, e.entity_id)
        found[key] = fold(e.kind, found.get(key), e.event_type, e.data)
    return found


def rendered(all_states: Mapping[tuple[str, str], State], p: Persoon) -> State:
    """The person as `bron.views.persoon` shows them, with their relatives and children."""
    persons = {i: s for (kind, i), s in all_states.items() if kind == "persoon"}
    kinderen = [s for s in persons.values()
                if p.id in {o["persoonId"] for o in s.get("ouders", [])}]  # fmt: skip
    return render_persoon(persons[p.id], TODAY, persons, kinderen)


def place(all_states: Mapping[tuple[str, str], State], adres: Adres) -> tuple[State, State]:
    """The `adres` and `verblijfsobject` parts of a view, from the BAG states."""
    na = all_states["nummeraanduiding", adres.nummeraanduiding]
    straat = all_states["openbare_ruimte", na["ligtAan"]]
    woonplaats = all_states["woonplaats", na.get("ligtIn") or straat["ligtIn"]]
    vbo = all_states["verblijfsobject", adres.verblijfsobject]
    return compose.adres(na, straat["naam"], woonplaats["naam"]), compose.verblijfsobject(vbo)


def leaves(value: Any, prefix: str = "") -> set[str]:
    """The dotted paths of a document's leaves, through lists."""
    if isinstance(value, list):
        return set().union(*(leaves(v, prefix) for v in value)) if value else {prefix}
    if isinstance(value, dict) and value:
        return set().union(*(leaves(v, f"{prefix}.{k}" if prefix else k)
                             for k, v in value.items()))  # fmt: skip
    return {prefix}


def allowed(path: str, velden: Sequence[str]) -> bool:
    return any(path == a or path.startswith(a + ".") for a in velden)


POLICY = load_policy()
BIJSTAND = POLICY.doel_by_id["bijstand"]
WOZ = POLICY.doel_by_id["belastingen-woz"]
PARKEREN = POLICY.doel_by_id["parkeervergunning"]
AFVAL = POLICY.doel_by_id["afvalpas"]
OVERHEID_APP = POLICY.app_by_id["parkeren"]  # overheid: true
MARKT_APP = POLICY.app_by_id["afvalpas"]  # overheid: false


def family() -> tuple[World, Persoon, Persoon, Persoon, Adres, str]:
    """Two partners at one address in Amsterdam, their child, and the WOZ object of their
    home with its value: (world, mother, father, child, address, WOZ objectnummer)."""
    w = World()
    thuis = w.adres("0363", "Prinsengracht", 263, huisletter="A")
    moeder = w.persoon("Jansen", thuis)
    vader = w.persoon("Bakker", thuis, voornamen="Pieter Jan", geslacht="man",
                      geboren=datetime.date(1982, 11, 2))  # fmt: skip
    w.partnerschap(moeder, vader)
    kind = w.persoon("Bakker", thuis, voornamen="Sem", geslacht="man",
                     geboren=datetime.date(2015, 4, 12), ouders=(moeder, vader))  # fmt: skip
    nummer = w.woz(thuis, moeder)
    w.waarde(nummer, 612_000)
    return w, moeder, vader, kind, thuis, nummer


def view_of(w: World, p: Persoon, doel: Doel, woz: bool = True) -> State:
    s = states(w.events)
    adres, vbo = place(s, p.adres) if p.adres else (None, None)
    wozs = [compose.woz_object(st) for (kind, _), st in s.items() if kind == "woz_object"]
    return compose.view(doel, rendered(s, p), adres, vbo, wozs if woz else [])


# -- the builders themselves -------------------------------------------------------------


def test_the_builders_make_events_as_the_codec_decodes_them() -> None:
    w, moeder, _, _, thuis, _ = family()
    first = w.events[0]
    assert (first.topic, first.kind, first.sequence) == ("bron.bag.events", "woonplaats", 1)
    ingeschreven = next(e for e in w.events if e.entity_id == moeder.id)
    assert ingeschreven.topic == "bron.brp.events"
    assert isinstance(ingeschreven.data["persoonId"], uuid.UUID)
    assert isinstance(ingeschreven.data["geboorte"]["datum"], datetime.date)
    assert ingeschreven.data["verblijfplaats"]["nummeraanduidingIdentificatie"] == (
        thuis.nummeraanduiding
    )
    policy = World().policy()
    assert {e.topic for e in policy} == {"bron.policy.events"}
    assert [e.kind for e in policy] == ["doel"] * 4 + ["app"] * 5
    assert all(is_valid_bsn(bsn(n)) for n in range(200))
    assert len({bsn(n) for n in range(200)}) == 200


# -- fold ------------------------------------------------------------------------------------


def test_fold_keeps_a_person_as_the_brp_records_them_with_json_values() -> None:
    w = World()
    p = w.persoon("Jansen", w.adres("0363"))
    state = states(w.events)["persoon", p.id]
    assert state["persoonId"] == p.id  # a str, not a uuid.UUID
    assert state["geboorte"]["datum"] == "1984-03-07"
    assert state["partnerschappen"] == []
    assert state["overlijden"] is None
    assert json.loads(json.dumps(state)) == state


def test_fold_follows_a_person_through_move_name_partnership_and_bsn() -> None:
    w = World()
    a = w.persoon("Jansen", w.adres("0363"))
    b = w.persoon("Bakker", "0363")
    w.verhuis(a, w.adres("0599", "Coolsingel"), sinds=datetime.date(2026, 6, 1))
    w.naam_gewijzigd(a, "Jansen-Bakker")
    w.partnerschap(a, b)
    w.emit("nl.brp.persoon-partnerschap-ontbonden.v1", {
        "persoonId": a.id, "partner": {"persoonId": b.id, "naam": None, "geboorte": None},
        "soortVerbintenis": "huwelijk",
        "ontbindingHuwelijkPartnerschap": {"datum": datetime.date(2026, 7, 1), "plaats": "0599",
                                           "land": "6030", "reden": "echtscheiding"}})  # fmt: skip
    w.emit("nl.brp.persoon-burgerservicenummer-gewijzigd.v1", {
        "persoonId": a.id, "oudBurgerservicenummer": a.bsn, "nieuwBurgerservicenummer": bsn(99),
        "oudANummer": None, "nieuwANummer": None,
        "datumIngangGeldigheid": datetime.date(2026, 8, 1)})  # fmt: skip
    state = states(w.events)["persoon", a.id]
    assert state["gemeenteVanInschrijving"] == "0599"
    assert state["datumInschrijvingInGemeente"] == "2026-06-01"  # another gemeente: a new date
    assert state["naam"]["geslachtsnaam"] == "Jansen-Bakker"
    [ended] = state["partnerschappen"]
    assert ended["partner"]["persoonId"] == b.id
    assert ended["ontbindingHuwelijkPartnerschap"]["datum"] == "2026-07-01"
    assert state["burgerservicenummer"] == bsn(99)


def test_fold_keeps_the_date_of_inschrijving_on_a_move_within_the_gemeente() -> None:
    w = World()
    a = w.persoon("Jansen", w.adres("0363"))
    w.verhuis(a, w.adres("0363", "Keizersgracht"))
    assert states(w.events)["persoon", a.id]["datumInschrijvingInGemeente"] == "1984-03-07"


def test_a_change_before_the_creation_raises_fold_error() -> None:
    w = World()
    a = w.persoon("Jansen", w.adres("0363"))
    w.naam_gewijzigd(a, "De Vries")
    adres = w.adres("0599")
    nummer = w.woz(adres)
    w.waarde(nummer, 250_000)
    change = {e.kind: e for e in w.events
              if e.verb in ("gewijzigd", "vastgesteld") and e.kind != "doel"}  # fmt: skip
    for kind in ("persoon", "woz_object"):
        with pytest.raises(FoldError, match="before"):
            fold(kind, None, change[kind].event_type, change[kind].data)
    gewijzigd = as_decoded("nl.bag.nummeraanduiding-gewijzigd.v1", nummeraanduiding(adres, n=2))
    with pytest.raises(FoldError, match="before"):
        fold("nummeraanduiding", None, "nl.bag.nummeraanduiding-gewijzigd.v1", gewijzigd)


@pytest.mark.parametrize(
    ("kind", "event_type"),
    [
        ("persoon", "nl.brp.persoon-geemigreerd.v1"),  # a BRP type no fold knows
        ("nummeraanduiding", "nl.bag.nummeraanduiding-hernummerd.v1"),
        ("woz_object", "nl.woz.woz-object-gesplitst.v1"),
        ("toestemming", "nl.toestemming.toestemming-gepauzeerd.v1"),
        ("doel", "nl.toestemming.doel-verwijderd.v1"),
        ("app", "nl.toestemming.app-afgemeld.v1"),
        ("persoon", "nl.bag.nummeraanduiding-aangemaakt.v1"),  # another kind's type
        ("ligplaats", "nl.bag.ligplaats-aangemaakt.v1"),  # a kind no fold knows
    ],
)
def test_an_unknown_event_type_raises_unknown_event(kind: str, event_type: str) -> None:
    w = World()
    p = w.persoon("Jansen", "0363")
    state = states(w.events)["persoon", p.id]
    for current in (None, state):
        with pytest.raises(UnknownEvent):
            fold(kind, current, event_type, {"persoonId": p.id, "identificatie": "x"})


def test_every_event_type_of_the_registries_has_a_fold() -> None:
    for event_type in contracts():
        if event_type.startswith("nl.platform."):
            continue  # the platform's own events (dead letters, processing log) are not folded
        stem = event_type.rsplit(".", 1)[0].split(".", 2)[-1]
        assert stem in STEMS[kind_of(event_type)], event_type


def test_a_bag_change_is_the_complete_new_voorkomen() -> None:
    """`-gewijzigd` carries the object's complete new state: a huisletter or postcode that is
    gone (null) is gone from the state, not kept from the voorkomen before."""
    w = World()
    adres = w.adres("0363", huisletter="B", ligt_in="3594")
    before = states(w.events)["nummeraanduiding", adres.nummeraanduiding]
    assert (before["huisletter"], before["ligtIn"]) == ("B", "3594")
    w.emit("nl.bag.nummeraanduiding-gewijzigd.v1",
           {**nummeraanduiding(adres, n=2), "huisletter": None, "ligtIn": None,
            "postcode": "1012AB"})  # fmt: skip
    after = states(w.events)["nummeraanduiding", adres.nummeraanduiding]
    assert after["huisletter"] is None
    assert after["ligtIn"] is None
    assert after["postcode"] == "1012AB"
    assert after["voorkomenidentificatie"] == 2
    assert index_of("nummeraanduiding", after) == {("openbare_ruimte", adres.openbare_ruimte),
                                                   ("postcode-huisnummer", "1012AB|1")}  # fmt: skip


def test_a_bag_withdrawal_keeps_the_last_voorkomen_and_ends_it() -> None:
    w = World()
    adres = w.adres("0363")
    w.emit("nl.bag.nummeraanduiding-ingetrokken.v1", {
        "identificatie": adres.nummeraanduiding, "status": "naamgeving_ingetrokken",
        **{**voorkomen(2), "eindGeldigheid": datetime.date(2026, 9, 1)}})  # fmt: skip
    state = states(w.events)["nummeraanduiding", adres.nummeraanduiding]
    assert state["status"] == "naamgeving_ingetrokken"
    assert state["eindGeldigheid"] == "2026-09-01"
    assert state["postcode"] == adres.postcode


def test_fold_keeps_one_woz_value_per_peildatum_and_the_belanghebbenden() -> None:
    w = World()
    adres = w.adres("0363")
    eigenaar = w.persoon("Jansen", adres)
    nummer = w.woz(adres, eigenaar)
    w.waarde(nummer, 400_000, 2025)
    w.waarde(nummer, 450_000, 2026)
    w.waarde(nummer, 440_000, 2026)  # a correction of the same peildatum
    state = states(w.events)["woz_object", nummer]
    assert [(v["belastingjaar"], v["vastgesteldeWaarde"]) for v in state["waarden"]] == [
        (2025, 400_000),
        (2026, 440_000),
    ]
    assert [b["persoonId"] for b in state["belanghebbenden"]] == [eigenaar.id]


def test_fold_ends_a_consent_and_remembers_a_revocation_without_its_grant() -> None:
    w = World()
    p = w.persoon("Jansen", "0363")
    granted = w.toestemming(p, "parkeren", "parkeervergunning", NOW + 30 * DAY)
    w.intrekken(p, granted, "parkeren", "parkeervergunning")
    all_states = states(w.events)
    assert all_states["toestemming", granted]["status"] == "ingetrokken"
    revocation = w.events[-1]
    alone = fold("toestemming", None, revocation.event_type, revocation.data)
    assert (alone["status"], alone["geldigTot"]) == ("ingetrokken", None)
    assert not consent_active(alone, NOW)


def test_a_state_read_back_from_json_folds_on_the_same_way() -> None:
    w = World()
    p = w.persoon("Jansen", w.adres("0363"))
    first = states(w.events)["persoon", p.id]
    w.naam_gewijzigd(p, "Visser")
    change = w.events[-1]
    direct = fold("persoon", first, change.event_type, change.data)
    round_tripped = fold("persoon", json.loads(json.dumps(first)), change.event_type, change.data)
    assert direct == round_tripped


def test_jsonable_turns_codec_values_into_json_values() -> None:
    value = {"id": uuid.UUID(int=1), "d": datetime.date(2026, 1, 2),
             "t": datetime.datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "l": (1, 2)}  # fmt: skip
    assert jsonable(value) == {"id": "00000000-0000-0000-0000-000000000001", "d": "2026-01-02",
                               "t": "2026-01-02T03:04:00+00:00", "l": [1, 2]}  # fmt: skip


def test_jsonable_writes_what_the_walk_wrote_for_every_codec_value() -> None:
    """The orjson round trip against the recursive walk it replaced (kept for what orjson does
    not write): microseconds, a naive datetime, decimals, nesting in lists and maps."""
    from streams.fold import _walk

    value = {"waarden": [{"peildatum": datetime.date(2025, 1, 1),
                          "bedrag": decimal.Decimal("312000.50"),
                          "vastgesteld": datetime.datetime(2026, 1, 2, 3, 4, 5, 123456,
                                                           tzinfo=UTC)}],
             "naief": datetime.datetime(2026, 1, 2, 3, 4), "ids": (uuid.UUID(int=7),),
             "getal": 2.5, "leeg": None, "ja": True, "kaart": {"a": {"b": [1, "x"]}}}  # fmt: skip
    assert jsonable(value) == _walk(value)
    assert jsonable(value)["waarden"][0]["vastgesteld"] == "2026-01-02T03:04:05.123456+00:00"


def test_jsonable_falls_back_to_the_walk_for_what_orjson_refuses() -> None:
    big = 2**70  # past 64 bits: orjson refuses it, the walk keeps it
    assert jsonable({"n": big, "d": datetime.date(2026, 1, 2)}) == {"n": big, "d": "2026-01-02"}


# -- index -----------------------------------------------------------------------------------


def test_a_person_is_found_by_bsn_gemeente_address_parents_and_partners() -> None:
    w, moeder, vader, kind, thuis, _ = family()
    s = states(w.events)
    assert index_of("persoon", s["persoon", kind.id]) == {
        ("bsn", kind.bsn),
        ("gemeente", "0363"),
        ("nummeraanduiding", thuis.nummeraanduiding),
        ("verblijfsobject", thuis.verblijfsobject),
        ("ouder", moeder.id),
        ("ouder", vader.id),
        ("naam-geboorte", "2015-04-12|bakker"),
        ("verjaardag", "04-12"),
    }
    assert ("partner", vader.id) in index_of("persoon", s["persoon", moeder.id])


def test_bag_and_woz_objects_are_found_by_what_they_join_on() -> None:
    w, moeder, _, _, thuis, nummer = family()
    s = states(w.events)
    assert index_of("nummeraanduiding", s["nummeraanduiding", thuis.nummeraanduiding]) == {
        ("openbare_ruimte", thuis.openbare_ruimte),
        ("postcode-huisnummer", "1011AB|263"),
    }
    assert index_of("openbare_ruimte", s["openbare_ruimte", thuis.openbare_ruimte]) == {
        ("woonplaats", thuis.woonplaats)
    }
    assert index_of("verblijfsobject", s["verblijfsobject", thuis.verblijfsobject]) == {
        ("adres", thuis.nummeraanduiding)
    }
    assert index_of("woz_object", s["woz_object", nummer]) == {
        ("verblijfsobject", thuis.verblijfsobject),
        ("belanghebbende", moeder.id),
    }


def test_only_a_granted_consent_is_indexed_as_active_with_its_end_in_utc() -> None:
    w = World()
    p = w.persoon("Jansen", "0363")
    until = datetime.datetime(
        2027, 1, 1, 1, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    )
    granted = w.toestemming(p, "parkeren", "parkeervergunning", until)
    s = states(w.events)
    assert index_of("toestemming", s["toestemming", granted]) == {
        ("persoon", p.id),
        ("actief", active_key(p.id, "parkeren", "parkeervergunning")),
        ("doel", "parkeren|parkeervergunning"),
        ("verloopt", "2027-01-01T00:00:00.000000+00:00"),
    }
    w.intrekken(p, granted, "parkeren", "parkeervergunning")
    assert index_of("toestemming", states(w.events)["toestemming", granted]) == {("persoon", p.id)}


def test_moment_compares_as_a_string_whatever_the_offset() -> None:
    amsterdam = datetime.timezone(datetime.timedelta(hours=2))
    earlier = moment(datetime.datetime(2026, 7, 1, 13, 0, tzinfo=amsterdam))  # 11:00 UTC
    later = moment("2026-07-01T11:30:00+00:00")
    naive = moment("2026-07-01T11:00:00")  # read as UTC
    assert earlier < later
    assert earlier == naive


# -- scope -----------------------------------------------------------------------------------


def resident(gemeente: str = "0363", geheimhouding: int = 0) -> State:
    return {"persoonId": "p", "gemeenteVanInschrijving": gemeente,
            "geheimhoudingPersoonsgegevens": geheimhouding}  # fmt: skip


def test_a_statutory_purpose_sees_the_residents_of_its_gemeenten_only() -> None:
    app = POLICY.app_by_id["bijstand-loket"]
    for gemeente in BIJSTAND.gemeenten:
        assert scope(resident(gemeente), app, BIJSTAND, consent_active=False).allowed
    outside = scope(resident("0344"), app, BIJSTAND, consent_active=False)
    assert not outside.allowed
    assert "municipalities" in outside.reason


def test_a_consent_purpose_needs_an_active_consent_and_residence() -> None:
    assert scope(resident("0363"), OVERHEID_APP, PARKEREN, consent_active=True).allowed
    assert not scope(resident("0363"), OVERHEID_APP, PARKEREN, consent_active=False).allowed
    assert not scope(resident("0599"), OVERHEID_APP, PARKEREN, consent_active=True).allowed


def test_an_active_consent_is_granted_not_revoked_and_not_expired() -> None:
    granted = {"status": "verleend", "geldigTot": None}
    assert consent_active(granted, NOW)
    assert consent_active({**granted, "geldigTot": (NOW + DAY).isoformat()}, NOW)
    assert not consent_active({**granted, "geldigTot": NOW.isoformat()}, NOW)  # ends at geldigTot
    assert not consent_active({**granted, "geldigTot": (NOW - DAY).isoformat()}, NOW)
    assert not consent_active({**granted, "status": "ingetrokken"}, NOW)
    assert not consent_active({**granted, "status": "verlopen"}, NOW)


def test_geheimhouding_is_never_shown_to_an_app_that_is_not_government() -> None:
    hidden = resident("0518", geheimhouding=3)
    refused = scope(hidden, MARKT_APP, AFVAL, consent_active=True)
    assert not refused.allowed
    assert "geheimhouding" in refused.reason
    assert scope(resident("0518"), MARKT_APP, AFVAL, consent_active=True).allowed
    # a government app does see them: for a consent purpose and a statutory one
    assert scope(resident("0363", geheimhouding=7), OVERHEID_APP, PARKEREN, True).allowed
    statutory_markt = MARKT_APP.model_copy(update={"doelen": ("bijstand",)})
    assert not scope(resident("0363", 1), statutory_markt, BIJSTAND, consent_active=False).allowed
    assert scope(resident("0363", 1), POLICY.app_by_id["bijstand-loket"], BIJSTAND, False).allowed


# -- compose ---------------------------------------------------------------------------------


@pytest.mark.parametrize("doel_id", [d.id for d in POLICY.doelen])
def test_a_view_holds_only_the_fields_its_purpose_allows(doel_id: str) -> None:
    doel = POLICY.doel_by_id[doel_id]
    w, moeder, *_ = family()
    view = view_of(w, moeder, doel)
    parts = {"persoon": "persoon", "adres": "adres", "verblijfsobject": "verblijfsobject",
             "wozObjecten": "wozObject"}  # fmt: skip
    assert set(view) == {"persoonId"} | {k for k, entity in parts.items() if entity in doel.velden}
    for key, entity in parts.items():
        for path in leaves(view.get(key, {})) - {""}:
            if key == "verblijfsobject" and path == "maaktDeelUitVan":
                assert doel.velden.get("pand"), f"{doel_id}: pand ids without pand fields"
                continue  # the pand ids, for the gateway to read the panden allowed
            assert allowed(path, doel.velden[entity]), f"{doel_id}: {key}.{path}"


def test_a_field_the_purpose_does_not_name_never_appears() -> None:
    w, moeder, _, _, thuis, _ = family()
    view = view_of(w, moeder, PARKEREN)
    assert set(view["persoon"]) == {"naam", "verblijfplaats"}
    assert set(view["persoon"]["naam"]) == {"voorletters", "geslachtsnaam"}  # no voorvoegsel
    assert set(view["persoon"]["verblijfplaats"]) == {"verblijfadres"}
    assert set(view["adres"]) == {"postcode", "huisnummer", "huisletter", "straat", "woonplaats"}
    text = json.dumps(view)
    for secret in (moeder.bsn, "geheimhouding", "geboorte", "Bakker", "identificatie"):
        assert secret not in text
    afval = view_of(w, moeder, AFVAL)
    assert afval["persoon"] == {
        "naam": {"geslachtsnaam": "Jansen"},
        "verblijfplaats": {"verblijfadres": {"huisnummer": 263, "postcode": thuis.postcode}},
    }
    assert "straat" not in afval["adres"]


def test_leeftijd_is_shown_only_when_the_purpose_names_it_without_the_birth_date() -> None:
    w, moeder, *_ = family()
    s = states(w.events)
    assert rendered(s, moeder)["leeftijd"] == 42
    met_leeftijd = BIJSTAND.model_copy(
        update={"velden": {"persoon": ("leeftijd", "naam.geslachtsnaam")}}
    )
    view = view_of(w, moeder, met_leeftijd)
    assert view["persoon"] == {"naam": {"geslachtsnaam": "Jansen"}, "leeftijd": 42}
    assert "leeftijd" not in view_of(w, moeder, BIJSTAND)["persoon"]


def test_partners_and_kinderen_appear_only_with_the_paths_allowed() -> None:
    w, moeder, vader, kind, *_ = family()
    view = view_of(w, moeder, BIJSTAND)
    [kinderen] = view["persoon"]["kinderen"]
    assert kinderen == {"burgerservicenummer": kind.bsn, "geboorte": {"datum": {
        "type": "Datum", "datum": "2015-04-12", "langFormaat": "12 april 2015"}}}  # fmt: skip
    [partner] = view["persoon"]["partners"]
    assert set(partner) == {"burgerservicenummer", "naam"}
    assert partner["burgerservicenummer"] == vader.bsn
    only_bsn = BIJSTAND.model_copy(
        update={"velden": {"persoon": ("kinderen.burgerservicenummer",)}}
    )
    assert view_of(w, moeder, only_bsn) == {
        "persoonId": moeder.id,
        "persoon": {"kinderen": [{"burgerservicenummer": kind.bsn}]},
    }
    assert "kinderen" not in view_of(w, kind, BIJSTAND)["persoon"]


def test_the_adres_is_the_nummeraanduiding_with_its_street_and_woonplaats() -> None:
    w = World()
    adres = w.adres("0599", "Coolsingel", 40, huisletter="B")
    s = states(w.events)
    adres_doc, vbo = place(s, adres)
    assert adres_doc == {"identificatie": adres.nummeraanduiding, "postcode": adres.postcode,
                         "huisnummer": 40, "huisletter": "B", "straat": "Coolsingel",
                         "woonplaats": "Rotterdam"}  # fmt: skip
    assert vbo["heeftAlsHoofdadres"] == adres.nummeraanduiding
    assert vbo["gebruiksdoelen"] == ["woonfunctie"]


def test_the_woz_part_lists_the_objects_with_the_allowed_fields() -> None:
    w, moeder, *_ = family()
    view = view_of(w, moeder, WOZ)
    [woz] = view["wozObjecten"]
    assert set(woz) == {"wozObjectnummer", "waarden", "belanghebbenden", "bezwaren"}
    assert [v["vastgesteldeWaarde"] for v in woz["waarden"]] == [612_000]
    assert woz["bezwaren"] == []
    assert "wozObjecten" not in view_of(w, moeder, WOZ, woz=False)
    assert "wozObjecten" not in view_of(w, moeder, BIJSTAND)


def test_the_digest_ignores_key_order_and_follows_the_content() -> None:
    one = {"persoonId": "p", "persoon": {"naam": {"geslachtsnaam": "Jansen", "voorletters": "A."}}}
    same = {"persoon": {"naam": {"voorletters": "A.", "geslachtsnaam": "Jansen"}}, "persoonId": "p"}
    other = {
        "persoonId": "p",
        "persoon": {"naam": {"geslachtsnaam": "Visser", "voorletters": "A."}},
    }
    assert compose.digest(one) == compose.digest(same)
    assert compose.digest(one) != compose.digest(other)


def test_a_processing_log_record_folds_into_a_verwerking_found_by_its_citizens() -> None:
    data = {
        "verwerkingId": uuid.UUID("6d1f9a2e-4a70-4f3e-9a43-0c2b6b1e2f10"),
        "actie": "persoon opvragen",
        "tijdstip": datetime.datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
        "verwerkteObjecten": [
            {"identificator": "a" * 64, "verwerkteSoortenGegevens": ["naam.voornamen"]},
            {"identificator": "b" * 64, "verwerkteSoortenGegevens": []},
        ],
    }
    event_type = "nl.platform.verwerking-vastgelegd.v1"
    assert kind_of(event_type) == "verwerking"
    incoming = Incoming("bron.verwerkingslog", 0, 7, "e1", event_type, 1, data)
    assert incoming.entity_id == "6d1f9a2e-4a70-4f3e-9a43-0c2b6b1e2f10"
    state = fold("verwerking", None, event_type, data)
    assert state["verwerkingId"] == "6d1f9a2e-4a70-4f3e-9a43-0c2b6b1e2f10"
    assert state["tijdstip"] == "2026-11-28T12:00:00.000000+00:00"  # one format: compares
    assert index_of("verwerking", state) == {("betrokkene", "a" * 64), ("betrokkene", "b" * 64)}
    with pytest.raises(UnknownEvent):
        fold("verwerking", None, "nl.platform.dead-letter.v1", data)


def test_changes_name_what_a_subscriber_can_see_change() -> None:
    old: dict[str, Any] = {"persoonId": "p", "adres": {"postcode": "1011AB"},
                           "persoon": {"naam": {"geslachtsnaam": "A"}, "leeftijd": 3}}  # fmt: skip
    moved = {**old, "adres": {"postcode": "3511AA"}}
    assert compose.changes(old, moved) == {"soort": "gewijzigd", "velden": ["adres"]}
    older = {**old, "persoon": {**old["persoon"], "leeftijd": 4}, "wozObjecten": [{"w": 1}]}
    assert compose.changes(old, older) == {"soort": "gewijzigd", "velden": [
        "persoon.leeftijd", "wozObjecten", "wozObjecten.waarden"]}  # fmt: skip
    valued = {**older, "wozObjecten": [{"w": 1, "waarden": [{"waarde": 5}]}]}
    assert compose.changes(older, valued) == {"soort": "gewijzigd", "velden": [
        "wozObjecten", "wozObjecten.waarden"]}  # fmt: skip
    other = {**valued, "wozObjecten": [{"w": 2, "waarden": [{"waarde": 5}]}]}
    assert compose.changes(valued, other) == {"soort": "gewijzigd", "velden": ["wozObjecten"]}
    assert compose.changes(old, dict(old)) is None
    assert compose.changes(None, old) == {
        "soort": "nieuw", "velden": ["adres", "persoon.leeftijd", "persoon.naam"]}  # fmt: skip
    assert compose.changes(old, None) == {"soort": "verwijderd", "velden": []}
    assert compose.changes(None, None) is None


def test_topics_the_worker_creates_get_the_clusters_replication_factor() -> None:
    from bron.settings import load_settings
    from streams.worker import _replication

    cluster = load_settings(kafka_bootstrap="kafka-0:9092", kafka_replication_factor=3)
    assert _replication(cluster) == 3
    assert _replication(load_settings(kafka_replication_factor=3)) == 1  # the local broker


# -- the register of apps and purposes as the readers take it from the store -----------------


class _Register:
    """The little of a store (`streams.projector.Port`) that reading the register and finding
    the views of a purpose need: states by kind, and views per (app, purpose)."""

    def __init__(self, states: dict[str, list[dict[str, Any]]],
                 views: dict[tuple[str, str], list[str]]) -> None:  # fmt: skip
        key = {"doel": "doelId", "app": "appId"}
        self.states = {k: {s[key[k]]: s for s in ss} for k, ss in states.items()}
        self.views = views

    def ids(self, kind: str, after: str | None) -> list[str]:
        return sorted(i for i in self.states.get(kind, {}) if after is None or i > after)

    def entities(self, kind: str, ids: Any, with_index: bool = True) -> dict[str, Entity]:
        found = self.states.get(kind, {})
        return {i: Entity(kind, i, 1, found[i]) for i in ids if i in found}

    def views_of_doel(self, app_id: str, doel_id: str, after: str | None) -> list[str]:
        return [p for p in self.views.get((app_id, doel_id), []) if after is None or p > after]


def _registered(doelen: list[str]) -> dict[str, Any]:
    return {"appId": "uit-manifest", "naam": "Uit manifest", "organisatie": "0" * 20,
            "overheid": False, "doelen": doelen, "gemeenten": ["0363"], "origins": [],
            "operaties": [], "versie": "1.0.0", "contact": "team@example.nl"}  # fmt: skip


def _withdrawal_of(doel: Doel) -> dict[str, Any]:
    return {**doel_data(doel), "gemeenten": [], "velden": {}}


def test_the_register_readers_leave_a_withdrawn_purpose_out_and_its_apps_lose_it() -> None:
    """`doel-gewijzigd` without municipalities withdraws a purpose: `Policy` would refuse it,
    so both the workers and the gateway read the register without it."""
    from streams.projector import Projector
    from streams.reads import ProjectionReader

    bijstand = next(d for d in POLICY.doelen if d.id == "bijstand")
    doelen = [doel_data(d) for d in POLICY.doelen if d.id != "bijstand"] + [
        _withdrawal_of(bijstand)
    ]
    apps = [_registered(["bijstand", "parkeervergunning"])]
    tx = _Register({"doel": doelen, "app": apps}, {})
    for policy in (Projector("test").policy(tx),  # type: ignore[arg-type]
                   _reader(ProjectionReader, tx).policy()):  # fmt: skip
        assert "bijstand" not in policy.doel_by_id
        assert policy.app_by_id["uit-manifest"].doelen == ("parkeervergunning",)


def _reader(cls: Any, tx: _Register) -> Any:
    """A `ProjectionReader` whose states come from `tx`, without a database."""
    reader = object.__new__(cls)
    reader.states = lambda kind: tx.states.get(kind, {})
    return reader


def test_a_purpose_withdrawn_recomputes_everyone_with_a_view_of_it() -> None:
    """The policy has dropped the purpose from every app, so the persons come from the views of
    the apps whose stored state still names it: they lose those views at once."""
    from streams.projector import Projector

    bijstand = next(d for d in POLICY.doelen if d.id == "bijstand")
    apps = [_registered(["bijstand"])]
    views = {("uit-manifest", "bijstand"): ["p1", "p2"], ("uit-manifest", "ander"): ["p3"]}
    tx = _Register({"doel": [_withdrawal_of(bijstand)], "app": apps}, views)
    projector = Projector("test")
    policy = projector.policy(tx)  # type: ignore[arg-type]
    assert policy.app_by_id["uit-manifest"].doelen == ()
    key = ("doel", "bijstand")
    before = {key: Entity("doel", "bijstand", 1, doel_data(bijstand))}
    after = {key: Entity("doel", "bijstand", 2, _withdrawal_of(bijstand))}
    assert projector._affected(tx, policy, before, after) == {"p1", "p2"}  # type: ignore[arg-type]
