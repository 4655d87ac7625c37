"""The outbox relay draining pre-written rows (SQLite) against a bare producer sending the same
bytes: what reading, waiting for every batch's acknowledgements and marking rows cost."""

from __future__ import annotations

import tempfile
import time
import uuid
from pathlib import Path

from confluent_kafka import Producer
from sqlalchemy import Engine, MetaData

from bron.db import make_engine
from bron.kafka.clients import producer_config
from services.outbox import Outbox, OutboxMessage, Relay
from services.outbox.testing import create_topic
from tests.bench.harness import BenchContext, Measurement

ENTITIES = 1000
VALUE = bytes(5) + bytes(range(256))[:195]  # Confluent wire format: magic, schema id, Avro


def _messages(topic: str, count: int) -> list[OutboxMessage]:
    messages = []
    for i in range(count):
        entity, sequence = f"{i % ENTITIES:09d}", i // ENTITIES + 1
        event_id = str(uuid.UUID(int=i))
        headers = [
            ("ce_specversion", b"1.0"),
            ("ce_id", event_id.encode()),
            ("ce_source", b"urn:nl:bron:brp"),
            ("ce_type", b"nl.brp.persoon-verhuisd.v1"),
            ("ce_sequence", str(sequence).encode()),
            ("content-type", b"application/avro"),
        ]
        messages.append(
            OutboxMessage(
                event_id, "persoon", entity, sequence, "nl.brp.persoon-verhuisd.v1",
                topic, entity.encode(), VALUE, headers,
            )
        )  # fmt: skip
    return messages


def _filled_outbox(folder: Path, messages: list[OutboxMessage]) -> tuple[Engine, Outbox]:
    engine = make_engine(f"sqlite:///{folder / f'{uuid.uuid4().hex}.db'}")
    metadata = MetaData()
    outbox = Outbox(metadata)
    metadata.create_all(engine)
    for start in range(0, len(messages), 1000):
        with engine.begin() as conn:
            outbox.append(conn, messages[start : start + 1000])
    return engine, outbox


def relay_rate(bootstrap: str, folder: Path, count: int) -> float:
    """Rows per second from the first round to an empty outbox, after one row has connected
    the relay's producer."""
    topic = create_topic(bootstrap, "bench.outbox.relay", partitions=6)
    engine, outbox = _filled_outbox(folder, _messages(topic, count + 1))
    relay = Relay(engine, outbox, bootstrap)
    try:
        relay.batch_size = 1
        assert relay.run_once() == 1
        relay.batch_size = 500
        started = time.perf_counter()
        published = 0
        while published < count:
            published += relay.run_once()
        return count / (time.perf_counter() - started)
    finally:
        relay.close()
        engine.dispose()


def bare_rate(bootstrap: str, count: int) -> float:
    topic = create_topic(bootstrap, "bench.outbox.bare", partitions=6)
    records: list[tuple[bytes, bytes, list[tuple[str, str | bytes | None]]]] = [
        (m.key, m.value, list(m.headers)) for m in _messages(topic, count)
    ]
    producer = Producer(producer_config(bootstrap))
    try:
        producer.produce(topic, b"warm-up", b"warm-up")
        producer.flush(30)
        started = time.perf_counter()
        for key, value, headers in records:
            while True:
                try:
                    producer.produce(topic, value, key, headers=headers)
                    break
                except BufferError:
                    producer.poll(0.005)
        if producer.flush(120) != 0:
            raise RuntimeError("records left unacknowledged")
        return count / (time.perf_counter() - started)
    finally:
        producer.close()


def bench_outbox_relay(ctx: BenchContext) -> list[Measurement]:
    count = 2_000 if ctx.quick else 100_000
    bare: list[float] = []
    relay: list[float] = []
    with tempfile.TemporaryDirectory(prefix="bron-bench-outbox-") as folder:
        for _ in range(ctx.repeats):
            bare.append(bare_rate(ctx.bootstrap, count))
            relay.append(relay_rate(ctx.bootstrap, Path(folder), count))
    note = (
        f"{count:,} records of {len(VALUE)} B with 6 CloudEvents headers, 6 partitions, "
        "Bron's producer defaults (idempotent, acks=all)"
    )
    return [
        Measurement("outbox.bare", "produce outbox bytes, bare", "rec/s", tuple(bare), note=note),
        Measurement(
            "outbox.relay",
            "outbox relay draining SQLite (batches of 500)",
            "rec/s",
            tuple(relay),
            baseline="outbox.bare",
        ),
    ]
