"""The register of apps and purposes: validated with errors that name the entry."""

from pathlib import Path

import pytest
import yaml

from bron.policy import POLICY_FILE, PolicyError, disallowed_fields, load_policy

EXAMPLE = load_policy()


def test_the_example_register_has_statutory_consent_and_purpose_less_apps() -> None:
    assert EXAMPLE.doel_by_id["bijstand"].grondslag == "wettelijke_verplichting"
    assert EXAMPLE.doel_by_id["belastingen-woz"].wettelijkeBasis
    assert EXAMPLE.doel_by_id["parkeervergunning"].needs_consent
    assert EXAMPLE.doel_by_id["afvalpas"].needs_consent
    assert EXAMPLE.app_by_id["leverancier-demo"].doelen == ()
    assert EXAMPLE.app_by_id["afvalpas"].overheid is False


def test_an_app_may_only_use_its_own_purposes() -> None:
    assert EXAMPLE.purpose_of("bijstand-loket", "bijstand").id == "bijstand"
    with pytest.raises(PolicyError, match="has no purpose 'bijstand'"):
        EXAMPLE.purpose_of("parkeren", "bijstand")
    with pytest.raises(PolicyError, match="its purposes: none"):
        EXAMPLE.purpose_of("leverancier-demo", "bijstand")
    with pytest.raises(PolicyError, match="unknown app"):
        EXAMPLE.purpose_of("onbekend", "bijstand")


def test_a_parent_path_allows_its_children_and_nothing_else() -> None:
    doel = EXAMPLE.doel_by_id["bijstand"]
    requested = ["naam.geslachtsnaam", "verblijfplaats.verblijfadres.postcode", "geslacht"]
    assert disallowed_fields(doel, "persoon", requested) == ["geslacht"]
    assert disallowed_fields(doel, "wozObject", ["waarden"]) == ["waarden"]
    assert disallowed_fields(doel, "persoon", ["naamgebruik"]) == ["naamgebruik"]


def broken(tmp_path: Path, change: str, value: object) -> Path:
    raw = yaml.safe_load(POLICY_FILE.read_text())
    target: object = raw
    *parents, last = change.split("/")
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]  # type: ignore[index]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value  # type: ignore[index]
    path = tmp_path / "register.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("change", "value", "message"),
    [
        ("doelen/0/gemeenten/0", "363", r"doelen\[0\]\.gemeenten\[0\]: String should match"),
        ("doelen/1/wettelijkeBasis", None, "needs its wettelijkeBasis"),
        ("doelen/0/grondslag", "omdat-het-kan", r"doelen\[0\]\.grondslag"),
        ("apps/2/doelen", ["bestaat-niet"], "unknown doel 'bestaat-niet'"),
        ("apps/0/organisatie", "123", r"apps\[0\]\.organisatie"),
        ("doelen/0/velden/persoon/0", "bsn", r"doelen\[0\]\.velden\.persoon\[0\]: 'bsn' is not"),
        ("doelen/0/velden/auto", ["kenteken"], "unknown entity 'auto'"),
        ("apps/1/id", "bijstand-loket", "app 'bijstand-loket' is defined twice"),
    ],
)
def test_a_broken_register_is_refused_naming_the_entry(
    tmp_path: Path, change: str, value: object, message: str
) -> None:
    with pytest.raises(PolicyError, match=message):
        load_policy(broken(tmp_path, change, value))


def test_unreadable_yaml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "register.yaml"
    path.write_text("doelen: [unclosed")
    with pytest.raises(PolicyError, match="cannot read the policy"):
        load_policy(path)


def test_a_copy_of_the_policy_does_not_keep_the_originals_lookups() -> None:
    policy = load_policy()
    assert policy.app_by_id["parkeren"].doelen == ("parkeervergunning",)  # cached now
    apps = tuple(a.model_copy(update={"doelen": ()}) if a.id == "parkeren" else a
                 for a in policy.apps)  # fmt: skip
    copied = policy.model_copy(update={"apps": apps})
    assert copied.app_by_id["parkeren"].doelen == ()
    assert policy.app_by_id["parkeren"].doelen == ("parkeervergunning",)
