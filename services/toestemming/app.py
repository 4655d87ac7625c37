"""The consent register as an ASGI app: at start it publishes the register of apps and
purposes (what changed since last time), and it expires consents every minute."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from bron import __version__
from bron.policy import Policy, load_policy
from bron.registry.app import registry_app
from bron.settings import Settings
from services.common.runtime import RegistryRuntime, build_runtime
from services.toestemming import api
from services.toestemming.service import ToestemmingRegistry
from services.toestemming.store import metadata, outbox
from services.toestemming.sweep import ExpirySweep


def create_app(
    settings: Settings, policy: Policy | None = None, run_relay: bool = True
) -> tuple[FastAPI, RegistryRuntime]:
    runtime = build_runtime("toestemming", settings, metadata, outbox)
    app = registry_app(
        "toestemming",
        "Bron Toestemming",
        __version__,
        "Toestemmingen van burgers aan apps, per doel, en het register van apps en doelen. "
        "Every change is published as an event.",
    )
    registry = ToestemmingRegistry(
        runtime.database,
        policy or load_policy(),
        runtime.publisher("toestemming"),
        runtime.publisher("app"),
        runtime.publisher("doel"),
    )
    app.state.registry = registry
    api.mount(app, registry, runtime.keys)
    base = runtime.lifespan(run_relay)

    @asynccontextmanager
    async def lifespan(instance: FastAPI) -> AsyncIterator[None]:
        async with base(instance):
            registry.sync_policy()
            sweep = ExpirySweep(registry)
            sweep.start()
            try:
                yield
            finally:
                sweep.stop()

    app.router.lifespan_context = lifespan
    return app, runtime
