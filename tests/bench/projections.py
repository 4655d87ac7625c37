"""The projection pipeline: events per second through a faust worker against a plain
confluent-kafka consumer feeding the same `Pipeline` the same events, and the revocation
latency against a bare produce → consume round trip, measured in the same run.

Set-up: a fresh schema registry with the contracts; N synthetic persons through the registries'
use cases, published by their relays (about 4.25 events per person), and the register of apps
and purposes. Figure: a `bron streams worker` process on an empty store (SQLite), timed from its
first committed batch until the store's offsets reach the topics' end offsets (start-up is
reported apart). Baseline: `streams.replay` (a confluent-kafka consumer, batches of 500) into
another empty store, through the same pipeline. Revocation: a consent granted, its view seen,
then revoked through the consent register's use case, timed until the view is gone from the
store; baseline: one record produced (acks=all) and read back by a consumer already assigned."""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from confluent_kafka import Producer, TopicPartition
from sqlalchemy import Engine, func, select

from bron.db import database_url
from bron.kafka.clients import make_consumer
from bron.policy import load_policy
from bron.process import ManagedProcess, bron_command
from bron.settings import Settings
from bron.testing import topic_ends
from services.brp.domain import Inschrijven
from services.generator import plan
from services.importer.generate import Loader, generate
from services.outbox.testing import create_topic
from services.toestemming.domain import ToestemmingIntrekken, ToestemmingVerlenen
from services.toestemming.service import ToestemmingRegistry
from streams.reads import ProjectionReader
from streams.replay import replay
from streams.store import ProjectionStore
from streams.store_engine import store_engine
from streams.store_tables import consumer_offset
from streams.worker import SOURCES, build_pipeline
from tests.bench.harness import BenchContext, Distribution, Measurement
from tests.integration.registries import contracts_registry, registry_settings


def bench_projections(ctx: BenchContext) -> list[Measurement]:
    persons = 400 if ctx.quick else 6000
    revocations = 5 if ctx.quick else 25
    worker_rates: list[float] = []
    bare_rates: list[float] = []
    startups: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="bron-bench-streams-") as folder,
        contracts_registry(ctx.bootstrap) as registry_url,
    ):
        base = registry_settings(Path(folder), ctx.bootstrap, registry_url)
        loader = Loader(base)
        try:
            consents = _consents(loader)
            consents.sync_policy()
            loader.start_relays()
            seed = uuid.uuid4().int % 100_000
            generate(loader, persons, seed=seed)
            while loader.pending():
                time.sleep(0.2)
            for repeat in range(ctx.repeats):
                group = f"bench-{uuid.uuid4().hex[:6]}"
                bare = _settings(base, folder, f"{group}-bare")
                pipeline = build_pipeline(bare)
                done = replay(pipeline, ctx.bootstrap, SOURCES)
                bare_rates.append(done.events / done.seconds)
                pipeline.close()
                if repeat == 0:
                    reads = _reads(database_url(bare, "projections"))
                rate, startup = _worker_run(_settings(base, folder, group), Path(folder), repeat)
                worker_rates.append(rate)
                startups.append(startup)
            latency, round_trip = _revocations(loader, consents, base, folder, persons, seed,
                                               revocations, ctx.bootstrap)  # fmt: skip
        finally:
            loader.close()
    p = statistics.quantiles
    return [
        *reads,
        Measurement("streams.bare", "plain consumer → the same pipeline, events/s", "events/s",
                    tuple(bare_rates)),
        Measurement("streams.worker", f"faust worker, {persons} persons' events (start-up "
                    f"{statistics.median(startups):.1f} s not counted)", "events/s",
                    tuple(worker_rates), baseline="streams.bare"),
        Measurement("streams.revocation.bare", "produce → consume round trip p50", "ms",
                    (statistics.median(round_trip),), higher_is_better=False,
                    distribution=Distribution.of(round_trip)),
        Measurement("streams.revocation.p50", "revocation → view gone from the store, p50",
                    "ms", (statistics.median(latency),), higher_is_better=False,
                    baseline="streams.revocation.bare", distribution=Distribution.of(latency)),
        Measurement("streams.revocation.p99", "revocation → view gone from the store, p99",
                    "ms", (p(latency, n=100)[98] if len(latency) > 1 else latency[0],),
                    higher_is_better=False, baseline="streams.revocation.bare",
                    distribution=Distribution.of(latency)),
    ]  # fmt: skip


def _reads(url: str, count: int = 2000) -> list[Measurement]:
    """The gateway's reads from the store: one view by key, and 100 views at once (a DataLoader
    batch), against a bare sqlite3 SELECT of the same row by primary key."""
    import random
    import sqlite3

    reader = ProjectionReader(url)
    path = url.removeprefix("sqlite:///")
    db = sqlite3.connect(path)
    rows = db.execute("SELECT app_id, doel_id, persoon_id FROM projection_view "
                      "WHERE digest IS NOT NULL").fetchall()  # fmt: skip
    rng = random.Random(1)
    sample = [rng.choice(rows) for _ in range(count)]
    one, bare, batch = [], [], []
    for app_id, doel_id, persoon_id in sample:
        started = time.perf_counter()
        assert reader.view(app_id, doel_id, persoon_id) is not None
        one.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        db.execute("SELECT view FROM projection_view WHERE app_id = ? AND doel_id = ? AND "
                   "persoon_id = ?", (app_id, doel_id, persoon_id)).fetchone()  # fmt: skip
        bare.append((time.perf_counter() - started) * 1000)
    by_purpose: dict[tuple[str, str], list[str]] = {}
    for app_id, doel_id, persoon_id in rows:
        by_purpose.setdefault((app_id, doel_id), []).append(persoon_id)
    (app_id, doel_id), ids = max(by_purpose.items(), key=lambda kv: len(kv[1]))
    for _ in range(200):
        chosen = rng.sample(ids, min(100, len(ids)))
        started = time.perf_counter()
        reader.views(app_id, doel_id, chosen)
        batch.append((time.perf_counter() - started) * 1000)
    reader.close()
    db.close()

    def p99(values: list[float]) -> float:
        return statistics.quantiles(values, n=100)[98]

    return [
        Measurement("streams.read.bare.p99", "bare sqlite3 SELECT by key, p99", "ms",
                    (p99(bare),), higher_is_better=False, distribution=Distribution.of(bare)),
        Measurement("streams.read.p50", "gateway read of one view (ProjectionReader), p50", "ms",
                    (statistics.median(one),), higher_is_better=False,
                    distribution=Distribution.of(one)),
        Measurement("streams.read.p99", "gateway read of one view, p99", "ms", (p99(one),),
                    higher_is_better=False, baseline="streams.read.bare.p99",
                    distribution=Distribution.of(one)),
        Measurement("streams.read.batch.p99", "100 views in one read (DataLoader batch), p99",
                    "ms", (p99(batch),), higher_is_better=False,
                    distribution=Distribution.of(batch)),
    ]  # fmt: skip


def _settings(base: Settings, folder: str, group: str) -> Settings:
    url = f"sqlite:///{Path(folder) / (group + '.db')}"
    return base.model_copy(update={"streams_group": group, "projections_database_url": url})


def _consents(loader: Loader) -> ToestemmingRegistry:
    runtime = loader.runtimes["toestemming"]
    return ToestemmingRegistry(runtime.database, load_policy(), runtime.publisher("toestemming"),
                               runtime.publisher("app"), runtime.publisher("doel"))  # fmt: skip


def _worker_run(settings: Settings, folder: Path, repeat: int) -> tuple[float, float]:
    ends = topic_ends(settings.bootstrap_servers, SOURCES)
    total = sum(ends.values())
    ProjectionStore(database_url(settings, "projections")).close()  # its tables, for the poll
    env = {"BRON_DATA_DIR": str(settings.data_dir),
           "BRON_KAFKA_BOOTSTRAP": settings.bootstrap_servers,
           "BRON_SCHEMA_REGISTRY_URL": str(settings.schema_registry_url),
           "BRON_STREAMS_GROUP": settings.streams_group,
           "BRON_PROJECTIONS_DATABASE_URL": str(settings.projections_database_url)}  # fmt: skip
    worker = ManagedProcess("worker", bron_command("streams", "worker", "--instance", f"b{repeat}"),
                            folder / f"worker-{repeat}.log", env)  # fmt: skip
    started = time.perf_counter()
    worker.start()
    first_at = first_done = None
    try:
        with consumed(settings) as done_now:
            while True:
                done = done_now()
                now = time.perf_counter()
                if first_at is None and done:
                    first_at, first_done = now, done
                if done >= total:
                    break
                if now - started > 900:
                    raise TimeoutError(f"the worker did {done} of {total} events in 900 s")
                time.sleep(0.05)
    finally:
        worker.stop()
    assert first_at is not None
    assert first_done is not None
    elapsed = max(now - first_at, 1e-6)
    return (total - first_done) / elapsed, first_at - started


@contextmanager
def consumed(settings: Settings) -> Iterator[Callable[[], int]]:
    """How many source events the worker's store has consumed, asked through a reader engine
    (through the store's writer engine each poll would queue for the worker's write lock)."""
    engine = store_engine(database_url(settings, "projections"), writer=False)
    try:
        yield lambda: stored_offsets(engine, settings.streams_group)
    finally:
        engine.dispose()


def stored_offsets(engine: Engine, group: str) -> int:
    """The sum of the group's next offsets on the source topics, as the store has them."""
    t = consumer_offset
    query = select(func.coalesce(func.sum(t.c.next_offset), 0)).where(
        t.c.consumer == group, t.c.topic.in_(SOURCES)
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())


def _revocations(
    loader: Loader,
    consents: ToestemmingRegistry,
    base: Settings,
    folder: str,
    persons: int,
    seed: int,
    count: int,
    bootstrap: str,
) -> tuple[list[float], list[float]]:
    settings = _settings(base, folder, f"bench-rev-{uuid.uuid4().hex[:6]}")
    store = ProjectionStore(database_url(settings, "projections"))
    store.close()
    reader = ProjectionReader(database_url(settings, "projections"))
    env = {"BRON_DATA_DIR": str(settings.data_dir), "BRON_KAFKA_BOOTSTRAP": bootstrap,
           "BRON_SCHEMA_REGISTRY_URL": str(settings.schema_registry_url),
           "BRON_STREAMS_GROUP": settings.streams_group,
           "BRON_PROJECTIONS_DATABASE_URL": str(settings.projections_database_url)}  # fmt: skip
    worker = ManagedProcess("worker", bron_command("streams", "worker", "--instance", "rev"),
                            Path(folder) / "worker-rev.log", env)  # fmt: skip
    steps = list(plan(persons, seed))
    consenting = {str(s.command.persoonId) for s in steps
                  if isinstance(s.command, ToestemmingVerlenen)}  # fmt: skip
    residents = [s.command for s in steps if isinstance(s.command, Inschrijven)
                 and s.command.gemeente_van_inschrijving == "0363"
                 and s.command.geheimhouding_persoonsgegevens == 0
                 and s.command.persoon_id not in consenting][:count]  # fmt: skip
    latencies: list[float] = []
    worker.start()
    try:
        target = sum(topic_ends(bootstrap, SOURCES).values())
        with consumed(settings) as done_now:  # measured at rest, not catching up
            while done_now() < target:
                time.sleep(0.2)
        for person in residents:
            granted = ToestemmingVerlenen(toestemmingId=uuid.uuid4(),
                                          persoonId=uuid.UUID(person.persoon_id),
                                          appId="parkeren", doelId="parkeervergunning")  # fmt: skip
            consents.execute(granted)
            _until(lambda p=person: reader.view("parkeren", "parkeervergunning", p.persoon_id)
                   is not None, 600)  # fmt: skip
            started = time.perf_counter()
            consents.execute(ToestemmingIntrekken(toestemmingId=granted.toestemmingId))
            _until(lambda p=person: reader.view("parkeren", "parkeervergunning", p.persoon_id)
                   is None, 30)  # fmt: skip
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        worker.stop()
        reader.close()
    return latencies, _round_trips(bootstrap, count)


def _until(check: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("the projection did not follow")
        time.sleep(0.002)


def _round_trips(bootstrap: str, count: int) -> list[float]:
    topic = create_topic(bootstrap, "bench-round-trip", partitions=1)
    consumer = make_consumer(bootstrap, f"rt-{uuid.uuid4().hex[:6]}")
    partition = TopicPartition(topic, 0)
    _, high = consumer.get_watermark_offsets(partition, 10)
    consumer.assign([TopicPartition(topic, 0, high)])
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0})
    times = []
    try:
        for _ in range(count):
            marker = uuid.uuid4().hex.encode()
            started = time.perf_counter()
            producer.produce(topic, key=b"bench-round-trip", value=marker)
            producer.flush(10)
            while True:
                m = consumer.poll(1.0)
                if m is not None and m.error() is None and m.value() == marker:
                    break
            times.append((time.perf_counter() - started) * 1000)
    finally:
        consumer.close()
    return times
