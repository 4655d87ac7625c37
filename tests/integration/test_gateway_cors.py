"""CORS per app on a real uvicorn server (`bron_gateway.cors.AppCors` around a Starlette app,
the register fixed): a preflight from a registered origin is 204 with the exact headers, from
an unknown one a 403 problem+json; an actual request from a registered origin gets that origin
back, one from another app's origin is refused by the per-app check; never `*`, never
credentials. No Kafka needed."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from bron_gateway.access import FixedPolicy
from bron_gateway.cors import AppCors, check_origin, request_origin
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bron.http.problems import PROBLEM_JSON, Problem
from bron.policy import load_policy
from bron.testing import serving

POLICY = load_policy()
PORTAAL = "https://mijn.gemeente.example.nl"
PARKEREN = "https://parkeren.example.nl"
AFVALPAS = "https://afvalpas.example.nl"


async def graphql(request: Request) -> Response:
    """Stands in for `bron_gateway.http`: the app from `Authorization: Bearer <appId>`, then the
    per-app origin check as the endpoint makes it once the app is known."""
    app = POLICY.app_by_id[request.headers["authorization"].removeprefix("Bearer ")]
    try:
        check_origin(app, request_origin(request.scope))
    except Problem as problem:
        return JSONResponse(problem.body(request.url.path), status_code=problem.status,
                            media_type=PROBLEM_JSON)  # fmt: skip
    # a header the middleware must never let through
    return JSONResponse({"data": {"app": app.id}},
                        headers={"access-control-allow-credentials": "true"})  # fmt: skip


@pytest.fixture(scope="module")
def gateway() -> Iterator[str]:
    cors = Middleware(AppCors, policy=FixedPolicy(POLICY), citizen_origins=(PORTAAL,))
    app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"])], middleware=[cors])
    with serving(app) as url:
        yield url


def asking(origin: str, method: str = "POST", headers: str = "authorization, content-type"
           ) -> dict[str, str]:  # fmt: skip
    return {"Origin": origin, "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers}  # fmt: skip


def post(gateway: str, app_id: str, origin: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {app_id}"}
    if origin is not None:
        headers["Origin"] = origin
    return httpx.post(f"{gateway}/graphql", json={"query": "{ x }"}, headers=headers)


def no_wildcard_nor_credentials(response: httpx.Response) -> None:
    assert "access-control-allow-credentials" not in response.headers
    assert response.headers.get("access-control-allow-origin") != "*"


@pytest.mark.parametrize("origin", [PARKEREN, "http://localhost:5173", AFVALPAS, PORTAAL])
def test_a_preflight_from_a_registered_origin_is_204_with_exact_headers(
    gateway: str, origin: str
) -> None:
    response = httpx.options(f"{gateway}/graphql", headers=asking(origin))
    assert response.status_code == 204
    assert response.content == b""
    assert {k: v for k, v in response.headers.items()
            if k.startswith("access-control-") or k == "vary"} == {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": "POST",
        "access-control-allow-headers": "authorization, content-type, traceparent",
        "access-control-max-age": "600",
        "vary": "Origin",
    }  # fmt: skip
    no_wildcard_nor_credentials(response)


def test_a_preflight_from_an_unknown_origin_is_a_403_problem(gateway: str) -> None:
    response = httpx.options(f"{gateway}/graphql", headers=asking("https://evil.example.com"))
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["type"] == "https://bron.dev/problems/forbidden"
    assert body["detail"] == (
        "origin 'https://evil.example.com' is not registered for any app; "
        "register it in the app's origins (policy/register.yaml)"
    )
    assert body["instance"] == "/graphql"
    assert "access-control-allow-origin" not in response.headers
    no_wildcard_nor_credentials(response)


def test_a_preflight_for_another_method_or_header_is_refused(gateway: str) -> None:
    put = httpx.options(f"{gateway}/graphql", headers=asking(PARKEREN, "PUT"))
    assert put.status_code == 403
    assert "method 'PUT' is not allowed" in put.json()["detail"]
    cookie = httpx.options(f"{gateway}/graphql", headers=asking(PARKEREN, headers="cookie"))
    assert cookie.status_code == 403
    assert "header(s) cookie are not allowed" in cookie.json()["detail"]


def test_an_actual_request_from_the_apps_own_origin_gets_it_back(gateway: str) -> None:
    response = post(gateway, "parkeren", PARKEREN)
    assert response.status_code == 200
    assert response.json() == {"data": {"app": "parkeren"}}
    assert response.headers["access-control-allow-origin"] == PARKEREN
    assert (
        response.headers["access-control-expose-headers"]
        == "traceparent, www-authenticate, retry-after"
    )
    assert response.headers["vary"] == "Origin"
    no_wildcard_nor_credentials(response)


def test_an_actual_request_from_another_apps_origin_is_refused_readably(gateway: str) -> None:
    response = post(gateway, "parkeren", AFVALPAS)
    assert response.status_code == 403
    assert response.json()["detail"] == (
        f"origin {AFVALPAS!r} is not registered for app 'parkeren'; "
        "register it in the app's origins"
    )
    # registered by an app, so the frontend may read why it was refused
    assert response.headers["access-control-allow-origin"] == AFVALPAS
    no_wildcard_nor_credentials(response)


def test_an_actual_request_from_an_unknown_origin_gets_no_cors_headers(gateway: str) -> None:
    response = post(gateway, "bijstand-loket", "https://evil.example.com")
    assert response.status_code == 403
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"
    no_wildcard_nor_credentials(response)


def test_a_server_to_server_request_without_origin_passes(gateway: str) -> None:
    response = post(gateway, "bijstand-loket", None)
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    assert response.headers["vary"] == "Origin"
    no_wildcard_nor_credentials(response)
