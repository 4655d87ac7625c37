"""Reading the RvIG BRP test set: counts, the 11-proef, and field-by-field checks of persons
whose expected values are copied from the CSV itself."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest

from bron.views.gemeenten import read_gemeenten
from services.brp import testset
from services.brp.bsn import is_valid_a_nummer, is_valid_bsn
from services.brp.lo_gba import PartialDate
from services.brp.testset import TESTSET_DIR, Gerelateerde, Naam

DATA = Path(os.environ.get("BRON_BRP_TESTSET_DIR", str(TESTSET_DIR)))
TESTSET = DATA / "testset-proefomgeving-gba-v-20220502.csv"


@pytest.fixture(scope="module")
def persons() -> dict[str, testset.TestPerson]:
    if not TESTSET.exists():
        pytest.fail(f"{TESTSET} is missing: set BRON_BRP_TESTSET_DIR to the folder holding it")
    return {person.pl_id: person for person in testset.read_testset(TESTSET)}


def test_the_file_holds_687_persoonslijsten_of_which_675_have_a_lg01_id(
    persons: dict[str, testset.TestPerson],
) -> None:
    """The README's 675 counts the `Lg01_` ids only; 12 more persons have `LG01_` ids."""
    assert len(persons) == 687
    assert sum(pl_id.startswith("Lg01_") for pl_id in persons) == 675
    assert sorted(pl_id for pl_id in persons if pl_id.startswith("LG01_")) == [
        f"LG01_{n}" for n in range(761, 773)
    ]


def test_every_current_bsn_passes_the_11_proef(persons: dict[str, testset.TestPerson]) -> None:
    bsns = [p.burgerservicenummer for p in persons.values()]
    assert sum(bsn is None for bsn in bsns) == 2
    assert persons["Lg01_562"].burgerservicenummer is None
    assert persons["Lg01_639"].burgerservicenummer is None
    assert all(is_valid_bsn(bsn) for bsn in bsns if bsn is not None)


def test_every_a_nummer_passes_the_lo_gba_check(persons: dict[str, testset.TestPerson]) -> None:
    a_nummers = [p.a_nummer for p in persons.values()]
    assert None not in a_nummers
    assert all(is_valid_a_nummer(a) for a in a_nummers if a is not None)
    assert not is_valid_a_nummer("8940402025")
    assert not is_valid_a_nummer("0940402024")
    assert not is_valid_a_nummer("8840402024")  # equal neighbours


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("999993653", True),
        ("010082426", True),
        ("000009921", True),
        ("010008579", False),  # a corrected history row of Lg01_292
        ("999993654", False),
        ("000000000", False),
        ("99999365", False),
        ("9999936530", False),
        ("99999365a", False),
        ("٩٩٩٩٩٣٦٥٣", False),  # Arabic-Indic digits are digits to str.isdigit
    ],
)
def test_the_11_proef(value: str, valid: bool) -> None:
    assert is_valid_bsn(value) is valid


def test_suzanne_moulin(persons: dict[str, testset.TestPerson]) -> None:
    """Immigrated from France; a partner and parents outside the BRP (no BSN); BAG ids."""
    p = persons["Lg01_716"]
    assert (p.a_nummer, p.burgerservicenummer) == ("8940402024", "999993653")
    assert p.naam == Naam("Suzanne", None, None, "Moulin")
    assert p.geboortedatum == PartialDate("19851201")
    assert (p.geboorteplaats, p.geboorteland, p.geslacht) == ("Thann", "5001", "V")
    assert p.nationaliteiten == ("0057",)
    assert [o.persoon.naam.geslachtsnaam for o in p.ouders] == ["Béamont", "Moulin"]
    assert p.ouders[1].persoon.naam.voornamen == "Guîllaumé"
    (partner,) = p.partners
    assert partner.persoon == Gerelateerde(
        a_nummer=None,
        burgerservicenummer=None,
        naam=Naam("Jean Marie", None, None, "Beaudelaire"),
        geboortedatum=PartialDate("19760801"),
        geboorteplaats="Saint Amarin",
        geboorteland="5002",
        geslacht="M",
    )
    assert (partner.datum_aangaan, partner.soort_verbintenis) == (PartialDate("20081201"), "H")
    assert p.kinderen == ()
    v = p.verblijfplaats
    assert v is not None
    assert (v.gemeente_van_inschrijving, v.functie_adres) == ("0599", "W")
    assert v.datum_aanvang_adreshouding == PartialDate("20150808")
    assert (v.straatnaam, v.naam_openbare_ruimte, v.huisnummer) == ("Boterdiep", "Boterdiep", 31)
    assert (v.postcode, v.woonplaats) == ("3077AW", "Rotterdam")
    assert v.adresseerbaar_object_identificatie == "0599010000208579"
    assert v.nummeraanduiding_identificatie == "0599200000219678"
    assert (v.land_vanwaar_ingeschreven, v.datum_vestiging_in_nederland) == (
        "5002",
        PartialDate("20131102"),
    )


def test_mattheus_du_burck_with_children_and_history(
    persons: dict[str, testset.TestPerson],
) -> None:
    """Parents and children carry history rows (52, 53, 59) that must not become extra people."""
    p = persons["Lg01_501"]
    assert p.naam == Naam("Mattheus", None, "du", "Burck")
    assert p.geboortedatum == PartialDate("19220925")
    assert [(o.ouder_aanduiding, o.persoon.burgerservicenummer) for o in p.ouders] == [
        (1, "999991425"),
        (2, "999994803"),
    ]
    (partner,) = p.partners
    assert partner.persoon.burgerservicenummer == "999993239"
    assert partner.persoon.naam == Naam("Johanna Dingena", None, None, "Maassen")
    assert partner.datum_aangaan == PartialDate("19500115")
    assert [(k.naam.voornamen, k.burgerservicenummer, k.geboortedatum) for k in p.kinderen] == [
        ("Caroline Ilse", "999992387", PartialDate("19501111")),
        ("Karin Monique", "999994736", PartialDate("19511223")),
        ("Sasja", "999994773", PartialDate("19570831")),
        ("Carsten Antonius", "999993136", PartialDate("19530411")),
    ]
    v = p.verblijfplaats
    assert v is not None
    assert (v.straatnaam, v.huisnummer, v.postcode) == ("Zeeruststraat", 132, "2584BZ")
    assert v.nummeraanduiding_identificatie is None


def test_hillegonda_hoogenboezem_with_twelve_children(
    persons: dict[str, testset.TestPerson],
) -> None:
    """The twins' second child follows a row without its `09` marker and is still a child."""
    p = persons["Lg01_838"]
    assert p.naam == Naam("Hillegonda", None, None, "Hoogenboezem")
    assert len(p.kinderen) == 12
    assert [k.naam.voornamen for k in p.kinderen[-2:]] == ["Jan Adriaan", "Adriaan Jan"]
    assert p.kinderen[-1].burgerservicenummer == "999998298"
    assert p.partners[0].persoon.naam == Naam("Pieter", None, None, "Almenkinders")
    assert p.ouders[1].persoon.geboortedatum == PartialDate("19480538")
    assert p.ouders[1].persoon.geboortedatum.as_date is None  # day 38 does not exist
    v = p.verblijfplaats
    assert v is not None
    assert (v.straatnaam, v.huisnummer, v.postcode, v.woonplaats) == (
        "Aalbersestraat",
        275,
        "1067MD",
        "Amsterdam",
    )
    assert (v.adresseerbaar_object_identificatie, v.nummeraanduiding_identificatie) == (
        "0363010001004477",
        "0363200000483472",
    )


def test_willem_van_serooskerke_has_a_title(persons: dict[str, testset.TestPerson]) -> None:
    p = persons["Lg01_408"]
    assert p.naam == Naam("Willem", "B", "van", "Serooskerke")
    assert p.ouders[1].persoon.naam == Naam("Jan Willem", "B", "van", "Serooskerke")
    assert p.partners == ()
    v = p.verblijfplaats
    assert v is not None
    assert (v.straatnaam, v.huisnummer, v.woonplaats) == ("Van Wijngaerdenstraat", 1, "Toetsoog")
    assert v.nummeraanduiding_identificatie == "1810200010001001"


def test_history_rows_never_overwrite_current_values(
    persons: dict[str, testset.TestPerson],
) -> None:
    """Lg01_292's history holds another (invalid, corrected) BSN and two earlier addresses."""
    p = persons["Lg01_292"]
    assert p.burgerservicenummer == "010082426"
    assert p.naam == Naam("Pieter", None, None, "Verstratenmaker")
    v = p.verblijfplaats
    assert v is not None
    assert (v.gemeente_van_inschrijving, v.straatnaam, v.huisnummer, v.postcode) == (
        "1900",
        "Franekervaart",
        24,
        "8602AA",
    )
    assert v.datum_inschrijving == PartialDate("20110101")


def test_an_emigrant_keeps_no_dutch_address(persons: dict[str, testset.TestPerson]) -> None:
    v = persons["Lg01_498"].verblijfplaats
    assert v is not None
    assert (v.gemeente_van_inschrijving, v.land_vertrek) == ("1999", "5002")
    assert v.datum_vertrek == PartialDate("20200223")
    assert v.adres_buitenland == ("14 Rue Camulogene", "75015 Parijs")
    assert (v.straatnaam, v.nummeraanduiding_identificatie) == (None, None)


def test_a_houseboat_has_a_locatiebeschrijving(persons: dict[str, testset.TestPerson]) -> None:
    v = persons["Lg01_674"].verblijfplaats
    assert v is not None
    assert v.locatiebeschrijving == "Woonboot in de Grote Sloot"
    assert v.adresseerbaar_object_identificatie == "0518020000897208"


def test_house_letter_and_addition(persons: dict[str, testset.TestPerson]) -> None:
    granaat = persons["Lg01_461"].verblijfplaats
    stalpert = persons["Lg01_442"].verblijfplaats
    assert granaat is not None
    assert stalpert is not None
    assert (granaat.straatnaam, granaat.huisnummer, granaat.huisletter) == ("Granaatstraat", 1, "B")
    assert (stalpert.huisnummer, stalpert.huisnummertoevoeging) == (35, "III")


def test_a_dissolved_partnership_is_not_current(persons: dict[str, testset.TestPerson]) -> None:
    assert persons["Lg01_491"].partners == ()
    (partner,) = persons["Lg01_803"].partners
    assert partner.persoon.naam.voornamen == "Reinier Lodivicus Maria"


def test_partial_dates(persons: dict[str, testset.TestPerson]) -> None:
    birth = persons["Lg01_491"].geboortedatum
    death = persons["Lg01_439"].overlijdensdatum
    assert birth is not None
    assert death is not None
    assert (birth.year, birth.month, birth.day, birth.as_date) == (1968, None, None, None)
    assert (death.year, death.month, death.day) == (2008, 7, None)
    assert PartialDate("19851201").as_date == datetime.date(1985, 12, 1)
    assert PartialDate.parse("00000000") == PartialDate("00000000")
    assert PartialDate.parse("05") is None


def test_misplaced_markers_are_not_read_as_a_death(
    persons: dict[str, testset.TestPerson],
) -> None:
    """Lg01_803's category-05 markers sit in the 06.08.10 column as `05` and `55`."""
    assert persons["Lg01_803"].overlijdensdatum is None
    assert sum(p.overlijdensdatum is not None for p in persons.values()) == 20


def test_geheimhouding(persons: dict[str, testset.TestPerson]) -> None:
    assert persons["Lg01_512"].geheimhouding == 7
    assert persons["Lg01_716"].geheimhouding == 0


def test_gemeenten_table() -> None:
    gemeenten = read_gemeenten()
    assert len(gemeenten) == 1478
    assert gemeenten["0363"] == "Amsterdam"
    assert gemeenten["0599"] == "Rotterdam"
    assert gemeenten["0518"] == "'s-Gravenhage"
    assert gemeenten["0457"] == "Weesp"  # merged into Amsterdam in 2022, still in the table
