"""The HTTP shell every registry shares: FastAPI with problem+json errors, a health check,
Prometheus metrics (`/metrics`), W3C trace context, operator authentication for changes, and
app + purpose authorisation for reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import FastAPI, Header, Query, Request
from starlette.responses import JSONResponse

from bron.errors import BronError
from bron.http import problems
from bron.http.auth import KeyPair, Principal, require_role, verify
from bron.http.metrics import HttpMetrics
from bron.http.problems import FieldError, Problem
from bron.http.tracing import TraceMiddleware
from bron.policy import Doel, Policy, PolicyError, disallowed_fields
from bron.registry.openapi import problem_openapi
from bron.registry.rejection import Rejection

PURPOSE_HEADER = "X-Bron-Doel"


@dataclass(frozen=True, slots=True)
class Reader:
    principal: Principal
    doel: Doel
    fields: list[str]


def registry_app(name: str, title: str, version: str, description: str) -> FastAPI:
    app = FastAPI(
        title=title,
        version=version,
        description=description,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    problems.install(app)
    metrics = HttpMetrics(name)
    app.state.metrics = metrics
    app.add_middleware(TraceMiddleware, service=name, metrics=metrics)
    app.add_route("/metrics", metrics.endpoint, include_in_schema=False)
    app.openapi = lambda: problem_openapi(app)  # type: ignore[method-assign]

    async def on_rejection(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Rejection)
        return problems.problem_response(
            problems.rejected(exc.field, exc.rule, exc.message), request
        )

    async def on_unavailable(request: Request, exc: Exception) -> JSONResponse:
        # e.g. the schema registry is unreachable: nothing was written, the caller may retry
        problem = Problem(503, "unavailable", "Temporarily unavailable", str(exc))
        return problems.problem_response(problem, request)

    app.add_exception_handler(Rejection, on_rejection)
    app.add_exception_handler(BronError, on_unavailable)

    @app.get("/health", tags=["beheer"], summary="Is the registry up? (liveness)")
    def health() -> dict[str, str]:
        return {"status": "ok", "registry": name}

    @app.get("/ready", tags=["beheer"], summary="Can it take commands? (readiness)",
             responses={503: {"description": "Not ready: the checks say what is not"}})  # fmt: skip
    def ready() -> JSONResponse:
        """Its database answers and, with the relay in process, the relay publishes: 200 with
        each check, or 503 naming the check that fails (load balancers stop sending)."""
        check = getattr(app.state, "readiness", None)
        checks = check() if check is not None else {"startup": "starting"}
        ok = all(v == "ok" for v in checks.values())
        body = {"status": "ready" if ok else "not ready", "registry": name, "checks": checks}
        return JSONResponse(body, status_code=200 if ok else 503)

    return app


def operator(registry: str, keys: KeyPair) -> Callable[..., Principal]:
    """A dependency: the caller must hold the `operator` role for this registry."""

    def dependency(authorization: str | None = Header(default=None)) -> Principal:
        return require_role(verify(keys, authorization, f"bron:{registry}"), "operator")

    return dependency


BURGER = "burger"


def operator_or_citizen(registry: str, keys: KeyPair) -> Callable[..., Principal]:
    """A dependency: an operator of this registry, or a citizen (role `burger`, `sub` = their
    persoonId) acting on their own data only; the caller checks whose data it is with
    `own_data`. Citizens reach the registry through the gateway, which signs in with DigiD
    and exchanges the BSN for the persoonId: no BSN travels in the token."""

    def dependency(authorization: str | None = Header(default=None)) -> Principal:
        principal = verify(keys, authorization, f"bron:{registry}")
        if "operator" in principal.roles or BURGER in principal.roles:
            return principal
        return require_role(principal, "operator")

    return dependency


def is_citizen(principal: Principal) -> bool:
    return "operator" not in principal.roles and BURGER in principal.roles


def own_data(principal: Principal, persoon_id: str, field: str) -> None:
    """A citizen may act on their own persoonId only; operators on anyone's."""
    if is_citizen(principal) and principal.subject != persoon_id:
        raise problems.forbidden(
            f"a citizen may only act on their own data: {field} must be your own persoonId",
            [FieldError(field, "eigen-gegevens", "not the signed-in citizen")],
        )


def reader(
    registry: str, keys: KeyPair, policy: Policy, entity: str, known: frozenset[str] | None = None
) -> Callable[..., Reader]:
    """A dependency for reads: an app, one of its purposes (header `X-Bron-Doel`), and the
    `fields` it asks for, each allowed by that purpose (Haal Centraal data minimisation)."""

    def dependency(
        fields: str = Query(
            description="Comma-separated dotted field paths, e.g. naam.geslachtsnaam,geboorte"
        ),
        doel: str | None = Header(default=None, alias=PURPOSE_HEADER),
        authorization: str | None = Header(default=None),
    ) -> Reader:
        principal = verify(keys, authorization, f"bron:{registry}")
        if principal.app_id is None:
            raise problems.forbidden("reads need an app token (bron token app <app>)")
        if not doel:
            raise Problem(
                400,
                "missing-purpose",
                "A purpose is required",
                f"name the purpose of this read in the {PURPOSE_HEADER} header",
                [FieldError(PURPOSE_HEADER, "required", "missing")],
            )
        try:
            purpose = policy.purpose_of(principal.app_id, doel)
        except PolicyError as exc:
            raise problems.forbidden(str(exc)) from None
        requested = [f.strip() for f in fields.split(",") if f.strip()]
        if not requested:
            raise Problem(400, "missing-fields", "fields is required", "name at least one field",
                          [FieldError("fields", "required", "empty")])  # fmt: skip
        unknown = [f for f in requested if known is not None and f not in known]
        if unknown:
            raise Problem(400, "unknown-field", "Unknown field", f"unknown field(s): {unknown}",
                          [FieldError("fields", "unknown-field", f) for f in unknown])  # fmt: skip
        refused = disallowed_fields(purpose, entity, requested)
        if refused:
            raise problems.forbidden(
                f"purpose {purpose.id!r} does not allow {entity} field(s) {', '.join(refused)}",
                [FieldError("fields", "not-allowed-for-purpose", f) for f in refused],
            )
        return Reader(principal, purpose, requested)

    return dependency
