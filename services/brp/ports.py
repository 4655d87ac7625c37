"""What the domain asks of the world outside it, and an in-memory answer for tests and imports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol


class AddressLookup(Protocol):
    def exists(
        self, nummeraanduiding_identificatie: str, adresseerbaar_object_identificatie: str | None
    ) -> bool:
        """True if the BAG has the nummeraanduiding (and, if given, it belongs to that object)."""
        ...


@dataclass(frozen=True, slots=True)
class KnownAddresses:
    """Nummeraanduiding id → adresseerbaar object id, e.g. a BAG projection read ahead."""

    adressen: Mapping[str, str] = field(default_factory=dict)

    def exists(
        self, nummeraanduiding_identificatie: str, adresseerbaar_object_identificatie: str | None
    ) -> bool:
        known = self.adressen.get(nummeraanduiding_identificatie)
        if known is None:
            return False
        return adresseerbaar_object_identificatie in (None, known)
