"""`bron demo`'s pure parts: the fictitious household (valid numbers that never meet the RvIG
test set or another run, bodies the registries' APIs accept) and how the steps are printed."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from pydantic import TypeAdapter

from bron.demo import data
from bron.demo.report import (
    Failure,
    Seen,
    Step,
    as_json,
    banner,
    clock,
    describe,
    event_details,
    event_line,
    flatten,
    format_step,
    graphql_error,
    group_verwerkingen,
    latency,
    verwerking_lines,
)
from services.bag import commands as bag
from services.brp import bodies
from services.brp.bsn import is_valid_bsn
from services.toestemming.domain import ToestemmingVerlenen
from services.woz import domain as woz

NOW = datetime.datetime(2026, 3, 14, 9, 30, tzinfo=datetime.UTC)
BAG_BODIES = {
    "/woonplaatsen": bag.WoonplaatsAanmaken,
    "/openbareruimten": bag.OpenbareRuimteAanmaken,
    "/panden": bag.PandAanmaken,
    "/nummeraanduidingen": bag.NummeraanduidingAanmaken,
    "/verblijfsobjecten": bag.VerblijfsobjectAanmaken,
}


# -- the household ---------------------------------------------------------------------------


def test_bsns_pass_the_11_proef_and_stay_out_of_the_rvig_range() -> None:
    for seed in range(0, data.RUNS, data.RUNS // 500):
        s = data.scenario(seed, NOW)
        for bsn in (s.ouder.bsn, s.kind.bsn):
            assert is_valid_bsn(bsn), bsn
            assert bsn[0] in "12345678"
        assert s.ouder.bsn != s.kind.bsn


def test_a_seed_gives_the_same_household_and_another_seed_another() -> None:
    assert data.scenario(7, NOW) == data.scenario(7, NOW)
    one, other = data.scenario(7, NOW), data.scenario(8, NOW)
    assert {one.ouder.bsn, one.kind.bsn}.isdisjoint({other.ouder.bsn, other.kind.bsn})
    ids = [one.eerste.nummeraanduiding, one.volgende.nummeraanduiding,
           other.eerste.nummeraanduiding, other.volgende.nummeraanduiding]  # fmt: skip
    assert len(set(ids)) == 4
    assert one.woz_objectnummer != other.woz_objectnummer
    assert len({one.ouder.persoon_id, one.kind.persoon_id, one.toestemming_id}) == 3


@pytest.mark.parametrize("seed", [0, 1, data.RUNS - 1])
def test_bag_ids_are_amsterdams_16_digits_above_real_numbers(seed: int) -> None:
    s = data.scenario(seed, NOW)
    for adres in (s.eerste, s.volgende):
        ids = [(adres.nummeraanduiding, "20"), (adres.verblijfsobject, "01"), (adres.pand, "10")]
        for identificatie, typecode in ids:
            assert len(identificatie) == 16
            assert identificatie.isdigit()
            assert identificatie[:6] == f"0363{typecode}"
            assert int(identificatie[6:]) >= data.BAG_NUMBERS
        assert adres.postcode[:4].isdigit()
        assert 1011 <= int(adres.postcode[:4]) <= 1109
        assert adres.postcode[4:] not in ("SA", "SD", "SS")
    assert len(s.woz_objectnummer) == 12
    assert s.woz_objectnummer.startswith("0363")
    assert s.kind.geboortedatum == NOW.date()


def test_a_seed_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="seed"):
        data.scenario(data.RUNS, NOW)


def test_the_bodies_are_what_the_registries_apis_accept() -> None:
    s = data.scenario(42, NOW)
    calls = [*data.straten(s), *data.woning(s, s.eerste), *data.woning(s, s.volgende)]
    assert {path for _, path, _ in calls} == set(BAG_BODIES)
    for registry, path, body in calls:
        assert registry == "bag"
        TypeAdapter(BAG_BODIES[path]).validate_python(body)
    ouder = bodies.Inschrijven.model_validate(
        data.inschrijving(s.ouder, s.eerste, datetime.date(2023, 1, 1))
    )
    kind = bodies.Inschrijven.model_validate(
        data.inschrijving(s.kind, s.eerste, s.today, ouder=s.ouder)
    )
    assert ouder.ouders == ()
    assert [o.persoon_id for o in kind.ouders] == [s.ouder.persoon_id]
    assert kind.verblijfplaats is not None
    assert kind.verblijfplaats.nummeraanduiding_identificatie == s.eerste.nummeraanduiding
    verhuizing = bodies.Verhuizen.model_validate(data.verhuizing(s))
    assert verhuizing.verblijfplaats.adresseerbaar_object_identificatie == (
        s.volgende.verblijfsobject
    )
    aanmaken, belanghebbende = data.woz_object(s)
    TypeAdapter(woz.WozObjectAanmaken).validate_python(aanmaken[2])
    TypeAdapter(woz.BelanghebbendeWijzigen).validate_python(belanghebbende[2])
    assert belanghebbende[1] == f"/wozobjecten/{s.woz_objectnummer}/belanghebbenden"
    registry, path, body = data.woz_waarde(s)
    waarde = TypeAdapter(woz.WaardeVaststellen).validate_python(body)
    assert (registry, path) == ("woz", f"/wozobjecten/{s.woz_objectnummer}/waarden")
    assert waarde.belastingjaar == 2027
    assert waarde.vastgesteldeWaarde == s.woz_waarde
    consent = TypeAdapter(ToestemmingVerlenen).validate_python(data.toestemming(s))
    assert (consent.appId, consent.doelId) == ("parkeren", "parkeervergunning")
    assert str(consent.persoonId) == s.ouder.persoon_id


# -- what the gateway answered ---------------------------------------------------------------


def test_flatten_gives_paths_leaves_out_nulls_and_numbers_lists_of_objects() -> None:
    answer = {
        "naam": {"voornamen": "Daan", "voorvoegsel": None, "geslachtsnaam": "Bronsma"},
        "gebruiksdoelen": ["woonfunctie", "kantoorfunctie"],
        "kinderen": [{"burgerservicenummer": "123456782", "geboorte": {"datum": {"datum": "x"}}}],
        "leeg": [],
        "huisnummer": 12,
    }
    assert flatten(answer) == [
        "naam.voornamen: Daan",
        "naam.geslachtsnaam: Bronsma",
        "gebruiksdoelen: woonfunctie, kantoorfunctie",
        "kinderen.0.burgerservicenummer: 123456782",
        "kinderen.0.geboorte.datum.datum: x",
        "huisnummer: 12",
    ]
    assert flatten(None) == []


def test_a_graphql_error_is_its_code_and_its_message_on_one_line() -> None:
    answer = {
        "data": {"persoon": None},
        "errors": [{"message": "app 'x' has no purpose 'bijstand'\n  → use one of: none",
                    "extensions": {"code": "PURPOSE_NOT_ALLOWED"}}],
    }  # fmt: skip
    assert graphql_error(answer) == (
        "PURPOSE_NOT_ALLOWED",
        "app 'x' has no purpose 'bijstand' → use one of: none",
    )
    assert graphql_error({"data": {"persoon": None}}) is None
    assert graphql_error({"errors": [{"message": "boom"}]}) == ("ERROR", "boom")


def test_an_event_shows_its_kind_status_fields_and_view() -> None:
    event = {
        "type": "nl.bron.toestemming-gewijzigd.v1",
        "doel": "parkeervergunning",
        "velden": ["adres", "persoon.naam"],
        "status": "actief",
        "persoon": {"naam": {"voorletters": "N.", "geslachtsnaam": "Bronsma"}},
        "adres": {"postcode": "1011AB", "huisnummer": 3},
    }
    assert event_line(event) == (
        "toestemming-gewijzigd (actief) for doel parkeervergunning, velden adres, persoon.naam"
    )
    assert event_details(event) == [
        "persoon.naam.voorletters: N.",
        "persoon.naam.geslachtsnaam: Bronsma",
        "adres.postcode: 1011AB",
        "adres.huisnummer: 3",
    ]
    gone: dict[str, Any] = {"type": "nl.bron.uit-beeld.v1", "doel": "parkeervergunning"}
    gone |= {"velden": [], "status": None, "persoon": None, "adres": None}
    assert event_line(gone) == "uit-beeld for doel parkeervergunning, velden -"
    assert event_details(gone) == ["persoon: null"]


def _verwerking(tijdstip: str, app: str | None, doel: str, actie: str, *gegevens: str) -> Any:
    return {"tijdstip": tijdstip, "appId": app, "doelId": doel, "actie": actie,
            "gegevens": list(gegevens)}  # fmt: skip


def test_the_processing_log_is_grouped_by_app_purpose_action_and_fields_in_order() -> None:
    nodes = [  # newest first, as mijnVerwerkingen gives them
        _verwerking("2026-03-14T09:31:07.5Z", "parkeren", "parkeervergunning",
                    "abonnement bezorgen", "persoonId"),
        _verwerking("2026-03-14T09:31:06.9Z", None, "eigen-gegevens", "eigen verwerkingen inzien",
                    "verwerking.app"),
        _verwerking("2026-03-14T09:31:05.2Z", "parkeren", "parkeervergunning",
                    "abonnement bezorgen", "naam.geslachtsnaam", "persoonId"),
        _verwerking("2026-03-14T09:31:03.1Z", "parkeren", "parkeervergunning",
                    "abonnement bezorgen", "naam.geslachtsnaam", "persoonId"),
        _verwerking("2026-03-14T09:31:01.0Z", "bijstand-loket", "bijstand", "persoon opvragen",
                    "naam.voornamen"),
    ]  # fmt: skip
    groups = group_verwerkingen(nodes)
    assert [(g.app, g.count) for g in groups] == [
        ("bijstand-loket", 1),
        ("parkeren", 2),
        ("(the citizen)", 1),
        ("parkeren", 1),
    ]
    assert verwerking_lines(groups) == [
        "09:31:01           bijstand-loket  bijstand           persoon opvragen: naam.voornamen",
        "09:31:03-09:31:05  parkeren        parkeervergunning  abonnement bezorgen (2x): "
        "naam.geslachtsnaam, persoonId",
        "09:31:06           (the citizen)   eigen-gegevens     eigen verwerkingen inzien: "
        "verwerking.app",
        "09:31:07           parkeren        parkeervergunning  abonnement bezorgen: persoonId",
    ]


def test_reads_within_one_second_show_one_time() -> None:
    nodes = [_verwerking(f"2026-03-14T09:31:01.{n}Z", "parkeren", "p", "a") for n in (1, 5)]
    assert verwerking_lines(group_verwerkingen(nodes)) == [
        "09:31:01           parkeren  p  a (2x): -"
    ]


def test_clock_is_the_time_of_day_or_the_text_as_given() -> None:
    assert clock("2026-03-14T09:31:01.123456Z") == "09:31:01"
    assert clock("2026-03-14T09:31:01+00:00") == "09:31:01"
    assert clock("gisteren") == "gisteren"


# -- the steps -------------------------------------------------------------------------------


def test_a_step_prints_its_heading_actions_observations_and_latencies() -> None:
    step = Step(2, "A birth in Amsterdam (0363)", did=["BRP: Daan is born"])
    step.saw.append(Seen("bijstand-loket", "GraphQL persoon", "the newborn",
                         ["naam.voornamen: Daan"], 419.6))  # fmt: skip
    step.saw.append(Seen("parkeren", "GraphQL persoon", "null", [], 80.2, "gone"))
    step.saw.append(Seen("leverancier-demo", "GraphQL", "refused, PURPOSE_NOT_ALLOWED: …"))
    assert format_step(step).splitlines() == [
        "2. A birth in Amsterdam (0363)",
        "   did   BRP: Daan is born",
        "   saw   bijstand-loket via GraphQL persoon: the newborn "
        "(visible to bijstand-loket after 420 ms)",
        "           naam.voornamen: Daan",
        "   saw   parkeren via GraphQL persoon: null (gone for parkeren after 80 ms)",
        "   saw   leverancier-demo via GraphQL: refused, PURPOSE_NOT_ALLOWED: …",
    ]


def test_latency_phrases() -> None:
    assert latency("bijstand-loket", 420.4) == "visible to bijstand-loket after 420 ms"
    assert latency("parkeren", 1234.5, "gone") == "gone for parkeren after 1234 ms"
    assert latency("citizen", 65, "complete") == "complete for citizen after 65 ms"


def test_a_failure_names_its_step_and_what_was_missing() -> None:
    failure = Failure(3, "A consent granted", "parkeren's subscription received no inBeeld "
                      "within 10 s")  # fmt: skip
    assert describe(failure) == (
        "step 3 (A consent granted) failed: parkeren's subscription received no inBeeld within 10 s"
    )


def test_json_holds_every_step_and_the_failure() -> None:
    steps = [Step(1, "One", ["did it"], [Seen("app", "GraphQL", "saw it", ["a: 1"], 12.5)])]
    found = json.loads(as_json(5, steps, Failure(2, "Two", "nothing")))
    assert found == {
        "ok": False,
        "seed": 5,
        "steps": [{"number": 1, "title": "One", "did": ["did it"],
                   "saw": [{"who": "app", "via": "GraphQL", "what": "saw it", "details": ["a: 1"],
                            "ms": 12.5, "effect": "visible"}]}],
        "failure": {"step": 2, "title": "Two", "missing": "nothing",
                    "message": "step 2 (Two) failed: nothing"},
    }  # fmt: skip
    assert json.loads(as_json(5, [], None))["ok"] is True


def test_the_banner_names_the_gateway_and_the_seed() -> None:
    assert banner(17, "http://127.0.0.1:8120") == (
        "Bron demo against http://127.0.0.1:8120 (fictitious household of seed 17; "
        "BSNs outside the RvIG test set)\n"
    )
