"""`bron generate` through the real registries' code on SQLite and PostgreSQL, the real schema
registry and the session broker: every person registered and published, the data consistent
when read back through the BRP's HTTP API (addresses in the BAG, partners, children)."""

from __future__ import annotations

import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from bron.cli import main
from bron.contracts.codec import EventCodec
from bron.contracts.registry_client import RegistryClient
from bron.kafka.clients import make_consumer
from bron.testing import free_ports, serving
from bron.topics import TOPICS
from services.bag.app import create_app as create_bag
from services.brp.app import create_app as create_brp
from services.brp.bag_client import BagHttpLookup
from services.brp.domain import Inschrijven
from services.generator import Step, plan
from services.importer.generate import Loader, Summary
from tests.integration.registries import app_header, contracts_registry, registry_settings

PERSONS = 400


def test_generated_persons_are_registered_published_and_consistent(
    tmp_path: Path,
    bootstrap: str,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed = uuid.uuid4().int % 1_000_000  # keys of this run differ from other runs on the topic
    with contracts_registry(bootstrap) as registry_url:
        [bag_port] = free_ports(1)
        settings = registry_settings(tmp_path, bootstrap, registry_url, bag_port=bag_port,
                                     brp_database_url=database_url)  # fmt: skip
        for name, value in (("DATA_DIR", settings.data_dir), ("SCHEMA_REGISTRY_URL", registry_url),
                            ("KAFKA_BOOTSTRAP", bootstrap),
                            ("BRP_DATABASE_URL", database_url)):  # fmt: skip
            monkeypatch.setenv(f"BRON_{name}", str(value))

        assert main(["generate", "--persons", str(PERSONS), "--seed", str(seed),
                     "--chunk", "700"]) == 0  # fmt: skip
        out = capsys.readouterr().out
        assert f"{PERSONS} persons" in out, out
        assert "refused 0" in out, out
        assert "all published" in out, out

        inschrijvingen = [
            s.command for s in plan(PERSONS, seed) if isinstance(s.command, Inschrijven)
        ]
        ids = {c.persoon_id for c in inschrijvingen}
        assert len(ids) == PERSONS
        published = _published_types(bootstrap, registry_url, ids)
        assert published["nl.brp.persoon-ingeschreven.v1"] == PERSONS
        assert published["nl.brp.persoon-partnerschap-aangegaan.v1"] >= PERSONS // 10

        bag_app, _bag = create_bag(settings)
        with serving(bag_app, port=settings.bag_port):
            brp_app, _brp = create_brp(settings, BagHttpLookup.from_settings(settings))
            with serving(brp_app) as brp_url:
                _read_back(settings, brp_url, inschrijvingen)


def _published_types(bootstrap: str, registry_url: str, ids: set[str]) -> Counter[str]:
    """The event types on the BRP topic whose key is one of this run's persons."""
    options = {"auto.offset.reset": "earliest", "enable.auto.commit": False}
    consumer = make_consumer(bootstrap, f"test-{uuid.uuid4().hex[:8]}", **options)
    consumer.subscribe([next(t.name for t in TOPICS if t.name == "bron.brp.events")])
    seen: Counter[str] = Counter()
    empty = 0
    with RegistryClient(registry_url) as registry:
        codec = EventCodec(registry, "urn:test")
        try:
            while empty < 10:
                messages = consumer.consume(1000, timeout=1.0)
                empty = 0 if messages else empty + 1
                for m in messages:
                    assert m.error() is None
                    if (key := m.key()) is not None and key.decode() in ids:
                        seen[
                            codec.decode(m.key(), m.value(), m.headers() or []).attributes.type
                        ] += 1
        finally:
            consumer.close()
    return seen


def _read_back(settings: Any, brp_url: str, inschrijvingen: list[Inschrijven]) -> None:
    """Residents of a gemeente the bijstand purpose serves: their address is in the BAG (the
    BRP checked it), partners name each other, children are shown on their parents."""
    headers = {**app_header(settings, "brp", "bijstand-loket"), "X-Bron-Doel": "bijstand"}
    fields = ("burgerservicenummer,verblijfplaats,partners.burgerservicenummer,"
              "kinderen.burgerservicenummer")  # fmt: skip
    by_id = {c.persoon_id: c for c in inschrijvingen}
    served = [c for c in inschrijvingen if c.gemeente_van_inschrijving in ("0363", "0518", "0599")]
    assert served, "the plan has residents of the bijstand purpose's gemeenten"
    parents = Counter(o.persoon_id for c in inschrijvingen for o in c.ouders if o.persoon_id)
    with httpx.Client(base_url=brp_url, headers=headers) as client:
        for c in served[:60]:
            response = client.get("/personen", params={"burgerservicenummer": c.burgerservicenummer,
                                                        "fields": fields})  # fmt: skip
            assert response.status_code == 200, response.text
            [seen] = response.json()["personen"]
            assert c.verblijfplaats is not None
            assert seen["verblijfplaats"]["nummeraanduidingIdentificatie"] == (
                c.verblijfplaats.nummeraanduiding_identificatie
            )
            kinderen = {k["burgerservicenummer"] for k in seen.get("kinderen", [])}
            assert len(kinderen) == parents[c.persoon_id]
            for kind in kinderen:
                child = next(x for x in inschrijvingen if x.burgerservicenummer == kind)
                assert c.persoon_id in {o.persoon_id for o in child.ouders}
            for partner in seen.get("partners", []):
                bsn = partner["burgerservicenummer"]
                other = next(x for x in by_id.values() if x.burgerservicenummer == bsn)
                assert other.persoon_id != c.persoon_id


def test_a_refused_command_in_a_batch_leaves_only_itself_out(
    tmp_path: Path, bootstrap: str, database_url: str
) -> None:
    """The optimistic batch (no savepoints) rolls back on the refusal and runs again with a
    savepoint per command: every other command is there, the refused one wrote nothing."""
    with contracts_registry(bootstrap) as registry_url:
        settings = registry_settings(tmp_path, bootstrap, registry_url,
                                     brp_database_url=database_url)  # fmt: skip
        loader = Loader(settings)
        try:
            steps = list(plan(30, seed=5))
            first = next(s for s in steps if isinstance(s.command, Inschrijven))
            twice = [*steps, Step("brp", first.command)]
            summary = Summary()
            loader.load(twice, summary)
            assert sum(summary.refused.values()) == 1, summary.examples
            assert summary.examples[0].startswith("Inschrijven: persoonId [persoon.bestaat-al]")
            assert summary.persons == 30
            assert summary.changes == len(steps)
            brp = loader.runtimes["brp"]
            assert brp.outbox.pending(brp.engine) == summary.created["Inschrijven"] + (
                2 * summary.created["PartnerschapAangaan"]
            ), "one event per registration, two per partnership, none for the refusal"
        finally:
            loader.close()
