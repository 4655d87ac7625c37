"""Stage d of the scale run: the GraphQL gateway (`bron gateway serve`, a process) over the
store the worker filled, asked through real HTTP with a real token (RS256, the development
issuer), as `tests.bench.gateway` asks it: `persoon(bsn)` for random persons, and
`personen(bsns)` for 100 of them at once. Requests sequential over one keep-alive connection;
every answer is checked (status 200, no errors).

Baseline: the gateway benchmark's bare Starlette endpoint (same reader, same JSON, no token,
policy or processing log) in a process of its own (`tests.bench.bare_gateway`), checked to
answer the same document first. Bare and gateway runs alternate, `repeats` times; the medians
are reported. The persons asked for are drawn at random from those with a view for the
purpose (`bijstand-loket`/`bijstand`); their BSNs are never printed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from bron.db import database_url
from bron.http.auth import KeyPair
from bron.settings import Settings
from streams.store_engine import store_engine
from streams.store_tables import entity_index, projection_view
from tests.bench.gateway import (
    APP,
    BATCH,
    DOEL,
    Run,
    _pooled,
    bare_runs,
    check_same_json,
    gateway_runs,
)
from tests.bench.harness import Measurement
from tests.bench.scale_stack import bare_gateway, gateway, running
from tests.bench.scale_watch import MemoryWatch, Progress


@dataclass(slots=True)
class Served:
    persons: int = 0  # distinct persons asked for
    measurements: list[Measurement] = field(default_factory=list)


def random_bsns(url: str, count: int) -> list[str]:
    """`count` BSNs drawn at random from the persons with a view for APP and DOEL."""
    index, view = entity_index, projection_view
    query = (
        select(index.c.value)
        .join(view, view.c.persoon_id == index.c.id)
        .where(index.c.kind == "persoon", index.c.name == "bsn", view.c.app_id == APP,
               view.c.doel_id == DOEL, view.c.digest.is_not(None))
        .order_by(func.random())
        .limit(count)
    )  # fmt: skip
    engine = store_engine(url, writer=False)
    try:
        with engine.connect() as conn:
            return [str(v) for v in conn.execute(query).scalars()]
    finally:
        engine.dispose()


def gateway_stage(
    settings: Settings, folder: Path, watch: MemoryWatch, requests: int, batches: int,
    repeats: int,
) -> Served:  # fmt: skip
    progress = Progress("gateway")
    url = database_url(settings, "projections")
    bsns = random_bsns(url, max(requests, BATCH))
    if len(bsns) < BATCH:
        raise RuntimeError(f"{len(bsns)} persons have a {DOEL} view; a batch query needs "
                           f"{BATCH}: run with more persons")  # fmt: skip
    persons = [{"burgerservicenummer": b} for b in bsns]
    KeyPair(settings.data_dir / "keys")  # made before the gateway reads it
    ours, bare = gateway(settings, folder), bare_gateway(url, folder)
    runs: dict[str, list[Run]] = {"one": [], "one.bare": [], "many": [], "many.bare": []}
    with (
        running(ours.process, watch, f"{ours.url}/ready"),
        running(bare.process, watch, f"{bare.url}/health"),
    ):
        check_same_json(ours.url, bare.url, settings, bsns[0])
        for repeat in range(repeats):
            progress.say(f"repeat {repeat + 1} of {repeats}: {requests:,} + {batches:,} "
                         "requests to each")  # fmt: skip
            one, many = bare_runs(bare.url, persons, requests, batches)
            runs["one.bare"].append(one)
            runs["many.bare"].append(many)
            one, many = gateway_runs(ours.url, settings, persons, requests, batches)
            runs["one"].append(one)
            runs["many"].append(many)
    note = (f"{len(bsns):,} random persons with a {DOEL} view; sequential requests over one "
            "keep-alive connection; median of the repeats")  # fmt: skip
    return Served(len(bsns), gateway_measurements(runs, note))


def gateway_measurements(runs: dict[str, list[Run]], note: str) -> list[Measurement]:
    """Rate, p50 and p99 of both queries, each next to the bare endpoint's."""
    pickers: list[tuple[str, str, str, bool, Callable[[Run], float]]] = [
        ("", "", "requests/s", True, lambda r: r.rate),
        (".p50", " p50 latency", "µs", False, lambda r: r.p50),
        (".p99", " p99 latency", "µs", False, lambda r: r.p99),
    ]
    out: list[Measurement] = []
    queries = (("one", "scale.gateway.persoon", "persoon(bsn)"),
               ("many", "scale.gateway.personen100", f"personen({BATCH} BSNs)"))  # fmt: skip
    for kind, key, title in queries:
        for suffix, label, unit, better, pick in pickers:
            bare: dict[str, Any] = {"higher_is_better": better, "note": note}
            if not better:
                bare["distribution"] = _pooled(runs[f"{kind}.bare"])
            samples = tuple(pick(r) for r in runs[f"{kind}.bare"])
            out.append(Measurement(f"{key}{suffix}.bare", f"bare Starlette {title}{label}", unit,
                                   samples, **bare))  # fmt: skip
            out.append(Measurement(
                f"{key}{suffix}", f"gateway process {title}{label} (auth, policy, processing "
                "log)", unit, tuple(pick(r) for r in runs[kind]), higher_is_better=better,
                baseline=f"{key}{suffix}.bare",
                distribution=None if better else _pooled(runs[kind])))  # fmt: skip
    return out
