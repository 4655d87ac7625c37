"""The gateway as an ASGI app: `/graphql` (strawberry behind `bron_gateway.http`; WebSocket
upgrades for subscriptions behind `bron_gateway.subscriptions.WebSocketEdge`), `/health`, and in
development the development issuer's keys at `/.well-known/jwks.json`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import strawberry
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from bron.contracts.codec import EventCodec
from bron.contracts.registry_client import RegistryClient
from bron.db import database_url
from bron.http.metrics import HttpMetrics
from bron.settings import Environment, Settings
from bron_gateway.access import PolicySource, StorePolicy
from bron_gateway.auth import authenticator, development_keys
from bron_gateway.bag import BagReads
from bron_gateway.context import Services
from bron_gateway.cors import AppCors
from bron_gateway.http import GatewayGraphQL, GraphQLEndpoint, RateLimit
from bron_gateway.jwks import development_jwks
from bron_gateway.ratelimit import RateLimiter
from bron_gateway.register import ConsentRegister
from bron_gateway.schema import build_schema, root_fields
from bron_gateway.tail import SubscriptionService
from bron_gateway.verwerkingslog import (
    KafkaProcessingLog,
    MeasuredLog,
    ProcessingLog,
    Pseudonymiser,
)
from bron_gateway.webhooks import WebhookService
from bron_gateway.websocket import GatewayWebSocket, WebSocketEdge
from streams.reads import ProjectionReader

SYSTEEM = "bron-gateway"


def kafka_log(settings: Settings) -> KafkaProcessingLog:
    codec = EventCodec(RegistryClient(settings.registry_url, timeout=settings.gateway_log_timeout),
                       f"urn:nld:oin:{settings.oin}:systeem:{SYSTEEM}")  # fmt: skip
    return KafkaProcessingLog(settings.bootstrap_servers, codec, settings.gateway_log_timeout)


def rate_limit(settings: Settings, schema: strawberry.Schema) -> RateLimit | None:
    """The limit per app and operation; `None` when BRON_GATEWAY_RATE_LIMIT is 0 (off)."""
    if settings.gateway_rate_limit == 0:
        return None
    limiter = RateLimiter(settings.gateway_rate_limit, settings.gateway_rate_burst)
    return RateLimit(limiter, root_fields(schema), settings.gateway_max_tokens,
                     settings.gateway_max_aliases)  # fmt: skip


def create_app(
    settings: Settings,
    *,
    reader: ProjectionReader | None = None,
    policy: PolicySource | None = None,
    log: ProcessingLog | None = None,
    consents: ConsentRegister | None = None,
) -> Starlette:
    production = settings.env is Environment.production
    url = database_url(settings, "projections")
    reader = reader or ProjectionReader(url)
    # The register is read through a reader of its own: `reader.calls` counts only data reads.
    register = ProjectionReader(url)
    policy = policy or StorePolicy(register.policy, settings.gateway_policy_refresh)
    metrics = HttpMetrics("gateway")
    writes = metrics.add_counter("bron_processing_log_records",
                                 "Processing-log records written before data left, by outcome",
                                 ("outcome",))  # fmt: skip
    log = MeasuredLog(log or kafka_log(settings), writes)
    consents = consents or ConsentRegister(
        settings.registry_base_url("toestemming"),
        development_keys(settings),
        token_ttl=settings.gateway_consent_token_ttl,
        timeout=settings.gateway_consent_timeout,
    )
    schema = build_schema(
        max_depth=settings.gateway_max_depth,
        max_aliases=settings.gateway_max_aliases,
        max_tokens=settings.gateway_max_tokens,
        introspection=not production,
        max_cost=settings.gateway_max_cost,
        max_bsns=settings.gateway_max_bsns,
        persisted_operations=production,
    )
    graphql = GatewayGraphQL(
        schema,
        graphql_ide=None if production else "graphiql",
        allow_queries_via_get=False,
        multipart_uploads_enabled=False,
    )
    bag = BagReads(settings.registry_base_url("bag"), development_keys(settings),
                   timeout=settings.gateway_consent_timeout)  # fmt: skip
    # its answer to a new subscription waits for the validation handshake with the URL
    webhooks = WebhookService(f"http://{settings.webhooks_host}:{settings.webhooks_port}",
                              development_keys(settings),
                              timeout=settings.webhooks_timeout + 5)  # fmt: skip
    services = Services(
        log=log,
        pseudonym=Pseudonymiser.in_data_dir(settings.data_dir),
        uitvoerder=settings.oin,
        max_bsns=settings.gateway_max_bsns,
        register=consents,
        bag=bag,
        webhooks=webhooks,
    )
    tokens = authenticator(settings)
    endpoint = GraphQLEndpoint(
        graphql,
        reader=reader,
        policy=policy,
        authenticator=tokens,
        services=services,
        max_body_bytes=settings.gateway_max_body_bytes,
        ide=not production,
        rate_limit=rate_limit(settings, schema),
        citizen_origins=settings.gateway_citizen_origins,
        timeout=settings.gateway_request_timeout,
        metrics=metrics,
    )
    subscriptions = SubscriptionService(settings.bootstrap_servers, policy, tokens, services)
    sockets = GatewayWebSocket(schema, subscriptions,
                               max_subscriptions=settings.gateway_max_subscriptions)  # fmt: skip

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def ready(_: Request) -> JSONResponse:
        """Readiness: the projection store answers and holds a register of apps and purposes
        (before the stream workers wrote one, every app would be refused)."""
        try:
            current = await asyncio.to_thread(register.policy)
            check = "ok" if current.doelen else "empty: no register of apps and purposes yet"
        except Exception as exc:  # any failure to read is "not ready", named, never a 500
            check = f"unreadable ({type(exc).__name__})"
        ok = check == "ok"
        return JSONResponse({"status": "ready" if ok else "not ready",
                             "checks": {"projection store": check}},
                            status_code=200 if ok else 503)  # fmt: skip

    routes = [
        Route("/graphql", endpoint),
        WebSocketRoute("/graphql", WebSocketEdge(sockets, policy)),
        Route("/health", health, methods=["GET"]),
        Route("/ready", ready, methods=["GET"]),
        Route("/metrics", metrics.endpoint, methods=["GET"]),
    ]
    if not settings.gateway_issuers and not production:
        jwks = development_jwks(development_keys(settings))

        async def keys(_: Request) -> JSONResponse:
            return JSONResponse(jwks)

        routes.append(Route("/.well-known/jwks.json", keys, methods=["GET"]))

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            subscriptions.close()
            log.close()
            await consents.close()
            await bag.close()
            await webhooks.close()
            reader.close()
            register.close()

    cors = Middleware(AppCors, policy=policy, citizen_origins=settings.gateway_citizen_origins)
    app = Starlette(routes=routes, lifespan=lifespan, middleware=[cors])
    app.state.subscriptions = subscriptions  # its open consumers, for tests and health
    metrics.add_gauge("bron_gateway_subscriptions", "GraphQL subscriptions open now",
                      lambda: float(subscriptions.open_tails))  # fmt: skip
    return app
