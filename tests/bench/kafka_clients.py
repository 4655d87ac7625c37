"""Bare confluent-kafka produce and consume rates, and Bron's client defaults against them."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition
from confluent_kafka.admin import NewTopic

from bron.kafka.admin import admin_client
from bron.kafka.clients import consumer_config, producer_config
from tests.bench.harness import BenchContext, Measurement

PARTITIONS = 6


def _records(count: int, size: int) -> list[tuple[bytes, bytes]]:
    payload = os.urandom(size)
    return [(uuid.UUID(int=i).bytes, payload) for i in range(count)]


def _topic(bootstrap: str, prefix: str) -> str:
    name = f"bench.{prefix}.{uuid.uuid4().hex[:8]}"
    client = admin_client(bootstrap)
    client.create_topics([NewTopic(name, PARTITIONS, 1)])[name].result(30)
    return name


def produce_rate(config: dict[str, Any], topic: str, records: list[tuple[bytes, bytes]]) -> float:
    """Records per second from the first produce() to the last acknowledgement, after one
    warm-up record has connected the producer (and fetched its producer id)."""
    producer = Producer(config)
    producer.produce(topic, b"warm-up", b"warm-up")
    producer.flush(30)
    started = time.perf_counter()
    for key, value in records:
        while True:
            try:
                producer.produce(topic, value, key)
                break
            except BufferError:
                producer.poll(0.005)
    if producer.flush(120) != 0:
        raise RuntimeError("records left unacknowledged")
    return len(records) / (time.perf_counter() - started)


def consume_rate(config: dict[str, Any], topic: str, count: int, commit: bool) -> float:
    """Records per second reading the topic from its start; partitions are assigned directly,
    so no group rebalance is timed."""
    consumer = Consumer(config)
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(PARTITIONS)])
    received = 0
    deadline = time.monotonic() + 120
    started = time.perf_counter()
    try:
        while received < count and time.monotonic() < deadline:
            batch = consumer.consume(num_messages=10_000, timeout=1.0)
            received += sum(1 for m in batch if m.error() is None and m.key() != b"warm-up")
            if commit and batch:
                consumer.commit(asynchronous=True)
        elapsed = time.perf_counter() - started
    finally:
        consumer.close()
    if received < count:
        raise RuntimeError(f"consumed {received} of {count}")
    return count / elapsed


def bench_kafka_clients(ctx: BenchContext) -> list[Measurement]:
    results: list[Measurement] = []
    for size, count in ((100, 200_000), (1024, 50_000)):
        if ctx.quick:
            count //= 50
        records = _records(count, size)
        label = f"{size} B" if size < 1024 else "1 KB"
        bare_p: list[float] = []
        bron_p: list[float] = []
        bare_c: list[float] = []
        bron_c: list[float] = []
        for _ in range(ctx.repeats):
            bare_topic = _topic(ctx.bootstrap, "bare")
            bron_topic = _topic(ctx.bootstrap, "bron")
            bare_p.append(produce_rate({"bootstrap.servers": ctx.bootstrap}, bare_topic, records))
            bron_p.append(produce_rate(producer_config(ctx.bootstrap), bron_topic, records))
            bare_c.append(
                consume_rate(
                    {
                        "bootstrap.servers": ctx.bootstrap,
                        "group.id": uuid.uuid4().hex,
                        "auto.offset.reset": "earliest",
                    },
                    bare_topic,
                    count,
                    commit=False,
                )
            )
            bron_c.append(
                consume_rate(
                    consumer_config(ctx.bootstrap, uuid.uuid4().hex), bron_topic, count, True
                )
            )
        base_p, base_c = f"kafka.produce.bare.{size}", f"kafka.consume.bare.{size}"
        note = f"{count:,} records of {label}, {PARTITIONS} partitions, librdkafka defaults"
        results += [
            Measurement(base_p, f"produce {label}, bare", "rec/s", tuple(bare_p), note=note),
            Measurement(base_c, f"consume {label}, bare", "rec/s", tuple(bare_c), note=note),
            Measurement(
                f"kafka.produce.bron.{size}",
                f"produce {label}, Bron defaults (idempotent, acks=all)",
                "rec/s",
                tuple(bron_p),
                baseline=base_p,
            ),
            Measurement(
                f"kafka.consume.bron.{size}",
                f"consume {label}, Bron defaults (read_committed, commits)",
                "rec/s",
                tuple(bron_c),
                baseline=base_c,
            ),
        ]
    return results
