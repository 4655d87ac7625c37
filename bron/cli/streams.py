"""`bron streams …`: the stream workers that keep the purpose-filtered projections."""

from __future__ import annotations

from typing import Annotated

import typer

from bron.errors import BronError
from bron.settings import load_settings

app = typer.Typer(help="Stream workers: consent- and purpose-filtered projections.",
                  no_args_is_help=True)  # fmt: skip


@app.command()
def worker(
    instance: Annotated[str | None, typer.Option(help="A stable name for this worker (static "
                                                 "group membership: fast restarts)")] = None,
    metrics_port: Annotated[int | None, typer.Option(help="Port of /metrics (default: "
                                                     "BRON_STREAMS_PORT)")] = None,
) -> None:  # fmt: skip
    """Run a worker; several share the partitions. Stops on SIGTERM/SIGINT."""
    from bron.logs import configure_logging
    from streams.worker import run_worker

    settings = load_settings()
    configure_logging(settings)
    run_worker(settings, instance, metrics_port)


@app.command()
def rebuild(
    incomplete: Annotated[bool, typer.Option(help="Rebuild even though a topic no longer "
                                             "holds its first events (retention)")] = False,
) -> None:  # fmt: skip
    """Empty the projection store and rebuild it from every topic's first offset: the register
    of apps and purposes and the consents first, then the registries. Stop the workers first.

    Refused, before anything is emptied, when a topic no longer starts at offset 0: the
    registries' personal-data topics keep 365 days, and an entity without a newer event would
    be missing from the rebuilt projections."""
    from rich.progress import Progress

    from bron.logs import configure_logging
    from streams.replay import history_cuts, replay
    from streams.worker import SOURCES, active_members, build_pipeline

    settings = load_settings()
    configure_logging(settings)
    members = active_members(settings)
    if members:
        raise typer.BadParameter(
            f"{members} worker(s) of group {settings.streams_group!r} are running; stop them "
            "first (a rebuild and a worker must not write the store at the same time)"
        )
    topics = ["bron.policy.events", "bron.toestemming.events", *SOURCES]
    cuts = history_cuts(settings.bootstrap_servers, list(dict.fromkeys(topics)))
    if cuts and not incomplete:
        named = ", ".join(f"{c.topic} partition {c.partition} from offset {c.first}"
                          for c in cuts[:5])  # fmt: skip
        more = f" and {len(cuts) - 5} more" if len(cuts) > 5 else ""
        raise BronError(
            f"{len(cuts)} partition(s) no longer hold their first events ({named}{more}): a "
            "rebuild from Kafka would leave out every entity without a newer event; the store "
            "was not touched",
            suggestion="keep the store (or restore a backup of it), or rebuild anyway with "
            "--incomplete",
        )
    pipeline = build_pipeline(settings, rebuild=True)
    try:
        pipeline.store.wipe()
        with Progress(transient=True) as progress:
            task = progress.add_task("rebuilding the projections", total=None)
            first = replay(pipeline, settings.bootstrap_servers,
                           ["bron.policy.events", "bron.toestemming.events"],
                           progress=lambda n: progress.advance(task, n))  # fmt: skip
            rest = replay(pipeline, settings.bootstrap_servers, SOURCES,
                          progress=lambda n: progress.advance(task, n))  # fmt: skip
        events = first.events + rest.events
        seconds = first.seconds + rest.seconds
        typer.echo(f"rebuilt from {events} events in {seconds:.1f} s "
                   f"({events / seconds if seconds else 0:.0f} events/s); dead letters: "
                   f"{pipeline.counts.dead_letters}")  # fmt: skip
    finally:
        pipeline.close()
