"""The real Kafka for the whole test session: started once on free ports in a temporary
directory, or an existing cluster when BRON_KAFKA_BOOTSTRAP is set (karapace's pattern)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

from bron.kafka import admin
from bron.testing import broker_settings, running_broker

REPO = Path(__file__).resolve().parent.parent

# In-process services log through structlog; unconfigured it prints to stdout, where it would
# mix with the CLI output the tests read. As `bron.logs.configure_logging` does: stderr.
structlog.configure(logger_factory=structlog.PrintLoggerFactory(sys.stderr))


@pytest.fixture(scope="session")
def bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    external = os.environ.get("BRON_KAFKA_BOOTSTRAP")
    if external:
        admin.wait_ready(external, timeout=30)
        yield external
        return
    settings = broker_settings(tmp_path_factory.mktemp("session-kafka"))
    with running_broker(settings) as broker:
        yield broker.bootstrap


@pytest.fixture
def unique(request: pytest.FixtureRequest) -> str:
    """A name no other test uses (topics and groups survive across tests on one broker)."""
    return f"t-{request.node.name.replace('[', '-').replace(']', '')}-{os.urandom(3).hex()}"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL for the session: BRON_TEST_POSTGRES_URL, or a throwaway cluster."""
    external = os.environ.get("BRON_TEST_POSTGRES_URL")
    if external:
        yield external
        return
    from bron.pgtest import postgres_cluster
    from bron.testing import free_ports

    with postgres_cluster(free_ports(1)[0]) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind: the persistence contract tests run on both."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    import sqlalchemy as sa

    server = request.getfixturevalue("postgres_server")
    name = f"t_{os.urandom(6).hex()}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
