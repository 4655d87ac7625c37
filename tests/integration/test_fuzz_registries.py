"""Issue 9's bad-input suite, the registries: schemathesis generates requests from each
registry's committed OpenAPI document (docs/openapi/*.json), valid and invalid alike, and
sends them to the real app (SQLite in tmp, the session Kafka broker, a real schema registry),
served by uvicorn. Most requests carry a valid token (an operator for changes; an app and one
of its purposes for reads) so that the fuzzer gets past authentication; some carry the
`authorization` header the fuzzer made up, some none at all.

Every response: never a 5xx; the status, content type and body as documented; every 4xx is
problem+json, and a 400 or 422 names the field(s) it refuses. Nothing written on rejection:
the outbox grows by exactly the events a 2xx change answers with, and not at all otherwise.
The schema-driven fuzzer seldom gets a change past the domain rules, so valid commands with
one field broken exercise both sides of that too.

`BRON_FUZZ_EXAMPLES` (default 12) sets the examples per operation; the seed is fixed, so a
run is reproducible (BRON_FUZZ_EXAMPLES=200 for a long one)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
import sqlalchemy as sa
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import Response
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from bron.http.auth import KeyPair
from bron.registry.app import PURPOSE_HEADER
from bron.settings import Settings
from bron.testing import serving
from services.bag.app import create_app as create_bag
from services.brp.app import create_app as create_brp
from services.brp.bag_client import BagHttpLookup
from services.common.runtime import RegistryRuntime
from services.toestemming.app import create_app as create_toestemming
from services.woz.app import create_app as create_woz
from services.woz.ports import BagHttpVerblijfsobjecten
from tests.integration.registries import (
    app_header,
    contracts_registry,
    operator_header,
    registry_settings,
)
from tests.integration.test_bag_registry import create_address

pytestmark = pytest.mark.kafka

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("BRON_FUZZ_EXAMPLES", "12"))
SEED = 20260901
PROBLEM_JSON = "application/problem+json"
# the purpose each registry's reads are made for (an app of the example policy that has it)
READERS = {"brp": ("bijstand-loket", "bijstand"), "woz": ("belastingen", "belastingen-woz")}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


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


def load(registry: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_path(REPO / "docs" / "openapi" / f"{registry}.json",
                                          config=config())  # fmt: skip


@dataclass
class Target:
    """One registry under test: where it is served, its runtime, and its tokens."""

    name: str
    url: str
    runtime: RegistryRuntime
    session: requests.Session = field(default_factory=requests.Session)
    counts: dict[str, int] = field(default_factory=dict)
    tokens: dict[bool, dict[str, str]] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def outbox_rows(self) -> int:
        """Every row the outbox holds (published or not), but the consent register's
        expiry sweep's, which may run beside the fuzzer."""
        table = self.runtime.outbox.table
        query = sa.select(sa.func.count()).select_from(table)
        query = query.where(table.c.event_type.not_like("%verlopen%"))
        with self.runtime.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def credentials(self, method: str) -> dict[str, str]:
        """An app and its purpose for the BRP's and the WOZ's reads, an operator otherwise
        (issued once: signing costs a tenth of a second)."""
        reads = method == "GET" and self.name in READERS
        found = self.tokens.get(reads)
        if found is None:
            if reads:
                app_id, doel = READERS[self.name]
                found = {**app_header(self.settings, self.name, app_id), PURPOSE_HEADER: doel}
            else:
                found = operator_header(self.settings, self.name)
            self.tokens[reads] = found
        return found


# -- the registries, each served once per module ----------------------------------------------


@pytest.fixture(scope="module")
def registry_url(bootstrap: str) -> Iterator[str]:
    with contracts_registry(bootstrap) as url:
        yield url


@pytest.fixture(scope="module")
def settings(
    tmp_path_factory: pytest.TempPathFactory, bootstrap: str, registry_url: str
) -> Settings:
    """One data directory (one key pair) for all four, a SQLite database each."""
    root = tmp_path_factory.mktemp("fuzz")
    databases = {f"{name}_database_url": f"sqlite:///{root / name}.db"
                 for name in ("bag", "brp", "woz", "toestemming")}  # fmt: skip
    return registry_settings(root, bootstrap, registry_url, **databases)


@pytest.fixture(scope="module")
def bag_target(settings: Settings) -> Iterator[Target]:
    """The BAG, with one address: the BRP and the WOZ check theirs in it, so that some
    fuzzed commands may refer to something that exists."""
    app, runtime = create_bag(settings)
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        create_address(client, operator_header(settings, "bag"), "1011AB")
        yield (target := Target("bag", url, runtime))
    target.session.close()
    print(f"fuzzed bag: {sorted(target.counts.items())}")


@pytest.fixture(scope="module")
def brp_target(settings: Settings, bag_target: Target) -> Iterator[Target]:
    lookup = BagHttpLookup(bag_target.url, KeyPair(settings.data_dir / "keys"))
    app, runtime = create_brp(settings, lookup)
    with serving(app) as url:
        yield (target := Target("brp", url, runtime))
    target.session.close()
    print(f"fuzzed brp: {sorted(target.counts.items())}")


@pytest.fixture(scope="module")
def woz_target(settings: Settings, bag_target: Target) -> Iterator[Target]:
    port = BagHttpVerblijfsobjecten(bag_target.url, KeyPair(settings.data_dir / "keys"))
    app, runtime = create_woz(settings, port)
    with serving(app) as url:
        yield (target := Target("woz", url, runtime))
    target.session.close()
    print(f"fuzzed woz: {sorted(target.counts.items())}")


@pytest.fixture(scope="module")
def toestemming_target(settings: Settings) -> Iterator[Target]:
    app, runtime = create_toestemming(settings)
    with serving(app) as url:
        yield (target := Target("toestemming", url, runtime))
    target.session.close()
    print(f"fuzzed toestemming: {sorted(target.counts.items())}")


# -- one request, checked ------------------------------------------------------------------

# Most requests carry a valid token (in place of any the fuzzer made up for the `authorization`
# header the documents declare); some carry the fuzzer's, some none at all.
AUTH = st.sampled_from(["valid", "valid", "valid", "valid", "fuzzed", "none"])


def authenticate(target: Target, case: Any, auth: str) -> None:
    headers = {k: v for k, v in (case.headers or {}).items()
               if auth == "fuzzed" or k.lower() != "authorization"}  # fmt: skip
    if auth == "valid":
        generated = {k.lower() for k in headers}
        for name, value in target.credentials(case.method).items():
            if name.lower() not in generated:
                headers[name] = value
    case.headers = headers


def exercise(target: Target, case: Any, auth: str) -> None:
    authenticate(target, case, auth)
    before = target.outbox_rows()
    response = case.call(base_url=target.url, session=target.session, timeout=30)
    grown = target.outbox_rows() - before
    status = response.status_code
    key = f"{case.method} {status}"
    target.counts[key] = target.counts.get(key, 0) + 1
    case.validate_response(response, checks=CHECKS)
    body = _json(response)
    sent = case.as_curl_command(base_url=target.url)
    if 200 <= status < 300 and case.method != "GET":
        assert grown == _events(body), f"{sent}\n→ {status} {body}, {grown} outbox row(s)"
    else:
        assert grown == 0, f"{sent}\n→ {status} wrote {grown} outbox row(s)"
    if 400 <= status < 500:
        assert_problem(status, content_type(response), body, sent)


def _json(response: Response | requests.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def content_type(response: Response) -> str:
    return (response.headers.get("content-type") or [""])[0]


def _events(body: Any) -> int:
    """The events a change answered with (the BRP's partner's too)."""
    assert isinstance(body, dict), body
    partner = body.get("partner") or {}
    return len(body.get("events", [])) + len(partner.get("events", []))


def assert_problem(status: int, media_type: str, body: Any, sent: str) -> None:
    """problem+json (RFC 9457); a 400 or 422 names each field it refuses, and the rule."""
    said = f"{sent}\n→ {status} {body}"
    assert media_type == PROBLEM_JSON, said
    assert isinstance(body, dict), said
    assert body["status"] == status, said
    assert body["type"].startswith("https://bron.dev/problems/"), said
    assert isinstance(body["title"], str), said
    assert isinstance(body["detail"], str), said
    assert "Traceback" not in json.dumps(body), said
    if status in (400, 422):
        errors = body.get("errors")
        assert errors, f"names no field: {said}"
        for error in errors:
            assert isinstance(error["field"], str), said
            assert error["field"], said
            assert error["rule"], said
            assert error["message"], said


# -- the suites: one per registry -----------------------------------------------------------

bag_schema = load("bag")
brp_schema = load("brp")
woz_schema = load("woz")
toestemming_schema = load("toestemming")


@bag_schema.parametrize()
@bag_schema.given(auth=AUTH)
def test_fuzz_bag(case: Any, auth: str, bag_target: Target) -> None:
    exercise(bag_target, case, auth)


@brp_schema.parametrize()
@brp_schema.given(auth=AUTH)
def test_fuzz_brp(case: Any, auth: str, brp_target: Target) -> None:
    exercise(brp_target, case, auth)


@woz_schema.parametrize()
@woz_schema.given(auth=AUTH)
def test_fuzz_woz(case: Any, auth: str, woz_target: Target) -> None:
    exercise(woz_target, case, auth)


@toestemming_schema.parametrize()
@toestemming_schema.given(auth=AUTH)
def test_fuzz_toestemming(case: Any, auth: str, toestemming_target: Target) -> None:
    exercise(toestemming_target, case, auth)


# -- valid commands, one field broken: both sides of "nothing written on rejection" ----------
# The fuzzer above seldom gets a change past the domain rules. Here each example starts from
# valid commands and breaks one field of one of them (left out, given another JSON value, or
# an unknown field added): whatever is answered, a 2xx wrote exactly its events and anything
# else nothing.

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=6,
)  # fmt: skip
MUTATIONS = hypothesis_settings(
    max_examples=EXAMPLES * 2,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def broken(draw: st.DrawFn, body: dict[str, Any]) -> dict[str, Any]:
    """The body with one field left out, replaced by another JSON value, or one added."""
    how = draw(st.sampled_from(["replace", "drop", "add", "keep"]))
    name = draw(st.sampled_from(sorted(body)))
    if how == "drop":
        return {k: v for k, v in body.items() if k != name}
    if how == "replace":
        return {**body, name: draw(JSON_VALUES)}
    if how == "add":
        return {**body, draw(st.text(min_size=1, max_size=12)): draw(JSON_VALUES)}
    return body


def send(target: Target, method: str, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    before = target.outbox_rows()
    # as Python writes JSON: NaN and Infinity too, which Python (so FastAPI) also reads
    response = target.session.request(method, target.url + path, data=json.dumps(body),
                                      headers={**target.credentials(method),
                                               "Content-Type": "application/json"},
                                      timeout=30)  # fmt: skip
    grown = target.outbox_rows() - before
    status, answer = response.status_code, _json(response)
    sent = f"{method} {path} {json.dumps(body)}"
    assert status < 500, f"{sent}\n→ {status} {response.text}"
    if 200 <= status < 300:
        assert grown == _events(answer), f"{sent}\n→ {status} {answer}, {grown} outbox row(s)"
    else:
        assert grown == 0, f"{sent}\n→ {status} wrote {grown} outbox row(s)"
        assert_problem(status, response.headers.get("content-type", ""), answer, sent)
    key = f"mutated {method} {status}"
    target.counts[key] = target.counts.get(key, 0) + 1
    return status, answer


def bag_chain() -> list[tuple[str, dict[str, Any]]]:
    """A new address: woonplaats, openbare ruimte, nummeraanduiding, pand, verblijfsobject."""
    woonplaats = f"{uuid.uuid4().int % 9000 + 1000}"
    ids = {kind: f"0363{code}{uuid.uuid4().int % 10**10:010d}"
           for kind, code in (("ruimte", "30"), ("nummer", "20"), ("pand", "10"),
                              ("vbo", "01"))}  # fmt: skip
    mutatie = {"documentdatum": "2026-11-01", "documentnummer": "F-1",
               "tijdstipRegistratie": "2026-11-28T10:00:00Z"}  # fmt: skip
    return [
        ("/woonplaatsen", {**mutatie, "identificatie": woonplaats, "naam": "Fuzzstad",
                           "status": "woonplaats_aangewezen"}),
        ("/openbareruimten", {**mutatie, "identificatie": ids["ruimte"], "naam": "Fuzzweg",
                              "type": "weg", "status": "naamgeving_uitgegeven",
                              "ligtIn": woonplaats}),
        ("/nummeraanduidingen", {**mutatie, "identificatie": ids["nummer"], "huisnummer": 7,
                                 "postcode": "1012AB", "typeAdresseerbaarObject": "verblijfsobject",
                                 "status": "naamgeving_uitgegeven", "ligtAan": ids["ruimte"],
                                 "ligtIn": woonplaats}),
        ("/panden", {**mutatie, "identificatie": ids["pand"], "oorspronkelijkBouwjaar": 1932,
                     "status": "pand_in_gebruik"}),
        ("/verblijfsobjecten", {**mutatie, "identificatie": ids["vbo"],
                                "heeftAlsHoofdadres": ids["nummer"],
                                "gebruiksdoelen": ["woonfunctie"], "oppervlakte": 84,
                                "status": "verblijfsobject_in_gebruik",
                                "maaktDeelUitVan": [ids["pand"]]}),
    ]  # fmt: skip


@MUTATIONS
@given(data=st.data())
def test_fuzz_bag_commands_with_one_field_broken(bag_target: Target, data: st.DataObject) -> None:
    chain = bag_chain()
    broken_at = data.draw(st.integers(0, len(chain) - 1), label="broken command")
    for i, (path, body) in enumerate(chain):
        sent = data.draw(broken(body), label=path) if i == broken_at else body
        send(bag_target, "POST", path, sent)


@MUTATIONS
@given(data=st.data())
def test_fuzz_consents_with_one_field_broken(
    toestemming_target: Target, data: st.DataObject
) -> None:
    body = {"toestemmingId": str(uuid.uuid4()), "persoonId": str(uuid.uuid4()),
            "appId": "parkeren", "doelId": "parkeervergunning",
            "geldigTot": "2099-01-01T00:00:00Z"}  # fmt: skip
    status, answer = send(toestemming_target, "POST", "/toestemmingen", data.draw(broken(body)))
    if status == 201:  # and revoked again, twice: the second time is refused
        path = f"/toestemmingen/{answer['toestemmingId']}/intrekking"
        assert send(toestemming_target, "POST", path, {})[0] == 200
        assert send(toestemming_target, "POST", path, {})[0] == 422
