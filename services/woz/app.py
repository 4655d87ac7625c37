"""The WOZ registry as an ASGI app."""

from __future__ import annotations

from fastapi import FastAPI

from bron import __version__
from bron.policy import Policy, load_policy
from bron.registry.app import registry_app
from bron.settings import Settings
from services.common.runtime import RegistryRuntime, build_runtime
from services.woz import api
from services.woz.domain import Refs
from services.woz.service import WozRegistry
from services.woz.store import metadata, outbox


def create_app(
    settings: Settings,
    verblijfsobjecten: Refs,
    run_relay: bool = True,
    policy: Policy | None = None,
) -> tuple[FastAPI, RegistryRuntime]:
    """`verblijfsobjecten`: where the WOZ checks BAG verblijfsobjecten, normally the BAG
    registry's API (`BagHttpVerblijfsobjecten.from_settings(settings)`)."""
    runtime = build_runtime("woz", settings, metadata, outbox)
    app = registry_app(
        "woz",
        "Bron WOZ",
        __version__,
        "Waardering Onroerende Zaken: WOZ-objecten over BAG verblijfsobjecten, their values "
        "per belastingjaar, belanghebbenden (by persoonId) and bezwaren. Every change is "
        "published as an event keyed by wozObjectnummer. Reads need an app, a purpose "
        "(X-Bron-Doel) and the fields that purpose allows.",
    )
    registry = WozRegistry(runtime.database, runtime.publisher("woz-object"), verblijfsobjecten)
    api.mount(app, registry, runtime.keys, policy or load_policy())
    close = getattr(verblijfsobjecten, "close", None)
    if callable(close):
        runtime.on_close.append(close)  # the BAG reader's connection pool
    app.router.lifespan_context = runtime.lifespan(run_relay)
    return app, runtime
