"""Status lifecycles, per the BAG catalogue: the statuses each status may move to.

The key `None` lists the statuses an object may be created in: every status that is not an end,
because existing objects are loaded in whatever stage they are in. An end status (one with no
way out) is reached only by withdrawing (intrekken); the object then no longer exists for
consumers.
"""

from __future__ import annotations

from collections.abc import Mapping

from bron.registry.rejection import Rejection
from services.bag.types import Objecttype

Transitions = Mapping[str | None, frozenset[str]]

_WOONPLAATS: Transitions = {
    None: frozenset({"woonplaats_aangewezen"}),
    "woonplaats_aangewezen": frozenset({"woonplaats_ingetrokken"}),
    "woonplaats_ingetrokken": frozenset(),
}
_NAAMGEVING: Transitions = {
    None: frozenset({"naamgeving_uitgegeven"}),
    "naamgeving_uitgegeven": frozenset({"naamgeving_ingetrokken"}),
    "naamgeving_ingetrokken": frozenset(),
}
_PAND_IN_GEBRUIK = frozenset(
    {
        "pand_in_gebruik_niet_ingemeten",
        "pand_in_gebruik",
        "verbouwing_pand",
        "sloopvergunning_verleend",
        "pand_buiten_gebruik",
        "pand_gesloopt",
        "pand_ten_onrechte_opgevoerd",
    }
)
_PAND: Transitions = {
    None: frozenset(
        {
            "bouwvergunning_verleend",
            "bouw_gestart",
            "pand_in_gebruik_niet_ingemeten",
            "pand_in_gebruik",
            "verbouwing_pand",
            "sloopvergunning_verleend",
            "pand_buiten_gebruik",
        }
    ),
    "bouwvergunning_verleend": frozenset(
        {"bouw_gestart", "niet_gerealiseerd_pand", "pand_ten_onrechte_opgevoerd"}
    ),
    "bouw_gestart": frozenset(
        {"pand_in_gebruik_niet_ingemeten", "pand_in_gebruik", "pand_ten_onrechte_opgevoerd"}
    ),
    # A calamity puts a measured pand back to "niet ingemeten".
    "pand_in_gebruik_niet_ingemeten": _PAND_IN_GEBRUIK - {"pand_in_gebruik_niet_ingemeten"},
    "pand_in_gebruik": _PAND_IN_GEBRUIK - {"pand_in_gebruik"},
    "verbouwing_pand": frozenset(
        {"pand_in_gebruik_niet_ingemeten", "pand_in_gebruik", "pand_ten_onrechte_opgevoerd"}
    ),
    "pand_buiten_gebruik": frozenset(
        {
            "verbouwing_pand",
            "sloopvergunning_verleend",
            "pand_gesloopt",
            "pand_ten_onrechte_opgevoerd",
        }
    ),
    # A demolition permit may go unused.
    "sloopvergunning_verleend": frozenset(
        {
            "pand_gesloopt",
            "pand_in_gebruik_niet_ingemeten",
            "pand_in_gebruik",
            "pand_ten_onrechte_opgevoerd",
        }
    ),
    "niet_gerealiseerd_pand": frozenset(),
    "pand_gesloopt": frozenset(),
    "pand_ten_onrechte_opgevoerd": frozenset(),
}
_VBO_IN_GEBRUIK = frozenset(
    {
        "verblijfsobject_in_gebruik_niet_ingemeten",
        "verblijfsobject_in_gebruik",
        "verbouwing_verblijfsobject",
        "verblijfsobject_buiten_gebruik",
        "verblijfsobject_ingetrokken",
        "verblijfsobject_ten_onrechte_opgevoerd",
    }
)
_VERBLIJFSOBJECT: Transitions = {
    None: frozenset(
        {
            "verblijfsobject_gevormd",
            "verblijfsobject_in_gebruik_niet_ingemeten",
            "verblijfsobject_in_gebruik",
            "verbouwing_verblijfsobject",
            "verblijfsobject_buiten_gebruik",
        }
    ),
    "verblijfsobject_gevormd": frozenset(
        {
            "verblijfsobject_in_gebruik_niet_ingemeten",
            "verblijfsobject_in_gebruik",
            "niet_gerealiseerd_verblijfsobject",
            "verblijfsobject_ten_onrechte_opgevoerd",
        }
    ),
    "verblijfsobject_in_gebruik_niet_ingemeten": _VBO_IN_GEBRUIK
    - {"verblijfsobject_in_gebruik_niet_ingemeten"},
    "verblijfsobject_in_gebruik": _VBO_IN_GEBRUIK - {"verblijfsobject_in_gebruik"},
    "verbouwing_verblijfsobject": _VBO_IN_GEBRUIK
    - {"verbouwing_verblijfsobject", "verblijfsobject_buiten_gebruik"},
    "verblijfsobject_buiten_gebruik": _VBO_IN_GEBRUIK - {"verblijfsobject_buiten_gebruik"},
    "niet_gerealiseerd_verblijfsobject": frozenset(),
    "verblijfsobject_ingetrokken": frozenset(),
    "verblijfsobject_ten_onrechte_opgevoerd": frozenset(),
}

TRANSITIONS: dict[Objecttype, Transitions] = {
    "woonplaats": _WOONPLAATS,
    "openbare-ruimte": _NAAMGEVING,
    "nummeraanduiding": _NAAMGEVING,
    "verblijfsobject": _VERBLIJFSOBJECT,
    "pand": _PAND,
}
# The end a withdrawal reaches when the command names none; a pand has several, none implied.
WITHDRAWN: dict[Objecttype, str] = {
    "woonplaats": "woonplaats_ingetrokken",
    "openbare-ruimte": "naamgeving_ingetrokken",
    "nummeraanduiding": "naamgeving_ingetrokken",
    "verblijfsobject": "verblijfsobject_ingetrokken",
}


def is_end(objecttype: Objecttype, status: str) -> bool:
    table = TRANSITIONS[objecttype]
    return status in table and not table[status]


def check_status(
    field: str, objecttype: Objecttype, current: str | None, new: str, *, withdraw: bool
) -> None:
    table = TRANSITIONS[objecttype]
    if new not in table:
        raise Rejection(field, "waarde-onbekend", f"{new!r} is not a {objecttype} status")
    if withdraw and not is_end(objecttype, new):
        raise Rejection(field, "status-transition", f"intrekken ends the object; {new} is no end")
    if not withdraw and is_end(objecttype, new):
        raise Rejection(field, "status-transition", f"{new} ends the object: use intrekken")
    if new != current and new not in table[current]:
        raise Rejection(
            field, "status-transition", f"a {objecttype} cannot go from {current} to {new}"
        )
