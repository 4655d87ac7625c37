"""Commands on a WOZ-object. Field names are those of the Avro contracts, so a rejection's
field is also the path in a request and in the event. `tijdstipRegistratie` is the moment of
the command (stamped when not given); dates in the future are judged against it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from bron.contracts import models

SoortBelanghebbende = models.BelanghebbendeGewijzigd_SoortBelanghebbende
Uitkomst = models.BezwaarAfgehandeld_Uitkomst


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, kw_only=True)
class Opdracht:
    wozObjectnummer: str
    tijdstipRegistratie: datetime = field(default_factory=_now)


@dataclass(frozen=True, kw_only=True)
class WozObjectGegevens(Opdracht):
    gemeentecode: str
    soortObjectcode: str
    ingangsdatum: date
    verblijfsobjectIdentificaties: tuple[str, ...] = ()
    grondoppervlakte: int | None = None


@dataclass(frozen=True, kw_only=True)
class WozObjectAanmaken(WozObjectGegevens):
    pass


@dataclass(frozen=True, kw_only=True)
class WozObjectWijzigen(WozObjectGegevens):
    """Replaces the object's data (a full new state, as the gewijzigd event carries)."""


@dataclass(frozen=True, kw_only=True)
class WaardeVaststellen(Opdracht):
    vastgesteldeWaarde: int
    waardepeildatum: date
    toestandspeildatum: date
    belastingjaar: int


@dataclass(frozen=True, kw_only=True)
class BelanghebbendeWijzigen(Opdracht):
    persoonId: str
    soort: SoortBelanghebbende
    ingangsdatum: date
    einddatum: date | None = None


@dataclass(frozen=True, kw_only=True)
class BezwaarIndienen(Opdracht):
    """A bezwaar against the value set for `belastingjaar`."""

    bezwaarnummer: str
    belastingjaar: int
    datumOntvangst: date
    persoonId: str | None = None
    gewensteWaarde: int | None = None


@dataclass(frozen=True, kw_only=True)
class BezwaarAfhandelen(Opdracht):
    bezwaarnummer: str
    uitkomst: Uitkomst
    datumUitspraak: date
    nieuweWaarde: int | None = None


Command = (
    WozObjectAanmaken
    | WozObjectWijzigen
    | WaardeVaststellen
    | BelanghebbendeWijzigen
    | BezwaarIndienen
    | BezwaarAfhandelen
)
