"""The whole data layer as separate processes with one data directory, started the way
`bron up` starts it (bron/cli/up.py: the same `bron` commands, the same environment, the same
health checks), so that each component can be SIGKILLed and started again on its own.

Differences from `bron up`, each needed to inject a fault: the broker is this process's
`LocalBroker` (as `bron kafka start` runs it), so that it can be killed and started again on
the same data directory; the registries run without their relay (`BRON_RELAY_IN_PROCESS=false`)
and every relay is a `bron relay <registry>` process of its own; the catalog is left out.

A component that ends by itself (not killed here) is restarted as a supervisor would and
recorded in `exits`: `bron up` would have stopped the whole stack instead."""

from __future__ import annotations

import random
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from bron.contracts.registry_client import RegistryClient, compact
from bron.contracts.schemafiles import load_schema_files
from bron.db import database_url, make_engine
from bron.errors import PortInUseError
from bron.http.auth import KeyPair
from bron.kafka.admin import ensure_topics
from bron.kafka.broker import LocalBroker, port_is_free
from bron.process import ManagedProcess, bron_command
from bron.settings import Settings, load_settings
from bron.topics import TOPICS
from services.bag import store as bag_store
from services.brp import store as brp_store
from services.outbox import Outbox
from services.toestemming import store as toestemming_store
from services.woz import store as woz_store
from tests.integration.test_cli import env_for

REGISTRIES = ("bag", "brp", "woz", "toestemming")
OUTBOXES: dict[str, Outbox] = {
    "bag": bag_store.outbox,
    "brp": brp_store.outbox,
    "woz": woz_store.outbox,
    "toestemming": toestemming_store.outbox,
}
HEALTH_TIMEOUT = 60.0  # as `bron up`
WORKER = "stream worker"
GATEWAY = "gateway"
WEBHOOKS = "webhook dispatcher"
SCHEMAS = "schema registry"


@dataclass(frozen=True, slots=True)
class Exit:
    """A component that ended without being killed: what a supervisor would have seen."""

    component: str
    code: int | None
    at: float
    log_tail: str


@dataclass
class Component:
    """One `bron …` process: how it is started and when it counts as healthy."""

    name: str
    args: list[str]
    env: dict[str, str]
    log_file: Path
    healthy: Callable[[ManagedProcess], float]
    process: ManagedProcess | None = None
    starts: int = 0

    def spawn(self) -> ManagedProcess:
        self.process = ManagedProcess(self.name, self.args, self.log_file, self.env)
        self.process.start()
        self.starts += 1
        return self.process

    def start(self) -> float:
        """Start it and wait for its health, as `bron up` does; seconds until healthy."""
        return self.healthy(self.spawn())

    def kill(self) -> None:
        proc = self.process.proc if self.process else None
        assert proc is not None, f"{self.name} was never started"
        assert proc.poll() is None, f"{self.name} is not running"
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def ended(self) -> int | None:
        """The exit code when it ended (not killed here), else None."""
        proc = self.process.proc if self.process else None
        return None if proc is None else proc.poll()

    def stop(self) -> str:
        return self.process.stop() if self.process else "not started"

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_file.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(text[-lines:])


def http_health(url: str) -> Callable[[ManagedProcess], float]:
    return lambda process: process.wait_healthy(url, HEALTH_TIMEOUT)


def lease_health(settings: Settings, registry: str) -> Callable[[ManagedProcess], float]:
    """A relay has no HTTP endpoint: it is healthy once it holds its outbox's lease (after a
    SIGKILL of the previous holder that takes until the lease expires, 10 s)."""
    engine_url = database_url(settings, registry)
    lease = OUTBOXES[registry].lease_table

    def wait(process: ManagedProcess) -> float:
        started = time.monotonic()
        assert process.proc is not None
        prefix = f"{socket.gethostname()}:{process.proc.pid}:"
        engine = make_engine(engine_url, writer=False)
        try:
            while time.monotonic() - started < HEALTH_TIMEOUT:
                if process.proc.poll() is not None:
                    raise AssertionError(f"{process.name} exited while starting")
                with engine.connect() as conn:
                    owner = conn.execute(select(lease.c.owner)).scalar()
                if owner is not None and str(owner).startswith(prefix):
                    return time.monotonic() - started
                time.sleep(0.1)
        finally:
            engine.dispose()
        raise AssertionError(f"{process.name} did not take the lease in {HEALTH_TIMEOUT} s")

    return wait


PORT_SETTINGS = ("BRON_KAFKA_PORT", "BRON_KAFKA_CONTROLLER_PORT", "BRON_SCHEMA_REGISTRY_PORT",
                 "BRON_BAG_PORT", "BRON_BRP_PORT", "BRON_WOZ_PORT", "BRON_TOESTEMMING_PORT",
                 "BRON_STREAMS_PORT", "BRON_GATEWAY_PORT", "BRON_WEBHOOKS_PORT")  # fmt: skip


def steady_ports(count: int) -> list[int]:
    """Free ports below the kernel's ephemeral range. `free_ports` hands out ephemeral ports:
    while a killed component is down, any outgoing connection on the machine may be given its
    port as a local port (and a keep-alive connection keeps it), so that the restart finds
    the port in use. Below the range, only a listener can take it."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    rng = random.Random()
    found: list[int] = []
    while len(found) < count:
        port = rng.randrange(min(20000, low // 2), low)
        if port not in found and port_is_free("127.0.0.1", port):
            found.append(port)
    return found


class Stack:
    def __init__(self, folder: Path) -> None:
        steady = dict(zip(PORT_SETTINGS, map(str, steady_ports(len(PORT_SETTINGS))), strict=True))
        ports = {k: v for k, v in env_for(folder, **steady).items() if k.startswith("BRON_")}
        self.env = {**ports, "BRON_LOG_FORMAT": "json",
                    # `bron up` leaves it at 300 s; a delivery that failed during the broker's
                    # outage would make the drain wait minutes for its next attempt.
                    "BRON_WEBHOOKS_BACKOFF_MAX": "5"}  # fmt: skip
        values = {k.removeprefix("BRON_").lower(): v for k, v in self.env.items()}
        self.settings = load_settings(**values)
        self.data_dir = self.settings.data_dir
        self.broker = LocalBroker(self.settings)
        self.bootstrap = self.broker.bootstrap
        self.registry_url = self.settings.registry_url
        self.gateway_url = f"http://127.0.0.1:{self.settings.gateway_port}"
        self.webhooks_url = f"http://127.0.0.1:{self.settings.webhooks_port}"
        self.components: dict[str, Component] = {}
        self.exits: list[Exit] = []
        # the client settings of the test itself: this broker, this schema registry
        self.client_settings = self.settings.model_copy(
            update={"kafka_bootstrap": self.bootstrap, "schema_registry_url": self.registry_url}
        )

    # -- start and stop ---------------------------------------------------------------------

    def start(self) -> None:
        KeyPair(self.data_dir / "keys")  # one signing key before any service makes its own
        # as `start_kafka` (bron up) does, but with this `LocalBroker`, which then holds the
        # broker's process: its `kill` waits until the process is gone and its ports are free.
        self.broker.start()
        ensure_topics(self.bootstrap, TOPICS, replication_factor=1)
        children = {"BRON_KAFKA_BOOTSTRAP": self.bootstrap}
        wired = {**self.env, **children, "BRON_SCHEMA_REGISTRY_URL": self.registry_url}
        logs = self.data_dir / "logs"

        def add(name: str, args: list[str], env: dict[str, str], log: str,
                healthy: Callable[[ManagedProcess], float]) -> Component:  # fmt: skip
            component = Component(name, args, env, logs / f"{log}.log", healthy)
            self.components[name] = component
            return component

        schemas = add(SCHEMAS, bron_command("schema-registry", "serve"), {**self.env, **children},
                      "schema-registry", http_health(f"{self.registry_url}/health"))  # fmt: skip
        schemas.start()
        with RegistryClient(self.registry_url) as client:  # as `bron up` registers them
            for f in load_schema_files():
                client.register(f.subject, compact(f.schema))
        registries = [
            add(f"{name} registry", bron_command("registry", "serve", name),
                {**wired, "BRON_RELAY_IN_PROCESS": "false"}, name,
                http_health(f"{self.settings.registry_base_url(name)}/health"))
            for name in REGISTRIES
        ]  # fmt: skip
        relays = [
            add(f"{name} relay", bron_command("relay", name), wired, f"{name}-relay",
                lease_health(self.settings, name))
            for name in REGISTRIES
        ]  # fmt: skip
        metrics = f"http://127.0.0.1:{self.settings.streams_port}/metrics"
        worker = add(WORKER, bron_command("streams", "worker", "--instance", "up-1"), wired,
                     "streams", http_health(metrics))  # fmt: skip
        gateway = add(GATEWAY, bron_command("gateway", "serve"), wired, "gateway",
                      http_health(f"{self.gateway_url}/health"))  # fmt: skip
        webhooks = add(WEBHOOKS, bron_command("webhooks", "dispatch", "--instance", "up-1"),
                       wired, "webhooks", http_health(f"{self.webhooks_url}/health"))  # fmt: skip
        # `bron up` starts them one after another; started together they are ready sooner
        for together in ([*registries, *relays], [worker, gateway, webhooks]):
            for component, process in [(c, c.spawn()) for c in together]:
                component.healthy(process)

    def stop(self) -> None:
        for component in reversed(self.components.values()):
            component.stop()
        self.broker.stop()

    # -- faults -----------------------------------------------------------------------------

    def kill_broker(self) -> None:
        """SIGKILL, as a crash would; then `bron kafka start` on the same data directory."""
        self.broker.kill()

    def start_broker(self) -> float:
        try:
            return self.broker.start().seconds_to_ready
        except PortInUseError as exc:  # who holds it, for the report
            held = subprocess.run(["ss", "-tanp", f"sport = :{self.settings.kafka_port}"],
                                  capture_output=True, text=True, check=False).stdout  # fmt: skip
            raise AssertionError(f"{exc.message}:\n{held}") from None

    def supervise(self) -> list[Exit]:
        """Restart every component that ended by itself (recorded in `exits`)."""
        found = []
        for component in self.components.values():
            code = component.ended()
            if code is not None:
                found.append(Exit(component.name, code, time.time(), component.log_tail()))
                component.start()
        self.exits.extend(found)
        return found

    def sleep(self, seconds: float) -> None:
        """Wait, restarting whatever ends by itself meanwhile."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.supervise()
            time.sleep(min(0.2, left))


@dataclass
class Phase:
    """A stretch of the run: the steady load alone, one component's faults, or the drain."""

    fault: str
    start: float
    end: float = float("inf")
    injected: int = 0
    recovery: list[float] = field(default_factory=list)  # seconds from kill to healthy

    def holds(self, moment: float) -> bool:
        return self.start <= moment < self.end
