"""The gateway's GraphQL schema: `persoon`, `personen`, `zoekPersonen`, `bewoners`, `adres` and
`wozObject`, each for one purpose (doel) of the calling app. Before anything is read, the
purpose must be one of the app's and every field the query selects must be allowed by it; a
person out of scope and one that does not exist are both null (or absent from a list).

For a signed-in citizen only (`bron_gateway.burger`): `mijnGegevens`, `mijnToestemmingen`,
`mijnVerwerkingen` and the mutations `verleenToestemming` and `trekToestemmingIn`.

Subscriptions (`bron_gateway.subscriptions`), for apps, over the WebSocket only: what happens
to the persons a purpose shows, from the app's own topic, checked and logged like a query."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig

from bron.settings import Settings
from bron_gateway.burger import (
    Toestemming,
    ToestemmingConnection,
    VerwerkingConnection,
    mijn_gegevens,
    mijn_toestemmingen,
    mijn_verwerkingen,
    trek_toestemming_in,
    verleen_toestemming,
)
from bron_gateway.connection import PersoonConnection
from bron_gateway.cost import QueryCostLimiter
from bron_gateway.errors import InvalidArgument
from bron_gateway.extensions import ShowOnlyMeantErrors, WriteProcessingLog
from bron_gateway.objecten_types import LONG, Long, WozObject
from bron_gateway.persisted import PersistedOperations
from bron_gateway.persoon_types import Adres, Persoon, read_field
from bron_gateway.queries import adres, bewoners, woz_object, zoek_personen
from bron_gateway.resolve import Info, allowed, by_id, check_bsn, check_persoon_id, one
from bron_gateway.subscriptions import Subscription
from bron_gateway.webhooks import (
    DodeBrief,
    WebhookAbonnement,
    dode_brief_opnieuw,
    dode_brieven,
    webhook_aanmaken,
    webhook_abonnementen,
    webhook_hervatten,
    webhook_pauzeren,
    webhook_verwijderen,
)
from bron_gateway.websocket import OneTransportEach, ShowOnlyMeantStreamErrors

__all__ = ["Adres", "Mutation", "Persoon", "Query", "Subscription", "build_schema", "root_fields"]

# The settings' defaults, for the schemas built without settings (the SDL, unit tests).
DEFAULT_MAX_COST: int = Settings.model_fields["gateway_max_cost"].default
DEFAULT_MAX_BSNS: int = Settings.model_fields["gateway_max_bsns"].default


async def _persoon(
    info: Info,
    doel: str,
    bsn: str | None = None,
    persoonId: strawberry.ID | None = None,
) -> Persoon | None:
    if (bsn is None) == (persoonId is None):
        raise InvalidArgument("give the bsn or the persoonId", suggestion="one of the two")
    goal, asked = allowed(info, doel)
    if bsn is not None:
        check_bsn(bsn)
        return await one(info.context, goal, asked, "persoon opvragen", bsn)
    return await by_id(info.context, goal, asked, "persoon opvragen", check_persoon_id(persoonId))


async def _personen(info: Info, bsns: list[str], doel: str) -> list[Persoon | None]:
    context = info.context
    goal, asked = allowed(info, doel)
    if len(bsns) > context.services.max_bsns:
        raise InvalidArgument(
            f"{len(bsns)} BSNs asked at once; at most {context.services.max_bsns}",
            suggestion="ask in smaller batches",
        )
    for bsn in bsns:
        check_bsn(bsn)
    found = await asyncio.gather(
        *(one(context, goal, asked, "personen opvragen", bsn) for bsn in bsns)
    )
    return list(found)


@strawberry.type
class Query:
    webhookAbonnementen: list[WebhookAbonnement] = strawberry.field(
        resolver=webhook_abonnementen, description="Apps: the app's webhook subscriptions."
    )
    dodeBrieven: list[DodeBrief] = strawberry.field(
        resolver=dode_brieven,
        description="Apps: the app's webhook deliveries given up after their retry window.",
    )
    persoon: Persoon | None = strawberry.field(
        resolver=_persoon,
        description="A person by BSN, or by the persoonId that events and webhooks carry, as "
        "the purpose (doel) allows; null when the person is unknown or not in the purpose's "
        "scope.",
    )
    personen: list[Persoon | None] = strawberry.field(
        resolver=_personen,
        description="Several persons by BSN, in the order asked; null for each unknown or out "
        "of scope.",
    )
    zoekPersonen: PersoonConnection = strawberry.field(
        resolver=zoek_personen,
        description="Persons in the purpose's scope by geslachtsnaam (any case) and "
        "geboortedatum (YYYY-MM-DD), or living at postcode and huisnummer (huisletter and "
        "huisnummertoevoeging narrow it). The purpose must allow the fields searched by.",
    )
    bewoners: PersoonConnection = strawberry.field(
        resolver=bewoners,
        description="The residents in the purpose's scope of an address (nummeraanduiding "
        "id). The purpose must allow adres.postcode and adres.huisnummer.",
    )
    adres: Adres | None = strawberry.field(
        resolver=adres,
        description="An address by nummeraanduiding id, or by postcode and huisnummer with "
        "its huisletter and huisnummertoevoeging (left out: the address has none); null "
        "when unknown, withdrawn or outside the purpose's municipalities.",
    )
    wozObject: WozObject | None = strawberry.field(
        resolver=woz_object,
        description="A WOZ object by wozObjectnummer, or the one of an address (id); null "
        "when unknown or outside the purpose's municipalities.",
    )
    mijnGegevens: Persoon | None = strawberry.field(
        resolver=mijn_gegevens,
        description="Citizens only: the signed-in citizen's own data, all of it; null when "
        "the BRP does not know them.",
    )
    mijnToestemmingen: ToestemmingConnection = strawberry.field(
        resolver=mijn_toestemmingen,
        description="Citizens only: their consents in the consent register, active or ended, "
        "the newest first.",
    )
    mijnVerwerkingen: VerwerkingConnection = strawberry.field(
        resolver=mijn_verwerkingen,
        description="Citizens only: who read their data, when and for what purpose (the "
        "processing log), the newest first.",
    )


@strawberry.type
class Mutation:
    webhookAanmaken: WebhookAbonnement = strawberry.field(
        resolver=webhook_aanmaken,
        description="Apps: subscribe a URL to the notices of one of the app's purposes "
        "(soorten: kinds, empty = all; gemeenten; one persoonId; volledig: with the purpose's "
        "view). The URL must answer the CloudEvents validation handshake (OPTIONS). The "
        "answer carries the signing secret, once.",
    )
    webhookPauzeren: WebhookAbonnement = strawberry.field(
        resolver=webhook_pauzeren,
        description="Apps: pause a subscription; notices keep being queued.",
    )
    webhookHervatten: WebhookAbonnement = strawberry.field(
        resolver=webhook_hervatten,
        description="Apps: resume; what was queued meanwhile is sent, in order.",
    )
    webhookVerwijderen: bool = strawberry.field(
        resolver=webhook_verwijderen,
        description="Apps: unsubscribe; what waits and its dead letters are deleted.",
    )
    dodeBriefOpnieuw: bool = strawberry.field(
        resolver=dode_brief_opnieuw,
        description="Apps: deliver a dead letter again, with a new retry window.",
    )
    verleenToestemming: Toestemming = strawberry.field(
        resolver=verleen_toestemming,
        description="Citizens only: consent to an app using their data for one of its "
        "purposes, until geldigTot (ISO 8601 moment; left out: until revoked).",
    )
    trekToestemmingIn: Toestemming = strawberry.field(
        resolver=trek_toestemming_in,
        description="Citizens only: revoke one of their consents.",
    )


def build_schema(
    *,
    max_depth: int,
    max_aliases: int,
    max_tokens: int,
    introspection: bool,
    max_cost: int = DEFAULT_MAX_COST,
    max_bsns: int = DEFAULT_MAX_BSNS,
    persisted_operations: bool = False,
) -> strawberry.Schema:
    extensions: list[Any] = [
        functools.partial(QueryDepthLimiter, max_depth=max_depth),
        functools.partial(MaxAliasesLimiter, max_alias_count=max_aliases),
        functools.partial(MaxTokensLimiter, max_token_count=max_tokens),
        functools.partial(QueryCostLimiter, max_cost=max_cost, max_bsns=max_bsns),
        OneTransportEach,
        WriteProcessingLog,
        ShowOnlyMeantErrors,
        ShowOnlyMeantStreamErrors,
    ]
    if persisted_operations:  # an app runs only its manifest's documents (production)
        extensions.insert(0, PersistedOperations)
    if not introspection:
        extensions.insert(0, DisableIntrospection)
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        config=StrawberryConfig(disable_field_suggestions=True, default_resolver=read_field),
        extensions=extensions,
        scalar_overrides={Long: LONG},
    )


def root_fields(schema: strawberry.Schema) -> frozenset[str]:
    """The root fields a request can ask for, introspection's included: the operations the
    rate limit counts (`bron_gateway.ratelimit`)."""
    core = schema._schema  # graphql-core's schema: strawberry names no public way to the roots
    roots = (core.query_type, core.mutation_type, core.subscription_type)
    return frozenset({"__typename", "__schema", "__type"}).union(
        *(root.fields for root in roots if root is not None)
    )
