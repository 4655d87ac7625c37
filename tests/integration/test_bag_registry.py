"""The BAG registry end to end: HTTP command → database + outbox → relay → Kafka, on SQLite
and PostgreSQL; rejections write and publish nothing; reads and address lookups."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from structlog.testing import capture_logs

from bron.contracts.codec import EventCodec
from bron.contracts.registry_client import RegistryClient
from bron.kafka.clients import make_consumer
from bron.testing import serving
from services.bag.app import create_app
from tests.integration.registries import (
    app_header,
    contracts_registry,
    operator_header,
    registry_settings,
)

MUTATIE = {"documentdatum": "2026-11-01", "documentnummer": "B-2026-1",
           "tijdstipRegistratie": "2026-11-28T10:00:00Z"}  # fmt: skip


@pytest.fixture(scope="module")
def registry_url(bootstrap: str) -> Iterator[str]:
    with contracts_registry(bootstrap) as url:
        yield url


@pytest.fixture
def bag(
    tmp_path: Path, bootstrap: str, registry_url: str, database_url: str
) -> Iterator[tuple[httpx.Client, dict[str, str], Any]]:
    settings = registry_settings(tmp_path, bootstrap, registry_url, bag_database_url=database_url)
    app, runtime = create_app(settings)
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client, operator_header(settings, "bag"), runtime


def uid(gemeente: str, kind: str) -> str:
    return f"{gemeente}{kind}{uuid.uuid4().int % 10**10:010d}"


def create_address(client: httpx.Client, auth: dict[str, str], postcode: str) -> dict[str, str]:
    woonplaats = f"{uuid.uuid4().int % 9000 + 1000}"
    ids = {"woonplaats": woonplaats, "openbare-ruimte": uid("0363", "30"),
           "nummeraanduiding": uid("0363", "20"), "pand": uid("0363", "10"),
           "verblijfsobject": uid("0363", "01")}  # fmt: skip
    calls: list[tuple[str, dict[str, Any]]] = [
        ("/woonplaatsen", {"identificatie": woonplaats, "naam": "Teststad",
                           "status": "woonplaats_aangewezen"}),
        ("/openbareruimten", {"identificatie": ids["openbare-ruimte"], "naam": "Dorpsstraat",
                              "type": "weg", "status": "naamgeving_uitgegeven",
                              "ligtIn": woonplaats}),
        ("/nummeraanduidingen", {"identificatie": ids["nummeraanduiding"], "huisnummer": 12,
                                 "huisletter": "A", "postcode": postcode,
                                 "typeAdresseerbaarObject": "verblijfsobject",
                                 "status": "naamgeving_uitgegeven",
                                 "ligtAan": ids["openbare-ruimte"], "ligtIn": woonplaats}),
        ("/panden", {"identificatie": ids["pand"], "oorspronkelijkBouwjaar": 1932,
                     "status": "pand_in_gebruik"}),
        ("/verblijfsobjecten", {"identificatie": ids["verblijfsobject"],
                                "heeftAlsHoofdadres": ids["nummeraanduiding"],
                                "gebruiksdoelen": ["woonfunctie"], "oppervlakte": 84,
                                "status": "verblijfsobject_in_gebruik",
                                "maaktDeelUitVan": [ids["pand"]]}),
    ]  # fmt: skip
    for path, body in calls:
        response = client.post(path, json={**MUTATIE, **body}, headers=auth)
        assert response.status_code == 201, response.text
    return ids


def test_objects_are_created_read_and_found_by_address(bag: Any) -> None:
    client, auth, _runtime = bag
    ids = create_address(client, auth, "1011AB")
    read = client.get(f"/verblijfsobjecten/{ids['verblijfsobject']}", headers=auth).json()
    assert read["oppervlakte"] == 84
    assert read["version"] == 1
    found = client.get("/adressen", params={"postcode": "1011 ab", "huisnummer": 12},
                       headers=auth).json()  # fmt: skip
    assert [a["nummeraanduiding"]["identificatie"] for a in found] == [ids["nummeraanduiding"]]
    assert found[0]["verblijfsobjecten"][0]["identificatie"] == ids["verblijfsobject"]
    none = client.get("/adressen", params={"postcode": "1011AB", "huisnummer": 12,
                                           "huisletter": "B"}, headers=auth).json()  # fmt: skip
    assert none == []


def test_reads_readiness_and_metrics_do_not_wait_for_a_write_in_progress(bag: Any) -> None:
    """On SQLite a write transaction holds the database's write lock from its start; reads go
    through a reader engine and must not queue behind it (through the writer they waited for
    the lock, up to its 30 s timeout)."""
    client, auth, runtime = bag
    ids = create_address(client, auth, "1012AB")
    with runtime.engine.begin() as held:  # a write in progress: the lock is taken here
        held.exec_driver_sql("SELECT 1")
        started = time.monotonic()
        with httpx.Client(base_url=str(client.base_url), timeout=5) as quick:
            read = quick.get(f"/verblijfsobjecten/{ids['verblijfsobject']}", headers=auth)
            ready = quick.get("/ready")
            metrics = quick.get("/metrics")
        took = time.monotonic() - started
    assert read.status_code == 200, read.text
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"]["database"] == "ok"
    assert "bron_outbox_pending" in metrics.text
    assert took < 5, f"the reads waited {took:.1f} s for the write lock"


def test_reads_return_only_the_fields_asked(bag: Any) -> None:
    client, auth, _runtime = bag
    ids = create_address(client, auth, "2511AA")
    pand = client.get(f"/panden/{ids['pand']}", params={"fields": "oorspronkelijkBouwjaar"},
                      headers=auth)  # fmt: skip
    assert pand.json() == {"oorspronkelijkBouwjaar": 1932}
    both = client.get(f"/panden/{ids['pand']}", headers=auth,
                      params={"fields": "identificatie, status"}).json()  # fmt: skip
    assert both == {"identificatie": ids["pand"], "status": "pand_in_gebruik"}
    wrong = client.get(f"/panden/{ids['pand']}", params={"fields": "bouwjaar"}, headers=auth)
    assert wrong.status_code == 400
    assert wrong.headers["content-type"] == "application/problem+json"
    assert "'bouwjaar'" in wrong.json()["detail"]
    assert wrong.json()["errors"][0]["field"] == "fields"


def test_a_rejection_is_a_problem_naming_field_and_rule_and_writes_nothing(bag: Any) -> None:
    client, auth, runtime = bag
    before = runtime.outbox.pending(runtime.engine)
    bad = {**MUTATIE, "identificatie": uid("0363", "20"), "huisnummer": 12,
           "postcode": "1011AB", "typeAdresseerbaarObject": "verblijfsobject",
           "status": "naamgeving_uitgegeven", "ligtAan": uid("0363", "30")}  # fmt: skip
    response = client.post("/nummeraanduidingen", json=bad, headers=auth)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["field"] == "ligtAan"
    assert problem["errors"][0]["rule"] == "verwijzing-onbekend"
    assert (
        client.get(f"/nummeraanduidingen/{bad['identificatie']}", headers=auth).status_code == 404
    )
    assert runtime.outbox.pending(runtime.engine) == before
    malformed = client.post("/panden", json={**MUTATIE, "identificatie": "12"}, headers=auth)
    assert malformed.status_code == 400
    assert any(e["field"] == "oorspronkelijkBouwjaar" for e in malformed.json()["errors"])


def test_changes_need_an_operator_and_reads_a_token(bag: Any) -> None:
    client, _auth, runtime = bag
    body = {**MUTATIE, "identificatie": uid("0363", "10"), "oorspronkelijkBouwjaar": 2001,
            "status": "pand_in_gebruik"}  # fmt: skip
    assert client.post("/panden", json=body).status_code == 401
    app_only = app_header(runtime.settings, "bag", "parkeren")
    assert client.post("/panden", json=body, headers=app_only).status_code == 403
    assert client.get(f"/panden/{body['identificatie']}").status_code == 401
    assert client.get(f"/panden/{body['identificatie']}", headers=app_only).status_code == 404


def test_every_change_reaches_kafka_in_order(bag: Any, bootstrap: str, registry_url: str) -> None:
    client, auth, runtime = bag
    ids = create_address(client, auth, "3511AA")
    pand = ids["pand"]
    change = {**MUTATIE, "identificatie": pand, "oorspronkelijkBouwjaar": 1932,
              "status": "pand_in_gebruik"}  # fmt: skip
    for status in ("verbouwing_pand", "pand_in_gebruik"):
        response = client.put(f"/panden/{pand}", json={**change, "status": status}, headers=auth)
        assert response.status_code == 200, response.text
    withdraw = {**MUTATIE, "identificatie": pand, "status": "pand_gesloopt"}
    assert client.post(f"/panden/{pand}/intrekken", json=withdraw, headers=auth).status_code == 200

    deadline = time.monotonic() + 30
    while runtime.outbox.pending(runtime.engine) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert runtime.outbox.pending(runtime.engine) == 0, "the relay publishes everything"
    consumer = make_consumer(bootstrap, group_id=uuid.uuid4().hex)
    consumer.subscribe(["bron.bag.events"])
    seen: list[tuple[int, str]] = []
    with RegistryClient(registry_url) as registry:
        codec = EventCodec(registry, "urn:nld:oin:00000001001234567000:systeem:test")
        for _ in range(120):
            for m in consumer.consume(500, timeout=0.5):
                if m.key() == pand.encode():
                    event = codec.decode(m.key(), m.value(), m.headers())
                    seen.append((event.attributes.sequence, event.attributes.type))
            if len(seen) >= 4:
                break
    consumer.close()
    assert seen == [
        (1, "nl.bag.pand-aangemaakt.v1"),
        (2, "nl.bag.pand-gewijzigd.v1"),
        (3, "nl.bag.pand-gewijzigd.v1"),
        (4, "nl.bag.pand-ingetrokken.v1"),
    ]


def test_the_callers_trace_continues_into_the_log_the_answer_and_the_events(
    bag: Any, bootstrap: str
) -> None:
    """W3C trace context: the registry continues the caller's trace id (the gateway passes its
    own), returns it, stamps the events the command wrote with it (`ce_traceparent`), and logs
    one line per request with the route's template — never a path value or query string."""
    client, auth, _runtime = bag
    trace_id = uuid.uuid4().hex
    parent = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    pand = uid("0363", "10")
    with capture_logs() as logs:
        body = {**MUTATIE, "identificatie": pand, "oorspronkelijkBouwjaar": 1932,
                "status": "pand_in_gebruik"}  # fmt: skip
        created = client.post("/panden", headers={**auth, "traceparent": parent}, json=body)
        assert created.status_code == 201, created.text
        read = client.get(f"/panden/{pand}", params={"fields": "status"},
                          headers={**auth, "traceparent": parent})  # fmt: skip

        # the bag registry's lines (its codec's calls to the in-process schema registry log
        # too); a request's line is written after its answer was sent: wait for it
        def bag_lines() -> list[MutableMapping[str, Any]]:
            return [line for line in logs
                    if line.get("event") == "request" and line["service"] == "bag"]  # fmt: skip

        deadline = time.monotonic() + 5
        while len(bag_lines()) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    lines = bag_lines()
    assert created.headers["traceparent"].split("-")[1] == trace_id
    assert [(line["method"], line["route"], line["trace_id"]) for line in lines] == [
        ("POST", "/panden", trace_id), ("GET", "/panden/{identificatie}", trace_id),
    ], lines  # fmt: skip
    assert read.status_code in (200, 403)
    assert pand not in str(logs)
    consumer = make_consumer(bootstrap, group_id=uuid.uuid4().hex)
    consumer.subscribe(["bron.bag.events"])
    stamped: list[str] = []
    deadline = time.monotonic() + 30
    while not stamped and time.monotonic() < deadline:
        for m in consumer.consume(500, timeout=0.5):
            if m.key() == pand.encode():
                headers = cast(list[tuple[str, bytes]], m.headers() or [])
                stamped = [v.decode() for k, v in headers if k == "ce_traceparent"]
    consumer.close()
    assert len(stamped) == 1
    assert stamped[0].split("-")[1] == trace_id


def test_metrics_count_requests_by_route_and_show_the_outbox_without_data(bag: Any) -> None:
    client, auth, _runtime = bag
    ids = create_address(client, auth, "3512AB")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200
    text = metrics.text
    assert ('bron_http_request_duration_seconds_count{method="POST",route="/panden",'
            'service="bag",status="201"} 1.0') in text  # fmt: skip
    assert 'bron_outbox_pending{service="bag"}' in text
    assert 'bron_relay_published_events{service="bag"}' in text
    # names and labels only: a sample's number may contain the 4-digit woonplaats code by chance
    described = "\n".join(line.rpartition(" ")[0] if not line.startswith("#") else line
                          for line in text.splitlines())  # fmt: skip
    assert not any(value in described for value in [*ids.values(), "3512AB"])


def test_ready_names_what_is_not_ready(
    bag: Any, tmp_path: Path, registry_url: str, database_url: str
) -> None:
    client, _auth, _runtime = bag
    ready = client.get("/ready")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "relay": "ok"}
    # a registry whose Kafka is gone: commands are stored, the relay cannot publish them
    dead = registry_settings(tmp_path / "dead", "127.0.0.1:1", registry_url,
                             bag_database_url=f"sqlite:///{tmp_path / 'dead.db'}")  # fmt: skip
    app, _ = create_app(dead)
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as other:
        body = {**MUTATIE, "identificatie": uid("0363", "10"), "oorspronkelijkBouwjaar": 1932,
                "status": "pand_in_gebruik"}  # fmt: skip
        assert (
            other.post("/panden", json=body, headers=operator_header(dead, "bag")).status_code
            == 201
        )
        deadline = time.monotonic() + 30
        while (answer := other.get("/ready")).status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert answer.status_code == 503
        assert answer.json()["checks"]["relay"].startswith("cannot publish to Kafka")
        assert answer.json()["checks"]["database"] == "ok"
