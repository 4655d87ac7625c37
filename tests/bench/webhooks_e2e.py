"""Webhooks end to end: from a change committed by a registry's use case to the webhook at the
receiver, at a fixed rate, against a bare produce → consume round trip measured in the same run.

Set-up (as `tests.bench.projections`): the registries' use cases over fresh SQLite databases
with their relays running in this process, the register of apps and purposes, N synthetic
persons; a `bron streams worker` process on an empty store, waited for until it has caught up
with the source topics; then a `bron webhooks dispatch` process (a group and store of its own),
with one subscription of app `parkeren`, purpose `parkeervergunning` (on consent), kind
`toestemming-gewijzigd`, to the bench's receiver (`tests.bench.webhooks:receiver`, which notes
when each persoonId first arrived on the path `e2e`), waited for until it has read the per-app
topics to their end.

Figure: consents granted (`ToestemmingVerlenen` through the consent register's use case) for
distinct residents of 0363 without geheimhouding, one every 1/rate s (5/s: well below what the
worker keeps up with); from the moment `execute` returned (committed, with its outbox row)
until the receiver had the webhook about that person: the relay publishes the event, the
worker projects it and writes the per-app record, the dispatcher queues it, logs the
processing, signs and POSTs it. p50 and p99. Baseline: one record produced (acks=all) and read
back by a consumer already assigned (`tests.bench.projections._round_trips`), p50."""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

from bron.db import database_url
from bron.http.auth import KeyPair, issue
from bron.process import ManagedProcess, bron_command
from bron.settings import Settings
from bron.testing import free_ports, topic_ends
from services.brp.domain import Inschrijven
from services.generator import plan
from services.importer.generate import Loader, generate
from services.toestemming.domain import ToestemmingVerlenen
from services.toestemming.service import ToestemmingRegistry
from services.webhooks.store import WebhookStore
from streams.store import ProjectionStore
from streams.worker import SOURCES
from tests.bench.harness import BenchContext, Distribution, Measurement
from tests.bench.projections import _consents, _round_trips, _settings, consumed
from tests.integration.registries import registry_settings

APP, DOEL, KIND, GEMEENTE = "parkeren", "parkeervergunning", "toestemming-gewijzigd", "0363"
PATH = "e2e"  # the receiver notes the persoonId of what arrives on this path
RATE = 5  # changes per second


def bench_webhooks_e2e(
    ctx: BenchContext, registry_url: str, receiver_url: str
) -> list[Measurement]:
    """`registry_url`: a schema registry with the contracts; `receiver_url`: the bench's
    receiver, running."""
    seconds = 4 if ctx.quick else 20
    count = RATE * seconds
    persons = 200 if ctx.quick else 800  # about 15 % are residents of 0363 without a consent
    with tempfile.TemporaryDirectory(prefix="bron-bench-webhooks-e2e-") as name:
        folder = Path(name)
        base = registry_settings(folder, ctx.bootstrap, registry_url)
        settings = _settings(base, name, f"bench-e2e-{uuid.uuid4().hex[:6]}")
        loader = Loader(base)
        try:
            consents = _consents(loader)
            consents.sync_policy()
            loader.start_relays()
            seed = uuid.uuid4().int % 100_000
            residents = _residents(persons, seed, count)
            generate(loader, persons, seed=seed)
            _wait(lambda: not loader.pending(), 300, "the relays publishing the population")
            worker = _worker(settings, folder)
            worker.start()
            try:
                _catch_up_worker(worker, settings)
                committed, arrived = _deliveries(ctx, folder, registry_url, receiver_url,
                                                 consents, residents, worker)  # fmt: skip
            finally:
                worker.stop()
        finally:
            loader.close()
    latencies = [(arrived[p] - at) * 1000 for p, at in committed.items()]
    trips = _round_trips(ctx.bootstrap, 100)
    bare = statistics.median(trips)
    title = f"registry commit → webhook received at {RATE} changes/s (relay, stream worker, "
    note = f"{count} consents granted over {seconds} s; {persons} persons registered"
    return [
        Measurement(
            "webhooks.e2e.bare",
            "produce → consume round trip p50",
            "ms",
            (bare,),
            higher_is_better=False,
            note="one record (acks=all) read back by a consumer already assigned, 100 times",
            distribution=Distribution.of(trips),
        ),
        *(
            Measurement(
                f"webhooks.e2e.p{q}",
                f"{title}dispatcher), p{q}",
                "ms",
                (value,),
                higher_is_better=False,
                baseline="webhooks.e2e.bare",
                note=note,
                distribution=Distribution.of(latencies),
            )
            for q, value in (
                (50, statistics.median(latencies)),
                (99, statistics.quantiles(latencies, n=100)[98]),
            )
        ),
    ]


def _residents(persons: int, seed: int, count: int) -> list[str]:
    """persoonIds of residents of 0363 without geheimhouding and without a consent yet."""
    steps = list(plan(persons, seed))
    consenting = {str(s.command.persoonId) for s in steps
                  if isinstance(s.command, ToestemmingVerlenen)}  # fmt: skip
    found = [s.command.persoon_id for s in steps if isinstance(s.command, Inschrijven)
             and s.command.gemeente_van_inschrijving == GEMEENTE
             and s.command.geheimhouding_persoonsgegevens == 0
             and s.command.persoon_id not in consenting]  # fmt: skip
    if len(found) < count:
        raise RuntimeError(
            f"{persons} persons (seed {seed}) give {len(found)} residents of {GEMEENTE} "
            f"to grant a consent, {count} needed: register more persons"
        )
    return [str(uuid.UUID(p)) for p in found[:count]]


def _worker(settings: Settings, folder: Path) -> ManagedProcess:
    ProjectionStore(database_url(settings, "projections")).close()  # the schema, before it runs
    (port,) = free_ports(1)
    env = {
        "BRON_DATA_DIR": str(settings.data_dir),
        "BRON_KAFKA_BOOTSTRAP": settings.bootstrap_servers,
        "BRON_SCHEMA_REGISTRY_URL": str(settings.schema_registry_url),
        "BRON_STREAMS_GROUP": settings.streams_group,
        "BRON_STREAMS_PORT": str(port),
        "BRON_PROJECTIONS_DATABASE_URL": str(settings.projections_database_url),
    }
    command = bron_command("streams", "worker", "--instance", "e2e")
    return ManagedProcess("worker", command, folder / "worker.log", env)


def _catch_up_worker(worker: ManagedProcess, settings: Settings) -> None:
    """Until the worker's store has the source topics to their end: measured at rest."""
    target = sum(topic_ends(settings.bootstrap_servers, SOURCES).values())
    ProjectionStore(database_url(settings, "projections")).close()  # its tables, for the poll
    with consumed(settings) as done_now:
        _wait(lambda: done_now() >= target, 900, "the worker catching up", worker)


def _deliveries(
    ctx: BenchContext,
    folder: Path,
    registry_url: str,
    receiver_url: str,
    consents: ToestemmingRegistry,
    residents: list[str],
    worker: ManagedProcess,
) -> tuple[dict[str, float], dict[str, float]]:
    """Starts the dispatcher, subscribes, grants the consents at RATE; (commit times,
    arrival times) by persoonId."""
    data = folder / "webhooks"
    keys = KeyPair(data / "keys")  # before the dispatcher reads them
    (port,) = free_ports(1)
    api_url, group = f"http://127.0.0.1:{port}", f"bench-e2e-{uuid.uuid4().hex[:8]}"
    store_url = f"sqlite:///{data / 'webhooks.db'}"
    env = {
        "BRON_DATA_DIR": str(data),
        "BRON_KAFKA_BOOTSTRAP": ctx.bootstrap,
        "BRON_SCHEMA_REGISTRY_URL": registry_url,
        "BRON_WEBHOOKS_PORT": str(port),
        "BRON_WEBHOOKS_GROUP": group,
        "BRON_WEBHOOKS_DATABASE_URL": store_url,
        "BRON_LOG_LEVEL": "warning",
    }
    command = bron_command("webhooks", "dispatch", "--instance", "e2e")
    dispatcher = ManagedProcess("webhooks", command, folder / "webhooks.log", env)
    # the per-app topics as the worker left them
    apps = topic_ends(ctx.bootstrap, lambda t: t.startswith("bron.app."))
    dispatcher.start()
    try:
        dispatcher.wait_healthy(f"{api_url}/health", 60)
        token = issue(keys, subject=f"client-{APP}", audience="bron:webhooks", app_id=APP)
        with httpx.Client(base_url=api_url, timeout=30) as api:
            body = {"doel": DOEL, "url": f"{receiver_url}/{PATH}", "soorten": [KIND]}
            response = api.post(
                "/abonnementen", json=body, headers={"Authorization": f"Bearer {token}"}
            )
            response.raise_for_status()
        store = WebhookStore(store_url)
        try:
            _wait(lambda: _read_to(store.offsets(group), apps), 300,
                  "the dispatcher reading the per-app topics", dispatcher)  # fmt: skip
        finally:
            store.close()
        httpx.post(f"{receiver_url}/stats", timeout=30).raise_for_status()
        committed: dict[str, float] = {}
        started = time.perf_counter()
        for i, persoon in enumerate(residents):
            _sleep_until(started + i / RATE)
            consents.execute(ToestemmingVerlenen(toestemmingId=uuid.uuid4(),
                                                 persoonId=uuid.UUID(persoon),
                                                 appId=APP, doelId=DOEL))  # fmt: skip
            committed[persoon] = time.time()
        arrived: dict[str, float] = {}

        def complete() -> bool:
            arrived.update(httpx.get(f"{receiver_url}/persons", timeout=30).json())
            return committed.keys() <= arrived.keys()

        _wait(complete, 120, "the webhooks arriving", dispatcher, worker)
        return committed, arrived
    finally:
        dispatcher.stop()


def _read_to(stored: dict[tuple[str, int], int], ends: dict[tuple[str, int], int]) -> bool:
    return all(stored.get(partition, 0) >= end for partition, end in ends.items())


def _wait(check: Callable[[], bool], timeout: float, what: str, *processes: ManagedProcess) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        for p in processes:
            if p.proc is None or p.proc.poll() is not None:
                raise RuntimeError(f"webhooks e2e bench: {p.name} exited, see {p.log_file}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"webhooks e2e bench: {what} not within {timeout} s")
        time.sleep(0.05)


def _sleep_until(moment: float) -> None:
    left = moment - time.perf_counter()
    if left > 0:
        time.sleep(left)
