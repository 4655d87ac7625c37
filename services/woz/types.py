"""Names shared by the WOZ domain modules."""

from __future__ import annotations

from typing import Any, Protocol

Events = list[tuple[str, dict[str, Any]]]


class Refs(Protocol):
    """What the domain asks the world outside it: the BAG owns the verblijfsobjecten."""

    def verblijfsobject_exists(self, identificatie: str) -> bool:
        """True if the BAG has the verblijfsobject and it is not withdrawn."""
        ...


def event_type(stem: str) -> str:
    return f"nl.woz.{stem}.v1"


AANGEMAAKT = event_type("woz-object-aangemaakt")
GEWIJZIGD = event_type("woz-object-gewijzigd")
WAARDE_VASTGESTELD = event_type("waarde-vastgesteld")
BELANGHEBBENDE_GEWIJZIGD = event_type("belanghebbende-gewijzigd")
BEZWAAR_INGEDIEND = event_type("bezwaar-ingediend")
BEZWAAR_AFGEHANDELD = event_type("bezwaar-afgehandeld")
