"""The processes of a scale run, each a context manager that stops what it started, also on
Ctrl-C or an exception: the Kafka broker (ours, or BRON_KAFKA_BOOTSTRAP's), the schema
registry (`bron schema-registry serve`, with every contract registered), the stream workers
(`bron streams worker`), the gateway (`bron gateway serve`) and the gateway's bare baseline
(`python -m tests.bench.bare_gateway`); with `--store postgresql`, a PostgreSQL cluster of the
run's own for the projection store.

Every process gets free ports and the run's own data folder, Kafka group and `_schemas` topic,
so that a scale run beside a `bron up` or another benchmark shares nothing with it. A process
is watched for memory from its start and read a last time before it is stopped."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bron.contracts.registry_client import RegistryClient, compact
from bron.contracts.schemafiles import load_schema_files
from bron.kafka.admin import ensure_topics, wait_ready
from bron.kafka.broker import LocalBroker
from bron.pgtest import postgres_cluster
from bron.process import ManagedProcess, bron_command
from bron.settings import Settings
from bron.testing import broker_settings, free_ports, running_broker
from bron.topics import TOPICS
from tests.bench.scale_watch import MemoryWatch

HOST = "127.0.0.1"
START_TIMEOUT = 120.0
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class Kafka:
    bootstrap: str
    broker: LocalBroker | None  # None: an external cluster (BRON_KAFKA_BOOTSTRAP)


@dataclass(frozen=True, slots=True)
class Service:
    process: ManagedProcess
    url: str


@contextmanager
def kafka(folder: Path, bootstrap: str | None, heap: str, watch: MemoryWatch) -> Iterator[Kafka]:
    """The given cluster, or a broker of our own in `folder`/kafka (stopped at the end)."""
    if bootstrap:
        wait_ready(bootstrap, 30)
        yield Kafka(bootstrap, None)
        return
    with running_broker(broker_settings(folder, kafka_heap=heap)) as broker:
        pid = broker.pid()
        if pid is not None:
            watch.watch("Kafka broker (JVM)", pid)
        try:
            yield Kafka(broker.bootstrap, broker)
        finally:
            watch.last("Kafka broker (JVM)")


@contextmanager
def postgres_store() -> Iterator[str]:
    """The URL of an empty `projections` database in a PostgreSQL cluster started for the run
    (Debian's server binaries, `make postgres`) with PostgreSQL's durable defaults: fsync on,
    synchronous commits, as a production store runs. Stopped and removed at the end."""
    with postgres_cluster(free_ports(1)[0], durable=True) as server:
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(sa.text("CREATE DATABASE projections"))
        finally:
            admin.dispose()
        yield server.rsplit("/", 1)[0] + "/projections"


@contextmanager
def running(
    process: ManagedProcess, watch: MemoryWatch, health: str | None = None
) -> Iterator[ManagedProcess]:
    """Started (and healthy at `health`, when given), watched, and stopped at the end."""
    process.start()
    try:
        assert process.proc is not None
        watch.watch(process.name, process.proc.pid)
        if health is not None:
            process.wait_healthy(health, START_TIMEOUT)
        yield process
    finally:
        watch.last(process.name)
        process.stop()


def service_env(settings: Settings) -> dict[str, str]:
    """What every Bron process of the run is told: its data, Kafka and the schema registry."""
    env = {"BRON_DATA_DIR": str(settings.data_dir.resolve()),
           "BRON_KAFKA_BOOTSTRAP": settings.bootstrap_servers,
           "BRON_SCHEMA_REGISTRY_URL": settings.registry_url}  # fmt: skip
    if settings.projections_database_url:
        env["BRON_PROJECTIONS_DATABASE_URL"] = settings.projections_database_url
    return env


@contextmanager
def schema_registry(folder: Path, bootstrap: str, watch: MemoryWatch) -> Iterator[Service]:
    """Bron's schema registry as a process on a topic of its own, every contract registered."""
    ensure_topics(bootstrap, TOPICS)
    port = free_ports(1)[0]
    env = {"BRON_DATA_DIR": str(folder / "var"), "BRON_KAFKA_BOOTSTRAP": bootstrap,
           "BRON_SCHEMA_REGISTRY_HOST": HOST, "BRON_SCHEMA_REGISTRY_PORT": str(port),
           "BRON_SCHEMA_REGISTRY_TOPIC": f"_schemas-scale-{uuid.uuid4().hex[:8]}"}  # fmt: skip
    process = ManagedProcess("schema registry", bron_command("schema-registry", "serve"),
                             folder / "logs" / "schema-registry.log", env)  # fmt: skip
    url = f"http://{HOST}:{port}"
    with running(process, watch, f"{url}/health"), RegistryClient(url) as client:
        for f in load_schema_files():
            client.register(f.subject, compact(f.schema))
        yield Service(process, url)


def worker(settings: Settings, folder: Path, index: int) -> ManagedProcess:
    """A `bron streams worker` of the run's group, its /metrics on a free port."""
    port = str(free_ports(1)[0])
    env = {**service_env(settings), "BRON_STREAMS_GROUP": settings.streams_group,
           "BRON_STREAMS_PORT": port}  # fmt: skip
    command = bron_command("streams", "worker", "--instance", f"scale-{index}",
                           "--metrics-port", port)  # fmt: skip
    return ManagedProcess(f"stream worker {index}", command,
                          folder / "logs" / f"worker-{index}.log", env)  # fmt: skip


def gateway(settings: Settings, folder: Path) -> Service:
    """`bron gateway serve` over the projection store, as the gateway benchmark sets it up:
    no rate limit (throughput, not the limiter), room for a query of 100 BSNs."""
    port = free_ports(1)[0]
    env = {**service_env(settings), "BRON_GATEWAY_HOST": HOST, "BRON_GATEWAY_PORT": str(port),
           "BRON_GATEWAY_RATE_LIMIT": "0", "BRON_GATEWAY_MAX_TOKENS": "10000",
           "BRON_GATEWAY_MAX_BODY_BYTES": str(64 * 1024)}  # fmt: skip
    process = ManagedProcess("gateway", bron_command("gateway", "serve"),
                             folder / "logs" / "gateway.log", env)  # fmt: skip
    return Service(process, f"http://{HOST}:{port}")


def bare_gateway(store_url: str, folder: Path) -> Service:
    """The gateway benchmark's bare Starlette endpoint, in a process of its own."""
    port = free_ports(1)[0]
    command = [sys.executable, "-m", "tests.bench.bare_gateway", "--store", store_url,
               "--host", HOST, "--port", str(port)]  # fmt: skip
    log = folder / "logs" / "bare-gateway.log"
    process = ManagedProcess("bare gateway (baseline)", command, log, {"PYTHONPATH": str(REPO)})
    return Service(process, f"http://{HOST}:{port}")
