"""Avro schema compatibility for the schema registry: parsing and validating a schema, and the
Confluent compatibility levels built on the pairwise reader/writer check in `resolution`.

Levels (Confluent semantics; `existing` is ordered oldest to newest):
BACKWARD: the new schema reads data written with the latest; FORWARD: the latest reads data
written with the new; FULL: both; *_TRANSITIVE: the same against every existing version;
NONE: always compatible. With no existing versions everything is compatible.

Paths in `Incompatibility.path` use the reader's field names: "/" is the root, "/naam/voorvoegsel"
a nested field, "[]" array items and "{}" map values ("/adressen[]/huisnummer").

`parse_schema` adds what `avro.schema.parse` leaves out: field names and aliases are checked
against the Avro name rules, defaults are checked against their field's type (a union default
may match any branch, per Avro 1.12), and protocol-only types are rejected. Unknown or invalid
logical types are ignored (the spec: use the underlying type), without a warning.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import avro.errors
import avro.schema
from avro.schema import (
    ArraySchema,
    EnumSchema,
    ErrorUnionSchema,
    FixedSchema,
    MapSchema,
    NamedSchema,
    RecordSchema,
    Schema,
    UnionSchema,
)

from bron.contracts.resolution import Incompatibility, Sides, check_pair

__all__ = [
    "Incompatibility",
    "InvalidSchema",
    "Level",
    "ParsedSchema",
    "check_compatibility",
    "parse_schema",
    "reader_can_read",
    "valid_default",
]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_INT_RANGE = {"int": 2**31, "long": 2**63}


class Level(StrEnum):
    NONE = "NONE"
    BACKWARD = "BACKWARD"
    BACKWARD_TRANSITIVE = "BACKWARD_TRANSITIVE"
    FORWARD = "FORWARD"
    FORWARD_TRANSITIVE = "FORWARD_TRANSITIVE"
    FULL = "FULL"
    FULL_TRANSITIVE = "FULL_TRANSITIVE"

    @property
    def backward(self) -> bool:
        return self in (
            Level.BACKWARD,
            Level.BACKWARD_TRANSITIVE,
            Level.FULL,
            Level.FULL_TRANSITIVE,
        )

    @property
    def forward(self) -> bool:
        return self in (Level.FORWARD, Level.FORWARD_TRANSITIVE, Level.FULL, Level.FULL_TRANSITIVE)

    @property
    def transitive(self) -> bool:
        return self.value.endswith("_TRANSITIVE")


class InvalidSchema(ValueError):
    """The text is not JSON, or not a valid Avro schema; the message says why."""


@dataclass(frozen=True, slots=True, eq=False)
class ParsedSchema:
    """A validated Avro schema. Two schemas are the same when their `canonical` texts are."""

    raw: Any  # the parsed JSON value
    canonical: str  # compact JSON, sorted keys; keeps doc and custom properties
    fingerprint: str  # sha256 of `canonical`, hex
    schema: Schema = field(repr=False)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParsedSchema) and other.canonical == self.canonical

    def __hash__(self) -> int:
        return hash(self.canonical)


def parse_schema(text: str) -> ParsedSchema:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidSchema(
            f"schema is not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})"
        ) from e
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", avro.errors.IgnoredLogicalType)
            schema = avro.schema.make_avsc_object(raw)
    except (avro.errors.AvroException, TypeError, ValueError, AttributeError, KeyError) as e:
        raise InvalidSchema(f"invalid Avro schema: {e}") from e
    _Validator().check(schema, "/")
    canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    try:
        fingerprint = hashlib.sha256(canonical.encode()).hexdigest()
    except UnicodeEncodeError as e:
        raise InvalidSchema("schema text contains an unpaired surrogate (\\ud800-\\udfff)") from e
    return ParsedSchema(raw, canonical, fingerprint, schema)


def reader_can_read(reader: ParsedSchema, writer: ParsedSchema) -> list[Incompatibility]:
    """Avro schema resolution: every reason `reader` cannot read `writer`'s data (empty: it can)."""
    return check_pair(reader.schema, writer.schema)


def check_compatibility(
    new: ParsedSchema,
    existing: Sequence[ParsedSchema],
    level: Level,
    *,
    versions: Sequence[int] | None = None,
) -> list[Incompatibility]:
    """Check `new` against `existing` (oldest to newest) at `level`; empty: compatible.
    `versions`, when given, are the version numbers of `existing`, used in the messages."""
    level = Level(level)
    if level is Level.NONE or not existing:
        return []
    if versions is not None and len(versions) != len(existing):
        raise ValueError("versions must give one number per existing schema")
    indexes = range(len(existing)) if level.transitive else [len(existing) - 1]
    found: list[Incompatibility] = []
    for i in indexes:
        if versions is not None:
            label = f"version {versions[i]}"
        elif i == len(existing) - 1:
            label = "the latest version"
        else:
            label = f"existing version {i + 1} of {len(existing)}"
        old = existing[i]
        if level.backward:
            sides = Sides("the new schema", label, "reader", f"new reads old ({label})")
            found += check_pair(new.schema, old.schema, sides)
        if level.forward:
            sides = Sides(label, "the new schema", "writer", f"old reads new ({label})")
            found += check_pair(old.schema, new.schema, sides)
    return found


def _invalid(path: str, problem: str) -> InvalidSchema:
    where = "at the root" if path == "/" else f"at '{path}'"
    return InvalidSchema(f"invalid Avro schema {where}: {problem}")


class _Validator:
    """Checks avro.schema leaves out; walks each named type once (they may recurse)."""

    def __init__(self) -> None:
        self._seen: set[int] = set()

    def check(self, schema: Schema, path: str) -> None:
        if schema.type not in _KINDS or isinstance(schema, ErrorUnionSchema):
            raise _invalid(path, f"type '{schema.type}' is only allowed in Avro protocols")
        if isinstance(schema, EnumSchema) and not isinstance(schema.symbols, list):
            raise _invalid(path, "enum symbols must be a list of strings")
        if isinstance(schema, FixedSchema) and isinstance(schema.size, bool):
            raise _invalid(path, "fixed size must be a positive integer")
        if isinstance(schema, NamedSchema):
            if id(schema) in self._seen:
                return
            self._seen.add(id(schema))
            self._check_aliases(schema.props.get("aliases"), path, qualified=True)
        if isinstance(schema, UnionSchema):
            for branch in schema.schemas:
                self.check(branch, path)
        elif isinstance(schema, ArraySchema):
            self.check(schema.items, f"{path.rstrip('/') or '/'}[]")
        elif isinstance(schema, MapSchema):
            self.check(schema.values, f"{path.rstrip('/') or '/'}{{}}")
        elif isinstance(schema, RecordSchema):
            for f in schema.fields:
                here = f"{path.rstrip('/')}/{f.name}"
                if not _NAME.match(f.name):
                    raise _invalid(here, f"field name '{f.name}' is not a valid Avro name")
                self._check_aliases(f.props.get("aliases"), here, qualified=False)
                if f.has_default and not valid_default(f.type, f.default):
                    raise _invalid(
                        here,
                        f"default {json.dumps(f.default)} is not a valid value of the "
                        f"field's type (for a union: of one of its branches)",
                    )
                self.check(f.type, here)

    @staticmethod
    def _check_aliases(aliases: object, path: str, *, qualified: bool) -> None:
        if aliases is None:
            return
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise _invalid(path, '"aliases" must be a list of strings')
        for alias in aliases:
            parts = alias.split(".") if qualified else [alias]
            if not all(_NAME.match(p) for p in parts):
                raise _invalid(path, f"alias '{alias}' is not a valid Avro name")


_KINDS = frozenset(
    {"null", "boolean", "int", "long", "float", "double", "bytes", "string"}
    | {"record", "error", "enum", "fixed", "array", "map", "union"}
)


def valid_default(schema: Schema, value: object) -> bool:
    """Is `value` (JSON) a valid default for `schema`, per the spec's table of defaults?"""
    t = schema.type
    if isinstance(schema, UnionSchema):
        return any(valid_default(b, value) for b in schema.schemas)
    if t == "null":
        return value is None
    if t == "boolean":
        return isinstance(value, bool)
    if t in _INT_RANGE:
        limit = _INT_RANGE[t]
        return isinstance(value, int) and not isinstance(value, bool) and -limit <= value < limit
    if t in ("float", "double"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if t == "string":
        return isinstance(value, str)
    if t in ("bytes", "fixed"):
        size = schema.size if isinstance(schema, FixedSchema) else None
        return (
            isinstance(value, str)
            and (size is None or len(value) == size)
            and all(ord(c) < 256 for c in value)
        )
    if isinstance(schema, EnumSchema):
        return isinstance(value, str) and value in schema.symbols
    if isinstance(schema, ArraySchema):
        return isinstance(value, list) and all(valid_default(schema.items, v) for v in value)
    if isinstance(schema, MapSchema):
        return isinstance(value, dict) and all(
            valid_default(schema.values, v) for v in value.values()
        )
    if isinstance(schema, RecordSchema):
        return isinstance(value, dict) and all(
            valid_default(f.type, value[f.name]) if f.name in value else f.has_default
            for f in schema.fields
        )
    return False
