"""What a municipality asks the BRP to record about a person. Each names the person by the
generated `persoon_id` (a UUID); the BSN and A-nummer are data that can change.

Attributes are the snake_case of the API body's fields, which mirror the event records, so a
rejection's field is the camelCase attribute path, e.g. `verblijfplaats.verblijfadres.postcode`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

from services.brp.partnerschap import Aangaan, Ontbinding, Partner, SoortVerbintenis
from services.brp.values import (
    Geboorte,
    Geslacht,
    Immigratie,
    Naam,
    Nationaliteit,
    Ouder,
    Overlijdensgegevens,
)
from services.brp.verblijfplaats import Verblijfplaats


@dataclass(frozen=True, slots=True)
class Inschrijven:
    reden: Literal["geboorte", "immigratie"]
    persoon_id: str
    burgerservicenummer: str
    naam: Naam
    geboorte: Geboorte
    geslacht: Geslacht
    gemeente_van_inschrijving: str
    datum_inschrijving_in_gemeente: datetime.date
    verblijfplaats: Verblijfplaats | None
    a_nummer: str | None = None
    nationaliteiten: tuple[Nationaliteit, ...] = ()
    ouders: tuple[Ouder, ...] = ()
    immigratie: Immigratie | None = None
    geheimhouding_persoonsgegevens: int = 0


@dataclass(frozen=True, slots=True)
class NaamWijzigen:
    persoon_id: str
    naam: Naam
    datum_ingang_geldigheid: datetime.date


@dataclass(frozen=True, slots=True)
class Verhuizen:
    """A move within the Netherlands; the service has looked the address up in the BAG."""

    persoon_id: str
    verblijfplaats: Verblijfplaats
    gemeente_van_inschrijving: str


@dataclass(frozen=True, slots=True)
class PartnerschapAangaan:
    persoon_id: str
    partner: Partner
    soort_verbintenis: SoortVerbintenis
    aangaan_huwelijk_partnerschap: Aangaan


@dataclass(frozen=True, slots=True)
class PartnerschapOntbinden:
    """Ends the person's current partnership (there is at most one)."""

    persoon_id: str
    ontbinding_huwelijk_partnerschap: Ontbinding


@dataclass(frozen=True, slots=True)
class Overlijden:
    persoon_id: str
    overlijden: Overlijdensgegevens


@dataclass(frozen=True, slots=True)
class GeheimhoudingWijzigen:
    persoon_id: str
    geheimhouding_persoonsgegevens: int
    datum_ingang_geldigheid: datetime.date


@dataclass(frozen=True, slots=True)
class BurgerservicenummerWijzigen:
    persoon_id: str
    nieuw_burgerservicenummer: str
    datum_ingang_geldigheid: datetime.date
    nieuw_a_nummer: str | None = None


Command = (
    Inschrijven
    | NaamWijzigen
    | Verhuizen
    | PartnerschapAangaan
    | PartnerschapOntbinden
    | Overlijden
    | GeheimhoudingWijzigen
    | BurgerservicenummerWijzigen
)
