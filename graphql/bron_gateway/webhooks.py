"""An app manages its webhook subscriptions through GraphQL (issue 7), as it queries: the
gateway calls the webhook service's API (`services.webhooks.api`) for the calling app, with a
short-lived token it signs for that app (audience `bron:webhooks`), so the service shows and
changes only that app's subscriptions and dead letters. The purpose is checked here first, as
for a query; the service checks it again, and does the validation handshake with the URL. A
refusal (problem+json) becomes REGISTER_REFUSED naming the field and rule; no answer,
REGISTER_UNAVAILABLE. Citizens cannot use these operations."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any, cast

import httpx
import strawberry

from bron.http.auth import KeyPair, issue
from bron.http.trace import outgoing
from bron.policy import App
from bron_gateway.access import purpose
from bron_gateway.context import RequestContext
from bron_gateway.errors import CallerNotAllowed, InvalidArgument, RegisterUnavailable, no_answer
from bron_gateway.register import refused

AUDIENCE = "bron:webhooks"
WHO = "the webhook service"
Info = strawberry.Info[RequestContext, None]


class WebhookService:
    def __init__(
        self,
        base_url: str,
        keys: KeyPair,
        *,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._keys = keys
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    async def call(
        self, app_id: str, method: str, path: str, body: dict[str, Any] | None = None
    ) -> Any:
        token = issue(self._keys, subject=f"client-{app_id}", audience=AUDIENCE, app_id=app_id,
                      ttl=60)  # fmt: skip
        try:
            response = await self._client.request(
                method, path, json=body, headers={"Authorization": f"Bearer {token}", **outgoing()}
            )
        except httpx.HTTPError as exc:
            raise no_answer(WHO, exc) from None
        if not response.is_success:
            raise refused(response, WHO)
        return response.json() if response.content else None

    async def close(self) -> None:
        await self._client.aclose()


@strawberry.type(description="A webhook subscription of the calling app.")
class WebhookAbonnement:
    id: strawberry.ID
    doel: str
    url: str
    soorten: list[str] = strawberry.field(description="Kinds of notices; empty: all.")
    gemeenten: list[str]
    persoonId: strawberry.ID | None
    volledig: bool = strawberry.field(description="With the purpose's view, else thin.")
    status: str = strawberry.field(description="actief or gepauzeerd")
    aangemaakt: str
    geheim: str | None = strawberry.field(
        default=None,
        description="The signing secret: only in webhookAanmaken's answer, never again.",
    )


@strawberry.type(description="A delivery given up after its retry window; can be redelivered.")
class DodeBrief:
    id: strawberry.ID
    abonnement: strawberry.ID
    noticeId: strawberry.ID
    type: str
    reden: str
    pogingen: int
    laatsteStatus: int | None
    mislukt: str


def _app(info: Info) -> tuple[App, WebhookService]:
    context = info.context
    service = context.services.webhooks
    if context.app is None:
        raise CallerNotAllowed("webhooks are an app's; a citizen's token is never accepted",
                               suggestion="use an app's token")  # fmt: skip
    if service is None:  # pragma: no cover - create_app always gives one
        raise RegisterUnavailable(f"{WHO} is not configured", suggestion="ask the operators")
    return context.app, service


def _id(value: str, what: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise InvalidArgument(f"{value!r} is not a {what} id", suggestion="use a UUID") from None


def _abonnement(data: dict[str, Any]) -> WebhookAbonnement:
    known = {f.name for f in dataclasses.fields(WebhookAbonnement)}
    return WebhookAbonnement(**{k: v for k, v in data.items() if k in known})


def _dode_brief(data: dict[str, Any]) -> DodeBrief:
    known = {f.name for f in dataclasses.fields(DodeBrief)}
    return DodeBrief(**{k: v for k, v in data.items() if k in known})


async def webhook_aanmaken(
    info: Info,
    doel: str,
    url: str,
    soorten: list[str] | None = None,
    gemeenten: list[str] | None = None,
    persoonId: strawberry.ID | None = None,
    volledig: bool = False,
) -> WebhookAbonnement:
    app, service = _app(info)
    purpose(info.context.policy, app, doel)  # as for a query: one of the app's purposes
    body = {"doel": doel, "url": url, "soorten": soorten or [], "gemeenten": gemeenten or [],
            "persoonId": _id(persoonId, "persoon") if persoonId else None,
            "volledig": volledig}  # fmt: skip
    return _abonnement(cast(dict[str, Any], await service.call(app.id, "POST", "/abonnementen",
                                                               body)))  # fmt: skip


async def webhook_abonnementen(info: Info) -> list[WebhookAbonnement]:
    app, service = _app(info)
    return [_abonnement(d) for d in await service.call(app.id, "GET", "/abonnementen")]


async def webhook_pauzeren(info: Info, id: strawberry.ID) -> WebhookAbonnement:
    app, service = _app(info)
    path = f"/abonnementen/{_id(id, 'abonnement')}/pauzeren"
    return _abonnement(await service.call(app.id, "POST", path))


async def webhook_hervatten(info: Info, id: strawberry.ID) -> WebhookAbonnement:
    app, service = _app(info)
    path = f"/abonnementen/{_id(id, 'abonnement')}/hervatten"
    return _abonnement(await service.call(app.id, "POST", path))


async def webhook_verwijderen(info: Info, id: strawberry.ID) -> bool:
    app, service = _app(info)
    await service.call(app.id, "DELETE", f"/abonnementen/{_id(id, 'abonnement')}")
    return True


async def dode_brieven(info: Info) -> list[DodeBrief]:
    app, service = _app(info)
    return [_dode_brief(d) for d in await service.call(app.id, "GET", "/dode-brieven")]


async def dode_brief_opnieuw(info: Info, id: strawberry.ID) -> bool:
    app, service = _app(info)
    await service.call(app.id, "POST", f"/dode-brieven/{_id(id, 'dode brief')}/opnieuw")
    return True
