"""The real Kafka for the whole test session: started once on free ports in a temporary
directory, or an existing cluster when BRON_KAFKA_BOOTSTRAP is set (karapace's pattern)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from bron.kafka import admin
from bron.testing import broker_settings, running_broker

REPO = Path(__file__).resolve().parent.parent


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
