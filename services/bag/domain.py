"""The BAG registry's rules, in one import: commands, `decide`, `evolve`, and the address key.

Split over `commands`, `state`, `status`, `rules`, `identificatie`, `adres` and `decide`.
"""

from services.bag.adres import address_key
from services.bag.commands import (
    Aanmaken,
    Command,
    Intrekken,
    Mutatie,
    NummeraanduidingAanmaken,
    NummeraanduidingIntrekken,
    NummeraanduidingWijzigen,
    OpenbareRuimteAanmaken,
    OpenbareRuimteIntrekken,
    OpenbareRuimteWijzigen,
    PandAanmaken,
    PandIntrekken,
    PandWijzigen,
    VerblijfsobjectAanmaken,
    VerblijfsobjectIntrekken,
    VerblijfsobjectWijzigen,
    Wijzigen,
    WoonplaatsAanmaken,
    WoonplaatsIntrekken,
    WoonplaatsWijzigen,
)
from services.bag.decide import decide
from services.bag.state import (
    STATES,
    BagObject,
    Nummeraanduiding,
    OpenbareRuimte,
    Pand,
    Verblijfsobject,
    Woonplaats,
    evolve,
)
from services.bag.status import TRANSITIONS, is_end
from services.bag.types import Events, Objecttype, Refs

__all__ = [
    "STATES",
    "TRANSITIONS",
    "Aanmaken",
    "BagObject",
    "Command",
    "Events",
    "Intrekken",
    "Mutatie",
    "Nummeraanduiding",
    "NummeraanduidingAanmaken",
    "NummeraanduidingIntrekken",
    "NummeraanduidingWijzigen",
    "Objecttype",
    "OpenbareRuimte",
    "OpenbareRuimteAanmaken",
    "OpenbareRuimteIntrekken",
    "OpenbareRuimteWijzigen",
    "Pand",
    "PandAanmaken",
    "PandIntrekken",
    "PandWijzigen",
    "Refs",
    "Verblijfsobject",
    "VerblijfsobjectAanmaken",
    "VerblijfsobjectIntrekken",
    "VerblijfsobjectWijzigen",
    "Wijzigen",
    "Woonplaats",
    "WoonplaatsAanmaken",
    "WoonplaatsIntrekken",
    "WoonplaatsWijzigen",
    "address_key",
    "decide",
    "evolve",
    "is_end",
]
