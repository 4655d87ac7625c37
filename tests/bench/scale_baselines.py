"""The scale run's bare baselines, measured in the same run on the same broker and disk.

- writes: the state and outbox rows the generator wrote, inserted with plain `sqlite3`
  (`tests.bench.generate_load._bare_write`), on a sample of at most `WRITE_SAMPLE` outbox rows
  and the same share of each registry's state rows, scaled to the run's changes;
- produce: a plain confluent-kafka producer (librdkafka's defaults) writing `min(events,
  PRODUCE_SAMPLE)` records of the outbox's average key and value size (the headers' bytes
  added to the value) to a fresh topic of six partitions (`tests.bench.kafka_clients`);
- consume: a plain confluent-kafka consumer reading every topic the stream worker reads from
  its start to its end, partitions assigned, nothing decoded, nothing committed.

The samples keep a million-person run's baselines to minutes; a rate does not depend on them
once the client has warmed up."""

from __future__ import annotations

import math
import statistics
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition
from sqlalchemy import Connection, Engine, Table, func, select

from bron.db import make_engine
from bron.kafka.clients import end_offsets
from services.importer.generate import ORDER, Loader
from services.outbox.message import decode_headers
from tests.bench.generate_load import _bare_write, _json
from tests.bench.kafka_clients import _topic, produce_rate

WRITE_SAMPLE = 100_000
PRODUCE_SAMPLE = 200_000
HEADER_SAMPLE = 1000
STALL_SECONDS = 120.0


@dataclass(frozen=True, slots=True)
class RecordShape:
    """The outbox's records on average, in bytes as they go over the wire."""

    records: int
    key: float
    value: float
    headers: float  # names and values of the Kafka headers

    @property
    def size(self) -> float:
        return self.key + self.value + self.headers


@dataclass(frozen=True, slots=True)
class Registry:
    """One registry's database, read-only, with its outbox and its tables of states."""

    name: str
    engine: Engine
    outbox: Table
    states: tuple[Table, ...]


@contextmanager
def read_only(loader: Loader) -> Iterator[list[Registry]]:
    """Every registry's database through a reader engine of its own: the registries' engines
    begin every transaction with BEGIN IMMEDIATE, and a read through them would hold the
    write lock (and, interrupted, keep it from the relays that are stopping)."""
    registries: list[Registry] = []
    try:
        for name in ORDER:
            runtime = loader.runtimes[name]
            url = runtime.engine.url.render_as_string(hide_password=False)
            states = tuple(t for t in runtime.outbox.table.metadata.sorted_tables
                           if not t.name.startswith("outbox")
                           and {"id", "version", "state"} <= set(t.c.keys()))  # fmt: skip
            registries.append(Registry(name, make_engine(url, writer=False),
                                       runtime.outbox.table, states))  # fmt: skip
        yield registries
    finally:
        for registry in registries:
            registry.engine.dispose()


def outbox_shape(registries: list[Registry]) -> RecordShape:
    """Every registry's outbox: its records, their average key and value size, and the
    average size of their headers (from the first HEADER_SAMPLE rows of each)."""
    records, keys, values, headers = 0, 0.0, 0.0, 0.0
    for registry in registries:
        t = registry.outbox
        sizes = select(
            func.count(), func.sum(func.length(t.c.key)), func.sum(func.length(t.c.value))
        )
        with registry.engine.connect() as conn:
            count, key_bytes, value_bytes = conn.execute(sizes).one()
            sample = conn.execute(select(t.c.headers).limit(HEADER_SAMPLE)).scalars().all()
        if count:
            records += count
            keys += key_bytes
            values += value_bytes
            headers += count * statistics.fmean(_header_bytes(text) for text in sample)
    if not records:
        raise RuntimeError("the outboxes are empty")
    return RecordShape(records, keys / records, values / records, headers / records)


def _header_bytes(text: str) -> int:
    return sum(len(name) + len(value) for name, value in decode_headers(text))


def _count(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def bare_produce(bootstrap: str, shape: RecordShape) -> tuple[int, float]:
    """(records, records per second) of a plain producer writing records of `shape`'s size."""
    count = min(shape.records, PRODUCE_SAMPLE)
    key_bytes = max(1, round(shape.key))
    payload = b"v" * max(1, round(shape.value + shape.headers))
    records = [(str(i).zfill(key_bytes).encode()[-key_bytes:], payload) for i in range(count)]
    topic = _topic(bootstrap, "scale")
    return count, produce_rate({"bootstrap.servers": bootstrap}, topic, records)


def bare_consume(bootstrap: str, topics: Sequence[str]) -> tuple[int, float]:
    """(records, seconds) reading `topics` from their start to their end offsets as they are
    now, from the first consume() to the last record."""
    consumer = Consumer({"bootstrap.servers": bootstrap, "enable.auto.commit": False,
                         "group.id": f"scale-bare-{uuid.uuid4().hex[:8]}"})  # fmt: skip
    try:
        ends = {tp: high for tp, high in end_offsets(consumer, topics).items() if high > 0}
        consumer.assign([TopicPartition(t, p, OFFSET_BEGINNING) for t, p in ends])
        count = 0
        started = last = time.perf_counter()
        while ends:
            batch = consumer.consume(num_messages=10_000, timeout=1.0)
            for m in batch:
                tp, offset = (m.topic(), m.partition()), m.offset()
                if m.error() is not None or offset is None or tp not in ends:
                    continue
                if offset < ends[tp]:
                    count += 1
                if offset + 1 >= ends[tp]:
                    del ends[tp]
            now = time.perf_counter()
            if batch:
                last = now
            elif now - last > STALL_SECONDS:
                raise TimeoutError(f"the bare consumer read nothing for {STALL_SECONDS:.0f} s")
        return count, time.perf_counter() - started
    finally:
        consumer.close()


def bare_writes(registries: list[Registry], folder: Path) -> tuple[float, int]:
    """(seconds, outbox rows written) for plain sqlite3 writes of a sample of the rows the
    generator wrote: the first `share` of every state table and outbox, where `share` makes
    the outbox rows at most WRITE_SAMPLE."""
    counts: dict[str, int] = {}
    for registry in registries:
        with registry.engine.connect() as conn:
            counts[registry.name] = _count(conn, registry.outbox)
    share = min(1.0, WRITE_SAMPLE / max(1, sum(counts.values())))
    states: list[tuple[Any, ...]] = []
    outbox: list[tuple[Any, ...]] = []
    for registry in registries:
        with registry.engine.connect() as conn:
            for table in registry.states:
                query = select(table.c.id, table.c.version, table.c.state)
                rows = conn.execute(query.limit(math.ceil(_count(conn, table) * share)))
                # one table of states: ids are unique per table (an app and a purpose may
                # share one), so the table's name goes in front
                states += [(f"{table.name}:{r.id}", r.version, _json(r.state)) for r in rows]
            t = registry.outbox
            query = select(t.c.event_id, t.c.aggregate_type, t.c.aggregate_id, t.c.sequence,
                           t.c.event_type, t.c.topic, t.c.key, t.c.value, t.c.headers)  # fmt: skip
            limit = math.ceil(counts[registry.name] * share)
            outbox += [tuple(r) for r in conn.execute(query.limit(limit))]
    path = folder / "bare-writes.db"
    try:
        return _bare_write(path, states, outbox), len(outbox)
    finally:
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
