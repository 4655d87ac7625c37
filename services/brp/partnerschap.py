"""A huwelijk or geregistreerd partnerschap: the partner, its start and its end."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

from bron.contracts import models as m
from services.brp.values import Geboorte, Naam, Record, uuid_or_none

SoortVerbintenis = Literal["huwelijk", "geregistreerd_partnerschap", "onbekend"]
RedenOntbinding = m.PersoonPartnerschapOntbonden_RedenOntbinding


@dataclass(frozen=True, slots=True)
class Partner:
    """A partner in the BRP (`persoon_id`) or outside it (`naam`, `geboorte`)."""

    persoon_id: str | None = None
    naam: Naam | None = None
    geboorte: Geboorte | None = None

    def record(self) -> m.PersoonPartnerschapAangegaan_Partner:
        return {
            "persoonId": self.persoon_id,
            "naam": None if self.naam is None else self.naam.record(),
            "geboorte": None if self.geboorte is None else self.geboorte.record(),
        }

    @classmethod
    def from_record(cls, r: Record) -> Partner:
        naam, geboorte = r.get("naam"), r.get("geboorte")
        return cls(
            uuid_or_none(r.get("persoonId")),
            None if naam is None else Naam.from_record(naam),
            None if geboorte is None else Geboorte.from_record(geboorte),
        )


@dataclass(frozen=True, slots=True)
class Aangaan:
    datum: datetime.date
    plaats: str | None = None
    land: str | None = None

    def record(self) -> m.PersoonPartnerschapAangegaan_AangaanHuwelijkPartnerschap:
        return {"datum": self.datum, "plaats": self.plaats, "land": self.land}

    @classmethod
    def from_record(cls, r: Record) -> Aangaan:
        return cls(r["datum"], r.get("plaats"), r.get("land"))


@dataclass(frozen=True, slots=True)
class Ontbinding:
    datum: datetime.date
    reden: RedenOntbinding = "onbekend"
    plaats: str | None = None
    land: str | None = None

    def record(self) -> m.PersoonPartnerschapOntbonden_OntbindingHuwelijkPartnerschap:
        return {"datum": self.datum, "plaats": self.plaats, "land": self.land, "reden": self.reden}

    @classmethod
    def from_record(cls, r: Record) -> Ontbinding:
        return cls(r["datum"], r["reden"], r.get("plaats"), r.get("land"))


@dataclass(frozen=True, slots=True)
class Partnerschap:
    """A partnership in the person's state: current while `ontbinding` is None."""

    partner: Partner
    soort_verbintenis: SoortVerbintenis
    aangaan: Aangaan
    ontbinding: Ontbinding | None = None
