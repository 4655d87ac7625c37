"""Errors as `application/problem+json` (RFC 9457), with the field and the rule that failed.

A `Problem` carries a stable `type`, a status, a detail that says what to do, and a list of
`errors` (field, rule, message). Request-validation errors of FastAPI become the same shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://bron.dev/problems/"


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    rule: str
    message: str


@dataclass(slots=True)
class Problem(Exception):
    status: int
    type: str
    title: str
    detail: str
    errors: list[FieldError] = field(default_factory=list)

    def body(self, instance: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
        }
        if self.errors:
            body["errors"] = [
                {"field": e.field, "rule": e.rule, "message": e.message} for e in self.errors
            ]
        return body


def rejected(field_path: str, rule: str, message: str, status: int = 422) -> Problem:
    """A command refused by a domain rule: nothing was written, nothing published."""
    return Problem(
        status,
        f"rejected/{rule}",
        "The command was rejected",
        f"{field_path}: {message}",
        [FieldError(field_path, rule, message)],
    )


def not_found(what: str, detail: str) -> Problem:
    return Problem(404, f"not-found/{what}", f"{what} not found", detail)


def unauthorized(detail: str) -> Problem:
    return Problem(401, "unauthorized", "Authentication required", detail)


def forbidden(detail: str, errors: list[FieldError] | None = None) -> Problem:
    return Problem(403, "forbidden", "Not allowed", detail, errors or [])


def problem_response(problem: Problem, request: Request) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if problem.status == 401 else None
    return JSONResponse(
        problem.body(request.url.path),
        status_code=problem.status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def install(app: FastAPI) -> None:
    """Make every error of the app a problem+json response."""

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        errors = [FieldError(_field(e["loc"]), str(e["type"]), str(e["msg"])) for e in exc.errors()]
        detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
        problem = Problem(400, "invalid-request", "The request is invalid", detail, errors)
        return problem_response(problem, request)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        # FastAPI's only 400 of this kind: a JSON body that is not UTF-8 text
        errors = (
            [FieldError("body", "unparseable", str(exc.detail))] if exc.status_code == 400 else []
        )
        problem = Problem(
            exc.status_code, f"http/{exc.status_code}", str(exc.detail), str(exc.detail), errors
        )
        return problem_response(problem, request)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)


def _field(loc: Any) -> str:
    """The dotted path of a validation error without its location (`body.naam` → `naam`);
    the location itself when the error is about the whole of it (a body that is no object)."""
    path = ".".join(str(p) for p in loc if p not in ("body", "query", "path"))
    return path or (str(loc[0]) if loc else "request")
