"""The registry's state, rebuilt by folding the `_schemas` records in log order (pure)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from services.schema_registry.records import Record

DEFAULT_LEVEL = "BACKWARD"
DEFAULT_MODE = "READWRITE"


def canonical(schema_text: str) -> str:
    """Identity of a schema: its JSON with sorted keys and no whitespace (docs and custom
    properties count, so a changed `doc` or classification is a new version)."""
    return json.dumps(json.loads(schema_text), sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True, slots=True)
class SchemaVersion:
    subject: str
    version: int
    schema_id: int
    schema: str
    deleted: bool


@dataclass(slots=True)
class State:
    versions: dict[str, dict[int, SchemaVersion]] = field(default_factory=dict)
    schemas: dict[int, str] = field(default_factory=dict)
    ids_by_canonical: dict[str, int] = field(default_factory=dict)
    configs: dict[str | None, str] = field(default_factory=dict)
    modes: dict[str | None, str] = field(default_factory=dict)
    max_id: int = 0
    offset: int = -1  # the last `_schemas` offset applied

    # -- reads -----------------------------------------------------------------------------

    def subjects(self, include_deleted: bool = False) -> list[str]:
        return sorted(
            s for s, vs in self.versions.items() if vs and (include_deleted or self.live(s))
        )

    def live(self, subject: str) -> list[SchemaVersion]:
        """The subject's versions that are not soft-deleted, oldest first."""
        versions = self.versions.get(subject, {})
        return [versions[v] for v in sorted(versions) if not versions[v].deleted]

    def all_versions(self, subject: str) -> list[SchemaVersion]:
        versions = self.versions.get(subject, {})
        return [versions[v] for v in sorted(versions)]

    def level(self, subject: str | None) -> str:
        if subject is not None and subject in self.configs:
            return self.configs[subject]
        return self.configs.get(None, DEFAULT_LEVEL)

    def config_for(self, subject: str | None) -> str | None:
        """The subject's own level, without falling back to the global one."""
        return self.configs.get(subject)

    def mode(self, subject: str | None) -> str:
        if subject is not None and subject in self.modes:
            return self.modes[subject]
        return self.modes.get(None, DEFAULT_MODE)

    def find(self, subject: str, text: str, include_deleted: bool = False) -> SchemaVersion | None:
        wanted = canonical(text)
        candidates = self.all_versions(subject) if include_deleted else self.live(subject)
        for version in reversed(candidates):
            if canonical(version.schema) == wanted:
                return version
        return None

    def next_version(self, subject: str) -> int:
        return max(self.versions.get(subject, {}), default=0) + 1


def apply(state: State, record: Record, offset: int) -> None:
    """Fold one record into the state. Unknown key types are skipped (forward compatible)."""
    state.offset = max(state.offset, offset)
    keytype = record.key.get("keytype")
    subject = record.key.get("subject")
    value = record.value
    if keytype == "SCHEMA" and isinstance(subject, str):
        version = int(record.key["version"])
        if value is None:
            state.versions.get(subject, {}).pop(version, None)
            return
        schema_id = int(value["id"])
        text = str(value["schema"])
        state.versions.setdefault(subject, {})[version] = SchemaVersion(
            subject, version, schema_id, text, bool(value.get("deleted", False))
        )
        state.schemas.setdefault(schema_id, text)
        state.ids_by_canonical.setdefault(canonical(text), schema_id)
        state.max_id = max(state.max_id, schema_id)
    elif keytype == "CONFIG":
        if value is None:
            state.configs.pop(subject, None)
        else:
            state.configs[subject] = str(value["compatibilityLevel"])
    elif keytype == "MODE":
        if value is None:
            state.modes.pop(subject, None)
        else:
            state.modes[subject] = str(value["mode"])
    elif keytype == "DELETE_SUBJECT" and isinstance(subject, str) and value is not None:
        upto = int(value.get("version", 2**31))
        versions = state.versions.get(subject, {})
        for number, sv in list(versions.items()):
            if number <= upto:
                versions[number] = SchemaVersion(sv.subject, number, sv.schema_id, sv.schema, True)
    elif keytype == "SCHEMA_ID_FLOOR" and value is not None:
        state.max_id = max(state.max_id, int(value["id"]))
