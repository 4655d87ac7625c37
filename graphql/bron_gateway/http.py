"""The HTTP edge of `/graphql`, before GraphQL runs: no token in the query string, a bounded
body, a valid Bearer token of an app in the register (or of a citizen); a refusal is
problem+json (401, 403, 405, 413). The W3C `traceparent` is continued and returned."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send
from strawberry.asgi import GraphQL

from bron.http.problems import PROBLEM_JSON, Problem, unauthorized
from bron_gateway.access import PolicySource
from bron_gateway.auth import Authenticator, app_of
from bron_gateway.context import RequestContext, Services
from bron_gateway.loaders import Loaders
from bron_gateway.trace import Trace, trace_from
from streams.reads import ProjectionReader

CONTEXT_KEY = "bron.context"
TOKEN_PARAMETERS = frozenset({"access_token", "token", "jwt", "id_token", "bearer"})
_JWT = re.compile(r"^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


class GatewayGraphQL(GraphQL[RequestContext, None]):
    async def get_context(self, request: Any, response: Any) -> RequestContext:
        # Set by GraphQLEndpoint for every POST; absent only for the IDE page, which executes
        # nothing (queries via GET are off).
        return cast(RequestContext, request.scope.get(CONTEXT_KEY))


def too_large(limit: int) -> Problem:
    return Problem(413, "too-large", "Request body too large",
                   f"the body is larger than {limit} bytes; send a smaller query")  # fmt: skip


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
    ) -> None:
        self._graphql = graphql
        self._reader = reader
        self._policy = policy
        self._authenticator = authenticator
        self._services = services
        self._max_body = max_body_bytes
        self._ide = ide

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        trace = trace_from(request.headers.get("traceparent"))
        send = _with_traceparent(send, trace)
        try:
            if any(
                k.lower() in TOKEN_PARAMETERS or _JWT.match(v)
                for k, v in request.query_params.multi_items()
            ):
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
            caller = await self._authenticator.authenticate(request.headers.get("authorization"))
            policy = await self._policy.current()
            app = None if caller.citizen else app_of(caller, policy)
            body = await _read_body(receive, self._max_body)
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
        await self._graphql(scope, _replay(body, receive), send)


def _problem(problem: Problem, path: str) -> Response:
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
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
