"""The example apps (`examples/`) stay what app builders can copy: both conform to the current
contracts through `bron apps check` as a builder runs it, the broken manifest gets exactly the
report that tells its vendor what to fix, and every manifest validates against the committed
JSON Schema, which is the one the model generates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bron.apps.manifest import SCHEMA_FILE, json_schema
from bron.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
CONFORMING = ["parkeervergunning", "woz-aanslag"]
MANIFESTS = sorted(EXAMPLES.glob("*/bron-app.yaml"))

KAPOT_REPORT = """\
app mijn-wijk 0.1.0
doelen
  ✗ [grondslag] doelen[0] (afvalpas): the manifest names grondslag gerechtvaardigd_belang, the \
register toestemming
    → use grondslag: toestemming
  ✗ [doel-onbekend] doelen[1] (wijkberichten): not a purpose in the register of apps and purposes
    → name an existing purpose (bijstand, belastingen-woz, parkeervergunning, afvalpas), or ask \
the data steward to add it
operaties
  ✗ [veld-niet-toegestaan] operaties[0] operations/huishouden.graphql#Huishouden.persoon — \
geboorte.datum.datum (afvalpas): the purpose does not allow it: the gateway would refuse the \
operation
    → ask the data steward to add geboorte.datum.datum to velden.persoon of 'afvalpas', or drop it \
from the operation
  ✗ [veld-niet-toegestaan] operaties[0] operations/huishouden.graphql#Huishouden.persoon — \
naam.voornamen (afvalpas): the purpose does not allow it: the gateway would refuse the operation
    → ask the data steward to add naam.voornamen to velden.persoon of 'afvalpas', or drop it from \
the operation
  ✗ [operatie-ongeldig] operaties[1] operations/buren.graphql#Buren: Unknown argument 'postcode' \
on field 'Query.bewoners'. (at 3:35)
    → make it valid against the gateway's schema (docs/schema.graphql)
  ✗ [operatie-ongeldig] operaties[1] operations/buren.graphql#Buren: Cannot query field \
'telefoonnummer' on type 'Persoon'. (at 8:7)
    → make it valid against the gateway's schema (docs/schema.graphql)
  ✗ [operatie-ongeldig] operaties[1] operations/buren.graphql#Buren: Argument \
'Query.bewoners(adres:)' of type 'String!' is required, but it was not provided. (at 3:3)
    → make it valid against the gateway's schema (docs/schema.graphql)
gebeurtenissen
  ✗ [gebeurtenis-veld-niet-toegestaan] gebeurtenissen[0].velden[2] — persoon.naam.voornamen \
(afvalpas): the purpose does not allow it: the notice's data never holds it
    → ask the data steward to add naam.voornamen to velden.persoon of 'afvalpas', or drop it from \
velden
  ✗ [gebeurtenis-veld-niet-geleverd] gebeurtenissen[0].velden[3] — persoon.telefoonnummer \
(afvalpas): Bron does not compute it: it would always be absent
    → drop it from velden
  ✓ gebeurtenissen[1] toestemming-gewijzigd (afvalpas)
9 violations

"""


def check(manifest: Path, capsys: pytest.CaptureFixture[str], *options: str) -> tuple[int, str]:
    code = main(["apps", "check", *options, str(manifest)])
    return code, capsys.readouterr().out


def test_the_examples_and_the_broken_manifest_are_all_here() -> None:
    assert [m.parent.name for m in MANIFESTS] == ["kapot", "parkeervergunning", "woz-aanslag"]


@pytest.mark.parametrize("name", CONFORMING)
def test_each_example_app_conforms(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = check(EXAMPLES / name / "bron-app.yaml", capsys)
    assert code == 0, out
    assert out.endswith("conform\n\n")
    assert "✗" not in out
    assert "○" not in out  # everything was checked: no unknown purpose


def test_the_example_app_ids_are_not_those_of_the_register_file() -> None:
    register = yaml.safe_load((REPO / "policy" / "register.yaml").read_text())
    taken = {a["id"] for a in register["apps"]}
    ids = {yaml.safe_load(m.read_text())["id"] for m in MANIFESTS}
    assert ids == {"parkeren-bewoners", "woz-aanslag", "mijn-wijk"}
    assert not ids & taken


def test_every_operation_file_of_an_example_is_in_its_manifest() -> None:
    """What runs is what is registered: no .graphql beside a manifest that it leaves out."""
    for manifest in MANIFESTS:
        listed = {o["bestand"] for o in yaml.safe_load(manifest.read_text())["operaties"]}
        found = {str(p.relative_to(manifest.parent)) for p in manifest.parent.rglob("*.graphql")}
        assert found == listed, manifest


def test_the_broken_manifest_gets_a_report_that_names_every_problem(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = check(EXAMPLES / "kapot" / "bron-app.yaml", capsys)
    assert code == 1
    assert out == KAPOT_REPORT


def test_the_json_report_of_the_broken_manifest_names_each_rule(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out = check(EXAMPLES / "kapot" / "bron-app.yaml", capsys, "--json")
    assert code == 1
    [report] = json.loads(out)
    assert report["ok"] is False
    assert sorted({v["rule"] for v in report["violations"]}) == [
        "doel-onbekend",
        "gebeurtenis-veld-niet-geleverd",
        "gebeurtenis-veld-niet-toegestaan",
        "grondslag",
        "operatie-ongeldig",
        "veld-niet-toegestaan",
    ]
    # the valid file is registrable as it is; the invalid one is not
    assert [o["bestand"] for o in report["operations"]] == ["operations/huishouden.graphql"]


def test_the_committed_json_schema_is_the_one_the_model_generates() -> None:
    assert json.loads(SCHEMA_FILE.read_text()) == json_schema()


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda m: m.parent.name)
def test_each_manifest_validates_against_the_json_schema(manifest: Path) -> None:
    """What an editor with the JSON Schema says: even the broken manifest is well-formed (its
    problems are against the contracts, which only `bron apps check` knows)."""
    jsonschema: Any = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(manifest.read_text()))
