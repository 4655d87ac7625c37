"""An ASGI middleware for Bron's HTTP services: it continues the caller's W3C trace
(`traceparent`, `bron.http.trace`), makes it the current trace for the request (so the
service's own calls and the events it writes carry it), binds `trace_id` to every log line of
the request, returns `traceparent`, and writes one access line per request: method, the route's
template (`/personen/{persoonId}`, never the path's values or the query string, which may hold
a BSN), status and milliseconds; and, given `HttpMetrics`, the request's latency histogram."""

from __future__ import annotations

import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bron.http.metrics import HttpMetrics
from bron.http.trace import CURRENT, trace_from

log = structlog.get_logger("bron.http")


class TraceMiddleware:
    def __init__(self, app: ASGIApp, service: str, metrics: HttpMetrics | None = None) -> None:
        self.app = app
        self.service = service
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        trace = trace_from(headers.get(b"traceparent", b"").decode("latin-1"))
        token = CURRENT.set(trace)
        status = 500
        started = time.perf_counter()

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (b"traceparent", trace.traceparent.encode())]  # fmt: skip
            await send(message)

        with structlog.contextvars.bound_contextvars(trace_id=trace.trace_id,
                                                     span_id=trace.span_id):  # fmt: skip
            try:
                await self.app(scope, receive, sending)
            finally:
                CURRENT.reset(token)
                path = _route(scope)
                seconds = time.perf_counter() - started
                if self.metrics is not None and path != "/metrics":
                    self.metrics.observe(str(scope.get("method")), path, status, seconds)
                if path not in ("/health", "/metrics"):
                    log.info("request", service=self.service, trace_id=trace.trace_id,
                             method=scope.get("method"),
                             route=path, status=status,
                             ms=round(seconds * 1000, 1))  # fmt: skip


def _route(scope: Scope) -> str:
    """The route's template (FastAPI), else the endpoint's name (Starlette), never the path."""
    template = getattr(scope.get("route"), "path", None)
    if template:
        return str(template)
    endpoint = scope.get("endpoint")
    name = getattr(endpoint, "__name__", None)
    return f"({name})" if name else "(no route)"
