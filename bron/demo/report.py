"""What each step of the demo did and what the apps and the citizen saw, and how that is
printed (pure: no I/O, no clock).

A step prints a numbered heading, a `did` line per action and a `saw` line per observation,
with the observation's details (the fields as the app or the citizen got them) below it and,
where a change had to travel through the stack first, how long it took to become visible."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

INDENT = "   "
LABEL = 6  # width of "did" / "saw"


@dataclass(slots=True)
class Seen:
    """What one app (or the citizen) saw, through which channel."""

    who: str  # an app id, or "citizen"
    via: str  # "GraphQL …", "subscription …", "processing log"
    what: str  # one line
    details: list[str] = field(default_factory=list)
    ms: float | None = None  # how long the change took to reach `who`
    effect: str = "visible"  # what `ms` measured: visible, gone or complete (see `latency`)


@dataclass(slots=True)
class Step:
    number: int
    title: str
    did: list[str] = field(default_factory=list)
    saw: list[Seen] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Failure:
    """A step that did not show what it should within its timeout."""

    step: int
    title: str
    missing: str


class StepFailed(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(describe(failure))
        self.failure = failure


# -- text ------------------------------------------------------------------------------------


def heading(step: Step) -> str:
    return f"{step.number}. {step.title}"


LATENCY = {
    "visible": "visible to {who} after {ms:.0f} ms",
    "gone": "gone for {who} after {ms:.0f} ms",
    "complete": "complete for {who} after {ms:.0f} ms",
}


def latency(who: str, ms: float, effect: str = "visible") -> str:
    return LATENCY[effect].format(who=who, ms=ms)


def format_step(step: Step) -> str:
    lines = [heading(step)]
    lines += [f"{INDENT}{'did':{LABEL}}{line}" for line in step.did]
    for seen in step.saw:
        when = f" ({latency(seen.who, seen.ms, seen.effect)})" if seen.ms is not None else ""
        lines.append(f"{INDENT}{'saw':{LABEL}}{seen.who} via {seen.via}: {seen.what}{when}")
        lines += [f"{INDENT}{'':{LABEL}}  {detail}" for detail in seen.details]
    return "\n".join(lines)


def describe(failure: Failure) -> str:
    return f"step {failure.step} ({failure.title}) failed: {failure.missing}"


def as_json(seed: int, steps: Sequence[Step], failure: Failure | None) -> str:
    failed = None if failure is None else {**asdict(failure), "message": describe(failure)}
    report = {"ok": failure is None, "seed": seed, "steps": [asdict(s) for s in steps],
              "failure": failed}  # fmt: skip
    return json.dumps(report, indent=2, ensure_ascii=False)


def banner(seed: int, gateway: str) -> str:
    return (f"Bron demo against {gateway} (fictitious household of seed {seed}; "
            "BSNs outside the RvIG test set)\n")  # fmt: skip


# -- what the gateway answered ---------------------------------------------------------------


def flatten(data: Any, prefix: str = "") -> list[str]:
    """`path: value` lines of a GraphQL answer, nulls left out; a list of scalars on one
    line, a list of objects numbered (`kinderen.0.burgerservicenummer`)."""
    if isinstance(data, Mapping):
        return [line for key, value in data.items()
                for line in flatten(value, f"{prefix}.{key}" if prefix else str(key))]  # fmt: skip
    if isinstance(data, list):
        if all(not isinstance(v, Mapping | list) for v in data):
            return [f"{prefix}: {', '.join(str(v) for v in data)}"] if data else []
        return [line for n, value in enumerate(data) for line in flatten(value, f"{prefix}.{n}")]
    if data is None:
        return []
    return [f"{prefix}: {data}"]


def graphql_error(answer: Mapping[str, Any]) -> tuple[str, str] | None:
    """The first error's code and message (on one line), or None without errors."""
    errors = answer.get("errors") or []
    if not errors:
        return None
    first = errors[0]
    code = str((first.get("extensions") or {}).get("code", "ERROR"))
    message = " ".join(part.strip() for part in str(first.get("message", "")).splitlines())
    return code, message


def kind(event: Mapping[str, Any]) -> str:
    """`in-beeld` of `nl.bron.in-beeld.v1`."""
    return str(event.get("type", "")).removeprefix("nl.bron.").removesuffix(".v1")


def event_line(event: Mapping[str, Any]) -> str:
    """One received Gebeurtenis: its kind, status and the fields that changed."""
    status = f" ({event['status']})" if event.get("status") else ""
    velden = ", ".join(event.get("velden") or []) or "-"
    return f"{kind(event)}{status} for doel {event.get('doel')}, velden {velden}"


def event_details(event: Mapping[str, Any]) -> list[str]:
    shown = {k: event.get(k) for k in ("persoon", "adres")}
    if event.get("persoon") is None and "persoon" in event:
        return ["persoon: null", *flatten({"adres": event.get("adres")})]
    return flatten(shown)


@dataclass(frozen=True, slots=True)
class Verwerkingen:
    """Reads of the same kind in a citizen's processing log: who, for what, which fields."""

    app: str
    doel: str
    actie: str
    gegevens: tuple[str, ...]
    count: int
    first: str
    last: str


def group_verwerkingen(nodes: Iterable[Mapping[str, Any]]) -> list[Verwerkingen]:
    """The log's entries (any order) grouped by app, purpose, action and fields, the group
    read first first. The citizen's own reads (no app) are `(the citizen)`."""
    groups: dict[tuple[str, str, str, tuple[str, ...]], list[str]] = {}
    for node in nodes:
        key = (node.get("appId") or "(the citizen)", str(node.get("doelId")),
               str(node.get("actie")), tuple(node.get("gegevens") or ()))  # fmt: skip
        groups.setdefault(key, []).append(str(node.get("tijdstip")))
    found = [Verwerkingen(*key, len(times), min(times), max(times))
             for key, times in groups.items()]  # fmt: skip
    return sorted(found, key=lambda v: (v.first, v.app))


def verwerking_lines(groups: Sequence[Verwerkingen]) -> list[str]:
    app_width = max((len(g.app) for g in groups), default=0)
    doel_width = max((len(g.doel) for g in groups), default=0)
    lines = []
    for g in groups:
        first, last = clock(g.first), clock(g.last)
        when = first if first == last else f"{first}-{last}"
        times = f" ({g.count}x)" if g.count > 1 else ""
        gegevens = ", ".join(g.gegevens) or "-"
        lines.append(f"{when:17}  {g.app:{app_width}}  {g.doel:{doel_width}}  "
                     f"{g.actie}{times}: {gegevens}")  # fmt: skip
    return lines


def clock(tijdstip: str) -> str:
    """The time of day (UTC) of an ISO 8601 moment; the text itself when it is not one."""
    try:
        moment = datetime.datetime.fromisoformat(tijdstip.replace("Z", "+00:00"))
    except ValueError:
        return tijdstip
    return moment.strftime("%H:%M:%S")
