"""The webhook service's HTTP API, for apps (token audience `bron:webhooks`, e.g. `bron token
app parkeren --audience webhooks`): their own subscriptions (abonnementen) and dead letters
(dode brieven) only; another app's is "not found", so ids cannot be probed. Every error is
problem+json naming the field and what to do. The secret is shown once, in the 201."""

# No `from __future__ import annotations`: FastAPI reads the body types at definition time.
import asyncio
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

import httpx
from fastapi import Depends, FastAPI, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from bron.http.auth import KeyPair, verify
from bron.http.problems import forbidden, not_found, rejected
from bron.notices import KINDS
from bron.policy import PolicyError
from services.webhooks.domain import Status, Subscription, gemeente_filter_possible, url_problem
from services.webhooks.handshake import handshake
from services.webhooks.register import CurrentPolicy
from services.webhooks.rows import DeadLetter
from services.webhooks.store import WebhookStore

AUDIENCE = "bron:webhooks"


class NieuwAbonnement(BaseModel):
    model_config = ConfigDict(extra="forbid")

    doel: str = Field(description="One of the app's purposes (policy/register.yaml)")
    url: str = Field(max_length=2000, description="https:// (http://localhost in development)")
    soorten: list[str] = Field(default=[], description=f"Kinds, empty = all: {', '.join(KINDS)}")
    gemeenten: list[str] = Field(default=[], description="Gemeentecodes; empty = no filter")
    persoonId: UUID | None = Field(default=None, description="Only this person's notices")
    volledig: bool = Field(default=False, description="Send the purpose's view in `data`")


@dataclass(frozen=True, slots=True)
class Context:
    store: WebhookStore
    policy: CurrentPolicy  # the register as it is now
    keys: KeyPair
    development: bool
    origin: str
    client: Callable[[], httpx.AsyncClient]


def as_json(sub: Subscription) -> dict[str, Any]:
    return {
        "id": sub.id,
        "appId": sub.app_id,
        "doel": sub.doel_id,
        "url": sub.url,
        "soorten": sorted(sub.kinds),
        "gemeenten": sorted(sub.gemeenten),
        "persoonId": sub.persoon_id,
        "volledig": sub.volledig,
        "status": sub.status.value,
        "aangemaakt": _iso(sub.created_at),
    }


def dead_json(d: DeadLetter) -> dict[str, Any]:
    return {
        "id": d.id,
        "abonnement": d.subscription_id,
        "noticeId": d.notice_id,
        "type": d.type,
        "reden": d.reason,
        "pogingen": d.attempts,
        "laatsteStatus": d.last_status,
        "mislukt": _iso(d.failed_at),
    }


def mount(app: FastAPI, ctx: Context) -> None:
    def caller(authorization: Annotated[str | None, Header()] = None) -> str:
        principal = verify(ctx.keys, authorization, AUDIENCE)
        if principal.app_id is None or principal.app_id not in ctx.policy().app_by_id:
            raise forbidden(
                "subscriptions need the token of a registered app "
                "(bron token app <app> --audience webhooks)"
            )
        return principal.app_id

    App = Annotated[str, Depends(caller)]

    def own(app_id: str, id: UUID) -> Subscription:
        sub = ctx.store.subscription(str(id))
        if sub is None or sub.app_id != app_id:
            raise not_found("abonnement", f"no subscription {id} of app {app_id!r}")
        return sub

    @app.post(
        "/abonnementen",
        status_code=201,
        tags=["abonnementen"],
        summary="Subscribe a URL (validated by an OPTIONS handshake)",
    )
    async def create(body: NieuwAbonnement, app_id: App, response: Response) -> dict[str, Any]:
        sub = _checked(ctx, app_id, body)
        async with ctx.client() as client:
            refused = await handshake(client, sub.url, ctx.origin)
        if refused:
            raise rejected("url", "handshake", refused)
        sub = replace(sub, created_at=time.time())  # it receives what is written from now on
        await asyncio.to_thread(ctx.store.add, sub)
        response.headers["Location"] = f"/abonnementen/{sub.id}"
        return {**as_json(sub), "geheim": sub.secret}

    @app.get("/abonnementen", tags=["abonnementen"], summary="The app's subscriptions")
    def list_(app_id: App) -> list[dict[str, Any]]:
        return [as_json(s) for s in ctx.store.subscriptions(app_id)]

    @app.get("/abonnementen/{id}", tags=["abonnementen"], summary="A subscription and its state")
    def read(id: UUID, app_id: App) -> dict[str, Any]:
        sub = own(app_id, id)
        status, error = ctx.store.last_error(sub.id)
        dead = sum(1 for d in ctx.store.dead_letters(app_id) if d.subscription_id == sub.id)
        return {
            **as_json(sub),
            "wachtend": ctx.store.pending(sub.id),
            "dodeBrieven": dead,
            "laatsteFout": None if error is None else {"status": status, "fout": error},
        }

    @app.post(
        "/abonnementen/{id}/pauzeren",
        tags=["abonnementen"],
        summary="Pause: notices keep being queued, nothing is sent",
    )
    def pause(id: UUID, app_id: App) -> dict[str, Any]:
        ctx.store.set_status(own(app_id, id).id, Status.gepauzeerd, time.time())
        return as_json(own(app_id, id))

    @app.post(
        "/abonnementen/{id}/hervatten",
        tags=["abonnementen"],
        summary="Resume: what was queued meanwhile is sent, in order",
    )
    def resume(id: UUID, app_id: App) -> dict[str, Any]:
        ctx.store.set_status(own(app_id, id).id, Status.actief, time.time())
        return as_json(own(app_id, id))

    @app.delete(
        "/abonnementen/{id}",
        status_code=204,
        tags=["abonnementen"],
        summary="Unsubscribe; what waits and its dead letters are deleted",
    )
    def remove(id: UUID, app_id: App) -> Response:
        ctx.store.remove(own(app_id, id).id)
        return Response(status_code=204)

    @app.get("/dode-brieven", tags=["dode brieven"], summary="The app's failed deliveries")
    def dead_letters(app_id: App) -> list[dict[str, Any]]:
        return [dead_json(d) for d in ctx.store.dead_letters(app_id)]

    @app.post(
        "/dode-brieven/{id}/opnieuw",
        status_code=202,
        tags=["dode brieven"],
        summary="Deliver again: attempts from 0, a new retry window",
    )
    def redeliver(id: UUID, app_id: App) -> dict[str, Any]:
        dead = ctx.store.dead_letter(str(id))
        if dead is None or dead.app_id != app_id:
            raise not_found("dode-brief", f"no dead letter {id} of app {app_id!r}")
        ctx.store.redeliver(dead.id, time.time())
        return {"id": dead.id, "abonnement": dead.subscription_id, "status": "wachtend"}


def _checked(ctx: Context, app_id: str, body: NieuwAbonnement) -> Subscription:
    """The subscription asked for, or a 422 naming the field and what to do."""
    try:
        doel = ctx.policy().purpose_of(app_id, body.doel)
    except PolicyError as exc:
        raise rejected("doel", "doel-van-app", str(exc)) from None
    unknown = sorted(set(body.soorten) - set(KINDS))
    if unknown:
        raise rejected("soorten", "soort", f"unknown {unknown}; known: {', '.join(KINDS)}")
    outside = sorted(set(body.gemeenten) - set(doel.gemeenten))
    if outside:
        raise rejected(
            "gemeenten",
            "gemeente-van-doel",
            f"{outside} are not gemeenten of "
            f"purpose {doel.id!r}; use some of {', '.join(doel.gemeenten)}",
        )
    if body.gemeenten and not gemeente_filter_possible(doel):
        raise rejected(
            "gemeenten",
            "gemeente-filter",
            f"purpose {doel.id!r} shows no field that "
            "places a person in a gemeente (gemeenteVanInschrijving, verblijfplaats "
            "or BAG identificaties): leave gemeenten out",
        )
    problem = url_problem(body.url, ctx.development)
    if problem:
        raise rejected("url", "url", problem)
    persoon = None if body.persoonId is None else str(body.persoonId)
    return Subscription(
        str(uuid.uuid4()),
        app_id,
        doel.id,
        body.url,
        frozenset(body.soorten),
        frozenset(body.gemeenten),
        persoon,
        body.volledig,
        Status.actief,
        secrets.token_urlsafe(32),
        time.time(),
    )


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds")
