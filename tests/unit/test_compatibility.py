"""Avro schema compatibility: the pairwise reader/writer rules (a table of cases), the seven
Confluent levels, schema validation, and the messages a data steward reads."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any, NamedTuple

import fastavro
import pytest
from fastavro.read import SchemaResolutionError

from bron.contracts.compatibility import (
    Incompatibility,
    InvalidSchema,
    Level,
    ParsedSchema,
    check_compatibility,
    parse_schema,
    reader_can_read,
)

Json = Any


def rec(name: str, *fields: Json, **extra: Json) -> dict[str, Json]:
    return {"type": "record", "name": name, "fields": list(fields), **extra}


def fld(name: str, type_: Json, **extra: Json) -> dict[str, Json]:
    return {"name": name, "type": type_, **extra}


def enum(name: str, *symbols: str, **extra: Json) -> dict[str, Json]:
    return {"type": "enum", "name": name, "symbols": list(symbols), **extra}


def fixed(name: str, size: int, **extra: Json) -> dict[str, Json]:
    return {"type": "fixed", "name": name, "size": size, **extra}


def dec(precision: int, scale: int) -> dict[str, Json]:
    return {"type": "bytes", "logicalType": "decimal", "precision": precision, "scale": scale}


def parse(schema: Json) -> ParsedSchema:
    return parse_schema(json.dumps(schema))


def one(name: str, type_: Json, **extra: Json) -> dict[str, Json]:
    """A record `R` with a single field: the usual shape of a change to one field."""
    return rec("R", fld(name, type_, **extra))


NAAM_V1 = rec("Naam", fld("geslachtsnaam", "string"))
NAAM_V2 = rec("Naam", fld("geslachtsnaam", "string"), fld("voorvoegsel", "string"))
ADRES_V1 = rec("Adres", fld("straat", "string"), fld("huisnummer", "int"))
ADRES_V2 = rec("Adres", fld("straat", "string"), fld("huisnummer", "string"))


def linked(value: Json, *extra: Json) -> dict[str, Json]:
    return rec("Node", fld("value", value), fld("next", ["null", "Node"], default=None), *extra)


def tree(leaf: Json) -> dict[str, Json]:
    """Mutually recursive: a Tree holds Branches, a Branch holds Trees."""
    branch = rec("Branch", fld("children", {"type": "array", "items": "Tree"}))
    return rec("Tree", fld("leaf", leaf), fld("branch", ["null", branch], default=None))


class Case(NamedTuple):
    id: str
    writer: Json
    reader: Json
    compatible: bool
    rule: str | None = None
    path: str | None = None


CASES: list[Case] = [
    # primitives: equality and every promotion (writer type -> reader type), and refusals
    Case("int-int", "int", "int", True),
    Case("int-long", "int", "long", True),
    Case("int-float", "int", "float", True),
    Case("int-double", "int", "double", True),
    Case("long-float", "long", "float", True),
    Case("long-double", "long", "double", True),
    Case("float-double", "float", "double", True),
    Case("string-bytes", "string", "bytes", True),
    Case("bytes-string", "bytes", "string", True),
    Case("long-int", "long", "int", False, "type-mismatch", "/"),
    Case("double-float", "double", "float", False, "type-mismatch", "/"),
    Case("float-long", "float", "long", False, "type-mismatch", "/"),
    Case("string-int", "string", "int", False, "type-mismatch", "/"),
    Case("boolean-int", "boolean", "int", False, "type-mismatch", "/"),
    Case("null-string", "null", "string", False, "type-mismatch", "/"),
    Case("field-long-to-int", one("n", "long"), one("n", "int"), False, "type-mismatch", "/n"),
    # records: fields
    Case(
        "field-added-with-default",
        one("a", "int"),
        rec("R", fld("a", "int"), fld("b", "string", default="")),
        True,
    ),
    Case(
        "field-added-optional",
        one("a", "int"),
        rec("R", fld("a", "int"), fld("b", ["null", "string"], default=None)),
        True,
    ),
    Case(
        "field-added-without-default",
        one("a", "int"),
        rec("R", fld("a", "int"), fld("b", "string")),
        False,
        "reader-field-missing-default",
        "/b",
    ),
    Case("field-removed", rec("R", fld("a", "int"), fld("b", "string")), one("a", "int"), True),
    Case(
        "fields-reordered",
        rec("R", fld("a", "int"), fld("b", "string")),
        rec("R", fld("b", "string"), fld("a", "int")),
        True,
    ),
    Case("field-renamed-with-alias", one("old", "int"), one("new", "int", aliases=["old"]), True),
    Case(
        "field-renamed-without-alias",
        one("old", "int"),
        one("new", "int"),
        False,
        "reader-field-missing-default",
        "/new",
    ),
    Case(
        "field-alias-only-on-writer",
        one("old", "int", aliases=["new"]),
        one("new", "int"),
        False,
        "reader-field-missing-default",
        "/new",
    ),
    Case(
        "field-renamed-alias-type-checked",
        one("old", "long"),
        one("new", "int", aliases=["old"]),
        False,
        "type-mismatch",
        "/new",
    ),
    Case(
        "enum-field-without-default-is-missing",
        one("a", "int"),
        rec("R", fld("a", "int"), fld("e", enum("E", "X", default="X"))),
        False,
        "reader-field-missing-default",
        "/e",
    ),
    # records: names, aliases, namespaces
    Case(
        "record-renamed-without-alias",
        rec("A", fld("x", "int")),
        rec("B", fld("x", "int")),
        False,
        "name-mismatch",
        "/",
    ),
    Case(
        "record-renamed-with-alias",
        rec("A", fld("x", "int")),
        rec("B", fld("x", "int"), aliases=["A"]),
        True,
    ),
    Case(
        "record-namespace-changed",
        rec("Persoon", fld("x", "int"), namespace="nl.brp"),
        rec("Persoon", fld("x", "int"), namespace="nl.bag"),
        True,
    ),
    Case(
        "record-alias-relative-to-reader-namespace",
        rec("Persoon", fld("x", "int"), namespace="nl.brp"),
        rec("Ingezetene", fld("x", "int"), namespace="nl.brp", aliases=["Persoon"]),
        True,
    ),
    Case(
        "record-alias-other-namespace",
        rec("Persoon", fld("x", "int"), namespace="nl.brp"),
        rec("Ingezetene", fld("x", "int"), namespace="nl.bag", aliases=["Persoon"]),
        False,
        "name-mismatch",
        "/",
    ),
    Case(
        "record-alias-fully-qualified",
        rec("Persoon", fld("x", "int"), namespace="nl.brp"),
        rec("Ingezetene", fld("x", "int"), namespace="nl.bag", aliases=["nl.brp.Persoon"]),
        True,
    ),
    Case(
        "record-dotted-name-vs-namespace",
        rec("nl.brp.Persoon", fld("x", "int")),
        rec("Persoon", fld("x", "int"), namespace="nl.brp"),
        True,
    ),
    Case(
        "nested-record-inherits-namespace",
        rec("P", fld("adres", ADRES_V1), namespace="a"),
        rec("P", fld("adres", ADRES_V1), namespace="b"),
        True,
    ),
    Case(
        "nested-record-renamed",
        one("adres", ADRES_V1),
        one("adres", {**ADRES_V1, "name": "Locatie"}),
        False,
        "name-mismatch",
        "/adres",
    ),
    # nested records
    Case(
        "nested-type-change",
        one("adres", ADRES_V1),
        one("adres", ADRES_V2),
        False,
        "type-mismatch",
        "/adres/huisnummer",
    ),
    Case(
        "nested-field-missing-default",
        one("naam", NAAM_V1),
        one("naam", NAAM_V2),
        False,
        "reader-field-missing-default",
        "/naam/voorvoegsel",
    ),
    Case("nested-field-removed", one("naam", NAAM_V2), one("naam", NAAM_V1), True),
    Case(
        "record-vs-enum",
        one("x", rec("T", fld("a", "int"))),
        one("x", enum("T", "A")),
        False,
        "type-mismatch",
        "/x",
    ),
    # enums
    Case("enum-same", enum("E", "A", "B"), enum("E", "A", "B"), True),
    Case("enum-symbol-added-in-reader", enum("E", "A"), enum("E", "A", "B"), True),
    Case(
        "enum-symbol-removed",
        enum("E", "A", "B"),
        enum("E", "A"),
        False,
        "enum-symbol-missing",
        "/",
    ),
    Case(
        "enum-symbol-removed-reader-default",
        enum("E", "A", "B"),
        enum("E", "A", "C", default="C"),
        True,
    ),
    Case("enum-reordered", enum("E", "A", "B"), enum("E", "B", "A"), True),
    Case("enum-renamed", enum("E", "A"), enum("F", "A"), False, "name-mismatch", "/"),
    Case("enum-renamed-with-alias", enum("E", "A"), enum("F", "A", aliases=["E"]), True),
    Case(
        "enum-nested-symbol-removed",
        one("g", enum("G", "M", "V", "O")),
        one("g", enum("G", "M", "V")),
        False,
        "enum-symbol-missing",
        "/g",
    ),
    # fixed
    Case("fixed-same", fixed("H", 16), fixed("H", 16), True),
    Case("fixed-size-changed", fixed("H", 16), fixed("H", 32), False, "fixed-size-mismatch", "/"),
    Case("fixed-renamed", fixed("H", 16), fixed("K", 16), False, "name-mismatch", "/"),
    Case("fixed-renamed-with-alias", fixed("H", 16), fixed("K", 16, aliases=["H"]), True),
    Case("fixed-vs-bytes", fixed("H", 16), "bytes", False, "type-mismatch", "/"),
    # arrays and maps
    Case(
        "array-items-promoted",
        {"type": "array", "items": "int"},
        {"type": "array", "items": "long"},
        True,
    ),
    Case(
        "array-items-narrowed",
        one("xs", {"type": "array", "items": "long"}),
        one("xs", {"type": "array", "items": "int"}),
        False,
        "type-mismatch",
        "/xs[]",
    ),
    Case(
        "map-values-promoted",
        {"type": "map", "values": "int"},
        {"type": "map", "values": "double"},
        True,
    ),
    Case(
        "map-values-changed",
        one("m", {"type": "map", "values": "string"}),
        one("m", {"type": "map", "values": "int"}),
        False,
        "type-mismatch",
        "/m{}",
    ),
    Case(
        "array-to-map",
        {"type": "array", "items": "int"},
        {"type": "map", "values": "int"},
        False,
        "type-mismatch",
        "/",
    ),
    Case(
        "array-of-records-missing-default",
        one("adressen", {"type": "array", "items": NAAM_V1}),
        one("adressen", {"type": "array", "items": NAAM_V2}),
        False,
        "reader-field-missing-default",
        "/adressen[]/voorvoegsel",
    ),
    Case(
        "map-of-arrays",
        {"type": "map", "values": {"type": "array", "items": "float"}},
        {"type": "map", "values": {"type": "array", "items": "double"}},
        True,
    ),
    # unions
    Case("union-widened-reader", "string", ["null", "string"], True),
    Case(
        "union-narrowed-to-plain",
        one("a", ["null", "string"], default=None),
        one("a", "string"),
        False,
        "union-branch-unreadable",
        "/a",
    ),
    Case("union-widened-both", ["null", "string"], ["null", "string", "int"], True),
    Case(
        "union-narrowed-both",
        one("a", ["null", "string", "int"], default=None),
        one("a", ["null", "string"], default=None),
        False,
        "missing-union-branch",
        "/a",
    ),
    Case("union-reader-promotes", "int", ["null", "long"], True),
    Case("union-reader-no-branch", "int", ["null", "string"], False, "missing-union-branch", "/"),
    Case("union-writer-all-promote", ["int", "long"], "double", True),
    Case(
        "union-writer-branch-unreadable",
        ["int", "string"],
        "long",
        False,
        "union-branch-unreadable",
        "/",
    ),
    Case("union-reordered", ["null", "string"], ["string", "null"], True),
    Case("union-bytes-to-string-branch", "bytes", ["null", "string"], True),
    Case(
        "union-record-renamed-alias",
        rec("A", fld("x", "int")),
        ["null", rec("B", fld("x", "int"), aliases=["A"])],
        True,
    ),
    Case(
        "union-record-renamed",
        ["null", rec("A", fld("x", "int"))],
        ["null", rec("B", fld("x", "int"))],
        False,
        "missing-union-branch",
        "/",
    ),
    Case(
        "union-nested-record-missing-default",
        one("naam", ["null", NAAM_V1], default=None),
        one("naam", ["null", NAAM_V2], default=None),
        False,
        "reader-field-missing-default",
        "/naam/voorvoegsel",
    ),
    Case(
        "union-writer-record-vs-plain-record",
        one("naam", ["null", NAAM_V1], default=None),
        one("naam", NAAM_V1),
        False,
        "union-branch-unreadable",
        "/naam",
    ),
    Case(
        "union-alias-beats-unqualified-name",
        rec("A", fld("x", "int"), namespace="b"),
        [
            rec("A", fld("x", "int"), fld("y", "int"), namespace="c"),
            rec("Other", fld("x", "int"), aliases=["b.A"]),
        ],
        True,
    ),
    Case(
        "union-unqualified-name-branch-resolved",
        rec("A", fld("x", "int"), namespace="b"),
        ["null", rec("A", fld("x", "int"), fld("y", "int"), namespace="c")],
        False,
        "reader-field-missing-default",
        "/y",
    ),
    # logical types: by the underlying type; decimals need equal precision and scale
    Case("logical-added", "int", {"type": "int", "logicalType": "date"}, True),
    Case("logical-removed", {"type": "string", "logicalType": "uuid"}, "string", True),
    Case(
        "logical-changed-same-underlying",
        {"type": "long", "logicalType": "timestamp-millis"},
        {"type": "long", "logicalType": "timestamp-micros"},
        True,
    ),
    Case(
        "logical-promoted-underlying",
        {"type": "int", "logicalType": "date"},
        {"type": "long", "logicalType": "timestamp-millis"},
        True,
    ),
    Case(
        "logical-underlying-mismatch",
        {"type": "int", "logicalType": "date"},
        "string",
        False,
        "type-mismatch",
        "/",
    ),
    Case("decimal-same", dec(10, 2), dec(10, 2), True),
    Case(
        "decimal-scale-changed",
        one("bedrag", dec(10, 2)),
        one("bedrag", dec(10, 3)),
        False,
        "decimal-mismatch",
        "/bedrag",
    ),
    Case("decimal-precision-changed", dec(10, 2), dec(12, 2), False, "decimal-mismatch", "/"),
    Case("decimal-from-plain-bytes", "bytes", dec(10, 2), True),
    Case(
        "decimal-fixed-same",
        fixed("D", 8, logicalType="decimal", precision=10, scale=2),
        fixed("D", 8, logicalType="decimal", precision=10, scale=2),
        True,
    ),
    Case(
        "decimal-fixed-scale-changed",
        fixed("D", 8, logicalType="decimal", precision=10, scale=2),
        fixed("D", 8, logicalType="decimal", precision=10, scale=4),
        False,
        "decimal-mismatch",
        "/",
    ),
    Case(
        "logical-unknown-ignored",
        {"type": "string", "logicalType": "postcode"},
        "string",
        True,
    ),
    # recursive types
    Case("recursive-same", linked("int"), linked("int"), True),
    Case("recursive-promoted", linked("int"), linked("long"), True),
    Case("recursive-narrowed", linked("long"), linked("int"), False, "type-mismatch", "/value"),
    Case(
        "recursive-field-added-with-default",
        linked("int"),
        linked("int", fld("label", "string", default="")),
        True,
    ),
    Case(
        "recursive-field-added-without-default",
        linked("int"),
        linked("int", fld("label", "string")),
        False,
        "reader-field-missing-default",
        "/label",
    ),
    Case("mutually-recursive", tree("int"), tree("long"), True),
    Case(
        "mutually-recursive-narrowed",
        tree("double"),
        tree("float"),
        False,
        "type-mismatch",
        "/leaf",
    ),
]


def test_the_table_is_large_and_covers_every_rule() -> None:
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    rules = {c.rule for c in CASES if c.rule}
    assert rules == {
        "type-mismatch",
        "reader-field-missing-default",
        "name-mismatch",
        "enum-symbol-missing",
        "fixed-size-mismatch",
        "decimal-mismatch",
        "missing-union-branch",
        "union-branch-unreadable",
    }
    assert sum(c.compatible for c in CASES) >= 30
    assert sum(not c.compatible for c in CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_reader_writer(case: Case) -> None:
    found = reader_can_read(parse(case.reader), parse(case.writer))
    if case.compatible:
        assert found == []
        return
    assert found, "expected an incompatibility"
    assert {i.rule for i in found} == {case.rule}, found
    assert case.path in {i.path for i in found}, found
    assert all(i.message and i.direction == "reader reads writer" for i in found)


def sample(schema: Json, variant: int, named: dict[str, Json], depth: int = 0) -> Json:
    """A datum of `schema` (underlying types, UTF-8 bytes); `variant` rotates union branches,
    enum symbols and values, and nesting stops at a small depth (recursive types)."""
    if isinstance(schema, list):
        options = [b for b in schema if b == "null"] if depth > 3 and "null" in schema else schema
        return sample(options[(variant + depth) % len(options)], variant, named, depth)
    if isinstance(schema, str):
        return (
            sample(named[schema], variant, named, depth)
            if schema in named
            else sample({"type": schema}, variant, named, depth)
        )
    kind = schema["type"]
    if isinstance(kind, dict | list):
        return sample(kind, variant, named, depth)
    if schema.get("logicalType") == "uuid":
        return str(uuid.UUID(int=variant))
    if kind in ("record", "enum", "fixed"):
        named[schema["name"]] = named[schema["name"].rpartition(".")[2]] = schema
    simple: dict[str, Json] = {
        "null": None,
        "boolean": variant % 2 == 0,
        "int": variant * 7 - 3,
        "long": variant * 7 - 3,
        "float": variant + 0.5,
        "double": variant + 0.25,
        "string": f"s{variant}é",
        "bytes": f"b{variant}é".encode(),
    }
    if kind in simple:
        return simple[kind]
    if kind == "fixed":
        return bytes(range(schema["size"]))
    if kind == "enum":
        return schema["symbols"][variant % len(schema["symbols"])]
    if kind == "array":
        return [
            sample(schema["items"], variant + i, named, depth + 1) for i in range(2 * (depth < 3))
        ]
    if kind == "map":
        return {} if depth >= 3 else {"k": sample(schema["values"], variant, named, depth + 1)}
    assert kind == "record", kind
    return {f["name"]: sample(f["type"], variant, named, depth + 1) for f in schema["fields"]}


def encode(writer: Json, variant: int) -> bytes:
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(writer), sample(writer, variant, {}))
    return buffer.getvalue()


def decode(data: bytes, writer: Json, reader: Json) -> Json:
    parsed_writer, parsed_reader = fastavro.parse_schema(writer), fastavro.parse_schema(reader)
    return fastavro.schemaless_reader(io.BytesIO(data), parsed_writer, parsed_reader)


# Where fastavro's decoder departs from the spec and Java (Confluent's reference): it resolves
# an unqualified alias leniently (Java qualifies it with the reader's namespace, as the spec
# says); it ignores decimal precision and scale (the bytes decode, but a new scale changes the
# value); and in a reader union it prefers a same-named branch over one that has the writer's
# name as an alias (Java applies aliases first, so the alias is an exact match).
_FASTAVRO_DIFFERS = {
    "record-alias-other-namespace",
    "decimal-scale-changed",
    "decimal-precision-changed",
    "decimal-fixed-scale-changed",
    "union-alias-beats-unqualified-name",
}
_COMPATIBLE = [c for c in CASES if c.compatible and c.id not in _FASTAVRO_DIFFERS]
_INCOMPATIBLE = [c for c in CASES if not c.compatible and c.id not in _FASTAVRO_DIFFERS]


@pytest.mark.parametrize("case", _COMPATIBLE, ids=[c.id for c in _COMPATIBLE])
def test_compatible_pairs_really_decode(case: Case) -> None:
    """An independent decoder (fastavro) reads the writer's data with the reader schema."""
    for variant in range(6):
        decode(encode(case.writer, variant), case.writer, case.reader)


@pytest.mark.parametrize("case", _INCOMPATIBLE, ids=[c.id for c in _INCOMPATIBLE])
def test_incompatible_pairs_really_fail_to_decode(case: Case) -> None:
    """The same decoder fails on some datum, so the verdicts above are not vacuous."""
    failures = 0
    for variant in range(6):
        data = encode(case.writer, variant)
        try:
            decode(data, case.writer, case.reader)
        except (SchemaResolutionError, KeyError):  # KeyError: fastavro reading a record as enum
            failures += 1
    assert failures > 0


# -- levels ------------------------------------------------------------------------------

V1 = one("id", "int")
V2 = rec("R", fld("id", "int"), fld("naam", "string", default=""))
V3 = rec(
    "R",
    fld("id", "int"),
    fld("naam", "string", default=""),
    fld("email", ["null", "string"], default=None),
)
ADDED_NO_DEFAULT = rec("R", fld("id", "int"), fld("naam", "string"))
ID_LONG = one("id", "long")
NAAM_NO_DEFAULT = rec("R", fld("id", "int"), fld("naam", "string"))
# x was a string, then removed; the new version brings x back as an int with a default:
X_STRING = rec("R", fld("id", "int"), fld("x", "string"))
X_GONE = V1
X_INT = rec("R", fld("id", "int"), fld("x", "int", default=0))
# x had no default, then got one; the new version removes x:
X_DEFAULTED = rec("R", fld("id", "int"), fld("x", "string", default=""))


class LevelCase(NamedTuple):
    id: str
    existing: list[Json]
    new: Json
    level: Level
    compatible: bool


LEVEL_CASES: list[LevelCase] = [
    LevelCase("none-anything-goes", [V1], "string", Level.NONE, True),
    LevelCase(
        "none-even-transitive-breaks", [X_STRING, X_GONE], ADDED_NO_DEFAULT, Level.NONE, True
    ),
    LevelCase("backward-field-with-default", [V1], V2, Level.BACKWARD, True),
    LevelCase("backward-field-without-default", [V1], ADDED_NO_DEFAULT, Level.BACKWARD, False),
    LevelCase("backward-only-latest", [X_STRING, X_GONE], X_INT, Level.BACKWARD, True),
    LevelCase("backward-widening-type", [V1], ID_LONG, Level.BACKWARD, True),
    LevelCase(
        "backward-transitive-older-breaks",
        [X_STRING, X_GONE],
        X_INT,
        Level.BACKWARD_TRANSITIVE,
        False,
    ),
    LevelCase("backward-transitive-chain", [V1, V2], V3, Level.BACKWARD_TRANSITIVE, True),
    LevelCase("forward-extra-field-ignored", [V1], ADDED_NO_DEFAULT, Level.FORWARD, True),
    LevelCase("forward-removed-field-with-old-default", [V2], V1, Level.FORWARD, True),
    LevelCase("forward-removed-field-old-no-default", [NAAM_NO_DEFAULT], V1, Level.FORWARD, False),
    LevelCase("forward-widening-type", [V1], ID_LONG, Level.FORWARD, False),
    LevelCase("forward-only-latest", [X_STRING, X_DEFAULTED], X_GONE, Level.FORWARD, True),
    LevelCase(
        "forward-transitive-older-breaks",
        [X_STRING, X_DEFAULTED],
        X_GONE,
        Level.FORWARD_TRANSITIVE,
        False,
    ),
    LevelCase("forward-transitive-chain", [V1, V2], V3, Level.FORWARD_TRANSITIVE, True),
    LevelCase("full-field-with-default", [V1], V2, Level.FULL, True),
    LevelCase("full-field-without-default", [V1], ADDED_NO_DEFAULT, Level.FULL, False),
    LevelCase("full-widening-type", [V1], ID_LONG, Level.FULL, False),
    LevelCase("full-only-latest", [X_STRING, X_GONE], X_INT, Level.FULL, True),
    LevelCase(
        "full-transitive-older-breaks", [X_STRING, X_GONE], X_INT, Level.FULL_TRANSITIVE, False
    ),
    LevelCase("full-transitive-chain", [V1, V2], V3, Level.FULL_TRANSITIVE, True),
    LevelCase("full-transitive-removed-defaulted", [V2, V3], V2, Level.FULL_TRANSITIVE, True),
]


def test_every_level_has_cases_both_ways_where_possible() -> None:
    for level in Level:
        verdicts = [c.compatible for c in LEVEL_CASES if c.level is level]
        assert len(verdicts) >= 2, level
        if level is not Level.NONE:
            assert set(verdicts) == {True, False}, level


@pytest.mark.parametrize("case", LEVEL_CASES, ids=[c.id for c in LEVEL_CASES])
def test_levels(case: LevelCase) -> None:
    found = check_compatibility(parse(case.new), [parse(s) for s in case.existing], case.level)
    assert (found == []) == case.compatible, found


@pytest.mark.parametrize("level", list(Level))
def test_no_existing_versions_is_compatible(level: Level) -> None:
    assert check_compatibility(parse("string"), [], level) == []


def test_levels_are_the_confluent_strings() -> None:
    assert [str(level) for level in Level] == [
        "NONE",
        "BACKWARD",
        "BACKWARD_TRANSITIVE",
        "FORWARD",
        "FORWARD_TRANSITIVE",
        "FULL",
        "FULL_TRANSITIVE",
    ]
    assert Level("FULL_TRANSITIVE") is Level.FULL_TRANSITIVE


def test_directions_name_the_failing_check_and_the_version() -> None:
    existing = [parse(X_STRING), parse(X_GONE)]
    found = check_compatibility(parse(X_INT), existing, Level.FULL_TRANSITIVE, versions=[4, 7])
    assert [(i.direction, i.path, i.rule) for i in found] == [
        ("new reads old (version 4)", "/x", "type-mismatch"),
        ("old reads new (version 4)", "/x", "type-mismatch"),
    ]
    assert "version 4 writes string where the new schema expects int" in found[0].message
    assert "the new schema writes int where version 4 expects string" in found[1].message

    unnumbered = check_compatibility(parse(ID_LONG), [parse(V1)], Level.FORWARD)
    assert [i.direction for i in unnumbered] == ["old reads new (the latest version)"]


def test_versions_must_match_existing() -> None:
    with pytest.raises(ValueError, match="one number per existing schema"):
        check_compatibility(parse(V2), [parse(V1)], Level.BACKWARD, versions=[1, 2])


# -- messages ----------------------------------------------------------------------------


def test_a_nested_failure_names_the_path_the_rule_and_the_fix() -> None:
    old = parse(rec("Persoon", fld("naam", NAAM_V1), namespace="nl.brp"))
    new = parse(rec("Persoon", fld("naam", NAAM_V2), namespace="nl.brp"))
    [found] = check_compatibility(new, [old], Level.BACKWARD, versions=[3])
    assert found == Incompatibility(
        path="/naam/voorvoegsel",
        rule="reader-field-missing-default",
        message=found.message,
        direction="new reads old (version 3)",
    )
    assert found.message.startswith("Field '/naam/voorvoegsel': the new schema has this field")
    assert "rule reader-field-missing-default" in found.message
    assert "version 3" in found.message
    assert "add a default" in found.message


def test_a_forward_failure_advises_on_the_new_schema() -> None:
    [found] = check_compatibility(parse(V1), [parse(NAAM_NO_DEFAULT)], Level.FORWARD)
    assert found.path == "/naam"
    assert "keep the field in the new schema" in found.message


def test_a_shared_named_type_is_reported_at_every_path() -> None:
    writer = rec("P", fld("woonadres", NAAM_V1), fld("postadres", "Naam"))
    reader = rec("P", fld("woonadres", NAAM_V2), fld("postadres", "Naam"))
    found = reader_can_read(parse(reader), parse(writer))
    assert sorted(i.path for i in found) == ["/postadres/voorvoegsel", "/woonadres/voorvoegsel"]


def test_every_broken_rule_in_a_record_is_reported() -> None:
    writer = rec("R", fld("a", "long"), fld("g", enum("G", "M", "V")), fld("h", fixed("H", 4)))
    reader = rec(
        "R",
        fld("a", "int"),
        fld("g", enum("G", "M")),
        fld("h", fixed("H", 8)),
        fld("b", "string"),
    )
    found = reader_can_read(parse(reader), parse(writer))
    assert [(i.path, i.rule) for i in found] == [
        ("/a", "type-mismatch"),
        ("/g", "enum-symbol-missing"),
        ("/h", "fixed-size-mismatch"),
        ("/b", "reader-field-missing-default"),
    ]
    assert "symbol(s) V" in found[1].message
    assert "4 bytes" in found[2].message
    assert "8 bytes" in found[2].message


def test_union_messages_name_the_branch() -> None:
    [narrowed] = reader_can_read(parse("string"), parse(["null", "string"]))
    assert "branch null" in narrowed.message
    [missing] = reader_can_read(parse(["null", "string"]), parse("int"))
    assert "can write int here" in missing.message
    assert "union [null, string]" in missing.message


# -- parsing -----------------------------------------------------------------------------

INVALID: list[tuple[str, str, str]] = [
    ("malformed-json", '{"type": "record", "name": ', "not valid JSON"),
    ("not-a-schema", "42", "invalid Avro schema"),
    ("unknown-type", json.dumps(one("a", "strin")), "strin"),
    ("unknown-top-level-type", '"integer"', "integer"),
    ("record-without-fields", '{"type": "record", "name": "R"}', "fields"),
    (
        "duplicate-field",
        json.dumps(rec("R", fld("a", "int"), fld("a", "long"))),
        "a already in use",
    ),
    ("invalid-record-name", json.dumps(rec("1R", fld("a", "int"))), "not a valid Avro name"),
    (
        "invalid-namespace",
        json.dumps(rec("R", fld("a", "int"), namespace="nl.9x")),
        "not a valid Avro name",
    ),
    (
        "invalid-field-name",
        json.dumps(one("geboorte-datum", "int")),
        "'geboorte-datum' is not a valid Avro name",
    ),
    ("invalid-alias", json.dumps(rec("R", fld("a", "int"), aliases=["1x"])), "alias '1x'"),
    ("aliases-not-a-list", json.dumps(one("a", "int", aliases="b")), "list of strings"),
    ("default-wrong-type", json.dumps(one("a", "int", default="x")), "at '/a': default \"x\""),
    ("default-int-out-of-range", json.dumps(one("a", "int", default=2**31)), "default"),
    ("default-boolean-for-long", json.dumps(one("a", "long", default=True)), "default"),
    ("default-not-in-union", json.dumps(one("a", ["null", "int"], default="x")), "default"),
    ("default-fixed-wrong-length", json.dumps(one("h", fixed("H", 2), default="abc")), "default"),
    ("default-bytes-not-latin1", json.dumps(one("b", "bytes", default="€")), "default"),
    ("default-record-missing-field", json.dumps(one("n", NAAM_V1, default={})), "default"),
    (
        "default-array-item",
        json.dumps(one("xs", {"type": "array", "items": "int"}, default=["a"])),
        "default",
    ),
    (
        "default-in-array-of-records",
        json.dumps({"type": "array", "items": rec("N", fld("v", "int", default="x"))}),
        "at '/[]/v'",
    ),
    (
        "default-nested-path",
        json.dumps(one("naam", rec("N", fld("v", "int", default="x")))),
        "at '/naam/v'",
    ),
    ("enum-default-not-a-symbol", json.dumps(enum("E", "A", default="B")), "B"),
    (
        "enum-field-default-not-a-symbol",
        json.dumps(one("e", enum("E", "A"), default="B")),
        "default",
    ),
    ("enum-duplicate-symbol", json.dumps(enum("E", "A", "A")), "Duplicate symbol"),
    ("union-in-union", json.dumps(["null", ["int"]]), "Unions cannot contain other unions"),
    ("union-duplicate-branch", json.dumps(["int", "int"]), "int type already in Union"),
    ("fixed-without-size", json.dumps({"type": "fixed", "name": "F"}), "size"),
    ("enum-symbols-not-a-list", json.dumps(enum("E") | {"symbols": "AB"}), "list of strings"),
    ("fixed-size-boolean", json.dumps(fixed("F", 1) | {"size": True}), "positive integer"),
    ("protocol-error-union", '{"type": "error_union", "declared_errors": []}', "protocols"),
    ("unpaired-surrogate", '{"type": "int", "doc": "\\ud800"}', "unpaired surrogate"),
    ("type-redefined", json.dumps(rec("R", fld("a", rec("R", fld("b", "int"))))), "already in use"),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID]
)
def test_parse_rejects(text: str, expected: str) -> None:
    with pytest.raises(InvalidSchema) as raised:
        parse_schema(text)
    assert expected in str(raised.value)
    assert isinstance(raised.value, ValueError)


VALID_DEFAULTS: list[tuple[str, Json]] = [
    ("null-first-branch", one("a", ["null", "string"], default=None)),
    ("later-union-branch", one("a", ["null", "string"], default="x")),  # allowed since Avro 1.12
    ("bytes-latin1", one("b", "bytes", default="\u00ff\u0000")),
    ("fixed-exact-length", one("h", fixed("H", 2), default="ab")),
    ("double-from-int", one("d", "double", default=1)),
    ("long-max", one("n", "long", default=2**63 - 1)),
    ("record-default", one("n", NAAM_V1, default={"geslachtsnaam": "Jansen"})),
    (
        "record-default-uses-field-default",
        one("n", rec("N", fld("v", "int", default=0)), default={}),
    ),
    ("map-default", one("m", {"type": "map", "values": "long"}, default={"a": 1})),
    ("enum-default", one("e", enum("E", "A", "B"), default="B")),
    ("empty-record", rec("Leeg")),
    ("recursive", linked("int")),
    ("invalid-decimal-falls-back", one("d", {"type": "bytes", "logicalType": "decimal"})),
]


@pytest.mark.parametrize(
    "schema", [c[1] for c in VALID_DEFAULTS], ids=[c[0] for c in VALID_DEFAULTS]
)
def test_parse_accepts(schema: Json) -> None:
    assert parse(schema).raw == schema


def test_canonical_is_compact_sorted_and_keeps_doc_and_custom_properties() -> None:
    text = (
        '{ "type": "record", "name": "R", "doc": "Een persoon",\n "fields": '
        '[{"type": "string", "name": "bsn", "confluent:tags": ["PII"]}]}'
    )
    parsed = parse_schema(text)
    assert parsed.canonical == (
        '{"doc":"Een persoon","fields":[{"confluent:tags":["PII"],"name":"bsn","type":"string"}],'
        '"name":"R","type":"record"}'
    )
    assert parsed == parse_schema(parsed.canonical)
    assert parsed.fingerprint == parse_schema(parsed.canonical).fingerprint
    other_doc = parse(rec("R", fld("bsn", "string", **{"confluent:tags": ["PII"]}), doc="Anders"))
    assert other_doc != parsed
    assert other_doc.fingerprint != parsed.fingerprint


def test_incompatibility_lists_compare_by_value() -> None:
    first = reader_can_read(parse("int"), parse("long"))
    second = reader_can_read(parse("int"), parse("long"))
    assert first == second
    assert isinstance(first[0], Incompatibility)
