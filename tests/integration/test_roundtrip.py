"""Records go through the real broker and come back in order per key."""

from collections import defaultdict

from confluent_kafka import TopicPartition
from confluent_kafka.admin import NewTopic

from bron.kafka.admin import admin_client
from bron.kafka.clients import make_consumer, make_producer

RECORDS = 10_000
KEYS = 50


def create_topic(bootstrap: str, name: str, partitions: int) -> None:
    client = admin_client(bootstrap)  # the futures need their client alive
    client.create_topics([NewTopic(name, partitions, 1)])[name].result(timeout=30)


def consume_all(bootstrap: str, topic: str, expected: int) -> list[tuple[bytes | None, bytes]]:
    consumer = make_consumer(bootstrap, group_id=f"{topic}-reader")
    consumer.subscribe([topic])
    seen: list[tuple[bytes | None, bytes]] = []
    try:
        for _ in range(600):
            for message in consumer.consume(num_messages=1000, timeout=0.5):
                assert message.error() is None, message.error()
                seen.append((message.key(), message.value() or b""))
            if len(seen) >= expected:
                break
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    return seen


def test_ten_thousand_keyed_records_arrive_complete_and_in_order_per_key(
    bootstrap: str, unique: str
) -> None:
    create_topic(bootstrap, unique, partitions=6)
    producer = make_producer(bootstrap)
    failures: list[str] = []

    def on_delivery(err: object, _msg: object) -> None:
        if err is not None:
            failures.append(str(err))

    for i in range(RECORDS):
        key = f"key-{i % KEYS}".encode()
        producer.produce(unique, key=key, value=str(i).encode(), on_delivery=on_delivery)
        producer.poll(0)
    assert producer.flush(30) == 0
    assert failures == []

    received = consume_all(bootstrap, unique, RECORDS)
    assert len(received) == RECORDS
    per_key: dict[bytes | None, list[int]] = defaultdict(list)
    for received_key, value in received:
        per_key[received_key].append(int(value))
    assert len(per_key) == KEYS
    for received_key, values in per_key.items():
        assert values == sorted(values), f"{received_key!r} out of order"
        assert len(values) == RECORDS // KEYS


def test_a_committed_group_resumes_after_its_last_offset(bootstrap: str, unique: str) -> None:
    create_topic(bootstrap, unique, partitions=1)
    producer = make_producer(bootstrap)
    for i in range(10):
        producer.produce(unique, key=b"k", value=str(i).encode())
    producer.flush(30)
    assert len(consume_all(bootstrap, unique, 10)) == 10
    consumer = make_consumer(bootstrap, group_id=f"{unique}-reader")
    committed = consumer.committed([TopicPartition(unique, 0)], timeout=10)
    consumer.close()
    assert committed[0].offset == 10
