"""The domain's `Refs`: in memory for tests, and over the BAG registry's read API.

When the BAG cannot answer, the lookup raises `BagUnavailable` (a 503 for the caller), never
"unknown verblijfsobject": the command can be retried, a wrong rejection cannot."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

import httpx

from bron.errors import BronError
from bron.http.auth import KeyPair, issue
from bron.settings import Settings

ENDED = frozenset(
    {
        "niet_gerealiseerd_verblijfsobject",
        "verblijfsobject_ingetrokken",
        "verblijfsobject_ten_onrechte_opgevoerd",
    }
)


class BagUnavailable(BronError):
    pass


@dataclass(frozen=True, slots=True)
class KnownVerblijfsobjecten:
    identificaties: frozenset[str] = field(default_factory=frozenset)

    def verblijfsobject_exists(self, identificatie: str) -> bool:
        return identificatie in self.identificaties


class BagHttpVerblijfsobjecten:
    def __init__(self, base_url: str, keys: KeyPair, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.keys = keys
        self.timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> BagHttpVerblijfsobjecten:
        return cls(settings.registry_base_url("bag"), KeyPair(settings.data_dir / "keys"))

    def verblijfsobject_exists(self, identificatie: str) -> bool:
        token = issue(self.keys, subject="bron-woz", audience="bron:bag", ttl=300)
        path = f"/verblijfsobjecten/{quote(identificatie, safe='')}"
        try:
            with httpx.Client(base_url=self.base_url, timeout=self.timeout) as http:
                response = http.get(path, headers={"Authorization": f"Bearer {token}"})
        except httpx.HTTPError as exc:
            raise BagUnavailable(
                f"the BAG at {self.base_url} did not answer: {exc}",
                suggestion="check that the BAG registry runs; then retry the command",
            ) from None
        if response.status_code == 404:
            return False
        if response.status_code != 200:
            raise BagUnavailable(
                f"the BAG answered {response.status_code} for {path}",
                suggestion="check the BAG registry's log; then retry the command",
            )
        return response.json().get("status") not in ENDED
