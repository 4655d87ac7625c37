"""The field checks `decide` shares: each returns quietly or raises a `Rejection`."""

from __future__ import annotations

import datetime
import re
import uuid

from services.brp.bsn import is_valid_a_nummer, is_valid_bsn
from services.brp.ports import AddressLookup
from services.brp.rejections import Rejection, Rule
from services.brp.values import Naam
from services.brp.verblijfplaats import Verblijfplaats

_POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")
_FOUR_DIGITS = re.compile(r"[0-9]{4}")
_BAG_ID = re.compile(r"[0-9]{4}(?P<type>[0-9]{2})[0-9]{10}")


def persoon_id(field: str, value: str) -> None:
    try:
        uuid.UUID(value)
    except ValueError:
        raise Rejection(field, Rule.uuid_formaat, f"{value!r} is not a UUID") from None


def bsn(field: str, value: str) -> None:
    if not is_valid_bsn(value):
        raise Rejection(field, Rule.bsn_elfproef, "not 9 digits that pass the 11-proef")


def a_nummer(field: str, value: str | None) -> None:
    if value is not None and not is_valid_a_nummer(value):
        raise Rejection(field, Rule.a_nummer_formaat, "not a valid 10-digit A-nummer")


def gemeentecode(field: str, value: str) -> None:
    if not _FOUR_DIGITS.fullmatch(value):
        raise Rejection(field, Rule.gemeentecode_formaat, "a gemeentecode has 4 digits")


def not_after(field: str, value: datetime.date | None, today: datetime.date) -> None:
    if value is not None and value > today:
        raise Rejection(field, Rule.datum_in_toekomst, f"{value} is after today ({today})")


def not_before_birth(field: str, value: datetime.date | None, birth: datetime.date | None) -> None:
    if value is not None and birth is not None and value < birth:
        raise Rejection(field, Rule.datum_voor_geboorte, f"{value} is before the birth ({birth})")


def geheimhouding(field: str, value: int) -> None:
    if not 0 <= value <= 7:
        raise Rejection(field, Rule.geheimhouding_bereik, "must be 0 up to and including 7")


def naam(field: str, value: Naam) -> None:
    if not value.geslachtsnaam.strip():
        raise Rejection(f"{field}.geslachtsnaam", Rule.verplicht, "a geslachtsnaam is required")


def verblijfplaats(
    field: str, value: Verblijfplaats, today: datetime.date, addresses: AddressLookup
) -> None:
    """Format first, then the BAG: an adres needs both ids, a locatie its description."""
    adres = value.verblijfadres
    not_after(f"{field}.datumAanvangAdreshouding", value.datum_aanvang_adreshouding, today)
    if value.type == "onbekend":
        raise Rejection(f"{field}.type", Rule.verplicht, "an adres or a locatie is required")
    if value.type == "locatie" and not (adres.locatiebeschrijving or "").strip():
        raise Rejection(
            f"{field}.verblijfadres.locatiebeschrijving", Rule.verplicht, "a locatie needs one"
        )
    nummeraanduiding = value.nummeraanduiding_identificatie
    adresseerbaar_object = value.adresseerbaar_object_identificatie
    if value.type == "adres":
        for name, bag_id in [
            ("nummeraanduidingIdentificatie", nummeraanduiding),
            ("adresseerbaarObjectIdentificatie", adresseerbaar_object),
        ]:
            if bag_id is None:
                raise Rejection(f"{field}.{name}", Rule.verplicht, "an adres needs its BAG id")
    _bag_id(f"{field}.nummeraanduidingIdentificatie", nummeraanduiding, ("20",))
    _bag_id(f"{field}.adresseerbaarObjectIdentificatie", adresseerbaar_object, ("01", "02", "03"))
    _adresregels(f"{field}.verblijfadres", value)
    if nummeraanduiding is not None and not addresses.exists(
        nummeraanduiding, adresseerbaar_object
    ):
        raise Rejection(
            f"{field}.nummeraanduidingIdentificatie",
            Rule.adres_onbekend,
            "the BAG has no such nummeraanduiding at that adresseerbaar object",
        )


def _bag_id(field: str, value: str | None, types: tuple[str, ...]) -> None:
    match = None if value is None else _BAG_ID.fullmatch(value)
    if value is not None and (match is None or match["type"] not in types):
        raise Rejection(
            field, Rule.bag_id_formaat, f"16 digits with object type {' or '.join(types)}"
        )


def _adresregels(field: str, value: Verblijfplaats) -> None:
    adres = value.verblijfadres
    if adres.postcode is not None and not _POSTCODE.fullmatch(adres.postcode):
        raise Rejection(f"{field}.postcode", Rule.postcode_formaat, "e.g. 1011PN")
    if adres.huisnummer is not None and not 1 <= adres.huisnummer <= 99999:
        raise Rejection(f"{field}.huisnummer", Rule.huisnummer_bereik, "1 up to 99999")
    if adres.huisletter is not None and not (
        len(adres.huisletter) == 1 and adres.huisletter.isascii() and adres.huisletter.isalpha()
    ):
        raise Rejection(f"{field}.huisletter", Rule.huisletter_formaat, "one letter")
    toevoeging = adres.huisnummertoevoeging
    if toevoeging is not None and not 1 <= len(toevoeging) <= 4:
        raise Rejection(
            f"{field}.huisnummertoevoeging", Rule.huisnummertoevoeging_formaat, "1 to 4 characters"
        )
