"""The gateway end to end: a real uvicorn server, the session Kafka broker, a real schema
registry with every contract, a real SQLite projection store written through
`ProjectionStore`, and httpx. Every answer with data is checked against the records it left on
`bron.verwerkingslog`, consumed and decoded with EventCodec."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from bron_gateway.access import FixedPolicy
from bron_gateway.app import create_app
from bron_gateway.testing import record, write_persons, write_policy
from bron_gateway.verwerkingslog import Pseudonymiser
from cryptography.hazmat.primitives.asymmetric import rsa

from bron.apps.manifest import operation_hash
from bron.http.auth import ISSUER, KeyPair, issue
from bron.policy import Policy, load_policy
from bron.settings import Environment, Settings, load_settings
from bron.testing import free_ports, serving
from streams.reads import ProjectionReader
from streams.store import ProjectionStore
from tests.integration.processing_log import processing_log
from tests.integration.registries import contracts_registry

pytestmark = pytest.mark.kafka

OIN = "00000001001234567000"  # BRON_OIN default: the organisation running the gateway
ANNA, BRAM, NOBODY = "999990019", "999990020", "999990032"


@dataclass
class Gateway:
    url: str
    settings: Settings
    registry_url: str
    reader: ProjectionReader
    store: ProjectionStore
    policy: Policy
    persons: dict[str, dict[str, Any]]

    def token(self, app_id: str, **claims: Any) -> str:
        keys = KeyPair(self.settings.data_dir / "keys")
        if not claims:
            return issue(keys, subject=f"client-{app_id}", audience="bron:gateway", app_id=app_id)
        now = int(time.time())
        base = {"iss": ISSUER, "sub": f"client-{app_id}", "aud": "bron:gateway",
                "app_id": app_id, "iat": now, "exp": now + 600}  # fmt: skip
        body = {k: v for k, v in {**base, **claims}.items() if v is not None}
        return jwt.encode(body, keys.private_pem, algorithm="RS256")

    def query(
        self, app_id: str, query: str, traceparent: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(app_id)}"}
        if traceparent:
            headers["traceparent"] = traceparent
        return httpx.post(f"{self.url}/graphql", json={"query": query}, headers=headers,
                          timeout=30, **kwargs)  # fmt: skip


@pytest.fixture(scope="module")
def registry_url(bootstrap: str) -> Iterator[str]:
    with contracts_registry(bootstrap) as url:
        yield url


def gateway_settings(root: Path, bootstrap: str, registry_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": root / "var",
        "kafka_bootstrap": bootstrap,
        "schema_registry_url": registry_url,
        "projections_database_url": f"sqlite:///{root / 'projections.db'}",
        "gateway_max_tokens": 10_000,
        "gateway_log_timeout": 10.0,
        **overrides,
    }
    return load_settings(**values)


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory, bootstrap: str, registry_url: str
) -> Iterator[Gateway]:
    root = tmp_path_factory.mktemp("gateway")
    settings = gateway_settings(root, bootstrap, registry_url)
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
    app = create_app(settings, reader=reader)
    with serving(app) as url:
        yield Gateway(url, settings, registry_url, reader, store, policy,
                      {ANNA: anna, BRAM: bram})  # fmt: skip
    store.close()


def traceparent() -> tuple[str, str]:
    trace_id = secrets.token_hex(16)
    return trace_id, f"00-{trace_id}-{secrets.token_hex(8)}-01"


def logged(gateway: Gateway, trace_id: str) -> list[dict[str, Any]]:
    """Every record on bron.verwerkingslog of this trace (read up to the current end)."""
    events = processing_log(gateway.settings.bootstrap_servers, gateway.registry_url)
    return [e.data for e in events if e.data["traceId"] == trace_id]


def pseudonym(gateway: Gateway, bsn: str) -> str:
    secret = Pseudonymiser.in_data_dir(gateway.settings.data_dir)
    return secret(gateway.persons[bsn]["persoonId"])


# -- authorisation ---------------------------------------------------------------------------

NAAM = "naam { geslachtsnaam }"
ADRES = "adres { postcode huisnummer }"
ANNA_BIJSTAND = f'{{ persoon(bsn: "{ANNA}", doel: "bijstand") {{ {NAAM} }} }}'

CASES = [
    # app, doel, bsn, selection, expected persoon (None: null), refused path (an error)
    ("bijstand-loket", "bijstand", ANNA, NAAM + " geboorte { datum { datum } }",
     {"naam": {"geslachtsnaam": "Jansen"}, "geboorte": {"datum": {"datum": "1980-05-17"}}}, None),
    ("bijstand-loket", "bijstand", BRAM, NAAM, None, None),
    ("bijstand-loket", "bijstand", ANNA, "overlijden { datum { datum } }", None,
     "overlijden.datum.datum"),
    ("parkeren", "parkeervergunning", ANNA, "naam { voorletters geslachtsnaam } " + ADRES,
     {"naam": {"voorletters": "A.M.", "geslachtsnaam": "Jansen"},
      "adres": {"postcode": "1011AB", "huisnummer": 12}}, None),
    ("parkeren", "parkeervergunning", ANNA, "naam { voornamen }", None, "naam.voornamen"),
    ("parkeren", "parkeervergunning", BRAM, NAAM, None, None),
    ("belastingen", "belastingen-woz", ANNA, "burgerservicenummer overlijden { datum { datum } }",
     {"burgerservicenummer": ANNA, "overlijden": None}, None),
    ("belastingen", "belastingen-woz", ANNA, "geboorte { datum { datum } }", None,
     "geboorte.datum.datum"),
    ("afvalpas", "afvalpas", BRAM, "naam { geslachtsnaam } verblijfplaats { verblijfadres "
     "{ postcode huisnummer } }", {"naam": {"geslachtsnaam": "Bakker"}, "verblijfplaats":
     {"verblijfadres": {"postcode": "1011AB", "huisnummer": 12}}}, None),
    ("afvalpas", "afvalpas", ANNA, NAAM, None, None),
    ("afvalpas", "afvalpas", BRAM, "verblijfplaats { verblijfadres { woonplaats } }", None,
     "verblijfplaats.verblijfadres.woonplaats"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("app_id", "doel", "bsn", "selection", "expected", "refused"),
    CASES,
    ids=[f"{c[0]}-{c[1]}-{c[2]}-{'refused' if c[5] else 'allowed'}" for c in CASES],
)
def test_an_app_sees_exactly_what_its_purpose_allows(
    gateway: Gateway,
    app_id: str,
    doel: str,
    bsn: str,
    selection: str,
    expected: dict[str, Any] | None,
    refused: str | None,
) -> None:
    trace_id, parent = traceparent()
    query = f'{{ persoon(bsn: "{bsn}", doel: "{doel}") {{ {selection} }} }}'
    response = gateway.query(app_id, query, traceparent=parent)
    assert response.status_code == 200
    assert response.headers["traceparent"].startswith(f"00-{trace_id}-")
    body = response.json()
    assert body["data"] == {"persoon": expected}
    records = logged(gateway, trace_id)
    if refused:
        [error] = body["errors"]
        assert f"'{doel}'" in error["message"]
        assert refused in error["message"]
        assert error["extensions"] == {"code": "FIELD_NOT_ALLOWED"}
    else:
        assert "errors" not in body
    if expected is None:
        assert records == []
        return
    [entry] = records
    app = gateway.policy.app_by_id[app_id]
    assert entry["doelId"] == doel
    assert entry["verwerkingsactiviteitId"] == doel
    assert entry["appId"] == app_id
    assert entry["uitvoerder"] == OIN
    assert entry["afnemer"] == app.organisatie
    assert entry["grondslag"] == gateway.policy.doel_by_id[doel].grondslag.value
    assert entry["systeem"] == "bron-gateway"
    assert entry["statusCode"] == "ok"
    assert entry["spanId"] == response.headers["traceparent"].split("-")[2]
    [obj] = entry["verwerkteObjecten"]
    assert obj["identificator"] == pseudonym(gateway, bsn)
    assert obj["soortIdentificator"] == "persoonId-pseudoniem"
    assert obj["verwerkteSoortenGegevens"]
    text = json.dumps(entry, default=str)
    assert bsn not in text
    assert gateway.persons[bsn]["persoonId"] not in text


def test_a_purpose_of_another_app_is_refused(gateway: Gateway) -> None:
    response = gateway.query(
        "parkeren", f'{{ persoon(bsn: "{ANNA}", doel: "bijstand") {{ {NAAM} }} }}'
    )
    body = response.json()
    assert body["data"] == {"persoon": None}
    assert body["errors"][0]["extensions"] == {"code": "PURPOSE_NOT_ALLOWED"}


def test_personen_with_100_bsns_costs_a_bounded_number_of_store_calls(gateway: Gateway) -> None:
    persons = [record(f"{200000000 + i}", f"Naam{i}", "Piet") for i in range(100)]
    in_scope = [("bijstand-loket", "bijstand", p["persoonId"]) for p in persons[:90]]
    write_persons(gateway.store, gateway.policy, persons, in_scope)
    bsns = json.dumps([p["burgerservicenummer"] for p in persons])
    trace_id, parent = traceparent()
    calls = gateway.reader.calls
    response = gateway.query(
        "bijstand-loket",
        f'{{ personen(bsns: {bsns}, doel: "bijstand") {{ {NAAM} }} }}',
        traceparent=parent,
    )
    used = gateway.reader.calls - calls
    found = response.json()["data"]["personen"]
    assert [p and p["naam"]["geslachtsnaam"] for p in found] == [
        f"Naam{i}" if i < 90 else None for i in range(100)
    ]
    assert used == 2, used  # the BSN index once, the views of the purpose once
    records = logged(gateway, trace_id)
    assert len(records) == 90
    assert len({r["verwerkteObjecten"][0]["identificator"] for r in records}) == 90


# -- authentication --------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unsigned(claims: dict[str, Any]) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims).encode())}."


def _hs256_with_public_key(gateway: Gateway, claims: dict[str, Any]) -> str:
    keys = KeyPair(gateway.settings.data_dir / "keys")
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    signing_input = f"{header}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(keys.public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _claims() -> dict[str, Any]:
    now = int(time.time())
    return {"iss": ISSUER, "sub": "client-bijstand-loket", "aud": "bron:gateway",
            "app_id": "bijstand-loket", "iat": now, "exp": now + 600}  # fmt: skip


ATTACKS: dict[str, Callable[[Gateway], str]] = {
    "alg-none": lambda g: _unsigned(_claims()),
    "hs256-with-the-public-key": lambda g: _hs256_with_public_key(g, _claims()),
    "wrong-audience": lambda g: g.token("bijstand-loket", aud="bron:brp"),
    "unknown-issuer": lambda g: g.token("bijstand-loket", iss="https://idp.example.org"),
    "expired": lambda g: g.token("bijstand-loket", iat=int(time.time()) - 900,
                                 exp=int(time.time()) - 120),
    "no-exp": lambda g: g.token("bijstand-loket", exp=None),
    "not-yet-valid": lambda g: g.token("bijstand-loket", nbf=int(time.time()) + 300),
    "longer-than-6-hours": lambda g: g.token("bijstand-loket", exp=int(time.time()) + 7 * 3600),
    "another-key": lambda g: jwt.encode(
        _claims(), rsa.generate_private_key(public_exponent=65537, key_size=2048),
        algorithm="RS256"),
    "garbage": lambda g: "not-a-token",
}  # fmt: skip


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_bad_token_is_401_without_data(gateway: Gateway, attack: str) -> None:
    token = ATTACKS[attack](gateway)
    calls = gateway.reader.calls
    response = httpx.post(f"{gateway.url}/graphql", headers={"Authorization": f"Bearer {token}"},
                          json={"query": ANNA_BIJSTAND})  # fmt: skip
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    assert "data" not in response.json()
    assert "Jansen" not in response.text
    assert gateway.reader.calls == calls


def test_a_token_in_the_query_string_is_refused_even_with_a_good_header(gateway: Gateway) -> None:
    token = gateway.token("bijstand-loket")
    for params in ({"access_token": token}, {"q": token}):
        response = httpx.post(f"{gateway.url}/graphql", params=params,
                              headers={"Authorization": f"Bearer {token}"},
                              json={"query": ANNA_BIJSTAND})  # fmt: skip
        assert response.status_code == 401
        assert "Jansen" not in response.text


def test_no_token_is_401_and_an_app_outside_the_register_is_403(gateway: Gateway) -> None:
    query = {"query": "{ __typename }"}
    assert httpx.post(f"{gateway.url}/graphql", json=query).status_code == 401
    headers = {"Authorization": f"Bearer {gateway.token('onbekende-app')}"}
    response = httpx.post(f"{gateway.url}/graphql", json=query, headers=headers)
    assert response.status_code == 403
    assert response.json()["type"] == "https://bron.dev/problems/forbidden"


# -- abuse -----------------------------------------------------------------------------------


def _refused_before_resolving(gateway: Gateway, query: str, expected: str) -> None:
    calls = gateway.reader.calls
    response = gateway.query("bijstand-loket", query)
    body = response.json()
    assert body.get("data") is None
    assert any(expected in e["message"] for e in body["errors"]), body["errors"][:3]
    assert gateway.reader.calls == calls


def test_a_query_20_deep_is_refused(gateway: Gateway) -> None:
    inner = "burgerservicenummer"
    for _ in range(19):
        inner = f"partners {{ {inner} }}"
    query = f'{{ persoon(bsn: "{ANNA}", doel: "bijstand") {{ {inner} }} }}'
    _refused_before_resolving(gateway, query, "exceeds maximum operation depth")


def test_1000_aliases_are_refused_also_through_fragments(gateway: Gateway) -> None:
    fields = " ".join(f"a{i}: __typename" for i in range(1000))
    _refused_before_resolving(gateway, f"{{ {fields} }}", "1000 aliases found")
    nested = "query { ...F } fragment F on Query { " + fields + " }"
    _refused_before_resolving(gateway, nested, "1000 aliases found")
    persons = " ".join(
        f'p{i}: persoon(bsn: "{ANNA}", doel: "bijstand") {{ ...N }}' for i in range(300)
    )
    _refused_before_resolving(gateway, f"{{ {persons} }} fragment N on Persoon {{ {NAAM} }}",
                              "aliases found")  # fmt: skip


def test_batched_operations_are_refused_before_anything_runs(gateway: Gateway) -> None:
    """A JSON array of operations would multiply every limit by its length: not served."""
    calls = gateway.reader.calls
    trace_id, parent = traceparent()
    batch = [{"query": ANNA_BIJSTAND}, {"query": ANNA_BIJSTAND}]
    headers = {"Authorization": f"Bearer {gateway.token('bijstand-loket')}",
               "traceparent": parent}  # fmt: skip
    response = httpx.post(f"{gateway.url}/graphql", json=batch, headers=headers, timeout=30)
    assert response.status_code == 400
    assert "Jansen" not in response.text
    assert gateway.reader.calls == calls
    assert logged(gateway, trace_id) == []


def test_an_oversized_body_is_413_before_anything_runs(gateway: Gateway) -> None:
    headers = {"Authorization": f"Bearer {gateway.token('bijstand-loket')}"}
    query = "{ __typename }" + " " * 40_000
    calls = gateway.reader.calls
    response = httpx.post(f"{gateway.url}/graphql", json={"query": query}, headers=headers)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"

    def chunked() -> Iterator[bytes]:  # no Content-Length: counted while read
        yield json.dumps({"query": query}).encode()

    response = httpx.post(f"{gateway.url}/graphql", content=chunked(),
                          headers={**headers, "Content-Type": "application/json"})  # fmt: skip
    assert response.status_code == 413
    assert gateway.reader.calls == calls


def test_errors_suggest_no_fields_and_get_is_not_a_way_to_query(gateway: Gateway) -> None:
    response = gateway.query(
        "bijstand-loket", f'{{ persoon(bsn: "{ANNA}", doel: "bijstand") {{ naamm }} }}'
    )
    assert "Did you mean" not in response.text
    headers = {"Authorization": f"Bearer {gateway.token('bijstand-loket')}"}
    response = httpx.get(f"{gateway.url}/graphql", params={"query": "{ __typename }"},
                         headers=headers)  # fmt: skip
    assert response.status_code == 405


def test_health_and_the_development_keys(gateway: Gateway) -> None:
    assert httpx.get(f"{gateway.url}/health").json() == {"status": "ok"}
    keys = httpx.get(f"{gateway.url}/.well-known/jwks.json").json()["keys"]
    assert [k["kty"] for k in keys] == ["RSA"]
    assert "d" not in keys[0]
    page = httpx.get(f"{gateway.url}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "graphiql" in page.text.lower()  # development only; the page holds no data


# -- without the processing log, no data -----------------------------------------------------


def test_with_the_log_unreachable_no_data_is_returned(
    gateway: Gateway, tmp_path: Path, bootstrap: str
) -> None:
    closed = f"127.0.0.1:{free_ports(1)[0]}"
    settings = gateway.settings.model_copy(
        update={"kafka_bootstrap": closed, "gateway_log_timeout": 1.0}
    )
    reader = ProjectionReader(str(settings.projections_database_url))
    with serving(create_app(settings, reader=reader)) as url:
        token = gateway.token("bijstand-loket")
        trace_id, parent = traceparent()
        started = time.monotonic()
        response = httpx.post(
            f"{url}/graphql",
            json={"query": ANNA_BIJSTAND},
            headers={"Authorization": f"Bearer {token}", "traceparent": parent},
            timeout=30,
        )
        assert time.monotonic() - started < 10
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "PROCESSING_LOG_UNAVAILABLE"}
    assert "Jansen" not in response.text
    assert logged(gateway, trace_id) == []


def test_with_the_schema_registry_unreachable_no_data_and_no_internals_are_returned(
    gateway: Gateway,
) -> None:
    """A gateway started while the schema registry is down cannot encode the processing log's
    record: no data, the same masked code as any unavailable log, no URL or hint leaked."""
    closed = f"http://127.0.0.1:{free_ports(1)[0]}"
    settings = gateway.settings.model_copy(update={"schema_registry_url": closed})
    reader = ProjectionReader(str(settings.projections_database_url))
    headers = {"Authorization": f"Bearer {gateway.token('bijstand-loket')}"}
    with serving(create_app(settings, reader=reader)) as url:
        response = httpx.post(f"{url}/graphql", json={"query": ANNA_BIJSTAND}, headers=headers,
                              timeout=30)  # fmt: skip
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"] == {"code": "PROCESSING_LOG_UNAVAILABLE"}
    assert "Jansen" not in response.text
    assert closed not in response.text


def test_a_query_past_the_request_timeout_is_stopped_with_504_and_no_data(
    gateway: Gateway,
) -> None:
    """Here the processing log never answers (no broker) and would be waited for 5 s: the
    request timeout (0.5 s) stops the query first."""
    closed = f"127.0.0.1:{free_ports(1)[0]}"
    slow = {"kafka_bootstrap": closed, "gateway_log_timeout": 5.0, "gateway_request_timeout": 0.5}
    settings = gateway.settings.model_copy(update=slow)
    reader = ProjectionReader(str(settings.projections_database_url))
    with serving(create_app(settings, reader=reader)) as url:
        started = time.monotonic()
        auth = {"Authorization": f"Bearer {gateway.token('bijstand-loket')}"}
        response = httpx.post(f"{url}/graphql", json={"query": ANNA_BIJSTAND}, headers=auth,
                              timeout=30)  # fmt: skip
        took = time.monotonic() - started
    assert response.status_code == 504
    assert response.headers["content-type"] == "application/problem+json"
    assert "within 0.5 s" in response.json()["detail"]
    assert "Jansen" not in response.text
    assert took < 4


def test_a_certificate_bound_token_is_served_only_with_its_certificate(gateway: Gateway) -> None:
    """RFC 8705 through the real gateway: the proxy passes the client certificate in a header."""
    from bron_gateway.binding import thumbprint

    from tests.unit.test_gateway_auth import _certificate

    mine = _certificate("bijstand-loket")
    header = "x-ssl-client-cert"
    settings = gateway.settings.model_copy(update={"gateway_client_cert_header": header})
    reader = ProjectionReader(str(settings.projections_database_url))
    token = gateway.token("bijstand-loket", cnf={"x5t#S256": thumbprint(mine)})
    with serving(create_app(settings, reader=reader)) as url:

        def ask(certificate: str | None) -> httpx.Response:
            headers = {"Authorization": f"Bearer {token}"}
            if certificate is not None:
                headers[header] = urllib.parse.quote(certificate)
            return httpx.post(f"{url}/graphql", json={"query": ANNA_BIJSTAND}, headers=headers,
                              timeout=30)  # fmt: skip

        served, bare, other = ask(mine), ask(None), ask(_certificate("iemand anders"))
    assert served.status_code == 200
    assert served.json()["data"]["persoon"] is not None
    for refused in (bare, other):
        assert refused.status_code == 401
        assert "Jansen" not in refused.text


# -- production ------------------------------------------------------------------------------


def _production(gateway: Gateway) -> Settings:
    return load_settings(**{
        **gateway.settings.model_dump(),
        "env": Environment.production,
        "gateway_issuers": {ISSUER: f"{gateway.url}/.well-known/jwks.json"},
    })  # fmt: skip


def _with_operations(policy: Policy, app_id: str, *documents: str) -> Policy:
    """The register with the app's manifest registered: the hashes of its documents."""
    apps = [a.model_copy(update={"operaties": tuple(operation_hash(d) for d in documents)})
            if a.id == app_id else a for a in policy.apps]  # fmt: skip
    return policy.model_copy(update={"apps": tuple(apps)})


def test_in_production_introspection_and_graphiql_are_off(gateway: Gateway) -> None:
    """The production gateway trusts the development issuer only through its JWKS URL (served
    by the development gateway), so this also proves the PyJWKClient path."""
    settings = _production(gateway)
    registered = FixedPolicy(_with_operations(gateway.policy, "bijstand-loket", ANNA_BIJSTAND))
    with serving(create_app(settings, policy=registered)) as url:
        headers = {"Authorization": f"Bearer {gateway.token('bijstand-loket')}"}
        response = httpx.post(f"{url}/graphql", headers=headers,
                              json={"query": "{ __schema { types { name } } }"})  # fmt: skip
        assert response.json()["data"] is None
        assert "introspection" in response.text.lower()
        page = httpx.get(f"{url}/graphql", headers={"Accept": "text/html"})
        assert page.status_code == 405
        assert "graphiql" not in page.text.lower()
        assert httpx.get(f"{url}/.well-known/jwks.json").status_code == 404
        trace_id, parent = traceparent()
        response = httpx.post(f"{url}/graphql", headers={**headers, "traceparent": parent},
                              json={"query": ANNA_BIJSTAND},
                              timeout=30)  # fmt: skip
        assert response.json() == {"data": {"persoon": {"naam": {"geslachtsnaam": "Jansen"}}}}
        assert len(logged(gateway, trace_id)) == 1


def test_in_production_an_app_runs_only_the_operations_of_its_registered_manifest(
    gateway: Gateway,
) -> None:
    """Recognised by the hash of the printed document: whitespace and comments do not matter;
    any other document is refused before anything is read or logged; an app without a
    registered manifest runs nothing; citizens' operations are not restricted."""
    registered = FixedPolicy(_with_operations(gateway.policy, "bijstand-loket", ANNA_BIJSTAND))
    with serving(create_app(_production(gateway), policy=registered)) as url:

        def post(app_id: str, query: str) -> tuple[dict[str, Any], str]:
            trace_id, parent = traceparent()
            headers = {"Authorization": f"Bearer {gateway.token(app_id)}", "traceparent": parent}
            response = httpx.post(f"{url}/graphql", headers=headers, json={"query": query},
                                  timeout=30)  # fmt: skip
            assert response.status_code == 200
            return response.json(), trace_id

        same = "# the manifest's file, reformatted\n" + ANNA_BIJSTAND.replace(" ", "\n  ")
        body, trace_id = post("bijstand-loket", same)
        assert body == {"data": {"persoon": {"naam": {"geslachtsnaam": "Jansen"}}}}
        assert len(logged(gateway, trace_id)) == 1

        other = f'{{ persoon(bsn: "{ANNA}", doel: "bijstand") {{ naam {{ voornamen }} }} }}'
        body, trace_id = post("bijstand-loket", other)
        assert body["data"] is None
        [error] = body["errors"]
        assert error["extensions"]["code"] == "OPERATION_NOT_REGISTERED"
        assert (
            "'bijstand-loket' runs only the operations of its registered manifest"
            in (error["message"])
        )
        assert "Anna" not in json.dumps(body)

        body, unlogged = post("parkeren", ANNA_BIJSTAND.replace("bijstand", "parkeervergunning"))
        assert body["data"] is None
        assert "register its manifest" in body["errors"][0]["message"]
        assert logged(gateway, trace_id) == []
        assert logged(gateway, unlogged) == []


def test_metrics_count_requests_and_processing_log_writes_without_personal_data(
    gateway: Gateway,
) -> None:
    before = httpx.get(f"{gateway.url}/metrics").text
    response = gateway.query("bijstand-loket", ANNA_BIJSTAND)
    assert response.json()["data"]["persoon"] is not None
    text = httpx.get(f"{gateway.url}/metrics").text

    def value(line_start: str, body: str) -> float:
        found = [line for line in body.splitlines() if line.startswith(line_start)]
        return float(found[0].rsplit(" ", 1)[1]) if found else 0.0

    written = 'bron_processing_log_records_total{outcome="acknowledged",service="gateway"}'
    assert value(written, text) == value(written, before) + 1
    served = ('bron_http_request_duration_seconds_count{method="POST",route="/graphql",'
              'service="gateway",status="200"}')  # fmt: skip
    assert value(served, text) >= value(served, before) + 1
    assert "bron_gateway_subscriptions" in text
    assert ANNA not in text
    assert "Jansen" not in text


def test_ready_when_the_store_holds_the_register_and_not_before(
    gateway: Gateway, tmp_path: Path
) -> None:
    assert httpx.get(f"{gateway.url}/ready").json() == {
        "status": "ready", "checks": {"projection store": "ok"}}  # fmt: skip
    empty = gateway_settings(tmp_path, gateway.settings.bootstrap_servers, gateway.registry_url)
    ProjectionStore(str(empty.projections_database_url)).close()  # tables, no register yet
    with serving(create_app(empty)) as url:
        answer = httpx.get(f"{url}/ready")
    assert answer.status_code == 503
    assert answer.json()["checks"]["projection store"].startswith("empty")
