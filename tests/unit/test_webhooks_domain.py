"""The webhook service's pure domain: which notices a subscription gets, when a failed delivery
is tried again, how deliveries are signed, and what a request carries."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from email.utils import formatdate
from typing import Any

import pytest

from bron.notices import Notice
from bron.policy import load_policy
from services.webhooks.domain import (
    Status,
    Subscription,
    backoff,
    body,
    gemeente,
    gemeente_filter_possible,
    give_up,
    headers,
    logged_fields,
    matches,
    of_withdrawn_apps,
    retry_after,
    sign,
    url_problem,
    verify,
)
from services.webhooks.queue import Message, plan

PERSOON = "0f8fad5b-d9cb-469f-a165-70867728950e"
VIEW: dict[str, Any] = {
    "persoonId": PERSOON,
    "persoon": {
        "naam": {"geslachtsnaam": "Jansen"},
        "verblijfplaats": {"nummeraanduidingIdentificatie": "0363200000123456"},
    },
}
SUB = Subscription(
    "s1",
    "bijstand-loket",
    "bijstand",
    "https://app.example.nl/hook",
    frozenset(),
    frozenset(),
    None,
    False,
    Status.actief,
    "geheim",
    100.0,
)


def notice(kind: str = "adres-gewijzigd", data: dict[str, Any] | None = VIEW, **kw: Any) -> Notice:
    values: dict[str, Any] = {
        "id": "6f1c1a52-3c57-5b4e-a3a4-1d0c4f5b2a11",
        "kind": kind,
        "app_id": "bijstand-loket",
        "doel_id": "bijstand",
        "persoon_id": PERSOON,
        "versie": 7,
        "velden": ("persoon.verblijfplaats",),
        "data": data,
        **kw,
    }
    return Notice(**values)


def test_a_subscription_without_filters_gets_every_notice_of_its_purpose() -> None:
    assert matches(SUB, notice())
    assert matches(SUB, notice("uit-beeld", data=None))
    assert not matches(SUB, notice(doel_id="belastingen-woz"))
    assert not matches(SUB, notice(app_id="parkeren"))


def test_kinds_and_persoon_filters() -> None:
    only_moves = replace(SUB, kinds=frozenset({"adres-gewijzigd"}))
    assert matches(only_moves, notice())
    assert not matches(only_moves, notice("persoon-gewijzigd"))
    one = replace(SUB, persoon_id=PERSOON)
    assert matches(one, notice())
    assert not matches(one, notice(persoon_id="another"))


def test_records_from_before_the_subscription_do_not_match() -> None:
    assert not matches(SUB, notice(), written_at=99.0)
    assert matches(SUB, notice(), written_at=100.0)


def test_the_gemeente_filter_reads_the_data_in_a_fixed_order() -> None:
    assert gemeente(VIEW) == "0363"
    moved = {
        "persoon": {
            "gemeenteVanInschrijving": {"code": "0518"},
            "verblijfplaats": {"nummeraanduidingIdentificatie": "0363200000123456"},
        }
    }
    assert gemeente(moved) == "0518"  # the registration wins over an old BAG prefix
    assert gemeente({"adres": {"identificatie": "0599200000000001"}}) == "0599"
    assert gemeente({"verblijfsobject": {"identificatie": "0599010000000001"}}) == "0599"
    amsterdam = replace(SUB, gemeenten=frozenset({"0363"}))
    assert matches(amsterdam, notice())
    assert not matches(replace(SUB, gemeenten=frozenset({"0518"})), notice())


def test_a_gemeente_filter_it_cannot_evaluate_lets_nothing_through() -> None:
    """Absent data (a departure, a purpose without address ids) never leaks past the filter."""
    amsterdam = replace(SUB, gemeenten=frozenset({"0363"}))
    assert not matches(amsterdam, notice("uit-beeld", data=None))
    assert not matches(amsterdam, notice(data={"persoon": {"naam": {"geslachtsnaam": "X"}}}))
    assert not matches(amsterdam, notice(data={"adres": {"identificatie": "03"}}))


def test_a_gemeente_filter_is_possible_only_for_purposes_that_show_a_place() -> None:
    policy = load_policy()
    assert gemeente_filter_possible(policy.doel_by_id["bijstand"])  # verblijfplaats
    assert not gemeente_filter_possible(policy.doel_by_id["parkeervergunning"])  # verblijfadres


def test_only_the_subscriptions_of_an_app_the_register_says_is_withdrawn_end() -> None:
    """Withdrawn: no purposes and enabled nowhere. Not: a manifest's app enabled nowhere yet,
    an app of the file (even one without purposes), an app the register does not name."""
    file = load_policy()
    base = file.app_by_id["bijstand-loket"]
    apps = {
        "weg": base.model_copy(update={"id": "weg", "doelen": (), "gemeenten": ()}),
        "nergens-aan": base.model_copy(update={"id": "nergens-aan", "gemeenten": ()}),
        "bestand-zonder-doel": base.model_copy(update={"id": "bestand-zonder-doel", "doelen": ()}),
    }
    policy = file.model_copy(update={"apps": (*file.apps, *apps.values())})
    subs = [replace(SUB, id=f"{app_id}-{n}", app_id=app_id)
            for app_id in (*apps, "bijstand-loket", "onbekend") for n in (1, 2)]  # fmt: skip
    assert of_withdrawn_apps(subs, policy) == {"weg": ["weg-1", "weg-2"]}
    assert of_withdrawn_apps(subs, file) == {}


def test_backoff_doubles_up_to_the_cap_and_jitter_is_injected() -> None:
    assert [backoff(n, cap=10) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    assert backoff(10_000, cap=300) == 300
    rng = random.Random(3)
    jittered = [backoff(4, cap=300, jitter=rng.random) for _ in range(50)]
    assert all(4 <= j <= 8 for j in jittered)
    assert jittered == [backoff(4, cap=300, jitter=r) for r in _replay(3, 50)]
    assert backoff(1, 30.0, cap=10) == 30.0  # the receiver's Retry-After wins


def _replay(seed: int, n: int) -> list[Any]:
    rng = random.Random(seed)
    values = [rng.random() for _ in range(n)]
    return [lambda v=v: v for v in values]


def test_retry_after_in_seconds_or_as_a_date() -> None:
    assert retry_after("7", now=0) == 7
    assert retry_after(formatdate(1_000_030, usegmt=True), now=1_000_000) == 30
    assert retry_after("soon", now=0) is None
    assert retry_after(None, now=0) is None


def test_a_delivery_is_given_up_only_past_its_window() -> None:
    assert not give_up(since=1000, now=1000 + 86399, window=86400)
    assert give_up(since=1000, now=1000 + 86400, window=86400)


def test_a_signature_verifies_and_fails_on_a_tampered_body_or_an_old_time() -> None:
    payload = b'{"persoonId":"p"}'
    header = sign("geheim", "id-1", 1_700_000_000, payload)
    assert header.startswith("t=1700000000,v1=")
    assert verify("geheim", header, "id-1", payload, now=1_700_000_010)
    assert not verify("geheim", header, "id-1", payload + b" ", now=1_700_000_010)
    assert not verify("geheim", header, "id-2", payload, now=1_700_000_010)
    assert not verify("other", header, "id-1", payload, now=1_700_000_010)
    assert not verify("geheim", header, "id-1", payload, now=1_700_000_000 + 301)
    assert not verify("geheim", None, "id-1", payload, now=1_700_000_000)
    rotated = f"{header},v1={'0' * 64}"
    assert verify("geheim", rotated, "id-1", payload, now=1_700_000_000)


def test_a_thin_body_names_the_change_and_a_full_one_adds_the_view() -> None:
    thin = json.loads(body(notice(), volledig=False))
    assert thin == {
        "persoonId": PERSOON,
        "doel": "bijstand",
        "soort": "adres-gewijzigd",
        "status": None,
        "velden": ["persoon.verblijfplaats"],
        "versie": 7,
    }
    full = json.loads(body(notice(), volledig=True))
    assert full["data"] == VIEW
    assert "data" not in json.loads(body(notice("uit-beeld", data=None), volledig=True))


def test_headers_are_cloudevents_without_personal_data() -> None:
    found = headers(
        notice(),
        "urn:nld:oin:00000001001234567000:systeem:bron-webhooks",
        "http://127.0.0.1:8120/graphql",
        "2026-01-01T00:00:00Z",
    )
    assert found["ce-id"] == notice().id
    assert found["ce-type"] == "nl.bron.adres-gewijzigd.v1"
    assert found["ce-specversion"] == "1.0"
    assert found["content-type"] == "application/json"
    assert "ce-subject" not in found
    assert not any(PERSOON in v or "0363200000123456" in v for v in found.values())


def test_the_processing_log_names_the_fields_sent() -> None:
    doel = load_policy().doel_by_id["parkeervergunning"]
    assert logged_fields(doel, volledig=False) == ["persoonId"]
    assert "persoon.naam.geslachtsnaam" in logged_fields(doel, volledig=True)


@pytest.mark.parametrize(
    ("url", "development", "fine"),
    [
        ("https://app.example.nl/hook", False, True),
        ("http://app.example.nl/hook", True, False),
        ("http://127.0.0.1:9000/hook", True, True),
        ("http://localhost/hook", False, False),
        ("https://user:pw@app.example.nl/", False, False),
        ("ftp://app.example.nl/", True, False),
        ("https:///nohost", False, False),
    ],
)
def test_callback_urls(url: str, development: bool, fine: bool) -> None:
    assert (url_problem(url, development) is None) is fine


def test_plan_queues_matching_notices_and_reports_bad_records() -> None:
    value = json.dumps(
        {
            "persoonId": PERSOON,
            "versie": 3,
            "doelen": {"bijstand": VIEW},
            "wijzigingen": {
                "bijstand": {"soort": "gewijzigd", "velden": ["persoon.verblijfplaats"]}
            },
        }
    )
    good = Message(
        "bron.app.bijstand-loket",
        0,
        41,
        PERSOON.encode(),
        value.encode(),
        [("ce_id", b"r1"), ("ce_time", b"2026-01-01T00:00:00Z")],
        200.0,
    )
    bad = replace(good, offset=42, value=b"not json")
    planned = plan([good, bad], [SUB], load_policy(), source="urn:x", dataref="http://g")
    kinds = [(d.type, d.offset) for d in planned.deliveries]
    assert kinds == [("nl.bron.persoon-gewijzigd.v1", 41), ("nl.bron.adres-gewijzigd.v1", 41)]
    assert planned.deliveries[0].headers["ce-time"] == "2026-01-01T00:00:00Z"
    assert planned.offsets == {("bron.app.bijstand-loket", 0): 43}
    assert [m.offset for m, _ in planned.bad] == [42]
    assert PERSOON not in planned.bad[0][1]
