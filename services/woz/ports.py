"""The domain's `Refs`: in memory for tests, and over the BAG registry's read API.

When the BAG cannot answer, the lookup raises `BagUnavailable` (a 503 for the caller), never
"unknown verblijfsobject": the command can be retried, a wrong rejection cannot."""

from __future__ import annotations

from dataclasses import dataclass, field

from bron.http.auth import KeyPair
from bron.settings import Settings
from services.common.bag_reads import BagObjects, BagReader, BagUnavailable

__all__ = [
    "BagHttpVerblijfsobjecten",
    "BagUnavailable",
    "BagVerblijfsobjecten",
    "KnownVerblijfsobjecten",
]

ENDED = frozenset(
    {
        "niet_gerealiseerd_verblijfsobject",
        "verblijfsobject_ingetrokken",
        "verblijfsobject_ten_onrechte_opgevoerd",
    }
)


@dataclass(frozen=True, slots=True)
class KnownVerblijfsobjecten:
    identificaties: frozenset[str] = field(default_factory=frozenset)

    def verblijfsobject_exists(self, identificatie: str) -> bool:
        return identificatie in self.identificaties


class BagVerblijfsobjecten:
    """`Refs` over anything that reads BAG objects as the BAG's API shows them."""

    def __init__(self, objects: BagObjects) -> None:
        self.reader = objects

    def verblijfsobject_exists(self, identificatie: str) -> bool:
        found = self.reader.get("verblijfsobjecten", identificatie)
        return found is not None and found.get("status") not in ENDED

    def close(self) -> None:
        close = getattr(self.reader, "close", None)
        if callable(close):
            close()


class BagHttpVerblijfsobjecten(BagVerblijfsobjecten):
    def __init__(self, base_url: str, keys: KeyPair, timeout: float = 10.0) -> None:
        super().__init__(BagReader(base_url, keys, caller="bron-woz", timeout=timeout))

    @classmethod
    def from_settings(cls, settings: Settings) -> BagHttpVerblijfsobjecten:
        return cls(settings.registry_base_url("bag"), KeyPair(settings.data_dir / "keys"))
