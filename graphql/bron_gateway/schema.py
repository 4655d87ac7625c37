"""The gateway's GraphQL schema: `persoon` and `personen`, each for one purpose (doel) of the
calling app. Before anything is read, the purpose must be one of the app's and every field the
query selects must be allowed by it; a person out of scope and one that does not exist are
both null."""

from __future__ import annotations

import asyncio
import functools
import re
from typing import Any, cast

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types.nodes import Selection

from bron.policy import Doel
from bron_gateway.access import check_fields, purpose
from bron_gateway.context import RequestContext
from bron_gateway.errors import InvalidArgument
from bron_gateway.extensions import ShowOnlyMeantErrors, WriteProcessingLog
from bron_gateway.persoon_types import Adres, Persoon, read_field
from bron_gateway.selection import Requested, read_paths, requested
from bron_gateway.verwerkingslog import Read

BSN = re.compile(r"^\d{9}$")
Info = strawberry.Info[RequestContext, None]

__all__ = ["Adres", "Persoon", "Query", "build_schema"]


async def _persoon(info: Info, bsn: str, doel: str) -> Persoon | None:
    context = info.context
    goal, asked = _allowed(info, doel)
    _check_bsn(bsn)
    return await _one(context, goal, asked, "persoon opvragen", bsn)


async def _personen(info: Info, bsns: list[str], doel: str) -> list[Persoon | None]:
    context = info.context
    goal, asked = _allowed(info, doel)
    if len(bsns) > context.services.max_bsns:
        raise InvalidArgument(
            f"{len(bsns)} BSNs asked at once; at most {context.services.max_bsns}",
            suggestion="ask in smaller batches",
        )
    for bsn in bsns:
        _check_bsn(bsn)
    found = await asyncio.gather(
        *(_one(context, goal, asked, "personen opvragen", bsn) for bsn in bsns)
    )
    return list(found)


@strawberry.type
class Query:
    persoon: Persoon | None = strawberry.field(
        resolver=_persoon,
        description="A person by BSN, as the purpose (doel) allows; null when the person is "
        "unknown or not in the purpose's scope.",
    )
    personen: list[Persoon | None] = strawberry.field(
        resolver=_personen,
        description="Several persons by BSN, in the order asked; null for each unknown or out "
        "of scope.",
    )


def _allowed(info: Info, doel_id: str) -> tuple[Doel, Requested]:
    context = info.context
    goal = purpose(context.policy, context.app, doel_id)
    selections: list[Selection] = [s for f in info.selected_fields for s in f.selections]
    asked = requested(selections)
    check_fields(goal, asked)
    return goal, asked


def _check_bsn(bsn: str) -> None:
    if not BSN.match(bsn):
        raise InvalidArgument("a BSN has 9 digits", suggestion="check the burgerservicenummer")


async def _one(
    context: RequestContext, goal: Doel, asked: Requested, actie: str, bsn: str
) -> Persoon | None:
    persoon_id = await context.loaders.persoon_ids.load(bsn)
    view = await context.loaders.views.load((goal.id, persoon_id))
    if view is None or persoon_id is None:
        return None
    context.reads.append(Read(actie, goal, persoon_id, tuple(read_paths(asked))))
    source: dict[str, Any] = {**view.get("persoon", {}), "adres": view.get("adres")}
    return cast(Persoon, source)  # the default resolver reads the document (read_field)


def build_schema(
    *, max_depth: int, max_aliases: int, max_tokens: int, introspection: bool
) -> strawberry.Schema:
    extensions: list[Any] = [
        functools.partial(QueryDepthLimiter, max_depth=max_depth),
        functools.partial(MaxAliasesLimiter, max_alias_count=max_aliases),
        functools.partial(MaxTokensLimiter, max_token_count=max_tokens),
        WriteProcessingLog,
        ShowOnlyMeantErrors,
    ]
    if not introspection:
        extensions.insert(0, DisableIntrospection)
    return strawberry.Schema(
        query=Query,
        config=StrawberryConfig(disable_field_suggestions=True, default_resolver=read_field),
        extensions=extensions,
    )
