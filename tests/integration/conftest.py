"""Fixtures for the schema registry: one API contract, run against each store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import cast

import httpx
import pytest
from starlette.testclient import TestClient

from bron.settings import load_settings
from bron.testing import serving
from services.schema_registry.app import create_app
from services.schema_registry.http import create_http_app
from services.schema_registry.registry import Registry
from services.schema_registry.store import MemoryStore

Client = httpx.Client


@pytest.fixture
def schemas_topic() -> str:
    return f"_schemas-test-{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=["memory", "kafka"])
def registry_api(
    request: pytest.FixtureRequest, bootstrap: str, schemas_topic: str
) -> Iterator[Client]:
    """The registry's HTTP API: on the in-memory store (through Starlette's test transport),
    and on the Kafka store behind a real uvicorn server and a real HTTP client."""
    if request.param == "memory":
        app = create_http_app(Registry(MemoryStore(), max_schema_bytes=64 * 1024))
        with TestClient(app) as client:
            # Starlette's TestClient is httpx2's Client on an in-process transport: same API.
            yield cast(Client, client)
        return
    settings = load_settings(
        kafka_bootstrap=bootstrap,
        schema_registry_topic=schemas_topic,
        schema_registry_max_schema_bytes=64 * 1024,
    )
    app, _store = create_app(settings)
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client
