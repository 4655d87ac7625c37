"""`bron catalog …`: the data stewards' catalog, plain HTML pages on what Bron holds and who
sees what (no personal data)."""

from __future__ import annotations

from typing import Annotated

import typer

from bron.settings import load_settings

app = typer.Typer(help="The catalog: what Bron holds and who sees what.", no_args_is_help=True)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: BRON_CATALOG_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="Default: BRON_CATALOG_PORT")] = None,
) -> None:
    """Serve the catalog (/, /topics, /schemas, /doelen, /apps, /lag, /dead-letters, /health)
    until SIGTERM/SIGINT."""
    import uvicorn

    from bron.logs import configure_logging
    from services.catalog.app import create_app

    settings = load_settings()
    configure_logging(settings)
    uvicorn.run(
        create_app(settings),
        host=host or settings.catalog_host,
        port=port or settings.catalog_port,
        log_config=None,
        server_header=False,
    )
