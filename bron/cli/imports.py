"""`bron import brp-testset`: the RvIG test persons into the running registries."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import httpx
import typer
from rich.progress import Progress, TaskID

from bron.errors import BronError
from bron.http.auth import KeyPair, issue
from bron.settings import Settings, load_settings

if TYPE_CHECKING:
    from services.importer.run import Summary
    from services.importer.rvig import Plan

app = typer.Typer(help="Load data through the registries' own commands.", no_args_is_help=True)


@app.command("brp-testset")
def brp_testset(
    path: Annotated[Path | None, typer.Argument(help="The LO-GBA csv (default: the copy "
                                                "in services/brp/data)")] = None,
    show: Annotated[int, typer.Option(help="How many refusals to list")] = 20,
) -> None:  # fmt: skip
    """Create the BAG objects the persons' addresses refer to, then register every person (and
    their partnerships and deaths) in the BRP. A second run changes and publishes nothing."""
    settings = load_settings()
    persons, steps, summary = import_testset(settings, path)
    typer.echo(f"{len(persons)} persoonslijsten read: {summary.line()}")
    for kind in sorted(summary.created.keys() | summary.already.keys()):
        typer.echo(
            f"  {kind:18} created {summary.created[kind]:>4}  already {summary.already[kind]:>4}"
        )
    for pl_id, reason in steps.skipped:
        typer.echo(f"  skipped {pl_id}: {reason}")
    reasons: dict[str, int] = {}
    for _pl, note in steps.notes:
        reasons[note] = reasons.get(note, 0) + 1
    for note, count in sorted(reasons.items()):
        typer.echo(f"  {count} persons {note}")
    for label, reason in summary.refused[:show]:
        typer.echo(f"  refused {label}: {reason}")
    if len(summary.refused) > show:
        typer.echo(f"  … and {len(summary.refused) - show} more refusals")


class Interrupted(BronError):
    pass


def import_testset(
    settings: Settings, path: Path | None = None, stop: Callable[[], bool] = lambda: False
) -> tuple[list[Any], Plan, Summary]:
    """The RvIG test persons through the running BAG and BRP registries' APIs, with a progress
    bar; `stop` is asked between calls (Ctrl-C during `bron up`)."""
    from services.brp.testset import TESTSET, read_testset
    from services.importer.run import Summary, run
    from services.importer.rvig import plan

    persons = read_testset(path or TESTSET)
    steps = plan(persons, datetime.datetime.now(datetime.UTC))
    keys = KeyPair(settings.data_dir / "keys")
    clients = {
        name: httpx.Client(
            base_url=settings.registry_base_url(name),
            timeout=60,
            headers={"Authorization": "Bearer " + issue(
                keys, subject="importer", audience=f"bron:{name}", roles=["operator"])},
        )
        for name in ("bag", "brp")
    }  # fmt: skip
    summary = Summary()
    calls = [*steps.bag, *steps.inschrijvingen, *steps.vervolg]

    def advance(progress: Progress, task: TaskID) -> None:
        progress.advance(task)
        if stop():
            raise Interrupted("the import was interrupted", suggestion="run it again: it "
                              "continues where it stopped (bron import brp-testset)")  # fmt: skip

    try:
        with Progress(transient=True) as progress:
            task = progress.add_task(f"importing {len(persons)} persons", total=len(calls))
            run(calls, clients, summary, lambda: advance(progress, task))
    except httpx.HTTPError as exc:
        raise BronError(
            f"a registry is not reachable: {exc}", suggestion="start the stack: bron up"
        ) from None
    finally:
        for client in clients.values():
            client.close()
    return persons, steps, summary
