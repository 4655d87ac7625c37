"""The search keys in the projection store's index (pure): what `zoekPersonen` and `adres`
look persons and addresses up by."""

from __future__ import annotations

from streams.index import VALUE_LENGTH, address_key, index_of, name_key


def _persoon(geslachtsnaam: str | None, datum: str | None) -> dict[str, object]:
    return {
        "persoonId": "p",
        "burgerservicenummer": "999993653",
        "gemeenteVanInschrijving": "0363",
        "naam": {"geslachtsnaam": geslachtsnaam},
        "geboorte": {"datum": datum},
    }


def test_a_person_is_indexed_by_surname_without_case_and_birth_date() -> None:
    rows = index_of("persoon", _persoon("Groß-Van Dijk", "1984-03-07"))
    assert ("naam-geboorte", "1984-03-07|gross-van dijk") in rows
    assert name_key(" GROSS-van Dijk ", "1984-03-07") == "1984-03-07|gross-van dijk"


def test_without_surname_or_birth_date_there_is_no_search_key() -> None:
    for naam, datum in ((None, "1984-03-07"), ("Jansen", None), ("", "1984-03-07")):
        assert not [
            n for n, _ in index_of("persoon", _persoon(naam, datum)) if n == "naam-geboorte"
        ]


def test_a_very_long_surname_still_fits_the_index_column() -> None:
    assert len(name_key("x" * 500, "1984-03-07")) == VALUE_LENGTH


def test_an_address_is_indexed_by_postcode_and_huisnummer() -> None:
    state = {"postcode": "1011AB", "huisnummer": 263, "ligtAan": "0363300000000001"}
    assert ("postcode-huisnummer", "1011AB|263") in index_of("nummeraanduiding", state)
    assert address_key("1011 ab", "263") == "1011AB|263"
    assert not [
        n for n, _ in index_of("nummeraanduiding", {"huisnummer": 1}) if n != "openbare_ruimte"
    ]
