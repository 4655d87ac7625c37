"""`bron`: the one command line. Each part mounts its commands here."""

from __future__ import annotations

import typer

from bron.cli import (
    apps,
    catalog,
    demo,
    gateway,
    generate,
    imports,
    kafka,
    registries,
    schema_registry,
    schemas,
    status,
    streams,
    token,
    up,
    webhooks,
)
from bron.errors import BronError

app = typer.Typer(
    name="bron",
    help="Bron: the event-driven shared data layer for municipalities.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(kafka.app, name="kafka")
app.add_typer(schemas.app, name="schemas")
app.add_typer(schema_registry.app, name="schema-registry")
app.add_typer(token.app, name="token")
app.add_typer(registries.app, name="registry")
app.command("relay")(registries.relay)
app.add_typer(imports.app, name="import")
app.command("up")(up.up)
app.command("status")(status.status)
app.command("generate")(generate.generate)
app.command("demo")(demo.demo)
app.add_typer(streams.app, name="streams")
app.add_typer(gateway.app, name="gateway")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(apps.app, name="apps")
app.add_typer(catalog.app, name="catalog")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; Bron's errors print as a message with a suggestion, never a traceback."""
    try:
        app(args=argv)  # standalone: usage errors print themselves and exit via SystemExit
    except BronError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 1
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        typer.echo(exc.code, err=True)
        return 1
    return 0
