"""Address parts of a nummeraanduiding, and the key the store looks addresses up by."""

from __future__ import annotations

import re

from bron.registry.rejection import Rejection

_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")
_HUISLETTER = re.compile(r"[A-Za-z]")
_TOEVOEGING = re.compile(r"[A-Za-z0-9]{1,4}")


def check_postcode(field: str, value: str) -> None:
    if not _POSTCODE.fullmatch(value):
        raise Rejection(
            field, "postcode-format", "a postcode is 4 digits (not from 0) and 2 capitals"
        )


def check_huisnummer(field: str, value: int) -> None:
    if not 1 <= value <= 99999:
        raise Rejection(field, "huisnummer-range", "a huisnummer is 1 to 99999")


def check_huisletter(field: str, value: str) -> None:
    if not _HUISLETTER.fullmatch(value):
        raise Rejection(field, "huisletter-format", "a huisletter is one letter A-Z or a-z")


def check_toevoeging(field: str, value: str) -> None:
    if not _TOEVOEGING.fullmatch(value):
        raise Rejection(field, "toevoeging-format", "a toevoeging is 1 to 4 letters or digits")


def address_key(
    postcode: str, huisnummer: int, huisletter: str | None = None, toevoeging: str | None = None
) -> str:
    """`1234AB-12-A-1`; parts left out stay empty (`1234AB-12--`), so `1234AB-12-` is a prefix of
    every address at that number and of no other."""
    parts = (postcode, str(huisnummer), huisletter or "", toevoeging or "")
    return "-".join("".join(part.split()).upper() for part in parts)
