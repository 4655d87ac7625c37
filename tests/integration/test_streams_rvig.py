"""The RvIG test persons flow from the registries (imported over their HTTP APIs) through their
outboxes and Kafka into the projections: a statutory purpose sees the residents of its
municipalities with the allowed fields, including their BAG address and their partner; the
purpose's other residents are absent. On a broker of its own."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from bron.cli import main
from bron.db import database_url
from bron.policy import load_policy
from bron.process import ManagedProcess, bron_command
from bron.testing import broker_settings, free_ports, running_broker, serving
from services.bag.app import create_app as create_bag
from services.brp.app import create_app as create_brp
from services.brp.bag_client import BagHttpLookup
from services.brp.testset import TESTSET, read_testset
from services.toestemming.app import create_app as create_toestemming
from streams.reads import ProjectionReader
from streams.store import ProjectionStore
from tests.integration.registries import contracts_registry, registry_settings

MOULIN = "999993653"  # Suzanne Moulin, Rotterdam (0599), married to a Beaudelaire


@pytest.fixture(scope="module")
def projected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    folder = tmp_path_factory.mktemp("rvig")
    monkeypatch = pytest.MonkeyPatch()
    with (
        running_broker(broker_settings(folder / "kafka")) as broker,
        contracts_registry(broker.bootstrap) as registry_url,
    ):
        bag_port, brp_port, toestemming_port = free_ports(3)
        settings = registry_settings(folder, broker.bootstrap, registry_url, bag_port=bag_port,
                                     brp_port=brp_port, toestemming_port=toestemming_port,
                                     streams_group=f"rvig-{uuid.uuid4().hex[:6]}")  # fmt: skip
        for name, value in (("DATA_DIR", settings.data_dir), ("BAG_PORT", bag_port),
                            ("BRP_PORT", brp_port), ("SCHEMA_REGISTRY_URL", registry_url),
                            ("KAFKA_BOOTSTRAP", broker.bootstrap),
                            ("STREAMS_GROUP", settings.streams_group),
                            ("STREAMS_PORT", free_ports(1)[0])):  # fmt: skip
            monkeypatch.setenv(f"BRON_{name}", str(value))
        bag_app, _ = create_bag(settings)
        brp_app, _ = create_brp(settings, BagHttpLookup.from_settings(settings))
        toestemming_app, _ = create_toestemming(settings, load_policy())
        ProjectionStore(database_url(settings, "projections")).close()
        worker = ManagedProcess("w", bron_command("streams", "worker", "--instance", "rvig"),
                                folder / "worker.log")  # fmt: skip
        with (
            serving(bag_app, port=bag_port),
            serving(brp_app, port=brp_port),
            serving(toestemming_app, port=toestemming_port),
        ):
            assert main(["import", "brp-testset"]) == 0
            worker.start()
            try:
                yield ProjectionReader(database_url(settings, "projections"))
            finally:
                worker.stop()
                monkeypatch.undo()


def test_the_rvig_persons_reach_the_statutory_purposes_projection(projected: Any) -> None:
    reader: ProjectionReader = projected
    bijstand = load_policy().doel_by_id["bijstand"]
    persons = [p for p in read_testset(TESTSET) if p.burgerservicenummer]
    residents = {p.burgerservicenummer for p in persons if p.verblijfplaats
                 and p.verblijfplaats.gemeente_van_inschrijving in bijstand.gemeenten}  # fmt: skip
    deadline = time.monotonic() + 120
    moulin: dict[str, Any] | None = None
    while time.monotonic() < deadline:  # her registration first, her marriage a little later
        ids = reader.find("persoon", "bsn", [MOULIN])[MOULIN]
        moulin = reader.view("bijstand-loket", "bijstand", ids[0]) if ids else None
        if moulin is not None and "partners" in moulin["persoon"]:
            break
        time.sleep(0.2)
    assert moulin is not None, "Suzanne Moulin reached the bijstand projection"
    persoon = moulin["persoon"]
    assert persoon["naam"]["geslachtsnaam"] == "Moulin"
    assert persoon["geboorte"] == {"datum": {"type": "Datum", "datum": "1985-12-01",
                                             "langFormaat": "1 december 1985"}}  # fmt: skip
    assert persoon["verblijfplaats"]["verblijfadres"]["postcode"] == "3077AW"
    assert persoon["partners"][0]["naam"]["geslachtsnaam"] == "Beaudelaire"
    assert "geslacht" not in persoon
    assert moulin["adres"]["postcode"] == "3077AW"

    # every resident of the purpose's municipalities, and no one else
    time.sleep(2)
    by_bsn = reader.find("persoon", "bsn", sorted({p.burgerservicenummer for p in persons
                                                   if p.burgerservicenummer}))  # fmt: skip
    registered = {bsn: found[0] for bsn, found in by_bsn.items() if found}
    seen = reader.views("bijstand-loket", "bijstand", list(registered.values()))
    shown = {bsn for bsn, persoon_id in registered.items() if persoon_id in seen}
    expected = residents & set(registered)
    assert shown == expected, (len(shown), len(expected))
