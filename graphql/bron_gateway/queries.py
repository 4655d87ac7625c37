"""The searches and the BAG and WOZ lookups: `zoekPersonen`, `bewoners`, `adres`, `wozObject`.

Each is authorised like `persoon` (`bron_gateway.resolve.allowed`) before any read. A search
is itself a read of the fields it compares, so the purpose must allow them: by name and birth
date `naam.geslachtsnaam` and `geboorte.datum`, by address (and `bewoners`) `adres.postcode`
and `adres.huisnummer`; they are logged with the fields returned. Persons come only from the
purpose's views, a page at a time; addresses and WOZ objects only in the purpose's
municipalities (null outside them, as for an unknown one)."""

from __future__ import annotations

import asyncio
import datetime
import re
from typing import Any, cast

from bron.policy import Doel
from bron.registry.fields import project
from bron_gateway.connection import PersoonConnection, connection, page
from bron_gateway.errors import InvalidArgument
from bron_gateway.objecten_types import WozObject
from bron_gateway.persoon_types import Adres
from bron_gateway.resolve import Info, allowed, persons
from bron_gateway.selection import Requested, nodes_of, read_paths, requested, requested_of
from bron_gateway.verwerkingslog import Read
from streams import compose
from streams.index import address_key, name_key

POSTCODE = re.compile(r"^[1-9][0-9]{3}[A-Z]{2}$")
BY_NAME: Requested = {"persoon": ["geboorte.datum", "naam.geslachtsnaam"]}
BY_ADDRESS: Requested = {"adres": ["huisnummer", "postcode"]}


def _postcode(value: str) -> str:
    normal = value.replace(" ", "").upper()
    if not POSTCODE.match(normal):
        raise InvalidArgument(f"{value!r} is not a postcode", suggestion="use 1234AB")
    return normal


def _huisnummer(value: int) -> int:
    if not 1 <= value <= 99999:
        raise InvalidArgument("a huisnummer is 1 to 99999", suggestion="check the huisnummer")
    return value


def _date(value: str) -> str:
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        raise InvalidArgument(f"{value!r} is not a date", suggestion="use YYYY-MM-DD") from None


def _nummeraanduiding(value: str) -> str:
    if not re.fullmatch(r"\d{16}", value):
        raise InvalidArgument(
            "an address id is a nummeraanduiding's 16 digits",
            suggestion="use verblijfplaats.nummeraanduidingIdentificatie",
        )
    return value


def _address(where: dict[str, str | int | None]) -> tuple[str, str]:
    return "postcode-huisnummer", address_key(str(where["postcode"]), int(where["huisnummer"] or 0))


def _gemeenten(info: Info, goal: Doel) -> tuple[str, ...]:
    """Where the app works for the purpose: the purpose's municipalities that enabled it."""
    app = info.context.app
    return app.gemeenten_of(goal) if app is not None else goal.gemeenten


def _in_gemeenten(info: Info, goal: Doel, bag_id: str) -> bool:
    """A BAG id starts with the code of the municipality that issued it."""
    return bag_id[:4] in _gemeenten(info, goal)


async def zoek_personen(
    info: Info,
    doel: str,
    geslachtsnaam: str | None = None,
    geboortedatum: str | None = None,
    postcode: str | None = None,
    huisnummer: int | None = None,
    huisletter: str | None = None,
    huisnummertoevoeging: str | None = None,
    first: int | None = None,
    after: str | None = None,
) -> PersoonConnection:
    by_name = geslachtsnaam is not None or geboortedatum is not None
    by_address = postcode is not None or huisnummer is not None
    if by_name == by_address:
        raise InvalidArgument(
            "search by geslachtsnaam and geboortedatum, or by postcode and huisnummer",
            suggestion="give one of the two pairs",
        )
    criteria = BY_NAME if by_name else BY_ADDRESS
    goal, asked = allowed(info, doel, lambda s: requested(nodes_of(s)), criteria)
    asked_page = page(first, after)
    context = info.context
    reader, app_id = context.loaders.reader, context.loaders.app_id
    if by_name:
        if not geslachtsnaam or geboortedatum is None:
            raise InvalidArgument("give both geslachtsnaam and geboortedatum")
        fields = {"naam.geslachtsnaam": geslachtsnaam.strip(),
                  "geboorte.datum": _date(geboortedatum)}  # fmt: skip
        ids = await asyncio.to_thread(
            reader.search_in_scope, app_id, goal.id, fields, ignore_case={"naam.geslachtsnaam"},
            offset=asked_page.offset, limit=asked_page.fetch,
            indexed=("naam-geboorte", name_key(geslachtsnaam, str(fields["geboorte.datum"]))),
        )  # fmt: skip
    else:
        if postcode is None or huisnummer is None:
            raise InvalidArgument("give both postcode and huisnummer")
        where: dict[str, str | int | None] = {
            "postcode": _postcode(postcode),
            "huisnummer": _huisnummer(huisnummer),
        }
        if huisletter is not None:
            where["huisletter"] = huisletter
        if huisnummertoevoeging is not None:
            where["huisnummertoevoeging"] = huisnummertoevoeging
        adressen = await asyncio.to_thread(reader.matching, "nummeraanduiding", where,
                                           indexed=_address(where))  # fmt: skip
        ids = await asyncio.to_thread(
            reader.indexed_in_scope, app_id, goal.id, "nummeraanduiding", adressen,
            offset=asked_page.offset, limit=asked_page.fetch,
        )  # fmt: skip
    found = await persons(context, goal, asked, "personen zoeken", ids[: asked_page.first],
                          criteria)  # fmt: skip
    return connection(found, asked_page, more=len(ids) > asked_page.first)


async def bewoners(
    info: Info, doel: str, adres: str, first: int | None = None, after: str | None = None
) -> PersoonConnection:
    goal, asked = allowed(info, doel, lambda s: requested(nodes_of(s)), BY_ADDRESS)
    asked_page = page(first, after)
    _nummeraanduiding(adres)
    context = info.context
    ids = await asyncio.to_thread(
        context.loaders.reader.indexed_in_scope, context.loaders.app_id, goal.id,
        "nummeraanduiding", [adres], offset=asked_page.offset, limit=asked_page.fetch,
    )  # fmt: skip
    found = await persons(context, goal, asked, "bewoners opvragen", ids[: asked_page.first],
                          BY_ADDRESS)  # fmt: skip
    return connection(found, asked_page, more=len(ids) > asked_page.first)


async def adres(
    info: Info,
    doel: str,
    id: str | None = None,
    postcode: str | None = None,
    huisnummer: int | None = None,
    huisletter: str | None = None,
    huisnummertoevoeging: str | None = None,
) -> Adres | None:
    goal, _asked = allowed(info, doel, lambda s: requested_of("adres", s))
    context = info.context
    if (id is None) == (postcode is None and huisnummer is None):
        raise InvalidArgument("give the address id, or postcode and huisnummer",
                              suggestion="one of the two")  # fmt: skip
    if id is None:
        if postcode is None or huisnummer is None:
            raise InvalidArgument("give both postcode and huisnummer")
        where: dict[str, str | int | None] = {
            "postcode": _postcode(postcode),
            "huisnummer": _huisnummer(huisnummer),
            "huisletter": huisletter,
            "huisnummertoevoeging": huisnummertoevoeging,
        }
        ids = await asyncio.to_thread(context.loaders.reader.matching, "nummeraanduiding", where,
                                      2, _address(where))  # fmt: skip
        if len(ids) != 1:
            return None
        id = ids[0]
    if not _in_gemeenten(info, goal, _nummeraanduiding(id)):
        return None  # as for an unknown address; BAG data is public, so nothing is read
    found = await context.loaders.adressen.load(id)
    if found is None:
        return None
    return cast(Adres, project(found, list(goal.velden.get("adres", ()))))


async def woz_object(
    info: Info, doel: str, wozObjectnummer: str | None = None, adres: str | None = None
) -> WozObject | None:
    goal, asked = allowed(info, doel, lambda s: requested_of("wozObject", s))
    context = info.context
    if (wozObjectnummer is None) == (adres is None):
        raise InvalidArgument("give the wozObjectnummer or the address id",
                              suggestion="one of the two")  # fmt: skip
    if adres is not None:
        nummers = await context.loaders.woz_of_adres.load(_nummeraanduiding(adres))
        if not nummers:
            return None
        wozObjectnummer = nummers[0]  # the WOZ keeps a verblijfsobject in one object
    state: dict[str, Any] | None = await context.loaders.woz.load(str(wozObjectnummer))
    if state is None or state.get("gemeentecode") not in _gemeenten(info, goal):
        return None
    # The value of a home is personal data of those with an interest in it: logged for each.
    fields = tuple(read_paths(asked))
    betrokkenen = {b["persoonId"] for b in state.get("belanghebbenden") or []}
    betrokkenen |= {b["persoonId"] for b in state.get("bezwaren") or [] if b.get("persoonId")}
    for persoon_id in sorted(betrokkenen):
        context.reads.append(Read("wozObject opvragen", goal, persoon_id, fields))
    found = project(compose.woz_object(state), list(goal.velden.get("wozObject", ())))
    return cast(WozObject, found)
