"""A verblijfplaats: the address with its BAG keys, as a value and as its Avro record."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import Literal

from bron.contracts import models as m
from services.brp.values import Record


@dataclass(frozen=True, slots=True)
class Verblijfadres:
    officiele_straatnaam: str | None = None
    korte_straatnaam: str | None = None
    huisnummer: int | None = None
    huisletter: str | None = None
    huisnummertoevoeging: str | None = None
    aanduiding_bij_huisnummer: Literal["bij", "tegenover"] | None = None
    postcode: str | None = None
    woonplaats: str | None = None
    locatiebeschrijving: str | None = None

    def record(self) -> m.PersoonVerhuisd_Verblijfadres:
        return {
            "officieleStraatnaam": self.officiele_straatnaam,
            "korteStraatnaam": self.korte_straatnaam,
            "huisnummer": self.huisnummer,
            "huisletter": self.huisletter,
            "huisnummertoevoeging": self.huisnummertoevoeging,
            "aanduidingBijHuisnummer": self.aanduiding_bij_huisnummer,
            "postcode": self.postcode,
            "woonplaats": self.woonplaats,
            "locatiebeschrijving": self.locatiebeschrijving,
        }

    @classmethod
    def from_record(cls, r: Record) -> Verblijfadres:
        return cls(
            r.get("officieleStraatnaam"),
            r.get("korteStraatnaam"),
            r.get("huisnummer"),
            r.get("huisletter"),
            r.get("huisnummertoevoeging"),
            r.get("aanduidingBijHuisnummer"),
            r.get("postcode"),
            r.get("woonplaats"),
            r.get("locatiebeschrijving"),
        )


@dataclass(frozen=True, slots=True)
class Verblijfplaats:
    verblijfadres: Verblijfadres
    datum_aanvang_adreshouding: datetime.date
    nummeraanduiding_identificatie: str | None = None
    adresseerbaar_object_identificatie: str | None = None
    type: Literal["adres", "locatie", "onbekend"] = "adres"
    functie_adres: Literal["woonadres", "briefadres", "onbekend"] = "woonadres"

    def record(self) -> m.PersoonVerhuisd_Verblijfplaats:
        return {
            "type": self.type,
            "functieAdres": self.functie_adres,
            "nummeraanduidingIdentificatie": self.nummeraanduiding_identificatie,
            "adresseerbaarObjectIdentificatie": self.adresseerbaar_object_identificatie,
            "verblijfadres": self.verblijfadres.record(),
            "datumAanvangAdreshouding": self.datum_aanvang_adreshouding,
        }

    @classmethod
    def from_record(cls, r: Record) -> Verblijfplaats:
        return cls(
            Verblijfadres.from_record(r["verblijfadres"]),
            r["datumAanvangAdreshouding"],
            r.get("nummeraanduidingIdentificatie"),
            r.get("adresseerbaarObjectIdentificatie"),
            r["type"],
            r["functieAdres"],
        )

    def same_address(self, other: Verblijfplaats) -> bool:
        return replace(self, datum_aanvang_adreshouding=other.datum_aanvang_adreshouding) == other
