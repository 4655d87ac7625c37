"""What each entity is looked up by (pure): the store's index rows, the joins of the
projections (address → residents, WOZ object ↔ address and belanghebbenden, parent → children)
and the gateway's lookups (BSN → persoonId, a citizen's pseudonym → their processing-log
records, `zoekPersonen` by surname and birth date or by postcode and huisnummer), and the
workers' daily sweep (`verjaardag`: whose age changes today). Values are ids, except those
search keys and the birthday; the store is as personal as the states it holds."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from typing import Any

Index = frozenset[tuple[str, str]]
VALUE_LENGTH = 200  # the longest index value the store takes


def index_of(kind: str, state: dict[str, Any]) -> Index:
    rows: set[tuple[str, str]] = set()
    if kind == "persoon":
        rows.add(("bsn", state["burgerservicenummer"]))
        rows.add(("gemeente", state["gemeenteVanInschrijving"]))
        plaats = state.get("verblijfplaats") or {}
        if plaats.get("nummeraanduidingIdentificatie"):
            rows.add(("nummeraanduiding", plaats["nummeraanduidingIdentificatie"]))
        if plaats.get("adresseerbaarObjectIdentificatie"):
            rows.add(("verblijfsobject", plaats["adresseerbaarObjectIdentificatie"]))
        naam = (state.get("naam") or {}).get("geslachtsnaam")
        datum = (state.get("geboorte") or {}).get("datum")
        if naam and datum:
            rows.add(("naam-geboorte", name_key(naam, datum)))
        if datum and len(datum) == 10:  # a full date: the age changes on this day each year
            rows.add(("verjaardag", datum[5:]))
        rows |= {("ouder", o["persoonId"]) for o in state.get("ouders", []) if o.get("persoonId")}
        rows |= {("partner", p["partner"]["persoonId"]) for p in state.get("partnerschappen", [])
                 if (p.get("partner") or {}).get("persoonId")}  # fmt: skip
    elif kind == "verblijfsobject":
        if state.get("heeftAlsHoofdadres"):
            rows.add(("adres", state["heeftAlsHoofdadres"]))
        rows |= {("adres", n) for n in state.get("heeftAlsNevenadres") or []}
    elif kind == "nummeraanduiding":
        if state.get("postcode") and state.get("huisnummer") is not None:
            rows.add(("postcode-huisnummer", address_key(state["postcode"], state["huisnummer"])))
        if state.get("ligtAan"):
            rows.add(("openbare_ruimte", state["ligtAan"]))
        if state.get("ligtIn"):
            rows.add(("woonplaats", state["ligtIn"]))
    elif kind == "openbare_ruimte":
        if state.get("ligtIn"):
            rows.add(("woonplaats", state["ligtIn"]))
    elif kind == "woz_object":
        rows |= {("verblijfsobject", v) for v in state.get("verblijfsobjectIdentificaties") or []}
        rows |= {("belanghebbende", b["persoonId"]) for b in state.get("belanghebbenden", [])}
    elif kind == "toestemming":
        rows.add(("persoon", state["persoonId"]))
        if state.get("status") == "verleend":
            rows.add(("actief", active_key(state["persoonId"], state["appId"], state["doelId"])))
            rows.add(("doel", f"{state['appId']}|{state['doelId']}"))
            if state.get("geldigTot"):
                rows.add(("verloopt", moment(state["geldigTot"])))
    elif kind == "verwerking":
        # the citizens it is about, by pseudonym: `mijnVerwerkingen` reads them by it
        rows |= {("betrokkene", o["identificator"]) for o in state.get("verwerkteObjecten") or []
                 if o.get("identificator")}  # fmt: skip
    return frozenset(rows)


def name_key(geslachtsnaam: str, geboortedatum: str) -> str:
    """`zoekPersonen` by name: the surname without case (and cut to fit the index column), and
    the ISO birth date."""
    return f"{geboortedatum}|{geslachtsnaam.strip().casefold()}"[:VALUE_LENGTH]


def address_key(postcode: str, huisnummer: int | str) -> str:
    """`zoekPersonen` and `adres` by postcode and huisnummer (1011AB, 12)."""
    return f"{postcode.replace(' ', '').upper()}|{int(huisnummer)}"


def birthdays(day: date) -> list[str]:
    """The `verjaardag` index values of the persons whose age changes on `day` (MM-DD): in a
    year without 29 February, those born on it on 1 March (`bron.views.persoon.leeftijd`)."""
    keys = [day.strftime("%m-%d")]
    if day.month == 3 and day.day == 1 and not calendar.isleap(day.year):
        keys.append("02-29")
    return keys


def active_key(persoon_id: str, app_id: str, doel_id: str) -> str:
    return f"{persoon_id}|{app_id}|{doel_id}"


def moment(value: str | datetime) -> str:
    """A UTC timestamp in one fixed format, so that index values compare as strings."""
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat(timespec="microseconds")
