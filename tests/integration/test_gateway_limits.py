"""The gateway's query cost limit and its rate limits per app and operation, end to end: a real
uvicorn server, the session Kafka broker, a real schema registry, a SQLite projection store and
httpx (the setting of `test_gateway_http`). A refused request reads nothing from the store and
leaves no record on `bron.verwerkingslog`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from bron_gateway.app import create_app
from bron_gateway.testing import record, write_persons, write_policy

from bron.policy import load_policy
from bron.testing import serving
from streams.reads import ProjectionReader
from streams.store import ProjectionStore
from tests.integration.registries import contracts_registry
from tests.integration.test_gateway_http import (
    ANNA,
    ANNA_BIJSTAND,
    BRAM,
    NAAM,
    Gateway,
    gateway_settings,
    logged,
    traceparent,
)

pytestmark = pytest.mark.kafka

RATE, BURST = 2.0, 3


@pytest.fixture(scope="module")
def registry_url(bootstrap: str) -> Iterator[str]:
    with contracts_registry(bootstrap) as url:
        yield url


@contextmanager
def started(root: Path, bootstrap: str, registry_url: str, **overrides: Any) -> Iterator[Gateway]:
    """A gateway on a store of its own: Anna in the scope of bijstand and parkeervergunning,
    Bram in none of these."""
    settings = gateway_settings(root, bootstrap, registry_url, **overrides)
    policy = load_policy()
    store = ProjectionStore(str(settings.projections_database_url))
    write_policy(store, policy)
    anna = record(ANNA, "Jansen", "Anna Maria")
    bram = record(BRAM, "Bakker", "Bram", gemeente="0599")
    write_persons(store, policy, [anna, bram], [
        ("bijstand-loket", "bijstand", anna["persoonId"]),
        ("parkeren", "parkeervergunning", anna["persoonId"]),
    ])  # fmt: skip
    reader = ProjectionReader(str(settings.projections_database_url))
    try:
        with serving(create_app(settings, reader=reader)) as url:
            yield Gateway(url, settings, registry_url, reader, store, policy,
                          {ANNA: anna, BRAM: bram})  # fmt: skip
    finally:
        store.close()


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory, bootstrap: str, registry_url: str
) -> Iterator[Gateway]:
    """The default limits: a cost of 5000, 50 operations a second in bursts of 100."""
    with started(tmp_path_factory.mktemp("costs"), bootstrap, registry_url) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def limited(
    tmp_path_factory: pytest.TempPathFactory, bootstrap: str, registry_url: str
) -> Iterator[Gateway]:
    root = tmp_path_factory.mktemp("limited")
    with started(root, bootstrap, registry_url, gateway_rate_limit=RATE,
                 gateway_rate_burst=BURST) as gateway:  # fmt: skip
        yield gateway


# -- cost ------------------------------------------------------------------------------------

PERSON = (  # 7 fields
    "fragment P on Persoon { burgerservicenummer naam { geslachtsnaam voornamen } "
    "geboorte { datum { datum } } }"
)


def searches(count: int, first: int) -> str:
    """`count` searches of `first` persons each: count * (1 + first * (nodes + 7))."""
    search = ('zoekPersonen(doel: "bijstand", geslachtsnaam: "Jansen", '
              f'geboortedatum: "1980-05-17", first: {first}) {{ nodes {{ ...P }} }}')  # fmt: skip
    return "{ " + " ".join(f"s{n}: {search}" for n in range(count)) + " } " + PERSON


def test_a_query_over_the_cost_limit_is_refused_before_anything_is_read(gateway: Gateway) -> None:
    trace_id, parent = traceparent()
    calls = gateway.reader.calls
    response = gateway.query("bijstand-loket", searches(7, 100), traceparent=parent)
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"] == {"code": "QUERY_TOO_COSTLY", "cost": 5607, "maxCost": 5000}
    assert "costs 5607, more than the limit of 5000" in error["message"]
    assert "ask for fewer items per page or fewer fields" in error["message"]
    assert "Jansen" not in response.text
    assert gateway.reader.calls == calls
    assert logged(gateway, trace_id) == []


def test_a_query_under_the_cost_limit_runs(gateway: Gateway) -> None:
    calls = gateway.reader.calls
    response = gateway.query("bijstand-loket", searches(7, 80))  # costs 4487
    body = response.json()
    assert "errors" not in body, body
    assert list(body["data"]) == [f"s{n}" for n in range(7)]
    assert gateway.reader.calls > calls  # searched (this store has no search index: no hits)


# -- rate limits -----------------------------------------------------------------------------

BRAM_BIJSTAND = f'{{ persoon(bsn: "{BRAM}", doel: "bijstand") {{ {NAAM} }} }}'
ANNA_PARKEREN = f'{{ persoon(bsn: "{ANNA}", doel: "parkeervergunning") {{ {NAAM} }} }}'
ANNA_PERSONEN = f'{{ personen(bsns: ["{ANNA}"], doel: "bijstand") {{ {NAAM} }} }}'


def post(client: httpx.Client, token: str, query: str, parent: str = "") -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} | ({"traceparent": parent} if parent else {})
    return client.post("/graphql", json={"query": query}, headers=headers)


def test_over_the_rate_an_operation_is_429_until_its_bucket_refills(limited: Gateway) -> None:
    bijstand, parkeren = limited.token("bijstand-loket"), limited.token("parkeren")
    with httpx.Client(base_url=limited.url, timeout=30) as client:
        # The burst: three quick reads of Bram (out of scope, so null and nothing to log).
        for _ in range(BURST):
            assert post(client, bijstand, BRAM_BIJSTAND).json() == {"data": {"persoon": None}}
        refused_trace, parent = traceparent()
        calls = limited.reader.calls
        refused = post(client, bijstand, ANNA_BIJSTAND, parent)
        assert limited.reader.calls == calls

        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        retry_after = int(refused.headers["retry-after"])
        assert retry_after == 1  # half a second to the next token, in whole seconds
        problem = refused.json()
        assert problem["type"] == "https://bron.dev/problems/rate-limited"
        assert problem["status"] == 429
        assert "'bijstand-loket'" in problem["detail"]
        assert "'persoon'" in problem["detail"]
        assert f"retry after {retry_after} s" in problem["detail"]
        assert "Jansen" not in refused.text

        # Another app, and another operation of the same app, have buckets of their own.
        other_app = post(client, parkeren, ANNA_PARKEREN)
        assert other_app.json() == {"data": {"persoon": {"naam": {"geslachtsnaam": "Jansen"}}}}
        other_operation = post(client, bijstand, ANNA_PERSONEN)
        assert other_operation.json() == {
            "data": {"personen": [{"naam": {"geslachtsnaam": "Jansen"}}]}
        }

        time.sleep(retry_after)
        served_trace, parent = traceparent()
        served = post(client, bijstand, ANNA_BIJSTAND, parent)
        assert served.status_code == 200
        assert served.json() == {"data": {"persoon": {"naam": {"geslachtsnaam": "Jansen"}}}}
    assert len(logged(limited, served_trace)) == 1
    assert logged(limited, refused_trace) == []


def test_aliases_are_operations_too(limited: Gateway) -> None:
    token = limited.token("afvalpas")
    aliases = " ".join(
        f'a{n}: adres(doel: "afvalpas", id: "0363200000000001") {{ postcode }}' for n in range(4)
    )
    with httpx.Client(base_url=limited.url, timeout=30) as client:
        response = post(client, token, f"{{ {aliases} }}")  # four operations, a burst of three
        assert response.status_code == 200  # waited for a full bucket: it takes all of it
        assert "errors" not in response.json()
        response = post(client, token, f"{{ {aliases.split(' a1:')[0]} }}")
    assert response.status_code == 429
    assert "'adres'" in response.json()["detail"]
