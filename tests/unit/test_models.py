"""The generated event models (`bron/contracts/models.py`): fresh, shaped like the contracts, and
typed so that what fastavro writes and reads type-checks against them, by a strict runtime
checker that is itself shown to reject wrong data. Plus the code generator on small schemas."""

from __future__ import annotations

import copy
import importlib.util
import inspect
import io
import json
import re
import shutil
import subprocess
import sys
import types
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import (
    Any,
    Literal,
    NotRequired,
    Required,
    Union,
    get_args,
    get_origin,
    get_type_hints,
    is_typeddict,
)

import fastavro
import pytest

from bron.contracts import models
from bron.contracts.codegen import MODELS, CodegenError, python_name, render_models
from bron.contracts.samples import sample_datum
from bron.contracts.schemafiles import (
    PRIMITIVES,
    RECORD_KINDS,
    SchemaFile,
    TypeNode,
    load_schema_file,
    load_schema_files,
    named_types,
    qualify,
    record_fields,
    record_types,
    resolve,
)
from bron.settings import PROJECT_ROOT

FILES = load_schema_files()
IDS = [f.event_type for f in FILES]
SEEDS = range(5)
NO_DEFAULT = object()
REGEN = "run `bron schemas codegen` (or `python -m bron.contracts.codegen`) and commit the result"


# --- the runtime checker ----------------------------------------------------------------------


def type_errors(value: Any, hint: Any, path: str = "$") -> list[str]:
    """Where `value` does not fit `hint`. Strict on purpose: exact classes (a bool is no int, a
    datetime no date), no unknown keys, and an annotation it does not know is an error."""
    if is_typeddict(hint):
        return typeddict_errors(value, hint, path)
    origin, args = get_origin(hint), get_args(hint)
    if hint is None or hint is type(None):
        return [] if value is None else [f"{path}: {value!r} is not None"]
    if origin is Literal:
        # `type(...) is` so True does not pass for 1 (True == 1 in Python).
        fits = any(type(value) is type(arg) and value == arg for arg in args)
        return [] if fits else [f"{path}: {value!r} is not one of {args}"]
    if origin in (Union, types.UnionType):
        if any(not type_errors(value, arg, path) for arg in args):
            return []
        return [f"{path}: {value!r} fits none of {hint}"]
    if origin is list:
        if type(value) is not list:
            return [f"{path}: {value!r} is not a list"]
        return [
            e for i, item in enumerate(value) for e in type_errors(item, args[0], f"{path}[{i}]")
        ]
    if origin is dict:
        if type(value) is not dict:
            return [f"{path}: {value!r} is not a dict"]
        return [
            error
            for key, item in value.items()
            for error in type_errors(key, args[0], f"{path}{{{key!r}}}")
            + type_errors(item, args[1], f"{path}[{key!r}]")
        ]
    if origin is None and isinstance(hint, type) and hint is not Any:
        return [] if type(value) is hint else [f"{path}: {value!r} is not a {hint.__name__}"]
    raise TypeError(f"the checker does not know the annotation {hint!r}")


def typeddict_errors(value: Any, model: Any, path: str) -> list[str]:
    if type(value) is not dict:
        return [f"{path}: {value!r} is not a dict for {model.__name__}"]
    hints = get_type_hints(model, include_extras=True)
    errors = [f"{path}.{key}: missing" for key in sorted(model.__required_keys__ - value.keys())]
    errors += [f"{path}.{key}: unknown key" for key in sorted(value.keys() - hints.keys())]
    for key in value.keys() & hints.keys():
        errors += type_errors(value[key], without_qualifier(hints[key]), f"{path}.{key}")
    return errors


def without_qualifier(hint: Any) -> Any:
    """`T` for `NotRequired[T]` and `Required[T]`."""
    return get_args(hint)[0] if get_origin(hint) in (NotRequired, Required) else hint


def typeddicts_in(hint: Any) -> list[type]:
    """The TypedDicts an annotation holds, in order (in unions, lists and dict values)."""
    if is_typeddict(hint):
        return [hint]
    return [model for arg in get_args(hint) for model in typeddicts_in(arg)]


# --- helpers on the contracts -------------------------------------------------------------------


def one_line(text: str | None) -> str:
    return " ".join((text or "").split())


def top_node(schema_file: SchemaFile) -> tuple[TypeNode, dict[str, TypeNode]]:
    names = named_types(schema_file.schema)
    return names[qualify(schema_file.schema, "")[0]], names


def round_trip(schema: dict[str, Any], datum: Any) -> Any:
    parsed = fastavro.parse_schema(copy.deepcopy(schema))
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, parsed, datum)
    buffer.seek(0)
    return uuids_as_str(fastavro.schemaless_reader(buffer, parsed, None))


def uuids_as_str(value: Any) -> Any:
    """fastavro reads a uuid back as uuid.UUID; the models type it as the str it accepts."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {key: uuids_as_str(item) for key, item in value.items()}
    if isinstance(value, list):
        return [uuids_as_str(item) for item in value]
    return value


def without_defaults(value: Any, type_: Any, namespace: str, names: dict[str, TypeNode]) -> Any:
    """The datum with every field that has a default left out, so fastavro fills those in."""
    if isinstance(type_, list):
        branches = [b for b in type_ if b != "null"]
        return (
            value
            if value is None or len(branches) != 1
            else without_defaults(value, branches[0], namespace, names)
        )
    node = resolve(type_, namespace, names) if isinstance(type_, str) else None
    if isinstance(type_, str) and (type_ in PRIMITIVES or node is None):
        return value
    schema = node.schema if node is not None else type_
    kind = schema.get("type")
    if kind in RECORD_KINDS:
        inner = qualify(schema, namespace)[1]
        return {
            f["name"]: without_defaults(value[f["name"]], f["type"], inner, names)
            for f in record_fields(schema)
            if "default" not in f
        }
    if kind == "array":
        return [without_defaults(item, schema["items"], namespace, names) for item in value]
    if kind == "map":
        return {
            k: without_defaults(v, schema["values"], namespace, names) for k, v in value.items()
        }
    return value


# --- the committed module -----------------------------------------------------------------------


def test_models_module_is_up_to_date() -> None:
    committed = MODELS.read_text(encoding="utf-8")
    assert render_models(FILES) == committed, f"{MODELS} is stale: {REGEN}"


def test_rendering_is_deterministic_and_ignores_input_order() -> None:
    assert render_models(list(reversed(FILES))) == render_models(FILES)


def test_every_event_type_has_a_model_and_a_subject() -> None:
    assert set(models.EVENT_MODELS) == {f.event_type for f in FILES}
    assert {f.event_type: f.subject for f in FILES} == models.SUBJECTS
    assert all(is_typeddict(model) for model in models.EVENT_MODELS.values())


@pytest.mark.parametrize("schema_file", FILES, ids=IDS)
def test_model_keys_match_the_record_fields(schema_file: SchemaFile) -> None:
    top, names = top_node(schema_file)
    model = models.EVENT_MODELS[schema_file.event_type]
    assert model.__name__ == schema_file.name
    assert shape_mismatches(model, top, names, schema_file.name, frozenset()) == []


def shape_mismatches(
    model: Any, record: TypeNode, names: dict[str, TypeNode], event: str, seen: frozenset[str]
) -> list[str]:
    """Keys, docstring and nested models of `model` against the Avro record, recursively."""
    fields = record_fields(record.schema)
    where = record.fullname
    problems = []
    required = {f["name"] for f in fields if "default" not in f}
    if model.__required_keys__ != required:
        problems.append(
            f"{where}: required {sorted(model.__required_keys__)} != {sorted(required)}"
        )
    optional = {f["name"] for f in fields if "default" in f}
    if model.__optional_keys__ != optional:
        problems.append(
            f"{where}: optional {sorted(model.__optional_keys__)} != {sorted(optional)}"
        )
    if one_line(inspect.getdoc(model)) != one_line(record.schema.get("doc")):
        problems.append(f"{where}: docstring {model.__doc__!r}")
    hints = get_type_hints(model, include_extras=True)
    for f in fields:
        nested_records = record_types(f["type"], record.namespace, names)
        nested_models = typeddicts_in(hints[f["name"]])
        if len(nested_records) != len(nested_models):
            problems.append(f"{where}.{f['name']}: {nested_models} for {nested_records}")
            continue
        for node, nested in zip(nested_records, nested_models, strict=True):
            if nested.__name__ != f"{event}_{node.fullname.rsplit('.', 1)[-1]}":
                problems.append(f"{where}.{f['name']}: {node.fullname} is {nested.__name__}")
            if node.fullname not in seen:
                problems += shape_mismatches(nested, node, names, event, seen | {node.fullname})
    return problems


@pytest.mark.parametrize("schema_file", FILES, ids=IDS)
def test_sample_data_fit_the_model(schema_file: SchemaFile) -> None:
    model = models.EVENT_MODELS[schema_file.event_type]
    for seed in SEEDS:
        datum = sample_datum(schema_file.schema, seed)
        assert type_errors(datum, model) == [], f"seed {seed}"


@pytest.mark.parametrize("schema_file", FILES, ids=IDS)
def test_what_fastavro_reads_back_fits_the_model(schema_file: SchemaFile) -> None:
    """Also with every defaulted field left out: fastavro fills in the defaults (null, [], false,
    an enum symbol), which exercises the `| None` branches the samples rarely take."""
    model = models.EVENT_MODELS[schema_file.event_type]
    _, names = top_node(schema_file)
    for seed in SEEDS:
        full = sample_datum(schema_file.schema, seed)
        sparse = without_defaults(full, schema_file.schema, "", names)
        assert type_errors(sparse, model) == [], f"seed {seed}, defaults left out"
        assert type_errors(round_trip(schema_file.schema, full), model) == [], f"seed {seed}"
        assert type_errors(round_trip(schema_file.schema, sparse), model) == [], f"seed {seed}"


# --- the checker rejects what does not fit ------------------------------------------------------


@dataclass(frozen=True)
class Wrong:
    id: str
    event_type: str
    change: Callable[[dict[str, Any]], None]
    path: str  # where the checker must report the problem


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(datum: dict[str, Any]) -> None:
        *parents, key = path.split(".")
        target = datum
        for parent in parents:
            target = target[parent]
        target[key] = value

    return change


def _delete(key: str) -> Callable[[dict[str, Any]], None]:
    def change(datum: dict[str, Any]) -> None:
        del datum[key]

    return change


VERHUISD = "nl.brp.persoon-verhuisd.v1"
WRONG = [
    Wrong(
        "int-for-str", VERHUISD, _set("gemeenteVanInschrijving", 363), "$.gemeenteVanInschrijving"
    ),
    Wrong("missing-required-key", VERHUISD, _delete("persoonId"), "$.persoonId: missing"),
    Wrong(
        "bad-enum-symbol",
        VERHUISD,
        _set("verblijfplaats.type", "woonboot"),
        "$.verblijfplaats.type",
    ),
    Wrong("unknown-key", VERHUISD, _set("leeftijd", 42), "$.leeftijd: unknown key"),
    Wrong("none-for-required-record", VERHUISD, _set("verblijfplaats", None), "$.verblijfplaats"),
    Wrong("str-for-record", VERHUISD, _set("verblijfplaats", "Dam 1"), "$.verblijfplaats"),
    Wrong(
        "bool-for-int",
        VERHUISD,
        _set("verblijfplaats.verblijfadres.huisnummer", True),
        "$.verblijfplaats.verblijfadres.huisnummer",
    ),
    Wrong(
        "datetime-for-date",
        VERHUISD,
        _set("verblijfplaats.datumAanvangAdreshouding", datetime(2024, 1, 2, tzinfo=UTC)),
        "$.verblijfplaats.datumAanvangAdreshouding",
    ),
    Wrong(
        "date-for-timestamp",
        "nl.platform.dead-letter.v1",
        _set("firstFailedAt", date(2024, 1, 2)),
        "$.firstFailedAt",
    ),
    Wrong(
        "str-for-list",
        "nl.platform.dead-letter.v1",
        _set("headers", "ce_type"),
        "$.headers",
    ),
    Wrong(
        "bad-list-item",
        "nl.platform.dead-letter.v1",
        _set("headers", [{"key": "ce_type", "value": "not bytes"}]),
        "$.headers[0].value",
    ),
    Wrong(
        "bad-map-value",
        "nl.toestemming.doel-vastgesteld.v1",
        _set("velden", {"nl.brp.persoon-verhuisd.v1": "persoonId"}),
        "$.velden['nl.brp.persoon-verhuisd.v1']",
    ),
]


@pytest.mark.parametrize("wrong", WRONG, ids=[w.id for w in WRONG])
def test_the_checker_rejects_a_wrong_datum(wrong: Wrong) -> None:
    schema_file = next(f for f in FILES if f.event_type == wrong.event_type)
    model = models.EVENT_MODELS[wrong.event_type]
    datum = sample_datum(schema_file.schema, 0)
    assert type_errors(datum, model) == []  # so the error below is the change's doing
    wrong.change(datum)
    errors = type_errors(datum, model)
    assert errors, f"{wrong.id} was accepted"
    assert any(error.startswith(wrong.path) for error in errors), errors


@pytest.mark.parametrize("hint", [Any, set[int], Callable[[], int]], ids=["Any", "set", "Callable"])
def test_the_checker_refuses_an_annotation_it_does_not_know(hint: Any) -> None:
    with pytest.raises(TypeError, match="does not know"):
        type_errors(1, hint)


# --- the generator on small schemas -------------------------------------------------------------


def contract(tmp_path: Path, schema: dict[str, Any], registry: str = "test") -> SchemaFile:
    """A real `.avsc` file for `schema`, loaded the way the project loads its contracts."""
    stem = "-".join(re.findall(r"[A-Z][a-z0-9]*", schema["name"])).lower() or "ding"
    path = tmp_path / registry / f"{stem}.avsc"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema), encoding="utf-8")
    return load_schema_file(path)


def record(name: str, *fields: dict[str, Any], doc: str = "Een ding.") -> dict[str, Any]:
    return {
        "type": "record",
        "name": name,
        "namespace": "nl.bron.test",
        "doc": doc,
        "fields": list(fields),
    }


@contextmanager
def imported(source: str, tmp_path: Path) -> Iterator[types.ModuleType]:
    """`source` as a module; in `sys.modules` meanwhile, where get_type_hints resolves quotes."""
    name = f"generated_models_{tmp_path.name}"
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        del sys.modules[name]


def ruff_problems(source: str) -> list[str]:
    """What `ruff check` and `ruff format` (project config) say about `source` as a module."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert ruff is not None, "ruff is a dev dependency: make install"
    stdin = ["--stdin-filename", "bron/contracts/generated.py", "-"]
    problems = []
    for command in (["check", "--no-cache"], ["format", "--diff", "--no-cache"]):
        done = subprocess.run(
            [ruff, *command, *stdin],
            input=source,
            capture_output=True,
            text=True,
            cwd=PROJECT_ROOT,
            check=False,
        )
        if done.returncode != 0:
            problems.append(f"ruff {command[0]}: {done.stdout}{done.stderr}")
    return problems


@dataclass(frozen=True)
class TypeCase:
    id: str
    type: Any
    annotation: str
    default: Any = NO_DEFAULT


TYPE_CASES = [
    TypeCase("null", "null", "None"),
    TypeCase("boolean", "boolean", "bool"),
    TypeCase("int", "int", "int"),
    TypeCase("long", "long", "int"),
    TypeCase("float", "float", "float"),
    TypeCase("double", "double", "float"),
    TypeCase("bytes", "bytes", "bytes"),
    TypeCase("string", "string", "str"),
    TypeCase("wrapped-primitive", {"type": "string"}, "str"),
    TypeCase("date", {"type": "int", "logicalType": "date"}, "datetime.date"),
    TypeCase("time-millis", {"type": "int", "logicalType": "time-millis"}, "datetime.time"),
    TypeCase("time-micros", {"type": "long", "logicalType": "time-micros"}, "datetime.time"),
    *(
        TypeCase(logical, {"type": "long", "logicalType": logical}, "datetime.datetime")
        for logical in (
            "timestamp-millis",
            "timestamp-micros",
            "local-timestamp-millis",
            "local-timestamp-micros",
        )
    ),
    TypeCase("uuid", {"type": "string", "logicalType": "uuid"}, "str"),
    TypeCase(
        "decimal-bytes",
        {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2},
        "decimal.Decimal",
    ),
    TypeCase("fixed", {"type": "fixed", "name": "Hash", "size": 16}, "bytes"),
    TypeCase(
        "decimal-fixed",
        {"type": "fixed", "name": "Bedrag", "size": 8, "logicalType": "decimal", "precision": 18},
        "decimal.Decimal",
    ),
    TypeCase("unknown-logical-type", {"type": "int", "logicalType": "jaar"}, "int"),
    TypeCase("logical-type-on-other-type", {"type": "string", "logicalType": "date"}, "str"),
    TypeCase("array", {"type": "array", "items": "string"}, "list[str]"),
    TypeCase("map", {"type": "map", "values": "long"}, "dict[str, int]"),
    TypeCase(
        "nested-containers",
        {"type": "map", "values": {"type": "array", "items": ["null", "double"]}},
        "dict[str, list[float | None]]",
    ),
    TypeCase("optional", ["null", "string"], "str | None"),
    TypeCase("null-goes-last", ["string", "null"], "str | None"),
    TypeCase("union", ["int", "string", "null"], "int | str | None"),
    TypeCase("union-without-repeats", ["int", "long"], "int"),
    TypeCase("enum", {"type": "enum", "name": "Kleur", "symbols": ["rood", "groen"]}, "Ding_Kleur"),
    TypeCase("record", record("Maat", {"name": "cm", "type": "int"}), "Ding_Maat"),
    TypeCase("default", "string", "NotRequired[str]", default="x"),
    TypeCase("default-null", ["null", "int"], "NotRequired[int | None]", default=None),
    TypeCase("default-empty-list", {"type": "array", "items": "int"}, "NotRequired[list[int]]", []),
]


@pytest.mark.parametrize("case", TYPE_CASES, ids=[c.id for c in TYPE_CASES])
def test_avro_type_maps_to_annotation(case: TypeCase, tmp_path: Path) -> None:
    field: dict[str, Any] = {"name": "x", "type": case.type}
    if case.default is not NO_DEFAULT:
        field["default"] = case.default
    source = render_models([contract(tmp_path, record("Ding", field))])
    assert re.findall(r"^    x: (.*)$", source, re.MULTILINE) == [case.annotation]


def long_records(*numbers: int) -> list[dict[str, Any]]:
    return [record(f"EenHeelLangeRecordnaamNummer{n}", doc=f"Nummer {n}.") for n in numbers]


# Long enough to make the generator wrap every kind of line it wraps.
LONG_FIELDS: list[dict[str, Any]] = [
    {
        "name": "symbolen",
        "type": {
            "type": "enum",
            "name": "Lang",
            "doc": "Veel symbolen.",
            "symbols": [f"symbool_nummer_{i}" for i in range(12)],
        },
    },
    {"name": "optioneleUnie", "type": ["null", *long_records(0, 1)], "default": None},
    {"name": "verplichteUnie", "type": long_records(2, 3)},
    {"name": "langeUnie", "type": long_records(4, 5, 6)},
    {"name": "kaart", "type": {"type": "map", "values": long_records(7, 8)}},
    {"name": "langeKaart", "type": {"type": "map", "values": long_records(9, 10, 11)}},
    {
        "name": "lijst",
        "type": {
            "type": "array",
            "items": [
                record("LangeDoc", doc=" ".join(["Een lange doc."] * 30)),
                record("DocMetTekens", doc='Zegt "hallo" en \\ "'),
            ],
        },
    },
]


def test_generated_module_for_every_type_is_lint_clean_and_fits_its_data(tmp_path: Path) -> None:
    fields = [
        {"name": f"f{i}", "type": c.type, "doc": c.id}
        | ({} if c.default is NO_DEFAULT else {"default": c.default})
        for i, c in enumerate(TYPE_CASES)
    ]
    schema_file = contract(
        tmp_path, record("DingMetAlles", *fields, *LONG_FIELDS, doc="Alles. " * 40)
    )
    source = render_models([schema_file])
    assert ruff_problems(source) == []
    with imported(source, tmp_path) as module:
        model = module.EVENT_MODELS[schema_file.event_type]
        top, names = top_node(schema_file)
        assert shape_mismatches(model, top, names, "DingMetAlles", frozenset()) == []
        for seed in SEEDS:
            datum = sample_datum(schema_file.schema, seed)
            assert type_errors(datum, model) == []
            assert type_errors(round_trip(schema_file.schema, datum), model) == []


def test_a_recursive_record_gets_quoted_annotations(tmp_path: Path) -> None:
    node = record(
        "Knoop",
        {"name": "waarde", "type": "int"},
        {"name": "volgende", "type": ["null", "Knoop"], "default": None},
        {"name": "kinderen", "type": {"type": "array", "items": "Knoop"}, "default": []},
    )
    schema_file = contract(tmp_path, node)
    source = render_models([schema_file])
    assert '    volgende: NotRequired["Knoop | None"]' in source
    assert ruff_problems(source) == []
    with imported(source, tmp_path) as module:
        assert module.Knoop.__optional_keys__ == {"volgende", "kinderen"}
        for seed in SEEDS:
            assert type_errors(sample_datum(node, seed), module.Knoop) == []
        errors = type_errors({"waarde": 1, "volgende": {"waarde": "2"}}, module.Knoop)
        assert [error.split(" fits none of ")[0] for error in errors] == [
            "$.volgende: {'waarde': '2'}"
        ]


@pytest.mark.parametrize(
    ("event", "avro_name", "expected"),
    [
        ("PersoonVerhuisd", None, "PersoonVerhuisd"),
        ("PersoonVerhuisd", "Verblijfplaats", "PersoonVerhuisd_Verblijfplaats"),
        ("Ding_", "X", "Ding_0_X"),
        ("Ding", "_X", "Ding__0X"),
        ("Ding", "X_1", "Ding_X_01"),
    ],
    ids=["event", "nested", "underscore-at-end", "underscore-at-start", "underscore-digit"],
)
def test_python_names(event: str, avro_name: str | None, expected: str) -> None:
    assert python_name(event, avro_name) == expected


def test_python_names_are_injective_even_with_underscores() -> None:
    names = ["A", "A_", "_A", "A_B", "B", "_B", "A__B", "B_0"]
    pairs = {(e, n) for e in names for n in [None, *names]}
    assert len({python_name(e, n) for e, n in pairs}) == len(pairs)


def _nested(name: str, namespace: str) -> dict[str, Any]:
    return {"type": "record", "name": name, "namespace": namespace, "doc": "X.", "fields": []}


TWO_XS = record(
    "Ding",
    {"name": "x", "type": _nested("X", "p")},
    {"name": "y", "type": _nested("X", "q")},
)
COLLISIONS = [
    pytest.param(
        [("a", record("Ding")), ("b", record("Ding"))], "both", id="event-in-two-registries"
    ),
    pytest.param([("a", TWO_XS)], "both", id="one-name-in-two-namespaces"),
    pytest.param([("a", record("Literal"))], "cannot define", id="reserved-name"),
    pytest.param(
        [("a", record("Ding", {"name": "from", "type": "string"}))],
        "identifier",
        id="keyword-field",
    ),
]


@pytest.mark.parametrize(("contracts", "message"), COLLISIONS)
def test_names_that_would_collide_are_refused(
    contracts: list[tuple[str, dict[str, Any]]], message: str, tmp_path: Path
) -> None:
    files = [contract(tmp_path, schema, registry) for registry, schema in contracts]
    with pytest.raises(CodegenError, match=message):
        render_models(files)
