"""The stream worker end to end on a broker of its own (so that no other test's events, encoded
with another schema registry's ids, reach it): synthetic persons from the registries' own use
cases through their outboxes and Kafka into the projections; purpose scope and fields; a
revocation removing a citizen from every read path within a second; a poison message
dead-lettered while the rest flows; kill -9 of the worker losing nothing; the app store's
apps enabled, disabled and withdrawn, and an app removed from the register file withdrawn."""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from bron_gateway.app import create_app
from confluent_kafka import Producer

from bron.contracts.codec import EventCodec
from bron.contracts.registry_client import RegistryClient
from bron.db import database_url
from bron.http.auth import KeyPair, issue
from bron.kafka.clients import make_consumer
from bron.notices import decode, notices
from bron.policy import App, Policy, load_policy
from bron.process import ManagedProcess
from bron.settings import Settings, load_settings
from bron.testing import eventually, free_ports, serving
from services.brp.domain import Inschrijven
from services.generator import plan
from services.importer.generate import Loader, generate
from services.toestemming.apps import AppRegistratie
from services.toestemming.domain import (
    APP_GEREGISTREERD,
    APP_GEWIJZIGD,
    ToestemmingIntrekken,
    ToestemmingVerlenen,
)
from services.toestemming.service import ToestemmingRegistry
from streams.pipeline import app_topic
from streams.reads import ProjectionReader
from tests.integration.streams_support import consent_register, streams_stack, worker_process

PERSONS = 300
SEED = 11
WOZ_AANSLAG = AppRegistratie(
    naam="WOZ-aanslag", organisatie="00000001002564440000", overheid=True,
    doelen=("belastingen-woz",), versie="1.0.0", contact="woz@gemeente.example.nl",
)  # fmt: skip


@dataclass
class Stack:
    settings: Settings
    loader: Loader
    consents: ToestemmingRegistry
    workers: list[ManagedProcess]
    folder: Path
    metrics_port: int = 0

    def start_worker(self, name: str = "w1") -> ManagedProcess:
        worker = worker_process(self.settings, name, self.folder, self.metrics_port)
        self.workers.append(worker)
        return worker

    def reader(self) -> ProjectionReader:
        return ProjectionReader(database_url(self.settings, "projections"))


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with streams_stack(tmp_path_factory.mktemp("streams"), "test") as base:
        generate(base.loader, PERSONS, seed=SEED)
        s = Stack(base.settings, base.loader, base.consents, [], base.folder, free_ports(1)[0])
        try:
            s.start_worker()
            yield s
        finally:
            for worker in s.workers:
                worker.stop()
                print(f"--- {worker.name} log (tail) ---")
                lines = worker.log_file.read_text(errors="replace").splitlines()
                print("\n".join([line for line in lines if "streams." in line][-20:]))


def persons() -> list[Inschrijven]:
    return [s.command for s in plan(PERSONS, SEED) if isinstance(s.command, Inschrijven)]


def test_statutory_purpose_sees_residents_of_its_municipalities_with_allowed_fields(
    stack: Stack,
) -> None:
    reader = stack.reader()
    policy = load_policy()
    bijstand = policy.doel_by_id["bijstand"]
    everyone = persons()
    residents = [p for p in everyone if p.gemeente_van_inschrijving in bijstand.gemeenten]
    others = [p for p in everyone if p.gemeente_van_inschrijving not in bijstand.gemeenten]
    assert residents
    assert others
    ids = [p.persoon_id for p in everyone]
    seen = eventually(lambda: (v := reader.views("bijstand-loket", "bijstand", ids))
                      and len(v) == len(residents) and v)  # fmt: skip
    assert set(seen) == {p.persoon_id for p in residents}
    one = next(p for p in residents if p.verblijfplaats)
    view = seen[one.persoon_id]
    assert set(view) <= {"persoonId", "persoon", "adres"}
    assert view["persoon"]["burgerservicenummer"] == one.burgerservicenummer
    assert set(view["persoon"]) <= {"burgerservicenummer", "naam", "geboorte", "verblijfplaats",
                                    "partners", "kinderen"}  # fmt: skip
    assert set(view["persoon"]["geboorte"]) == {"datum"}
    assert "geslacht" not in view["persoon"]
    assert view["adres"]["postcode"]
    found = reader.find("persoon", "bsn", [one.burgerservicenummer])
    assert found == {one.burgerservicenummer: [one.persoon_id]}
    reader.close()


def test_geheimhouding_is_never_shown_to_an_app_that_is_not_government(stack: Stack) -> None:
    reader = stack.reader()
    afval = load_policy().doel_by_id["afvalpas"]
    hidden = [p for p in persons() if p.geheimhouding_persoonsgegevens > 0
              and p.gemeente_van_inschrijving in afval.gemeenten]  # fmt: skip
    eventually(
        lambda: reader.views("bijstand-loket", "bijstand", [p.persoon_id for p in persons()])
    )
    assert reader.views("afvalpas", "afvalpas", [p.persoon_id for p in hidden]) == {}
    reader.close()


def test_a_revocation_removes_the_citizen_within_a_second(stack: Stack) -> None:
    reader = stack.reader()
    resident = next(p for p in persons() if p.gemeente_van_inschrijving == "0363"
                    and p.geheimhouding_persoonsgegevens == 0)  # fmt: skip
    granted = ToestemmingVerlenen(toestemmingId=uuid.uuid4(),
                                  persoonId=uuid.UUID(resident.persoon_id),
                                  appId="parkeren", doelId="parkeervergunning")  # fmt: skip
    stack.consents.execute(granted)
    view = eventually(lambda: reader.view("parkeren", "parkeervergunning", resident.persoon_id), 30)
    assert set(view["persoon"]) <= {"naam", "verblijfplaats"}
    consumer = make_consumer(stack.settings.bootstrap_servers, f"t-{uuid.uuid4().hex[:6]}",
                             **{"auto.offset.reset": "earliest"})  # fmt: skip
    consumer.subscribe(["bron.app.parkeren"])
    started = time.monotonic()
    stack.consents.execute(ToestemmingIntrekken(toestemmingId=granted.toestemmingId))
    eventually(lambda: reader.view("parkeren", "parkeervergunning", resident.persoon_id) is None,
               10, every=0.01)  # fmt: skip
    latency = time.monotonic() - started
    assert latency < 1.0, f"revocation took {latency:.2f} s"
    values: list[bytes | None] = []
    told: list[tuple[str, str | None]] = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (not values or values[-1] is not None):
        m = consumer.poll(0.2)
        if m is not None and m.error() is None and m.key() == resident.persoon_id.encode():
            values.append(m.value())
            record = decode(m.topic(), m.key(), m.value(), m.headers())
            told += [(n.kind, n.status) for n in notices(record, {"parkeervergunning"})]
    consumer.close()
    assert values[0] is not None, "the view was on the app's topic"
    assert values[-1] is None, "the app's topic ends with a tombstone"
    assert told[:2] == [("in-beeld", None), ("toestemming-gewijzigd", "actief")]
    assert told[-2:] == [("uit-beeld", None), ("toestemming-gewijzigd", "beeindigd")]
    reader.close()


def test_a_poison_message_is_dead_lettered_and_the_rest_flows(stack: Stack) -> None:
    producer = Producer({"bootstrap.servers": stack.settings.bootstrap_servers})
    producer.produce("bron.brp.events", key=b"not-a-person", value=b"\x00garbage",
                     headers=[("ce_type", b"nl.brp.persoon-ingeschreven.v1")])  # fmt: skip
    # well-formed headers and wire format, but a schema id no registry ever gave out
    headers: list[tuple[str, str | bytes | None]] = [(k, v) for k, v in _valid_headers(stack)]
    producer.produce("bron.brp.events", key=b"unknown-schema", value=b"\x00\x00\x01\x86\x9f\x02",
                     headers=headers)  # fmt: skip
    producer.flush(10)
    consumer = make_consumer(stack.settings.bootstrap_servers, f"t-{uuid.uuid4().hex[:6]}",
                             **{"auto.offset.reset": "earliest"})  # fmt: skip
    consumer.subscribe(["bron.dead-letter"])
    registry = RegistryClient(str(stack.settings.schema_registry_url))
    codec = EventCodec(registry, "urn:test")
    letters: dict[bytes, dict[str, Any]] = {}
    deadline = time.monotonic() + 30
    while len(letters) < 2 and time.monotonic() < deadline:
        m = consumer.poll(0.5)
        if m is None or m.error() is not None:
            continue
        letter = codec.decode(m.key(), m.value(), m.headers() or []).data
        if letter["key"] in (b"not-a-person", b"unknown-schema"):
            letters[letter["key"]] = letter
    consumer.close()
    registry.close()
    found = letters.get(b"not-a-person")
    assert found is not None, "the poison message reaches bron.dead-letter"
    assert found["value"] == b"\x00garbage"
    assert found["topic"] == "bron.brp.events"
    assert "ce_id" in found["reason"], found["reason"]
    unknown = letters.get(b"unknown-schema")
    assert unknown is not None, "the message with an unknown schema id reaches bron.dead-letter"
    assert unknown["value"] == b"\x00\x00\x01\x86\x9f\x02"
    assert "99999" in unknown["reason"] or "schema" in unknown["reason"], unknown["reason"]
    # and the worker still projects: a new consent shows up
    reader = stack.reader()
    resident = next(p for p in persons() if p.gemeente_van_inschrijving == "0363"
                    and p.geheimhouding_persoonsgegevens == 0)  # fmt: skip
    stack.consents.execute(ToestemmingVerlenen(
        toestemmingId=uuid.uuid4(), persoonId=uuid.UUID(resident.persoon_id),
        appId="parkeren", doelId="parkeervergunning"))  # fmt: skip
    eventually(lambda: reader.view("parkeren", "parkeervergunning", resident.persoon_id), 30)
    reader.close()
    proc = stack.workers[0].proc
    assert proc is not None
    assert proc.poll() is None, "the worker still runs"


def _valid_headers(stack: Stack) -> list[tuple[str, bytes]]:
    from bron.contracts.envelope import Attributes, to_headers

    return to_headers(Attributes(source="urn:nld:oin:00000001001234567000:systeem:test",
                                 type="nl.brp.persoon-ingeschreven.v1", sequence=1,
                                 dataschema="subjects/x/versions/1"))  # fmt: skip


def test_metrics_show_events_lag_and_dead_letters_and_no_personal_data(stack: Stack) -> None:
    text = httpx.get(f"http://127.0.0.1:{stack.metrics_port}/metrics", timeout=10).text
    applied = next(line for line in text.splitlines()
                   if line.startswith('bron_streams_events_total{outcome="applied"}'))  # fmt: skip
    assert float(applied.split()[-1]) > PERSONS
    assert 'bron_streams_lag{topic="bron.brp.events"}' in text
    assert 'bron_streams_dead_letters_total{error="DecodeError"} 2.0' in text
    for p in persons():
        assert p.burgerservicenummer not in text
        assert p.persoon_id not in text


def test_a_municipality_enabling_an_app_shows_its_residents_within_a_second_and_disabling_removes_them(  # noqa: E501
    stack: Stack,
) -> None:
    """The app store: an app registered from its manifest sees nobody until a municipality
    enables it; then that municipality's residents (for a statutory purpose), and only theirs,
    within a second of the register's commit; disabling removes them as fast."""
    reader = stack.reader()
    doel = load_policy().doel_by_id["belastingen-woz"]
    everyone = persons()
    ids = [p.persoon_id for p in everyone]
    eventually(lambda: reader.views("belastingen", "belastingen-woz", ids), 60)  # caught up
    [(event_type, data)] = stack.consents.register_app("woz-aanslag", WOZ_AANSLAG)
    assert event_type == "nl.toestemming.app-geregistreerd.v1"
    assert data["gemeenten"] == []
    assert stack.consents.register_app("woz-aanslag", WOZ_AANSLAG) == []  # nothing changed
    time.sleep(1.0)  # the worker has had the registration; nobody is in view
    assert reader.views("woz-aanslag", "belastingen-woz", ids) == {}

    gemeente = "0518"
    assert gemeente in doel.gemeenten
    residents = {p.persoon_id for p in everyone if p.gemeente_van_inschrijving == gemeente}
    assert residents
    started = time.monotonic()
    stack.consents.enable_app("woz-aanslag", gemeente, True)
    seen = eventually(lambda: (v := reader.views("woz-aanslag", "belastingen-woz", ids))
                      and len(v) == len(residents) and v, 10, every=0.01)  # fmt: skip
    shown = time.monotonic() - started
    assert set(seen) == residents
    assert shown < 1.0, f"enabling took {shown:.2f} s"

    started = time.monotonic()
    stack.consents.enable_app("woz-aanslag", gemeente, False)
    eventually(lambda: reader.views("woz-aanslag", "belastingen-woz", ids) == {}, 10, every=0.01)
    removed = time.monotonic() - started
    assert removed < 1.0, f"disabling took {removed:.2f} s"
    print(f"enabled: {len(residents)} residents in view after {shown * 1000:.0f} ms; "
          f"disabled: out of view after {removed * 1000:.0f} ms")  # fmt: skip
    reader.close()


@contextmanager
def gateway(stack: Stack) -> Iterator[str]:
    """The gateway on the workers' projection store, reading the register every 0.2 s; its
    /graphql URL."""
    settings = load_settings(**{**stack.settings.model_dump(), "gateway_policy_refresh": 0.2})
    with serving(create_app(settings)) as url:
        yield f"{url}/graphql"


def ask(stack: Stack, url: str, app_id: str, bsn: str) -> dict[str, Any]:
    """The app's query for a person, as the app sends it with its own token."""
    keys = KeyPair(stack.settings.data_dir / "keys")
    token = issue(keys, subject=f"client-{app_id}", audience="bron:gateway", app_id=app_id)
    query = f'{{ persoon(bsn: "{bsn}", doel: "belastingen-woz") {{ burgerservicenummer }} }}'
    response = httpx.post(url, json={"query": query}, timeout=30,
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    body: dict[str, Any] = response.json()
    return body


def last_records(stack: Stack, topic: str, keys: Collection[str]) -> dict[str, bytes | None]:
    """The last record of each key on the topic, read from its beginning until every key's
    last one is a tombstone (or 20 s passed)."""
    consumer = make_consumer(stack.settings.bootstrap_servers, f"t-{uuid.uuid4().hex[:6]}",
                             **{"auto.offset.reset": "earliest"})  # fmt: skip
    consumer.subscribe([topic])
    last: dict[str, bytes | None] = {}
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and (set(last) != set(keys) or any(last.values())):
        m = consumer.poll(0.2)
        if m is not None and m.error() is None and (m.key() or b"").decode() in keys:
            last[(m.key() or b"").decode()] = m.value()
    consumer.close()
    return last


def test_a_withdrawn_app_leaves_the_store_its_topic_and_the_gateway(stack: Stack) -> None:
    """The app store: withdrawing a registered app that a municipality enabled deletes every
    view of it, ends each of its persons on `bron.app.<appId>` with a tombstone, and the
    gateway refuses its queries as for any purpose the app does not have."""
    reader = stack.reader()
    ids = [p.persoon_id for p in persons()]
    gemeente, app_id = "0518", "woz-intrekken"
    residents = {p.persoon_id for p in persons() if p.gemeente_van_inschrijving == gemeente}
    one = next(p for p in persons() if p.persoon_id in residents)
    stack.consents.register_app(app_id, WOZ_AANSLAG)
    stack.consents.enable_app(app_id, gemeente, True)
    eventually(lambda: len(reader.views(app_id, "belastingen-woz", ids)) == len(residents), 30)
    with gateway(stack) as url:
        answer = ask(stack, url, app_id, one.burgerservicenummer)
        assert answer == {"data": {"persoon": {"burgerservicenummer": one.burgerservicenummer}}}

        started = time.monotonic()
        [(event_type, data)] = stack.consents.withdraw_app(app_id)
        assert (event_type, data["doelen"], data["gemeenten"]) == (APP_GEWIJZIGD, [], [])
        eventually(lambda: reader.views(app_id, "belastingen-woz", ids) == {}, 10, every=0.01)
        removed = time.monotonic() - started

        def refusal() -> dict[str, Any] | None:  # once the gateway read the register again
            found = ask(stack, url, app_id, one.burgerservicenummer)
            return found if "errors" in found else None

        refused = eventually(refusal, 10)
        assert refused["data"] == {"persoon": None}
        assert refused["errors"][0]["extensions"] == {"code": "PURPOSE_NOT_ALLOWED"}
    assert last_records(stack, app_topic(app_id), residents) == dict.fromkeys(residents)
    assert stack.consents.withdraw_app(app_id) == []  # withdrawn once
    print(f"withdrawn: {len(residents)} views gone after {removed * 1000:.0f} ms")
    reader.close()


def preflight(url: str, origin: str) -> httpx.Response:
    """A browser's CORS preflight for a POST with a token, as the gateway answers it."""
    headers = {"Origin": origin, "Access-Control-Request-Method": "POST",
               "Access-Control-Request-Headers": "authorization, content-type"}  # fmt: skip
    return httpx.options(url, headers=headers, timeout=30)


def test_a_withdrawn_apps_origins_and_operations_count_for_nothing_at_the_gateway(
    stack: Stack,
) -> None:
    """The app store: once an app is withdrawn, a preflight from its browser origin is answered
    as for an origin no app registered (403 problem+json, no allowed origin), and the register
    the gateway reads holds none of its operations (persisted operations accept none)."""
    app_id, origin = "woz-cors", "https://woz-cors.gemeente.example.nl"
    manifest = WOZ_AANSLAG.model_copy(update={"origins": (origin,), "operaties": ("ab" * 32,)})
    stack.consents.register_app(app_id, manifest)
    reader = stack.reader()
    eventually(lambda: app_id in reader.policy().app_by_id, 30)
    with gateway(stack) as url:
        assert preflight(url, origin).status_code == 204
        [(event_type, data)] = stack.consents.withdraw_app(app_id)
        refused = eventually(lambda: (r := preflight(url, origin)).status_code == 403 and r, 10,
                             "a preflight from the withdrawn app's origin refused")  # fmt: skip
    assert (event_type, data["origins"], data["operaties"]) == (APP_GEWIJZIGD, [], [])
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["errors"][0]["rule"] == "registered-origin"
    assert "access-control-allow-origin" not in refused.headers
    app = reader.policy().app_by_id[app_id]
    assert (app.doelen, app.origins, app.operaties) == ((), (), ())
    reader.close()


def test_an_app_removed_from_the_register_file_is_withdrawn_at_the_next_sync(
    stack: Stack,
) -> None:
    """The register file owns its apps: one that leaves it is withdrawn when the consent
    register publishes the file again (at its start), once, and published again when it comes
    back; an app registered from a manifest, in no file either, stays."""
    reader = stack.reader()
    file = load_policy()
    extra = App(id="bijstand-extra", naam="Bijstand extra", organisatie="00000001002564440000",
                overheid=True, doelen=("bijstand",))  # fmt: skip
    ids = [p.persoon_id for p in persons()]
    bijstand = file.doel_by_id["bijstand"]
    residents = {
        p.persoon_id for p in persons() if p.gemeente_van_inschrijving in bijstand.gemeenten
    }
    stack.consents.register_app("woz-blijft", WOZ_AANSLAG)
    with_extra = consent_register(stack.loader, Policy(doelen=file.doelen,
                                                       apps=(*file.apps, extra)))  # fmt: skip

    assert [(t, d["appId"]) for t, d in with_extra.sync_policy()] == [(APP_GEREGISTREERD, extra.id)]
    eventually(lambda: len(reader.views(extra.id, "bijstand", ids)) == len(residents), 30)
    events = stack.consents.sync_policy()  # the file without it, as at the next start
    assert [(t, d["appId"], d["doelen"], d["gemeenten"]) for t, d in events] == [
        (APP_GEWIJZIGD, extra.id, [], [])
    ]
    eventually(lambda: reader.views(extra.id, "bijstand", ids) == {}, 10, every=0.01)
    assert stack.consents.sync_policy() == []
    kept = stack.consents.app("woz-blijft")
    assert kept is not None
    assert kept["doelen"] == ["belastingen-woz"]

    assert [(t, d["appId"]) for t, d in with_extra.sync_policy()] == [(APP_GEWIJZIGD, extra.id)]
    eventually(lambda: len(reader.views(extra.id, "bijstand", ids)) == len(residents), 30)
    reader.close()
