"""The BRP's `AddressLookup` over the BAG registry's read API: the BAG owns addresses, so the
BRP asks it instead of keeping a copy.

A nummeraanduiding exists when the BAG has it and its naamgeving is not withdrawn; an
adresseerbaar object, when given, must be a verblijfsobject whose hoofd- or nevenadres it is.
When the BAG cannot answer, the lookup raises `BagUnavailable` (a 503 for the caller), never
"unknown address": the command can be retried, a wrong rejection cannot be taken back."""

from __future__ import annotations

from bron.http.auth import KeyPair
from bron.settings import Settings
from services.common.bag_reads import BagObjects, BagReader, BagUnavailable

__all__ = ["BagAddresses", "BagHttpLookup", "BagUnavailable"]

INGETROKKEN = "naamgeving_ingetrokken"


class BagAddresses:
    """The lookup over anything that reads BAG objects as the BAG's API shows them."""

    def __init__(self, objects: BagObjects) -> None:
        self.reader = objects

    def exists(
        self, nummeraanduiding_identificatie: str, adresseerbaar_object_identificatie: str | None
    ) -> bool:
        nummeraanduiding = self.reader.get("nummeraanduidingen", nummeraanduiding_identificatie)
        if nummeraanduiding is None or nummeraanduiding.get("status") == INGETROKKEN:
            return False
        if adresseerbaar_object_identificatie is None:
            return True
        verblijfsobject = self.reader.get("verblijfsobjecten", adresseerbaar_object_identificatie)
        if verblijfsobject is None:
            return False
        nevenadressen = verblijfsobject.get("heeftAlsNevenadres") or []
        return nummeraanduiding_identificatie in [
            verblijfsobject.get("heeftAlsHoofdadres"),
            *nevenadressen,
        ]

    def close(self) -> None:
        close = getattr(self.reader, "close", None)
        if callable(close):
            close()


class BagHttpLookup(BagAddresses):
    def __init__(self, base_url: str, keys: KeyPair, timeout: float = 10.0) -> None:
        super().__init__(BagReader(base_url, keys, caller="bron-brp", timeout=timeout))

    @classmethod
    def from_settings(cls, settings: Settings) -> BagHttpLookup:
        return cls(settings.registry_base_url("bag"), KeyPair(settings.data_dir / "keys"))
