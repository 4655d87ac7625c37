"""A WOZ-object's current state, and the pure fold of its events into it."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from services.woz.commands import SoortBelanghebbende, Uitkomst, WozObjectGegevens
from services.woz.types import (
    AANGEMAAKT,
    BELANGHEBBENDE_GEWIJZIGD,
    BEZWAAR_AFGEHANDELD,
    BEZWAAR_INGEDIEND,
    GEWIJZIGD,
    WAARDE_VASTGESTELD,
)


@dataclass(frozen=True, kw_only=True)
class Waarde:
    vastgesteldeWaarde: int
    waardepeildatum: date
    toestandspeildatum: date
    belastingjaar: int
    tijdstipRegistratie: datetime


@dataclass(frozen=True, kw_only=True)
class Belanghebbende:
    persoonId: str
    soort: SoortBelanghebbende
    ingangsdatum: date
    einddatum: date | None = None


@dataclass(frozen=True, kw_only=True)
class Bezwaar:
    bezwaarnummer: str
    belastingjaar: int
    bestredenWaarde: int
    datumOntvangst: date
    persoonId: str | None = None
    gewensteWaarde: int | None = None
    uitkomst: Uitkomst | None = None
    nieuweWaarde: int | None = None
    datumUitspraak: date | None = None


@dataclass(frozen=True, kw_only=True)
class WozObject(WozObjectGegevens):
    version: int
    waarden: tuple[Waarde, ...] = ()
    belanghebbenden: tuple[Belanghebbende, ...] = ()
    bezwaren: tuple[Bezwaar, ...] = ()

    def waarde(self, belastingjaar: int) -> Waarde | None:
        return next((w for w in self.waarden if w.belastingjaar == belastingjaar), None)

    def bezwaar(self, bezwaarnummer: str) -> Bezwaar | None:
        return next((b for b in self.bezwaren if b.bezwaarnummer == bezwaarnummer), None)


OBJECT_FIELDS = tuple(f.name for f in dataclasses.fields(WozObjectGegevens))


def evolve(state: WozObject | None, event_type: str, data: Mapping[str, Any]) -> WozObject:
    if event_type == AANGEMAAKT and state is None:
        return WozObject(**_gegevens(data), version=1)
    if state is None or event_type == AANGEMAAKT:
        raise ValueError(f"{event_type} does not apply to {state or 'a missing WOZ-object'}")
    version = state.version + 1
    if event_type == GEWIJZIGD:
        return dataclasses.replace(state, **_gegevens(data), version=version)
    if event_type == WAARDE_VASTGESTELD:
        waarde = Waarde(**_fields(Waarde, data))
        rest = [w for w in state.waarden if w.waardepeildatum != waarde.waardepeildatum]
        waarden = tuple(sorted([*rest, waarde], key=lambda w: w.waardepeildatum))
        return dataclasses.replace(state, waarden=waarden, version=version)
    if event_type == BELANGHEBBENDE_GEWIJZIGD:
        b = Belanghebbende(**_fields(Belanghebbende, data))
        rest_b = [
            x for x in state.belanghebbenden if (x.persoonId, x.soort) != (b.persoonId, b.soort)
        ]
        return dataclasses.replace(state, belanghebbenden=(*rest_b, b), version=version)
    if event_type == BEZWAAR_INGEDIEND:
        bezwaar = Bezwaar(**_fields(Bezwaar, data))
        return dataclasses.replace(state, bezwaren=(*state.bezwaren, bezwaar), version=version)
    if event_type == BEZWAAR_AFGEHANDELD:
        decided = {k: data[k] for k in ("uitkomst", "nieuweWaarde", "datumUitspraak") if k in data}
        bezwaren = tuple(
            dataclasses.replace(b, **decided) if b.bezwaarnummer == data["bezwaarnummer"] else b
            for b in state.bezwaren
        )
        return dataclasses.replace(state, bezwaren=bezwaren, version=version)
    raise ValueError(f"{event_type} is not a WOZ event")


def _gegevens(data: Mapping[str, Any]) -> dict[str, Any]:
    values = _fields(WozObjectGegevens, data)
    values["verblijfsobjectIdentificaties"] = tuple(values.get("verblijfsobjectIdentificaties", ()))
    return values


def _fields(cls: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    return {f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data}
