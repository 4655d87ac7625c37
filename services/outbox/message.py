"""What a registry hands to the outbox, and the pure conversions around a stored row."""

from __future__ import annotations

import json
from binascii import a2b_base64, b2a_base64
from collections.abc import Sequence
from dataclasses import dataclass

Headers = list[tuple[str, bytes]]


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    event_id: str  # CloudEvents id (uuid)
    aggregate_type: str  # e.g. "persoon"
    aggregate_id: str  # the entity's stable id = the Kafka key as text
    sequence: int  # per-entity version, starting at 1 (ce_sequence)
    event_type: str  # e.g. "nl.brp.persoon-verhuisd.v1"
    topic: str
    key: bytes
    value: bytes  # already encoded; the relay sends the bytes as they are
    headers: Headers


def encode_headers(headers: Headers) -> str:
    """JSON text: a list of [name, base64 value], so any header bytes survive a text column."""
    return json.dumps(
        [[name, b2a_base64(value, newline=False).decode()] for name, value in headers]
    )


def decode_headers(text: str) -> Headers:
    return [(name, a2b_base64(value)) for name, value in json.loads(text)]


def check_sequences(messages: Sequence[OutboxMessage]) -> None:
    """Refuse a batch whose rows would go out of sequence order for one entity: the relay
    publishes in insert order, so the insert order must already be the sequence order."""
    last: dict[tuple[str, str], int] = {}
    for m in messages:
        if m.sequence < 1:
            raise ValueError(f"event {m.event_id}: sequence {m.sequence} is below 1")
        entity = (m.aggregate_type, m.aggregate_id)
        previous = last.get(entity)
        if previous is not None and m.sequence <= previous:
            raise ValueError(
                f"event {m.event_id}: sequence {m.sequence} follows {previous} of the same "
                f"{m.aggregate_type} in one append; append an entity's events in sequence order"
            )
        last[entity] = m.sequence
