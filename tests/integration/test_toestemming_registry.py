"""The consent register end to end, on SQLite and PostgreSQL: consents granted, listed, revoked
and expired over HTTP; a refused consent writes nothing; the register of apps and purposes is
published at start, and only what changed on a later start (an app or a purpose that left the
file withdrawn, once); the app store's apps registered, enabled and withdrawn over HTTP and with
`bron apps`; everything reaches Kafka."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bron.cli import main
from bron.contracts.codec import EventCodec
from bron.contracts.registry_client import RegistryClient
from bron.kafka.clients import make_consumer
from bron.policy import Policy
from bron.settings import Settings
from bron.testing import serving
from services.common.runtime import RegistryRuntime
from services.toestemming.app import create_app
from services.toestemming.apps import AppRegistratie
from services.toestemming.store import APPS
from tests.integration.registries import (
    citizen_header,
    contracts_registry,
    operator_header,
    registry_settings,
)

Registry = tuple[httpx.Client, dict[str, str], RegistryRuntime, Any, Policy]


def unique_policy(naam: str = "Parkeren") -> Policy:
    """A register of its own, so that its events are recognised on the shared topic."""
    tag = uuid.uuid4().hex[:8]
    return Policy.model_validate(
        {
            "doelen": [
                {"id": f"doel-{tag}", "naam": naam, "omschrijving": "Een vergunning.",
                 "grondslag": "toestemming", "gemeenten": ["0363"],
                 "velden": {"persoon": ["naam"]}},
                {"id": f"wet-{tag}", "naam": "Bijstand", "omschrijving": "Bijstand.",
                 "grondslag": "wettelijke_verplichting", "wettelijkeBasis": "Participatiewet",
                 "gemeenten": ["0363"], "velden": {"persoon": ["naam"]}},
            ],
            "apps": [{"id": f"app-{tag}", "naam": "Parkeer-app", "overheid": True,
                      "organisatie": "00000001002564440000",
                      "doelen": [f"doel-{tag}", f"wet-{tag}"]}],
        }
    )  # fmt: skip


@pytest.fixture(scope="module")
def registry_url(bootstrap: str) -> Iterator[str]:
    with contracts_registry(bootstrap) as url:
        yield url


@pytest.fixture
def settings(tmp_path: Path, bootstrap: str, registry_url: str, database_url: str) -> Settings:
    return registry_settings(
        tmp_path, bootstrap, registry_url, toestemming_database_url=database_url
    )


@pytest.fixture
def toestemming(settings: Settings) -> Iterator[Registry]:
    policy = unique_policy()
    app, runtime = create_app(settings, policy)
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client, operator_header(settings, "toestemming"), runtime, app.state.registry, policy


def consent(policy: Policy, persoon: str, **changes: Any) -> dict[str, Any]:
    app = policy.apps[0]
    return {"persoonId": persoon, "appId": app.id, "doelId": app.doelen[0], **changes}


def future(hours: int) -> datetime:
    return datetime.now(UTC) + timedelta(hours=hours)


def drained(runtime: RegistryRuntime) -> None:
    deadline = time.monotonic() + 30
    while runtime.outbox.pending(runtime.engine) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert runtime.outbox.pending(runtime.engine) == 0, "the relay publishes everything"


def refusal(response: httpx.Response, status: int, field: str, rule: str | None) -> None:
    """A refusal as the register gives every one: problem+json, its first error naming the
    field and (when given) the rule."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    error = response.json()["errors"][0]
    assert error["field"] == field, error
    assert rule is None or error["rule"] == rule, error


def outbox_types(runtime: RegistryRuntime) -> list[str]:
    table = runtime.outbox.table
    with runtime.engine.connect() as conn:
        rows = conn.execute(select(table.c.event_type).order_by(table.c.position))
        return [str(row.event_type) for row in rows]


def test_a_consent_is_granted_listed_and_revoked(toestemming: Registry) -> None:
    client, auth, _runtime, _registry, policy = toestemming
    persoon = str(uuid.uuid4())
    body = consent(policy, persoon, geldigTot=future(24).isoformat())
    granted = client.post("/toestemmingen", json=body, headers=auth)
    assert granted.status_code == 201, granted.text
    toestemming_id = granted.json()["toestemmingId"]
    assert granted.json()["events"] == ["nl.toestemming.toestemming-verleend.v1"]
    listed = client.get("/toestemmingen", params={"persoonId": persoon}, headers=auth).json()
    assert [(c["toestemmingId"], c["status"]) for c in listed] == [(toestemming_id, "verleend")]
    revoked = client.post(f"/toestemmingen/{toestemming_id}/intrekking", headers=auth)
    assert revoked.status_code == 200, revoked.text
    assert client.get(f"/toestemmingen/{toestemming_id}", headers=auth).json()["status"] == (
        "ingetrokken"
    )
    again = client.post(f"/toestemmingen/{toestemming_id}/intrekking", headers=auth)
    refusal(again, 422, "toestemmingId", "al-ingetrokken")
    assert client.post("/toestemmingen", json=body).status_code == 401


def test_a_citizen_manages_their_own_consents_and_no_one_elses(
    toestemming: Registry, settings: Settings
) -> None:
    client, operator, runtime, _registry, policy = toestemming
    mine, other = str(uuid.uuid4()), str(uuid.uuid4())
    me = citizen_header(settings, "toestemming", mine)
    theirs = client.post("/toestemmingen", json=consent(policy, other), headers=operator)
    theirs_id = theirs.json()["toestemmingId"]
    drained(runtime)

    granted = client.post("/toestemmingen", json=consent(policy, mine), headers=me)
    assert granted.status_code == 201, granted.text
    own_id = granted.json()["toestemmingId"]
    listed = client.get("/toestemmingen", headers=me).json()
    assert [c["toestemmingId"] for c in listed] == [own_id]
    assert client.get(f"/toestemmingen/{own_id}", headers=me).json()["persoonId"] == mine
    drained(runtime)

    for_other = client.post("/toestemmingen", json=consent(policy, other), headers=me)
    assert for_other.status_code == 403
    assert for_other.headers["content-type"] == "application/problem+json"
    assert for_other.json()["errors"][0] == {
        "field": "persoonId", "rule": "eigen-gegevens", "message": "not the signed-in citizen"
    }  # fmt: skip
    assert client.get("/toestemmingen", params={"persoonId": other}, headers=me).status_code == (
        403
    )
    assert client.get(f"/toestemmingen/{theirs_id}", headers=me).status_code == 404
    revoke = client.post(f"/toestemmingen/{theirs_id}/intrekking", headers=me)
    assert revoke.status_code == 404, "someone else's consent is not found, not forbidden"
    assert client.get(f"/toestemmingen/{theirs_id}", headers=operator).json()["status"] == (
        "verleend"
    )
    assert runtime.outbox.pending(runtime.engine) == 0, "refused requests publish nothing"

    assert client.post(f"/toestemmingen/{own_id}/intrekking", headers=me).status_code == 200
    assert client.get("/toestemmingen", headers=operator).status_code == 400
    app_token = client.get("/toestemmingen", headers={"Authorization": "Bearer x"})
    assert app_token.status_code == 401


def test_a_second_active_consent_is_refused_and_writes_nothing(toestemming: Registry) -> None:
    client, auth, runtime, _registry, policy = toestemming
    persoon = str(uuid.uuid4())
    assert (
        client.post("/toestemmingen", json=consent(policy, persoon), headers=auth).status_code
        == 201
    )
    drained(runtime)
    second = str(uuid.uuid4())
    refused = client.post("/toestemmingen", json=consent(policy, persoon, toestemmingId=second),
                          headers=auth)  # fmt: skip
    refusal(refused, 422, "doelId", "al-actief")
    assert client.get(f"/toestemmingen/{second}", headers=auth).status_code == 404
    assert runtime.outbox.pending(runtime.engine) == 0
    statutory = consent(policy, persoon, doelId=policy.doelen[1].id)
    refusal(client.post("/toestemmingen", json=statutory, headers=auth), 422, "doelId",
            "grondslag-niet-toestemming")  # fmt: skip


def test_the_sweep_expires_consents_whose_geldig_tot_passed(toestemming: Registry) -> None:
    client, auth, _runtime, registry, policy = toestemming
    persoon = str(uuid.uuid4())
    body = consent(policy, persoon, geldigTot=future(1).isoformat())
    toestemming_id = client.post("/toestemmingen", json=body, headers=auth).json()["toestemmingId"]
    open_ended = consent(policy, str(uuid.uuid4()))
    assert client.post("/toestemmingen", json=open_ended, headers=auth).status_code == 201
    assert registry.expire_due() == []
    expired = registry.expire_due(future(2))
    assert [(c.entity_id, c.state.status) for c in expired] == [(toestemming_id, "verlopen")]
    assert registry.expire_due(future(3)) == []
    assert client.get(f"/toestemmingen/{toestemming_id}", headers=auth).json()["status"] == (
        "verlopen"
    )
    renewed = client.post("/toestemmingen", json=consent(policy, persoon), headers=auth)
    assert renewed.status_code == 201, renewed.text


def start(settings: Settings, policy: Policy) -> RegistryRuntime:
    """Start and stop the register once; its engine stays usable for reading the outbox."""
    app, runtime = create_app(settings, policy, run_relay=False)
    with serving(app):
        pass
    return runtime


def test_the_register_is_published_at_start_and_only_changes_later(settings: Settings) -> None:
    policy = unique_policy()
    first = outbox_types(start(settings, policy))
    assert first == ["nl.toestemming.doel-vastgesteld.v1"] * 2 + [
        "nl.toestemming.app-geregistreerd.v1"
    ]
    assert outbox_types(start(settings, policy)) == first
    renamed = policy.model_copy(
        update={"doelen": (policy.doelen[0].model_copy(update={"naam": "Nieuw"}), policy.doelen[1])}
    )
    assert outbox_types(start(settings, renamed)) == [*first, "nl.toestemming.doel-gewijzigd.v1"]


def test_an_app_that_left_the_register_file_is_withdrawn_once_and_a_manifests_app_stays(
    settings: Settings,
) -> None:
    """Also for an app registered by a Bron that did not yet record who published an app: its
    row has no `bron`, and its municipalities tell it came from a manifest."""
    policy = unique_policy()
    extra = policy.apps[0].model_copy(update={"id": f"{policy.apps[0].id}-extra"})
    with_extra = policy.model_copy(update={"apps": (*policy.apps, extra)})
    app, runtime = create_app(settings, with_extra, run_relay=False)
    registry = app.state.registry
    manifest_id = f"leverancier-{uuid.uuid4().hex[:8]}"
    with serving(app):
        registry.register_app(manifest_id, AppRegistratie(**registratie(policy)))
    with runtime.engine.begin() as conn:  # as an older Bron wrote it
        state = APPS.table.c.state
        old = conn.execute(select(state).where(APPS.table.c.id == manifest_id)).scalar_one()
        conn.execute(APPS.table.update().where(APPS.table.c.id == manifest_id)
                     .values(state={k: v for k, v in old.items() if k != "bron"}))  # fmt: skip
    published = outbox_types(runtime)

    assert outbox_types(start(settings, policy)) == [
        *published, "nl.toestemming.app-gewijzigd.v1"
    ]  # fmt: skip
    gone = registry.app(extra.id)
    assert (gone["doelen"], gone["gemeenten"], gone["naam"]) == ([], [], extra.naam)
    assert registry.app(manifest_id)["doelen"] == [policy.doelen[0].id]
    assert outbox_types(start(settings, policy)) == [*published, "nl.toestemming.app-gewijzigd.v1"]
    back = outbox_types(start(settings, with_extra))
    assert back == [*published, *["nl.toestemming.app-gewijzigd.v1"] * 2]
    assert registry.app(extra.id)["doelen"] == list(extra.doelen)


def test_a_purpose_that_left_the_register_file_is_withdrawn_once_and_refuses_consents(
    settings: Settings,
) -> None:
    """The purpose is withdrawn at the next start (`doel-gewijzigd` in no municipality),
    once; a consent for it, for an app of a manifest that still names it, is refused and writes
    nothing, and so is a manifest naming it. Put back in the file, it is published again."""
    policy = unique_policy()
    doel, wet = policy.doelen
    app, runtime = create_app(settings, policy, run_relay=False)
    manifest_id = f"leverancier-{uuid.uuid4().hex[:8]}"
    with serving(app):
        app.state.registry.register_app(
            manifest_id, AppRegistratie(**registratie(policy, doelen=[doel.id, wet.id]))
        )
    published = outbox_types(runtime)
    without = Policy(doelen=(wet,), apps=(policy.apps[0].model_copy(update={"doelen": (wet.id,)}),))
    withdrawal = [*published, "nl.toestemming.doel-gewijzigd.v1", "nl.toestemming.app-gewijzigd.v1"]

    app, runtime = create_app(settings, without, run_relay=False)
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        assert outbox_types(runtime) == withdrawal
        auth = operator_header(settings, "toestemming")
        body = {"persoonId": str(uuid.uuid4()), "appId": manifest_id, "doelId": doel.id}
        refused = client.post("/toestemmingen", json=body, headers=auth)
        refusal(refused, 422, "doelId", "doel-onbekend")
        assert "withdrawn" in refused.text
        other = f"leverancier-{uuid.uuid4().hex[:8]}"
        refusal(client.put(f"/apps/{other}", json=registratie(policy), headers=auth), 422,
                "doelen[0]", "doel-onbekend")  # fmt: skip
        assert outbox_types(runtime) == withdrawal  # nothing written
        assert client.get(f"/apps/{other}", headers=auth).status_code == 404
    assert outbox_types(start(settings, without)) == withdrawal
    back = outbox_types(start(settings, policy))
    assert back == [*withdrawal, "nl.toestemming.doel-gewijzigd.v1",
                    "nl.toestemming.app-gewijzigd.v1"]  # fmt: skip


def consume(bootstrap: str, registry_url: str, topic: str, keys: set[str],
            count: int) -> list[tuple[str, int, str]]:  # fmt: skip
    consumer = make_consumer(bootstrap, group_id=uuid.uuid4().hex)
    consumer.subscribe([topic])
    seen: list[tuple[str, int, str]] = []
    with RegistryClient(registry_url) as registry:
        codec = EventCodec(registry, "urn:nld:oin:00000001001234567000:systeem:test")
        for _ in range(120):
            for m in consumer.consume(500, timeout=0.5):
                if (m.key() or b"").decode() in keys:
                    event = codec.decode(m.key(), m.value(), m.headers())
                    seen.append((event.key, event.attributes.sequence, event.attributes.type))
            if len(seen) >= count:
                break
    consumer.close()
    return seen


def test_every_change_reaches_kafka(
    toestemming: Registry, bootstrap: str, registry_url: str
) -> None:
    client, auth, runtime, _registry, policy = toestemming
    body = consent(policy, str(uuid.uuid4()))
    toestemming_id = client.post("/toestemmingen", json=body, headers=auth).json()["toestemmingId"]
    assert (
        client.post(f"/toestemmingen/{toestemming_id}/intrekking", headers=auth).status_code == 200
    )
    drained(runtime)
    consents = consume(bootstrap, registry_url, "bron.toestemming.events", {toestemming_id}, 2)
    assert consents == [
        (toestemming_id, 1, "nl.toestemming.toestemming-verleend.v1"),
        (toestemming_id, 2, "nl.toestemming.toestemming-ingetrokken.v1"),
    ]
    ids = {policy.doelen[0].id, policy.doelen[1].id, policy.apps[0].id}
    register = consume(bootstrap, registry_url, "bron.policy.events", ids, 3)
    assert sorted(register) == sorted(
        [
            (policy.doelen[0].id, 1, "nl.toestemming.doel-vastgesteld.v1"),
            (policy.doelen[1].id, 1, "nl.toestemming.doel-vastgesteld.v1"),
            (policy.apps[0].id, 1, "nl.toestemming.app-geregistreerd.v1"),
        ]
    )


# -- the app store ---------------------------------------------------------------------------


def registratie(policy: Policy, **changes: Any) -> dict[str, Any]:
    return {
        "naam": "Parkeren voor bewoners", "omschrijving": "Een vergunning aanvragen.",
        "organisatie": "00000003000000000009", "overheid": False,
        "doelen": [policy.doelen[0].id], "versie": "1.0.0",
        "contact": "team@leverancier.example.nl", "operaties": ["ab" * 32],
        **changes,
    }  # fmt: skip


def test_an_app_is_registered_from_its_manifest_and_enabled_per_municipality(
    toestemming: Registry, bootstrap: str, registry_url: str
) -> None:
    client, auth, runtime, _registry, policy = toestemming
    app_id = f"leverancier-{uuid.uuid4().hex[:8]}"
    created = client.put(f"/apps/{app_id}", json=registratie(policy), headers=auth)
    assert created.status_code == 201, created.text
    assert created.json()["events"] == ["nl.toestemming.app-geregistreerd.v1"]
    assert created.json()["app"]["gemeenten"] == []  # enabled nowhere yet
    same = client.put(f"/apps/{app_id}", json=registratie(policy), headers=auth)
    assert (same.status_code, same.json()["events"]) == (200, [])
    enabled = client.put(f"/apps/{app_id}/gemeenten/0363", headers=auth)
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["app"]["gemeenten"] == ["0363"]
    newer = client.put(f"/apps/{app_id}", headers=auth,
                       json=registratie(policy, versie="1.1.0", operaties=["cd" * 32]))  # fmt: skip
    assert newer.json()["events"] == ["nl.toestemming.app-gewijzigd.v1"]
    assert newer.json()["app"]["gemeenten"] == ["0363"], "a new version keeps where it is on"
    assert newer.json()["app"]["operaties"] == ["cd" * 32]
    disabled = client.delete(f"/apps/{app_id}/gemeenten/0363", headers=auth)
    assert disabled.json()["app"]["gemeenten"] == []
    listed = {a["appId"]: a for a in client.get("/apps", headers=auth).json()}
    assert listed[app_id]["versie"] == "1.1.0"
    assert listed[policy.apps[0].id]["gemeenten"] is None  # an app of the register file

    # a consent for the registered app is accepted: the register knows it
    body = {"persoonId": str(uuid.uuid4()), "appId": app_id, "doelId": policy.doelen[0].id}
    assert client.post("/toestemmingen", json=body, headers=auth).status_code == 201
    drained(runtime)
    events = consume(bootstrap, registry_url, "bron.policy.events", {app_id}, 4)
    assert [(v, t.split(".")[2]) for _, v, t in events] == [
        (1, "app-geregistreerd"), (2, "app-gewijzigd"), (3, "app-gewijzigd"), (4, "app-gewijzigd"),
    ]  # fmt: skip


def test_a_registered_app_is_withdrawn_once_and_comes_back_by_registering_it_again(
    toestemming: Registry, bootstrap: str, registry_url: str
) -> None:
    """Its browser origins and operations go with it, and come back with its manifest."""
    client, auth, runtime, _registry, policy = toestemming
    app_id = f"leverancier-{uuid.uuid4().hex[:8]}"
    manifest = registratie(policy, origins=["https://parkeren.leverancier.example.nl"])
    assert client.put(f"/apps/{app_id}", json=manifest, headers=auth).status_code == 201
    assert client.put(f"/apps/{app_id}/gemeenten/0363", headers=auth).status_code == 200
    assert client.post(f"/apps/{app_id}/intrekking").status_code == 401

    withdrawn = client.post(f"/apps/{app_id}/intrekking", headers=auth)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json()["events"] == ["nl.toestemming.app-gewijzigd.v1"]
    app = withdrawn.json()["app"]
    assert (app["doelen"], app["gemeenten"], app["versie"]) == ([], [], "1.0.0")
    assert (app["origins"], app["operaties"]) == ([], [])
    again = client.post(f"/apps/{app_id}/intrekking", headers=auth)
    assert (again.status_code, again.json()["events"]) == (200, [])
    refusal(client.put(f"/apps/{app_id}/gemeenten/0363", headers=auth), 422, "appId",
            "app-ingetrokken")  # fmt: skip
    body = {"persoonId": str(uuid.uuid4()), "appId": app_id, "doelId": policy.doelen[0].id}
    refusal(client.post("/toestemmingen", json=body, headers=auth), 422, "doelId",
            "doel-niet-van-app")  # fmt: skip

    back = client.put(f"/apps/{app_id}", json=manifest, headers=auth)
    assert back.json()["events"] == ["nl.toestemming.app-gewijzigd.v1"]
    assert (back.json()["app"]["doelen"], back.json()["app"]["gemeenten"]) == (
        [policy.doelen[0].id], [],
    )  # fmt: skip
    assert (back.json()["app"]["origins"], back.json()["app"]["operaties"]) == (
        manifest["origins"], manifest["operaties"],
    )  # fmt: skip
    drained(runtime)
    events = consume(bootstrap, registry_url, "bron.policy.events", {app_id}, 4)
    assert [(v, t.split(".")[2]) for _, v, t in events] == [
        (1, "app-geregistreerd"), (2, "app-gewijzigd"), (3, "app-gewijzigd"), (4, "app-gewijzigd"),
    ]  # fmt: skip


def test_bron_apps_withdraw_withdraws_through_the_consent_register(
    toestemming: Registry, settings: Settings, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    client, auth, _runtime, _registry, policy = toestemming
    app_id = f"leverancier-{uuid.uuid4().hex[:8]}"
    assert client.put(f"/apps/{app_id}", json=registratie(policy), headers=auth).status_code == 201
    monkeypatch.setenv("BRON_DATA_DIR", str(settings.data_dir))  # the development token's key
    monkeypatch.setenv("BRON_REGISTRY_HOST", str(client.base_url.host))
    monkeypatch.setenv("BRON_TOESTEMMING_PORT", str(client.base_url.port))
    capsys.readouterr()
    assert main(["apps", "withdraw", app_id]) == 0
    assert main(["apps", "withdraw", app_id]) == 0
    assert main(["apps", "withdraw", policy.apps[0].id]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{app_id}: withdrawn; its views are deleted and the gateway refuses it",
        f"{app_id}: already withdrawn; its views are deleted and the gateway refuses it",
    ]
    assert "appId: " in err
    assert "remove it from policy/register.yaml" in err
    assert client.get(f"/apps/{app_id}", headers=auth).json()["doelen"] == []


@pytest.mark.parametrize(("path", "method", "changes", "status", "field", "rule"), [
    ("/apps/{app}", "PUT", {"doelen": ["bestaat-niet"]}, 422, "doelen[0]", "doel-onbekend"),
    ("/apps/{app}", "PUT", {"versie": "één"}, 400, "versie", None),
    ("/apps/{app}", "PUT", {"origins": ["ftp://x.example.nl"]}, 422, "origins", None),
    ("/apps/{file_app}", "PUT", {}, 422, "appId", "app-in-register"),
    ("/apps/{app}/gemeenten/0599", "PUT", None, 422, "gemeente", "gemeente-buiten-doelen"),
    ("/apps/{app}/gemeenten/03", "PUT", None, 400, "gemeente", None),
    ("/apps/onbekend-{app}/gemeenten/0363", "PUT", None, 422, "appId", "app-onbekend"),
    ("/apps/{file_app}/gemeenten/0363", "PUT", None, 422, "appId", "app-in-register"),
    ("/apps/{file_app}/intrekking", "POST", None, 422, "appId", "app-in-register"),
    ("/apps/onbekend-{app}/intrekking", "POST", None, 422, "appId", "app-onbekend"),
    ("/apps/X/intrekking", "POST", None, 400, "appId", None),
])  # fmt: skip
def test_a_refused_registration_enabling_or_withdrawal_says_why_and_changes_nothing(
    toestemming: Registry, path: str, method: str, changes: dict[str, Any] | None, status: int,
    field: str, rule: str | None,
) -> None:  # fmt: skip
    client, auth, runtime, _registry, policy = toestemming
    app_id = f"leverancier-{uuid.uuid4().hex[:8]}"
    assert client.put(f"/apps/{app_id}", json=registratie(policy), headers=auth).status_code == 201
    before = (client.get("/apps", headers=auth).json(), outbox_types(runtime))
    url = path.format(app=app_id, file_app=policy.apps[0].id)
    body = None if changes is None else registratie(policy, **changes)
    refusal(client.request(method, url, json=body, headers=auth), status, field, rule)
    assert (client.get("/apps", headers=auth).json(), outbox_types(runtime)) == before
    assert client.put(f"/apps/{app_id}", json=registratie(policy)).status_code == 401
