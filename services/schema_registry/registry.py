"""What the registry does, on top of a `Store`: the rules of the Confluent API, without HTTP."""

from __future__ import annotations

import json
from dataclasses import dataclass

from bron.contracts.compatibility import (
    InvalidSchema,
    Level,
    ParsedSchema,
    check_compatibility,
    parse_schema,
)
from services.schema_registry import errors, records
from services.schema_registry.records import Record
from services.schema_registry.state import SchemaVersion, State, canonical
from services.schema_registry.store import Store

MODES = ("READWRITE", "READONLY")  # IMPORT (writing given ids) is not supported
MAX_VERSION = 2**31 - 1


@dataclass(frozen=True, slots=True)
class CompatibilityResult:
    is_compatible: bool
    messages: list[str]


def parse_level(value: object) -> Level:
    if isinstance(value, str) and value.upper() in Level.__members__:
        return Level(value.upper())
    raise errors.invalid_compatibility_level(value)


def check_subject(subject: str) -> str:
    if not subject or len(subject) > 255 or not subject.isprintable():
        raise errors.invalid_subject(subject)
    return subject


def parse_version(value: str) -> int | str:
    """A version number, or 'latest' (also spelled -1)."""
    if value in ("latest", "-1"):
        return "latest"
    if value.isdigit() and 1 <= int(value) <= MAX_VERSION:
        return int(value)
    raise errors.invalid_version(value)


class Registry:
    def __init__(self, store: Store, max_schema_bytes: int) -> None:
        self.store = store
        self.max_schema_bytes = max_schema_bytes
        self._parsed: dict[str, ParsedSchema] = {}

    # -- schemas ---------------------------------------------------------------------------

    def parse(self, text: object, schema_type: object = None) -> ParsedSchema:
        if schema_type not in (None, "AVRO"):
            raise errors.invalid_schema(f"schemaType {schema_type!r}: only AVRO is supported")
        if not isinstance(text, str):
            raise errors.invalid_schema('the request needs "schema": a string of Avro JSON')
        size = len(text.encode())
        if size > self.max_schema_bytes:
            raise errors.invalid_schema(
                f"the schema is {size} bytes; the limit is {self.max_schema_bytes}"
            )
        try:
            return parse_schema(text)
        except InvalidSchema as exc:
            raise errors.invalid_schema(str(exc)) from None

    def _stored(self, text: str) -> ParsedSchema:
        """A registered schema, parsed once (they are immutable)."""
        parsed = self._parsed.get(text)
        if parsed is None:
            parsed = self._parsed[text] = self.parse(text)
        return parsed

    def register(self, subject: str, text: object, schema_type: object = None) -> int:
        check_subject(subject)
        parsed = self.parse(text, schema_type)
        compact = json.dumps(parsed.raw, separators=(",", ":"))

        def plan(state: State) -> tuple[list[Record], int]:
            if state.mode(subject) == "READONLY":
                raise errors.read_only(subject)
            existing = state.find(subject, compact)
            if existing is not None:
                return [], existing.schema_id
            live = state.live(subject)
            problems = check_compatibility(
                parsed,
                [self._stored(v.schema) for v in live],
                Level(state.level(subject)),
                versions=[v.version for v in live],
            )
            if problems:
                raise errors.incompatible([p.message for p in problems])
            schema_id = state.ids_by_canonical.get(canonical(compact)) or state.max_id + 1
            version = state.next_version(subject)
            return [records.schema(subject, version, schema_id, compact, False)], schema_id

        return self.store.write(plan)

    def lookup(self, subject: str, text: object, deleted: bool = False) -> SchemaVersion:
        parsed = self.parse(text)
        with self.store.reading() as state:
            if not state.all_versions(subject):
                raise errors.subject_not_found(subject)
            found = state.find(subject, json.dumps(parsed.raw), include_deleted=deleted)
        if found is None:
            raise errors.schema_not_found()
        return found

    def version(self, subject: str, version: str, deleted: bool = False) -> SchemaVersion:
        wanted = parse_version(version)
        with self.store.reading() as state:
            every = state.all_versions(subject)
            candidates = every if deleted else state.live(subject)
        if not every or (not candidates and wanted == "latest"):
            raise errors.subject_not_found(subject)
        if wanted == "latest":
            return candidates[-1]
        for candidate in candidates:
            if candidate.version == wanted:
                return candidate
        raise errors.version_not_found(subject, wanted)

    def versions(self, subject: str, deleted: bool = False) -> list[int]:
        with self.store.reading() as state:
            found = state.all_versions(subject) if deleted else state.live(subject)
        if not found:
            raise errors.subject_not_found(subject)
        return [v.version for v in found]

    def schema_by_id(self, schema_id: int) -> str:
        with self.store.reading() as state:
            text = state.schemas.get(schema_id)
        if text is None:
            raise errors.schema_not_found(f"Schema {schema_id} not found")
        return text

    def subjects_of(self, schema_id: int, deleted: bool = False) -> list[SchemaVersion]:
        self.schema_by_id(schema_id)
        with self.store.reading() as state:
            return [
                v
                for subject in state.subjects(include_deleted=True)
                for v in (state.all_versions(subject) if deleted else state.live(subject))
                if v.schema_id == schema_id
            ]

    def subjects(self, deleted: bool = False) -> list[str]:
        with self.store.reading() as state:
            return state.subjects(include_deleted=deleted)

    # -- deletes ---------------------------------------------------------------------------

    def delete_subject(self, subject: str, permanent: bool) -> list[int]:
        def plan(state: State) -> tuple[list[Record], list[int]]:
            every = _existing_writable(state, subject)
            live = state.live(subject)
            if not permanent:
                if not live:
                    raise errors.subject_soft_deleted(subject)
                return [records.delete_subject(subject, live[-1].version)], [
                    v.version for v in live
                ]
            if live:
                raise errors.subject_not_soft_deleted(subject)
            out = [records.schema_tombstone(subject, v.version) for v in every]
            if state.config_for(subject) is not None:
                out.append(records.config(subject, None))
            return _with_id_floor(state, every, out), [v.version for v in every]

        return self.store.write(plan)

    def delete_version(self, subject: str, version: str, permanent: bool) -> int:
        wanted = parse_version(version)

        def plan(state: State) -> tuple[list[Record], int]:
            every = _existing_writable(state, subject)
            live = state.live(subject)
            if wanted == "latest":
                target = (live or every)[-1] if (live or permanent) else None
            else:
                target = next((v for v in every if v.version == wanted), None)
            if target is None:
                raise errors.version_not_found(subject, wanted)
            if not permanent:
                if target.deleted:
                    raise errors.version_soft_deleted(subject, target.version)
                record = records.schema(
                    subject, target.version, target.schema_id, target.schema, True
                )
                return [record], target.version
            if not target.deleted:
                raise errors.version_not_soft_deleted(subject, target.version)
            tomb = [records.schema_tombstone(subject, target.version)]
            return _with_id_floor(state, [target], tomb), target.version

        return self.store.write(plan)

    # -- compatibility ---------------------------------------------------------------------

    def test_compatibility(
        self, subject: str, version: str | None, text: object
    ) -> CompatibilityResult:
        parsed = self.parse(text)
        with self.store.reading() as state:
            level = Level(state.level(subject))
            live = [v.schema for v in state.live(subject)]
        if version is None:
            existing = [self._stored(text) for text in live]
        else:
            existing = [self._stored(self.version(subject, version).schema)]
            if level is not Level.NONE:
                level = _non_transitive(level)
        problems = check_compatibility(parsed, existing, level)
        return CompatibilityResult(not problems, [p.message for p in problems])

    # -- config and mode -------------------------------------------------------------------

    def level(self, subject: str | None, default_to_global: bool = False) -> str:
        with self.store.reading() as state:
            own = state.config_for(subject) if subject is not None else state.level(None)
            fallback = state.level(None)
        if own is not None:
            return own
        if default_to_global:
            return fallback
        raise errors.subject_config_not_found(str(subject))

    def set_level(self, subject: str | None, level: object) -> str:
        parsed = parse_level(level)
        if subject is not None:
            check_subject(subject)

        def plan(state: State) -> tuple[list[Record], str]:
            return [records.config(subject, parsed.value)], parsed.value

        return self.store.write(plan)

    def delete_level(self, subject: str | None) -> str:
        def plan(state: State) -> tuple[list[Record], str]:
            previous = state.config_for(subject) if subject else state.level(None)
            if subject is not None and previous is None:
                raise errors.subject_config_not_found(subject)
            return [records.config(subject, None)], previous or state.level(None)

        return self.store.write(plan)

    def mode(self, subject: str | None) -> str:
        with self.store.reading() as state:
            return state.mode(subject)

    def set_mode(self, subject: str | None, mode: object) -> str:
        if not isinstance(mode, str) or mode.upper() not in MODES:
            raise errors.invalid_mode(mode)
        value = mode.upper()

        def plan(state: State) -> tuple[list[Record], str]:
            return [records.mode(subject, value)], value

        return self.store.write(plan)


def _existing_writable(state: State, subject: str) -> list[SchemaVersion]:
    """All versions of a subject that may be changed; refuses read-only and unknown ones."""
    if state.mode(subject) == "READONLY":
        raise errors.read_only(subject)
    every = state.all_versions(subject)
    if not every:
        raise errors.subject_not_found(subject)
    return every


def _non_transitive(level: Level) -> Level:
    return Level(level.value.removesuffix("_TRANSITIVE"))


def _with_id_floor(state: State, removed: list[SchemaVersion], out: list[Record]) -> list[Record]:
    """Before hard-deleting the version that holds the highest id, remember that id."""
    if any(v.schema_id == state.max_id for v in removed):
        return [records.id_floor(state.max_id), *out]
    return out
