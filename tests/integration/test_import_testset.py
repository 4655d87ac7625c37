"""`bron import brp-testset` through the real BAG and BRP registries: every person published,
a sample checked field by field, and a second run changes and publishes nothing."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bron.cli import main
from bron.testing import free_ports, serving
from services.bag.app import create_app as create_bag
from services.brp.app import create_app as create_brp
from services.brp.bag_client import BagHttpLookup
from services.brp.testset import TESTSET, read_testset
from services.importer.rvig import plan
from tests.integration.registries import app_header, contracts_registry, registry_settings


@pytest.fixture
def stack(
    tmp_path: Path, bootstrap: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Any, Any, Any]]:
    bag_port, brp_port = free_ports(2)
    with contracts_registry(bootstrap) as registry_url:
        settings = registry_settings(
            tmp_path, bootstrap, registry_url, bag_port=bag_port, brp_port=brp_port
        )
        for name, value in (("DATA_DIR", settings.data_dir), ("BAG_PORT", bag_port),
                            ("BRP_PORT", brp_port), ("SCHEMA_REGISTRY_URL", registry_url),
                            ("KAFKA_BOOTSTRAP", bootstrap)):  # fmt: skip
            monkeypatch.setenv(f"BRON_{name}", str(value))
        bag_app, bag = create_bag(settings)
        brp_app, brp = create_brp(settings, BagHttpLookup.from_settings(settings))
        with serving(bag_app, port=bag_port), serving(brp_app, port=brp_port) as brp_url:
            yield settings, (bag, brp), brp_url


def test_the_rvig_persons_are_imported_once_and_published(
    stack: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings, (bag, brp), brp_url = stack
    steps = plan(read_testset(TESTSET), datetime.datetime.now(datetime.UTC))
    assert main(["import", "brp-testset"]) == 0
    first = capsys.readouterr().out
    assert "687 persoonslijsten read" in first
    assert f"inschrijving       created  {len(steps.inschrijvingen)}  already    0" in first
    assert "refused 0" in first, first
    assert "skipped Lg01_562: no burgerservicenummer" in first
    assert len(steps.inschrijvingen) == 687 - len(steps.skipped)
    published = brp.outbox.pending(brp.engine), bag.outbox.pending(bag.engine)

    headers = {**app_header(settings, "brp", "bijstand-loket"), "X-Bron-Doel": "bijstand"}
    fields = "naam,geboorte.datum,verblijfplaats,partners.naam,burgerservicenummer"
    with httpx.Client(base_url=brp_url, headers=headers) as client:
        found = client.get("/personen", params={"burgerservicenummer": "999993653",
                                                "fields": fields}).json()["personen"]  # fmt: skip
    assert len(found) == 1
    moulin = found[0]
    assert moulin["naam"]["voornamen"] == "Suzanne"
    assert moulin["naam"]["geslachtsnaam"] == "Moulin"
    assert moulin["geboorte"]["datum"]["datum"] == "1985-12-01"
    assert moulin["verblijfplaats"]["nummeraanduidingIdentificatie"] == "0599200000219678"
    assert moulin["verblijfplaats"]["adresseerbaarObjectIdentificatie"] == "0599010000208579"
    assert moulin["verblijfplaats"]["verblijfadres"]["postcode"] == "3077AW"
    assert moulin["partners"][0]["naam"]["geslachtsnaam"] == "Beaudelaire"

    assert main(["import", "brp-testset"]) == 0
    second = capsys.readouterr().out
    assert f"inschrijving       created    0  already  {len(steps.inschrijvingen)}" in second
    assert "created 0," in second
    assert "refused 0" in second
    assert (brp.outbox.pending(brp.engine), bag.outbox.pending(bag.engine)) <= published, (
        "a second run publishes nothing new"
    )
