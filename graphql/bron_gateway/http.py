"""The HTTP edge of `/graphql`, before GraphQL runs: no token in the query string, a bounded
body, a valid Bearer token of an app in the register (or of a citizen), and the app's rate
limit for each operation (root field) the body asks (`bron_gateway.ratelimit`); a refusal is
problem+json (401, 403, 405, 413, 429 with `Retry-After`), and nothing runs, is read or is
logged. A query still running after the request timeout is stopped: 504, no data. The W3C
`traceparent` is continued and returned."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, cast

import structlog
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from bron.http.metrics import HttpMetrics
from bron.http.problems import PROBLEM_JSON, Problem, unauthorized
from bron.http.trace import CURRENT
from bron_gateway.access import PolicySource
from bron_gateway.auth import BURGER, Authenticator, app_of
from bron_gateway.context import RequestContext, Services
from bron_gateway.cors import check_citizen_origin, check_origin, request_origin
from bron_gateway.loaders import Loaders
from bron_gateway.ratelimit import RateLimiter, Refusal, operations
from bron_gateway.trace import Trace, trace_from
from streams.reads import ProjectionReader

CONTEXT_KEY = "bron.context"
TOKEN_PARAMETERS = frozenset({"access_token", "token", "jwt", "id_token", "bearer"})
_JWT = re.compile(r"^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")

log = structlog.get_logger("bron.gateway")


def token_in_url(parameters: Iterable[tuple[str, str]]) -> bool:
    """A token in the query string (by name, or anything that looks like a JWT): refused, the
    NL GOV OAuth profile never takes one from a URL (they end up in logs and histories)."""
    return any(k.lower() in TOKEN_PARAMETERS or _JWT.match(v) for k, v in parameters)


class GatewayGraphQL(GraphQL[RequestContext, None]):
    async def get_context(self, request: Any, response: Any) -> RequestContext:
        # Set by GraphQLEndpoint for every POST; absent only for the IDE page, which executes
        # nothing (queries via GET are off).
        return cast(RequestContext, request.scope.get(CONTEXT_KEY))


def too_large(limit: int) -> Problem:
    return Problem(413, "too-large", "Request body too large",
                   f"the body is larger than {limit} bytes; send a smaller query")  # fmt: skip


@dataclass(slots=True)
class TooManyRequests(Problem):
    """A 429: its `Retry-After` header says when the bucket has a token again."""

    retry_after: int = 1


def too_many(refusal: Refusal) -> TooManyRequests:
    detail = (f"app {refusal.app!r} asked {refusal.operation!r} more often than "
              f"{refusal.rate:g} times a second (bursts of {refusal.burst}); retry after "
              f"{refusal.retry_after} s, or ask less often")  # fmt: skip
    return TooManyRequests(429, "rate-limited", "Too many requests", detail,
                           retry_after=refusal.retry_after)  # fmt: skip


@dataclass(frozen=True, slots=True)
class RateLimit:
    """What the endpoint limits: the buckets, the root fields that count, and GraphQL's token
    and alias limits (a request over them is refused before it runs, so it takes no tokens)."""

    limiter: RateLimiter
    root_fields: Collection[str]
    max_tokens: int
    max_aliases: int

    def check(self, app: str, body: bytes) -> None:
        """Take the request's tokens, or raise `TooManyRequests`; a body GraphQL refuses
        before anything runs takes none."""
        asked = operations(body, self.root_fields, max_tokens=self.max_tokens,
                           max_aliases=self.max_aliases)  # fmt: skip
        refusal = self.limiter.take(app, asked or ())
        if refusal is not None:
            log.warning("rate limited", app=refusal.app, operation=refusal.operation,
                        retry_after=refusal.retry_after)  # fmt: skip
            raise too_many(refusal)


class GraphQLEndpoint:
    def __init__(
        self,
        graphql: GatewayGraphQL,
        *,
        reader: ProjectionReader,
        policy: PolicySource,
        authenticator: Authenticator,
        services: Services,
        max_body_bytes: int,
        ide: bool,
        rate_limit: RateLimit | None = None,
        citizen_origins: tuple[str, ...] = (),
        timeout: float = 10.0,
        metrics: HttpMetrics | None = None,
    ) -> None:
        self._graphql = graphql
        self._reader = reader
        self._policy = policy
        self._authenticator = authenticator
        self._services = services
        self._max_body = max_body_bytes
        self._ide = ide
        self._rate_limit = rate_limit
        self._citizen_origins = citizen_origins
        self._timeout = timeout
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve, and measure the request (method, status, latency; nothing else)."""
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._serve(scope, receive, sending)
        finally:
            if self._metrics is not None:
                method = str(scope.get("method"))
                self._metrics.observe(method, "/graphql", status, time.perf_counter() - started)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        trace = trace_from(request.headers.get("traceparent"))
        CURRENT.set(trace)  # this request's task: the registries' clients pass it on
        send = _with_traceparent(send, trace)
        try:
            if token_in_url(request.query_params.multi_items()):
                raise unauthorized("a token in the URL is never accepted; send it in the "
                                   "Authorization header, and revoke this one")  # fmt: skip
            if request.method == "GET" and self._ide and not request.query_params:
                await self._graphql(scope, receive, send)  # the IDE page: no data in it
                return
            if request.method != "POST":
                raise Problem(405, "method-not-allowed", "Method not allowed",
                              "send the query with POST (application/json)")  # fmt: skip
            length = request.headers.get("content-length")
            if length is not None and (not length.isdigit() or int(length) > self._max_body):
                raise too_large(self._max_body)
            header = self._authenticator.certificate_header
            caller = await self._authenticator.authenticate(
                request.headers.get("authorization"),
                request.headers.get(header) if header else None,
            )
            policy = await self._policy.current()
            app = None if caller.citizen else app_of(caller, policy)
            if app is None:
                check_citizen_origin(self._citizen_origins, request_origin(scope))
            else:
                check_origin(app, request_origin(scope))
            body = await _read_body(receive, self._max_body)
            if self._rate_limit is not None:
                self._rate_limit.check(app.id if app is not None else BURGER, body)
        except Problem as problem:
            await _problem(problem, request.url.path)(scope, receive, send)
            return
        scope[CONTEXT_KEY] = RequestContext(
            caller=caller,
            app=app,
            policy=policy,
            loaders=Loaders(self._reader, app.id if app is not None else ""),
            trace=trace,
            services=self._services,
        )
        sent = _Watched(send)
        try:
            async with asyncio.timeout(self._timeout):
                await self._graphql(scope, _replay(body, receive), sent)
        except TimeoutError:
            log.warning("request timed out", trace_id=trace.trace_id, seconds=self._timeout)
            if not sent.started:  # else the answer is on its way and is left to finish
                await _problem(timed_out(self._timeout), request.url.path)(scope, receive, send)


def timed_out(seconds: float) -> Problem:
    return Problem(504, "timeout", "The query took too long",
                   f"the query did not finish within {seconds:g} s and was stopped; ask for "
                   "less (fewer persons, fields or pages) or try again later")  # fmt: skip


class _Watched:
    """A `send` that remembers whether the response has started."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        self.started = True
        await self._send(message)


def _problem(problem: Problem, path: str) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
    if isinstance(problem, TooManyRequests):
        headers = {"Retry-After": str(problem.retry_after)}
    return JSONResponse(problem.body(path), status_code=problem.status, media_type=PROBLEM_JSON,
                        headers=headers)  # fmt: skip


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise Problem(400, "disconnected", "Client went away", "the request was not complete")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Callable[[], Awaitable[Message]]:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _with_traceparent(send: Send, trace: Trace) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers.append((b"traceparent", trace.traceparent.encode()))
            message = {**message, "headers": headers}
        await send(message)

    return sending
