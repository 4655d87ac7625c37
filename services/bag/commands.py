"""Commands on the five BAG objects. Field names are those of the Avro contracts, so a
rejection's field is also the path in a request and in the event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from bron.contracts import models
from services.bag.types import Objecttype

WoonplaatsStatus = models.WoonplaatsAangemaakt_WoonplaatsStatus
OpenbareRuimteType = models.OpenbareRuimteAangemaakt_OpenbareRuimteType
OpenbareRuimteStatus = models.OpenbareRuimteAangemaakt_OpenbareRuimteStatus
TypeAdresseerbaarObject = models.NummeraanduidingAangemaakt_TypeAdresseerbaarObject
NummeraanduidingStatus = models.NummeraanduidingAangemaakt_NummeraanduidingStatus
Gebruiksdoel = models.VerblijfsobjectAangemaakt_Gebruiksdoel
VerblijfsobjectStatus = models.VerblijfsobjectAangemaakt_VerblijfsobjectStatus
PandStatus = models.PandAangemaakt_PandStatus


@dataclass(frozen=True, kw_only=True)
class Mutatie:
    """The source document of a change; `beginGeldigheid` defaults to its `documentdatum`."""

    documentdatum: date
    documentnummer: str
    tijdstipRegistratie: datetime
    geconstateerd: bool = False
    beginGeldigheid: date | None = None


@dataclass(frozen=True, kw_only=True)
class Opdracht(Mutatie):
    """A command; `gemeentecode`, where given, is the gemeente acting, who must own the object."""

    gemeentecode: str | None = None


@dataclass(frozen=True, kw_only=True)
class Aanmaken(Opdracht):
    pass


@dataclass(frozen=True, kw_only=True)
class Wijzigen(Opdracht):
    """Replaces the object's data (a full new state, as the gewijzigd event carries)."""


@dataclass(frozen=True, kw_only=True)
class Intrekken(Opdracht):
    objecttype: ClassVar[Objecttype]
    identificatie: str
    status: str | None = None


@dataclass(frozen=True, kw_only=True)
class WoonplaatsGegevens(Mutatie):
    objecttype: ClassVar[Objecttype] = "woonplaats"
    identificatie: str
    naam: str
    status: WoonplaatsStatus
    geometrie: str | None = None


@dataclass(frozen=True, kw_only=True)
class OpenbareRuimteGegevens(Mutatie):
    objecttype: ClassVar[Objecttype] = "openbare-ruimte"
    identificatie: str
    naam: str
    type: OpenbareRuimteType
    status: OpenbareRuimteStatus
    ligtIn: str
    verkorteNaam: str | None = None


@dataclass(frozen=True, kw_only=True)
class NummeraanduidingGegevens(Mutatie):
    objecttype: ClassVar[Objecttype] = "nummeraanduiding"
    identificatie: str
    huisnummer: int
    typeAdresseerbaarObject: TypeAdresseerbaarObject
    status: NummeraanduidingStatus
    ligtAan: str
    huisletter: str | None = None
    huisnummertoevoeging: str | None = None
    postcode: str | None = None
    ligtIn: str | None = None


@dataclass(frozen=True, kw_only=True)
class VerblijfsobjectGegevens(Mutatie):
    objecttype: ClassVar[Objecttype] = "verblijfsobject"
    identificatie: str
    heeftAlsHoofdadres: str
    gebruiksdoelen: tuple[Gebruiksdoel, ...]
    oppervlakte: int
    status: VerblijfsobjectStatus
    maaktDeelUitVan: tuple[str, ...]
    heeftAlsNevenadres: tuple[str, ...] = ()
    geometrie: str | None = None


@dataclass(frozen=True, kw_only=True)
class PandGegevens(Mutatie):
    objecttype: ClassVar[Objecttype] = "pand"
    identificatie: str
    oorspronkelijkBouwjaar: int
    status: PandStatus
    geometrie: str | None = None


Gegevens = (
    WoonplaatsGegevens
    | OpenbareRuimteGegevens
    | NummeraanduidingGegevens
    | VerblijfsobjectGegevens
    | PandGegevens
)
GEGEVENS: dict[Objecttype, type[Gegevens]] = {
    "woonplaats": WoonplaatsGegevens,
    "openbare-ruimte": OpenbareRuimteGegevens,
    "nummeraanduiding": NummeraanduidingGegevens,
    "verblijfsobject": VerblijfsobjectGegevens,
    "pand": PandGegevens,
}


@dataclass(frozen=True, kw_only=True)
class WoonplaatsAanmaken(WoonplaatsGegevens, Aanmaken):
    pass


@dataclass(frozen=True, kw_only=True)
class WoonplaatsWijzigen(WoonplaatsGegevens, Wijzigen):
    pass


@dataclass(frozen=True, kw_only=True)
class WoonplaatsIntrekken(Intrekken):
    objecttype: ClassVar[Objecttype] = "woonplaats"


@dataclass(frozen=True, kw_only=True)
class OpenbareRuimteAanmaken(OpenbareRuimteGegevens, Aanmaken):
    pass


@dataclass(frozen=True, kw_only=True)
class OpenbareRuimteWijzigen(OpenbareRuimteGegevens, Wijzigen):
    pass


@dataclass(frozen=True, kw_only=True)
class OpenbareRuimteIntrekken(Intrekken):
    objecttype: ClassVar[Objecttype] = "openbare-ruimte"


@dataclass(frozen=True, kw_only=True)
class NummeraanduidingAanmaken(NummeraanduidingGegevens, Aanmaken):
    pass


@dataclass(frozen=True, kw_only=True)
class NummeraanduidingWijzigen(NummeraanduidingGegevens, Wijzigen):
    pass


@dataclass(frozen=True, kw_only=True)
class NummeraanduidingIntrekken(Intrekken):
    objecttype: ClassVar[Objecttype] = "nummeraanduiding"


@dataclass(frozen=True, kw_only=True)
class VerblijfsobjectAanmaken(VerblijfsobjectGegevens, Aanmaken):
    pass


@dataclass(frozen=True, kw_only=True)
class VerblijfsobjectWijzigen(VerblijfsobjectGegevens, Wijzigen):
    pass


@dataclass(frozen=True, kw_only=True)
class VerblijfsobjectIntrekken(Intrekken):
    objecttype: ClassVar[Objecttype] = "verblijfsobject"


@dataclass(frozen=True, kw_only=True)
class PandAanmaken(PandGegevens, Aanmaken):
    pass


@dataclass(frozen=True, kw_only=True)
class PandWijzigen(PandGegevens, Wijzigen):
    pass


@dataclass(frozen=True, kw_only=True)
class PandIntrekken(Intrekken):
    objecttype: ClassVar[Objecttype] = "pand"


Command = (
    WoonplaatsAanmaken
    | WoonplaatsWijzigen
    | WoonplaatsIntrekken
    | OpenbareRuimteAanmaken
    | OpenbareRuimteWijzigen
    | OpenbareRuimteIntrekken
    | NummeraanduidingAanmaken
    | NummeraanduidingWijzigen
    | NummeraanduidingIntrekken
    | VerblijfsobjectAanmaken
    | VerblijfsobjectWijzigen
    | VerblijfsobjectIntrekken
    | PandAanmaken
    | PandWijzigen
    | PandIntrekken
)
