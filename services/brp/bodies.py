"""The bodies of the BRP's change requests: the commands with camelCase field names (as the
event records and the rejections' field paths spell them), turned into the domain's
dataclasses by `to_domain`. Formats are checked by the domain, so that a bad BSN is a 422
naming its rule rather than a bare 400."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from services.brp import domain as d
from services.brp.partnerschap import RedenOntbinding, SoortVerbintenis
from services.brp.values import Geslacht

Text = Annotated[str, Field(max_length=200)]  # free text: the domain checks no format


class _Body(BaseModel):
    """A request part that mirrors a domain dataclass field by field (snake_case inside)."""

    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", frozen=True)
    target: ClassVar[type[Any]]

    def to_domain(self, **extra: Any) -> Any:
        values = {name: _domain(getattr(self, name)) for name in type(self).model_fields}
        return self.target(**values, **extra)


def _domain(value: Any) -> Any:
    if isinstance(value, _Body):
        return value.to_domain()
    if isinstance(value, tuple):
        return tuple(_domain(v) for v in value)
    return value


class Naam(_Body):
    target = d.Naam
    geslachtsnaam: Text
    voornamen: Text | None = None
    voorvoegsel: Text | None = None
    adellijke_titel_predicaat: Text | None = None


class Geboorte(_Body):
    target = d.Geboorte
    datum: datetime.date | None = None
    plaats: Text | None = None
    land: Text | None = None


class Nationaliteit(_Body):
    target = d.Nationaliteit
    nationaliteit: Text
    reden_opname: Text | None = None
    datum_ingang_geldigheid: datetime.date | None = None


class Ouder(_Body):
    target = d.Ouder
    ouder_aanduiding: Literal["ouder1", "ouder2"]
    persoon_id: str | None = None


class Immigratie(_Body):
    target = d.Immigratie
    land_vanwaar_ingeschreven: Text | None = None
    datum_vestiging_in_nederland: datetime.date | None = None


class Verblijfadres(_Body):
    target = d.Verblijfadres
    officiele_straatnaam: Text | None = None
    korte_straatnaam: Text | None = None
    huisnummer: int | None = None
    huisletter: str | None = None
    huisnummertoevoeging: Text | None = None
    aanduiding_bij_huisnummer: Literal["bij", "tegenover"] | None = None
    postcode: str | None = None
    woonplaats: Text | None = None
    locatiebeschrijving: Text | None = None


class Verblijfplaats(_Body):
    target = d.Verblijfplaats
    verblijfadres: Verblijfadres
    datum_aanvang_adreshouding: datetime.date
    nummeraanduiding_identificatie: str | None = None
    adresseerbaar_object_identificatie: str | None = None
    type: Literal["adres", "locatie", "onbekend"] = "adres"
    functie_adres: Literal["woonadres", "briefadres", "onbekend"] = "woonadres"


class Partner(_Body):
    target = d.Partner
    persoon_id: str | None = None
    naam: Naam | None = None
    geboorte: Geboorte | None = None


class Aangaan(_Body):
    target = d.Aangaan
    datum: datetime.date
    plaats: Text | None = None
    land: Text | None = None


class Ontbinding(_Body):
    target = d.Ontbinding
    datum: datetime.date
    reden: RedenOntbinding = "onbekend"
    plaats: Text | None = None
    land: Text | None = None


class Overlijdensgegevens(_Body):
    target = d.Overlijdensgegevens
    datum: datetime.date | None
    plaats: Text | None = None
    land: Text | None = None


class Inschrijven(_Body):
    """`persoonId` may be chosen by the caller (a retry then cannot register twice);
    otherwise the registry generates one."""

    target = d.Inschrijven
    reden: Literal["geboorte", "immigratie"]
    persoon_id: str | None = None
    burgerservicenummer: str
    naam: Naam
    geboorte: Geboorte
    geslacht: Geslacht
    gemeente_van_inschrijving: str
    datum_inschrijving_in_gemeente: datetime.date
    verblijfplaats: Verblijfplaats | None = None
    a_nummer: Text | None = None
    nationaliteiten: tuple[Nationaliteit, ...] = ()
    ouders: tuple[Ouder, ...] = Field(default=(), max_length=2)
    immigratie: Immigratie | None = None
    geheimhouding_persoonsgegevens: int = 0

    def command(self) -> d.Inschrijven:
        command: d.Inschrijven = self.to_domain()
        if self.persoon_id is None:
            return dataclasses.replace(command, persoon_id=str(uuid.uuid4()))
        return command


class NaamWijzigen(_Body):
    target = d.NaamWijzigen
    naam: Naam
    datum_ingang_geldigheid: datetime.date


class Verhuizen(_Body):
    target = d.Verhuizen
    verblijfplaats: Verblijfplaats
    gemeente_van_inschrijving: str


class PartnerschapAangaan(_Body):
    target = d.PartnerschapAangaan
    partner: Partner
    soort_verbintenis: SoortVerbintenis
    aangaan_huwelijk_partnerschap: Aangaan


class PartnerschapOntbinden(_Body):
    target = d.PartnerschapOntbinden
    ontbinding_huwelijk_partnerschap: Ontbinding


class Overlijden(_Body):
    target = d.Overlijden
    overlijden: Overlijdensgegevens


class GeheimhoudingWijzigen(_Body):
    target = d.GeheimhoudingWijzigen
    geheimhouding_persoonsgegevens: int
    datum_ingang_geldigheid: datetime.date


class BurgerservicenummerWijzigen(_Body):
    target = d.BurgerservicenummerWijzigen
    nieuw_burgerservicenummer: str
    datum_ingang_geldigheid: datetime.date
    nieuw_a_nummer: Text | None = None
