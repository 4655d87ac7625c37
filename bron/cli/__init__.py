"""`bron`: the one command line. Each part mounts its commands here."""

from __future__ import annotations

import sys

import click
import typer

from bron.cli import kafka, up
from bron.errors import BronError

app = typer.Typer(
    name="bron",
    help="Bron: the event-driven shared data layer for municipalities.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(kafka.app, name="kafka")
app.command("up")(up.up)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; Bron's errors print as a message with a suggestion, never a traceback."""
    try:
        result = app(args=argv, standalone_mode=False)
    except BronError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 1
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        return 130
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
