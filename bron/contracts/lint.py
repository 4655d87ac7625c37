"""The house rules for the Avro contracts (see `schemas/avro/README.md`). Pure: schemas in,
problems out. Rule ids are stable so CI output and suppressions can refer to them."""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import fastavro

from bron.contracts.schemafiles import (
    CLASSIFICATION_KEY,
    CLASSIFICATIONS,
    RECORD_KINDS,
    FieldRef,
    SchemaFile,
    TypeNode,
    field_classifications,
    iter_fields,
    iter_named_types,
    record_fields,
    record_name_for,
)
from bron.settings import PROJECT_ROOT

FIELD_NAME = re.compile(r"^[a-z][a-zA-Z0-9]*$")
ENUM_SYMBOL = re.compile(r"^[a-z][a-z0-9_]*$")
BSN_NAME = re.compile(r"(?:^b|B)urgerservicenummer$|(?:^a|A)Nummer$")
ENTITY_ID_NAME = re.compile(r"^identificatie$|^[a-z][a-zA-Z0-9]*(?:Id|nummer)$")
UNKNOWN_SYMBOL = "onbekend"

# Sensitivity order for container fields; `bsn` is reserved for the number itself, so a record
# holding one needs no more than the strongest ordinary class.
RANK = {
    "openbaar": 0,
    "intern": 1,
    "pseudoniem": 2,
    "persoonsgegeven": 3,
    "bijzonder-persoonsgegeven": 4,
    "bsn": 4,
}


@dataclass(frozen=True, slots=True)
class LintProblem:
    file: str
    field_path: str
    rule: str
    message: str


@dataclass(frozen=True, slots=True)
class Finding:
    field_path: str
    rule: str
    message: str


Check = Callable[[SchemaFile], Iterable[Finding]]


def lint_schema(schema_file: SchemaFile) -> list[LintProblem]:
    label = _label(schema_file)
    return [
        LintProblem(label, finding.field_path, finding.rule, finding.message)
        for check in CHECKS
        for finding in check(schema_file)
    ]


def lint_all(files: Iterable[SchemaFile]) -> list[LintProblem]:
    files = list(files)
    problems = [problem for schema_file in files for problem in lint_schema(schema_file)]
    problems += _duplicates(files, "duplicate-subject", lambda f: f.subject)
    problems += _duplicates(files, "duplicate-event-type", lambda f: f.event_type)
    return problems


def check_avro(schema_file: SchemaFile) -> Iterator[Finding]:
    try:
        fastavro.parse_schema(copy.deepcopy(schema_file.schema))
    except Exception as exc:  # fastavro raises many types (SchemaParseException, KeyError, ...)
        yield Finding("", "invalid-avro", f"fastavro cannot parse the schema: {exc}; fix it.")


def check_top_level(schema_file: SchemaFile) -> Iterator[Finding]:
    schema = schema_file.schema
    if schema.get("type") not in RECORD_KINDS:
        yield Finding("", "top-level-record", "the top level must be a record (the event).")
        return
    expected_namespace = f"nl.bron.{schema_file.registry}"
    if schema_file.namespace != expected_namespace:
        yield Finding(
            "",
            "namespace",
            f"namespace is {schema_file.namespace!r}; a schema in the "
            f"{schema_file.registry!r} folder must use {expected_namespace!r}.",
        )
    expected_name = record_name_for(schema_file.path.stem)
    if schema_file.name != expected_name:
        yield Finding(
            "",
            "record-name",
            f"record name is {schema_file.name!r}; for file {schema_file.path.name!r} it must be "
            f"{expected_name!r} (PascalCase of the file name).",
        )
    yield from _entity_id_first(schema_file.registry, record_fields(schema))


def check_named_types(schema_file: SchemaFile) -> Iterator[Finding]:
    for node in iter_named_types(schema_file.schema):
        if not _has_doc(node.schema):
            yield Finding(
                node.path,
                "missing-doc",
                f"{node.kind} {node.fullname!r} has no doc; say what it means.",
            )
        if node.kind == "enum":
            yield from _enum_symbols(node)


def check_fields(schema_file: SchemaFile) -> Iterator[Finding]:
    for ref in iter_fields(schema_file.schema):
        for check in FIELD_CHECKS:
            yield from check(ref)


def check_containers(schema_file: SchemaFile) -> Iterator[Finding]:
    """A field holding records is at least as sensitive as each of its nested fields."""
    classes = {
        path: c for path, c in field_classifications(schema_file.schema).items() if c in RANK
    }
    strictest: dict[str, str] = {}  # container path → its most sensitive child's path
    for path, classification in classes.items():
        parent = path.rpartition(".")[0]
        if parent not in classes:
            continue
        if parent not in strictest or RANK[classification] > RANK[classes[strictest[parent]]]:
            strictest[parent] = path
    for parent, child in strictest.items():
        if RANK[classes[parent]] < RANK[classes[child]]:
            yield Finding(
                parent,
                "container-classification",
                f"{parent!r} is {classes[parent]!r} but holds {child!r} classified "
                f"{classes[child]!r}; classify the container at least as strictly.",
            )


def _doc(ref: FieldRef) -> Iterator[Finding]:
    if not _has_doc(ref.field):
        yield Finding(
            ref.path, "missing-doc", "field has no doc; say what it means, its unit and format."
        )


def _classification(ref: FieldRef) -> Iterator[Finding]:
    classification = ref.field.get(CLASSIFICATION_KEY)
    allowed = ", ".join(sorted(CLASSIFICATIONS))
    if classification is None:
        yield Finding(
            ref.path,
            "missing-classification",
            f'field has no "{CLASSIFICATION_KEY}"; add one of: {allowed}.',
        )
    elif classification not in CLASSIFICATIONS:
        yield Finding(
            ref.path,
            "unknown-classification",
            f"classification {classification!r} is not known; use one of: {allowed}.",
        )


def _field_name(ref: FieldRef) -> Iterator[Finding]:
    if not FIELD_NAME.match(ref.name):
        yield Finding(
            ref.path,
            "field-name",
            f"field name {ref.name!r} is not lowerCamelCase; follow the Haal Centraal/BAG name.",
        )


def _bsn(ref: FieldRef) -> Iterator[Finding]:
    classification = ref.field.get(CLASSIFICATION_KEY)
    if classification not in CLASSIFICATIONS:
        return
    is_bsn_name = BSN_NAME.search(ref.name) is not None
    if is_bsn_name and classification != "bsn":
        yield Finding(
            ref.path,
            "bsn-field-classified",
            f"{ref.name!r} holds a BSN or A-nummer but is classified {classification!r}; "
            'classify it "bsn".',
        )
    if classification == "bsn" and not is_bsn_name:
        yield Finding(
            ref.path,
            "bsn-classification",
            f'"bsn" is only for burgerservicenummer/aNummer fields, not {ref.name!r}; '
            "pick the class that fits its content.",
        )


def _optional_default(ref: FieldRef) -> Iterator[Finding]:
    type_ = ref.type
    if not isinstance(type_, list) or "null" not in type_:
        return
    if type_[0] != "null":
        yield Finding(
            ref.path,
            "optional-default",
            'an optional field lists "null" first: ["null", T] with "default": null.',
        )
    elif "default" not in ref.field or ref.field["default"] is not None:
        yield Finding(
            ref.path,
            "optional-default",
            'an optional ["null", T] field needs "default": null so readers can skip it.',
        )


def _persoon_id(ref: FieldRef) -> Iterator[Finding]:
    if ref.name != "persoonId":
        return
    branches = _non_null(ref.type)
    uuid_typed = len(branches) == 1 and _logical(branches[0]) == ("string", "uuid")
    if not uuid_typed or ref.field.get(CLASSIFICATION_KEY) != "pseudoniem":
        yield Finding(
            ref.path,
            "persoon-id",
            'persoonId must be {"type": "string", "logicalType": "uuid"} (or ["null", that]) '
            'classified "pseudoniem".',
        )


def _temporal_type(ref: FieldRef) -> Iterator[Finding]:
    if "datum" in ref.name.lower():
        expected = "date"
    elif ref.name.startswith("tijdstip"):
        expected = "timestamp-millis"
    else:
        return
    base = "int" if expected == "date" else "long"
    if [_logical(branch) for branch in _non_null(ref.type)] != [(base, expected)]:
        yield Finding(
            ref.path,
            "temporal-type",
            f"{ref.name!r} is a {'date' if expected == 'date' else 'moment'}; type it "
            f'{{"type": "{base}", "logicalType": "{expected}"}}.',
        )


FIELD_CHECKS: tuple[Callable[[FieldRef], Iterable[Finding]], ...] = (
    _doc,
    _classification,
    _field_name,
    _bsn,
    _optional_default,
    _persoon_id,
    _temporal_type,
)
CHECKS: tuple[Check, ...] = (
    check_avro,
    check_top_level,
    check_named_types,
    check_fields,
    check_containers,
)


def _entity_id_first(registry: str, fields: list[dict[str, Any]]) -> Iterator[Finding]:
    if not fields:
        yield Finding("", "entity-id-first", "the event has no fields; start with its entity id.")
        return
    first = fields[0]
    name = str(first.get("name", ""))
    if registry == "brp":
        ok = name == "persoonId"
        wanted = "persons are keyed by persoonId"
    else:
        ok = ENTITY_ID_NAME.match(name) is not None and not BSN_NAME.search(name)
        wanted = "an id such as identificatie, wozObjectnummer, appId (never a BSN)"
    if not ok or "null" in _branches(first.get("type")):
        yield Finding(
            name,
            "entity-id-first",
            f"the first field is {name!r}; it must be the event's non-null entity id ({wanted}).",
        )


def _enum_symbols(node: TypeNode) -> Iterator[Finding]:
    symbols = node.schema.get("symbols")
    symbols = [s for s in symbols if isinstance(s, str)] if isinstance(symbols, list) else []
    for symbol in symbols:
        if not ENUM_SYMBOL.match(symbol):
            yield Finding(
                node.path,
                "enum-symbol",
                f"enum {node.fullname!r} symbol {symbol!r} is not lower snake_case.",
            )
    if UNKNOWN_SYMBOL in symbols and "default" not in node.schema:
        yield Finding(
            node.path,
            "enum-default",
            f"enum {node.fullname!r} has {UNKNOWN_SYMBOL!r}; make it the default so readers "
            "can read symbols added later.",
        )


def _duplicates(
    files: list[SchemaFile], rule: str, key: Callable[[SchemaFile], str]
) -> list[LintProblem]:
    groups: defaultdict[str, list[SchemaFile]] = defaultdict(list)
    for schema_file in files:
        groups[key(schema_file)].append(schema_file)
    return [
        LintProblem(
            _label(schema_file),
            "",
            rule,
            f"{value!r} is also used by "
            + ", ".join(_label(other) for other in group if other is not schema_file)
            + "; rename one of them.",
        )
        for value, group in groups.items()
        if len(group) > 1
        for schema_file in group
    ]


def _has_doc(node: dict[str, Any]) -> bool:
    doc = node.get("doc")
    return isinstance(doc, str) and doc.strip() != ""


def _branches(type_: Any) -> list[Any]:
    return type_ if isinstance(type_, list) else [type_]


def _non_null(type_: Any) -> list[Any]:
    return [branch for branch in _branches(type_) if branch != "null"]


def _logical(type_: Any) -> tuple[Any, Any]:
    """(base type, logical type) of an inline type; a bare name has no logical type."""
    if isinstance(type_, dict):
        return type_.get("type"), type_.get("logicalType")
    return type_, None


def _label(schema_file: SchemaFile) -> str:
    if schema_file.path.is_relative_to(PROJECT_ROOT):
        return str(schema_file.path.relative_to(PROJECT_ROOT))
    return str(schema_file.path)
