"""The BRP registry as an ASGI app."""

from __future__ import annotations

import datetime

from fastapi import FastAPI

from bron import __version__
from bron.policy import Policy, load_policy
from bron.registry.app import registry_app
from bron.settings import Settings
from services.brp import api
from services.brp.domain import AddressLookup
from services.brp.service import BrpRegistry
from services.brp.store import metadata, outbox
from services.common.runtime import RegistryRuntime, build_runtime


def create_app(
    settings: Settings,
    addresses: AddressLookup,
    run_relay: bool = True,
    policy: Policy | None = None,
) -> tuple[FastAPI, RegistryRuntime]:
    """`addresses`: where the BRP checks addresses, normally the BAG registry's API
    (`BagHttpLookup.from_settings(settings)`); `policy`: the register of apps and purposes
    (`policy/register.yaml` unless given)."""
    runtime = build_runtime("brp", settings, metadata, outbox)
    app = registry_app(
        "brp",
        "Bron BRP",
        __version__,
        "Basisregistratie Personen: persons registered by birth or immigration, their names, "
        "addresses (checked against the BAG), partnerships, deaths and geheimhouding. Every "
        "change is published as an event keyed by the generated persoonId, never by BSN. Reads "
        "need an app, a purpose (X-Bron-Doel) and the fields that purpose allows.",
    )
    registry = BrpRegistry(
        runtime.database, runtime.publisher("persoon"), addresses, datetime.date.today
    )
    api.mount(app, registry, runtime.keys, policy or load_policy())
    close = getattr(addresses, "close", None)
    if callable(close):
        runtime.on_close.append(close)  # the BAG reader's connection pool
    app.router.lifespan_context = runtime.lifespan(run_relay)
    return app, runtime
