"""The WebSocket edge of `/graphql` (graphql-transport-ws only): the app's token from
`connection_init` (never from the URL), the origin checked against the app's registration, one
transport each (queries over POST, subscriptions over the socket), and the context every
subscription resolver gets (`SocketContext`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import strawberry
import structlog
from starlette import status
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.extensions import SchemaExtension
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import StreamExecutionResult
from strawberry.types.unset import UnsetType

from bron.http.problems import Problem, forbidden
from bron.policy import App
from bron_gateway.access import PolicySource
from bron_gateway.auth import Caller, app_of
from bron_gateway.cors import check_origin, registered, request_origin
from bron_gateway.extensions import shown
from bron_gateway.http import token_in_url
from bron_gateway.tail import SubscriptionService
from bron_gateway.trace import Trace, trace_from
from graphql import (
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    ValidationRule,
)

log = structlog.get_logger("bron.gateway")

CONNECTION_INIT_WAIT = 10  # seconds a client has to send connection_init


@dataclass(slots=True)
class SocketContext:
    """The context of every operation on one WebSocket: the `Origin` and trace of its upgrade,
    and the caller once `connection_init` carried an accepted app token."""

    service: SubscriptionService
    origin: str | None
    trace: Trace
    connection_params: dict[str, object] | None = None
    caller: Caller | None = None
    app: App | None = None  # the caller's app, as the register was at connection_init
    certificate: str | None = None  # the client certificate the proxy passed, if any


Info = strawberry.Info[SocketContext, None]


# -- delivery --------------------------------------------------------------------------------


class OneTransportEach(SchemaExtension):
    """Subscriptions over the WebSocket only, queries and mutations over POST only: the POST
    path has the body limit and the rate limit, the WebSocket the subscription limit."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        socket = isinstance(context.context, SocketContext)
        context.validation_rules = (*context.validation_rules,
                                    _transport_rule(socket, context.operation_name))  # fmt: skip
        yield


def _transport_rule(socket: bool, operation_name: str | None) -> type[ValidationRule]:
    class Transport(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            if operation_name is not None and (
                node.name is None or node.name.value != operation_name
            ):
                return
            subscription = node.operation is OperationType.SUBSCRIPTION
            if socket and not subscription:
                self.report_error(GraphQLError(
                    "the WebSocket is for subscriptions; send queries and mutations with POST",
                    node))  # fmt: skip
            elif subscription and not socket:
                self.report_error(GraphQLError(
                    "subscriptions are over the WebSocket at /graphql (graphql-transport-ws)",
                    node))  # fmt: skip

    return Transport


class ShowOnlyMeantStreamErrors(SchemaExtension):
    """`ShowOnlyMeantErrors` for each result a subscription streams (that extension sees only
    the operation's last result, after the stream ended)."""

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = [shown(e) for e in errors]  # type: ignore[union-attr]
        yield


# -- the WebSocket edge ----------------------------------------------------------------------


def socket_origin(scope: Scope) -> str | None:
    """The upgrade's cross-origin `Origin` (`cors.request_origin`, with ws/wss read as the
    http/https a browser's Origin names)."""
    scheme = {"ws": "http", "wss": "https"}.get(scope.get("scheme", ""), scope.get("scheme"))
    return request_origin({**scope, "scheme": scheme})


class GatewayWebSocket(GraphQL[SocketContext, None]):
    """`/graphql` for WebSocket upgrades: graphql-transport-ws only (not the legacy graphql-ws).
    The app's token comes in `connection_init` (`{"Authorization": "Bearer …"}`: a browser
    cannot set headers on a WebSocket); a missing or bad one, a citizen's, an app outside the
    register or an origin that is not the app's own closes the socket with 4403."""

    def __init__(
        self, schema: strawberry.Schema, service: SubscriptionService, *, max_subscriptions: int
    ) -> None:
        super().__init__(
            schema,
            graphql_ide=None,
            allow_queries_via_get=False,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=CONNECTION_INIT_WAIT),
            max_subscriptions_per_connection=max_subscriptions,
        )
        self._service = service

    def is_websocket_origin_allowed(self, request: WebSocket, origin: str) -> bool:
        # Checked by `WebSocketEdge` (some app registered it) and per app in `on_ws_connect`.
        return True

    async def get_context(self, request: Request | WebSocket, response: Any) -> SocketContext:
        context = SocketContext(self._service, socket_origin(request.scope),
                                trace_from(request.headers.get("traceparent")))  # fmt: skip
        header = self._service.authenticator.certificate_header
        context.certificate = request.headers.get(header) if header else None
        return context

    async def on_ws_connect(self, context: SocketContext) -> UnsetType | dict[str, object] | None:
        params = context.connection_params or {}
        given = [v for k, v in params.items() if k.lower() == "authorization"]
        authorization = given[0] if len(given) == 1 and isinstance(given[0], str) else None
        try:
            authenticator = self._service.authenticator
            caller = await authenticator.authenticate(authorization, context.certificate)
            if caller.citizen:
                raise forbidden("subscriptions are for apps; a citizen's token is not accepted")
            app = app_of(caller, await self._service.policy.current())
            check_origin(app, context.origin)
        except Problem as problem:
            log.warning("websocket refused", status=problem.status, reason=problem.title,
                        trace_id=context.trace.trace_id)  # fmt: skip
            raise ConnectionRejectionError({"status": problem.status}) from None
        context.caller = caller
        context.app = app
        return UnsetType()


class WebSocketEdge:
    """Before the upgrade is accepted (a refusal is an HTTP 403 to the handshake): no token in
    the URL, ever; an `Origin` must be one some app registered (the app's own is checked once
    its token is known, at `connection_init`)."""

    def __init__(self, view: GatewayWebSocket, policy: PolicySource) -> None:
        self._view = view
        self._policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        params = QueryParams(scope.get("query_string", b""))
        origin = socket_origin(scope)
        if token_in_url(params.multi_items()):
            log.warning("websocket refused", reason="a token in the URL")
            await WebSocket(scope, receive, send).close(code=status.WS_1008_POLICY_VIOLATION)
            return
        if origin is not None and origin not in registered(await self._policy.current()):
            log.warning("websocket refused", reason="an origin no app registered")
            await WebSocket(scope, receive, send).close(code=status.WS_1008_POLICY_VIOLATION)
            return
        await self._view(scope, receive, send)
