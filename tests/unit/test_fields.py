"""Data minimisation keeps exactly the requested paths."""

from bron.registry.fields import project

PERSOON = {
    "burgerservicenummer": "999993653",
    "naam": {"voornamen": "Suzanne", "geslachtsnaam": "Moulin", "voorvoegsel": None},
    "geboorte": {"datum": "1985-02-11", "plaats": "Amsterdam"},
    "kinderen": [
        {"burgerservicenummer": "999990019", "naam": {"voornamen": "Jan", "geslachtsnaam": "M"}},
        {"burgerservicenummer": "999990020", "naam": {"voornamen": "Els", "geslachtsnaam": "M"}},
    ],
}


def test_only_requested_leaves_are_returned() -> None:
    assert project(PERSOON, ["naam.geslachtsnaam"]) == {"naam": {"geslachtsnaam": "Moulin"}}


def test_a_parent_path_returns_its_subtree_and_wins_over_children() -> None:
    assert project(PERSOON, ["geboorte", "geboorte.datum"]) == {"geboorte": PERSOON["geboorte"]}
    assert project(PERSOON, ["geboorte.datum", "geboorte"]) == {"geboorte": PERSOON["geboorte"]}


def test_paths_apply_to_every_element_of_a_list() -> None:
    assert project(PERSOON, ["kinderen.naam.voornamen"]) == {
        "kinderen": [{"naam": {"voornamen": "Jan"}}, {"naam": {"voornamen": "Els"}}]
    }


def test_missing_and_null_fields_are_left_out() -> None:
    assert project(PERSOON, ["naam.voorvoegsel", "overlijden.datum"]) == {"naam": {}}
    assert "burgerservicenummer" not in project(PERSOON, ["naam"])
