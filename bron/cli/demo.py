"""`bron demo`: a scripted scenario against the running stack, step by step, as the apps see it
through GraphQL and their subscription and as the citizen sees it in their processing log."""

from __future__ import annotations

import asyncio
import datetime
import secrets
from typing import Annotated

import typer

from bron.demo.data import RUNS, scenario
from bron.demo.report import Failure, Step, StepFailed, as_json, banner, describe, format_step
from bron.demo.scenario import play
from bron.demo.stack import Stack
from bron.settings import load_settings


def demo(
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the steps as JSON at the end.")
    ] = False,
    timeout: Annotated[
        float,
        typer.Option(min=0.5, max=120, help="Seconds each wait of a step may last."),
    ] = 10.0,
    seed: Annotated[
        int | None,
        typer.Option(min=0, max=RUNS - 1, help="Draw the fictitious household from this seed "
                     "(default: a new one each run; a seed can be played once per stack)."),
    ] = None,
) -> None:  # fmt: skip
    """Play the scenario on the stack of `bron up`: an app without a purpose refused, a birth,
    a consent granted, a move, a WOZ value, the consent revoked, the citizen's processing log.
    Exit 1 when a step does not show what it should within the timeout."""
    settings = load_settings()
    now = datetime.datetime.now().astimezone()  # local: the registries judge dates by it
    household = scenario(secrets.randbelow(RUNS) if seed is None else seed, now)
    stack = Stack(settings)
    steps: list[Step] = []
    if not json_output:
        typer.echo(banner(household.seed, stack.gateway))

    def show(step: Step) -> None:
        steps.append(step)
        if not json_output:
            typer.echo(format_step(step) + "\n")

    failure: Failure | None = None
    try:
        asyncio.run(play(stack, household, timeout, show))
    except StepFailed as failed:
        failure = failed.failure
    if json_output:
        typer.echo(as_json(household.seed, steps, failure))
    if failure is not None:
        typer.echo(f"error: {describe(failure)}", err=True)
        raise typer.Exit(1)
    if not json_output:
        typer.echo(f"All {len(steps)} steps showed what they should.")
