"""A local single-node KRaft broker that Bron starts, watches and stops itself.

Files under `<data dir>/kafka/`: `data/` (the log dirs, formatted on first start),
`server.properties`, `log4j2.properties`, `logs/server.log` (the broker's log),
`logs/stdout.log` (the JVM's console), `broker.pid` and `cluster.id`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bron.errors import BrokerStartError, ClusterIdMismatch, PortInUseError
from bron.kafka import admin
from bron.kafka.config import (
    log4j2_properties,
    new_cluster_id,
    parse_properties,
    render_properties,
    server_properties,
)
from bron.kafka.jars import ensure_jars, kafka_version
from bron.kafka.tools import require_java
from bron.settings import Settings
from bron.types import ClusterId


@dataclass(frozen=True, slots=True)
class BrokerStatus:
    running: bool
    ready: bool
    pid: int | None
    bootstrap: str
    version: str
    data_dir: Path
    cluster_id: str | None
    log_file: Path


@dataclass(frozen=True, slots=True)
class StartResult:
    pid: int
    seconds_to_ready: float
    formatted: bool
    already_running: bool


class LocalBroker:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.home = settings.kafka_data_dir.resolve()
        self.log_dirs = self.home / "data"
        self.config_file = self.home / "server.properties"
        self.log4j_file = self.home / "log4j2.properties"
        self.log_file = self.home / "logs" / "server.log"
        self.console_file = self.home / "logs" / "stdout.log"
        self.pid_file = self.home / "broker.pid"
        self.cluster_id_file = self.home / "cluster.id"
        self.bootstrap = f"{settings.kafka_host}:{settings.kafka_port}"
        self._proc: subprocess.Popen[bytes] | None = None

    # -- queries ---------------------------------------------------------------------------

    def pid(self) -> int | None:
        """The pid of this data directory's broker when it is alive (else None)."""
        if self._proc is not None and self._proc.poll() is None:
            return self._proc.pid
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _is_our_broker(pid, self.config_file) else None

    def status(self) -> BrokerStatus:
        pid = self.pid()
        ready = pid is not None and admin.metadata_ok(admin.admin_client(self.bootstrap), 2.0)
        return BrokerStatus(
            running=pid is not None,
            ready=ready,
            pid=pid,
            bootstrap=self.bootstrap,
            version=kafka_version(self.settings.kafka_pom),
            data_dir=self.home,
            cluster_id=self._stored_cluster_id(),
            log_file=self.log_file,
        )

    # -- commands --------------------------------------------------------------------------

    def start(self) -> StartResult:
        """Start the broker (formatting storage the first time) and wait until it is ready."""
        running = self.pid()
        if running is not None:
            seconds = admin.wait_ready(self.bootstrap, self.settings.kafka_start_timeout)
            return StartResult(running, seconds, formatted=False, already_running=True)
        java = require_java()
        libs = ensure_jars(self.settings.cache_dir, self.settings.kafka_pom)
        self._check_ports_free()
        self._write_configs()
        formatted = self._format_if_new(java, libs)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        command = [
            java,
            f"-Xmx{self.settings.kafka_heap}",
            f"-Xms{self.settings.kafka_heap}",
            "-XX:+UseG1GC",
            "-Djava.awt.headless=true",
            f"-Dlog4j2.configurationFile={self.log4j_file}",
            f"-Dkafka.logs.dir={self.log_file.parent}",
            "-cp",
            f"{libs}/*",
            "kafka.Kafka",
            str(self.config_file),
        ]
        started = time.monotonic()
        with self.console_file.open("ab") as console:
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=console,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # outlives `bron kafka start`; Ctrl-C is ours to handle
            )
        self.pid_file.write_text(f"{self._proc.pid}\n")
        proc = self._proc
        try:
            admin.wait_ready(
                self.bootstrap, self.settings.kafka_start_timeout, alive=lambda: proc.poll() is None
            )
        except BrokerStartError as exc:
            self.stop()
            raise BrokerStartError(
                f"{exc.message}\n{self._log_tail()}",
                suggestion=exc.suggestion or f"the broker's log is {self.log_file}",
            ) from None
        return StartResult(proc.pid, time.monotonic() - started, formatted, already_running=False)

    def stop(self, timeout: float | None = None) -> str:
        """SIGTERM, then SIGKILL after the timeout. Returns how the broker ended."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return "not running"
        deadline = time.monotonic() + (timeout or self.settings.kafka_stop_timeout)
        _signal(pid, signal.SIGTERM)
        while time.monotonic() < deadline:
            if not self._alive(pid):
                self.pid_file.unlink(missing_ok=True)
                return "stopped"
            time.sleep(0.1)
        self.kill()
        return "killed after timeout"

    def kill(self) -> None:
        """SIGKILL, as a crash would: no clean shutdown (used by the resilience tests)."""
        pid = self.pid()
        if pid is None:
            return
        _signal(pid, signal.SIGKILL)
        while self._alive(pid):
            time.sleep(0.05)
        self.pid_file.unlink(missing_ok=True)

    # -- helpers ---------------------------------------------------------------------------

    def _alive(self, pid: int) -> bool:
        if self._proc is not None and self._proc.pid == pid:
            return self._proc.poll() is None
        return _is_our_broker(pid, self.config_file)

    def _check_ports_free(self) -> None:
        host = self.settings.kafka_host
        for name, port in (
            ("BRON_KAFKA_PORT", self.settings.kafka_port),
            ("BRON_KAFKA_CONTROLLER_PORT", self.settings.kafka_controller_port),
        ):
            if not port_is_free(host, port):
                raise PortInUseError(
                    f"port {port} on {host} ({name}) is in use by another process",
                    suggestion=f"stop that process (ss -ltnp 'sport = :{port}') or set {name}",
                )

    def _write_configs(self) -> None:
        self.log_dirs.mkdir(parents=True, exist_ok=True)
        props = server_properties(
            self.settings.kafka_host,
            self.settings.kafka_port,
            self.settings.kafka_controller_port,
            self.log_dirs,
        )
        self.config_file.write_text(render_properties(props))
        self.log4j_file.write_text(log4j2_properties(self.log_file))

    def _stored_cluster_id(self) -> ClusterId | None:
        try:
            return ClusterId(self.cluster_id_file.read_text().strip())
        except OSError:
            return None

    def _format_if_new(self, java: str, libs: Path) -> bool:
        meta = self.log_dirs / "meta.properties"
        stored = self._stored_cluster_id()
        if meta.exists():
            found = parse_properties(meta.read_text()).get("cluster.id")
            if stored is not None and found != stored:
                raise ClusterIdMismatch(
                    f"the data directory {self.log_dirs} belongs to cluster {found}, "
                    f"but this Bron stack is cluster {stored}",
                    suggestion="point BRON_DATA_DIR at this stack's data, or remove "
                    f"{self.home} to start with an empty broker",
                )
            if stored is None and found:
                self.cluster_id_file.write_text(found + "\n")
            return False
        cluster_id = stored or new_cluster_id()
        result = subprocess.run(
            [
                java,
                "-cp",
                f"{libs}/*",
                "kafka.tools.StorageTool",
                "format",
                # `=` form: a base64url id may start with "-", which argparse takes for an option
                f"--cluster-id={cluster_id}",
                "-c",
                str(self.config_file),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BrokerStartError(
                f"formatting {self.log_dirs} failed:\n{result.stdout}{result.stderr}".strip()
            )
        self.cluster_id_file.write_text(cluster_id + "\n")
        return True

    def _log_tail(self, lines: int = 20) -> str:
        chunks = []
        for path in (self.console_file, self.log_file):
            with contextlib.suppress(OSError):
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                errors = [t for t in tail if "ERROR" in t or "Exception" in t] or tail[-5:]
                chunks.append(f"--- {path} ---\n" + "\n".join(errors))
        return "\n".join(chunks)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _is_our_broker(pid: int, config_file: Path) -> bool:
    """Alive and really the broker of this config (not a pid reused by another program)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    ours = b"kafka.Kafka" in cmdline and str(config_file).encode() in cmdline
    if state == "Z":
        # A JVM killed with SIGKILL shows its main thread as a zombie while its other threads
        # still hold the sockets for a moment (its cmdline may read empty meanwhile): until
        # they are gone it still runs. A pid is not reused while its zombie exists.
        return _threads(pid) > 1 and (ours or not any(cmdline))
    return ours


def _threads(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
