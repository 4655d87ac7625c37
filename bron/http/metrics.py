"""Prometheus metrics of an HTTP service, on its own `/metrics` (a registry per app, so that
services sharing a process never mix). Labels are the service, method, route template and
status only: never a path value, query, app, person or data.

`bron_http_request_duration_seconds` (histogram: count, latency) per request; services add
their own (`add_gauge`: the outbox's pending rows, the relay's published events; the
gateway's processing-log writes)."""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class HttpMetrics:
    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry()
        self.requests = Histogram(
            "bron_http_request_duration_seconds",
            "HTTP requests served: latency, by route template and status",
            ["service", "method", "route", "status"],
            buckets=BUCKETS,
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(self.service, method, route, str(status)).observe(seconds)

    def add_gauge(self, name: str, documentation: str, read: Callable[[], float]) -> None:
        """A value read when scraped (e.g. the outbox's pending rows)."""
        gauge = Gauge(name, documentation, ["service"], registry=self.registry)
        gauge.labels(self.service).set_function(read)

    def add_counter(self, name: str, documentation: str, labels: tuple[str, ...] = ()) -> Counter:
        return Counter(name, documentation, ["service", *labels], registry=self.registry)

    async def endpoint(self, _: Request) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
