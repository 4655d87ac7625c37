"""The Avro contracts on disk: one self-contained `.avsc` per event type, in
`schemas/avro/<registry>/<event-kebab-name>.avsc`, and walkers over their fields and named types.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bron.errors import BronError
from bron.settings import PROJECT_ROOT

SCHEMAS_DIR = PROJECT_ROOT / "schemas" / "avro"
CLASSIFICATION_KEY = "bron.classification"
CLASSIFICATIONS = frozenset(
    {"openbaar", "intern", "pseudoniem", "persoonsgegeven", "bijzonder-persoonsgegeven", "bsn"}
)
PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
NAMED_KINDS = frozenset({"record", "error", "enum", "fixed"})
RECORD_KINDS = frozenset({"record", "error"})


class SchemaFileError(BronError):
    """A `.avsc` file is not a JSON object."""


@dataclass(frozen=True, slots=True)
class SchemaFile:
    path: Path
    registry: str
    name: str
    namespace: str
    subject: str
    event_type: str
    schema: dict[str, Any]
    text: str


@dataclass(frozen=True, slots=True)
class TypeNode:
    """A named type defined inline, with the field path where it is defined ("" for the top)."""

    path: str
    schema: dict[str, Any]
    fullname: str
    namespace: str

    @property
    def kind(self) -> str:
        return str(self.schema.get("type"))


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A field of a (nested) record, at its dotted path."""

    path: str
    field: dict[str, Any]
    namespace: str

    @property
    def name(self) -> str:
        return str(self.field.get("name", ""))

    @property
    def type(self) -> Any:
        return self.field.get("type")


def record_name_for(stem: str) -> str:
    """`persoon-verhuisd` → `PersoonVerhuisd`."""
    return "".join(part[:1].upper() + part[1:] for part in stem.split("-"))


def load_schema_file(path: Path) -> SchemaFile:
    text = path.read_text(encoding="utf-8")
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaFileError(
            f"{path}: not valid JSON ({exc})", suggestion="fix the JSON syntax at that position"
        ) from exc
    if not isinstance(schema, dict):
        raise SchemaFileError(
            f"{path}: the top level is not a JSON object",
            suggestion='write the event as {"type": "record", ...}',
        )
    fullname, namespace = qualify(schema, "")
    name = fullname.rsplit(".", 1)[-1]
    registry = path.parent.name
    return SchemaFile(
        path=path,
        registry=registry,
        name=name,
        namespace=namespace,
        subject=fullname,
        event_type=f"nl.{registry}.{path.stem}.v1",
        schema=schema,
        text=text,
    )


def load_schema_files(root: Path = SCHEMAS_DIR) -> list[SchemaFile]:
    return [load_schema_file(path) for path in sorted(root.glob("*/*.avsc"))]


def field_classifications(schema: dict[str, Any]) -> dict[str, str]:
    """Dotted field path → `bron.classification`, for every field that has one."""
    found: dict[str, str] = {}
    for ref in iter_fields(schema):
        classification = ref.field.get(CLASSIFICATION_KEY)
        if isinstance(classification, str):
            found[ref.path] = classification
    return found


def qualify(definition: Mapping[str, Any], enclosing_namespace: str) -> tuple[str, str]:
    """The full name of a named type and the namespace it sets for the names inside it."""
    name = str(definition.get("name", ""))
    if "." in name:
        return name, name.rsplit(".", 1)[0]
    namespace = definition.get("namespace", enclosing_namespace)
    namespace = namespace if isinstance(namespace, str) else enclosing_namespace
    return (f"{namespace}.{name}" if namespace else name), namespace


def resolve(reference: str, namespace: str, names: Mapping[str, TypeNode]) -> TypeNode | None:
    """The named type a type reference points to (Avro name resolution), if defined."""
    if "." in reference:
        return names.get(reference)
    if namespace and f"{namespace}.{reference}" in names:
        return names[f"{namespace}.{reference}"]
    return names.get(reference)


def record_fields(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    fields = record.get("fields")
    if not isinstance(fields, list):
        return []
    return [field for field in fields if isinstance(field, dict)]


def join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def iter_named_types(schema: Any) -> Iterator[TypeNode]:
    """Every record, enum and fixed defined inline, in document order (references not followed)."""
    yield from _definitions(schema, "", "")


def named_types(schema: Any) -> dict[str, TypeNode]:
    return {node.fullname: node for node in iter_named_types(schema)}


def iter_fields(schema: dict[str, Any]) -> Iterator[FieldRef]:
    """Every field, depth first, through nested records, arrays, maps, unions and references.

    A record that contains itself is expanded once per path, so recursive schemas terminate.
    """
    names = named_types(schema)
    top = names.get(qualify(schema, "")[0])
    if top is None or top.kind not in RECORD_KINDS:
        return
    yield from _walk_record(top, "", names, frozenset({top.fullname}))


def record_types(type_: Any, namespace: str, names: Mapping[str, TypeNode]) -> list[TypeNode]:
    """The records a type holds directly: itself, array items, map values, union branches."""
    if isinstance(type_, list):
        return [node for branch in type_ for node in record_types(branch, namespace, names)]
    if isinstance(type_, str):
        node = None if type_ in PRIMITIVES else resolve(type_, namespace, names)
        return [node] if node is not None and node.kind in RECORD_KINDS else []
    if not isinstance(type_, dict):
        return []
    kind = type_.get("type")
    if kind in RECORD_KINDS:
        node = names.get(qualify(type_, namespace)[0])
        return [node] if node is not None else []
    if kind == "array":
        return record_types(type_.get("items"), namespace, names)
    if kind == "map":
        return record_types(type_.get("values"), namespace, names)
    if isinstance(kind, dict | list):
        return record_types(kind, namespace, names)
    return []


def _walk_record(
    record: TypeNode, prefix: str, names: Mapping[str, TypeNode], ancestors: frozenset[str]
) -> Iterator[FieldRef]:
    for field in record_fields(record.schema):
        ref = FieldRef(join(prefix, str(field.get("name", ""))), field, record.namespace)
        yield ref
        for nested in record_types(ref.type, record.namespace, names):
            if nested.fullname not in ancestors:
                yield from _walk_record(nested, ref.path, names, ancestors | {nested.fullname})


def _definitions(type_: Any, path: str, namespace: str) -> Iterator[TypeNode]:
    if isinstance(type_, list):
        for branch in type_:
            yield from _definitions(branch, path, namespace)
        return
    if not isinstance(type_, dict):
        return
    kind = type_.get("type")
    if kind in NAMED_KINDS:
        fullname, inner_namespace = qualify(type_, namespace)
        yield TypeNode(path, type_, fullname, inner_namespace)
        for field in record_fields(type_) if kind in RECORD_KINDS else []:
            field_path = join(path, str(field.get("name", "")))
            yield from _definitions(field.get("type"), field_path, inner_namespace)
    elif kind == "array":
        yield from _definitions(type_.get("items"), path, namespace)
    elif kind == "map":
        yield from _definitions(type_.get("values"), path, namespace)
    elif isinstance(kind, dict | list):
        yield from _definitions(kind, path, namespace)
