"""Child processes of `bron up`: started with their output in a log file, checked over HTTP,
stopped with SIGTERM and, after a timeout, SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bron.errors import BronError


@dataclass(slots=True)
class ManagedProcess:
    name: str
    args: list[str]
    log_file: Path
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            self.proc = subprocess.Popen(
                self.args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                start_new_session=True,
            )

    def wait_healthy(self, url: str, timeout: float) -> float:
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if self.proc is None or self.proc.poll() is not None:
                raise BronError(
                    f"{self.name} exited while starting",
                    suggestion=f"look at its log: {self.log_file}",
                )
            try:
                if httpx.get(url, timeout=1).status_code == 200:
                    return time.monotonic() - started
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise BronError(f"{self.name} not healthy at {url} after {timeout:.0f} s")

    def stop(self, timeout: float = 15.0) -> str:
        if self.proc is None or self.proc.poll() is not None:
            return "not running"
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
            return "stopped"
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "killed after timeout"


def bron_command(*args: str) -> list[str]:
    """Run a `bron` subcommand with this interpreter (works without the venv on PATH)."""
    return [sys.executable, "-m", "bron.cli", *args]
