"""Changes per second through the BAG registry end to end, against a bare durable HTTP → DB →
Kafka endpoint measured in the same run.

Figure: N pand creations, sent one after another over one keep-alive connection with an
operator token, each committed in SQLite (state + outbox), published by the in-process relay
and read back from `bron.bag.events`; timed from the first request until a consumer assigned
before the run has read the last of them. Baseline: a bare Starlette endpoint on uvicorn that
inserts the same JSON body into a SQLite table in its own transaction, produces a record of the
same size (key, value and headers of a real pand event) with a plain producer (acks=all) and
flushes before it answers; driven and read back the same way. Command latency (the HTTP round
trip) is reported as p50 and p99 for both.
"""

from __future__ import annotations

import json
import sqlite3
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bron.kafka.clients import make_consumer
from bron.testing import serving
from bron.topics import REGISTRY_PARTITIONS
from services.bag.app import create_app
from services.outbox.testing import create_topic
from tests.bench.harness import BenchContext, Distribution, Measurement
from tests.integration.registries import contracts_registry, operator_header, registry_settings

TOPIC = "bron.bag.events"
WARM_UP = 5  # requests before the clock starts: connection, producer, schema ids, code paths
TIMEOUT = 300.0  # seconds for every record of a run to be read back

MUTATIE = {"documentdatum": "2026-11-01", "documentnummer": "B-2026-1",
           "tijdstipRegistratie": "2026-11-28T10:00:00Z"}  # fmt: skip

Headers = list[tuple[str, str | bytes | None]]


@dataclass(frozen=True, slots=True)
class Sample:
    """One record as the registry published it: the baseline produces records of this size."""

    value: bytes
    headers: Headers


@dataclass(frozen=True, slots=True)
class Run:
    rate: float  # changes per second, first request to last record read
    p50: float  # command latency, microseconds
    p99: float
    sample: Sample
    latencies: tuple[float, ...]  # seconds, every command


def _bodies(count: int) -> list[dict[str, Any]]:
    """Pand creations with fresh, distinct identificaties (gemeente 0363, objecttype 10)."""
    first = uuid.uuid4().int % (10**10 - count)
    return [
        {**MUTATIE, "identificatie": f"036310{first + i:010d}", "oorspronkelijkBouwjaar": 1932,
         "status": "pand_in_gebruik"}
        for i in range(count)
    ]  # fmt: skip


def _assigned_at_end(bootstrap: str, topic: str) -> Consumer:
    """A consumer (Bron's defaults) reading every partition of the topic from its current end:
    only what is written from now on, and no group rebalance to wait for."""
    consumer = make_consumer(bootstrap, group_id=f"bench-registry-{uuid.uuid4().hex[:8]}")
    try:
        partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
        consumer.assign([TopicPartition(topic, p, _end(consumer, topic, p)) for p in partitions])
    except BaseException:
        consumer.close()
        raise
    return consumer


def _end(consumer: Consumer, topic: str, partition: int, timeout: float = 30) -> int:
    """The partition's high watermark, waiting out a just-created topic's leader election."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return int(consumer.get_watermark_offsets(TopicPartition(topic, partition), 10)[1])
        except KafkaException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _read_keys(
    consumer: Consumer, keys: set[bytes], stop: threading.Event, timeout: float = TIMEOUT
) -> tuple[float, Sample]:
    """Poll until every key has been read; the perf_counter() of the last one, and a sample
    record (the first one read of these keys)."""
    remaining = set(keys)
    sample: Sample | None = None
    deadline = time.monotonic() + timeout
    while remaining:
        if stop.is_set():
            raise RuntimeError("reading stopped")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(remaining)} of {len(keys)} records not read back")
        message = consumer.poll(0.1)
        if message is None or message.error() is not None:
            continue
        key = message.key()
        if key is None or key not in remaining:
            continue
        remaining.discard(key)
        if sample is None:
            raw = message.headers() or []
            headers: Headers = list(raw.items() if isinstance(raw, dict) else raw)
            sample = Sample(message.value() or b"", headers)
    assert sample is not None
    return time.perf_counter(), sample


def _drive(
    client: httpx.Client, path: str, auth: dict[str, str], consumer: Consumer, count: int
) -> Run:
    """Warm up, then send `count` creations one after another while a thread reads them
    back; the rate from the first request to the last record read, and the latencies."""
    stop = threading.Event()
    every = _bodies(WARM_UP + count)
    warm_up, bodies = every[:WARM_UP], every[WARM_UP:]
    for body in warm_up:
        client.post(path, json=body, headers=auth).raise_for_status()
    _, sample = _read_keys(consumer, {b["identificatie"].encode() for b in warm_up}, stop)

    keys = {b["identificatie"].encode() for b in bodies}
    latencies: list[float] = []
    with ThreadPoolExecutor(1, thread_name_prefix="bench-reader") as pool:
        try:
            read = pool.submit(_read_keys, consumer, keys, stop)
            started = time.perf_counter()
            for body in bodies:
                sent = time.perf_counter()
                response = client.post(path, json=body, headers=auth)
                latencies.append(time.perf_counter() - sent)
                if response.status_code != 201:
                    raise RuntimeError(f"{path}: {response.status_code} {response.text}")
            finished, _ = read.result(TIMEOUT)
        finally:
            stop.set()
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Run(
        count / (finished - started), cuts[49] * 1e6, cuts[98] * 1e6, sample, tuple(latencies)
    )


def registry_run(bootstrap: str, registry_url: str, folder: Path, count: int) -> Run:
    """The BAG registry, fresh data dir, relay in-process, driven over HTTP."""
    settings = registry_settings(folder, bootstrap, registry_url)
    app, runtime = create_app(settings)
    try:
        auth = operator_header(settings, "bag")
        consumer = _assigned_at_end(bootstrap, TOPIC)
        try:
            with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:
                return _drive(client, "/panden", auth, consumer, count)
        finally:
            consumer.close()
    finally:
        runtime.dispose()  # the lifespan did, unless the server never started


@contextmanager
def _bare_app(database: Path, bootstrap: str, topic: str, sample: Sample) -> Iterator[Starlette]:
    """POST /panden: the body in a SQLite table in its own transaction (WAL, synchronous=NORMAL
    as Bron's engines), then one record of the sample's size produced and flushed (acks=all)."""
    db = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE changes (id INTEGER PRIMARY KEY, identificatie TEXT, body TEXT)")
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
    lock = threading.Lock()

    def store(identificatie: str, body: str) -> None:
        with lock:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT INTO changes (identificatie, body) VALUES (?, ?)", (identificatie, body)
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            producer.produce(topic, sample.value, identificatie.encode(), headers=sample.headers)
            if producer.flush(30) != 0:
                raise RuntimeError("record not acknowledged")

    async def create(request: Request) -> JSONResponse:
        body = await request.body()
        identificatie = str(json.loads(body)["identificatie"])
        await run_in_threadpool(store, identificatie, body.decode())
        return JSONResponse({"identificatie": identificatie}, status_code=201)

    try:
        yield Starlette(routes=[Route("/panden", create, methods=["POST"])])
    finally:
        producer.close()
        db.close()


def bare_run(bootstrap: str, folder: Path, count: int, sample: Sample) -> Run:
    topic = create_topic(bootstrap, "bench.registry.bare", partitions=REGISTRY_PARTITIONS)
    consumer = _assigned_at_end(bootstrap, topic)
    try:
        with (
            _bare_app(folder / "bare.db", bootstrap, topic, sample) as app,
            serving(app) as url,
            httpx.Client(base_url=url, timeout=30) as client,
        ):
            return _drive(client, "/panden", {}, consumer, count)
    finally:
        consumer.close()


@contextmanager
def _fresh_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="bron-bench-registry-") as folder:
        yield Path(folder)


def bench_registry_changes(ctx: BenchContext) -> list[Measurement]:
    count = 100 if ctx.quick else 2_000
    runs: dict[str, list[Run]] = {"bron": [], "bare": []}
    with contracts_registry(ctx.bootstrap) as registry_url:
        for _ in range(ctx.repeats):
            # The registry first: its records give the baseline the size it produces.
            with _fresh_dir() as folder:
                ours = registry_run(ctx.bootstrap, registry_url, folder, count)
            runs["bron"].append(ours)
            with _fresh_dir() as folder:
                runs["bare"].append(bare_run(ctx.bootstrap, folder, count, ours.sample))
    bron, bare = runs["bron"], runs["bare"]
    record = len(bron[0].sample.value)
    ours_latency, bare_latency = (
        Distribution.of((s for r in kind for s in r.latencies), scale=1e6) for kind in (bron, bare)
    )
    how = (
        f"{count:,} sequential POSTs over one keep-alive connection, uvicorn (1 worker) in "
        "process, SQLite WAL; timed from the first request to the last record read back"
    )
    bare_note = (
        f"{how}; plain producer (acks=all), flush per request, {record} B values with the "
        "registry's CloudEvents headers"
    )
    return [
        Measurement(
            "registry.bag.bare",
            "durable HTTP → SQLite → Kafka, bare endpoint",
            "changes/s",
            tuple(r.rate for r in bare),
            note=bare_note,
        ),
        Measurement(
            "registry.bag",
            "BAG registry changes end to end (HTTP → SQLite + outbox → relay → consumer)",
            "changes/s",
            tuple(r.rate for r in bron),
            baseline="registry.bag.bare",
        ),
        Measurement(
            "registry.bag.p50.bare",
            "durable HTTP → SQLite → Kafka, bare endpoint, p50 latency",
            "µs",
            tuple(r.p50 for r in bare),
            higher_is_better=False,
            note="HTTP round trip of one command; " + bare_note,
            distribution=bare_latency,
        ),
        Measurement(
            "registry.bag.p50",
            "BAG registry command latency p50 (HTTP round trip)",
            "µs",
            tuple(r.p50 for r in bron),
            higher_is_better=False,
            baseline="registry.bag.p50.bare",
            distribution=ours_latency,
        ),
        Measurement(
            "registry.bag.p99.bare",
            "durable HTTP → SQLite → Kafka, bare endpoint, p99 latency",
            "µs",
            tuple(r.p99 for r in bare),
            higher_is_better=False,
            note="HTTP round trip of one command; " + bare_note,
            distribution=bare_latency,
        ),
        Measurement(
            "registry.bag.p99",
            "BAG registry command latency p99 (HTTP round trip)",
            "µs",
            tuple(r.p99 for r in bron),
            higher_is_better=False,
            baseline="registry.bag.p99.bare",
            distribution=ours_latency,
        ),
    ]
