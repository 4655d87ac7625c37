"""The steady load of the resilience suite, as clients see the data layer: an operator changing
the registries over HTTP (recording every change a registry acknowledged, with its entity and
version), an app reading persons through the gateway (recording every answer that carried
personal data, with its trace id), and a webhook receiver (`Receiver` of the webhook tests).

The changes build and keep changing a neighbourhood in Amsterdam (gemeente 0363, so that the
purpose `bijstand` of the app `bijstand-loket` sees every resident): houses (BAG pand,
nummeraanduiding and verblijfsobject), residents (BRP inschrijven, naam, verhuizing), WOZ
objects with values and an eigenaar, and consents of the app `parkeren` granted and revoked."""

from __future__ import annotations

import datetime
import itertools
import random
import secrets
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx

from bron.demo.data import bsn
from bron.http.auth import KeyPair, issue
from tests.integration.resilience_stack import Stack

GEMEENTE = "0363"
WOONPLAATS = ("9363", "Amsterdam")
STRATEN = {"Kernstraat": "0363300000000001", "Vonkweg": "0363300000000002"}
LAND_NEDERLAND = "6030"
APP, DOEL = "bijstand-loket", "bijstand"
QUERY = """query ($bsn: String!) { persoon(bsn: $bsn, doel: "bijstand") {
  burgerservicenummer naam { voornamen geslachtsnaam }
  verblijfplaats { verblijfadres { officieleStraatnaam huisnummer postcode } } } }"""
# the topic each registry's events go to, and the store's entity kind of each path
KINDS = {"/woonplaatsen": "woonplaats", "/openbareruimten": "openbare_ruimte",
         "/panden": "pand", "/nummeraanduidingen": "nummeraanduiding",
         "/verblijfsobjecten": "verblijfsobject", "/personen": "persoon",
         "/wozobjecten": "woz_object", "/toestemmingen": "toestemming"}  # fmt: skip
ID_FIELDS = ("identificatie", "persoonId", "wozObjectnummer", "toestemmingId")
VOORNAMEN = ("Anna", "Bram", "Daan", "Eva", "Fleur", "Jesse", "Lotte", "Milan", "Noor", "Sem")
MOMENT = "2026-01-02T10:00:00Z"  # tijdstipRegistratie of every change
ACHTERNAMEN = ("Bakker", "Dekker", "Jansen", "Kok", "Meijer", "Mulder", "Smit", "Visser")


@dataclass(frozen=True, slots=True)
class Ack:
    """A change a registry acknowledged (2xx): the entity and its version after it."""

    registry: str
    kind: str
    entity_id: str
    version: int
    at: float


@dataclass(slots=True)
class House:
    number: int
    huisnummer: int
    postcode: str
    straat: str
    oppervlakte: int = 85
    woz: str | None = None
    woz_jaar: int = 1999

    @property
    def pand(self) -> str:
        return f"{GEMEENTE}10{self.number:010d}"

    @property
    def nummeraanduiding(self) -> str:
        return f"{GEMEENTE}20{self.number:010d}"

    @property
    def verblijfsobject(self) -> str:
        return f"{GEMEENTE}01{self.number:010d}"


@dataclass(slots=True)
class Resident:
    persoon_id: str
    bsn: str
    house: House
    moved: datetime.date
    consents: list[str] = field(default_factory=list)


def _mutatie(datum: str = "2009-07-01") -> dict[str, Any]:
    return {"documentdatum": datum, "documentnummer": "bron-resilience",
            "tijdstipRegistratie": MOMENT}  # fmt: skip


def _verblijfplaats(h: House, sinds: datetime.date) -> dict[str, Any]:
    return {"verblijfadres": {"officieleStraatnaam": h.straat, "korteStraatnaam": h.straat,
                              "huisnummer": h.huisnummer, "postcode": h.postcode,
                              "woonplaats": WOONPLAATS[1]},
            "datumAanvangAdreshouding": sinds.isoformat(),
            "nummeraanduidingIdentificatie": h.nummeraanduiding,
            "adresseerbaarObjectIdentificatie": h.verblijfsobject}  # fmt: skip


class ChangeLoad:
    """Registry commands at a steady rate, in a thread, until stopped."""

    def __init__(self, stack: Stack, rate: float, seed: int) -> None:
        self.rate = rate
        self.rng = random.Random(seed)
        keys = KeyPair(stack.data_dir / "keys")
        self.clients = {
            name: httpx.Client(
                base_url=stack.settings.registry_base_url(name), timeout=10,
                headers={"Authorization": "Bearer " + issue(
                    keys, subject="resilience-operator", audience=f"bron:{name}",
                    roles=["operator"], ttl=7200)})
            for name in ("bag", "brp", "woz", "toestemming")
        }  # fmt: skip
        self.acks: list[Ack] = []
        self.refused: Counter[str] = Counter()  # not acknowledged: status or exception type
        self.houses: list[House] = []
        self._numbers = itertools.count(1)  # a house refused halfway keeps its number
        self.residents: list[Resident] = []
        self.bsns: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="change-load", daemon=True)
        self._lock = threading.Lock()

    # -- running ----------------------------------------------------------------------------

    def prepare(self, houses: int) -> None:
        """The woonplaats, two streets and the first houses, before the faults begin."""
        self.send("bag", "/woonplaatsen", {**_mutatie(), "identificatie": WOONPLAATS[0],
                  "naam": WOONPLAATS[1], "status": "woonplaats_aangewezen"})  # fmt: skip
        for naam, identificatie in STRATEN.items():
            self.send("bag", "/openbareruimten", {**_mutatie(), "identificatie": identificatie,
                      "naam": naam, "type": "weg", "status": "naamgeving_uitgegeven",
                      "ligtIn": WOONPLAATS[0], "gemeentecode": GEMEENTE})  # fmt: skip
        for _ in range(houses):
            self.new_house()
        assert len(self.houses) == houses, f"houses refused: {self.refused}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(60)
        for client in self.clients.values():
            client.close()

    def residents_now(self) -> list[Resident]:
        with self._lock:
            return list(self.residents)

    def _run(self) -> None:
        started, sent = time.monotonic(), 0
        steps = [(self.new_house, 1), (self.inschrijven, 4), (self.naam, 3),
                 (self.verhuizing, 2), (self.woz_object, 1), (self.woz_waarde, 2),
                 (self.verblijfsobject, 1), (self.consent, 1), (self.revoke, 1)]  # fmt: skip
        actions, weights = zip(*steps, strict=True)
        while not self._stop.is_set():
            self.rng.choices(actions, weights)[0]()
            sent += 1
            ahead = started + sent / self.rate - time.monotonic()
            if ahead > 0:
                self._stop.wait(ahead)

    def send(self, registry: str, path: str, body: dict[str, Any] | None,
             method: str = "POST") -> dict[str, Any] | None:  # fmt: skip
        """The command; the acknowledgement recorded (None when it was not acknowledged)."""
        try:
            response = self.clients[registry].request(method, path, json=body)
        except httpx.HTTPError as exc:
            self.refused[type(exc).__name__] += 1
            return None
        if not response.is_success:
            problem = _json(response).get("type", "")
            self.refused[f"{registry} {response.status_code} {problem.rsplit('/', 1)[-1]}"] += 1
            return None
        answer: dict[str, Any] = response.json()
        at = time.time()
        kind = KINDS["/" + path.split("/")[1]]
        for change in (answer, answer.get("partner")):
            if change:
                entity = next(str(change[f]) for f in ID_FIELDS if f in change)
                self.acks.append(Ack(registry, kind, entity, int(change["version"]), at))
        return answer

    # -- the commands -----------------------------------------------------------------------

    def new_house(self) -> None:
        number = next(self._numbers)
        straat = list(STRATEN)[number % 2]
        h = House(number, number, f"{1011 + number % 80}AB", straat)
        m = {**_mutatie("1998-07-01"), "gemeentecode": GEMEENTE}
        ok = (self.send("bag", "/panden", {**m, "identificatie": h.pand,
                        "oorspronkelijkBouwjaar": 1998, "status": "pand_in_gebruik"})
              and self.send("bag", "/nummeraanduidingen", {**m,
                            "identificatie": h.nummeraanduiding, "huisnummer": h.huisnummer,
                            "postcode": h.postcode, "typeAdresseerbaarObject": "verblijfsobject",
                            "status": "naamgeving_uitgegeven", "ligtAan": STRATEN[straat],
                            "ligtIn": WOONPLAATS[0]})
              and self.send("bag", "/verblijfsobjecten", self._vbo(h)))  # fmt: skip
        if ok:
            self.houses.append(h)

    def _vbo(self, h: House) -> dict[str, Any]:
        return {**_mutatie("1998-07-01"), "gemeentecode": GEMEENTE,
                "identificatie": h.verblijfsobject, "heeftAlsHoofdadres": h.nummeraanduiding,
                "gebruiksdoelen": ["woonfunctie"], "oppervlakte": h.oppervlakte,
                "status": "verblijfsobject_in_gebruik", "maaktDeelUitVan": [h.pand]}  # fmt: skip

    def verblijfsobject(self) -> None:
        h = self.rng.choice(self.houses)
        h.oppervlakte += 1
        self.send("bag", f"/verblijfsobjecten/{h.verblijfsobject}", self._vbo(h), "PUT")

    def inschrijven(self) -> None:
        number = bsn(self.rng)
        if number in self.bsns:
            return
        self.bsns.add(number)
        h = self.rng.choice(self.houses)
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=self.rng.randrange(20000))
        persoon_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        body = {"reden": "geboorte", "persoonId": persoon_id, "burgerservicenummer": number,
                "naam": {"voornamen": self.rng.choice(VOORNAMEN),
                         "geslachtsnaam": self.rng.choice(ACHTERNAMEN)},
                "geboorte": {"datum": born.isoformat(), "plaats": GEMEENTE,
                             "land": LAND_NEDERLAND},
                "geslacht": self.rng.choice(("man", "vrouw")),
                "gemeenteVanInschrijving": GEMEENTE,
                "datumInschrijvingInGemeente": born.isoformat(),
                "verblijfplaats": _verblijfplaats(h, born),
                "nationaliteiten": [{"nationaliteit": "0001"}]}  # fmt: skip
        if self.send("brp", "/personen", body):
            with self._lock:
                self.residents.append(Resident(persoon_id, number, h, born))

    def _resident(self) -> Resident | None:
        return self.rng.choice(self.residents) if self.residents else None

    def naam(self) -> None:
        if r := self._resident():
            body = {"naam": {"voornamen": self.rng.choice(VOORNAMEN),
                             "geslachtsnaam": self.rng.choice(ACHTERNAMEN)},
                    "datumIngangGeldigheid": "2025-06-01"}  # fmt: skip
            self.send("brp", f"/personen/{r.persoon_id}/naam", body)

    def verhuizing(self) -> None:
        if r := self._resident():
            h = self.rng.choice(self.houses)
            moved = r.moved + datetime.timedelta(days=1)
            body = {
                "verblijfplaats": _verblijfplaats(h, moved),
                "gemeenteVanInschrijving": GEMEENTE,
            }
            if self.send("brp", f"/personen/{r.persoon_id}/verhuizing", body):
                r.house, r.moved = h, moved

    def woz_object(self) -> None:
        free = [h for h in self.houses if h.woz is None]
        if not free:
            return
        h = self.rng.choice(free)
        nummer = f"{GEMEENTE}{h.number:08d}"
        body = {"wozObjectnummer": nummer, "gemeentecode": GEMEENTE, "soortObjectcode": "1010",
                "ingangsdatum": "1998-07-01", "verblijfsobjectIdentificaties": [h.verblijfsobject],
                "tijdstipRegistratie": MOMENT}  # fmt: skip
        if not self.send("woz", "/wozobjecten", body):
            return
        h.woz = nummer
        owners = [r for r in self.residents_now() if r.house is h]
        if owners:
            eigenaar = {"wozObjectnummer": nummer, "persoonId": owners[0].persoon_id,
                        "soort": "eigenaar", "ingangsdatum": "2020-01-01",
                        "tijdstipRegistratie": MOMENT}  # fmt: skip
            self.send("woz", f"/wozobjecten/{nummer}/belanghebbenden", eigenaar)

    def woz_waarde(self) -> None:
        valued = [h for h in self.houses if h.woz is not None and h.woz_jaar < 2025]
        if not valued:
            return
        h = self.rng.choice(valued)
        h.woz_jaar += 1
        peildatum = f"{h.woz_jaar}-01-01"
        waarde = self.rng.randrange(200, 900) * 1000
        body = {"wozObjectnummer": h.woz, "vastgesteldeWaarde": waarde,
                "waardepeildatum": peildatum, "toestandspeildatum": peildatum,
                "belastingjaar": h.woz_jaar + 1, "tijdstipRegistratie": MOMENT}  # fmt: skip
        self.send("woz", f"/wozobjecten/{h.woz}/waarden", body)

    def consent(self) -> None:
        if r := self._resident():
            toestemming = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            body = {"toestemmingId": toestemming, "persoonId": r.persoon_id, "appId": "parkeren",
                    "doelId": "parkeervergunning"}  # fmt: skip
            if self.send("toestemming", "/toestemmingen", body):
                r.consents.append(toestemming)

    def revoke(self) -> None:
        holders = [r for r in self.residents_now() if r.consents]
        if holders:
            r = self.rng.choice(holders)
            toestemming = r.consents.pop(0)
            self.send("toestemming", f"/toestemmingen/{toestemming}/intrekking", None)


@dataclass(frozen=True, slots=True)
class Answer:
    """A gateway answer that carried a person's data."""

    trace_id: str
    persoon_id: str
    at: float


class GatewayReads:
    """An app (bijstand-loket) asking the gateway for residents, in a thread, until stopped."""

    def __init__(self, stack: Stack, load: ChangeLoad, rate: float, seed: int) -> None:
        self.load = load
        self.rate = rate
        self.rng = random.Random(seed)
        token = issue(KeyPair(stack.data_dir / "keys"), subject=f"client-{APP}",
                      audience=stack.settings.gateway_audience, app_id=APP, ttl=7200)  # fmt: skip
        self.client = httpx.Client(base_url=stack.gateway_url, timeout=15,
                                   headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        self.answers: list[Answer] = []
        self.outcomes: Counter[str] = Counter()  # data, null (not projected yet), errors
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gateway-reads", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(60)
        self.client.close()

    def _run(self) -> None:
        while not self._stop.wait(1 / self.rate):
            residents = self.load.residents_now()
            if residents:
                self.read(self.rng.choice(residents))

    def read(self, resident: Resident) -> None:
        trace_id = secrets.token_hex(16)
        try:
            response = self.client.post(
                "/graphql",
                json={"query": QUERY, "variables": {"bsn": resident.bsn}},
                headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
            )
        except httpx.HTTPError as exc:
            self.outcomes[type(exc).__name__] += 1
            return
        body = _json(response)
        persoon = (body.get("data") or {}).get("persoon")
        if persoon is None:
            self.outcomes[_outcome(response, body)] += 1
            return
        returned = response.headers.get("traceparent", "").split("-")
        assert returned[1] == trace_id, "the gateway continues the caller's trace"
        self.outcomes["data"] += 1
        self.answers.append(Answer(trace_id, resident.persoon_id, time.time()))


def _outcome(response: httpx.Response, body: dict[str, Any]) -> str:
    """Why an answer carried no person: not (yet) in the app's view, a GraphQL error's code
    (or message), or the problem type of an HTTP refusal."""
    if "type" in body:
        return f"{response.status_code} {str(body['type']).rsplit('/', 1)[-1]}"
    errors = body.get("errors") or []
    if not errors:
        return "not in view" if response.is_success else f"{response.status_code}"
    code = (errors[0].get("extensions") or {}).get("code")
    return str(code) if code else f"error without code: {str(errors[0].get('message'))[:60]}"


def _json(response: httpx.Response) -> dict[str, Any]:
    """The body of a JSON or problem+json answer, else empty."""
    if "json" not in response.headers.get("content-type", ""):
        return {}
    found = response.json()
    return found if isinstance(found, dict) else {}
