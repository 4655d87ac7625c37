"""The consent register's domain (services/toestemming): events that fit the Avro contracts,
every rejection rule with its field and rule id, and the publication of apps and purposes
(with the withdrawal of the file's apps that left it)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import fastavro
import pytest
from fastavro.validation import validate
from pydantic import TypeAdapter

from bron.contracts.schemafiles import load_schema_files
from bron.policy import Policy, is_withdrawn_doel
from bron.registry.rejection import Rejection
from services.toestemming.domain import (
    APP_GEREGISTREERD,
    APP_GEWIJZIGD,
    DOEL_GEWIJZIGD,
    DOEL_VASTGESTELD,
    INGETROKKEN,
    VERLEEND,
    VERLOPEN,
    Command,
    Events,
    Toestemming,
    ToestemmingIntrekken,
    ToestemmingVerlenen,
    ToestemmingVerlopen,
    decide,
    evolve,
    publish_policy,
)
from services.toestemming.state import MANIFEST, REGISTER, Gepubliceerd, herkomst

CONTRACTS = {f.event_type: f for f in load_schema_files() if f.registry == "toestemming"}
PARSED = {t: fastavro.parse_schema(f.schema, named_schemas={}) for t, f in CONTRACTS.items()}
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PERSOON = UUID("7d1f0c52-3b8e-4c1a-9a44-2f3e5b6c7d8e")
ID = UUID("0b9e8f1a-5c2d-4e3f-8a7b-6c5d4e3f2a1b")


def doel(doel_id: str, grondslag: str = "toestemming", **extra: Any) -> dict[str, Any]:
    return {"id": doel_id, "naam": doel_id.title(), "omschrijving": f"Doel {doel_id}.",
            "grondslag": grondslag, "gemeenten": ["0363"], "velden": {"persoon": ["naam"]},
            **extra}  # fmt: skip


def app(app_id: str, doelen: list[str], **extra: Any) -> dict[str, Any]:
    return {"id": app_id, "naam": app_id.title(), "organisatie": "00000001002564440000",
            "overheid": True, "doelen": doelen, **extra}  # fmt: skip


RAW: dict[str, Any] = {
    "doelen": [
        doel("parkeren"),
        doel("bijstand", "wettelijke_verplichting", wettelijkeBasis="Participatiewet, art. 7"),
        doel("afval"),
    ],
    "apps": [app("parkeer-app", ["parkeren", "bijstand"]), app("afval-app", ["afval"])],
}
POLICY = Policy.model_validate(RAW)


def never(*_: str) -> bool:
    return False


def always(*_: str) -> bool:
    return True


def run(command: Command, state: Toestemming | None = None, actief: Any = never,
        now: datetime = NOW) -> Events:  # fmt: skip
    return decide(command, state, policy=POLICY, now=now, actief=actief)


def verlenen(**changes: Any) -> ToestemmingVerlenen:
    values: dict[str, Any] = {"toestemmingId": ID, "persoonId": PERSOON, "appId": "parkeer-app",
                              "doelId": "parkeren",
                              "geldigTot": NOW + timedelta(days=30)}  # fmt: skip
    return ToestemmingVerlenen(**{**values, **changes})


def fold(state: Toestemming | None, events: Events) -> Toestemming:
    for event_type, data in events:
        state = evolve(state, event_type, data)
    assert state is not None
    return state


def fits(events: Events) -> None:
    for event_type, data in events:
        assert set(data) == {f["name"] for f in CONTRACTS[event_type].schema["fields"]}
        validate(data, PARSED[event_type], raise_errors=True)


GRANTED = fold(None, run(verlenen()))
REVOKED = fold(GRANTED, run(ToestemmingIntrekken(toestemmingId=ID), GRANTED))
LATER = NOW + timedelta(days=31)
EXPIRED = fold(GRANTED, run(ToestemmingVerlopen(toestemmingId=ID), GRANTED, now=LATER))


def test_granting_decides_one_event_that_fits_its_contract() -> None:
    events = run(verlenen())
    fits(events)
    assert [t for t, _ in events] == [VERLEEND]
    assert events[0][1]["verleendOp"] == NOW
    assert (GRANTED.status, GRANTED.version, GRANTED.persoonId) == ("verleend", 1, str(PERSOON))


def test_a_consent_without_end_and_without_id_gets_a_fresh_id() -> None:
    command = ToestemmingVerlenen(persoonId=PERSOON, appId="afval-app", doelId="afval")
    events = run(command)
    fits(events)
    assert UUID(events[0][1]["toestemmingId"]) == command.toestemmingId
    assert events[0][1]["geldigTot"] is None


def test_revoking_and_expiring_fit_their_contracts_and_end_the_consent() -> None:
    revoked = run(ToestemmingIntrekken(toestemmingId=ID), GRANTED)
    expired = run(ToestemmingVerlopen(toestemmingId=ID), GRANTED, now=LATER)
    fits(revoked + expired)
    assert (revoked[0][0], expired[0][0]) == (INGETROKKEN, VERLOPEN)
    assert expired[0][1]["verlopenOp"] == GRANTED.geldigTot
    assert (REVOKED.status, REVOKED.beeindigdOp, REVOKED.version) == ("ingetrokken", NOW, 2)
    assert (EXPIRED.status, EXPIRED.actief) == ("verlopen", False)


def test_moments_are_utc_to_the_millisecond() -> None:
    naive = datetime(2026, 6, 1, 8, 0, 0, 123456)
    events = run(verlenen(geldigTot=naive), now=NOW.replace(microsecond=999999))
    assert events[0][1]["geldigTot"] == datetime(2026, 6, 1, 8, 0, 0, 123000, tzinfo=UTC)
    assert events[0][1]["verleendOp"].microsecond == 999000


CASES: list[tuple[str, Command, Toestemming | None, Any, str, str]] = [
    ("unknown app", verlenen(appId="geen-app"), None, never, "appId", "app-onbekend"),
    ("unknown purpose", verlenen(doelId="geen-doel"), None, never, "doelId", "doel-onbekend"),
    ("purpose of another app", verlenen(doelId="afval"), None, never, "doelId",
     "doel-niet-van-app"),
    ("statutory purpose", verlenen(doelId="bijstand"), None, never, "doelId",
     "grondslag-niet-toestemming"),
    ("geldigTot past", verlenen(geldigTot=NOW - timedelta(seconds=1)), None, never, "geldigTot",
     "in-verleden"),
    ("geldigTot now", verlenen(geldigTot=NOW), None, never, "geldigTot", "in-verleden"),
    ("active consent exists", verlenen(toestemmingId=uuid4()), None, always, "doelId",
     "al-actief"),
    ("id exists", verlenen(), GRANTED, never, "toestemmingId", "bestaat-al"),
    ("revoke unknown", ToestemmingIntrekken(toestemmingId=ID), None, never, "toestemmingId",
     "onbekend"),
    ("revoke revoked", ToestemmingIntrekken(toestemmingId=ID), REVOKED, never, "toestemmingId",
     "al-ingetrokken"),
    ("revoke expired", ToestemmingIntrekken(toestemmingId=ID), EXPIRED, never, "toestemmingId",
     "al-verlopen"),
    ("expire unknown", ToestemmingVerlopen(toestemmingId=ID), None, never, "toestemmingId",
     "onbekend"),
    ("expire revoked", ToestemmingVerlopen(toestemmingId=ID), REVOKED, never, "toestemmingId",
     "al-ingetrokken"),
    ("expire before geldigTot", ToestemmingVerlopen(toestemmingId=ID), GRANTED, never,
     "geldigTot", "nog-geldig"),
    ("expire without geldigTot", ToestemmingVerlopen(toestemmingId=ID),
     fold(None, run(verlenen(geldigTot=None))), never, "geldigTot", "nog-geldig"),
]  # fmt: skip


@pytest.mark.parametrize(("command", "state", "actief", "field", "rule"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])  # fmt: skip
def test_each_rule_refuses_with_its_field_and_rule_id(
    command: Command, state: Toestemming | None, actief: Any, field: str, rule: str
) -> None:
    with pytest.raises(Rejection) as refused:
        run(command, state, actief)
    assert (refused.value.field, refused.value.rule) == (field, rule)


def test_the_active_lookup_is_asked_for_the_triple() -> None:
    asked: list[tuple[str, ...]] = []

    def actief(*triple: str) -> bool:
        asked.append(triple)
        return False

    run(verlenen(), actief=actief)
    assert asked == [(str(PERSOON), "parkeer-app", "parkeren")]


def published(events: Events, key: str) -> dict[str, dict[str, Any]]:
    """What the store gives back: the data of each entity's latest event, through JSON."""
    return {data[key]: json.loads(json.dumps(data)) for _, data in events if key in data}


def test_the_first_publication_announces_every_purpose_then_every_app() -> None:
    events = publish_policy(POLICY)
    fits(events)
    assert [(t, d.get("doelId") or d.get("appId")) for t, d in events] == [
        (DOEL_VASTGESTELD, "parkeren"),
        (DOEL_VASTGESTELD, "bijstand"),
        (DOEL_VASTGESTELD, "afval"),
        (APP_GEREGISTREERD, "parkeer-app"),
        (APP_GEREGISTREERD, "afval-app"),
    ]
    assert events[1][1]["wettelijkeBasis"] == "Participatiewet, art. 7"


def test_an_unchanged_register_publishes_nothing() -> None:
    events = publish_policy(POLICY)
    assert publish_policy(POLICY, published(events, "appId"), published(events, "doelId")) == []


def test_a_changed_purpose_or_app_publishes_only_its_new_state() -> None:
    before = publish_policy(POLICY)
    changed = Policy.model_validate(
        {
            "doelen": [
                doel("parkeren", velden={"persoon": ["naam", "verblijfplaats"]}),
                *RAW["doelen"][1:],
                doel("nieuw"),
            ],
            "apps": [RAW["apps"][0], app("afval-app", ["afval", "nieuw"])],
        }
    )
    events = publish_policy(changed, published(before, "appId"), published(before, "doelId"))
    fits(events)
    assert [(t, d.get("doelId") or d.get("appId")) for t, d in events] == [
        (DOEL_GEWIJZIGD, "parkeren"),
        (DOEL_VASTGESTELD, "nieuw"),
        (APP_GEWIJZIGD, "afval-app"),
    ]
    assert events[0][1]["velden"] == {"persoon": ["naam", "verblijfplaats"]}


def test_a_change_of_an_apps_origins_alone_republishes_the_app() -> None:
    before = publish_policy(POLICY)
    changed = Policy.model_validate(
        {**RAW, "apps": [RAW["apps"][0], {**RAW["apps"][1], "origins": ["https://afval.nl"]}]}
    )
    events = publish_policy(changed, published(before, "appId"), published(before, "doelId"))
    fits(events)
    assert [(t, d["appId"], d["origins"]) for t, d in events] == [
        (APP_GEWIJZIGD, "afval-app", ["https://afval.nl"])
    ]


def test_an_app_published_before_it_had_origins_is_republished_only_if_it_has_some() -> None:
    with_origins = Policy.model_validate(
        {**RAW, "apps": [RAW["apps"][0], {**RAW["apps"][1], "origins": ["https://afval.nl"]}]}
    )
    old = published(publish_policy(POLICY), "appId")
    without = {app_id: {k: v for k, v in data.items() if k != "origins"}
               for app_id, data in old.items()}  # fmt: skip
    doelen = published(publish_policy(POLICY), "doelId")
    assert publish_policy(POLICY, without, doelen) == []
    events = publish_policy(with_origins, without, doelen)
    assert [(t, d["appId"]) for t, d in events] == [(APP_GEWIJZIGD, "afval-app")]


# -- withdrawal of the file's apps that left it ----------------------------------------------

WITHOUT_AFVAL = Policy.model_validate({**RAW, "apps": [RAW["apps"][0]]})


def test_a_file_app_that_left_the_file_is_withdrawn_with_its_data_but_no_purposes() -> None:
    before = publish_policy(POLICY)
    apps, doelen = published(before, "appId"), published(before, "doelId")
    events = publish_policy(WITHOUT_AFVAL, apps, doelen, from_file=set(apps))
    fits(events)
    assert events == [(APP_GEWIJZIGD, {**apps["afval-app"], "doelen": [], "gemeenten": []})]


def test_a_file_app_that_left_the_file_is_withdrawn_without_its_origins_and_operations() -> None:
    """Also when an older Bron withdrew it keeping them: withdrawn again, once."""
    with_origins = Policy.model_validate({**RAW, "apps": [
        RAW["apps"][0], {**RAW["apps"][1], "origins": ["https://afval.nl"],
                         "operaties": ["ab" * 32]}]})  # fmt: skip
    before = publish_policy(with_origins)
    apps, doelen = published(before, "appId"), published(before, "doelId")
    events = publish_policy(WITHOUT_AFVAL, apps, doelen, from_file=set(apps))
    fits(events)
    [(_, data)] = events
    assert (data["origins"], data["operaties"], data["doelen"]) == ([], [], [])
    kept = {**apps, "afval-app": {**apps["afval-app"], "doelen": [], "gemeenten": []}}
    again = publish_policy(WITHOUT_AFVAL, kept, doelen, from_file=set(apps))
    assert [(t, d["origins"], d["operaties"]) for t, d in again] == [(APP_GEWIJZIGD, [], [])]
    assert publish_policy(WITHOUT_AFVAL, {**apps, **published(again, "appId")}, doelen,
                          from_file=set(apps)) == []  # fmt: skip


def test_an_app_of_a_manifest_is_never_withdrawn_by_the_file() -> None:
    before = publish_policy(POLICY)
    apps, doelen = published(before, "appId"), published(before, "doelId")
    manifest = {**apps["afval-app"], "appId": "uit-manifest", "gemeenten": ["0363"]}
    registered = {**apps, "uit-manifest": manifest}
    assert publish_policy(POLICY, registered, doelen, from_file=set(apps)) == []


def test_a_withdrawn_app_is_withdrawn_once_and_published_again_when_it_returns() -> None:
    before = publish_policy(POLICY)
    apps, doelen = published(before, "appId"), published(before, "doelId")
    gone = published(publish_policy(WITHOUT_AFVAL, apps, doelen, from_file=set(apps)), "appId")
    after = {**apps, **gone}
    assert publish_policy(WITHOUT_AFVAL, after, doelen, from_file=set(apps)) == []
    back = publish_policy(POLICY, after, doelen, from_file=set(apps))
    fits(back)
    assert back == [(APP_GEWIJZIGD, apps["afval-app"])]


def test_an_app_published_before_the_fields_it_lacks_existed_is_withdrawn_whole() -> None:
    """A row of an older Bron: the withdrawal still carries every field of the contract."""
    apps = published(publish_policy(POLICY), "appId")
    old = {i: {k: v for k, v in d.items() if k not in ("origins", "versie", "gemeenten")}
           for i, d in apps.items()}  # fmt: skip
    doelen = published(publish_policy(POLICY), "doelId")
    events = publish_policy(WITHOUT_AFVAL, old, doelen, from_file=set(old))
    fits(events)
    assert [(t, d["appId"], d["doelen"], d["gemeenten"]) for t, d in events] == [
        (APP_GEWIJZIGD, "afval-app", [], [])
    ]


ROW = TypeAdapter(Gepubliceerd)  # how the register's table reads and writes a row's state


def test_who_published_an_app_is_kept_and_inferred_for_rows_of_an_older_bron() -> None:
    file_app = {"appId": "a", "gemeenten": None}
    manifest_app = {"appId": "b", "gemeenten": []}
    stored = ROW.dump_python(Gepubliceerd(data=manifest_app, version=2, bron=MANIFEST), mode="json")
    assert herkomst(ROW.validate_python(stored)) == MANIFEST
    assert herkomst(ROW.validate_python({"data": file_app, "version": 1})) == REGISTER
    assert herkomst(ROW.validate_python({"data": {"appId": "c"}, "version": 1})) == REGISTER
    assert herkomst(ROW.validate_python({"data": manifest_app, "version": 1})) == MANIFEST
    assert herkomst(Gepubliceerd(data=file_app, version=3, bron=MANIFEST)) == MANIFEST


# -- withdrawal of the purposes that left the file -------------------------------------------

WITHOUT_BIJSTAND = Policy.model_validate({
    "doelen": [d for d in RAW["doelen"] if d["id"] != "bijstand"],
    "apps": [app("parkeer-app", ["parkeren"]), RAW["apps"][1]],
})  # fmt: skip


def test_a_purpose_that_left_the_file_is_withdrawn_once_in_no_municipality() -> None:
    """`doel-gewijzigd` with its data but no municipalities or fields, before the apps; then
    nothing more, and put back it is published again as a change."""
    before = publish_policy(POLICY)
    apps, doelen = published(before, "appId"), published(before, "doelId")
    events = publish_policy(WITHOUT_BIJSTAND, apps, doelen, from_file=set(apps))
    fits(events)
    assert events == [
        (DOEL_GEWIJZIGD, {**doelen["bijstand"], "gemeenten": [], "velden": {}}),
        (APP_GEWIJZIGD, {**apps["parkeer-app"], "doelen": ["parkeren"]}),
    ]
    assert is_withdrawn_doel(events[0][1])
    assert not any(is_withdrawn_doel(d) for d in doelen.values())
    apps, doelen = {**apps, **published(events, "appId")}, {**doelen, **published(events, "doelId")}
    assert publish_policy(WITHOUT_BIJSTAND, apps, doelen, from_file=set(apps)) == []
    back = publish_policy(POLICY, apps, doelen, from_file=set(apps))
    fits(back)
    assert [(t, d.get("doelId") or d.get("appId")) for t, d in back] == [
        (DOEL_GEWIJZIGD, "bijstand"), (APP_GEWIJZIGD, "parkeer-app"),
    ]  # fmt: skip
    assert back[0][1]["gemeenten"] == ["0363"]


def test_a_consent_for_a_withdrawn_purpose_is_refused_naming_what_to_ask_for() -> None:
    """The consent register's policy (`apps.current_policy`) drops a withdrawn purpose from a
    manifest's app that still names it, so the purpose is unknown to the decision."""
    from services.toestemming.apps import current_policy

    manifest = {**app_data_of("uit-manifest", ["parkeren", "bijstand"]), "gemeenten": ["0363"]}
    policy = current_policy(WITHOUT_BIJSTAND, {"uit-manifest": manifest})
    assert policy.app_by_id["uit-manifest"].doelen == ("parkeren",)
    command = verlenen(appId="uit-manifest", doelId="bijstand")
    with pytest.raises(Rejection) as refused:
        decide(command, None, policy=policy, now=NOW, actief=never)
    assert (refused.value.field, refused.value.rule) == ("doelId", "doel-onbekend")
    assert "withdrawn" in refused.value.message
    assert "parkeren" in refused.value.message


def app_data_of(app_id: str, doelen: list[str]) -> dict[str, Any]:
    return {"appId": app_id, "naam": app_id.title(), "omschrijving": None,
            "organisatie": "00000001002564440000", "overheid": True, "doelen": doelen,
            "origins": [], "versie": "1.0.0", "contact": "team@example.nl", "gemeenten": [],
            "operaties": []}  # fmt: skip
