"""`bron schema-registry serve`: run Bron's Confluent-compatible schema registry."""

from __future__ import annotations

import typer

from bron.logs import configure_logging
from bron.settings import load_settings

app = typer.Typer(help="Bron's schema registry (state in the _schemas topic).")


@app.command()
def serve() -> None:
    """Serve the registry API on BRON_SCHEMA_REGISTRY_HOST:PORT until stopped."""
    from services.schema_registry.app import serve as run

    settings = load_settings()
    configure_logging(settings)
    run(settings)
