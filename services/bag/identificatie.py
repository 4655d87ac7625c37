"""BAG identificaties: a 4-digit woonplaatscode, or 16 digits (gemeentecode, objecttype, number)."""

from __future__ import annotations

import re

from bron.registry.rejection import Rejection
from services.bag.types import Objecttype

TYPECODES: dict[Objecttype, str] = {
    "verblijfsobject": "01",
    "pand": "10",
    "nummeraanduiding": "20",
    "openbare-ruimte": "30",
}
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_FOUR_DIGITS = re.compile(r"[0-9]{4}")


def event_type(objecttype: Objecttype, verb: str) -> str:
    return f"nl.bag.{objecttype}-{verb}.v1"


def check_woonplaatscode(field: str, value: str) -> None:
    if not _FOUR_DIGITS.fullmatch(value) or value == "0000":
        raise Rejection(field, "identificatie-format", "a woonplaatscode is 4 digits, 0001-9999")


def check_identificatie(field: str, value: str, objecttype: Objecttype) -> None:
    if objecttype == "woonplaats":
        check_woonplaatscode(field, value)
        return
    if not _SIXTEEN_DIGITS.fullmatch(value):
        raise Rejection(
            field,
            "identificatie-format",
            "a BAG identificatie is 16 digits: gemeentecode, objecttype, number",
        )
    code = TYPECODES[objecttype]
    if value[4:6] != code:
        raise Rejection(
            field,
            "identificatie-type",
            f"digits 5-6 name the objecttype: {code} for a {objecttype}, not {value[4:6]}",
        )


def check_gemeente(field: str, identificatie: str, gemeentecode: str | None) -> None:
    """The gemeente acting (where the request names one) must be the object's bronhouder."""
    if gemeentecode is None:
        return
    if not _FOUR_DIGITS.fullmatch(gemeentecode):
        raise Rejection("gemeentecode", "gemeentecode-format", "a gemeentecode is 4 digits")
    if identificatie[:4] != gemeentecode:
        raise Rejection(
            field,
            "identificatie-gemeente",
            f"the identificatie belongs to gemeente {identificatie[:4]}, not {gemeentecode}",
        )
