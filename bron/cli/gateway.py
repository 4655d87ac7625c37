"""`bron gateway …`: the GraphQL gateway over the projection store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bron.settings import PROJECT_ROOT, load_settings

app = typer.Typer(help="The GraphQL gateway: apps read by purpose.", no_args_is_help=True)

SDL_FILE = PROJECT_ROOT / "docs" / "schema.graphql"


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Default: BRON_GATEWAY_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="Default: BRON_GATEWAY_PORT")] = None,
) -> None:
    """Serve /graphql and /health with uvicorn until SIGTERM/SIGINT."""
    import uvicorn
    from bron_gateway.app import create_app

    from bron.logs import configure_logging

    settings = load_settings()
    configure_logging(settings)
    uvicorn.run(
        create_app(settings),
        host=host or settings.gateway_host,
        port=port or settings.gateway_port,
        log_config=None,
        server_header=False,
    )


@app.command()
def schema(
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout")] = None,
) -> None:
    """Print the schema (SDL); `--output docs/schema.graphql` re-exports the committed one."""
    from bron_gateway.sdl import sdl

    if output is None:
        typer.echo(sdl(), nl=False)
    else:
        output.write_text(sdl())
        typer.echo(f"wrote {output}")
