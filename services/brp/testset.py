"""The RvIG BRP test set (`testset-proefomgeving-gba-v-20220502.csv`) as current person values.

Verified against the 2022-05-02 file (UTF-8 with BOM, `;`-separated, 257 columns, 2 156 data
rows), not only against its README:
- 687 persoonslijsten, not 675: 675 ids start `Lg01_` and 12 start `LG01_` (`LG01_761` up to
  `LG01_772`, complete persons with their own BSNs). Ids are unique; 15 rows are entirely empty.
- The first column's header is empty (it holds the id); `06.88.10` appears twice in the header
  (the second column is always empty).
- `CC.H` marks what the next row holding category CC is (see `lo_gba`): `CC` = a new occurrence,
  `5C`/`6C` = history of this one. 2 348 of the 2 363 markers are followed by a row of that
  category. Two rows lack the marker before a new occurrence (Lg01_838's second twin,
  Lg01_803's second partner): Lg01_803's category-05 markers sit one column to the right, in
  `06.08.10` (`05`, `55`), so a date element is read only if it has 8 digits.
- 685 persons have a BSN (01.01.20) and all pass the 11-proef; Lg01_562 and Lg01_639 have none.
  BSNs repeat deliberately (e.g. 999991425 for Lg01_527 and Lg01_579). Only one BSN in the whole
  file fails the 11-proef: 010008579, a corrected (`01.84.10` = O) history row of Lg01_292.
- Geboortedatum can be partial (`19680000`, `00000000`). A dissolved partnership has 05.07.10
  (datum ontbinding) on its current row; a lost nationality has 04.64.10 and no 04.05.10.
- 08.11.10 (straatnaam, at most 24 characters) and 08.11.15 (naam openbare ruimte) differ for
  abbreviated names; 3 persons have a locatiebeschrijving (08.12.10), 81 have emigrated (08.13.*).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bron.views.gemeenten import TABLE
from services.brp.lo_gba import PartialDate, Persoonslijst, Row, read_persoonslijsten


@dataclass(frozen=True, slots=True)
class Naam:
    voornamen: str | None
    adellijke_titel_predicaat: str | None
    voorvoegsel: str | None
    geslachtsnaam: str | None


@dataclass(frozen=True, slots=True)
class Gerelateerde:
    """A parent, partner or child as recorded on the person's own list (categories 02/03/05/09)."""

    a_nummer: str | None
    burgerservicenummer: str | None
    naam: Naam
    geboortedatum: PartialDate | None
    geboorteplaats: str | None
    geboorteland: str | None
    geslacht: str | None


@dataclass(frozen=True, slots=True)
class Ouder:
    ouder_aanduiding: int
    persoon: Gerelateerde


@dataclass(frozen=True, slots=True)
class Partner:
    persoon: Gerelateerde
    datum_aangaan: PartialDate | None
    plaats_aangaan: str | None
    land_aangaan: str | None
    soort_verbintenis: str | None


@dataclass(frozen=True, slots=True)
class Verblijfplaats:
    """Category 08 in element order: 09.10/09.20 gemeente and datum inschrijving, 10.10 functie
    adres (W/B), 10.30 aanvang adreshouding, 11.10-11.90 the address with its BAG ids
    (verblijfsobject 11.80, nummeraanduiding 11.90), 12.10 locatiebeschrijving, 13.* vertrek
    naar het buitenland, 14.* immigratie."""

    gemeente_van_inschrijving: str | None
    datum_inschrijving: PartialDate | None
    functie_adres: str | None
    datum_aanvang_adreshouding: PartialDate | None
    straatnaam: str | None
    naam_openbare_ruimte: str | None
    huisnummer: int | None
    huisletter: str | None
    huisnummertoevoeging: str | None
    aanduiding_bij_huisnummer: str | None
    postcode: str | None
    woonplaats: str | None
    adresseerbaar_object_identificatie: str | None
    nummeraanduiding_identificatie: str | None
    locatiebeschrijving: str | None
    land_vertrek: str | None
    datum_vertrek: PartialDate | None
    adres_buitenland: tuple[str, ...]
    land_vanwaar_ingeschreven: str | None
    datum_vestiging_in_nederland: PartialDate | None


@dataclass(frozen=True, slots=True)
class TestPerson:
    __test__ = False  # not a pytest test class, despite its name

    pl_id: str
    a_nummer: str | None
    burgerservicenummer: str | None
    naam: Naam
    geboortedatum: PartialDate | None
    geboorteplaats: str | None
    geboorteland: str | None
    geslacht: str | None
    nationaliteiten: tuple[str, ...]
    ouders: tuple[Ouder, ...]
    partners: tuple[Partner, ...]
    kinderen: tuple[Gerelateerde, ...]
    overlijdensdatum: PartialDate | None
    geheimhouding: int
    verblijfplaats: Verblijfplaats | None


TESTSET_DIR = Path(__file__).resolve().parent / "data"
TESTSET = TESTSET_DIR / "testset-proefomgeving-gba-v-20220502.csv"
GEMEENTEN = TABLE  # LO-GBA table 33, kept in the core (bron/views/data)


def read_testset(path: Path) -> list[TestPerson]:
    return [from_persoonslijst(pl) for pl in read_persoonslijsten(path)]


def from_persoonslijst(pl: Persoonslijst) -> TestPerson:
    persoon = pl.current("01")
    return TestPerson(
        pl_id=pl.id,
        a_nummer=persoon.get("01.01.10"),
        burgerservicenummer=persoon.get("01.01.20"),
        naam=_naam(persoon, "01"),
        geboortedatum=PartialDate.parse(persoon.get("01.03.10")),
        geboorteplaats=persoon.get("01.03.20"),
        geboorteland=persoon.get("01.03.30"),
        geslacht=persoon.get("01.04.10"),
        nationaliteiten=tuple(
            o.current["04.05.10"] for o in pl.occurrences("04") if "04.05.10" in o.current
        ),
        ouders=tuple(
            Ouder(int(category) - 1, _gerelateerde(pl.current(category), category))
            for category in ("02", "03")
            if _names_someone(pl.current(category), category)
        ),
        partners=tuple(
            _partner(o.current)
            for o in pl.occurrences("05")
            if _names_someone(o.current, "05") and "05.07.10" not in o.current
        ),
        kinderen=tuple(
            _gerelateerde(o.current, "09")
            for o in pl.occurrences("09")
            if _names_someone(o.current, "09")
        ),
        overlijdensdatum=PartialDate.parse(pl.current("06").get("06.08.10")),
        geheimhouding=int(pl.current("07").get("07.70.10", "0")),
        verblijfplaats=_verblijfplaats(pl.current("08")),
    )


def _names_someone(row: Row, c: str) -> bool:
    return any(f"{c}.{e}" in row for e in ("01.10", "01.20", "02.10", "02.40", "03.10"))


def _naam(row: Row, c: str) -> Naam:
    return Naam(
        voornamen=row.get(f"{c}.02.10"),
        adellijke_titel_predicaat=row.get(f"{c}.02.20"),
        voorvoegsel=row.get(f"{c}.02.30"),
        geslachtsnaam=row.get(f"{c}.02.40"),
    )


def _gerelateerde(row: Row, c: str) -> Gerelateerde:
    return Gerelateerde(
        a_nummer=row.get(f"{c}.01.10"),
        burgerservicenummer=row.get(f"{c}.01.20"),
        naam=_naam(row, c),
        geboortedatum=PartialDate.parse(row.get(f"{c}.03.10")),
        geboorteplaats=row.get(f"{c}.03.20"),
        geboorteland=row.get(f"{c}.03.30"),
        geslacht=row.get(f"{c}.04.10"),
    )


def _partner(row: Row) -> Partner:
    return Partner(
        persoon=_gerelateerde(row, "05"),
        datum_aangaan=PartialDate.parse(row.get("05.06.10")),
        plaats_aangaan=row.get("05.06.20"),
        land_aangaan=row.get("05.06.30"),
        soort_verbintenis=row.get("05.15.10"),
    )


def _verblijfplaats(row: Row) -> Verblijfplaats | None:
    if not row:
        return None
    huisnummer = row.get("08.11.20")
    return Verblijfplaats(
        gemeente_van_inschrijving=row.get("08.09.10"),
        datum_inschrijving=PartialDate.parse(row.get("08.09.20")),
        functie_adres=row.get("08.10.10"),
        datum_aanvang_adreshouding=PartialDate.parse(row.get("08.10.30")),
        straatnaam=row.get("08.11.10"),
        naam_openbare_ruimte=row.get("08.11.15"),
        huisnummer=int(huisnummer) if huisnummer and huisnummer.isdigit() else None,
        huisletter=row.get("08.11.30"),
        huisnummertoevoeging=row.get("08.11.40"),
        aanduiding_bij_huisnummer=row.get("08.11.50"),
        postcode=row.get("08.11.60"),
        woonplaats=row.get("08.11.70"),
        adresseerbaar_object_identificatie=row.get("08.11.80"),
        nummeraanduiding_identificatie=row.get("08.11.90"),
        locatiebeschrijving=row.get("08.12.10"),
        land_vertrek=row.get("08.13.10"),
        datum_vertrek=PartialDate.parse(row.get("08.13.20")),
        adres_buitenland=tuple(row[k] for k in ("08.13.30", "08.13.40", "08.13.50") if k in row),
        land_vanwaar_ingeschreven=row.get("08.14.10"),
        datum_vestiging_in_nederland=PartialDate.parse(row.get("08.14.20")),
    )
