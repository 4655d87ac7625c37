"""The registries' own commands for an address and its household: BAG objects, inschrijvingen
and partnerships, the WOZ-object with its value and belanghebbenden, and consents.

Every command carries its moment (`tijdstipRegistratie`, ids) explicitly, never a default that
reads the clock or draws a random uuid, so a plan is reproducible.
"""

from __future__ import annotations

import datetime
import random
import uuid
from dataclasses import dataclass

from services.bag.domain import (
    NummeraanduidingAanmaken,
    OpenbareRuimteAanmaken,
    PandAanmaken,
    VerblijfsobjectAanmaken,
    WoonplaatsAanmaken,
)
from services.brp.domain import (
    Aangaan,
    Geboorte,
    Immigratie,
    Inschrijven,
    Nationaliteit,
    Ouder,
    Partner,
    PartnerschapAangaan,
    Verblijfadres,
    Verblijfplaats,
)
from services.generator.households import Huishouden, Lid
from services.generator.numbers import bag_id, woz_objectnummer
from services.generator.places import CONSENTS_BY_GEMEENTE, LAND_NEDERLAND, Gemeente
from services.generator.streets import Adres, Straat
from services.toestemming.domain import ToestemmingVerlenen
from services.woz.domain import BelanghebbendeWijzigen, WaardeVaststellen, WozObjectAanmaken

BAG_START = datetime.date(2009, 7, 1)  # objects older than the BAG got this documentdatum
WAARDEPEILDATUM = datetime.date(2025, 1, 1)
BELASTINGJAAR = 2026
LAST_BOUWJAAR = 2024  # every house stood on the waardepeildatum
GEBRUIKER_SHARE = 0.3
GELDIG_TOT_SHARE = 0.4
_BOUWJAREN = ((1900, 1945, 20), (1946, 1970, 20), (1971, 1990, 22), (1991, 2010, 25),
              (2011, LAST_BOUWJAAR, 13))  # fmt: skip
_BOUWJAAR_WEIGHTS = tuple(b[2] for b in _BOUWJAREN)
_OPPERVLAKTE = {"alleenstaand": (30, 95), "paar": (45, 140), "gezin": (70, 190),
                "eenoudergezin": (55, 130)}  # fmt: skip


def woonplaats(gemeente: Gemeente, now: datetime.datetime) -> WoonplaatsAanmaken:
    return WoonplaatsAanmaken(
        identificatie=gemeente.woonplaatscode,
        naam=gemeente.naam,
        status="woonplaats_aangewezen",
        documentdatum=BAG_START,
        documentnummer=f"BAG-{gemeente.code}-woonplaats",
        tijdstipRegistratie=now,
    )


def openbare_ruimte(straat: Straat, now: datetime.datetime) -> OpenbareRuimteAanmaken:
    return OpenbareRuimteAanmaken(
        identificatie=straat.identificatie,
        naam=straat.naam,
        verkorteNaam=straat.verkorte_naam,
        type="weg",
        status="naamgeving_uitgegeven",
        ligtIn=straat.gemeente.woonplaatscode,
        documentdatum=BAG_START,
        documentnummer=f"BAG-{straat.identificatie}",
        tijdstipRegistratie=now,
        gemeentecode=straat.gemeente.code,
    )


@dataclass(frozen=True, slots=True)
class Woning:
    """The dwelling at an address: one pand, verblijfsobject and nummeraanduiding, numbered by
    the gemeente's address counter (so each is unique and the three share their number)."""

    adres: Adres
    bouwjaar: int
    oppervlakte: int
    documentdatum: datetime.date
    pand: str
    nummeraanduiding: str
    verblijfsobject: str


def woning(rng: random.Random, adres: Adres, huishouden: Huishouden) -> Woning:
    """Built before the household moved in; a bigger household gets a bigger home."""
    lo, hi, _ = rng.choices(_BOUWJAREN, weights=_BOUWJAAR_WEIGHTS)[0]
    last = min(hi, huishouden.inwoning.year - 1)
    bouwjaar = rng.randint(min(lo, last), last)
    documentdatum = BAG_START if bouwjaar < BAG_START.year else datetime.date(bouwjaar, 7, 1)
    oppervlakte = rng.randint(*_OPPERVLAKTE[huishouden.soort])
    code, n = adres.straat.gemeente.code, adres.volgnummer
    return Woning(adres, bouwjaar, oppervlakte, documentdatum,
                  bag_id(code, "10", n), bag_id(code, "20", n), bag_id(code, "01", n))  # fmt: skip


def bag_objecten(
    w: Woning, now: datetime.datetime
) -> tuple[PandAanmaken, NummeraanduidingAanmaken, VerblijfsobjectAanmaken]:
    adres, code, datum = w.adres, w.adres.straat.gemeente.code, w.documentdatum
    return (
        PandAanmaken(identificatie=w.pand, oorspronkelijkBouwjaar=w.bouwjaar,
                     status="pand_in_gebruik", documentdatum=datum,
                     documentnummer=f"BAG-{w.pand}", tijdstipRegistratie=now, gemeentecode=code),
        NummeraanduidingAanmaken(identificatie=w.nummeraanduiding, huisnummer=adres.huisnummer,
                                 huisletter=adres.huisletter, postcode=adres.postcode,
                                 typeAdresseerbaarObject="verblijfsobject",
                                 status="naamgeving_uitgegeven",
                                 ligtAan=adres.straat.identificatie, documentdatum=datum,
                                 documentnummer=f"BAG-{w.nummeraanduiding}",
                                 tijdstipRegistratie=now, gemeentecode=code),
        VerblijfsobjectAanmaken(identificatie=w.verblijfsobject,
                                heeftAlsHoofdadres=w.nummeraanduiding,
                                gebruiksdoelen=("woonfunctie",), oppervlakte=w.oppervlakte,
                                status="verblijfsobject_in_gebruik", maaktDeelUitVan=(w.pand,),
                                documentdatum=datum, documentnummer=f"BAG-{w.verblijfsobject}",
                                tijdstipRegistratie=now, gemeentecode=code),
    )  # fmt: skip


def verblijfadres(adres: Adres) -> Verblijfadres:
    straat = adres.straat
    return Verblijfadres(
        officiele_straatnaam=straat.naam,
        korte_straatnaam=straat.verkorte_naam or straat.naam,
        huisnummer=adres.huisnummer,
        huisletter=adres.huisletter,
        postcode=adres.postcode,
        woonplaats=straat.gemeente.naam,
    )


@dataclass(frozen=True, slots=True)
class Nummers:
    persoon_id: str
    burgerservicenummer: str
    a_nummer: str


def inschrijven(
    lid: Lid,
    nummers: Nummers,
    w: Woning,
    adres: Verblijfadres,
    inwoning: datetime.date,
    ouders: tuple[Ouder, ...] = (),
) -> Inschrijven:
    """At the household's address since it moved in (a child born later: since birth)."""
    aanvang = max(lid.geboren, inwoning)
    herkomst = lid.herkomst
    return Inschrijven(
        reden="geboorte" if herkomst is None else "immigratie",
        persoon_id=nummers.persoon_id,
        burgerservicenummer=nummers.burgerservicenummer,
        a_nummer=nummers.a_nummer,
        naam=lid.naam,
        geboorte=Geboorte(lid.geboren, lid.geboorteplaats,
                          LAND_NEDERLAND if herkomst is None else herkomst.land),
        geslacht=lid.geslacht,
        gemeente_van_inschrijving=w.adres.straat.gemeente.code,
        datum_inschrijving_in_gemeente=aanvang,
        verblijfplaats=Verblijfplaats(adres, aanvang, w.nummeraanduiding, w.verblijfsobject),
        nationaliteiten=tuple(Nationaliteit(n) for n in lid.nationaliteiten),
        ouders=ouders,
        immigratie=None if herkomst is None else Immigratie(herkomst.land, lid.vestiging),
        geheimhouding_persoonsgegevens=lid.geheimhouding,
    )  # fmt: skip


def partnerschap(
    persoon_id: str, partner_id: str, huishouden: Huishouden, gemeente: Gemeente
) -> PartnerschapAangaan:
    """One command per couple: the BRP service records the mirrored side itself."""
    assert huishouden.verbintenis is not None
    assert huishouden.aangaan is not None
    return PartnerschapAangaan(
        persoon_id=persoon_id,
        partner=Partner(persoon_id=partner_id),
        soort_verbintenis=huishouden.verbintenis,
        aangaan_huwelijk_partnerschap=Aangaan(huishouden.aangaan, gemeente.code, LAND_NEDERLAND),
    )


def woz(
    rng: random.Random, w: Woning, huishouden: Huishouden, ids: list[str], now: datetime.datetime
) -> list[WozObjectAanmaken | WaardeVaststellen | BelanghebbendeWijzigen]:
    """The WOZ-object of the verblijfsobject, its 2025 value, and the first adult as eigenaar
    (for some households a gebruiker too: the partner, or the eigenaar)."""
    gemeente = w.adres.straat.gemeente
    nummer = woz_objectnummer(gemeente.code, w.adres.volgnummer)
    grond = rng.randint(w.oppervlakte, 3 * w.oppervlakte) if w.oppervlakte >= 90 else 0
    waarde = gemeente.m2_prijs * w.oppervlakte * (0.85 + 0.3 * rng.random())
    commands: list[WozObjectAanmaken | WaardeVaststellen | BelanghebbendeWijzigen] = [
        WozObjectAanmaken(wozObjectnummer=nummer, gemeentecode=gemeente.code,
                          soortObjectcode="1010", ingangsdatum=w.documentdatum,
                          verblijfsobjectIdentificaties=(w.verblijfsobject,),
                          grondoppervlakte=grond, tijdstipRegistratie=now),
        WaardeVaststellen(wozObjectnummer=nummer,
                          vastgesteldeWaarde=max(60_000, int(round(waarde, -3))),
                          waardepeildatum=WAARDEPEILDATUM, toestandspeildatum=WAARDEPEILDATUM,
                          belastingjaar=BELASTINGJAAR, tijdstipRegistratie=now),
        BelanghebbendeWijzigen(wozObjectnummer=nummer, persoonId=ids[0], soort="eigenaar",
                               ingangsdatum=huishouden.inwoning, tijdstipRegistratie=now),
    ]  # fmt: skip
    if rng.random() < GEBRUIKER_SHARE:
        commands.append(
            BelanghebbendeWijzigen(wozObjectnummer=nummer, persoonId=ids[-1], soort="gebruiker",
                                   ingangsdatum=huishouden.inwoning, tijdstipRegistratie=now)
        )  # fmt: skip
    return commands


def toestemming(
    rng: random.Random,
    toestemming_id: uuid.UUID,
    persoon_id: str,
    gemeente: Gemeente,
    now: datetime.datetime,
) -> ToestemmingVerlenen:
    """A consent for a purpose that serves the person's gemeente; some end within two years."""
    purpose = rng.choice(CONSENTS_BY_GEMEENTE[gemeente.code])
    geldig_tot = None
    if rng.random() < GELDIG_TOT_SHARE:
        geldig_tot = now + datetime.timedelta(days=rng.randint(30, 730))
    return ToestemmingVerlenen(
        toestemmingId=toestemming_id,
        persoonId=uuid.UUID(persoon_id),
        appId=purpose.app_id,
        doelId=purpose.doel_id,
        geldigTot=geldig_tot,
    )
