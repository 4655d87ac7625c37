"""Issue 9's bad-input suite, the gateway: schemathesis generates queries and mutations from
the committed schema (docs/schema.graphql), valid and invalid alike, and posts them to the real
gateway (uvicorn, a SQLite projection store with two persons, the processing log on the
session Kafka broker with a real schema registry). The consent register, the BAG and the
webhook service are not running: what needs them must say so as a GraphQL error of its own.

Callers: apps (each with its own purposes), a citizen, no token and a token that is no token.
Every answer: never a 5xx; a refusal before GraphQL runs is problem+json; a GraphQL answer
conforms to the schema (no null where the schema promises a value), an invalid query gets
errors, and every error is one meant for the caller: never the masked `INTERNAL` error (an
exception the gateway did not expect), never a traceback or an exception's class name.

`BRON_FUZZ_EXAMPLES` (default 12) sets the examples per root field; the seed is fixed."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from bron_gateway.app import create_app
from bron_gateway.testing import record, write_persons, write_policy
from hypothesis import strategies as st
from schemathesis import Response
from schemathesis.specs.openapi.checks import negative_data_rejection, response_schema_conformance

from bron.http.auth import KeyPair, issue
from bron.policy import load_policy
from bron.settings import load_settings
from bron.testing import serving
from streams.reads import ProjectionReader
from streams.store import ProjectionStore
from tests.integration.registries import contracts_registry

pytestmark = pytest.mark.kafka

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("BRON_FUZZ_EXAMPLES", "12"))
SEED = 20260902
ANNA, BRAM = "999990019", "999990020"
PROBLEM_JSON = "application/problem+json"
# what an error meant for a caller never shows: Python's insides
INTERNALS = re.compile(
    r"Traceback|File \"|\b[A-Z][A-Za-z]*(?:Error|Exception)\b|object at 0x|\bNoneType\b"
)
CALLERS = ["bijstand-loket", "parkeren", "afvalpas", "belastingen", "burger", "none", "garbage"]


def config() -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "generation": {
                "max-examples": EXAMPLES,
                "deterministic": True,
                "database": "none",
                "mode": "all",
            },
            "phases": {"stateful": {"enabled": False}},
        }
    )


schema = schemathesis.graphql.from_path(REPO / "docs" / "schema.graphql", config=config())


@dataclass
class Gateway:
    url: str
    headers: dict[str, dict[str, str]]
    session: requests.Session = field(default_factory=requests.Session)
    counts: dict[str, int] = field(default_factory=dict)


@pytest.fixture(scope="module")
def registry_url(bootstrap: str) -> Iterator[str]:
    with contracts_registry(bootstrap) as url:
        yield url


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory, bootstrap: str, registry_url: str
) -> Iterator[Gateway]:
    root = tmp_path_factory.mktemp("fuzz-gateway")
    settings = load_settings(
        data_dir=root / "var",
        kafka_bootstrap=bootstrap,
        schema_registry_url=registry_url,
        projections_database_url=f"sqlite:///{root / 'projections.db'}",
        gateway_rate_limit=0,  # the fuzzer asks far more often than any app may
        gateway_log_timeout=10.0,
        gateway_consent_timeout=2.0,
        webhooks_timeout=1.0,
    )
    policy = load_policy()
    store = ProjectionStore(str(settings.projections_database_url))
    write_policy(store, policy)
    anna = record(ANNA, "Jansen", "Anna Maria")
    bram = record(BRAM, "Bakker", "Bram", gemeente="0599")
    write_persons(store, policy, [anna, bram], [
        ("bijstand-loket", "bijstand", anna["persoonId"]),
        ("parkeren", "parkeervergunning", anna["persoonId"]),
        ("belastingen", "belastingen-woz", anna["persoonId"]),
        ("afvalpas", "afvalpas", bram["persoonId"]),
    ])  # fmt: skip
    reader = ProjectionReader(str(settings.projections_database_url))
    keys = KeyPair(settings.data_dir / "keys")
    headers = {
        app_id: issue(keys, subject=f"client-{app_id}", audience="bron:gateway", app_id=app_id)
        for app_id in CALLERS[:4]
    }
    headers["burger"] = issue(keys, subject=ANNA, audience="bron:gateway", roles=["burger"])
    headers["garbage"] = "eyJhbGciOiJub25lIn0.e30."
    bearers = {caller: {"Authorization": f"Bearer {token}"} for caller, token in headers.items()}
    bearers["none"] = {}
    app = create_app(settings, reader=reader)
    with serving(app) as url:
        yield (target := Gateway(url, bearers))
    target.session.close()
    print(f"fuzzed the gateway: {sorted(target.counts.items())}")
    store.close()


# the purpose each app has (random strings seldom name one: then little runs past the check)
PURPOSES = {"bijstand-loket": "bijstand", "parkeren": "parkeervergunning",
            "afvalpas": "afvalpas", "belastingen": "belastingen-woz"}  # fmt: skip
STRING = r'"(?:[^"\\]|\\.)*"'


def aimed(query: str, caller: str) -> str:
    """The query with the caller's own purpose as every `doel`, and a known person's BSN."""
    purpose = PURPOSES.get(caller, "bijstand")
    query = re.sub(rf"\bdoel(Id)?: {STRING}", lambda m: f'doel{m[1] or ""}: "{purpose}"', query)
    return re.sub(rf"\bbsn: {STRING}", f'bsn: "{ANNA}"', query)


@schema.parametrize()
@schema.given(caller=st.sampled_from(CALLERS), aim=st.booleans())
def test_fuzz_graphql(case: Any, caller: str, aim: bool, gateway: Gateway) -> None:
    if aim and isinstance(case.body, str):
        case.body = aimed(case.body, caller)
    response = case.call(base_url=f"{gateway.url}/graphql", session=gateway.session,
                         headers=gateway.headers[caller], timeout=60)  # fmt: skip
    status = response.status_code
    sent = f"as {caller}: {case.body}"
    said = f"{sent}\n→ {status} {response.content[:2000]!r}"
    body = _json(response)
    assert status < 500, said
    if status != 200:
        assert 400 <= status < 500, said
        assert content_type(response) == PROBLEM_JSON, said
        assert isinstance(body, dict), said
        assert body["status"] == status, said
        _count(gateway, f"{status}")
        return
    assert isinstance(body, dict), said
    errors = body.get("errors") or []
    codes = sorted({str((e.get("extensions") or {}).get("code")) for e in errors})
    _count(gateway, f"200 errors {codes}" if errors else "200 data")
    for error in errors:
        message = error.get("message")
        assert isinstance(message, str), said
        assert (error.get("extensions") or {}).get("code") != "INTERNAL", said
        assert not INTERNALS.search(json.dumps(error)), said
    case.validate_response(response, checks=[response_schema_conformance, negative_data_rejection])


def _count(gateway: Gateway, key: str) -> None:
    gateway.counts[key] = gateway.counts.get(key, 0) + 1


def _json(response: Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def content_type(response: Response) -> str:
    return (response.headers.get("content-type") or [""])[0]
