"""Requests per second and p50/p99 latency through the GraphQL gateway, against a bare
Starlette endpoint returning the same JSON from the same store, measured in the same run.

Figure: `persoon(bsn, doel) { naam { geslachtsnaam } verblijfplaats { verblijfadres
{ postcode } } }` POSTed to the gateway with a development app token: authentication (RS256),
the purpose and field checks against the register, the DataLoaders on the SQLite projection
store and the processing log record produced to Kafka and acknowledged (acks=all) before the
answer. And the same selection for 100 persons at once (`personen(bsns)`: one record each).
Baseline: a bare Starlette endpoint on the same uvicorn setup that takes the BSN(s) as JSON,
reads them with the same `ProjectionReader` (BSN index, then the views) and returns the same
JSON document; no token, no policy, no log. Both driven sequentially over one keep-alive
connection, in process, after a warm-up.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from bron_gateway.app import create_app
from bron_gateway.testing import record, write_persons, write_policy
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bron.http.auth import KeyPair, issue
from bron.policy import load_policy
from bron.settings import Settings, load_settings
from bron.testing import serving
from streams.reads import ProjectionReader
from streams.store import ProjectionStore
from tests.bench.harness import BenchContext, Distribution, Measurement
from tests.integration.registries import contracts_registry

APP, DOEL = "bijstand-loket", "bijstand"
SELECTION = "naam { geslachtsnaam } verblijfplaats { verblijfadres { postcode } }"
WARM_UP = 20
BATCH = 100


@dataclass(frozen=True, slots=True)
class Run:
    rate: float  # requests per second
    p50: float  # microseconds
    p99: float
    latencies: tuple[float, ...]  # seconds, every request


def _persons(count: int) -> list[dict[str, Any]]:
    return [record(f"{300000000 + i}", f"Naam{i}", "Piet") for i in range(count)]


def _settings(folder: Path, bootstrap: str, registry_url: str) -> Settings:
    return load_settings(
        data_dir=folder / "var",
        kafka_bootstrap=bootstrap,
        schema_registry_url=registry_url,
        projections_database_url=f"sqlite:///{folder / 'projections.db'}",
        gateway_max_tokens=10_000,
        gateway_max_body_bytes=64 * 1024,
        gateway_log_timeout=10.0,
        gateway_rate_limit=0,  # the bench asks as fast as it can: throughput, not the limiter
    )


def _fill(settings: Settings, persons: list[dict[str, Any]]) -> None:
    policy = load_policy()
    store = ProjectionStore(str(settings.projections_database_url))
    try:
        write_policy(store, policy)
        write_persons(store, policy, persons, [(APP, DOEL, p["persoonId"]) for p in persons])
    finally:
        store.close()


def _shown(view: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the selection shows of a stored view: the same document the gateway returns."""
    if view is None:
        return None
    persoon = view.get("persoon", {})
    plaats = (persoon.get("verblijfplaats") or {}).get("verblijfadres")
    return {
        "naam": {"geslachtsnaam": (persoon.get("naam") or {}).get("geslachtsnaam")},
        "verblijfplaats": {"verblijfadres": None if plaats is None
                           else {"postcode": plaats.get("postcode")}},
    }  # fmt: skip


def bare_app(reader: ProjectionReader) -> Starlette:
    """POST {"bsns": [...]}: the BSN index once, the views once, the same JSON back."""

    def read(bsns: list[str]) -> list[dict[str, Any] | None]:
        ids = reader.find("persoon", "bsn", bsns)
        one = {b: found[0] for b, found in ids.items() if len(found) == 1}
        views = reader.views(APP, DOEL, list(one.values()))
        return [_shown(views.get(one.get(b, ""))) for b in bsns]

    async def persoon(request: Request) -> JSONResponse:
        body = json.loads(await request.body())
        found = await asyncio.to_thread(read, [body["bsn"]])
        return JSONResponse({"data": {"persoon": found[0]}})

    async def personen(request: Request) -> JSONResponse:
        body = json.loads(await request.body())
        return JSONResponse({"data": {"personen": await asyncio.to_thread(read, body["bsns"])}})

    return Starlette(routes=[Route("/persoon", persoon, methods=["POST"]),
                             Route("/personen", personen, methods=["POST"])])  # fmt: skip


def _drive(client: httpx.Client, send: Callable[[int], httpx.Response], count: int) -> Run:
    for n in range(WARM_UP):
        send(n).raise_for_status()
    latencies: list[float] = []
    started = time.perf_counter()
    for n in range(count):
        sent = time.perf_counter()
        response = send(n)
        latencies.append(time.perf_counter() - sent)
        if response.status_code != 200 or "errors" in response.text[:20_000]:
            raise RuntimeError(f"{response.status_code} {response.text[:500]}")
    elapsed = time.perf_counter() - started
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Run(count / elapsed, cuts[49] * 1e6, cuts[98] * 1e6, tuple(latencies))


def _bsns(persons: list[dict[str, Any]], n: int, size: int) -> list[str]:
    start = (n * size) % (len(persons) - size + 1)
    return [p["burgerservicenummer"] for p in persons[start : start + size]]


def gateway_runs(
    url: str, settings: Settings, persons: list[dict[str, Any]], count: int, batches: int
) -> tuple[Run, Run]:
    token = issue(KeyPair(settings.data_dir / "keys"), subject=f"client-{APP}",
                  audience="bron:gateway", app_id=APP)  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, timeout=60, headers=headers) as client:

        def one(n: int) -> httpx.Response:
            bsn = persons[n % len(persons)]["burgerservicenummer"]
            query = f'{{ persoon(bsn: "{bsn}", doel: "{DOEL}") {{ {SELECTION} }} }}'
            return client.post("/graphql", json={"query": query})

        def many(n: int) -> httpx.Response:
            bsns = json.dumps(_bsns(persons, n, BATCH))
            query = f'{{ personen(bsns: {bsns}, doel: "{DOEL}") {{ {SELECTION} }} }}'
            return client.post("/graphql", json={"query": query})

        return _drive(client, one, count), _drive(client, many, batches)


def bare_runs(url: str, persons: list[dict[str, Any]], count: int, batches: int) -> tuple[Run, Run]:
    with httpx.Client(base_url=url, timeout=60) as client:

        def one(n: int) -> httpx.Response:
            return client.post(
                "/persoon", json={"bsn": persons[n % len(persons)]["burgerservicenummer"]}
            )

        def many(n: int) -> httpx.Response:
            return client.post("/personen", json={"bsns": _bsns(persons, n, BATCH)})

        return _drive(client, one, count), _drive(client, many, batches)


@contextmanager
def _prepared(
    bootstrap: str, registry_url: str, size: int
) -> Iterator[tuple[Settings, list[dict[str, Any]]]]:
    with tempfile.TemporaryDirectory(prefix="bron-bench-gateway-") as folder:
        settings = _settings(Path(folder), bootstrap, registry_url)
        persons = _persons(size)
        _fill(settings, persons)
        yield settings, persons


def check_same_json(gateway_url: str, bare_url: str, settings: Settings, bsn: str) -> None:
    """The two endpoints answer the same document (so the comparison is fair)."""
    token = issue(KeyPair(settings.data_dir / "keys"), subject=f"client-{APP}",
                  audience="bron:gateway", app_id=APP)  # fmt: skip
    query = f'{{ persoon(bsn: "{bsn}", doel: "{DOEL}") {{ {SELECTION} }} }}'
    ours = httpx.post(f"{gateway_url}/graphql", json={"query": query},
                      headers={"Authorization": f"Bearer {token}"}, timeout=30).json()  # fmt: skip
    bare = httpx.post(f"{bare_url}/persoon", json={"bsn": bsn}, timeout=30).json()
    if ours != bare:
        raise AssertionError(f"the gateway answered {ours}, the bare endpoint {bare}")


def bench_gateway(ctx: BenchContext) -> list[Measurement]:
    count, batches, size = (60, 10, 300) if ctx.quick else (2_000, 200, 2_000)
    runs: dict[str, list[Run]] = {"one": [], "one.bare": [], "many": [], "many.bare": []}
    with (
        contracts_registry(ctx.bootstrap) as registry_url,
        _prepared(ctx.bootstrap, registry_url, size) as (settings, persons),
    ):
        reader = ProjectionReader(str(settings.projections_database_url))
        bare_reader = ProjectionReader(str(settings.projections_database_url))
        try:
            with (
                serving(create_app(settings, reader=reader)) as url,
                serving(bare_app(bare_reader)) as bare_url,
            ):
                check_same_json(url, bare_url, settings, persons[0]["burgerservicenummer"])
                for _ in range(ctx.repeats):
                    one, many = bare_runs(bare_url, persons, count, batches)
                    runs["one.bare"].append(one)
                    runs["many.bare"].append(many)
                    one, many = gateway_runs(url, settings, persons, count, batches)
                    runs["one"].append(one)
                    runs["many"].append(many)
        finally:
            bare_reader.close()
    how = (f"sequential POSTs over one keep-alive connection, uvicorn (1 worker) in process, "
           f"SQLite projection store with {size:,} persons in scope")  # fmt: skip
    out: list[Measurement] = []
    pickers: list[tuple[str, str, str, bool, Callable[[Run], float]]] = [
        ("", "", "requests/s", True, lambda r: r.rate),
        (".p50", " p50 latency", "µs", False, lambda r: r.p50),
        (".p99", " p99 latency", "µs", False, lambda r: r.p99),
    ]
    for kind, key, title, n in (
        ("one", "gateway.persoon", "persoon(bsn)", count),
        ("many", "gateway.personen100", f"personen({BATCH} BSNs)", batches),
    ):
        bare_note = f"{n:,} requests; {how}; bare Starlette endpoint, same reader and JSON"
        ours, bare = runs[kind], runs[f"{kind}.bare"]
        for suffix, label, unit, better, pick in pickers:
            out.append(
                Measurement(
                    f"{key}{suffix}.bare",
                    f"bare Starlette {title}{label}",
                    unit,
                    tuple(pick(r) for r in bare),
                    higher_is_better=better,
                    note=bare_note,
                    distribution=None if better else _pooled(bare),
                )
            )
            out.append(
                Measurement(
                    f"{key}{suffix}",
                    f"gateway {title}{label} (auth, policy, processing log)",
                    unit,
                    tuple(pick(r) for r in ours),
                    higher_is_better=better,
                    baseline=f"{key}{suffix}.bare",
                    distribution=None if better else _pooled(ours),
                )
            )
    return out


def _pooled(runs: list[Run]) -> Distribution:
    return Distribution.of((s for r in runs for s in r.latencies), scale=1e6)
