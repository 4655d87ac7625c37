"""CORS for browser frontends, per app: an app's frontends may call the gateway from the
origins in its registration (`origins` in `policy/register.yaml`, published with the app's
events), citizens from the municipality's portals (`BRON_GATEWAY_CITIZEN_ORIGINS`).

- A preflight (OPTIONS with `Origin` and `Access-Control-Request-Method`) carries no token, so
  it cannot tell the app: it is allowed when any app (or the citizens' portals) registered the
  origin, for POST with the headers the gateway reads, and answered 204 with that exact origin;
  an unknown origin is refused (403 problem+json).
- On an actual request the token is checked first; then `check_origin` (in `bron_gateway.http`,
  once the app is known) refuses an origin that is not the calling app's own, so an app's token
  is no good from another app's frontend. A request without `Origin` (server to server) and a
  same-origin one (GraphiQL in development) pass. The response carries
  `Access-Control-Allow-Origin` only for a registered origin, and always `Vary: Origin`.

Never `*` and never `Access-Control-Allow-Credentials`: the gateway authenticates with a Bearer
token in the `Authorization` header only — no cookies, no session, nothing a browser attaches
by itself — so a cross-site request cannot act as the user, and no CSRF token is needed. That
stays true only as long as the gateway never accepts a cookie for authentication."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bron.http.problems import PROBLEM_JSON, FieldError, Problem, forbidden
from bron.policy import App, Policy
from bron_gateway.access import PolicySource

ALLOW_METHODS = ("POST",)
# What the gateway reads from a browser's request (`bron_gateway.http`): the token, the JSON
# body's type and the W3C trace context. Content-Length is set by the browser itself.
ALLOW_HEADERS = ("authorization", "content-type", "traceparent")
# What a frontend may read from the answer besides the CORS-safelisted headers.
EXPOSE_HEADERS = ("traceparent", "www-authenticate", "retry-after")
MAX_AGE = 600
CITIZENS = "the citizens' portals"

HeaderList = list[tuple[str, str]]


def registered(policy: Policy, citizen_origins: Iterable[str] = ()) -> frozenset[str]:
    """Every origin some app registered, and the citizens' portals."""
    return frozenset(o for app in policy.apps for o in app.origins) | frozenset(citizen_origins)


def preflight(
    policy: Policy,
    origin: str,
    method: str,
    headers: str | None,
    citizen_origins: Collection[str] = (),
) -> tuple[int, HeaderList]:
    """The answer to a preflight from `origin` for `method` with `headers` (the value of
    `Access-Control-Request-Headers`): (204, its headers), or a 403 Problem that says why."""
    if origin not in registered(policy, citizen_origins):
        raise _refused(
            "registered-origin",
            f"origin {origin!r} is not registered for any app; register it in the app's "
            "origins (policy/register.yaml)",
        )
    if method.upper() not in ALLOW_METHODS:
        raise _refused(
            "method",
            f"method {method!r} is not allowed from a browser; send the query with POST",
            "Access-Control-Request-Method",
        )
    asked = [h.strip().lower() for h in (headers or "").split(",") if h.strip()]
    refused = sorted({h for h in asked if h not in ALLOW_HEADERS})
    if refused:
        raise _refused(
            "header",
            f"header(s) {', '.join(refused)} are not allowed; the gateway reads "
            f"{', '.join(ALLOW_HEADERS)}",
            "Access-Control-Request-Headers",
        )
    return 204, [
        ("access-control-allow-origin", origin),
        ("access-control-allow-methods", ", ".join(ALLOW_METHODS)),
        ("access-control-allow-headers", ", ".join(ALLOW_HEADERS)),
        ("access-control-max-age", str(MAX_AGE)),
        ("vary", "Origin"),
    ]


def check_origin(app: App, origin: str | None) -> None:
    """The calling app may be called from this browser origin: it is one of the app's own, or
    there is none (server to server, same origin). Else a 403 Problem."""
    _check(app.origins, origin, f"app {app.id!r}", "register it in the app's origins")


def check_citizen_origin(citizen_origins: Collection[str], origin: str | None) -> None:
    """A citizen may call from this browser origin: one of the municipality's portals
    (`BRON_GATEWAY_CITIZEN_ORIGINS`), or none. Else a 403 Problem."""
    _check(citizen_origins, origin, CITIZENS, "add it to BRON_GATEWAY_CITIZEN_ORIGINS")


def request_origin(scope: Scope) -> str | None:
    """The `Origin` of a cross-origin request; None without one (server to server) or when it
    is the gateway's own (a same-origin request, such as GraphiQL's; the scheme is the one the
    server saw, so run uvicorn with --proxy-headers behind a TLS proxy)."""
    headers = Headers(scope=scope)
    origin = headers.get("origin")
    if origin is None:
        return None
    parts = urlsplit(origin)
    host = headers.get("host")
    if host is not None and parts.scheme == scope.get("scheme") and parts.netloc == host:
        return None
    return origin


class AppCors:
    """ASGI middleware around the gateway: answers preflights, marks actual responses."""

    def __init__(
        self, app: ASGIApp, policy: PolicySource, citizen_origins: Collection[str] = ()
    ) -> None:
        self._app = app
        self._policy = policy
        self._citizens = tuple(citizen_origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        origin = headers.get("origin")
        method = headers.get("access-control-request-method")
        if scope["method"] == "OPTIONS" and origin is not None and method is not None:
            policy = await self._policy.current()
            requested = headers.get("access-control-request-headers")
            try:
                status, answer = preflight(policy, origin, method, requested, self._citizens)
            except Problem as problem:
                await _problem(problem, scope["path"])(scope, receive, send)
                return
            await Response(status_code=status, headers=dict(answer))(scope, receive, send)
            return
        allowed = origin is not None and origin in registered(
            await self._policy.current(), self._citizens
        )
        await self._app(scope, receive, _marked(send, origin if allowed else None))


def _check(allowed: Collection[str], origin: str | None, who: str, how: str) -> None:
    if origin is None or origin in allowed:
        return
    message = f"origin {origin!r} is not registered for {who}"
    raise forbidden(f"{message}; {how}", [FieldError("Origin", "registered-origin", message)])


def _refused(rule: str, detail: str, header: str = "Origin") -> Problem:
    return forbidden(detail, [FieldError(header, rule, detail)])


def _problem(problem: Problem, path: str) -> Response:
    return JSONResponse(problem.body(path), status_code=problem.status, media_type=PROBLEM_JSON,
                        headers={"vary": "Origin"})  # fmt: skip


def _marked(send: Send, origin: str | None) -> Send:
    """`Vary: Origin` on every answer; the allowed origin on the answer to a registered one.
    CORS headers are this middleware's alone: any the app set are dropped."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", [])
                       if not k.lower().startswith(b"access-control-")]  # fmt: skip
            if not any(k.lower() == b"vary" and b"origin" in v.lower() for k, v in headers):
                headers.append((b"vary", b"Origin"))
            if origin is not None:
                headers.append((b"access-control-allow-origin", origin.encode("latin-1")))
                headers.append((b"access-control-expose-headers",
                                ", ".join(EXPOSE_HEADERS).encode()))  # fmt: skip
            message = {**message, "headers": headers}
        await send(message)

    return sending
