"""`python -m bron.demo`: the demo without the `bron` command line (same options)."""

from __future__ import annotations

import sys

import typer

from bron.cli.demo import demo
from bron.errors import BronError


def main(argv: list[str] | None = None) -> int:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
    app.command()(demo)
    try:
        app(args=argv, prog_name="bron demo")
    except BronError as exc:
        typer.echo(f"error: {exc}", err=True)
        return 1
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        typer.echo(exc.code, err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
