"""Names shared by the BAG domain modules."""

from __future__ import annotations

from typing import Any, Literal, Protocol

Objecttype = Literal["woonplaats", "openbare-ruimte", "nummeraanduiding", "verblijfsobject", "pand"]
Events = list[tuple[str, dict[str, Any]]]


class Refs(Protocol):
    """What the domain asks the store about other objects."""

    def exists(self, objecttype: Objecttype, identificatie: str) -> bool:
        """True if the object is registered and not withdrawn."""
        ...
