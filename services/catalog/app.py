"""The catalog as an ASGI app (`bron catalog serve`): one page per subject, each gathered when
it is asked for (`gather`, in a worker thread) and rendered (`render`). Read-only: no page
changes anything, and no page shows personal data.

It has no login of its own: it listens on 127.0.0.1 by default (BRON_CATALOG_HOST); elsewhere
put it behind the municipality's single sign-on proxy."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bron.logs import get_logger
from bron.settings import Settings
from bron.topics import TOPICS
from services.catalog import gather, render
from services.catalog.style import CSS

log = get_logger("bron.catalog")

HEADERS = {
    # no script, no frame, nothing from elsewhere: the pages are text, tables and one sheet
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
DEAD_LETTERS = 50  # shown by default; ?n= asks for 1 to MAX_DEAD_LETTERS
MAX_DEAD_LETTERS = 500


def html(text: str, status_code: int = 200) -> Response:
    return Response(text, status_code, headers=HEADERS, media_type="text/html; charset=utf-8")


def create_app(
    settings: Settings, *, manifests: Callable[[], list[Path]] | None = None
) -> Starlette:
    """`manifests`: the registered manifests (default: those listed in policy/apps.yaml)."""
    bootstrap, registry = settings.bootstrap_servers, settings.registry_url

    def now() -> datetime:
        return datetime.now(UTC)

    async def overview(request: Request) -> Response:
        found = await gather.components(settings)
        return html(render.overview_page(found, gather.where(settings), generated=now()))

    async def topics(request: Request) -> Response:
        from streams.worker import app_topic_spec  # the per-app topics' declaration

        found = await run_in_threadpool(gather.broker_topics, bootstrap)
        spec = app_topic_spec(f"{gather.APP_TOPICS}*")
        return html(render.topics_page(TOPICS, spec, found, generated=now()))

    async def schemas(request: Request) -> Response:
        found = await run_in_threadpool(gather.schemas, registry)
        return html(render.schemas_page(found, generated=now()))

    async def subject(request: Request) -> Response:
        name = str(request.path_params["subject"])
        found = await run_in_threadpool(gather.subject, registry, name)
        if found is None:
            return html(render.not_found_page(request.url.path, generated=now()), 404)
        return html(render.subject_page(found, name, generated=now()))

    async def access(request: Request) -> Response:
        found = await run_in_threadpool(gather.current_policy, settings)
        return html(render.access_page(found, generated=now()))

    async def apps(request: Request) -> Response:
        policy, checked = await asyncio.gather(
            run_in_threadpool(gather.current_policy, settings),
            run_in_threadpool(gather.conformance, manifests),
        )
        return html(render.apps_page(policy, checked, generated=now()))

    async def lag(request: Request) -> Response:
        found = await run_in_threadpool(gather.lag, settings)
        return html(render.lag_page(found, generated=now()))

    async def dead_letters(request: Request) -> Response:
        asked = request.query_params.get("n", "")
        limit = min(max(int(asked), 1), MAX_DEAD_LETTERS) if asked.isdigit() else DEAD_LETTERS
        found = await run_in_threadpool(gather.dead_letters, bootstrap, registry, limit)
        return html(render.dead_letters_page(found, limit, generated=now()))

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"}, headers={"Cache-Control": "no-store"})

    async def stylesheet(request: Request) -> Response:
        return Response(CSS, media_type="text/css; charset=utf-8",
                        headers={"X-Content-Type-Options": "nosniff",
                                 "Cache-Control": "max-age=300"})  # fmt: skip

    async def not_found(request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException) and exc.status_code != 404:
            return html(render.error_page(request.url.path, generated=now()), exc.status_code)
        return html(render.not_found_page(request.url.path, generated=now()), 404)

    async def failed(request: Request, exc: Exception) -> Response:
        log.error("catalog.page_failed", path=request.url.path, error=type(exc).__name__)
        return html(render.error_page(request.url.path, generated=now()), 500)

    routes = [
        Route("/", overview),
        Route("/topics", topics),
        Route("/schemas", schemas),
        Route("/schemas/{subject:path}", subject),
        Route("/doelen", access),
        Route("/apps", apps),
        Route("/lag", lag),
        Route("/dead-letters", dead_letters),
        Route("/health", health),
        Route("/catalog.css", stylesheet),
    ]
    return Starlette(routes=routes,
                     exception_handlers={HTTPException: not_found, Exception: failed})  # fmt: skip
