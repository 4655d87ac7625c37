"""The state of each consent and of each published app and purpose, and the pure fold of
events into them."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

Events = list[tuple[str, dict[str, Any]]]
Status = Literal["verleend", "ingetrokken", "verlopen"]

VERLEEND = "nl.toestemming.toestemming-verleend.v1"
INGETROKKEN = "nl.toestemming.toestemming-ingetrokken.v1"
VERLOPEN = "nl.toestemming.toestemming-verlopen.v1"
APP_GEREGISTREERD = "nl.toestemming.app-geregistreerd.v1"
APP_GEWIJZIGD = "nl.toestemming.app-gewijzigd.v1"
DOEL_VASTGESTELD = "nl.toestemming.doel-vastgesteld.v1"
DOEL_GEWIJZIGD = "nl.toestemming.doel-gewijzigd.v1"
APP_EVENTS = (APP_GEREGISTREERD, APP_GEWIJZIGD)
# Where a published app came from: the register file (`policy/register.yaml`, published by the
# sync at start) or the app store (a manifest, `bron apps register`).
REGISTER, MANIFEST = "register", "manifest"
DOEL_EVENTS = (DOEL_VASTGESTELD, DOEL_GEWIJZIGD)
_ENDS: dict[str, tuple[Status, str]] = {
    INGETROKKEN: ("ingetrokken", "ingetrokkenOp"),
    VERLOPEN: ("verlopen", "verlopenOp"),
}


@dataclass(frozen=True, kw_only=True)
class Toestemming:
    toestemmingId: str
    persoonId: str
    appId: str
    doelId: str
    verleendOp: datetime
    geldigTot: datetime | None = None
    status: Status = "verleend"
    beeindigdOp: datetime | None = None
    version: int

    @property
    def actief(self) -> bool:
        return self.status == "verleend"


@dataclass(frozen=True, kw_only=True)
class Gepubliceerd:
    """An app or purpose as last published: the data of its latest event, and who published
    it (`bron`: REGISTER or MANIFEST). A row written before Bron recorded that has None; see
    `herkomst`."""

    data: dict[str, Any]
    version: int
    bron: str | None = None


def herkomst(published: Gepubliceerd) -> str:
    """Whether an app was published from the register file or from a manifest. For a row
    written before Bron recorded it, told by its data: the file publishes its apps for every
    municipality of their purposes (`gemeenten` null), the app store always with a list. Only
    REGISTER apps are withdrawn when they leave the file, so a doubt falls on MANIFEST."""
    if published.bron is not None:
        return published.bron
    return REGISTER if published.data.get("gemeenten", None) is None else MANIFEST


def evolve(state: Toestemming | None, event_type: str, data: Mapping[str, Any]) -> Toestemming:
    version = (state.version if state else 0) + 1
    if event_type == VERLEEND:
        if state is not None:
            raise ValueError(f"{event_type} for an existing consent {state.toestemmingId}")
        return Toestemming(
            toestemmingId=str(data["toestemmingId"]),
            persoonId=str(data["persoonId"]),
            appId=data["appId"],
            doelId=data["doelId"],
            verleendOp=data["verleendOp"],
            geldigTot=data.get("geldigTot"),
            version=version,
        )
    if event_type not in _ENDS or state is None:
        raise ValueError(f"{event_type} is not an event of {state or 'a consent'}")
    status, moment = _ENDS[event_type]
    return dataclasses.replace(state, status=status, beeindigdOp=data[moment], version=version)
