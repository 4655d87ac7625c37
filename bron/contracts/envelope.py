"""The NL GOV CloudEvents profile in Kafka binary mode: attributes as `ce_*` headers.

The value is the data (Avro in the Confluent wire format), `content-type` carries
`datacontenttype`, the key is the entity's stable id. No attribute may carry personal data:
`subject` is set only for entities whose id is not about a person.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

SPECVERSION = "1.0"
AVRO = "application/avro"
_NAME = re.compile(r"^[a-z0-9]{1,20}$")
_SOURCE = re.compile(r"^urn:nld:oin:\d{20}:systeem:[A-Za-z0-9._-]+$")
_TYPE = re.compile(r"^[a-z0-9]+(\.[a-z0-9-]+)+\.v\d+$")
# a BSN has 9 digits, an A-nummer 10; BAG ids (16) and gemeentecodes (4) are not personal
_PERSONAL_NUMBER = re.compile(r"(?<!\d)\d{9,10}(?!\d)")

Headers = list[tuple[str, bytes]]
HeaderValue = str | bytes | None
AnyHeaders = Sequence[tuple[str, HeaderValue]] | Mapping[str, HeaderValue] | None


class EnvelopeError(ValueError):
    """An event that does not follow the profile. The reason names the attribute and the rule,
    never the value: it goes to dead letters and logs, and a wrong header may hold anything."""


@dataclass(frozen=True, slots=True)
class Attributes:
    source: str
    type: str
    sequence: int
    dataschema: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    subject: str | None = None
    dataref: str | None = None
    datacontenttype: str = AVRO

    def __post_init__(self) -> None:
        if not _matches(_SOURCE, self.source):
            raise EnvelopeError("ce_source is not urn:nld:oin:<OIN>:systeem:<name>")
        if not _matches(_TYPE, self.type):
            raise EnvelopeError("ce_type is not reverse-domain with a .v<N> suffix")
        if self.sequence < 1:
            raise EnvelopeError(f"sequence {self.sequence} must count up from 1")
        if self.time.tzinfo is None:
            raise EnvelopeError("time needs a time zone")
        if self.subject is not None and _looks_personal(self.subject):
            raise EnvelopeError("subject looks like a personal number; leave it out")


@lru_cache(maxsize=4096)
def _matches(pattern: re.Pattern[str], value: str) -> bool:
    """A worker reads the same few sources, types and header names millions of times: each is
    checked once (a bounded cache, so odd values cannot make it grow)."""
    return pattern.match(value) is not None


def _looks_personal(subject: str) -> bool:
    """A 9- or 10-digit run (BSN, A-nummer); a UUID is generated, so its digit runs are not."""
    try:
        uuid.UUID(subject)
    except ValueError:
        return _PERSONAL_NUMBER.search(subject) is not None
    return False


def to_headers(attributes: Attributes) -> Headers:
    headers: Headers = [
        ("ce_specversion", SPECVERSION.encode()),
        ("ce_id", attributes.id.encode()),
        ("ce_source", attributes.source.encode()),
        ("ce_type", attributes.type.encode()),
        ("ce_time", _rfc3339(attributes.time).encode()),
        ("ce_sequence", str(attributes.sequence).encode()),
        ("ce_sequencetype", b"Integer"),
        ("ce_dataschema", attributes.dataschema.encode()),
        ("content-type", attributes.datacontenttype.encode()),
    ]
    if attributes.subject is not None:
        headers.append(("ce_subject", attributes.subject.encode()))
    if attributes.dataref is not None:
        headers.append(("ce_dataref", attributes.dataref.encode()))
    return headers


def from_headers(headers: AnyHeaders) -> Attributes:
    """Read and check the attributes; an `EnvelopeError` names what is missing or wrong."""
    values: dict[str, str] = {}
    pairs = headers.items() if isinstance(headers, Mapping) else headers or []
    for name, raw in pairs:
        try:
            text = raw.decode() if isinstance(raw, bytes) else (raw or "")
        except UnicodeDecodeError:
            raise EnvelopeError(f"header {name} is not UTF-8") from None
        if name == "content-type":
            values["datacontenttype"] = text
        elif name.startswith("ce_"):
            attribute = name[3:]
            if not _matches(_NAME, attribute):
                raise EnvelopeError(
                    "a ce_ header's attribute name is not lowercase a-z0-9, at most 20"
                )
            values[attribute] = text
    missing = [a for a in ("id", "source", "type", "specversion", "time") if a not in values]
    if missing:
        raise EnvelopeError(
            f"missing CloudEvents header(s): {', '.join('ce_' + m for m in missing)}"
        )
    if values["specversion"] != SPECVERSION:
        raise EnvelopeError(f"ce_specversion is not {SPECVERSION}")
    try:
        sequence = int(values.get("sequence", ""))
    except ValueError:
        raise EnvelopeError("ce_sequence is missing or not a whole number") from None
    try:
        time = datetime.fromisoformat(values["time"].replace("Z", "+00:00"))
    except ValueError:
        raise EnvelopeError("ce_time is not an ISO 8601 date and time") from None
    return Attributes(
        source=values["source"],
        type=values["type"],
        sequence=sequence,
        dataschema=values.get("dataschema", ""),
        id=values["id"],
        time=time,
        subject=values.get("subject"),
        dataref=values.get("dataref"),
        datacontenttype=values.get("datacontenttype", AVRO),
    )


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
