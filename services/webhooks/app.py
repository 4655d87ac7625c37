"""The webhook service as one ASGI app (`bron webhooks dispatch`): the HTTP API, and, while the
app runs (its lifespan), the consumer thread, the sender loop and the end of withdrawn apps'
subscriptions (`services.webhooks.withdrawal`). Several dispatchers may run side by side on
one database: they share the partitions through the consumer group and the deliveries through
the leases."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import structlog
from bron_gateway.verwerkingslog import ProcessingLog, Pseudonymiser
from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST

from bron import __version__
from bron.db import database_url
from bron.http import problems
from bron.http.auth import KeyPair
from bron.http.tracing import TraceMiddleware
from bron.policy import Policy, load_policy
from bron.settings import Environment, Settings
from services.webhooks import api
from services.webhooks.consumer import AppTopicConsumer
from services.webhooks.domain import source
from services.webhooks.metrics import Metrics
from services.webhooks.register import CurrentPolicy, StoredPolicy
from services.webhooks.sender import Sender, SenderConfig
from services.webhooks.store import WebhookStore
from services.webhooks.verwerking import DeliveryLog, kafka_log
from services.webhooks.withdrawal import end_withdrawn_every
from streams.reads import ProjectionReader

log = structlog.get_logger("bron.webhooks")


def dataref(settings: Settings) -> str:
    """Where receivers fetch the data of a thin notice: the gateway's GraphQL endpoint."""
    default = f"http://{settings.gateway_host}:{settings.gateway_port}/graphql"
    return settings.webhooks_gateway_url or default


def create_app(
    settings: Settings,
    *,
    instance: str | None = None,
    policy: Policy | None = None,
    processing_log: ProcessingLog | None = None,
) -> FastAPI:
    """`instance`: a stable name for this dispatcher (static group membership, and its leases
    are freed at once when it restarts after a crash)."""
    reader: ProjectionReader | None = None
    if policy is not None:  # a fixed register (tests)
        current: CurrentPolicy = lambda: policy  # noqa: E731
    else:
        reader = ProjectionReader(database_url(settings, "projections"))
        current = StoredPolicy(reader.policy, load_policy(), settings.gateway_policy_refresh)
    store = WebhookStore(database_url(settings, "webhooks"))
    metrics = Metrics(lambda: store.pending())
    timeout = settings.webhooks_timeout
    app = FastAPI(
        title="Bron Webhooks",
        version=__version__,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
        description="CloudEvents webhooks for the notices of an app's purposes.",
    )
    problems.install(app)
    app.add_middleware(TraceMiddleware, service="webhooks")
    api.mount(
        app,
        api.Context(
            store,
            current,
            KeyPair(settings.data_dir / "keys"),
            settings.env is Environment.development,
            settings.webhooks_origin,
            lambda: httpx.AsyncClient(timeout=timeout, follow_redirects=False),
        ),
    )
    running: dict[str, bool] = {"ok": False}

    @app.get("/health", tags=["beheer"], summary="Are the consumer and the sender running?")
    def health() -> Response:
        ok = running["ok"]
        body = b'{"status":"ok"}' if ok else b'{"status":"starting or failed"}'
        return Response(body, 200 if ok else 503, media_type="application/json")

    @app.get("/metrics", tags=["beheer"], summary="Prometheus metrics")
    def metrics_() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        owner = instance or f"{socket.gethostname()}-{os.getpid()}"
        delivery_log = DeliveryLog(
            processing_log or kafka_log(settings),
            current,
            Pseudonymiser.in_data_dir(settings.data_dir),
            settings.oin,
        )
        limits = httpx.Limits(
            max_connections=settings.webhooks_concurrency,
            max_keepalive_connections=settings.webhooks_concurrency,
        )
        config = SenderConfig(
            owner,
            settings.webhooks_concurrency,
            timeout,
            settings.webhooks_retry_window,
            settings.webhooks_backoff_max,
            attempt=timeout + settings.webhooks_log_timeout,
        )
        async with httpx.AsyncClient(
            timeout=timeout,
            limits=limits,
            follow_redirects=False,
            headers={"user-agent": "bron-webhooks"},
        ) as http:
            sender = Sender(store, delivery_log, metrics, http, config)
            consumer = AppTopicConsumer(
                settings.bootstrap_servers,
                settings.webhooks_group,
                store,
                current,
                metrics,
                source=source(settings.oin),
                dataref=dataref(settings),
                wake=sender.wake,
                instance=instance,
            )
            task = asyncio.create_task(sender.run())
            task.add_done_callback(lambda t: _ended(t, running))
            consumer.start()
            withdrawals = asyncio.create_task(
                end_withdrawn_every(store, current, settings.gateway_policy_refresh)
            )
            running["ok"] = True
            log.info("webhooks.started", instance=owner, group=settings.webhooks_group)
            try:
                yield
            finally:
                running["ok"] = False
                withdrawals.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await withdrawals
                await asyncio.to_thread(consumer.stop)
                sender.stop()
                await task  # it drains: attempts in flight finish, the rest is released
                delivery_log.close()
                store.close()
                if reader is not None:
                    reader.close()

    app.router.lifespan_context = lifespan
    return app


def _ended(task: asyncio.Task[None], running: dict[str, bool]) -> None:
    """The sender only ends when told to; if it fails, the process ends (code 70) for its
    supervisor to restart it, rather than serve the API while nothing is delivered."""
    stopping = not running["ok"]
    running["ok"] = False
    if not task.cancelled() and task.exception() is not None:
        log.error("webhooks.sender_failed", error=type(task.exception()).__name__)
        if not stopping:
            os._exit(70)
