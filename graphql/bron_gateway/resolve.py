"""What every resolver does, in this order: the purpose must be one of the app's, every field
the query selects (and every search criterion) must be allowed by it, and only then is
anything read; a person read is remembered for the processing log (`WriteProcessingLog`
writes it before the result leaves)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any, cast

import strawberry
from strawberry.types.nodes import Selection

from bron.policy import Doel
from bron_gateway.access import check_fields, purpose
from bron_gateway.context import RequestContext
from bron_gateway.errors import CallerNotAllowed, InvalidArgument
from bron_gateway.persoon_types import Persoon
from bron_gateway.selection import Requested, read_paths, requested
from bron_gateway.verwerkingslog import Read

BSN = re.compile(r"^\d{9}$")
Info = strawberry.Info[RequestContext, None]
Document = dict[str, Any]


def allowed(
    info: Info,
    doel_id: str,
    asked_of: Callable[[Sequence[Selection]], Requested] = requested,
    criteria: Requested | None = None,
) -> tuple[Doel, Requested]:
    """The purpose and what the query asks of it, or an error before anything is read.
    `asked_of` turns the field's selections into entity paths (a person by default);
    `criteria` are the fields a search compares, which the purpose must allow as well."""
    context = info.context
    if context.app is None:
        raise CallerNotAllowed(
            "a citizen's token is for the citizen's own operations only",
            suggestion="use mijnGegevens, mijnToestemmingen or mijnVerwerkingen",
        )
    goal = purpose(context.policy, context.app, doel_id)
    selections: list[Selection] = [s for f in info.selected_fields for s in f.selections]
    asked = asked_of(selections)
    check_fields(goal, asked)
    if criteria:
        check_fields(goal, criteria)
    return goal, asked


def check_bsn(bsn: str) -> None:
    if not BSN.match(bsn):
        raise InvalidArgument("a BSN has 9 digits", suggestion="check the burgerservicenummer")


def document(view: Document) -> Document:
    """A stored view as the Persoon type reads it: the person with the other entities."""
    return {
        **view.get("persoon", {}),
        "adres": view.get("adres"),
        "verblijfsobject": view.get("verblijfsobject"),
        "wozObjecten": view.get("wozObjecten"),
    }


async def one(
    context: RequestContext, goal: Doel, asked: Requested, actie: str, bsn: str
) -> Persoon | None:
    persoon_id = await context.loaders.persoon_ids.load(bsn)
    return await by_id(context, goal, asked, actie, persoon_id)


async def by_id(
    context: RequestContext, goal: Doel, asked: Requested, actie: str, persoon_id: str | None
) -> Persoon | None:
    """None for `persoon_id` (an unknown BSN) still costs the view lookup (`Loaders`): a
    person out of scope and one that does not exist are indistinguishable."""
    view = await context.loaders.views.load((goal.id, persoon_id))
    if view is None or persoon_id is None:
        return None
    context.reads.append(Read(actie, goal, persoon_id, tuple(read_paths(asked))))
    return cast(Persoon, document(view))  # the default resolver reads the document


def check_persoon_id(value: object) -> str:
    """A persoonId is a UUID (as the events carry it), in its canonical form."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        hint = "use the UUID an event or webhook gave"
        raise InvalidArgument(f"{value!r} is not a persoonId", suggestion=hint) from None


async def persons(
    context: RequestContext,
    goal: Doel,
    asked: Requested,
    actie: str,
    persoon_ids: Sequence[str],
    criteria: Requested | None = None,
) -> list[Document]:
    """The views of these persons for the purpose (one batch), in order, each logged with
    the fields asked and the criteria it was found by. A view removed meanwhile is left out."""
    views = await context.loaders.views.load_many([(goal.id, p) for p in persoon_ids])
    fields = tuple(sorted({*read_paths(asked), *read_paths(criteria or {})}))
    found: list[Document] = []
    for persoon_id, view in zip(persoon_ids, views, strict=True):
        if view is None:
            continue
        context.reads.append(Read(actie, goal, persoon_id, fields))
        found.append(document(view))
    return found
