"""`bron registry serve|openapi` and `bron relay`: the source registries' processes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bron.logs import configure_logging
from bron.settings import PROJECT_ROOT, Settings, load_settings

if TYPE_CHECKING:
    from fastapi import FastAPI

app = typer.Typer(help="The source registries: BAG, BRP, WOZ and Toestemming.")
OPENAPI_DIR = PROJECT_ROOT / "docs" / "openapi"
SERVED = ("bag", "brp", "woz", "toestemming")

Name = Annotated[str, typer.Argument(help="The registry: " + ", ".join(SERVED))]


def build_app(name: str, settings: Settings, run_relay: bool) -> FastAPI:
    if name == "bag":
        from services.bag.app import create_app

        return create_app(settings, run_relay=run_relay)[0]
    if name == "brp":
        from services.brp.app import create_app as create_brp
        from services.brp.bag_client import BagHttpLookup

        return create_brp(settings, BagHttpLookup.from_settings(settings), run_relay=run_relay)[0]
    if name == "woz":
        from services.woz.app import create_app as create_woz
        from services.woz.ports import BagHttpVerblijfsobjecten

        lookup = BagHttpVerblijfsobjecten.from_settings(settings)
        return create_woz(settings, lookup, run_relay=run_relay)[0]
    if name == "toestemming":
        from services.toestemming.app import create_app as create_toestemming

        return create_toestemming(settings, run_relay=run_relay)[0]
    raise typer.BadParameter(f"unknown registry {name!r}; known: {', '.join(SERVED)}")


def openapi_document(name: str, settings: Settings) -> str:
    document = build_app(name, settings, run_relay=False).openapi()
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@app.command()
def serve(name: Name) -> None:
    """Serve a registry's HTTP API (with its outbox relay unless BRON_RELAY_IN_PROCESS=false)."""
    import uvicorn

    settings = load_settings()
    configure_logging(settings)
    application = build_app(name, settings, run_relay=settings.relay_in_process)
    port: int = getattr(settings, f"{name}_port")
    # log_config=None: uvicorn's own lines go through Bron's renderer (JSON with
    # BRON_LOG_FORMAT=json); the access lines are TraceMiddleware's (route templates only)
    uvicorn.run(application, host=settings.registry_host, port=port, access_log=False,
                log_config=None, log_level=settings.log_level.lower())  # fmt: skip


@app.command()
def openapi(
    out: Annotated[Path, typer.Option(help="Folder for <registry>.json")] = OPENAPI_DIR,
) -> None:
    """Write every registry's OpenAPI document (committed; a test checks it is current)."""
    settings = load_settings()
    out.mkdir(parents=True, exist_ok=True)
    for name in SERVED:
        (out / f"{name}.json").write_text(openapi_document(name, settings))
        typer.echo(f"wrote {out / f'{name}.json'}")


def relay(name: Name) -> None:
    """Run a registry's outbox relay as a process of its own (scale-out mode)."""
    from bron.db import database_url
    from services.outbox.process import run_relay_process

    settings = load_settings()
    configure_logging(settings)
    run_relay_process(database_url(settings, name), settings.bootstrap_servers)
