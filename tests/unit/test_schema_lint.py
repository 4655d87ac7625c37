"""The schema lint: the repository's contracts pass it, and each rule catches its own mistake
(one small bad schema per rule, written to disk in the `<registry>/<stem>.avsc` layout)."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bron.contracts.lint import LintProblem, lint_all, lint_schema
from bron.contracts.schemafiles import SchemaFile, load_schema_file, load_schema_files

Schema = dict[str, Any]
UUID = {"type": "string", "logicalType": "uuid"}
STEM = "persoon-voorbeeld-gewijzigd"


def fld(name: str, type_: Any, classification: str = "persoonsgegeven", **extra: Any) -> Schema:
    return {
        "name": name,
        "type": type_,
        **extra,
        "doc": f"Het veld {name}.",
        "bron.classification": classification,
    }


BASE: Schema = {
    "type": "record",
    "name": "PersoonVoorbeeldGewijzigd",
    "namespace": "nl.bron.brp",
    "doc": "Een voorbeeld van een BRP-event.",
    "fields": [
        fld("persoonId", UUID, "pseudoniem"),
        fld(
            "naam",
            {
                "type": "record",
                "name": "Naam",
                "doc": "Naam van de persoon.",
                "fields": [
                    fld("voornamen", ["null", "string"], default=None),
                    fld("geslachtsnaam", "string"),
                ],
            },
        ),
        fld(
            "geslacht",
            {
                "type": "enum",
                "name": "Geslacht",
                "doc": "Geslachtsaanduiding.",
                "symbols": ["man", "vrouw", "onbekend"],
                "default": "onbekend",
            },
        ),
        fld("datumIngangGeldigheid", {"type": "int", "logicalType": "date"}),
        fld(
            "partners",
            {
                "type": "array",
                "items": {
                    "type": "record",
                    "name": "Partner",
                    "doc": "Een partner.",
                    "fields": [
                        fld("persoonId", ["null", UUID], "pseudoniem", default=None),
                        fld("voornamen", ["null", "string"], default=None),
                    ],
                },
            },
        ),
    ],
}


def field(schema: Schema, path: str) -> Schema:
    """The field at a dotted path, through records, arrays and unions."""
    node: Any = schema
    for name in path.split("."):
        while not (isinstance(node, dict) and node.get("type") == "record"):
            if isinstance(node, list):
                node = next(b for b in node if b != "null")
            elif node.get("type") == "array":
                node = node["items"]
            else:
                node = node["type"]
        node = next(f for f in node["fields"] if f["name"] == name)
    assert isinstance(node, dict)
    return node


def write(root: Path, schema: Schema, registry: str = "brp", stem: str = STEM) -> SchemaFile:
    path = root / registry / f"{stem}.avsc"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
    return load_schema_file(path)


def found(problems: list[LintProblem]) -> list[tuple[str, str]]:
    return [(p.rule, p.field_path) for p in problems]


def set_in(path: str, key: str, value: Any) -> Callable[[Schema], None]:
    def change(schema: Schema) -> None:
        field(schema, path)[key] = value

    return change


def drop(path: str, key: str) -> Callable[[Schema], None]:
    def change(schema: Schema) -> None:
        del field(schema, path)[key]

    return change


def on_type(path: str, change: Callable[[Schema], None]) -> Callable[[Schema], None]:
    def apply(schema: Schema) -> None:
        change(field(schema, path)["type"])

    return apply


def add_partner_field(new: Schema) -> Callable[[Schema], None]:
    def change(schema: Schema) -> None:
        field(schema, "partners")["type"]["items"]["fields"].append(new)

    return change


def add_field(new: Schema) -> Callable[[Schema], None]:
    def change(schema: Schema) -> None:
        schema["fields"].append(new)

    return change


def move_first_field_last(schema: Schema) -> None:
    schema["fields"].append(schema["fields"].pop(0))


def replace_with_enum(schema: Schema) -> None:
    schema.clear()
    schema.update(
        type="enum",
        name="PersoonVoorbeeldGewijzigd",
        namespace="nl.bron.brp",
        doc="Geen record.",
        symbols=["a"],
    )


CASES: list[tuple[str, Callable[[Schema], None], str, str]] = [
    ("invalid-avro", on_type("geslacht", lambda t: t.update(symbols=["man", "man"])), "", "enum"),
    ("top-level-record", replace_with_enum, "", "enum"),
    ("namespace", lambda s: s.update(namespace="nl.bron.bag"), "", "namespace"),
    ("record-name", lambda s: s.update(name="PersoonGewijzigd"), "", "name"),
    ("missing-doc", lambda s: s.pop("doc"), "", "record"),
    ("missing-doc", drop("naam.geslachtsnaam", "doc"), "naam.geslachtsnaam", "nested field"),
    ("missing-doc", set_in("persoonId", "doc", "  "), "persoonId", "blank"),
    ("missing-doc", on_type("geslacht", lambda t: t.pop("doc")), "geslacht", "enum"),
    ("missing-doc", on_type("naam", lambda t: t.pop("doc")), "naam", "nested record"),
    (
        "missing-classification",
        drop("naam.voornamen", "bron.classification"),
        "naam.voornamen",
        "nested",
    ),
    (
        "missing-classification",
        drop("partners.voornamen", "bron.classification"),
        "partners.voornamen",
        "in array",
    ),
    ("unknown-classification", set_in("geslacht", "bron.classification", "geheim"), "geslacht", ""),
    ("field-name", set_in("naam.geslachtsnaam", "name", "Geslachtsnaam"), "naam.Geslachtsnaam", ""),
    ("field-name", set_in("naam.voornamen", "name", "voor_namen"), "naam.voor_namen", "snake"),
    ("entity-id-first", move_first_field_last, "naam", "brp needs persoonId"),
    (
        "bsn-field-classified",
        add_field(fld("burgerservicenummer", "string", "persoonsgegeven")),
        "burgerservicenummer",
        "",
    ),
    (
        "bsn-field-classified",
        add_partner_field(fld("aNummer", "string", "persoonsgegeven")),
        "partners.aNummer",
        "nested",
    ),
    ("bsn-classification", set_in("geslacht", "bron.classification", "bsn"), "geslacht", ""),
    ("optional-default", drop("naam.voornamen", "default"), "naam.voornamen", "missing"),
    (
        "optional-default",
        set_in("partners.voornamen", "type", ["string", "null"]),
        "partners.voornamen",
        "null last",
    ),
    ("persoon-id", set_in("persoonId", "type", "string"), "persoonId", "no uuid"),
    (
        "persoon-id",
        set_in("partners.persoonId", "bron.classification", "persoonsgegeven"),
        "partners.persoonId",
        "not pseudoniem",
    ),
    (
        "temporal-type",
        set_in("datumIngangGeldigheid", "type", "string"),
        "datumIngangGeldigheid",
        "",
    ),
    (
        "enum-symbol",
        on_type("geslacht", lambda t: t.update(symbols=["Man", "vrouw", "onbekend"])),
        "geslacht",
        "",
    ),
    ("enum-default", on_type("geslacht", lambda t: t.pop("default")), "geslacht", ""),
    (
        "container-classification",
        set_in("naam", "bron.classification", "openbaar"),
        "naam",
        "",
    ),
]


def case_id(case: tuple[str, Callable[[Schema], None], str, str]) -> str:
    rule, _, _, detail = case
    return f"{rule}-{detail}" if detail else rule


def test_repository_schemas_pass_the_lint() -> None:
    problems = lint_all(load_schema_files())
    assert not problems, "\n".join(
        f"{p.file}:{p.field_path}: {p.rule}: {p.message}" for p in problems
    )


def test_the_base_example_is_clean(tmp_path: Path) -> None:
    assert lint_schema(write(tmp_path, copy.deepcopy(BASE))) == []


@pytest.mark.parametrize(("rule", "mutate", "field_path", "detail"), CASES, ids=map(case_id, CASES))
def test_each_rule_reports_its_mistake(
    tmp_path: Path, rule: str, mutate: Callable[[Schema], None], field_path: str, detail: str
) -> None:
    schema = copy.deepcopy(BASE)
    mutate(schema)
    problems = lint_schema(write(tmp_path, schema))
    assert found(problems) == [(rule, field_path)]
    assert problems[0].file.endswith(f"brp/{STEM}.avsc")
    assert len(problems[0].message) > 20


def keyed_by(name: str, type_: Any) -> Schema:
    return {
        "type": "record",
        "name": "WozObjectVoorbeeld",
        "namespace": "nl.bron.woz",
        "doc": "Een voorbeeld van een WOZ-event.",
        "fields": [fld(name, type_, "openbaar"), fld("belastingjaar", "int", "openbaar")],
    }


@pytest.mark.parametrize(
    ("name", "type_", "ok"),
    [
        ("wozObjectnummer", "string", True),
        ("identificatie", "string", True),
        ("appId", "string", True),
        ("belastingjaar", "int", False),
        ("wozObjectnummer", ["null", "string"], False),
    ],
    ids=["nummer", "identificatie", "id", "not-an-id", "nullable-id"],
)
def test_entity_id_first_outside_brp(tmp_path: Path, name: str, type_: Any, ok: bool) -> None:
    schema = keyed_by(name, type_)
    if not isinstance(type_, str):
        schema["fields"][0]["default"] = None
    problems = lint_schema(write(tmp_path, schema, "woz", "woz-object-voorbeeld"))
    assert found(problems) == ([] if ok else [("entity-id-first", name)])


def test_a_bsn_is_never_an_entity_id(tmp_path: Path) -> None:
    schema = keyed_by("burgerservicenummer", "string")
    schema["fields"][0]["bron.classification"] = "bsn"
    problems = lint_schema(write(tmp_path, schema, "woz", "woz-object-voorbeeld"))
    assert found(problems) == [("entity-id-first", "burgerservicenummer")]


def test_the_same_file_in_two_trees_duplicates_subject_and_event_type(tmp_path: Path) -> None:
    first = write(tmp_path / "a", copy.deepcopy(BASE))
    second = write(tmp_path / "b", copy.deepcopy(BASE))
    problems = lint_all([first, second])
    assert Counter(found(problems)) == {
        ("duplicate-subject", ""): 2,
        ("duplicate-event-type", ""): 2,
    }
    assert {p.file for p in problems} == {str(first.path), str(second.path)}
    assert str(second.path) in next(p.message for p in problems if p.file == str(first.path))


def test_two_files_with_one_record_name_duplicate_the_subject(tmp_path: Path) -> None:
    first = write(tmp_path, copy.deepcopy(BASE))
    second = write(tmp_path, copy.deepcopy(BASE), stem="persoon-ander-voorbeeld")
    problems = lint_all([first, second])
    assert Counter(p.rule for p in problems) == {"duplicate-subject": 2, "record-name": 1}


def test_problems_in_repository_files_name_the_path_from_the_repo_root() -> None:
    verhuisd = next(f for f in load_schema_files() if f.path.stem == "persoon-verhuisd")
    broken = dataclasses.replace(verhuisd, schema={**verhuisd.schema, "doc": ""})
    assert lint_schema(broken) == [
        LintProblem(
            "schemas/avro/brp/persoon-verhuisd.avsc",
            "",
            "missing-doc",
            "record 'nl.bron.brp.PersoonVerhuisd' has no doc; say what it means.",
        )
    ]
