"""The external programs the local broker needs: java (17+) and Maven."""

from __future__ import annotations

import re
import shutil
import subprocess

from bron.errors import ToolMissingError

JAVA_PACKAGE = "openjdk-17-jre-headless"
MAVEN_PACKAGE = "maven"
MIN_JAVA = 17


def parse_java_major(version_output: str) -> int | None:
    """The major version from `java -version` output ('17.0.15' → 17, '1.8.0_402' → 8)."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if match is None:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2):
        return int(match.group(2))
    return major


def require_java() -> str:
    java = shutil.which("java")
    if java is None:
        raise ToolMissingError(
            "java was not found on PATH; the local Kafka broker needs Java 17 or newer",
            suggestion=f"install it: apt-get install {JAVA_PACKAGE}",
        )
    result = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
    major = parse_java_major(result.stderr + result.stdout)
    if major is None or major < MIN_JAVA:
        raise ToolMissingError(
            f"{java} is Java {major or 'of unknown version'}; Kafka 4 needs Java {MIN_JAVA}+",
            suggestion=f"install {JAVA_PACKAGE} and put it first on PATH",
        )
    return java


def require_maven() -> str:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ToolMissingError(
            "mvn was not found on PATH; Bron fetches the Kafka broker jars with Maven",
            suggestion=f"install it: apt-get install {MAVEN_PACKAGE}",
        )
    return mvn
