"""The Confluent Schema Registry REST API over a `Registry` (Starlette).

Errors carry the Confluent fields that clients read (`error_code`, `message`) and the RFC 9457
problem fields (`type`, `title`, `status`, `detail`) in one body.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bron.http.metrics import HttpMetrics
from bron.http.tracing import TraceMiddleware
from services.schema_registry import errors
from services.schema_registry.errors import RegistryError
from services.schema_registry.registry import Registry
from services.schema_registry.state import SchemaVersion

MEDIA_TYPE = "application/vnd.schemaregistry.v1+json"
PROBLEM_BASE = "https://bron.dev/problems/schema-registry/"
Handler = Callable[[Request], Awaitable[Response]]
log = logging.getLogger("bron.schema_registry.http")


class RegistryJSON(JSONResponse):
    media_type = MEDIA_TYPE


def error_response(exc: RegistryError) -> Response:
    body = {
        "error_code": exc.error_code,
        "message": exc.message,
        "type": f"{PROBLEM_BASE}{exc.error_code}",
        "title": exc.message.split(":")[0],
        "status": exc.status,
        "detail": exc.message,
    }
    return RegistryJSON(body, status_code=exc.status)


def flag(request: Request, name: str) -> bool:
    return request.query_params.get(name, "false").lower() == "true"


async def body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        parsed = json.loads(raw or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise errors.bad_request(f"the request body is not valid JSON: {exc}") from None
    if not isinstance(parsed, dict):
        raise errors.bad_request("the request body must be a JSON object")
    return parsed


def version_body(v: SchemaVersion) -> dict[str, Any]:
    return {"subject": v.subject, "version": v.version, "id": v.schema_id, "schema": v.schema}


def schema_id(request: Request) -> int:
    value = request.path_params["id"]
    if not value.isdigit():
        raise errors.schema_not_found(f"Schema {value} not found")
    return int(value)


def create_http_app(registry: Registry, health: Callable[[], bool] = lambda: True) -> Starlette:
    routes: list[Route] = []  # in order: the first route whose path and method match wins

    def route(path: str, methods: list[str]) -> Callable[[Handler], Handler]:
        def wrap(handler: Handler) -> Handler:
            async def endpoint(request: Request) -> Response:
                try:
                    return await handler(request)
                except RegistryError as exc:
                    return error_response(exc)
                except Exception:  # a bug or an unforeseen store failure: log it, answer 50001
                    log.exception("schema_registry.unhandled", extra={"path": request.url.path})
                    return error_response(errors.store_error("unexpected; see the registry log"))

            routes.append(Route(path, endpoint, methods=methods))
            return handler

        return wrap

    @route("/", ["GET"])
    async def root(request: Request) -> Response:
        return RegistryJSON({})

    @route("/health", ["GET"])
    async def healthcheck(request: Request) -> Response:
        ok = health()
        return RegistryJSON({"healthy": ok}, status_code=200 if ok else 503)

    @route("/schemas/types", ["GET"])
    async def types(request: Request) -> Response:
        return RegistryJSON(["AVRO"])

    @route("/subjects", ["GET"])
    async def subjects(request: Request) -> Response:
        return RegistryJSON(registry.subjects(deleted=flag(request, "deleted")))

    @route("/subjects/{subject:path}/versions", ["GET"])
    async def list_versions(request: Request) -> Response:
        subject = request.path_params["subject"]
        return RegistryJSON(registry.versions(subject, deleted=flag(request, "deleted")))

    @route("/subjects/{subject:path}/versions", ["POST"])
    async def register(request: Request) -> Response:
        data = await body(request)
        subject = request.path_params["subject"]
        new_id = await run_in_threadpool(
            registry.register, subject, data.get("schema"), data.get("schemaType")
        )
        return RegistryJSON({"id": new_id})

    @route("/subjects/{subject:path}/versions/{version}", ["GET"])
    async def get_version(request: Request) -> Response:
        found = registry.version(
            request.path_params["subject"],
            request.path_params["version"],
            deleted=flag(request, "deleted"),
        )
        return RegistryJSON(version_body(found))

    @route("/subjects/{subject:path}/versions/{version}/schema", ["GET"])
    async def get_version_schema(request: Request) -> Response:
        found = registry.version(request.path_params["subject"], request.path_params["version"])
        return PlainTextResponse(found.schema, media_type=MEDIA_TYPE)

    @route("/subjects/{subject:path}/versions/{version}/referencedby", ["GET"])
    async def referenced_by(request: Request) -> Response:
        registry.version(request.path_params["subject"], request.path_params["version"])
        return RegistryJSON([])  # Bron's schemas are self-contained: no references

    @route("/subjects/{subject:path}/versions/{version}", ["DELETE"])
    async def delete_version(request: Request) -> Response:
        deleted = await run_in_threadpool(
            registry.delete_version,
            request.path_params["subject"],
            request.path_params["version"],
            flag(request, "permanent"),
        )
        return RegistryJSON(deleted)

    @route("/subjects/{subject:path}", ["POST"])
    async def lookup(request: Request) -> Response:
        data = await body(request)
        found = registry.lookup(
            request.path_params["subject"], data.get("schema"), deleted=flag(request, "deleted")
        )
        return RegistryJSON(version_body(found))

    @route("/subjects/{subject:path}", ["DELETE"])
    async def delete_subject(request: Request) -> Response:
        deleted = await run_in_threadpool(
            registry.delete_subject, request.path_params["subject"], flag(request, "permanent")
        )
        return RegistryJSON(deleted)

    @route("/schemas/ids/{id}", ["GET"])
    async def by_id(request: Request) -> Response:
        return RegistryJSON({"schema": registry.schema_by_id(schema_id(request))})

    @route("/schemas/ids/{id}/schema", ["GET"])
    async def raw_by_id(request: Request) -> Response:
        return PlainTextResponse(registry.schema_by_id(schema_id(request)), media_type=MEDIA_TYPE)

    @route("/schemas/ids/{id}/subjects", ["GET"])
    async def subjects_by_id(request: Request) -> Response:
        found = registry.subjects_of(schema_id(request), deleted=flag(request, "deleted"))
        return RegistryJSON(sorted({v.subject for v in found}))

    @route("/schemas/ids/{id}/versions", ["GET"])
    async def versions_by_id(request: Request) -> Response:
        found = registry.subjects_of(schema_id(request), deleted=flag(request, "deleted"))
        return RegistryJSON([{"subject": v.subject, "version": v.version} for v in found])

    async def compatibility(request: Request, version: str | None) -> Response:
        data = await body(request)
        result = registry.test_compatibility(
            request.path_params["subject"], version, data.get("schema")
        )
        out: dict[str, Any] = {"is_compatible": result.is_compatible}
        if flag(request, "verbose"):
            out["messages"] = result.messages
        return RegistryJSON(out)

    @route("/compatibility/subjects/{subject:path}/versions/{version}", ["POST"])
    async def compatibility_version(request: Request) -> Response:
        return await compatibility(request, request.path_params["version"])

    @route("/compatibility/subjects/{subject:path}/versions", ["POST"])
    async def compatibility_all(request: Request) -> Response:
        return await compatibility(request, None)

    @route("/config", ["GET"])
    async def get_config(request: Request) -> Response:
        return RegistryJSON({"compatibilityLevel": registry.level(None)})

    @route("/config", ["PUT"])
    async def put_config(request: Request) -> Response:
        data = await body(request)
        level = await run_in_threadpool(registry.set_level, None, data.get("compatibility"))
        return RegistryJSON({"compatibility": level})

    @route("/config", ["DELETE"])
    async def delete_config(request: Request) -> Response:
        previous = await run_in_threadpool(registry.delete_level, None)
        return RegistryJSON({"compatibilityLevel": previous})

    @route("/config/{subject:path}", ["GET"])
    async def get_subject_config(request: Request) -> Response:
        level = registry.level(
            request.path_params["subject"], default_to_global=flag(request, "defaultToGlobal")
        )
        return RegistryJSON({"compatibilityLevel": level})

    @route("/config/{subject:path}", ["PUT"])
    async def put_subject_config(request: Request) -> Response:
        data = await body(request)
        level = await run_in_threadpool(
            registry.set_level, request.path_params["subject"], data.get("compatibility")
        )
        return RegistryJSON({"compatibility": level})

    @route("/config/{subject:path}", ["DELETE"])
    async def delete_subject_config(request: Request) -> Response:
        previous = await run_in_threadpool(registry.delete_level, request.path_params["subject"])
        return RegistryJSON({"compatibilityLevel": previous})

    @route("/mode", ["GET"])
    async def get_mode(request: Request) -> Response:
        return RegistryJSON({"mode": registry.mode(None)})

    @route("/mode", ["PUT"])
    async def put_mode(request: Request) -> Response:
        data = await body(request)
        mode = await run_in_threadpool(registry.set_mode, None, data.get("mode"))
        return RegistryJSON({"mode": mode})

    @route("/mode/{subject:path}", ["GET"])
    async def get_subject_mode(request: Request) -> Response:
        return RegistryJSON({"mode": registry.mode(request.path_params["subject"])})

    @route("/mode/{subject:path}", ["PUT"])
    async def put_subject_mode(request: Request) -> Response:
        data = await body(request)
        mode = await run_in_threadpool(
            registry.set_mode, request.path_params["subject"], data.get("mode")
        )
        return RegistryJSON({"mode": mode})

    metrics = HttpMetrics("schema-registry")
    routes.append(Route("/metrics", metrics.endpoint, methods=["GET"]))
    return Starlette(
        routes=routes,
        middleware=[Middleware(TraceMiddleware, service="schema-registry", metrics=metrics)],
    )
