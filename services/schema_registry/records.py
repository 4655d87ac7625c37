"""The `_schemas` topic's keys and values, in the layout of Confluent's and Karapace's servers.

Keys are JSON objects with a `keytype`; a null value is a hard delete. One extra key type,
`SCHEMA_ID_FLOOR`, remembers the highest id ever given, so that a hard delete followed by
compaction can never make an id reusable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Record:
    key: Json
    value: Json | None

    def encode(self) -> tuple[bytes, bytes | None]:
        key = json.dumps(self.key, separators=(",", ":")).encode()
        value = None if self.value is None else json.dumps(self.value, separators=(",", ":"))
        return key, None if value is None else value.encode()


def decode(key: bytes | None, value: bytes | None) -> Record | None:
    """The record, or None for anything that is not a registry record (skipped, not fatal)."""
    if key is None:
        return None
    try:
        parsed_key = json.loads(key)
        parsed_value = None if value is None else json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(parsed_key, dict) or not isinstance(parsed_value, dict | None):
        return None
    return Record(parsed_key, parsed_value)


def schema(subject: str, version: int, schema_id: int, text: str, deleted: bool) -> Record:
    return Record(
        {"keytype": "SCHEMA", "subject": subject, "version": version, "magic": 1},
        {
            "subject": subject,
            "version": version,
            "id": schema_id,
            "schema": text,
            "deleted": deleted,
        },
    )


def schema_tombstone(subject: str, version: int) -> Record:
    return Record({"keytype": "SCHEMA", "subject": subject, "version": version, "magic": 1}, None)


def config(subject: str | None, level: str | None) -> Record:
    key = {"keytype": "CONFIG", "subject": subject, "magic": 0}
    return Record(key, None if level is None else {"compatibilityLevel": level})


def mode(subject: str | None, value: str | None) -> Record:
    key = {"keytype": "MODE", "subject": subject, "magic": 0}
    return Record(key, None if value is None else {"mode": value})


def delete_subject(subject: str, version: int) -> Record:
    return Record(
        {"keytype": "DELETE_SUBJECT", "subject": subject, "magic": 0},
        {"subject": subject, "version": version},
    )


def id_floor(schema_id: int) -> Record:
    return Record({"keytype": "SCHEMA_ID_FLOOR", "magic": 0}, {"id": schema_id})
