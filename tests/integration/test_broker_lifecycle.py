"""The local broker keeps its data across stops and crashes."""

from pathlib import Path

import pytest
from confluent_kafka.admin import NewTopic

from bron.errors import ClusterIdMismatch, PortInUseError
from bron.kafka.admin import admin_client
from bron.kafka.broker import LocalBroker
from bron.kafka.clients import make_consumer, make_producer
from bron.kafka.config import new_cluster_id
from bron.testing import broker_settings


def produce(bootstrap: str, topic: str, values: range, acked: set[int] | None = None) -> None:
    producer = make_producer(bootstrap)

    def on_delivery(err: object, msg: object) -> None:
        if err is None and acked is not None:
            acked.add(int(msg.value()))  # type: ignore[attr-defined]

    for i in values:
        producer.produce(
            topic, key=f"k{i % 7}".encode(), value=str(i).encode(), on_delivery=on_delivery
        )
        producer.poll(0)
    assert producer.flush(60) == 0


def read_values(bootstrap: str, topic: str, expected: int) -> list[int]:
    consumer = make_consumer(bootstrap, group_id=f"reader-{new_cluster_id()}")
    consumer.subscribe([topic])
    values: list[int] = []
    idle = 0
    try:
        while idle < 10 and not (len(values) >= expected and idle > 2):
            batch = consumer.consume(num_messages=1000, timeout=0.5)
            idle = 0 if batch else idle + 1
            values.extend(int(m.value() or b"") for m in batch if m.error() is None)
    finally:
        consumer.close()
    return values


def create(bootstrap: str, topic: str, partitions: int) -> None:
    client = admin_client(bootstrap)  # the futures need their client alive
    client.create_topics([NewTopic(topic, partitions, 1)])[topic].result(30)


def test_stop_and_start_keep_every_topic_and_record(tmp_path: Path) -> None:
    broker = LocalBroker(broker_settings(tmp_path))
    first = broker.start()
    assert first.formatted
    assert not first.already_running
    try:
        create(broker.bootstrap, "kept", 3)
        produce(broker.bootstrap, "kept", range(1000))
        assert broker.stop() == "stopped"
        assert not broker.status().running
        second = broker.start()
        assert not second.formatted, "existing storage is not formatted again"
        assert broker.status().ready
        assert sorted(read_values(broker.bootstrap, "kept", 1000)) == list(range(1000))
        assert broker.start().already_running
    finally:
        broker.stop()
    assert not broker.pid_file.exists()


def test_sigkill_of_the_broker_loses_no_acknowledged_record(tmp_path: Path) -> None:
    broker = LocalBroker(broker_settings(tmp_path))
    broker.start()
    try:
        create(broker.bootstrap, "crash", 3)
        acked: set[int] = set()
        produce(broker.bootstrap, "crash", range(5000), acked)
        assert len(acked) == 5000

        producer = make_producer(broker.bootstrap)
        in_flight_acked: set[int] = set()

        def on_delivery(err: object, msg: object) -> None:
            if err is None:
                in_flight_acked.add(int(msg.value()))  # type: ignore[attr-defined]

        for i in range(5000, 10_000):
            producer.produce(
                "crash", key=f"k{i % 7}".encode(), value=str(i).encode(), on_delivery=on_delivery
            )
            producer.poll(0)
            if i == 7500:
                acked_before_kill = set(in_flight_acked)
                broker.kill()
        assert not broker.status().running
        assert broker.start().already_running is False
        assert producer.flush(120) == 0
        acked |= in_flight_acked

        values = read_values(broker.bootstrap, "crash", len(acked))
        lost = acked - set(values)
        assert lost == set(), f"{len(lost)} acknowledged records lost"
        assert acked_before_kill <= set(values)
        assert len(values) == len(set(values)), "the idempotent producer wrote duplicates"
    finally:
        broker.stop()


def test_a_data_directory_of_another_cluster_is_refused(tmp_path: Path) -> None:
    settings = broker_settings(tmp_path)
    broker = LocalBroker(settings)
    broker.start()
    broker.stop()
    broker.cluster_id_file.write_text(new_cluster_id() + "\n")
    with pytest.raises(ClusterIdMismatch, match="belongs to cluster") as caught:
        LocalBroker(settings).start()
    assert "BRON_DATA_DIR" in caught.value.suggestion


def test_a_taken_port_is_named_before_java_starts(tmp_path: Path) -> None:
    import socket

    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        broker = LocalBroker(broker_settings(tmp_path, kafka_port=port))
        with pytest.raises(PortInUseError, match=f"port {port}"):
            broker.start()
    assert broker.pid() is None


def test_a_broker_that_ignores_sigterm_is_killed_after_the_timeout(tmp_path: Path) -> None:
    import os
    import signal

    broker = LocalBroker(broker_settings(tmp_path))
    pid = broker.start().pid
    os.kill(pid, signal.SIGSTOP)  # a stopped process cannot act on SIGTERM
    try:
        assert broker.stop(timeout=1.0) == "killed after timeout"
    finally:
        broker.kill()
    assert broker.pid() is None
    assert not broker.pid_file.exists()


def test_a_cluster_id_that_starts_with_a_dash_formats(tmp_path: Path) -> None:
    """One id in 64 starts with '-': the storage tool must not take it for an option."""
    broker = LocalBroker(broker_settings(tmp_path))
    broker.home.mkdir(parents=True)
    broker.cluster_id_file.write_text("-" + new_cluster_id()[1:] + "\n")
    try:
        assert broker.start().formatted
    finally:
        broker.stop()
