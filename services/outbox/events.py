"""From a registry's domain events to outbox rows: encoded once, at command time, so that a
contract violation refuses the command instead of poisoning the outbox."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import Connection

from bron.contracts.codec import EventCodec
from bron.http.trace import current
from services.outbox.message import OutboxMessage
from services.outbox.outbox import Outbox

Events = list[tuple[str, dict[str, Any]]]


def outbox_messages(
    codec: EventCodec, aggregate_type: str, aggregate_id: str, first: int, events: Events
) -> list[OutboxMessage]:
    messages = []
    for offset, (event_type, data) in enumerate(events):
        record = codec.encode(event_type, data, sequence=first + offset)
        if record.key != aggregate_id.encode():
            raise ValueError(f"{event_type}: key {record.key!r} is not the entity {aggregate_id}")
        messages.append(
            OutboxMessage(
                event_id=record.attributes.id,
                aggregate_type=aggregate_type,
                aggregate_id=aggregate_id,
                sequence=first + offset,
                event_type=event_type,
                topic=record.topic,
                key=record.key,
                value=record.value,
                headers=record.headers,
            )
        )
    return messages


class OutboxPublisher:
    """The `publish` step of a registry command: encode the events, append them."""

    def __init__(self, codec: EventCodec, outbox: Outbox, aggregate_type: str) -> None:
        self.codec = codec
        self.outbox = outbox
        self.aggregate_type = aggregate_type

    def __call__(self, conn: Connection, entity_id: str, first: int, events: Events) -> None:
        messages = outbox_messages(self.codec, self.aggregate_type, entity_id, first, events)
        trace = current()
        if trace is not None:  # the request's trace, on the events it wrote (ids only)
            stamp = ("ce_traceparent", trace.traceparent.encode())
            messages = [dataclasses.replace(m, headers=[*m.headers, stamp]) for m in messages]
        self.outbox.append(conn, messages)
