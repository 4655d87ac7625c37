"""The broker's jars: fetched once from Maven Central with `deploy/kafka/pom.xml`, then cached."""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from bron.errors import FetchError
from bron.kafka.tools import require_java, require_maven

_POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}
_MARKER = ".complete"


def kafka_version(pom: Path) -> str:
    """The Kafka version pinned in the pom (its `kafka.version` property)."""
    try:
        root = ET.parse(pom).getroot()  # noqa: S314 - our own file from the repository
    except (OSError, ET.ParseError) as exc:
        raise FetchError(
            f"cannot read the Kafka pom {pom}: {exc}",
            suggestion="run Bron from a clone of the repository, or set BRON_KAFKA_POM",
        ) from None
    node = root.find("m:properties/m:kafka.version", _POM_NS)
    if node is None or not (node.text or "").strip():
        raise FetchError(f"{pom} has no <kafka.version> property")
    return (node.text or "").strip()


def libs_dir(cache_dir: Path, version: str) -> Path:
    return cache_dir / "kafka" / version / "libs"


def _pom_digest(pom: Path) -> str:
    return hashlib.sha256(pom.read_bytes()).hexdigest()


def is_cached(cache_dir: Path, pom: Path) -> bool:
    marker = libs_dir(cache_dir, kafka_version(pom)) / _MARKER
    return marker.is_file() and marker.read_text().strip() == _pom_digest(pom)


def ensure_jars(cache_dir: Path, pom: Path) -> Path:
    """Return the folder of broker jars, fetching them with Maven the first time only.

    A lock file keeps two concurrent fetches (say `make up` and `make test`) apart; the jars are
    copied into a temporary folder and renamed into place, so a half fetch is never used.
    """
    version = kafka_version(pom)
    target = libs_dir(cache_dir, version)
    if is_cached(cache_dir, pom):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / "fetch.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if is_cached(cache_dir, pom):
            return target
        _fetch(pom, target)
    return target


def _fetch(pom: Path, target: Path) -> None:
    mvn = require_maven()
    require_java()
    staging = target.with_name("libs.partial")
    shutil.rmtree(staging, ignore_errors=True)
    command = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(pom),
        "dependency:copy-dependencies",
        "-DincludeScope=runtime",
        f"-DoutputDirectory={staging}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    jars = list(staging.glob("*.jar")) if staging.is_dir() else []
    if result.returncode != 0 or not jars:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise FetchError(
            f"Maven could not fetch the Kafka jars (exit {result.returncode}):\n{tail}",
            suggestion="check that Maven Central is reachable (mvn -v; ~/.m2/settings.xml)",
        )
    (staging / _MARKER).write_text(_pom_digest(pom) + "\n")
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
