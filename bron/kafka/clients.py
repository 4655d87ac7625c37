"""Producer and consumer settings that keep Bron's delivery promises by default."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from confluent_kafka import Consumer, Producer, TopicPartition

_log = logging.getLogger("bron.kafka.client")

PRODUCER_DEFAULTS: dict[str, Any] = {
    # No duplicates from producer retries, no reordering, and acknowledged means replicated.
    "enable.idempotence": True,
    "acks": "all",
    "linger.ms": 5,
}

CONSUMER_DEFAULTS: dict[str, Any] = {
    # At-least-once: offsets are committed by the code after it has applied the message.
    "enable.auto.commit": False,
    "auto.offset.reset": "earliest",
    "isolation.level": "read_committed",
}


def producer_config(bootstrap: str, **overrides: Any) -> dict[str, Any]:
    return {"bootstrap.servers": bootstrap, "logger": _log, **PRODUCER_DEFAULTS, **overrides}


def consumer_config(bootstrap: str, group_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "bootstrap.servers": bootstrap,
        "group.id": group_id,
        "logger": _log,
        **CONSUMER_DEFAULTS,
        **overrides,
    }


def make_producer(bootstrap: str, **overrides: Any) -> Producer:
    return Producer(producer_config(bootstrap, **overrides))


def make_consumer(bootstrap: str, group_id: str, **overrides: Any) -> Consumer:
    return Consumer(consumer_config(bootstrap, group_id, **overrides))


def watermarks(
    consumer: Consumer, topics: Iterable[str], timeout: float = 10
) -> dict[tuple[str, int], tuple[int, int]]:
    """(topic, partition) → (the first offset still kept, the offset the next record will
    get), for every partition of the topics."""
    metadata = consumer.list_topics(timeout=timeout)
    found: dict[tuple[str, int], tuple[int, int]] = {}
    for topic in topics:
        for partition in metadata.topics[topic].partitions:
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout)
            found[(topic, partition)] = (low, high)
    return found


def end_offsets(
    consumer: Consumer, topics: Iterable[str], timeout: float = 10
) -> dict[tuple[str, int], int]:
    """(topic, partition) → the offset the next record will get, for every partition."""
    return {tp: high for tp, (_low, high) in watermarks(consumer, topics, timeout).items()}
