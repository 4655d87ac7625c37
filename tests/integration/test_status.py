"""`bron status`, run as a user runs it: components down when nothing runs, and the consumer
groups' lag read from the stream workers' store and from Kafka's committed offsets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from confluent_kafka import TopicPartition

from bron.kafka.clients import make_consumer, make_producer
from services.outbox.testing import create_topic
from streams.store import ProjectionStore
from tests.integration.test_cli import bron, env_for

COMPONENTS = [
    "Kafka",
    "schema registry",
    *(f"{name} registry" for name in ("bag", "brp", "woz", "toestemming")),
    "stream worker",
    "GraphQL gateway",
    "webhook service",
    "catalog",
]


def test_nothing_running_names_every_component_down(tmp_path: Path) -> None:
    result = bron("status", env=env_for(tmp_path))
    assert result.returncode == 3, result.stderr
    lines = result.stdout.splitlines()
    for name in COMPONENTS:
        line = next(line for line in lines if line.startswith(f"  {name} "))
        assert "down (connection refused)" in line
    assert "unknown: Kafka is down" in result.stdout
    assert not (tmp_path / "var").exists()  # a status creates nothing


def _produce(bootstrap: str, topic: str, count: int) -> None:
    producer = make_producer(bootstrap)
    for i in range(count):
        producer.produce(topic, value=b"%d" % i, partition=0)
    assert producer.flush(30) == 0


def _status(env: dict[str, str]) -> dict[str, Any]:
    result = bron("status", "--json", env=env)
    assert result.returncode == 3, result.stderr  # only Kafka runs
    report: dict[str, Any] = json.loads(result.stdout)
    kafka = report["components"][0]
    assert (kafka["name"], kafka["up"], kafka["detail"]) == ("Kafka", True, "1 broker")
    assert [c["name"] for c in report["components"] if not c["up"]] == COMPONENTS[1:]
    return report


def test_lag_from_the_store_and_from_kafka(tmp_path: Path, bootstrap: str, unique: str) -> None:
    source = create_topic(bootstrap, f"status-{unique}", partitions=1)
    app_topic = create_topic(bootstrap, f"bron.app.{unique}", partitions=1)
    _produce(bootstrap, source, 7)
    _produce(bootstrap, app_topic, 5)
    url = f"sqlite:///{tmp_path / 'projections.db'}"
    store = ProjectionStore(url)
    with store.transaction() as tx:
        tx.set_offsets(unique, source, {0: 3})
    store.close()
    env = env_for(
        tmp_path,
        BRON_KAFKA_BOOTSTRAP=bootstrap,
        BRON_STREAMS_GROUP=unique,
        BRON_WEBHOOKS_GROUP=f"{unique}-webhooks",
        BRON_PROJECTIONS_DATABASE_URL=url,
    )

    workers, dispatchers = _status(env)["groups"]
    assert (workers["group"], dispatchers["group"]) == (unique, f"{unique}-webhooks")
    assert (workers["offsets"], workers["committed"]) == ("projection store", True)
    assert workers["topics"].get(source) == 4, workers
    assert workers["lag"] == sum(workers["topics"].values())
    # no webhook store: Kafka's offsets, and none were committed: read from the start
    assert (dispatchers["offsets"], dispatchers["committed"]) == ("Kafka", False)
    assert dispatchers["topics"].get(app_topic) == 5, dispatchers

    consumer = make_consumer(bootstrap, f"{unique}-webhooks")
    consumer.commit(offsets=[TopicPartition(app_topic, 0, 2)], asynchronous=False)
    consumer.close()
    _workers, dispatchers = _status(env)["groups"]
    assert (dispatchers["offsets"], dispatchers["committed"]) == ("Kafka", True)
    assert dispatchers["topics"].get(app_topic) == 3, dispatchers
