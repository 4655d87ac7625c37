"""The BRP registry end to end, on SQLite and PostgreSQL: HTTP command → database + outbox →
relay → Kafka, with addresses checked against a real BAG registry served beside it;
rejections write nothing; reads are authorised per app and purpose and minimised to the
fields asked; no BSN in any Kafka header."""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bron.contracts.codec import EventCodec
from bron.contracts.registry_client import RegistryClient
from bron.http.auth import KeyPair
from bron.kafka.clients import make_consumer
from bron.policy import App, Doel, Grondslag, Policy, load_policy
from bron.registry.app import PURPOSE_HEADER
from bron.testing import serving
from services.bag.app import create_app as create_bag_app
from services.brp import events
from services.brp.app import create_app
from services.brp.bag_client import BagHttpLookup
from services.brp.bsn import is_valid_bsn
from services.brp.domain import Persoon
from services.brp.store import personen
from services.common.runtime import RegistryRuntime
from tests.integration.registries import (
    app_header,
    contracts_registry,
    operator_header,
    registry_settings,
)
from tests.integration.test_bag_registry import create_address

PROBLEM_JSON = "application/problem+json"
TODAY = "2025-01-01"  # any date in the past of the registry's clock


@dataclass
class Stack:
    client: httpx.Client
    bag: httpx.Client
    operator: dict[str, str]
    bag_operator: dict[str, str]
    runtime: RegistryRuntime

    def app(self, app_id: str, doel: str | None) -> dict[str, str]:
        headers = app_header(self.runtime.settings, "brp", app_id)
        return {**headers, PURPOSE_HEADER: doel} if doel else headers

    def register(self, body: dict[str, Any]) -> str:
        response = self.client.post("/personen", json=body, headers=self.operator)
        assert response.status_code == 201, response.text
        persoon_id: str = response.json()["persoonId"]
        return persoon_id

    def change(self, persoon_id: str, what: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(f"/personen/{persoon_id}/{what}", json=body,
                                    headers=self.operator)  # fmt: skip
        assert response.status_code == 200, response.text
        answer: dict[str, Any] = response.json()
        return answer

    def read(
        self, persoon_id: str, fields: str, app: str = "bijstand-loket", doel: str = "bijstand"
    ) -> httpx.Response:
        return self.client.get(f"/personen/{persoon_id}", params={"fields": fields},
                               headers=self.app(app, doel))  # fmt: skip

    def search(self, fields: str, **criteria: str | int) -> list[dict[str, Any]]:
        response = self.client.get("/personen", params={"fields": fields, **criteria},
                                   headers=self.app("bijstand-loket", "bijstand"))  # fmt: skip
        assert response.status_code == 200, response.text
        found: list[dict[str, Any]] = response.json()["personen"]
        return found

    def state(self, persoon_id: str) -> Persoon | None:
        with self.runtime.engine.connect() as conn:
            loaded = personen.load(conn, persoon_id)
        return loaded.state if loaded else None

    def drained(self) -> None:
        deadline = time.monotonic() + 30
        while self.runtime.outbox.pending(self.runtime.engine) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert self.runtime.outbox.pending(self.runtime.engine) == 0, "the relay publishes all"


def with_a_non_government_reader() -> Policy:
    """The register plus an app that is not government, with a purpose that needs no consent."""
    base = load_policy()
    doel = Doel(id="huurtoewijzing", naam="Huurwoningen toewijzen",
                omschrijving="Een woningcorporatie wijst een sociale huurwoning toe.",
                grondslag=Grondslag.gerechtvaardigd_belang,
                wettelijkeBasis="Huisvestingswet 2014, artikel 12", gemeenten=("0363",),
                velden={"persoon": ("burgerservicenummer", "naam")})  # fmt: skip
    app = App(id="woningcorporatie", naam="Woningcorporatie", organisatie="00000003000000000003",
              overheid=False, doelen=("huurtoewijzing",))  # fmt: skip
    return Policy(doelen=(*base.doelen, doel), apps=(*base.apps, app))


@pytest.fixture(scope="module")
def registry_url(bootstrap: str) -> Iterator[str]:
    with contracts_registry(bootstrap) as url:
        yield url


@pytest.fixture
def stack(tmp_path: Path, bootstrap: str, registry_url: str, database_url: str) -> Iterator[Stack]:
    settings = registry_settings(tmp_path, bootstrap, registry_url, brp_database_url=database_url,
                                 bag_database_url=f"sqlite:///{tmp_path / 'bag.db'}")  # fmt: skip
    bag_app, _ = create_bag_app(settings, run_relay=False)
    with serving(bag_app) as bag_url:
        lookup = BagHttpLookup(bag_url, KeyPair(settings.data_dir / "keys"))
        app, runtime = create_app(settings, lookup, policy=with_a_non_government_reader())
        with (
            serving(app) as url,
            httpx.Client(base_url=url, timeout=30) as client,
            httpx.Client(base_url=bag_url, timeout=30) as bag,
        ):
            yield Stack(client, bag, operator_header(settings, "brp"),
                        operator_header(settings, "bag"), runtime)  # fmt: skip


def header_text(headers: Any) -> str:
    pairs = headers.items() if isinstance(headers, dict) else headers or []
    return " ".join(v.decode() if isinstance(v, bytes) else str(v) for _, v in pairs)


def new_bsn() -> str:
    while True:
        candidate = str(random.randrange(10**8, 10**9))
        if is_valid_bsn(candidate):
            return candidate


def geboren(bsn: str, **changes: Any) -> dict[str, Any]:
    return {
        "reden": "geboorte",
        "burgerservicenummer": bsn,
        "naam": {"voornamen": "Esther Maria", "geslachtsnaam": "Almenkinders"},
        "geboorte": {"datum": "1990-11-05", "plaats": "0363", "land": "6030"},
        "geslacht": "vrouw",
        "gemeenteVanInschrijving": "0363",
        "datumInschrijvingInGemeente": "1990-11-05",
        "nationaliteiten": [{"nationaliteit": "0001", "redenOpname": "001"}],
        **changes,
    }


def geimmigreerd(bsn: str, **changes: Any) -> dict[str, Any]:
    return geboren(
        bsn,
        reden="immigratie",
        naam={"voornamen": "Pieter", "voorvoegsel": "van", "geslachtsnaam": "Dijk"},
        geboorte={"datum": "1988-04-12", "plaats": "Antwerpen", "land": "5010"},
        geslacht="man",
        datumInschrijvingInGemeente="2020-02-01",
        immigratie={"landVanwaarIngeschreven": "5010", "datumVestigingInNederland": "2020-02-01"},
        **changes,
    )


def verblijfplaats(ids: dict[str, str], postcode: str, datum: str) -> dict[str, Any]:
    return {
        "type": "adres",
        "nummeraanduidingIdentificatie": ids["nummeraanduiding"],
        "adresseerbaarObjectIdentificatie": ids["verblijfsobject"],
        "datumAanvangAdreshouding": datum,
        "verblijfadres": {"officieleStraatnaam": "Dorpsstraat", "korteStraatnaam": "Dorpsstraat",
                          "huisnummer": 12, "huisletter": "A", "postcode": postcode,
                          "woonplaats": "Teststad"},
    }  # fmt: skip


def verhuizing(ids: dict[str, str], postcode: str) -> dict[str, Any]:
    return {"verblijfplaats": verblijfplaats(ids, postcode, "2024-03-01"),
            "gemeenteVanInschrijving": "0363"}  # fmt: skip


def aangaan(partner: dict[str, Any]) -> dict[str, Any]:
    return {"partner": partner, "soortVerbintenis": "huwelijk",
            "aangaanHuwelijkPartnerschap": {"datum": "2021-06-12", "plaats": "0363",
                                            "land": "6030"}}  # fmt: skip


ONTBINDING = {"ontbindingHuwelijkPartnerschap": {"datum": "2023-01-10", "reden": "echtscheiding"}}
OVERLIJDEN = {"overlijden": {"datum": "2024-06-02", "plaats": "0363", "land": "6030"}}


def test_inschrijven_naam_verhuizing_and_the_three_searches(stack: Stack) -> None:
    ids = create_address(stack.bag, stack.bag_operator, "1011AB")
    bsn, bsn_immigrant = new_bsn(), new_bsn()
    response = stack.client.post(
        "/personen",
        json=geboren(bsn, verblijfplaats=verblijfplaats(ids, "1011AB", "1990-11-05")),
        headers=stack.operator,
    )
    assert response.status_code == 201, response.text
    persoon = response.json()["persoonId"]
    assert response.json() == {"persoonId": persoon, "version": 1, "events": [events.INGESCHREVEN]}
    assert response.headers["location"] == f"/personen/{persoon}"
    chosen = str(uuid.uuid4())
    assert stack.register(geimmigreerd(bsn_immigrant, persoonId=chosen)) == chosen

    naam = {"naam": {"voornamen": "Esther Maria", "geslachtsnaam": "Jansen"},
            "datumIngangGeldigheid": "2024-01-01"}  # fmt: skip
    assert stack.change(persoon, "naam", naam) == {
        "persoonId": persoon, "version": 2, "events": [events.NAAM_GEWIJZIGD]}  # fmt: skip
    assert stack.change(chosen, "verhuizing", verhuizing(ids, "1011AB")) == {
        "persoonId": chosen, "version": 2, "events": [events.VERHUISD]}  # fmt: skip

    read = stack.read(persoon, "naam.geslachtsnaam,burgerservicenummer")
    assert read.status_code == 200, read.text
    assert read.json() == {"burgerservicenummer": bsn, "naam": {"geslachtsnaam": "Jansen"}}
    fields = "verblijfplaats.verblijfadres.postcode,verblijfplaats.nummeraanduidingIdentificatie"
    assert stack.read(chosen, f"{fields},geboorte.datum").json() == {
        "verblijfplaats": {"nummeraanduidingIdentificatie": ids["nummeraanduiding"],
                           "verblijfadres": {"postcode": "1011AB"}},
        "geboorte": {"datum": {"type": "Datum", "datum": "1988-04-12",
                               "langFormaat": "12 april 1988"}},
    }  # fmt: skip

    assert stack.search("naam.voornamen", burgerservicenummer=bsn) == [
        {"naam": {"voornamen": "Esther Maria"}}
    ]
    by_naam = stack.search(
        "burgerservicenummer", geslachtsnaam="JANSEN", geboortedatum="1990-11-05"
    )
    assert by_naam == [{"burgerservicenummer": bsn}]
    at_address = stack.search("burgerservicenummer", postcode="1011 ab", huisnummer=12)
    assert sorted(p["burgerservicenummer"] for p in at_address) == sorted([bsn, bsn_immigrant])
    assert stack.search("naam", burgerservicenummer=new_bsn()) == []
    not_one_form: list[dict[str, str | int]] = [
        {"burgerservicenummer": bsn, "postcode": "1011AB", "huisnummer": 12},
        {"geslachtsnaam": "Jansen"},
        {},
    ]
    for mixed in not_one_form:
        response = stack.client.get("/personen", params={"fields": "naam", **mixed},
                                    headers=stack.app("bijstand-loket", "bijstand"))  # fmt: skip
        assert response.status_code == 400, mixed
        assert response.headers["content-type"] == PROBLEM_JSON


def test_a_partnership_changes_both_persons_in_one_transaction(stack: Stack) -> None:
    bsn, bsn_partner = new_bsn(), new_bsn()
    persoon, partner = stack.register(geboren(bsn)), stack.register(geimmigreerd(bsn_partner))

    entered = stack.change(persoon, "partnerschappen", aangaan({"persoonId": partner}))
    assert entered == {
        "persoonId": persoon, "version": 2, "events": [events.PARTNERSCHAP_AANGEGAAN],
        "partner": {"persoonId": partner, "version": 2,
                    "events": [events.PARTNERSCHAP_AANGEGAAN]},
    }  # fmt: skip
    seen = stack.read(partner, "partners.burgerservicenummer,partners.naam.geslachtsnaam")
    assert seen.json() == {
        "partners": [{"burgerservicenummer": bsn, "naam": {"geslachtsnaam": "Almenkinders"}}]
    }

    ended = stack.change(partner, "partnerschappen/ontbinding", ONTBINDING)
    assert ended == {
        "persoonId": partner, "version": 3, "events": [events.PARTNERSCHAP_ONTBONDEN],
        "partner": {"persoonId": persoon, "version": 3,
                    "events": [events.PARTNERSCHAP_ONTBONDEN]},
    }  # fmt: skip
    for someone in (persoon, partner):
        state = stack.state(someone)
        assert state is not None
        assert state.partnerschap is None
        assert len(state.partnerschappen) == 1

    outside = aangaan({"naam": {"geslachtsnaam": "Smit", "voornamen": "Anna"},
                       "geboorte": {"datum": "1991-02-03"}})  # fmt: skip
    assert stack.change(persoon, "partnerschappen", outside) == {
        "persoonId": persoon, "version": 4, "events": [events.PARTNERSCHAP_AANGEGAAN]}  # fmt: skip
    unchanged = stack.state(partner)
    assert unchanged is not None
    assert unchanged.version == 3


def test_geheimhouding_burgerservicenummer_and_overlijden(stack: Stack) -> None:
    bsn, nieuw = new_bsn(), new_bsn()
    persoon = stack.register(geboren(bsn))
    geheim = {"geheimhoudingPersoonsgegevens": 2, "datumIngangGeldigheid": "2024-01-01"}
    assert stack.change(persoon, "geheimhouding", geheim)["version"] == 2
    wijziging = {"nieuwBurgerservicenummer": nieuw, "datumIngangGeldigheid": "2024-02-01"}
    changed = stack.change(persoon, "burgerservicenummer", wijziging)
    assert changed["version"] == 3
    assert changed["events"] == [events.BURGERSERVICENUMMER_GEWIJZIGD]
    assert stack.search("burgerservicenummer", burgerservicenummer=nieuw) == [
        {"burgerservicenummer": nieuw}
    ]
    assert stack.search("burgerservicenummer", burgerservicenummer=bsn) == []
    assert stack.change(persoon, "overlijden", OVERLIJDEN) == {
        "persoonId": persoon, "version": 4, "events": [events.OVERLEDEN]}  # fmt: skip
    read = stack.read(persoon, "overlijden,leeftijd", app="belastingen", doel="belastingen-woz")
    assert read.status_code == 403  # leeftijd is not the purpose's
    read = stack.read(persoon, "overlijden", app="belastingen", doel="belastingen-woz")
    assert read.json() == {
        "overlijden": {
            "datum": {"type": "Datum", "datum": "2024-06-02", "langFormaat": "2 juni 2024"},
            "plaats": {"code": "0363", "omschrijving": "Amsterdam"},
            "land": {"code": "6030"},
        }
    }


def test_rejections_name_field_and_rule_and_write_nothing(stack: Stack) -> None:
    home = create_address(stack.bag, stack.bag_operator, "1011AB")
    other = create_address(stack.bag, stack.bag_operator, "1012CD")
    bsn = new_bsn()
    alive = stack.register(
        geboren(bsn, verblijfplaats=verblijfplaats(home, "1011AB", "2020-01-01"))
    )
    deceased = stack.register(geimmigreerd(new_bsn()))
    stack.change(deceased, "overlijden", OVERLIJDEN)
    single = stack.register(geboren(new_bsn()))
    # the partner's half of the transaction refuses after the person's half was saved
    young = stack.register(geboren(new_bsn(), geboorte={"datum": "2022-01-01"}))
    unknown = {"nummeraanduiding": "0363200000999999", "verblijfsobject": "0363010000999999"}
    mismatch = {"nummeraanduiding": home["nummeraanduiding"],
                "verblijfsobject": other["verblijfsobject"]}  # fmt: skip
    bsn_wijziging = {"nieuwBurgerservicenummer": bsn, "datumIngangGeldigheid": TODAY}
    cases: list[tuple[str, dict[str, Any], str, str]] = [
        ("/personen", geboren("123456789"), "burgerservicenummer", "bsn.elfproef"),
        ("/personen", geboren(new_bsn(), persoonId=alive), "persoonId", "persoon.bestaat-al"),
        ("/personen", geboren(bsn), "burgerservicenummer", "persoon.bestaat-al"),
        (f"/personen/{single}/burgerservicenummer", bsn_wijziging, "nieuwBurgerservicenummer",
         "bsn.in-gebruik"),
        (f"/personen/{alive}/verhuizing", verhuizing(unknown, "1011AB"),
         "verblijfplaats.nummeraanduidingIdentificatie", "adres.onbekend"),
        (f"/personen/{alive}/verhuizing", verhuizing(mismatch, "1011AB"),
         "verblijfplaats.nummeraanduidingIdentificatie", "adres.onbekend"),
        (f"/personen/{deceased}/verhuizing", verhuizing(other, "1012CD"), "persoonId",
         "persoon.overleden"),
        (f"/personen/{alive}/partnerschappen", aangaan({"persoonId": deceased}),
         "partner.persoonId", "partnerschap.partner-overleden"),
        (f"/personen/{single}/partnerschappen/ontbinding", ONTBINDING, "persoonId",
         "partnerschap.geen"),
        (f"/personen/{alive}/partnerschappen", aangaan({"persoonId": young}),
         "aangaanHuwelijkPartnerschap.datum", "datum.voor-geboorte"),
    ]  # fmt: skip
    stack.drained()
    before = {p: stack.state(p) for p in (alive, deceased, single, young)}
    with stack.runtime.engine.connect() as conn:
        count = len(personen.find_ids(conn))
    for path, body, field, rule in cases:
        response = stack.client.post(path, json=body, headers=stack.operator)
        assert response.status_code == 422, (path, response.text)
        assert response.headers["content-type"] == PROBLEM_JSON
        error = response.json()["errors"][0]
        assert (error["field"], error["rule"]) == (field, rule), path
        assert stack.runtime.outbox.pending(stack.runtime.engine) == 0, (path, "nothing queued")
        assert {p: stack.state(p) for p in before} == before, (path, "nobody changed")
    with stack.runtime.engine.connect() as conn:
        assert len(personen.find_ids(conn)) == count


def test_changes_need_an_operator_and_reads_an_app_a_purpose_and_allowed_fields(
    stack: Stack,
) -> None:
    persoon = stack.register(geboren(new_bsn()))
    elders = stack.register(geboren(new_bsn(), gemeenteVanInschrijving="0344"))
    secret_bsn = new_bsn()
    secret = stack.register(geboren(secret_bsn, geheimhoudingPersoonsgegevens=3))
    client = stack.client

    assert client.post("/personen", json=geboren(new_bsn())).status_code == 401
    as_app = stack.app("bijstand-loket", "bijstand")
    assert client.post("/personen", json=geboren(new_bsn()), headers=as_app).status_code == 403
    naam = {"naam": {"geslachtsnaam": "X"}, "datumIngangGeldigheid": TODAY}
    assert client.post(f"/personen/{persoon}/naam", json=naam, headers=as_app).status_code == 403

    url = f"/personen/{persoon}"
    assert client.get(url, params={"fields": "naam"}).status_code == 401
    assert client.get(url, params={"fields": "naam"}, headers=stack.operator).status_code == 403
    no_purpose = client.get(url, params={"fields": "naam"},
                            headers=stack.app("bijstand-loket", None))  # fmt: skip
    assert no_purpose.status_code == 400
    assert no_purpose.json()["errors"][0]["field"] == PURPOSE_HEADER
    assert stack.read(persoon, "naam", doel="belastingen-woz").status_code == 403
    refused = stack.read(persoon, "naam,geboorte.plaats")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM_JSON
    assert refused.json()["errors"] == [
        {"field": "fields", "rule": "not-allowed-for-purpose", "message": "geboorte.plaats"}
    ]
    assert stack.read(persoon, "naam,schoenmaat").status_code == 400
    assert stack.read(persoon, "naam").status_code == 200

    assert stack.read(elders, "naam").status_code == 404
    assert stack.read(str(uuid.uuid4()), "naam").status_code == 404

    assert stack.read(secret, "burgerservicenummer").json() == {"burgerservicenummer": secret_bsn}
    hidden = stack.read(secret, "naam", app="woningcorporatie", doel="huurtoewijzing")
    assert hidden.status_code == 404
    assert stack.read(persoon, "naam", app="woningcorporatie", doel="huurtoewijzing").json() == {
        "naam": {"geslachtsnaam": "Almenkinders", "voornamen": "Esther Maria",
                 "voorletters": "E.M.", "volledigeNaam": "Esther Maria Almenkinders"}
    }  # fmt: skip
    search = client.get("/personen", params={"fields": "naam", "burgerservicenummer": secret_bsn},
                        headers=stack.app("woningcorporatie", "huurtoewijzing"))  # fmt: skip
    assert search.json()["personen"] == []

    consent = stack.read(persoon, "naam.geslachtsnaam", app="afvalpas", doel="afvalpas")
    assert consent.status_code == 403
    assert consent.json()["type"].endswith("forbidden/toestemming")


def test_every_event_reaches_kafka_in_order_without_a_bsn_in_its_headers(
    stack: Stack, bootstrap: str, registry_url: str
) -> None:
    ids = create_address(stack.bag, stack.bag_operator, "3511AA")
    bsns = [new_bsn(), new_bsn(), new_bsn()]
    persoon = stack.register(geboren(bsns[0], verblijfplaats=verblijfplaats(ids, "3511AA", TODAY)))
    partner = stack.register(geimmigreerd(bsns[1]))
    stack.change(persoon, "naam", {"naam": {"geslachtsnaam": "Jansen"},
                                   "datumIngangGeldigheid": TODAY})  # fmt: skip
    stack.change(partner, "verhuizing", verhuizing(ids, "3511AA"))
    stack.change(persoon, "partnerschappen", aangaan({"persoonId": partner}))
    stack.change(persoon, "geheimhouding", {"geheimhoudingPersoonsgegevens": 1,
                                            "datumIngangGeldigheid": TODAY})  # fmt: skip
    stack.change(persoon, "burgerservicenummer", {"nieuwBurgerservicenummer": bsns[2],
                                                  "datumIngangGeldigheid": TODAY})  # fmt: skip
    stack.change(persoon, "partnerschappen/ontbinding", ONTBINDING)
    stack.change(partner, "overlijden", OVERLIJDEN)
    stack.drained()

    wanted = {persoon.encode(): persoon, partner.encode(): partner}
    seen: dict[str, list[tuple[int, str]]] = {persoon: [], partner: []}
    consumer = make_consumer(bootstrap, group_id=uuid.uuid4().hex)
    consumer.subscribe(["bron.brp.events"])
    with RegistryClient(registry_url) as registry:
        codec = EventCodec(registry, "urn:nld:oin:00000001001234567000:systeem:test")
        for _ in range(120):
            for m in consumer.consume(500, timeout=0.5):
                key = m.key()
                if not isinstance(key, bytes) or key not in wanted:
                    continue
                assert not any(b in header_text(m.headers()) for b in bsns), "a BSN in a header"
                event = codec.decode(key, m.value(), m.headers())
                seen[wanted[key]].append((event.attributes.sequence, event.attributes.type))
            if sum(len(s) for s in seen.values()) >= 11:
                break
    consumer.close()
    assert seen[persoon] == list(enumerate([
        events.INGESCHREVEN, events.NAAM_GEWIJZIGD, events.PARTNERSCHAP_AANGEGAAN,
        events.GEHEIMHOUDING_GEWIJZIGD, events.BURGERSERVICENUMMER_GEWIJZIGD,
        events.PARTNERSCHAP_ONTBONDEN], start=1))  # fmt: skip
    assert seen[partner] == list(enumerate([
        events.INGESCHREVEN, events.VERHUISD, events.PARTNERSCHAP_AANGEGAAN,
        events.PARTNERSCHAP_ONTBONDEN, events.OVERLEDEN], start=1))  # fmt: skip
