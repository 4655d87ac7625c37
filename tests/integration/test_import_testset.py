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
from bron.policy import App, Doel, Grondslag, Policy, load_policy
from bron.testing import free_ports, serving
from services.bag.app import create_app as create_bag
from services.brp.app import create_app as create_brp
from services.brp.bag_client import BagHttpLookup
from services.brp.testset import TESTSET, read_testset
from services.importer.rvig import persoon_id, plan
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
        lookup = BagHttpLookup.from_settings(settings)
        brp_app, brp = create_brp(settings, lookup, policy=with_an_import_check())
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

    headers = {**app_header(settings, "brp", "controle"), "X-Bron-Doel": "importcontrole"}
    with httpx.Client(base_url=brp_url, headers=headers) as client:
        moulin = _read(client, "999993653")
        assert moulin["naam"]["voornamen"] == "Suzanne"
        assert moulin["naam"]["geslachtsnaam"] == "Moulin"
        assert moulin["geboorte"]["datum"]["datum"] == "1985-12-01"
        assert moulin["verblijfplaats"]["nummeraanduidingIdentificatie"] == "0599200000219678"
        assert moulin["verblijfplaats"]["adresseerbaarObjectIdentificatie"] == "0599010000208579"
        assert moulin["verblijfplaats"]["verblijfadres"]["postcode"] == "3077AW"
        assert moulin["partners"][0]["naam"]["geslachtsnaam"] == "Beaudelaire"
        checked = _sample_matches_the_source(client, steps)
    assert checked["personen"] >= 200, checked
    assert checked["partners"] >= 50, checked
    assert checked["kinderen"] >= 100, checked

    assert main(["import", "brp-testset"]) == 0
    second = capsys.readouterr().out
    assert f"inschrijving       created    0  already  {len(steps.inschrijvingen)}" in second
    assert "created 0," in second
    assert "refused 0" in second
    assert (brp.outbox.pending(brp.engine), bag.outbox.pending(bag.engine)) <= published, (
        "a second run publishes nothing new"
    )


def with_an_import_check() -> Policy:
    """The register plus a government app whose purpose reads every municipality of the set:
    the sample is compared with its source, whatever gemeente a person lives in."""
    base = load_policy()
    plaatsen = [p.verblijfplaats for p in read_testset(TESTSET) if p.verblijfplaats]
    gemeenten = tuple(sorted({v.gemeente_van_inschrijving for v in plaatsen
                              if v.gemeente_van_inschrijving}))  # fmt: skip
    doel = Doel(id="importcontrole", naam="Controle van de import",
                omschrijving="Een beheerder vergelijkt de import met de bron.",
                grondslag=Grondslag.wettelijke_verplichting, wettelijkeBasis="Wet BRP, artikel 1.5",
                gemeenten=gemeenten,
                velden={"persoon": ("burgerservicenummer", "naam", "geboorte", "verblijfplaats",
                                    "partners", "kinderen")})  # fmt: skip
    app = App(id="controle", naam="Importcontrole", organisatie="00000001002564440000",
              overheid=True, doelen=("importcontrole",))  # fmt: skip
    return Policy(doelen=(*base.doelen, doel), apps=(*base.apps, app))


FIELDS = ("burgerservicenummer,naam,geboorte.datum,verblijfplaats,partners.naam,"
          "partners.burgerservicenummer,kinderen.burgerservicenummer")  # fmt: skip


def _read(client: httpx.Client, bsn: str) -> dict[str, Any]:
    response = client.get("/personen", params={"burgerservicenummer": bsn, "fields": FIELDS})
    assert response.status_code == 200, response.text
    found = response.json()["personen"]
    assert len(found) == 1, bsn
    return dict(found[0])


def _sample_matches_the_source(client: httpx.Client, steps: Any) -> dict[str, int]:
    """Every 7th registered person, plus every person with a child in the set, compared with
    what their persoonslijst says: name, birth date, address and BAG ids, the current partner,
    and the children: the registered persons whose own list names this person as a parent
    (the set has children naming a parent whose list does not name them, e.g. 999992156 and
    999990020; the BRP follows the child's list)."""
    persons = {persoon_id(p): p for p in read_testset(TESTSET)}  # a BSN may be on two lists
    registered = [c.body for c in steps.inschrijvingen]
    by_id = {b["persoonId"]: b for b in registered}
    children: dict[str, set[str]] = {}
    for body in registered:
        for ouder in body.get("ouders", []):
            parent = by_id[ouder["persoonId"]]["burgerservicenummer"]
            children.setdefault(parent, set()).add(body["burgerservicenummer"])
    sample = {b["burgerservicenummer"] for b in registered[::7]} | set(children)
    checked = {"personen": 0, "adressen": 0, "partners": 0, "kinderen": 0}
    for bsn in sorted(sample):
        body = by_id_of(registered, bsn)
        source, seen = persons[body["persoonId"]], _read(client, bsn)
        assert seen["naam"].get("geslachtsnaam") == body["naam"]["geslachtsnaam"], bsn
        assert seen["naam"].get("voornamen") == (source.naam.voornamen or None), bsn
        birth = source.geboortedatum.as_date if source.geboortedatum else None
        assert seen["geboorte"]["datum"].get("datum") == (birth.isoformat() if birth else None)
        if "verblijfplaats" in body:
            v = source.verblijfplaats
            assert v is not None
            plaats = seen["verblijfplaats"]
            assert plaats["nummeraanduidingIdentificatie"] == v.nummeraanduiding_identificatie
            assert (
                plaats["adresseerbaarObjectIdentificatie"] == v.adresseerbaar_object_identificatie
            )
            assert plaats["verblijfadres"]["postcode"] == v.postcode
            assert plaats["verblijfadres"]["huisnummer"] == v.huisnummer
            checked["adressen"] += 1
        if (
            source.partners
            and source.partners[0].datum_aangaan
            and (source.partners[0].datum_aangaan.as_date)
        ):
            partner = source.partners[0].persoon
            shown = seen["partners"][0]
            assert shown["naam"].get("geslachtsnaam") == partner.naam.geslachtsnaam, bsn
            checked["partners"] += 1
        kinderen = {k["burgerservicenummer"] for k in seen.get("kinderen", [])}
        assert kinderen == children.get(bsn, set()), bsn
        checked["kinderen"] += len(kinderen)
        checked["personen"] += 1
    return checked


def by_id_of(registered: list[dict[str, Any]], bsn: str) -> dict[str, Any]:
    return next(b for b in registered if b["burgerservicenummer"] == bsn)
