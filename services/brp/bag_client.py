"""The BRP's `AddressLookup` over the BAG registry's read API: the BAG owns addresses, so the
BRP asks it instead of keeping a copy.

A nummeraanduiding exists when the BAG has it and its naamgeving is not withdrawn; an
adresseerbaar object, when given, must be a verblijfsobject whose hoofd- or nevenadres it is.
When the BAG cannot answer, the lookup raises `BagUnavailable` (a 503 for the caller), never
"unknown address": the command can be retried, a wrong rejection cannot be taken back."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from bron.errors import BronError
from bron.http.auth import KeyPair, issue
from bron.settings import Settings

INGETROKKEN = "naamgeving_ingetrokken"


class BagUnavailable(BronError):
    pass


class BagHttpLookup:
    def __init__(self, base_url: str, keys: KeyPair, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.keys = keys
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> BagHttpLookup:
        return cls(settings.registry_base_url("bag"), KeyPair(settings.data_dir / "keys"))

    def exists(
        self, nummeraanduiding_identificatie: str, adresseerbaar_object_identificatie: str | None
    ) -> bool:
        token = issue(self.keys, subject="bron-brp", audience="bron:bag", ttl=300)
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=self.timeout) as http:
            nummeraanduiding = self._get(http, "nummeraanduidingen", nummeraanduiding_identificatie)
            if nummeraanduiding is None or nummeraanduiding.get("status") == INGETROKKEN:
                return False
            if adresseerbaar_object_identificatie is None:
                return True
            verblijfsobject = self._get(
                http, "verblijfsobjecten", adresseerbaar_object_identificatie
            )
        if verblijfsobject is None:
            return False
        nevenadressen = verblijfsobject.get("heeftAlsNevenadres") or []
        return nummeraanduiding_identificatie in [
            verblijfsobject.get("heeftAlsHoofdadres"),
            *nevenadressen,
        ]

    def _get(
        self, http: httpx.Client, collection: str, identificatie: str
    ) -> dict[str, Any] | None:
        path = f"/{collection}/{quote(identificatie, safe='')}"
        try:
            response = http.get(path)
        except httpx.HTTPError as exc:
            raise BagUnavailable(
                f"the BAG at {self.base_url} did not answer: {exc}",
                suggestion="check that the BAG registry runs; then retry the command",
            ) from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise BagUnavailable(
                f"the BAG answered {response.status_code} for {path}",
                suggestion="check the BAG registry's log; then retry the command",
            )
        body: dict[str, Any] = response.json()
        return body
