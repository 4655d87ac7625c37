"""A throwaway PostgreSQL cluster for tests and benchmarks (Debian's server binaries).

PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user and
its commands run through `runuser`. The cluster lives in its own temporary folder and is
removed at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bron.errors import BronError


def server_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=_version)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise BronError(
        "PostgreSQL's server binaries (initdb, pg_ctl) are not installed",
        suggestion="make test installs them as root (apt-get install postgresql)",
    )


def _version(path: str) -> int:
    try:
        return int(Path(path).parts[-3])
    except ValueError:
        return 0


@contextmanager
def postgres_cluster(port: int, *, durable: bool = False) -> Iterator[str]:
    """Start a cluster on 127.0.0.1:<port>; yield its SQLAlchemy URL; stop and remove it.

    For tests it trades durability for speed (no fsync, asynchronous commits); `durable=True`
    keeps PostgreSQL's defaults, as a benchmark of the production shape must."""
    bindir = server_bin()
    folder = Path(tempfile.mkdtemp(prefix="bron-pg-"))
    as_root = os.geteuid() == 0
    if as_root:
        shutil.chown(folder, user="postgres", group="postgres")
    data = folder / "data"

    def run(*args: str) -> None:
        command = [str(bindir / args[0]), *args[1:]]
        if as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BronError(f"{args[0]} failed: {result.stdout}{result.stderr}".strip())

    try:
        run("initdb", "-D", str(data), "-A", "trust", "-U", "bron", "--no-sync", "-E", "UTF8")
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        run("pg_ctl", "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
        try:
            yield f"postgresql+psycopg://bron@127.0.0.1:{port}/postgres"
        finally:
            run("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
