"""The app store's decisions (services/toestemming/apps.py), pure: registering from a manifest,
enabling per municipality, and withdrawing an app as a whole; each rule with its field and rule
id, and every event fitting its Avro contract."""

from __future__ import annotations

import json
from typing import Any

import pytest
from bron_gateway.cors import preflight

from bron.http.problems import Problem
from bron.registry.rejection import Rejection
from services.toestemming.apps import AppRegistratie, current_policy, enable, register, withdraw
from services.toestemming.domain import APP_GEREGISTREERD, APP_GEWIJZIGD, Events
from tests.unit.test_toestemming_domain import POLICY, WITHOUT_BIJSTAND, fits

APP = "leverancier-app"
REGISTRATIE = AppRegistratie(
    naam="Leverancier", organisatie="00000003000000000009", overheid=False,
    doelen=("parkeren", "bijstand"), versie="1.0.0", contact="team@leverancier.example.nl",
    operaties=("ab" * 32,),
)  # fmt: skip


def stored(events: Events, before: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The app as the register's table holds it after the events: their last data, via JSON."""
    for _, data in events:
        before = json.loads(json.dumps(data))
    return before


def registered(*gemeenten: str) -> dict[str, Any]:
    app = stored(register(APP, REGISTRATIE, None, POLICY))
    for gemeente in gemeenten:
        app = stored(enable(APP, gemeente, True, app, POLICY), app)
    assert app is not None
    return app


def rule(exc: pytest.ExceptionInfo[Rejection]) -> tuple[str, str]:
    return exc.value.field, exc.value.rule


def test_withdrawing_publishes_the_app_without_purposes_or_municipalities() -> None:
    before = registered("0363")
    assert before["gemeenten"] == ["0363"]
    events = withdraw(APP, before, POLICY)
    fits(events)
    assert events == [
        (APP_GEWIJZIGD, {**before, "doelen": [], "gemeenten": [], "operaties": []})
    ]  # REGISTRATIE has no origins
    app = current_policy(POLICY, {APP: stored(events) or {}}).app_by_id[APP]
    assert (app.doelen, app.gemeenten) == ((), ())  # the register takes it: no purpose, nowhere


def test_a_withdrawn_apps_origins_and_operations_count_for_nothing_at_the_gateway() -> None:
    """The register as the gateway reads it after the withdrawal: a preflight from the app's
    origin is refused as for an unknown origin, and none of its documents is registered."""
    origin = "https://parkeren.leverancier.example.nl"
    with_origin = REGISTRATIE.model_copy(update={"origins": (origin,)})
    before = stored(register(APP, with_origin, None, POLICY))
    assert preflight(current_policy(POLICY, {APP: before or {}}), origin, "POST", None)[0] == 204

    after = current_policy(POLICY, {APP: stored(withdraw(APP, before, POLICY)) or {}})
    with pytest.raises(Problem) as refused:
        preflight(after, origin, "POST", None)
    assert refused.value.status == 403
    assert "not registered for any app" in refused.value.detail
    assert (after.app_by_id[APP].origins, after.app_by_id[APP].operaties) == ((), ())


def test_an_app_withdrawn_while_withdrawals_kept_its_origins_is_withdrawn_again_once() -> None:
    """A withdrawal published by an older Bron kept the origins and operations: withdrawing
    again drops them (once), so `bron apps withdraw` mends it."""
    origin = "https://parkeren.leverancier.example.nl"
    with_origin = REGISTRATIE.model_copy(update={"origins": (origin,)})
    registered_ = stored(register(APP, with_origin, None, POLICY)) or {}
    old = {**registered_, "doelen": [], "gemeenten": []}
    events = withdraw(APP, old, POLICY)
    fits(events)
    assert events == [(APP_GEWIJZIGD, {**old, "origins": [], "operaties": []})]
    assert withdraw(APP, stored(events), POLICY) == []


def test_withdrawing_a_withdrawn_app_publishes_nothing() -> None:
    gone = stored(withdraw(APP, registered("0363"), POLICY))
    assert withdraw(APP, gone, POLICY) == []


def test_an_app_of_the_register_file_is_withdrawn_by_removing_it_from_the_file() -> None:
    with pytest.raises(Rejection) as refused:
        withdraw("parkeer-app", stored(register(APP, REGISTRATIE, None, POLICY)), POLICY)
    assert rule(refused) == ("appId", "app-in-register")
    assert "policy/register.yaml" in str(refused.value)


def test_an_unknown_app_cannot_be_withdrawn() -> None:
    with pytest.raises(Rejection) as refused:
        withdraw(APP, None, POLICY)
    assert rule(refused) == ("appId", "app-onbekend")


def test_a_withdrawn_app_is_not_enabled_until_its_manifest_is_registered_again() -> None:
    gone = stored(withdraw(APP, registered("0363"), POLICY))
    with pytest.raises(Rejection) as refused:
        enable(APP, "0363", True, gone, POLICY)
    assert rule(refused) == ("appId", "app-ingetrokken")
    assert enable(APP, "0363", False, gone, POLICY) == []  # off it is already

    again = register(APP, REGISTRATIE, gone, POLICY)
    fits(again)
    [(event_type, data)] = again
    assert event_type == APP_GEWIJZIGD
    assert (data["doelen"], data["gemeenten"]) == (["parkeren", "bijstand"], [])  # nowhere yet
    assert [t for t, _ in enable(APP, "0363", True, stored(again), POLICY)] == [APP_GEWIJZIGD]


def test_registering_a_new_app_starts_it_enabled_nowhere() -> None:
    events = register(APP, REGISTRATIE, None, POLICY)
    fits(events)
    assert [(t, d["gemeenten"]) for t, d in events] == [(APP_GEREGISTREERD, [])]


def test_a_purpose_withdrawn_from_the_register_is_unknown_to_the_app_store() -> None:
    """A manifest naming it is refused; an app registered with it keeps naming it (it comes
    back with the purpose) but the consent register's policy leaves it out, and a
    municipality can still turn the app on for its other purposes."""
    with pytest.raises(Rejection) as refused:
        register(APP, REGISTRATIE, None, WITHOUT_BIJSTAND)
    assert rule(refused) == ("doelen[1]", "doel-onbekend")
    assert "bijstand" in refused.value.message

    before = registered()
    app = current_policy(WITHOUT_BIJSTAND, {APP: before}).app_by_id[APP]
    assert app.doelen == ("parkeren",)
    [(_, data)] = enable(APP, "0363", True, before, WITHOUT_BIJSTAND)
    assert (data["doelen"], data["gemeenten"]) == (["parkeren", "bijstand"], ["0363"])
