"""The checks on a command's own data, each a `Rejection` naming field and rule id."""

from __future__ import annotations

import re
from datetime import date

from bron.registry.rejection import Rejection
from services.woz.commands import WozObjectGegevens

WOZ_OBJECTNUMMER = re.compile(r"^[0-9]{12}$")
GEMEENTECODE = re.compile(r"^[0-9]{4}$")
SOORT_OBJECTCODE = re.compile(r"^[0-9]{4}$")
VERBLIJFSOBJECT = re.compile(r"^[0-9]{4}01[0-9]{10}$")
PERSOON_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def check_nummer(nummer: str) -> None:
    if not WOZ_OBJECTNUMMER.match(nummer):
        raise Rejection("wozObjectnummer", "wozobjectnummer-formaat",
                        "12 digits: 4 of the gemeentecode, 8 of a volgnummer")  # fmt: skip


def check_gegevens(command: WozObjectGegevens) -> None:
    if not GEMEENTECODE.match(command.gemeentecode):
        raise Rejection("gemeentecode", "gemeentecode-formaat", "4 digits, e.g. 0363")
    if not SOORT_OBJECTCODE.match(command.soortObjectcode):
        raise Rejection("soortObjectcode", "soortobjectcode-formaat", "4 digits, e.g. 1010")
    if command.grondoppervlakte is not None and command.grondoppervlakte < 0:
        raise Rejection("grondoppervlakte", "oppervlakte-negatief", "square meters, 0 or more")
    not_after("ingangsdatum", command.ingangsdatum, command.tijdstipRegistratie.date())
    seen: set[str] = set()
    for index, identificatie in enumerate(command.verblijfsobjectIdentificaties):
        field = f"verblijfsobjectIdentificaties.{index}"
        if not VERBLIJFSOBJECT.match(identificatie):
            raise Rejection(field, "verblijfsobject-formaat", "16 digits, type 01")
        if identificatie in seen:
            raise Rejection(field, "verblijfsobject-dubbel", f"{identificatie} is named twice")
        seen.add(identificatie)


def positive(field: str, value: int | None) -> None:
    if value is not None and value <= 0:
        raise Rejection(field, "waarde-niet-positief", "a value in whole euros, above 0")


def not_after(field: str, value: date, today: date) -> None:
    if value > today:
        raise Rejection(field, "datum-in-toekomst", f"{value} is after {today}")


def check_persoon_id(field: str, persoon_id: str | None) -> None:
    if persoon_id is not None and not PERSOON_ID.match(persoon_id):
        raise Rejection(field, "persoonid-formaat", "a persoonId (lowercase UUID), never a BSN")
