"""A person's current state, folded from their events by `evolve`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from typing import Literal

from services.brp import events
from services.brp.partnerschap import Aangaan, Ontbinding, Partner, Partnerschap
from services.brp.values import (
    Geboorte,
    Geslacht,
    Immigratie,
    Naam,
    Nationaliteit,
    Ouder,
    Overlijdensgegevens,
    Record,
)
from services.brp.verblijfplaats import Verblijfplaats


@dataclass(frozen=True, slots=True)
class Persoon:
    persoon_id: str
    reden_inschrijving: Literal["geboorte", "immigratie"]
    burgerservicenummer: str
    a_nummer: str | None
    naam: Naam
    geboorte: Geboorte
    geslacht: Geslacht
    nationaliteiten: tuple[Nationaliteit, ...]
    ouders: tuple[Ouder, ...]
    verblijfplaats: Verblijfplaats | None
    gemeente_van_inschrijving: str
    datum_inschrijving_in_gemeente: datetime.date
    immigratie: Immigratie | None
    geheimhouding_persoonsgegevens: int
    partnerschappen: tuple[Partnerschap, ...] = ()
    overlijden: Overlijdensgegevens | None = None
    version: int = 1

    @property
    def overleden(self) -> bool:
        return self.overlijden is not None

    @property
    def partnerschap(self) -> Partnerschap | None:
        """The current partnership, if any."""
        return next((p for p in self.partnerschappen if p.ontbinding is None), None)


class EventStreamError(ValueError):
    """The events do not fold into a person: a bug or a corrupt stream, never user input."""


def evolve(state: Persoon | None, event_type: str, data: Record) -> Persoon:
    if event_type == events.INGESCHREVEN:
        if state is not None:
            raise EventStreamError(f"{state.persoon_id} is already ingeschreven")
        return _ingeschreven(data)
    if state is None:
        raise EventStreamError(f"{event_type} before {events.INGESCHREVEN}")
    return replace(_apply(state, event_type, data), version=state.version + 1)


def _ingeschreven(d: Record) -> Persoon:
    verblijfplaats, immigratie = d.get("verblijfplaats"), d.get("immigratie")
    return Persoon(
        persoon_id=str(d["persoonId"]),
        reden_inschrijving=d["reden"],
        burgerservicenummer=d["burgerservicenummer"],
        a_nummer=d.get("aNummer"),
        naam=Naam.from_record(d["naam"]),
        geboorte=Geboorte.from_record(d["geboorte"]),
        geslacht=d["geslacht"],
        nationaliteiten=tuple(Nationaliteit.from_record(n) for n in d.get("nationaliteiten", [])),
        ouders=tuple(Ouder.from_record(o) for o in d.get("ouders", [])),
        verblijfplaats=None
        if verblijfplaats is None
        else Verblijfplaats.from_record(verblijfplaats),
        gemeente_van_inschrijving=d["gemeenteVanInschrijving"],
        datum_inschrijving_in_gemeente=d["datumInschrijvingInGemeente"],
        immigratie=None if immigratie is None else Immigratie.from_record(immigratie),
        geheimhouding_persoonsgegevens=d.get("geheimhoudingPersoonsgegevens", 0),
    )


def _apply(state: Persoon, event_type: str, d: Record) -> Persoon:
    if event_type == events.NAAM_GEWIJZIGD:
        return replace(state, naam=Naam.from_record(d["naam"]))
    if event_type == events.VERHUISD:
        verblijfplaats = Verblijfplaats.from_record(d["verblijfplaats"])
        other_gemeente = d.get("vorigeGemeenteVanInschrijving") is not None
        return replace(
            state,
            verblijfplaats=verblijfplaats,
            gemeente_van_inschrijving=d["gemeenteVanInschrijving"],
            datum_inschrijving_in_gemeente=verblijfplaats.datum_aanvang_adreshouding
            if other_gemeente
            else state.datum_inschrijving_in_gemeente,
        )
    if event_type == events.PARTNERSCHAP_AANGEGAAN:
        new = Partnerschap(
            Partner.from_record(d["partner"]),
            d["soortVerbintenis"],
            Aangaan.from_record(d["aangaanHuwelijkPartnerschap"]),
        )
        return replace(state, partnerschappen=(*state.partnerschappen, new))
    if event_type == events.PARTNERSCHAP_ONTBONDEN:
        current = state.partnerschap
        if current is None:
            raise EventStreamError(f"{state.persoon_id}: ontbonden without a partnership")
        ended = replace(
            current, ontbinding=Ontbinding.from_record(d["ontbindingHuwelijkPartnerschap"])
        )
        return replace(
            state,
            partnerschappen=tuple(ended if p is current else p for p in state.partnerschappen),
        )
    if event_type == events.OVERLEDEN:
        return replace(state, overlijden=Overlijdensgegevens.from_record(d["overlijden"]))
    if event_type == events.GEHEIMHOUDING_GEWIJZIGD:
        return replace(state, geheimhouding_persoonsgegevens=d["geheimhoudingPersoonsgegevens"])
    if event_type == events.BURGERSERVICENUMMER_GEWIJZIGD:
        return replace(
            state,
            burgerservicenummer=d["nieuwBurgerservicenummer"],
            a_nummer=d.get("nieuwANummer") or state.a_nummer,
        )
    raise EventStreamError(f"{event_type} is not a BRP person event")
