"""A signed-in citizen's own operations: `mijnGegevens`, `mijnToestemmingen`,
`verleenToestemming`, `trekToestemmingIn` and `mijnVerwerkingen`.

Only a citizen's token (role `burger`, their BSN as subject) may call them, and an app's token
never; the gateway maps the BSN to the persoonId through the store's `persoon`/`bsn` index.
`mijnGegevens` is the one place the gateway reads a person's entity state rather than a
purpose's view: the citizen's own data, all of it, rendered by `bron.views.persoon`. Consents
go to the consent register's HTTP API (`bron_gateway.register`). `mijnVerwerkingen` reads the
processing-log records about the citizen (folded by the stream workers into `verwerking`
entities, indexed by the citizen's pseudonym), newest first, leaving out what is logged as
`vertrouwelijk`. Each of them is itself logged, with the citizen as betrokkene and `burger` as
gebruiker, for the purpose `eigen-gegevens`."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from collections.abc import Sequence
from typing import Any, cast

import strawberry
from strawberry.types.nodes import Selection

from bron.policy import Doel, Grondslag
from bron.views.persoon import persoon as render
from bron_gateway.connection import PageInfo, cursor, page
from bron_gateway.context import RequestContext
from bron_gateway.errors import (
    CallerNotAllowed,
    CitizenUnknown,
    InvalidArgument,
    RegisterUnavailable,
)
from bron_gateway.persoon_types import Persoon
from bron_gateway.register import ConsentRegister
from bron_gateway.resolve import Info
from bron_gateway.selection import nodes_of, read_paths, requested, requested_of
from bron_gateway.verwerkingslog import Read
from streams import compose
from streams.projector import _related_ids

# The processing of a citizen's own data at their request (AVG art. 15, the right of access);
# it names no municipality of its own, `0000` stands for none.
EIGEN_GEGEVENS = Doel(
    id="eigen-gegevens",
    naam="Eigen gegevens",
    omschrijving="De burger ziet zijn eigen gegevens, toestemmingen en verwerkingen in, en "
    "verleent of trekt zijn toestemmingen in.",
    grondslag=Grondslag.wettelijke_verplichting,
    wettelijkeBasis="AVG artikel 15 (recht van inzage)",
    gemeenten=("0000",),
    velden={},
)
HIDDEN = ("vertrouwelijk",)  # vertrouwelijkheid of the records a citizen is not shown
Document = dict[str, Any]


@strawberry.type(description="A consent of the signed-in citizen, as the register keeps it.")
class Toestemming:
    toestemmingId: str
    appId: str
    app: str | None = strawberry.field(default=None, description="The app's name.")
    doelId: str
    doel: str | None = strawberry.field(default=None, description="The purpose's name.")
    status: str = strawberry.field(description="verleend, ingetrokken or verlopen")
    verleendOp: str | None = None
    geldigTot: str | None = None
    beeindigdOp: str | None = None


@strawberry.type(description="One read of the signed-in citizen's data (the processing log).")
class Verwerking:
    verwerkingId: str
    tijdstip: str = strawberry.field(description="When (UTC, ISO 8601).")
    actie: str
    doelId: str
    doel: str | None = strawberry.field(default=None, description="The purpose's name.")
    grondslag: str
    organisatie: str = strawberry.field(
        description="OIN of the organisation that read the data (the afnemer, else the uitvoerder)."
    )
    appId: str | None = None
    app: str | None = strawberry.field(default=None, description="The app's name.")
    gegevens: list[str] = strawberry.field(description="The fields read.")


@strawberry.type
class ToestemmingEdge:
    cursor: str
    node: Toestemming


@strawberry.type(description="A page of the citizen's consents, the newest first.")
class ToestemmingConnection:
    edges: list[ToestemmingEdge]
    nodes: list[Toestemming]
    pageInfo: PageInfo


@strawberry.type
class VerwerkingEdge:
    cursor: str
    node: Verwerking


@strawberry.type(description="A page of the reads of the citizen's data, the newest first.")
class VerwerkingConnection:
    edges: list[VerwerkingEdge]
    nodes: list[Verwerking]
    pageInfo: PageInfo


def citizen(info: Info) -> str:
    """The signed-in citizen's BSN, or an error for an app's token."""
    caller = info.context.caller
    if not caller.citizen:
        raise CallerNotAllowed(
            "this is a citizen's own operation; an app's token is never accepted for it",
            suggestion="sign in as the citizen (DigiD; here `bron token citizen <bsn>`)",
        )
    return caller.subject


async def _persoon_id(info: Info) -> str | None:
    return await info.context.loaders.persoon_ids.load(citizen(info))


async def _known(info: Info) -> str:
    persoon_id = await _persoon_id(info)
    if persoon_id is None:
        raise CitizenUnknown("the signed-in citizen is not in the BRP's projection",
                             suggestion="ask the municipality")  # fmt: skip
    return persoon_id


def _register(context: RequestContext) -> ConsentRegister:
    if context.services.register is None:
        raise RegisterUnavailable("the gateway has no consent register configured")
    return context.services.register


def _selections(info: Info) -> list[Selection]:
    return [s for f in info.selected_fields for s in f.selections]


def _log(info: Info, actie: str, persoon_id: str, fields: Sequence[str]) -> None:
    info.context.reads.append(Read(actie, EIGEN_GEGEVENS, persoon_id, tuple(sorted(fields))))


# -- mijnGegevens ---------------------------------------------------------------------------


async def mijn_gegevens(info: Info) -> Persoon | None:
    """The citizen's own person document, with address, verblijfsobject and WOZ objects."""
    asked = requested(_selections(info))
    persoon_id = await _persoon_id(info)
    if persoon_id is None:
        return None
    reader = info.context.loaders.reader
    state = (await asyncio.to_thread(reader.entities, "persoon", [persoon_id])).get(persoon_id)
    if state is None:
        return None
    document = await own_document(info.context, state)
    _log(info, "eigen gegevens inzien", persoon_id, read_paths(asked))
    return cast(Persoon, document)


async def own_document(context: RequestContext, state: Document) -> Document:
    """The person as `bron.views.persoon` renders them, with their partners, parents and
    children, and their address, verblijfsobject and WOZ objects (as a view would hold them)."""
    reader = context.loaders.reader
    persoon_id = str(state["persoonId"])
    related_ids = _related_ids(state)
    children = await asyncio.to_thread(reader.find, "persoon", "ouder", [persoon_id])
    child_ids = children.get(persoon_id, [])
    others = await asyncio.to_thread(reader.entities, "persoon", related_ids | set(child_ids))
    related = {i: others[i] for i in related_ids if i in others}
    kinderen = sorted(
        (others[c] for c in child_ids if c in others),
        key=lambda k: ((k.get("geboorte") or {}).get("datum") or "9999", k["persoonId"]),
    )
    document: Document = render(state, datetime.date.today(), related, kinderen)
    plaats = state.get("verblijfplaats") or {}
    na_id, vbo_id = (
        plaats.get("nummeraanduidingIdentificatie"),
        plaats.get("adresseerbaarObjectIdentificatie"),
    )
    adres = await context.loaders.adressen.load(na_id) if na_id else None
    vbo = None
    woz_ids = set(
        (await asyncio.to_thread(reader.find, "woz_object", "belanghebbende", [persoon_id]))
        .get(persoon_id, [])
    )  # fmt: skip
    if vbo_id:
        vbo = (await asyncio.to_thread(reader.entities, "verblijfsobject", [vbo_id])).get(vbo_id)
        by_vbo = await asyncio.to_thread(reader.find, "woz_object", "verblijfsobject", [vbo_id])
        woz_ids |= set(by_vbo.get(vbo_id, []))
    woz = await asyncio.to_thread(reader.entities, "woz_object", woz_ids) if woz_ids else {}
    return {
        **document,
        "adres": adres,
        "verblijfsobject": compose.verblijfsobject(vbo) if vbo else None,
        "wozObjecten": [compose.woz_object(woz[k]) for k in sorted(woz)],
    }


# -- consents -------------------------------------------------------------------------------


def _consent(context: RequestContext, consent: Document) -> Toestemming:
    app = context.policy.app_by_id.get(str(consent.get("appId")))
    doel = context.policy.doel_by_id.get(str(consent.get("doelId")))
    return cast(Toestemming, {
        **consent,
        "app": app.naam if app else None,
        "doel": doel.naam if doel else None,
    })  # fmt: skip


def _consent_fields(info: Info, connection: bool) -> list[str]:
    selections = _selections(info)
    return read_paths(requested_of("toestemming", nodes_of(selections) if connection
                                   else selections))  # fmt: skip


async def mijn_toestemmingen(
    info: Info, first: int | None = None, after: str | None = None
) -> ToestemmingConnection:
    asked_page = page(first, after)
    persoon_id = await _known(info)
    consents = await _register(info.context).of_person(persoon_id)
    consents.sort(key=lambda c: (str(c.get("verleendOp")), str(c.get("toestemmingId"))),
                  reverse=True)  # fmt: skip
    shown = consents[asked_page.offset : asked_page.offset + asked_page.first]
    _log(info, "eigen toestemmingen inzien", persoon_id, _consent_fields(info, True))
    nodes = [_consent(info.context, c) for c in shown]
    edges = [ToestemmingEdge(cursor=cursor(asked_page.offset + n), node=node)
             for n, node in enumerate(nodes)]  # fmt: skip
    more = len(consents) > asked_page.offset + asked_page.first
    return ToestemmingConnection(edges=edges, nodes=nodes, pageInfo=_info(edges, asked_page.offset,
                                                                          more))  # fmt: skip


async def verleen_toestemming(
    info: Info, appId: str, doelId: str, geldigTot: str | None = None
) -> Toestemming:
    persoon_id = await _known(info)
    consent = await _register(info.context).grant(persoon_id, appId, doelId, geldigTot)
    _log(info, "toestemming verlenen", persoon_id, _consent_fields(info, False))
    return _consent(info.context, consent)


async def trek_toestemming_in(info: Info, toestemmingId: str) -> Toestemming:
    citizen(info)
    try:
        asked = str(uuid.UUID(toestemmingId))
    except ValueError:
        raise InvalidArgument("a toestemmingId is a UUID",
                              suggestion="use one from mijnToestemmingen") from None  # fmt: skip
    persoon_id = await _known(info)
    consent = await _register(info.context).revoke(persoon_id, asked)
    _log(info, "toestemming intrekken", persoon_id, _consent_fields(info, False))
    return _consent(info.context, consent)


# -- mijnVerwerkingen -----------------------------------------------------------------------


def _verwerking(context: RequestContext, record: Document, pseudonym: str) -> Verwerking:
    app = context.policy.app_by_id.get(str(record.get("appId")))
    doel = context.policy.doel_by_id.get(str(record.get("doelId")))
    gegevens = sorted({g for o in record.get("verwerkteObjecten") or []
                       if o.get("identificator") == pseudonym
                       for g in o.get("verwerkteSoortenGegevens") or []})  # fmt: skip
    return cast(Verwerking, {
        "verwerkingId": str(record["verwerkingId"]),
        "tijdstip": str(record["tijdstip"]),
        "actie": record["actie"],
        "doelId": record["doelId"],
        "doel": doel.naam if doel else (EIGEN_GEGEVENS.naam
                                        if record["doelId"] == EIGEN_GEGEVENS.id else None),
        "grondslag": record["grondslag"],
        "organisatie": record.get("afnemer") or record["uitvoerder"],
        "appId": record.get("appId"),
        "app": app.naam if app else None,
        "gegevens": gegevens,
    })  # fmt: skip


async def mijn_verwerkingen(
    info: Info, first: int | None = None, after: str | None = None
) -> VerwerkingConnection:
    asked_page = page(first, after)
    persoon_id = await _known(info)
    context = info.context
    pseudonym = context.services.pseudonym(persoon_id)
    found = await asyncio.to_thread(
        context.loaders.reader.verwerkingen, pseudonym, offset=asked_page.offset,
        limit=asked_page.fetch, hidden=HIDDEN,
    )  # fmt: skip
    fields = read_paths(requested_of("verwerking", nodes_of(_selections(info))))
    _log(info, "eigen verwerkingen inzien", persoon_id, fields)
    nodes = [_verwerking(context, r, pseudonym) for r in found[: asked_page.first]]
    edges = [VerwerkingEdge(cursor=cursor(asked_page.offset + n), node=node)
             for n, node in enumerate(nodes)]  # fmt: skip
    more = len(found) > asked_page.first
    return VerwerkingConnection(edges=edges, nodes=nodes,
                                pageInfo=_info(edges, asked_page.offset, more))  # fmt: skip


def _info(edges: Sequence[ToestemmingEdge | VerwerkingEdge], offset: int, more: bool) -> PageInfo:
    return PageInfo(
        hasNextPage=more,
        hasPreviousPage=offset > 0,
        startCursor=edges[0].cursor if edges else None,
        endCursor=edges[-1].cursor if edges else None,
    )
