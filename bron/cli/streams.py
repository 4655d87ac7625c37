"""`bron streams …`: the stream workers that keep the purpose-filtered projections."""

from __future__ import annotations

from typing import Annotated

import typer

from bron.settings import load_settings

app = typer.Typer(help="Stream workers: consent- and purpose-filtered projections.",
                  no_args_is_help=True)  # fmt: skip


@app.command()
def worker(
    instance: Annotated[str | None, typer.Option(help="A stable name for this worker (static "
                                                 "group membership: fast restarts)")] = None,
) -> None:  # fmt: skip
    """Run a worker; several share the partitions. Stops on SIGTERM/SIGINT."""
    from streams.worker import run_worker

    run_worker(load_settings(), instance)
