"""CORS per app (`bron_gateway.cors`), pure: origins validated where they are registered,
the preflight decision, the per-app check of an actual request, and the origins carried from
policy/register.yaml through the app events and the stream fold to the gateway's policy."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import fastavro
import pytest
import yaml
from bron_gateway.cors import (
    check_citizen_origin,
    check_origin,
    preflight,
    registered,
    request_origin,
)

from bron.contracts.schemafiles import load_schema_files
from bron.errors import SettingsError
from bron.http.problems import Problem
from bron.origins import origin_problem
from bron.policy import POLICY_FILE, Policy, PolicyError, load_policy
from bron.settings import load_settings
from streams.fold import fold
from streams.projector import Projector
from streams.reads import ProjectionReader
from streams.store import Entity, ProjectionStore
from tests.unit.test_streams_pure import NOW, World, as_decoded

POLICY = load_policy()
PARKEREN = POLICY.app_by_id["parkeren"]
AFVALPAS = POLICY.app_by_id["afvalpas"]
PORTAAL = "https://mijn.gemeente.example.nl"


# -- origins in the register -----------------------------------------------------------------


def test_the_example_consent_apps_have_origins() -> None:
    assert PARKEREN.origins == ("https://parkeren.example.nl", "http://localhost:5173")
    assert AFVALPAS.origins == ("https://afvalpas.example.nl",)
    assert POLICY.app_by_id["bijstand-loket"].origins == ()


@pytest.mark.parametrize(
    "origin",
    [
        "https://parkeren.example.nl",
        "https://parkeren.example.nl:8443",
        "https://10.1.2.3",
        "http://localhost",
        "http://localhost:5173",
        "http://127.0.0.1:8080",
    ],
)
def test_an_exact_origin_is_accepted(origin: str) -> None:
    assert origin_problem(origin) is None


@pytest.mark.parametrize(
    ("origin", "message"),
    [
        ("*", "is a wildcard"),
        ("https://*.example.nl", "is a wildcard"),
        ("https://parkeren.example.nl/", "has a path, query or trailing slash"),
        ("https://parkeren.example.nl/app", "has a path, query or trailing slash"),
        ("https://parkeren.example.nl?x=1", "has a path, query or trailing slash"),
        ("http://parkeren.example.nl", "uses http, which only a local development server"),
        ("ftp://parkeren.example.nl", "is not an https origin"),
        ("parkeren.example.nl", "is not an https origin"),
        ("null", "is not an https origin"),
        ("https://Parkeren.example.nl", "is not lowercase; a browser sends 'https://parkeren"),
        ("https://parkeren.example.nl:443", "names the default port"),
        ("http://localhost:80", "names the default port"),
        ("https://parkeren.example.nl:99999", "is not an origin"),
        ("https://parkeren.example.nl:", "has no valid host and port"),
        ("https://user@parkeren.example.nl", "has no valid host and port"),
        ("https://", "has no valid host and port"),
        (" https://parkeren.example.nl", "has spaces"),
    ],
)
def test_an_origin_that_is_not_exact_is_refused_saying_why(origin: str, message: str) -> None:
    assert message in (origin_problem(origin) or "")


def register_with(tmp_path: Path, app: int, origins: Any) -> Path:
    raw = yaml.safe_load(POLICY_FILE.read_text())
    raw["apps"][app]["origins"] = origins
    path = tmp_path / "register.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize(
    ("origins", "message"),
    [
        (["https://parkeren.example.nl/"], "origin 'https://parkeren.example.nl/' has a path"),
        (["https://*.example.nl"], r"origin 'https://\*.example.nl' is a wildcard"),
        (["http://parkeren.example.nl"], "origin 'http://parkeren.example.nl' uses http"),
        (
            ["https://a.example.nl", "https://a.example.nl"],
            "origin 'https://a.example.nl' is listed twice",
        ),
    ],
)
def test_a_register_with_a_bad_origin_names_the_app_and_the_origin(
    tmp_path: Path, origins: list[str], message: str
) -> None:
    with pytest.raises(PolicyError, match=rf"apps\[2\]: app 'parkeren': {message}"):
        load_policy(register_with(tmp_path, 2, origins))


def test_the_citizens_portals_are_validated_as_origins() -> None:
    assert load_settings(gateway_citizen_origins=(PORTAAL,)).gateway_citizen_origins == (PORTAAL,)
    with pytest.raises(SettingsError, match="BRON_GATEWAY_CITIZEN_ORIGINS: origin '\\*'"):
        load_settings(gateway_citizen_origins=("*",))


# -- the preflight ---------------------------------------------------------------------------


def test_a_preflight_from_an_origin_of_any_app_is_allowed_with_exact_headers() -> None:
    status, headers = preflight(POLICY, "https://afvalpas.example.nl", "POST",
                                "content-type, Authorization,traceparent")  # fmt: skip
    assert status == 204
    assert headers == [
        ("access-control-allow-origin", "https://afvalpas.example.nl"),
        ("access-control-allow-methods", "POST"),
        ("access-control-allow-headers", "authorization, content-type, traceparent"),
        ("access-control-max-age", "600"),
        ("vary", "Origin"),
    ]
    assert not any(v == "*" for _, v in headers)
    assert "access-control-allow-credentials" not in dict(headers)


def test_a_preflight_without_requested_headers_is_allowed() -> None:
    assert preflight(POLICY, "http://localhost:5173", "post", None)[0] == 204


def test_the_citizens_portals_pass_the_preflight_only_when_configured() -> None:
    assert preflight(POLICY, PORTAAL, "POST", "authorization", (PORTAAL,))[0] == 204
    with pytest.raises(Problem):
        preflight(POLICY, PORTAAL, "POST", "authorization")


@pytest.mark.parametrize(
    ("origin", "method", "headers", "detail"),
    [
        ("https://evil.example.com", "POST", None,
         "origin 'https://evil.example.com' is not registered for any app; register it"),
        ("null", "POST", None, "origin 'null' is not registered for any app"),
        ("https://parkeren.example.nl/", "POST", None, "is not registered for any app"),
        ("https://parkeren.example.nl", "DELETE", None, "method 'DELETE' is not allowed"),
        ("https://parkeren.example.nl", "POST", "authorization, x-api-key, cookie",
         "header(s) cookie, x-api-key are not allowed"),
    ],
)  # fmt: skip
def test_a_preflight_is_refused_with_a_403_problem_saying_why(
    origin: str, method: str, headers: str | None, detail: str
) -> None:
    with pytest.raises(Problem) as refused:
        preflight(POLICY, origin, method, headers)
    body = refused.value.body("/graphql")
    assert (body["status"], body["type"]) == (403, "https://bron.dev/problems/forbidden")
    assert detail in body["detail"]


def test_registered_is_every_apps_origins_and_the_citizens_portals() -> None:
    assert registered(POLICY, (PORTAAL,)) == {
        "https://parkeren.example.nl", "http://localhost:5173", "https://afvalpas.example.nl",
        PORTAAL,
    }  # fmt: skip


# -- the actual request: the calling app's own origins only ---------------------------------


def test_an_app_is_called_from_its_own_origins_or_from_no_browser() -> None:
    check_origin(PARKEREN, "https://parkeren.example.nl")
    check_origin(PARKEREN, "http://localhost:5173")
    check_origin(PARKEREN, None)
    check_origin(POLICY.app_by_id["bijstand-loket"], None)


@pytest.mark.parametrize(
    ("app_id", "origin"),
    [
        ("parkeren", "https://afvalpas.example.nl"),  # another app's origin
        ("bijstand-loket", "https://parkeren.example.nl"),  # an app without origins
        ("parkeren", "https://evil.example.com"),
    ],
)
def test_an_origin_not_of_the_calling_app_is_a_403_naming_both(app_id: str, origin: str) -> None:
    with pytest.raises(Problem) as refused:
        check_origin(POLICY.app_by_id[app_id], origin)
    problem = refused.value
    assert problem.status == 403
    assert problem.detail == (
        f"origin {origin!r} is not registered for app {app_id!r}; register it in the app's origins"
    )
    assert [(e.field, e.rule) for e in problem.errors] == [("Origin", "registered-origin")]


def test_a_citizen_is_called_from_the_portals_only() -> None:
    check_citizen_origin((PORTAAL,), PORTAAL)
    check_citizen_origin((), None)
    with pytest.raises(Problem) as refused:
        check_citizen_origin((PORTAAL,), "https://parkeren.example.nl")
    assert "add it to BRON_GATEWAY_CITIZEN_ORIGINS" in refused.value.detail


def scope(origin: str | None, host: str = "gateway.example.nl", scheme: str = "https") -> Any:
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return {"type": "http", "scheme": scheme, "headers": headers}


def test_the_request_origin_is_none_without_origin_and_on_the_same_origin() -> None:
    assert request_origin(scope(None)) is None
    assert request_origin(scope("https://gateway.example.nl")) is None
    assert request_origin(scope("http://127.0.0.1:8120", "127.0.0.1:8120", "http")) is None
    assert request_origin(scope("https://parkeren.example.nl")) == "https://parkeren.example.nl"
    # the same host over another scheme is another origin
    assert request_origin(scope("http://gateway.example.nl")) == "http://gateway.example.nl"


# -- register.yaml -> app events -> fold -> the gateway's policy -----------------------------


def test_the_fold_keeps_an_apps_origins() -> None:
    data = as_decoded("nl.toestemming.app-gewijzigd.v1", {
        "appId": "parkeren", "naam": "Parkeren", "omschrijving": None,
        "organisatie": "00000001002564440000", "overheid": True, "doelen": [],
        "origins": ["https://parkeren.example.nl"], "versie": None, "contact": None,
        "gemeenten": None, "operaties": []})  # fmt: skip
    state = fold("app", None, "nl.toestemming.app-gewijzigd.v1", data)
    assert state["origins"] == ["https://parkeren.example.nl"]


@pytest.mark.parametrize("stem", ["app-geregistreerd", "app-gewijzigd"])
def test_an_app_event_written_before_origins_existed_reads_with_none(stem: str) -> None:
    new = next(f.schema for f in load_schema_files()
               if f.event_type == f"nl.toestemming.{stem}.v1")  # fmt: skip
    later = {"origins", "versie", "contact", "gemeenten", "operaties"}
    old = {**new, "fields": [f for f in new["fields"] if f["name"] not in later]}
    data: dict[str, Any] = {"appId": "oud", "naam": "Oud", "omschrijving": None,
                            "organisatie": "00000001002564440000", "overheid": True,
                            "doelen": []}  # fmt: skip
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, fastavro.parse_schema(old), data)
    buffer.seek(0)
    read = fastavro.schemaless_reader(buffer, fastavro.parse_schema(old),
                                      fastavro.parse_schema(new))  # fmt: skip
    assert read == {**data, "origins": [], "versie": None, "contact": None, "gemeenten": None,
                    "operaties": []}  # fmt: skip


def test_origins_go_from_the_register_through_the_events_to_the_gateways_policy(
    tmp_path: Path,
) -> None:
    w = World()
    w.policy()  # publish_policy(load_policy()), through the Avro contracts
    url = f"sqlite:///{tmp_path / 'projections.db'}"
    store = ProjectionStore(url)
    with store.transaction() as tx:
        Projector("bron-streams").apply(tx, w.take(), NOW)
    reader = ProjectionReader(url)
    try:
        read = reader.policy()
        assert {a.id: a.origins for a in read.apps} == {a.id: a.origins for a in POLICY.apps}
        moved = PARKEREN.model_copy(update={"origins": ("https://parkeren.gemeente.nl",)})
        w.app_gewijzigd(moved)
        with store.transaction() as tx:
            Projector("bron-streams").apply(tx, w.take(), NOW)
        assert reader.policy().app_by_id["parkeren"].origins == ("https://parkeren.gemeente.nl",)
    finally:
        reader.close()
        store.close()


def test_a_policy_from_apps_stored_before_origins_existed_has_none(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'projections.db'}"
    store = ProjectionStore(url)
    doel = {"doelId": "bijstand", "naam": "B", "omschrijving": "B.",
            "grondslag": "wettelijke_verplichting", "wettelijkeBasis": "Participatiewet",
            "gemeenten": ["0363"], "velden": {}}  # fmt: skip
    app = {"appId": "oud", "naam": "Oud", "omschrijving": None, "overheid": True,
           "organisatie": "00000001002564440000", "doelen": ["bijstand"]}  # fmt: skip
    with store.transaction() as tx:
        tx.put_many([Entity("doel", "bijstand", 1, doel), Entity("app", "oud", 1, app)])
    reader = ProjectionReader(url)
    try:
        policy: Policy = reader.policy()
        assert policy.app_by_id["oud"].origins == ()
    finally:
        reader.close()
        store.close()
