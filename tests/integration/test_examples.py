"""The example apps (`examples/`) run their own code against a real gateway under production
settings, where an app runs only the operations of its registered manifest: the register holds
each example as `bron apps register` and `bron apps enable … --gemeente 0363` leave it (the
hashes of its manifest's documents, enabled in Amsterdam only).

The projection store is filled the way the stream workers fill it: the registries' events
(the register, BAG addresses, persons, a consent, a WOZ object with its value and owner) through
`streams.projector.Projector`, whose per-app records go to `bron.app.<appId>` in the workers'
format (`streams.pipeline`), so that a move and a revoked consent reach the subscriptions as
they would in the running system. The production gateway trusts the development issuer
through the JWKS URL of a development gateway on the same data dir."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from bron_gateway.app import create_app
from bron_gateway.gebeurtenis_types import encode_cursor
from confluent_kafka import Producer, TopicPartition

from bron.apps.conformance import read_documents
from bron.apps.manifest import load_manifest, operation_hash
from bron.cli.apps import registration
from bron.contracts.envelope import Attributes, to_headers
from bron.http.auth import ISSUER, KeyPair, issue
from bron.kafka.admin import ensure_topics
from bron.kafka.clients import make_consumer, make_producer
from bron.policy import App, Policy, load_policy
from bron.settings import Environment, Settings, load_settings
from bron.testing import serving
from streams.pipeline import EVENT_TYPE, app_topic, record_id
from streams.projector import AppRecord, Projector
from streams.reads import ProjectionReader
from streams.store import ProjectionStore
from streams.worker import app_topic_spec
from tests.integration.registries import contracts_registry
from tests.integration.test_gateway_http import gateway_settings
from tests.unit.test_streams_pure import NOW, Adres, Persoon, World

pytestmark = pytest.mark.kafka

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
PARKEREN, WOZ = "parkeren-bewoners", "woz-aanslag"
SOURCE = "urn:nld:oin:00000001001234567000:systeem:bron-streams"  # as the workers
TIMEOUT = 30.0


def example(name: str) -> ModuleType:
    """An example's app.py, imported as the module it is."""
    spec = importlib.util.spec_from_file_location(f"example_{name.replace('-', '_')}",
                                                  EXAMPLES / name / "app.py")  # fmt: skip
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def registered(name: str, gemeenten: Sequence[str]) -> App:
    """The app as `bron apps register` puts it in the register (its manifest's operation
    hashes), enabled in `gemeenten` (`bron apps enable`)."""
    path = EXAMPLES / name / "bron-app.yaml"
    manifest = load_manifest(path)
    hashes = [operation_hash(text) for text in read_documents(manifest, path.parent).values()]
    body = registration(manifest, hashes, overheid=True)
    return App.model_validate({"id": manifest.id, **body, "gemeenten": list(gemeenten)})


@dataclass
class Stack:
    url: str  # the production gateway's /graphql
    settings: Settings
    bootstrap: str
    world: World
    store: ProjectionStore
    projector: Projector
    producer: Producer
    thuis: Adres
    anna: Persoon  # Amsterdam, consent for the permit, owner of a WOZ object
    bram: Persoon  # Amsterdam, no consent
    cees: Persoon  # Den Haag: the purpose covers it, but only Amsterdam enabled the apps
    toestemming: str
    woz: str

    def token(self, app_id: str) -> str:
        keys = KeyPair(self.settings.data_dir / "keys")
        return issue(keys, subject=f"client-{app_id}", audience="bron:gateway", app_id=app_id)

    def project(self) -> None:
        """The events since the last call through the projector, its per-app records of the
        examples to their topics, as a stream worker does."""
        with self.store.transaction() as tx:
            records = self.projector.apply(tx, self.world.take(), NOW).records
        for record in records:
            if record.app_id in (PARKEREN, WOZ):
                self._send(record)
        assert self.producer.flush(30) == 0

    def _send(self, record: AppRecord) -> None:  # streams.pipeline.Pipeline._send
        body = {"persoonId": record.persoon_id, "versie": record.versie,
                "doelen": record.doelen or {}, "wijzigingen": record.wijzigingen}  # fmt: skip
        if record.doelen is not None or record.wijzigingen:
            self._produce(record, record_id(record), json.dumps(body).encode())
        if record.doelen is None:
            self._produce(record, record_id(record, "tombstone"), None)

    def _produce(self, record: AppRecord, id: str, value: bytes | None) -> None:
        headers = to_headers(Attributes(source=SOURCE, type=EVENT_TYPE,
                                        sequence=max(record.versie, 1),
                                        dataschema="urn:bron:projectie",
                                        datacontenttype="application/json", id=id))  # fmt: skip
        self.producer.produce(app_topic(record.app_id), key=record.persoon_id.encode(),
                              value=value, headers=list(headers))  # fmt: skip

    def end(self, app_id: str) -> str:
        """A cursor at the end of the app's topic: a subscription with it as `na` gets what
        comes after, however late it starts."""
        consumer = make_consumer(self.bootstrap, f"t-{uuid.uuid4().hex}")
        try:
            topic = app_topic(app_id)
            return encode_cursor({
                p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                for p in range(app_topic_spec(topic).partitions)
            })  # fmt: skip
        finally:
            consumer.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, bootstrap: str) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("examples")
    ensure_topics(bootstrap, [app_topic_spec(app_topic(a)) for a in (PARKEREN, WOZ)])
    base = load_policy()
    policy = Policy(doelen=base.doelen,
                    apps=(*base.apps, registered("parkeervergunning", ["0363"]),
                          registered("woz-aanslag", ["0363"])))  # fmt: skip
    w = World()
    w.policy(policy)
    thuis = w.adres("0363", "Dorpsstraat")
    anna = w.persoon("Jansen", thuis)
    toestemming = w.toestemming(anna, PARKEREN, "parkeervergunning")
    woz = w.woz(thuis, anna)
    w.waarde(woz, 455_000)
    bram = w.persoon("Bakker", w.adres("0363", "Kade"), voornamen="Bram")
    cees = w.persoon("Claes", w.adres("0518", "Lange Voorhout"), voornamen="Cees")
    with contracts_registry(bootstrap) as registry_url:
        settings = gateway_settings(root, bootstrap, registry_url)
        store = ProjectionStore(str(settings.projections_database_url))
        stack = Stack("", settings, bootstrap, w, store, Projector("bron-streams"),
                      make_producer(bootstrap), thuis, anna, bram, cees, toestemming,
                      woz)  # fmt: skip
        stack.project()
        reader = ProjectionReader(str(settings.projections_database_url))
        with serving(create_app(settings, reader=reader)) as development:
            production = load_settings(**{
                **settings.model_dump(),
                "env": Environment.production,
                "gateway_issuers": {ISSUER: f"{development}/.well-known/jwks.json"},
            })  # fmt: skip
            with serving(create_app(production)) as url:
                stack.url = f"{url}/graphql"
                yield stack
        store.close()


def run(stack: Stack, name: str, *args: str) -> subprocess.CompletedProcess[str]:
    """An example's app.py as a builder runs it: gateway and token from the environment."""
    app_id = PARKEREN if name == "parkeervergunning" else WOZ
    env = {**os.environ, "BRON_GATEWAY_URL": stack.url, "BRON_APP_TOKEN": stack.token(app_id)}
    return subprocess.run([sys.executable, str(EXAMPLES / name / "app.py"), *args], env=env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip


def adresregel(adres: Adres) -> str:
    return f"{adres.straat} {adres.huisnummer}, {adres.postcode} {adres.woonplaatsnaam}"


async def until(found: list[str], count: int, task: asyncio.Future[None]) -> None:
    """Wait until the app showed `count` lines (or stopped: with its exception, if any)."""
    deadline = time.monotonic() + TIMEOUT
    while len(found) < count:
        if task.done():
            task.result()
            raise AssertionError(f"the app stopped after {found}")
        assert time.monotonic() < deadline, f"waited {TIMEOUT}s, got {found}"
        await asyncio.sleep(0.05)


async def stopped(task: asyncio.Future[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


# -- the production gateway runs only what is registered -------------------------------------


def test_in_production_an_example_runs_its_registered_operations_and_nothing_else(
    stack: Stack,
) -> None:
    ad_hoc = (f'{{ persoon(bsn: "{stack.anna.bsn}", doel: "parkeervergunning") '
              "{ naam { geslachtsnaam } } }")  # fmt: skip
    response = httpx.post(stack.url, json={"query": ad_hoc}, timeout=30,
                          headers={"Authorization": f"Bearer {stack.token(PARKEREN)}"})  # fmt: skip
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "OPERATION_NOT_REGISTERED"
    assert "Jansen" not in response.text


# -- parkeervergunning: a purpose on consent -------------------------------------------------


def test_the_permit_app_shows_the_address_of_a_resident_who_consented(stack: Stack) -> None:
    done = run(stack, "parkeervergunning", "vergunning", "--bsn", stack.anna.bsn)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == f"parkeervergunning voor A.M. Jansen: {adresregel(stack.thuis)}\n"


@pytest.mark.parametrize("who", ["bram", "cees"])
def test_the_permit_app_finds_no_one_without_consent(stack: Stack, who: str) -> None:
    bsn = getattr(stack, who).bsn
    done = run(stack, "parkeervergunning", "vergunning", "--bsn", bsn)
    assert done.returncode == 1, done.stderr
    assert done.stdout == f"geen bewoner met toestemming gevonden voor BSN {bsn}\n"


def test_the_permit_app_follows_a_move_and_the_end_of_the_consent(
    stack: Stack, tmp_path: Path
) -> None:
    parkeren, w = example("parkeervergunning"), stack.world
    dirk = w.persoon("Dekker", w.adres("0363", "Prinsengracht"), voornamen="Dirk Jan")
    toestemming = w.toestemming(dirk, PARKEREN, "parkeervergunning")
    stack.project()
    na = stack.end(PARKEREN)
    cursors = tmp_path / "volg.json"
    cursors.write_text(json.dumps({"Verhuizingen": na, "Uitgeschreven": na}))
    nieuw = w.adres("0363", "Keizersgracht")
    found: list[str] = []

    async def scenario() -> None:
        token = stack.token(PARKEREN)
        task = asyncio.ensure_future(parkeren.volg(stack.url, token, cursors, found.append))
        try:
            w.verhuis(dirk, nieuw)
            await asyncio.to_thread(stack.project)
            await until(found, 1, task)
            w.intrekken(dirk, toestemming, PARKEREN, "parkeervergunning")
            await asyncio.to_thread(stack.project)
            await until(found, 2, task)
        finally:
            await stopped(task)

    asyncio.run(scenario())
    assert found == [
        f"verhuisd: D.J. Dekker ({dirk.id}) -> {adresregel(nieuw)}",
        f"vergunning vervalt: {dirk.id} (geen toestemming of woont er niet meer)",
    ]
    kept = json.loads(cursors.read_text())
    assert set(kept) == {"Verhuizingen", "Uitgeschreven"}
    assert na not in kept.values()  # each moved on: a restart resumes after what was shown


# -- woz-aanslag: a statutory purpose --------------------------------------------------------


def test_the_woz_app_prints_the_basis_of_an_assessment(stack: Stack) -> None:
    done, thuis = run(stack, "woz-aanslag", "aanslag", "--bsn", stack.anna.bsn), stack.thuis
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [
        f"grondslag aanslag OZB voor A.M. Jansen (BSN {stack.anna.bsn}), {adresregel(thuis)}",
        f"  WOZ-object {stack.woz}: € 455.000 (belastingjaar 2026, waardepeildatum 2025-01-01)"
        "; eigenaar sinds 2020-01-01",
    ]


def test_the_woz_app_finds_a_resident_without_woz_objects_and_not_one_elsewhere(
    stack: Stack,
) -> None:
    done = run(stack, "woz-aanslag", "aanslag", "--bsn", stack.bram.bsn)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1:] == ["  geen WOZ-objecten"]
    elsewhere = run(stack, "woz-aanslag", "aanslag", "--bsn", stack.cees.bsn)
    assert elsewhere.returncode == 1, elsewhere.stderr
    assert elsewhere.stdout == f"niemand gevonden voor BSN {stack.cees.bsn}\n"


def test_the_woz_app_reads_the_woz_object_of_an_address(stack: Stack) -> None:
    woz = example("woz-aanslag")
    line = woz.woz_object(stack.url, stack.token(WOZ), stack.thuis.nummeraanduiding)
    assert line.startswith(f"WOZ-object {stack.woz}: € ")
    assert line.endswith("; eigenaar sinds 2020-01-01")
    elsewhere = stack.cees.adres
    assert elsewhere is not None
    assert woz.woz_object(stack.url, stack.token(WOZ), elsewhere.nummeraanduiding) is None


def test_the_woz_app_follows_the_values_set(stack: Stack) -> None:
    """`volg` starts at the end of the stream (no cursor): values are set until one comes."""
    woz, w = example("woz-aanslag"), stack.world
    thuis = w.adres("0363", "Herengracht")
    eva = w.persoon("Evers", thuis, voornamen="Eva")
    nummer = w.woz(thuis, eva)
    stack.project()
    found: list[str] = []
    waarden: dict[int, int] = {}

    async def scenario() -> None:
        task = asyncio.ensure_future(woz.volg(stack.url, stack.token(WOZ), found.append))
        try:
            deadline = time.monotonic() + TIMEOUT
            while not found and not task.done():
                assert time.monotonic() < deadline, "no value came"
                jaar = 2027 + len(waarden)
                waarden[jaar] = 500_000 + 1_000 * len(waarden)
                w.waarde(nummer, waarden[jaar], jaar)
                await asyncio.to_thread(stack.project)
                await asyncio.sleep(0.3)
            await until(found, 1, task)
        finally:
            await stopped(task)

    asyncio.run(scenario())
    jaar = int(found[0].split("belastingjaar ")[1][:4])
    bedrag = f"{waarden[jaar]:,}".replace(",", ".")
    assert found[0] == (
        f"nieuwe waarde voor {eva.id}: WOZ-object {nummer}: € {bedrag} (belastingjaar {jaar}, "
        f"waardepeildatum {jaar - 1}-01-01)"
    )
