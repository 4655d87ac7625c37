"""`bron status`: each component's health and each consumer group's lag, at a glance.

The probing (concurrent, with short timeouts; lag against the offsets that decide where a group
resumes, ADR 9) is `bron.probes`, shared with the catalog; here it is printed."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict
from typing import Annotated, Any

import typer

from bron import probes
from bron.probes import Component, Group
from bron.settings import load_settings


def status(
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON for machines.")] = False,
) -> None:
    """Show whether each component answers and how far each consumer group lags; exit 3 when
    a component is down."""
    settings = load_settings()
    components, metadata = asyncio.run(probes.components(settings))
    groups = None if metadata is None else probes.groups(settings, metadata)
    if json_output:
        report: dict[str, Any] = {
            "components": [asdict(c) for c in components],
            "groups": None if groups is None else [asdict(g) for g in groups],
        }
        typer.echo(json.dumps(report, indent=2))
    else:
        _print(components, groups)
    raise typer.Exit(0 if all(c.up for c in components) else 3)


# -- output ----------------------------------------------------------------------------------


def _print(components: list[Component], groups: list[Group] | None) -> None:
    name_width = max(len(c.name) for c in components)
    url_width = max(len(c.url) for c in components)
    typer.echo("Components")
    for c in components:
        state = f"up ({c.detail})" if c.up and c.detail else "up" if c.up else f"down ({c.reason})"
        typer.echo(f"  {c.name:{name_width}}  {c.url:{url_width}}  {c.ms:7.0f} ms  {state}")
    typer.echo("Consumer groups")
    if groups is None:
        typer.echo("  unknown: Kafka is down")
        return
    for g in groups:
        if g.lag is None:
            summary = "lag unknown"
        elif g.committed:
            summary = f"lag {g.lag}"
        else:
            summary = f"no commits yet (lag {g.lag} from the earliest offsets)"
        typer.echo(f"  {g.group} ({g.role}; offsets: {g.offsets}): {summary}")
        if g.note:
            typer.echo(f"    {g.note}")
        width = max((len(t) for t in g.topics), default=0)
        for topic, behind in g.topics.items():
            typer.echo(f"    {topic:{width}}  {behind:>10}")
