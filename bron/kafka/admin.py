"""Talking to a running cluster: readiness by metadata request, and declared topics."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

from confluent_kafka import KafkaException
from confluent_kafka.admin import (
    AdminClient,
    AlterConfigOpType,
    ConfigEntry,
    ConfigResource,
    NewTopic,
    ResourceType,
)

from bron.errors import BrokerStartError, TopicError
from bron.topics import TopicSpec, topic_config

# librdkafka reports every refused connection while a broker starts; that is expected noise.
_quiet = logging.getLogger("bron.kafka.librdkafka")
_quiet.setLevel(logging.CRITICAL)


def admin_client(bootstrap: str) -> AdminClient:
    config: dict[str, Any] = {"bootstrap.servers": bootstrap, "logger": _quiet}
    return AdminClient(config)


def metadata_ok(client: AdminClient, timeout: float) -> bool:
    """True when the cluster answers a metadata request and names at least one broker."""
    try:
        return bool(client.list_topics(timeout=timeout).brokers)
    except KafkaException:
        return False


def wait_ready(bootstrap: str, timeout: float, alive: Callable[[], bool] = lambda: True) -> float:
    """Block until a metadata request succeeds; return the seconds it took.

    `alive` lets a caller that started the broker stop waiting as soon as its process exits.
    """
    client = admin_client(bootstrap)
    start = time.monotonic()
    while True:
        if metadata_ok(client, timeout=0.5):
            return time.monotonic() - start
        if not alive():
            raise BrokerStartError("the Kafka broker exited while starting")
        if time.monotonic() - start > timeout:
            raise BrokerStartError(
                f"no metadata from {bootstrap} after {timeout:.0f} s",
                suggestion="look at the broker log; raise BRON_KAFKA_START_TIMEOUT if slow",
            )
        time.sleep(0.1)


def ensure_topics(
    bootstrap: str, specs: Iterable[TopicSpec], replication_factor: int = 1
) -> list[str]:
    """Create the declared topics that are missing and align the configs of those that exist.

    Idempotent: a second call creates nothing. Returns the names it created. A topic that exists
    with another partition count is an error (repartitioning breaks per-key order).
    """
    client = admin_client(bootstrap)
    specs = list(specs)
    existing = client.list_topics(timeout=10).topics
    missing = [s for s in specs if s.name not in existing]
    for spec in specs:
        if spec.name in existing:
            have = len(existing[spec.name].partitions)
            if have != spec.partitions:
                raise TopicError(
                    f"topic {spec.name} has {have} partitions, {spec.partitions} are declared",
                    suggestion="keep the declared count in bron/topics.py, or migrate the topic",
                )
    created: list[str] = []
    if missing:
        new = [
            NewTopic(
                s.name,
                num_partitions=s.partitions,
                replication_factor=replication_factor,
                config=topic_config(s, replication_factor),
            )
            for s in missing
        ]
        for name, future in client.create_topics(new, request_timeout=30).items():
            try:
                future.result()
                created.append(name)
            except KafkaException as exc:
                if exc.args[0].name() != "TOPIC_ALREADY_EXISTS":
                    raise TopicError(f"cannot create topic {name}: {exc}") from None
    present = [s for s in specs if s.name in existing]
    if present:
        _align_configs(client, present, replication_factor)
    return created


def _align_configs(client: AdminClient, specs: list[TopicSpec], replication_factor: int) -> None:
    resources = [
        ConfigResource(
            ResourceType.TOPIC,
            s.name,
            incremental_configs=[
                ConfigEntry(k, v, incremental_operation=AlterConfigOpType.SET)
                for k, v in topic_config(s, replication_factor).items()
            ],
        )
        for s in specs
    ]
    for resource, future in client.incremental_alter_configs(resources).items():
        try:
            future.result()
        except KafkaException as exc:
            raise TopicError(f"cannot update the config of {resource.name}: {exc}") from None


def describe_configs(bootstrap: str, topic: str) -> dict[str, str]:
    client = admin_client(bootstrap)
    resource = ConfigResource(ResourceType.TOPIC, topic)
    entries = client.describe_configs([resource])[resource].result()
    return {name: entry.value for name, entry in entries.items()}
