"""The BAG registry as an ASGI app."""

from __future__ import annotations

from fastapi import FastAPI

from bron import __version__
from bron.registry.app import registry_app
from bron.settings import Settings
from services.bag import api
from services.bag.service import BagRegistry
from services.bag.store import metadata, outbox
from services.common.runtime import RegistryRuntime, build_runtime


def create_app(settings: Settings, run_relay: bool = True) -> tuple[FastAPI, RegistryRuntime]:
    runtime = build_runtime("bag", settings, metadata, outbox)
    app = registry_app(
        "bag",
        "Bron BAG",
        __version__,
        "Basisregistratie Adressen en Gebouwen: woonplaatsen, openbare ruimten, "
        "nummeraanduidingen, verblijfsobjecten en panden. Every change is published as an event.",
    )
    registry = BagRegistry(runtime.database, runtime.publisher("bag-object"))
    api.mount(app, registry, runtime.keys)
    app.router.lifespan_context = runtime.lifespan(run_relay)
    return app, runtime
