"""Deciding a command: the events it causes, or the `Rejection` of the first rule it breaks."""

from __future__ import annotations

from datetime import date
from typing import Any

from bron.registry.rejection import Rejection
from services.woz.commands import (
    BelanghebbendeWijzigen,
    BezwaarAfhandelen,
    BezwaarIndienen,
    Command,
    WaardeVaststellen,
    WozObjectAanmaken,
    WozObjectGegevens,
)
from services.woz.rules import check_gegevens, check_nummer, check_persoon_id, not_after, positive
from services.woz.state import OBJECT_FIELDS, Belanghebbende, WozObject
from services.woz.types import (
    AANGEMAAKT,
    BELANGHEBBENDE_GEWIJZIGD,
    BEZWAAR_AFGEHANDELD,
    BEZWAAR_INGEDIEND,
    GEWIJZIGD,
    WAARDE_VASTGESTELD,
    Events,
    Refs,
)

NEW_VALUE = frozenset({"gegrond", "deels_gegrond"})


def decide(command: Command, state: WozObject | None, refs: Refs) -> Events:
    check_nummer(command.wozObjectnummer)
    if isinstance(command, WozObjectAanmaken):
        if state is not None:
            raise Rejection("wozObjectnummer", "bestaat-al", f"{command.wozObjectnummer} exists")
        return _object(command, None, refs)
    if state is None:
        raise Rejection("wozObjectnummer", "onbekend", f"no WOZ-object {command.wozObjectnummer}")
    if isinstance(command, WozObjectGegevens):
        return _object(command, state, refs)
    if isinstance(command, WaardeVaststellen):
        return _waarde(command, state)
    if isinstance(command, BelanghebbendeWijzigen):
        return _belanghebbende(command, state)
    if isinstance(command, BezwaarIndienen):
        return _bezwaar(command, state)
    return _afhandeling(command, state)


def _object(command: WozObjectGegevens, state: WozObject | None, refs: Refs) -> Events:
    check_gegevens(command)
    known = set(state.verblijfsobjectIdentificaties) if state else set()
    for index, identificatie in enumerate(command.verblijfsobjectIdentificaties):
        if identificatie not in known and not refs.verblijfsobject_exists(identificatie):
            raise Rejection(f"verblijfsobjectIdentificaties.{index}", "verblijfsobject-onbekend",
                            f"the BAG has no verblijfsobject {identificatie}")  # fmt: skip
    data: dict[str, Any] = {name: getattr(command, name) for name in OBJECT_FIELDS}
    data["verblijfsobjectIdentificaties"] = list(command.verblijfsobjectIdentificaties)
    if state is None:
        return [(AANGEMAAKT, data)]
    same = all(
        getattr(state, n) == getattr(command, n)
        for n in OBJECT_FIELDS
        if n != "tijdstipRegistratie"
    )
    return [] if same else [(GEWIJZIGD, data)]


def _waarde(command: WaardeVaststellen, state: WozObject) -> Events:
    today = command.tijdstipRegistratie.date()
    positive("vastgesteldeWaarde", command.vastgesteldeWaarde)
    not_after("waardepeildatum", command.waardepeildatum, today)
    not_after("toestandspeildatum", command.toestandspeildatum, today)
    if command.waardepeildatum != date(command.belastingjaar - 1, 1, 1):
        raise Rejection("waardepeildatum", "waardepeildatum-belastingjaar",
                        f"the waardepeildatum of {command.belastingjaar} is 1 January "
                        f"{command.belastingjaar - 1}")  # fmt: skip
    if any(w.waardepeildatum == command.waardepeildatum for w in state.waarden):
        raise Rejection("waardepeildatum", "waarde-al-vastgesteld",
                        f"a value for {command.waardepeildatum} exists; only a bezwaar "
                        "changes it")  # fmt: skip
    return [(WAARDE_VASTGESTELD, {
        "wozObjectnummer": command.wozObjectnummer,
        "vastgesteldeWaarde": command.vastgesteldeWaarde,
        "waardepeildatum": command.waardepeildatum,
        "toestandspeildatum": command.toestandspeildatum,
        "belastingjaar": command.belastingjaar,
        "tijdstipRegistratie": command.tijdstipRegistratie,
    })]  # fmt: skip


def _belanghebbende(command: BelanghebbendeWijzigen, state: WozObject) -> Events:
    check_persoon_id("persoonId", command.persoonId)
    not_after("ingangsdatum", command.ingangsdatum, command.tijdstipRegistratie.date())
    if command.einddatum is not None and command.einddatum < command.ingangsdatum:
        raise Rejection("einddatum", "einddatum-voor-ingangsdatum",
                        f"{command.einddatum} is before {command.ingangsdatum}")  # fmt: skip
    new = Belanghebbende(
        persoonId=command.persoonId,
        soort=command.soort,
        ingangsdatum=command.ingangsdatum,
        einddatum=command.einddatum,
    )
    if new in state.belanghebbenden:
        return []
    data = {"wozObjectnummer": command.wozObjectnummer, "persoonId": command.persoonId,
            "soort": command.soort, "ingangsdatum": command.ingangsdatum,
            "einddatum": command.einddatum}  # fmt: skip
    return [(BELANGHEBBENDE_GEWIJZIGD, data)]


def _bezwaar(command: BezwaarIndienen, state: WozObject) -> Events:
    check_persoon_id("persoonId", command.persoonId)
    positive("gewensteWaarde", command.gewensteWaarde)
    not_after("datumOntvangst", command.datumOntvangst, command.tijdstipRegistratie.date())
    if state.bezwaar(command.bezwaarnummer) is not None:
        raise Rejection("bezwaarnummer", "bezwaar-bestaat-al", f"{command.bezwaarnummer} exists")
    waarde = state.waarde(command.belastingjaar)
    if waarde is None:
        raise Rejection("belastingjaar", "waarde-onbekend",
                        f"no value was set for {command.belastingjaar}")  # fmt: skip
    return [(BEZWAAR_INGEDIEND, {
        "wozObjectnummer": command.wozObjectnummer,
        "bezwaarnummer": command.bezwaarnummer,
        "persoonId": command.persoonId,
        "belastingjaar": command.belastingjaar,
        "bestredenWaarde": waarde.vastgesteldeWaarde,
        "gewensteWaarde": command.gewensteWaarde,
        "datumOntvangst": command.datumOntvangst,
    })]  # fmt: skip


def _afhandeling(command: BezwaarAfhandelen, state: WozObject) -> Events:
    bezwaar = state.bezwaar(command.bezwaarnummer)
    if bezwaar is None:
        raise Rejection("bezwaarnummer", "bezwaar-onbekend", f"no bezwaar {command.bezwaarnummer}")
    if bezwaar.uitkomst is not None:
        raise Rejection("bezwaarnummer", "bezwaar-al-afgehandeld",
                        f"decided before: {bezwaar.uitkomst}")  # fmt: skip
    not_after("datumUitspraak", command.datumUitspraak, command.tijdstipRegistratie.date())
    if command.datumUitspraak < bezwaar.datumOntvangst:
        raise Rejection("datumUitspraak", "uitspraak-voor-ontvangst",
                        f"the bezwaar was received on {bezwaar.datumOntvangst}")  # fmt: skip
    if command.uitkomst in NEW_VALUE and command.nieuweWaarde is None:
        raise Rejection("nieuweWaarde", "verplicht", f"{command.uitkomst} sets a new value")
    if command.uitkomst not in NEW_VALUE and command.nieuweWaarde is not None:
        raise Rejection("nieuweWaarde", "niet-toegestaan", f"{command.uitkomst} keeps the value")
    positive("nieuweWaarde", command.nieuweWaarde)
    events: Events = [(BEZWAAR_AFGEHANDELD, {
        "wozObjectnummer": command.wozObjectnummer,
        "bezwaarnummer": command.bezwaarnummer,
        "uitkomst": command.uitkomst,
        "nieuweWaarde": command.nieuweWaarde,
        "datumUitspraak": command.datumUitspraak,
    })]  # fmt: skip
    waarde = state.waarde(bezwaar.belastingjaar)
    if command.nieuweWaarde is not None and waarde is not None:
        events.append((WAARDE_VASTGESTELD, {
            "wozObjectnummer": command.wozObjectnummer,
            "vastgesteldeWaarde": command.nieuweWaarde,
            "waardepeildatum": waarde.waardepeildatum,
            "toestandspeildatum": waarde.toestandspeildatum,
            "belastingjaar": waarde.belastingjaar,
            "tijdstipRegistratie": command.tijdstipRegistratie,
        }))  # fmt: skip
    return events
