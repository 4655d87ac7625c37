"""Wiring: settings → Kafka store → registry → ASGI app; and `serve` for the CLI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.applications import Starlette

from bron.settings import Settings
from services.schema_registry.http import create_http_app
from services.schema_registry.kafka_store import KafkaStore
from services.schema_registry.registry import Registry


def create_app(settings: Settings) -> tuple[Starlette, KafkaStore]:
    store = KafkaStore(
        settings.bootstrap_servers,
        settings.schema_registry_topic,
        settings.kafka_replication_factor,
    )
    registry = Registry(store, settings.schema_registry_max_schema_bytes)
    app = create_http_app(registry, health=lambda: store.healthy)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        store.start()
        try:
            yield
        finally:
            store.close()

    app.router.lifespan_context = lifespan
    return app, store


def serve(settings: Settings) -> None:
    app, _store = create_app(settings)
    uvicorn.run(
        app,
        host=settings.schema_registry_host,
        port=settings.schema_registry_port,
        log_level=settings.log_level.lower(),
        access_log=False,
        log_config=None,  # uvicorn's lines through Bron's renderer (JSON when configured)
    )
