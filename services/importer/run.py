"""Running an import plan against the registries' HTTP APIs, idempotently: a command that a
registry refuses because it already happened counts as done, and changes nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import httpx

from services.importer.rvig import Call

# Refusals that mean "this was imported before": the second run writes and publishes nothing.
ALREADY = frozenset({
    "rejected/bestaat-al", "rejected/persoon.bestaat-al", "rejected/overlijden.al-overleden",
    "rejected/partnerschap.bestaat-al",
})  # fmt: skip


@dataclass(slots=True)
class Summary:
    created: Counter[str] = field(default_factory=Counter)
    already: Counter[str] = field(default_factory=Counter)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (label, rule and field)

    def line(self) -> str:
        return (f"created {sum(self.created.values())}, already there "
                f"{sum(self.already.values())}, refused {len(self.refused)}")  # fmt: skip


def run(
    calls: Iterable[Call],
    clients: dict[str, httpx.Client],
    summary: Summary,
    advance: Callable[[], None] = lambda: None,
) -> Summary:
    for call in calls:
        kind = call.label.split(" ")[0]
        response = clients[call.registry].post(call.path, json=call.body)
        if response.status_code in (200, 201):
            summary.created[kind] += 1
        elif response.status_code == 422 and _type(response) in ALREADY | call.done_when:
            summary.already[kind] += 1
        elif response.status_code in (400, 404, 422):
            summary.refused.append((call.label, _reason(response)))
        else:
            response.raise_for_status()
        advance()
    return summary


def _type(response: httpx.Response) -> str:
    return str(response.json().get("type", "")).rsplit("/problems/", 1)[-1]


def _reason(response: httpx.Response) -> str:
    body = response.json()
    errors = body.get("errors") or [{}]
    first = errors[0]
    return (
        f"{response.status_code} {first.get('rule', body.get('title'))} ({first.get('field', '')})"
    )
