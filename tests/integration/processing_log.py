"""Reading `bron.verwerkingslog` back in tests: every record up to the topic's current end,
decoded with the contracts (shared by the gateway's and the webhook service's tests)."""

from __future__ import annotations

import time
import uuid

from confluent_kafka import OFFSET_BEGINNING, TopicPartition

from bron.contracts.codec import Event, EventCodec
from bron.contracts.registry_client import RegistryClient
from bron.kafka.clients import make_consumer
from bron.topics import VERWERKINGSLOG

RECORD_TYPE = "nl.platform.verwerking-vastgelegd.v1"
SOURCE = "urn:nld:oin:00000001001234567000:systeem:test"


def processing_log(bootstrap: str, registry_url: str, timeout: float = 30) -> list[Event]:
    consumer = make_consumer(bootstrap, f"t-{uuid.uuid4().hex}")
    codec = EventCodec(
        RegistryClient(registry_url), "urn:nld:oin:00000001001234567000:systeem:test"
    )
    topic = VERWERKINGSLOG.name
    ends = {
        p: consumer.get_watermark_offsets(TopicPartition(topic, p), 10)[1]
        for p in range(VERWERKINGSLOG.partitions)
    }
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in ends if ends[p] > 0])
    positions = dict.fromkeys(ends, 0)
    found: list[Event] = []
    deadline = time.monotonic() + timeout
    try:
        while any(positions[p] < ends[p] for p in ends) and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None or message.error():
                continue
            positions[message.partition() or 0] = (message.offset() or 0) + 1
            event = codec.decode(message.key(), message.value(), message.headers())
            assert event.attributes.type == RECORD_TYPE
            found.append(event)
    finally:
        consumer.close()
        codec.registry.close()
    assert all(positions[p] >= ends[p] for p in ends), "the log was not read to its end"
    return found
