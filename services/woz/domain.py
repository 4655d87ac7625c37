"""The WOZ registry's rules, in one import: commands, `decide`, `evolve`, and the port."""

from services.woz.commands import (
    BelanghebbendeWijzigen,
    BezwaarAfhandelen,
    BezwaarIndienen,
    Command,
    WaardeVaststellen,
    WozObjectAanmaken,
    WozObjectWijzigen,
)
from services.woz.decide import decide
from services.woz.state import Belanghebbende, Bezwaar, Waarde, WozObject, evolve
from services.woz.types import Events, Refs

__all__ = [
    "Belanghebbende",
    "BelanghebbendeWijzigen",
    "Bezwaar",
    "BezwaarAfhandelen",
    "BezwaarIndienen",
    "Command",
    "Events",
    "Refs",
    "Waarde",
    "WaardeVaststellen",
    "WozObject",
    "WozObjectAanmaken",
    "WozObjectWijzigen",
    "decide",
    "evolve",
]
