"""Two versions of a schema, field by field (pure): what a data steward reviews."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bron.contracts.schemafiles import CLASSIFICATION_KEY, iter_fields

_MISSING = object()


@dataclass(frozen=True, slots=True)
class FieldChange:
    path: str
    change: str  # added | removed | type | default | doc | classification
    old: str
    new: str


def type_summary(type_: Any) -> str:
    """A short readable type: `string`, `int(date)`, `null|Naam`, `array<Partner>`."""
    if isinstance(type_, list):
        return "|".join(type_summary(t) for t in type_)
    if isinstance(type_, str):
        return type_.rsplit(".", 1)[-1]
    if not isinstance(type_, dict):
        return str(type_)
    kind = type_.get("type")
    if kind in ("record", "error", "enum", "fixed"):
        return str(type_.get("name", kind))
    if kind == "array":
        return f"array<{type_summary(type_.get('items'))}>"
    if kind == "map":
        return f"map<{type_summary(type_.get('values'))}>"
    logical = type_.get("logicalType")
    base = type_summary(kind)
    return f"{base}({logical})" if logical else base


def field_table(schema: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Every field path with its type, default, classification and doc."""
    table: dict[str, dict[str, str]] = {}
    for ref in iter_fields(schema):
        default = ref.field.get("default", _MISSING)
        table[ref.path] = {
            "type": type_summary(ref.type),
            "default": "—" if default is _MISSING else json.dumps(default),
            "classification": str(ref.field.get(CLASSIFICATION_KEY, "—")),
            "doc": str(ref.field.get("doc", "")),
        }
    return table


def diff_fields(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    before, after = field_table(old), field_table(new)
    changes: list[FieldChange] = []
    for path in sorted(before.keys() | after.keys()):
        if path not in before:
            changes.append(FieldChange(path, "added", "", after[path]["type"]))
        elif path not in after:
            changes.append(FieldChange(path, "removed", before[path]["type"], ""))
        else:
            for aspect in ("type", "default", "classification", "doc"):
                if before[path][aspect] != after[path][aspect]:
                    changes.append(
                        FieldChange(path, aspect, before[path][aspect], after[path][aspect])
                    )
    return changes
