"""What the catalog shows, as plain data: `gather` fills it from the running components,
`render` turns it into pages. None of these types has a place for personal data: no record
values, no keys, no contact addresses."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Unavailable:
    """A component that did not answer, and why (a reason without data: a type or an error
    name, a URL)."""

    component: str
    reason: str


# -- topics ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BrokerTopics:
    """What the broker says about its topics: partitions, configs, records (the sum over the
    partitions of high minus low watermark)."""

    partitions: dict[str, int]
    configs: dict[str, dict[str, str]]
    messages: dict[str, int]


# -- schemas ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldInfo:
    path: str
    type: str
    classification: str | None
    doc: str | None


@dataclass(frozen=True, slots=True)
class SubjectInfo:
    """A subject: its versions and level as the registry has them (None when it was not
    asked or did not answer), the fields of its latest version (from the registry, else from
    the file: `source`)."""

    subject: str
    versions: tuple[int, ...] | None
    level: str | None
    latest_id: int | None
    source: str  # "register" or "bestand"
    file: str | None  # the .avsc, relative to the project
    event_type: str | None
    doc: str | None
    fields: tuple[FieldInfo, ...]
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Schemas:
    registry_url: str
    subjects: tuple[SubjectInfo, ...]
    registry: Unavailable | None = None  # set when the registry did not answer
    global_level: str | None = None


# -- apps and conformance --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Finding:
    """One violation of a conformance report (`bron.apps.conformance.Violation`)."""

    rule: str
    where: str
    path: str | None
    doel: str | None
    message: str
    fix: str


@dataclass(frozen=True, slots=True)
class Conformance:
    """A registered manifest (policy/apps.yaml) checked against the current contracts;
    `error`: why it could not be checked."""

    app_id: str
    manifest: str
    versie: str | None
    findings: tuple[Finding, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.findings


# -- dead letters ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeadLetterRow:
    """A dead letter's metadata: where the original message was, why it failed. The original
    key, value and headers are never read into it (only the CloudEvents type of the original
    message). `unreadable`: why the record could not be decoded (then only `partition`,
    `offset` and `timestamp` of the dead letter itself are known)."""

    partition: int
    offset: int
    timestamp: datetime | None
    topic: str | None = None
    source_partition: int | None = None
    source_offset: int | None = None
    reason: str | None = None
    error_type: str | None = None
    event_type: str | None = None
    attempts: int | None = None
    consumer_group: str | None = None
    unreadable: str | None = None


@dataclass(frozen=True, slots=True)
class DeadLetters:
    topic: str
    total: int  # records on the topic now
    rows: tuple[DeadLetterRow, ...] = field(default_factory=tuple)  # newest first
