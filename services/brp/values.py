"""The value objects that commands, events and the person state share, and their Avro records
(the address in `verblijfplaats`, partnerships in `partnerschap`).

`record()` writes every field of the record (nulls included) with the contract's field names;
`from_record()` reads one back, from `decide` or from fastavro (which gives uuids as `UUID`).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bron.contracts import models as m

Geslacht = Literal["man", "vrouw", "onbekend"]
Record = Mapping[str, Any]


def uuid_or_none(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Naam:
    geslachtsnaam: str
    voornamen: str | None = None
    voorvoegsel: str | None = None
    adellijke_titel_predicaat: str | None = None

    def record(self) -> m.PersoonIngeschreven_Naam:
        return {
            "voornamen": self.voornamen,
            "adellijkeTitelPredicaat": self.adellijke_titel_predicaat,
            "voorvoegsel": self.voorvoegsel,
            "geslachtsnaam": self.geslachtsnaam,
        }

    @classmethod
    def from_record(cls, r: Record) -> Naam:
        return cls(
            r["geslachtsnaam"],
            r.get("voornamen"),
            r.get("voorvoegsel"),
            r.get("adellijkeTitelPredicaat"),
        )


@dataclass(frozen=True, slots=True)
class Geboorte:
    """`datum` None: (partly) unknown. `plaats`: gemeentecode in NL, else a place name."""

    datum: datetime.date | None
    plaats: str | None = None
    land: str | None = None

    def record(self) -> m.PersoonIngeschreven_Geboorte:
        return {"datum": self.datum, "plaats": self.plaats, "land": self.land}

    @classmethod
    def from_record(cls, r: Record) -> Geboorte:
        return cls(r.get("datum"), r.get("plaats"), r.get("land"))


@dataclass(frozen=True, slots=True)
class Nationaliteit:
    nationaliteit: str
    reden_opname: str | None = None
    datum_ingang_geldigheid: datetime.date | None = None

    def record(self) -> m.PersoonIngeschreven_Nationaliteit:
        return {
            "nationaliteit": self.nationaliteit,
            "redenOpname": self.reden_opname,
            "datumIngangGeldigheid": self.datum_ingang_geldigheid,
        }

    @classmethod
    def from_record(cls, r: Record) -> Nationaliteit:
        return cls(r["nationaliteit"], r.get("redenOpname"), r.get("datumIngangGeldigheid"))


@dataclass(frozen=True, slots=True)
class Ouder:
    ouder_aanduiding: Literal["ouder1", "ouder2"]
    persoon_id: str | None = None

    def record(self) -> m.PersoonIngeschreven_Ouder:
        return {"persoonId": self.persoon_id, "ouderAanduiding": self.ouder_aanduiding}

    @classmethod
    def from_record(cls, r: Record) -> Ouder:
        return cls(r["ouderAanduiding"], uuid_or_none(r.get("persoonId")))


@dataclass(frozen=True, slots=True)
class Immigratie:
    land_vanwaar_ingeschreven: str | None = None
    datum_vestiging_in_nederland: datetime.date | None = None

    def record(self) -> m.PersoonIngeschreven_Immigratie:
        return {
            "landVanwaarIngeschreven": self.land_vanwaar_ingeschreven,
            "datumVestigingInNederland": self.datum_vestiging_in_nederland,
        }

    @classmethod
    def from_record(cls, r: Record) -> Immigratie:
        return cls(r.get("landVanwaarIngeschreven"), r.get("datumVestigingInNederland"))


@dataclass(frozen=True, slots=True)
class Overlijdensgegevens:
    """`datum` None: (partly) unknown."""

    datum: datetime.date | None
    plaats: str | None = None
    land: str | None = None

    def record(self) -> m.PersoonOverleden_Overlijden:
        return {"datum": self.datum, "plaats": self.plaats, "land": self.land}

    @classmethod
    def from_record(cls, r: Record) -> Overlijdensgegevens:
        return cls(r.get("datum"), r.get("plaats"), r.get("land"))
