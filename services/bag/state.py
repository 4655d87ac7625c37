"""The current voorkomen of each BAG object, and the pure fold of events into it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.bag.commands import (
    GEGEVENS,
    NummeraanduidingGegevens,
    OpenbareRuimteGegevens,
    PandGegevens,
    VerblijfsobjectGegevens,
    WoonplaatsGegevens,
)
from services.bag.identificatie import event_type as type_of
from services.bag.types import Objecttype


@dataclass(frozen=True, kw_only=True)
class Woonplaats(WoonplaatsGegevens):
    version: int


@dataclass(frozen=True, kw_only=True)
class OpenbareRuimte(OpenbareRuimteGegevens):
    version: int


@dataclass(frozen=True, kw_only=True)
class Nummeraanduiding(NummeraanduidingGegevens):
    version: int


@dataclass(frozen=True, kw_only=True)
class Verblijfsobject(VerblijfsobjectGegevens):
    version: int


@dataclass(frozen=True, kw_only=True)
class Pand(PandGegevens):
    version: int


BagObject = Woonplaats | OpenbareRuimte | Nummeraanduiding | Verblijfsobject | Pand
STATES: dict[Objecttype, type[BagObject]] = {
    "woonplaats": Woonplaats,
    "openbare-ruimte": OpenbareRuimte,
    "nummeraanduiding": Nummeraanduiding,
    "verblijfsobject": Verblijfsobject,
    "pand": Pand,
}
VERBS = ("aangemaakt", "gewijzigd", "ingetrokken")
_EVENTS = {type_of(o, verb): (o, verb) for o in STATES for verb in VERBS}
_WITHDRAWAL_FIELDS = (
    "status",
    "geconstateerd",
    "documentdatum",
    "documentnummer",
    "beginGeldigheid",
    "tijdstipRegistratie",
)


def event_fields(objecttype: Objecttype) -> tuple[str, ...]:
    """The object's fields as an aangemaakt or gewijzigd event carries them."""
    return tuple(f.name for f in dataclasses.fields(GEGEVENS[objecttype]))


def evolve(state: BagObject | None, event_type: str, data: Mapping[str, Any]) -> BagObject:
    objecttype, verb = _EVENTS.get(event_type, (None, None))
    if objecttype is None or (state is not None and state.objecttype != objecttype):
        raise ValueError(f"{event_type} is not an event of {state or 'a BAG object'}")
    version = (state.version if state else 0) + 1
    if verb == "ingetrokken":
        if state is None:
            raise ValueError(f"{event_type} for an object that was never created")
        changes = {name: data[name] for name in _WITHDRAWAL_FIELDS if name in data}
        return dataclasses.replace(state, **changes, version=version)
    values = {name: _frozen(data[name]) for name in event_fields(objecttype) if name in data}
    return STATES[objecttype](**values, version=version)


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value
