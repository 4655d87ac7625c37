"""Producer and consumer settings that keep Bron's delivery promises by default."""

from __future__ import annotations

import logging
from typing import Any

from confluent_kafka import Consumer, Producer

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
