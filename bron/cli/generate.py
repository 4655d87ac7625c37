"""`bron generate`: a synthetic data set through the registries' own commands."""

from __future__ import annotations

import resource
from typing import Annotated

import typer
from rich.progress import Progress

from bron.settings import load_settings


def generate(
    persons: Annotated[int, typer.Option("--persons", min=1, help="How many persons")],
    seed: Annotated[int, typer.Option(help="Same seed, same data set")] = 1,
    chunk: Annotated[int, typer.Option(min=1, help="Commands per transaction")] = 5000,
    wait: Annotated[bool, typer.Option(help="Wait until every change is on Kafka")] = True,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for publishing")] = 3600,
) -> None:
    """Create persons in households at BAG addresses, with partnerships, children, WOZ objects
    and values and some consents, through the registries' own commands on their databases
    (batched; the registries need not run, Kafka and the schema registry must), and publish
    every change through the outboxes."""
    from services.importer.generate import Loader, wait_published
    from services.importer.generate import generate as run

    loader = Loader(load_settings())
    try:
        loader.start_relays()
        with Progress(transient=True) as progress:
            task = progress.add_task(f"generating {persons} persons", total=persons)
            summary = run(loader, persons, seed=seed, chunk=chunk,
                          advance=lambda n: progress.advance(task, n))  # fmt: skip
        rate = summary.changes / summary.seconds if summary.seconds else 0.0
        typer.echo(f"{summary.persons} persons, {summary.changes} changes in "
                   f"{summary.seconds:.1f} s ({rate:.0f} changes/s), "
                   f"refused {sum(summary.refused.values())}")  # fmt: skip
        for kind, count in sorted(summary.created.items()):
            typer.echo(f"  {kind:28} {count:>9}")
        for example in summary.examples:
            typer.echo(f"  refused {example}")
        if wait:
            with Progress(transient=True) as progress:
                task = progress.add_task("publishing", total=None)

                def tick(left: int) -> None:
                    progress.update(task, description=f"publishing, {left} left")

                done = wait_published(loader, summary, timeout, tick)
            state = "all published" if done else f"{loader.pending()} not yet published"
            typer.echo(f"{state} after {summary.published_seconds:.1f} s more")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        typer.echo(f"peak memory {peak:.0f} MiB")
    finally:
        loader.close()
    if summary.refused:
        raise typer.Exit(1)
