"""What subscribers are told (pure): a record of a per-app topic (`bron.app.<appId>`, written
by the stream workers) → notices, one per purpose and kind of change. GraphQL subscriptions,
webhooks and the Kafka client helper all derive their events here, so that they agree.

A record's value is JSON: `persoonId`, `versie` (only grows per app and person), `doelen` (the
purpose's view of the person, per purpose the app has them for) and `wijzigingen` (per purpose:
`soort` nieuw / gewijzigd / verwijderd and the changed `velden`, see `streams.compose.changes`).
When an app loses every view of a person the workers send a record with empty `doelen` that
says what was removed, then a tombstone (null value) under the same key, which compaction
keeps until the key is gone.

Kinds (`type` is `nl.bron.<kind>.v1`):
- `persoon-gewijzigd`: a field of the person the purpose shows changed;
- `adres-gewijzigd`: the address (verblijfplaats, adres or verblijfsobject) changed;
- `woz-waarde-vastgesteld`: a value of a WOZ object the purpose shows changed;
- `in-beeld` / `uit-beeld`: the person came into the purpose's scope or left it (a consent, a
  move across a municipal border, a policy change);
- `toestemming-gewijzigd`: for a purpose on consent, the same as in-beeld (`status` actief) or
  uit-beeld (`status` beeindigd).

A notice's `id` is derived from the record's CloudEvents id: a record sent twice gives notices
with the same ids, so receivers can drop duplicates."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

KINDS = (
    "persoon-gewijzigd",
    "adres-gewijzigd",
    "woz-waarde-vastgesteld",
    "in-beeld",
    "uit-beeld",
    "toestemming-gewijzigd",
)
ADRES_PATHS = frozenset({"persoon.verblijfplaats", "adres", "verblijfsobject"})
NOTICE_IDS = uuid.UUID("8a0e3c52-51d4-4f3e-9a4e-3c0b7f5d9e11")


class RecordError(ValueError):
    """A per-app record that is not what the workers write (names the field, never data)."""


@dataclass(frozen=True, slots=True)
class Record:
    """One per-app record as read from Kafka. `doelen` None: a tombstone."""

    id: str
    app_id: str
    persoon_id: str
    versie: int
    doelen: dict[str, dict[str, Any]] | None
    wijzigingen: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Notice:
    id: str
    kind: str
    app_id: str
    doel_id: str
    persoon_id: str
    versie: int
    velden: tuple[str, ...]
    data: dict[str, Any] | None  # the purpose's view of the person; None when removed
    status: str | None = None  # toestemming-gewijzigd: actief or beeindigd

    @property
    def type(self) -> str:
        return f"nl.bron.{self.kind}.v1"


Headers = Sequence[tuple[str, bytes | str | None]] | Mapping[str, bytes | str | None]


def decode(
    topic: str | None, key: bytes | None, value: bytes | None, headers: Headers | None
) -> Record:
    """A record of `bron.app.<appId>` (as confluent-kafka gives topic, key, value and
    headers); RecordError when it is not one, whatever its bytes (never another exception:
    a consumer that gets one stops, and would stop again at the same record after a restart).
    A decoded record has the shape the workers write, so `notices` can take it as it is."""
    if topic is None or not topic.startswith("bron.app."):
        raise RecordError(f"topic {topic!r} is not a per-app topic")
    if not key:
        raise RecordError("a per-app record without key (persoonId)")
    found = dict(headers.items() if isinstance(headers, Mapping) else headers or [])
    raw_id = found.get("ce_id")
    if raw_id is None:
        raise RecordError("a per-app record without header ce_id")
    record_id = _text(raw_id, "header ce_id")
    persoon_id = _text(key, "key")
    app_id = topic.removeprefix("bron.app.")
    if value is None:
        sequence = _text(found.get("ce_sequence") or b"0", "header ce_sequence")
        if not (sequence.isascii() and sequence.isdigit() and len(sequence) <= 19):
            raise RecordError("a per-app tombstone whose header ce_sequence is not a number")
        return Record(record_id, app_id, persoon_id, int(sequence), None)
    try:
        body = json.loads(value)
        return Record(record_id, app_id, persoon_id, int(body["versie"]),
                      _sections(body["doelen"], "doelen"),
                      _sections(body.get("wijzigingen") or {}, "wijzigingen"))  # fmt: skip
    except (ValueError, KeyError, TypeError, OverflowError, RecursionError) as exc:
        raise RecordError(
            f"a per-app record whose value is not the workers' JSON ({type(exc).__name__})"
        ) from None


def _text(raw: bytes | str, what: str) -> str:
    try:
        return raw.decode() if isinstance(raw, bytes) else raw
    except UnicodeDecodeError:
        raise RecordError(f"a per-app record whose {what} is not UTF-8") from None


def _sections(value: Any, name: str) -> dict[str, dict[str, Any]]:
    """`doelen` or `wijzigingen`: an object of objects, per purpose; in `wijzigingen` each
    with `soort` (text) and `velden` (a list of texts), as `streams.compose.changes` writes."""
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise TypeError(f"{name} is not an object of objects")
    if name == "wijzigingen":
        for change in value.values():
            velden = change.get("velden") or []
            soort = change.get("soort")
            if not isinstance(velden, list) or not all(isinstance(v, str) for v in velden):
                raise TypeError("velden is not a list of texts")
            if soort is not None and not isinstance(soort, str):
                raise TypeError("soort is not a text")
    return value


def notices(record: Record, consent_doelen: Collection[str] = ()) -> list[Notice]:
    """The notices of one record; `consent_doelen`: the purposes that rest on consent (from
    the policy), which also get `toestemming-gewijzigd`. A tombstone gives none: the record
    before it said what was removed."""
    if record.doelen is None:
        return []
    out: list[Notice] = []
    for doel_id, change in sorted(record.wijzigingen.items()):
        velden = tuple(change.get("velden") or ())
        data = record.doelen.get(doel_id)
        soort = change.get("soort")
        kinds: list[tuple[str, str | None]] = []
        if soort == "nieuw":
            kinds.append(("in-beeld", None))
            if doel_id in consent_doelen:
                kinds.append(("toestemming-gewijzigd", "actief"))
        elif soort == "verwijderd":
            data = None
            kinds.append(("uit-beeld", None))
            if doel_id in consent_doelen:
                kinds.append(("toestemming-gewijzigd", "beeindigd"))
        elif soort == "gewijzigd":
            if any(v.startswith("persoon.") for v in velden):
                kinds.append(("persoon-gewijzigd", None))
            if ADRES_PATHS.intersection(velden):
                kinds.append(("adres-gewijzigd", None))
            if "wozObjecten.waarden" in velden:
                kinds.append(("woz-waarde-vastgesteld", None))
        for kind, status in kinds:
            out.append(Notice(notice_id(record.id, kind, doel_id), kind, record.app_id, doel_id,
                              record.persoon_id, record.versie, velden, data, status))  # fmt: skip
    return out


def notice_id(record_id: str, kind: str, doel_id: str) -> str:
    return str(uuid.uuid5(NOTICE_IDS, f"{record_id}|{kind}|{doel_id}"))


def latest(records: Mapping[str, int], record: Record) -> bool:
    """De-duplication for consumers: True when `record` is newer than the last `versie` seen
    for its person (`records`: persoonId -> versie), which the caller then updates."""
    return record.versie > records.get(record.persoon_id, -1)
