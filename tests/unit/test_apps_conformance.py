"""The conformance check of an app (`bron.apps.conformance`): a good app (tests/unit/apps/goed)
is conform, a broken one (tests/unit/apps/fout) breaks every rule and is told so, word for
word; and a change of each contract (a purpose loses a field, the GraphQL schema loses a field,
an Avro contract loses a field) turns the good app into one that is not, naming the operation
and the field."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from bron.apps.conformance import (
    RULES,
    Contracts,
    Operations,
    Report,
    check,
    current_contracts,
    read_documents,
)
from bron.apps.lineage import lineage
from bron.apps.manifest import ManifestError, load_manifest, operation_hash
from bron.contracts.schemafiles import load_schema_files
from bron.policy import Policy
from graphql import build_schema, print_schema

APPS = Path(__file__).parent / "apps"
CONTRACTS = current_contracts()


def _check(app: str, contracts: Contracts = CONTRACTS) -> Report:
    manifest = load_manifest(APPS / app / "bron-app.yaml")
    return check(manifest, read_documents(manifest, APPS / app), contracts)


def _found(report: Report) -> list[tuple[str, str, str | None]]:
    return [(v.rule, v.where, v.path) for v in report.violations]


GOOD = """\
app stadsloket 1.2.0
doelen
  ✓ doelen[0] parkeervergunning (toestemming)
  ✓ doelen[1] belastingen-woz (wettelijke_verplichting)
operaties
  ✓ operaties[0] parkeren.graphql (parkeervergunning): Aanvrager, Adres, Toestemmingen
  ✓ operaties[1] woz/belastingen.graphql (belastingen-woz): Belastingplichtige, Bewoners, WozObject
gebeurtenissen
  ✓ gebeurtenissen[0] adres-gewijzigd (parkeervergunning): persoon.naam.geslachtsnaam, \
persoon.verblijfplaats.verblijfadres, adres.postcode
  ✓ gebeurtenissen[1] toestemming-gewijzigd (parkeervergunning)
  ✓ gebeurtenissen[2] woz-waarde-vastgesteld (belastingen-woz): wozObjecten.waarden, \
verblijfsobject.oppervlakte, adres
webhooks
  ✓ webhooks[0] https://stadsloket.example.nl/bron/woz (belastingen-woz): \
woz-waarde-vastgesteld, uit-beeld
conform
"""


def test_a_good_app_is_conform_and_its_operations_are_listed_for_registration() -> None:
    report = _check("goed")
    assert report.ok
    assert report.text() == GOOD
    parkeren = (APPS / "goed" / "parkeren.graphql").read_text()
    woz = (APPS / "goed" / "woz" / "belastingen.graphql").read_text()
    assert report.operations == (
        Operations("parkeren.graphql", "parkeervergunning", operation_hash(parkeren),
                   ("Aanvrager", "Adres", "Toestemmingen")),
        Operations("woz/belastingen.graphql", "belastingen-woz", operation_hash(woz),
                   ("Belastingplichtige", "Bewoners", "WozObject")),
    )  # fmt: skip
    data = report.as_json()
    assert data["ok"] is True
    assert data["violations"] == []
    assert data["operations"][0] == {"bestand": "parkeren.graphql", "doel": "parkeervergunning",
                                     "hash": operation_hash(parkeren),
                                     "namen": ["Aanvrager", "Adres", "Toestemmingen"]}  # fmt: skip
    assert {c["status"] for c in data["checks"]} == {"ok"}


BROKEN = """\
app wildgroei 0.9.0-beta.1
doelen
  ✗ [grondslag] doelen[0] (parkeervergunning): the manifest names grondslag overeenkomst, \
the register toestemming
    → use grondslag: toestemming
  ✓ doelen[1] belastingen-woz (wettelijke_verplichting)
  ✗ [doel-onbekend] doelen[2] (parkeren-oud): not a purpose in the register of apps and purposes
    → name an existing purpose (bijstand, belastingen-woz, parkeervergunning, afvalpas), \
or ask the data steward to add it
operaties
  ✗ [operatie-ongeldig] operaties[0] kapot.graphql: Syntax Error: Expected Name, found <EOF>. \
(at 6:1)
    → fix the GraphQL syntax there
  ✗ [operatie-ongeldig] operaties[1] ongeldig.graphql#(anonymous): This anonymous operation \
must be the only defined operation. (at 1:1)
    → make it valid against the gateway's schema (docs/schema.graphql)
  ✗ [operatie-ongeldig] operaties[1] ongeldig.graphql#Bijnaam: Cannot query field 'bijnaam' \
on type 'Naam'. (at 12:7)
    → make it valid against the gateway's schema (docs/schema.graphql)
  ✗ [veld-niet-toegestaan] operaties[2] parkeren.graphql#Aanvrager.persoon — \
geboorte.datum.datum (parkeervergunning): the purpose does not allow it: the gateway would \
refuse the operation
    → ask the data steward to add geboorte.datum.datum to velden.persoon of \
'parkeervergunning', or drop it from the operation
  ✗ [veld-niet-geleverd] operaties[2] parkeren.graphql#Aanvrager.persoon — \
verblijfplaats.verblijfadres.regel1 (parkeervergunning): computed from brp persoon-*: \
verblijfplaats.verblijfadres.regel1, which the current Avro contracts do not carry: it would \
always be absent
    → drop it from the operation
  ✗ [veld-niet-toegestaan] operaties[2] parkeren.graphql#Zoek.zoekPersonen — geboorte.datum \
(parkeervergunning): zoekPersonen searches by it and the purpose does not allow it: the \
gateway would refuse the operation
    → ask the data steward to add geboorte.datum to velden.persoon of 'parkeervergunning', \
or search another way
  ✗ [operatie-doel] operaties[2] parkeren.graphql#Woz.persoon (parkeervergunning): asks for \
purpose 'belastingen-woz', but the file is for 'parkeervergunning'
    → use doel: "parkeervergunning" or a variable, or move the operation to a file for \
'belastingen-woz'
  ✗ [alleen-burger] operaties[2] parkeren.graphql#Mijn.mijnGegevens: mijnGegevens is for a \
signed-in citizen only: an app's token is refused
    → drop it; an app reads persons with persoon, personen, zoekPersonen or bewoners for one \
of its purposes
  ✗ [gebeurtenis-doel] operaties[3] woz.graphql#Toestemming.toestemmingGewijzigd \
(belastingen-woz): the purpose rests on wettelijke_verplichting, not on consent: \
toestemming-gewijzigd never comes for it
    → use inBeeld and uitBeeld instead, or a purpose on consent
  ○ operaties[4] oud.graphql (parkeren-oud): Oud — fields not checked: purpose \
'parkeren-oud' is unknown
gebeurtenissen
  ✗ [gebeurtenis-veld-niet-toegestaan] gebeurtenissen[0].velden[1] — persoon.geboorte.datum \
(parkeervergunning): the purpose does not allow it: the notice's data never holds it
    → ask the data steward to add geboorte.datum to velden.persoon of 'parkeervergunning', \
or drop it from velden
  ✗ [gebeurtenis-veld-niet-geleverd] gebeurtenissen[0].velden[2] — \
persoon.verblijfplaats.verblijfadres.regel1 (parkeervergunning): computed from brp persoon-*: \
verblijfplaats.verblijfadres.regel1, which the current Avro contracts do not carry: it would \
always be absent
    → drop it from velden
  ✗ [gebeurtenis-veld-niet-toegestaan] gebeurtenissen[0].velden[3] — wozObjecten.waarden \
(parkeervergunning): the purpose does not allow it: the notice's data never holds it
    → ask the data steward to add waarden to velden.wozObject of 'parkeervergunning', or \
drop it from velden
  ✗ [gebeurtenis-doel] gebeurtenissen[1] — toestemming-gewijzigd (belastingen-woz): the \
purpose rests on wettelijke_verplichting, not on consent: toestemming-gewijzigd never comes \
for it
    → subscribe to in-beeld and uit-beeld instead, or use a purpose on consent
  ○ gebeurtenissen[2] in-beeld (parkeren-oud): persoon.naam — not checked: purpose \
'parkeren-oud' is unknown
webhooks
  ✗ [webhook] webhooks[0].typen[1] — toestemming-gewijzigd (belastingen-woz): the purpose \
rests on wettelijke_verplichting, not on consent: toestemming-gewijzigd never comes for it
    → leave it out of typen (in-beeld and uit-beeld tell the same), or use a purpose on consent
16 violations
"""


def test_a_broken_app_breaks_every_rule_and_the_report_says_where_and_what_to_do() -> None:
    report = _check("fout")
    assert not report.ok
    assert {v.rule for v in report.violations} == set(RULES)
    assert report.text() == BROKEN
    # what does not parse or validate is not registered; the rest is listed
    assert [o.bestand for o in report.operations] == ["parkeren.graphql", "woz.graphql",
                                                      "oud.graphql"]  # fmt: skip
    data = report.as_json()
    assert data["ok"] is False
    assert len(data["violations"]) == 16
    assert data["violations"][0] == {
        "rule": "grondslag", "where": "doelen[0]", "path": None, "doel": "parkeervergunning",
        "message": "the manifest names grondslag overeenkomst, the register toestemming",
        "fix": "use grondslag: toestemming"}  # fmt: skip
    assert [c["status"] for c in data["checks"] if c["section"] == "operaties"] == [
        "violated", "violated", "violated", "violated", "unchecked"]  # fmt: skip


def test_a_purpose_that_loses_a_field_fails_the_operations_that_read_it() -> None:
    loaded = CONTRACTS.policy
    parkeren = loaded.doel_by_id["parkeervergunning"]
    smaller = parkeren.model_copy(update={"velden": {
        **parkeren.velden, "persoon": tuple(p for p in parkeren.velden["persoon"]
                                            if p != "naam.voorletters")}})  # fmt: skip
    # a new Policy, not loaded.model_copy: that would keep the cached doel_by_id
    policy = Policy(doelen=tuple(smaller if d.id == parkeren.id else d for d in loaded.doelen),
                    apps=loaded.apps)  # fmt: skip
    report = _check("goed", Contracts(CONTRACTS.schema, policy, CONTRACTS.lineage))
    assert _found(report) == [
        ("veld-niet-toegestaan", "operaties[0] parkeren.graphql#Aanvrager.persoon",
         "naam.voorletters"),
        ("veld-niet-toegestaan", "operaties[0] parkeren.graphql#Toestemmingen."
         "toestemmingGewijzigd", "naam.voorletters"),
    ]  # fmt: skip
    assert report.text().endswith("\n2 violations\n")


def test_a_schema_that_loses_a_field_fails_the_operations_that_select_it() -> None:
    printed = print_schema(CONTRACTS.schema)
    adres = re.search(r"\ntype Adres \{.*?\n\}", printed, re.S)
    assert adres is not None
    without = adres.group().replace("  straat: String\n", "")
    schema = build_schema(printed.replace(adres.group(), without))
    report = _check("goed", Contracts(schema, CONTRACTS.policy, CONTRACTS.lineage))
    assert [(v.rule, v.where, v.message) for v in report.violations] == [
        ("operatie-ongeldig", f"operaties[0] parkeren.graphql#{name}",
         f"Cannot query field 'straat' on type 'Adres'. (at {at})")
        for name, at in (("Aanvrager", "14:7"), ("Adres", "24:5"))
    ]  # fmt: skip
    assert [o.bestand for o in report.operations] == ["woz/belastingen.graphql"]


def test_a_contract_that_loses_a_field_fails_what_is_computed_from_it() -> None:
    schemas: dict[str, list[dict[str, object]]] = {}
    for found in load_schema_files():
        schema = copy.deepcopy(found.schema)
        if schema["name"].startswith("Verblijfsobject"):
            schema["fields"] = [f for f in schema["fields"] if f["name"] != "oppervlakte"]
        schemas.setdefault(found.registry, []).append(schema)
    contracts = Contracts(CONTRACTS.schema, CONTRACTS.policy, lineage(schemas))
    report = _check("goed", contracts)
    assert _found(report) == [
        ("veld-niet-geleverd", "operaties[1] woz/belastingen.graphql#Belastingplichtige.persoon",
         "verblijfsobject.oppervlakte"),
        ("gebeurtenis-veld-niet-geleverd", "gebeurtenissen[2].velden[1]",
         "verblijfsobject.oppervlakte"),
    ]  # fmt: skip
    assert report.violations[0].message == (
        "computed from bag verblijfsobject-*: oppervlakte, which the current Avro contracts do "
        "not carry: it would always be absent")  # fmt: skip


def test_a_missing_operation_file_is_named() -> None:
    manifest = load_manifest(APPS / "goed" / "bron-app.yaml")
    with pytest.raises(ManifestError) as raised:
        read_documents(manifest, APPS / "fout")
    assert raised.value.message.startswith("operaties[1].bestand: cannot read ")
    assert "woz/belastingen.graphql: No such file or directory" in raised.value.message
    documents = read_documents(manifest, APPS / "goed")
    del documents["woz/belastingen.graphql"]
    report = check(manifest, documents, CONTRACTS)
    assert [v.text() for v in report.violations] == [
        "✗ [operatie-ongeldig] operaties[1] woz/belastingen.graphql: the file was not given\n"
        "    → put the file next to the manifest, or remove the entry"]  # fmt: skip
