"""The registries' OpenAPI documents say what their errors really look like: every error is
`application/problem+json` (FastAPI's default 422 validation schema is replaced)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details; `errors` names each field and broken rule.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "rule", "message"],
                "properties": {
                    "field": {"type": "string", "description": "dotted path in the request"},
                    "rule": {"type": "string", "description": "stable id of the broken rule"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
ERRORS = {
    "400": "The request is malformed (a field has the wrong type or format)",
    "401": "No valid bearer token",
    "403": "The token may not do this (role, purpose or field not allowed)",
    "404": "No such object (or not one this caller may see)",
    "422": "A domain rule refused the command: nothing was written or published",
}


def problem_openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path in document.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            for status, description in ERRORS.items():
                responses[status] = {"description": description, "content": problem}
    app.openapi_schema = document
    return document
