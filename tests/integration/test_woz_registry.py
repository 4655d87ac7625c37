"""The WOZ registry end to end, beside a real BAG registry: HTTP commands → database + outbox →
relay → Kafka on SQLite and PostgreSQL; rejections write nothing; purpose-bound reads."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bron.contracts.codec import EventCodec
from bron.contracts.registry_client import RegistryClient
from bron.http.auth import KeyPair
from bron.kafka.clients import make_consumer
from bron.testing import free_ports, serving
from services.bag.app import create_app as create_bag_app
from services.woz.app import create_app
from services.woz.ports import BagHttpVerblijfsobjecten
from tests.integration.registries import (
    app_header,
    contracts_registry,
    operator_header,
    registry_settings,
)
from tests.integration.test_bag_registry import create_address

NOW = "2025-03-01T09:30:00Z"
PERSOON = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"


@dataclass
class Stack:
    client: httpx.Client
    operator: dict[str, str]
    reader: dict[str, str]
    vbo: str
    runtime: Any


@pytest.fixture(scope="module")
def registry_url(bootstrap: str) -> Iterator[str]:
    with contracts_registry(bootstrap) as url:
        yield url


@pytest.fixture
def woz(tmp_path: Path, bootstrap: str, registry_url: str, database_url: str) -> Iterator[Stack]:
    settings = registry_settings(tmp_path, bootstrap, registry_url, woz_database_url=database_url,
                                 bag_database_url=f"sqlite:///{tmp_path / 'bag.db'}")  # fmt: skip
    bag_app, _ = create_bag_app(settings, run_relay=False)
    with serving(bag_app) as bag_url, httpx.Client(base_url=bag_url, timeout=30) as bag:
        ids = create_address(bag, operator_header(settings, "bag"), "1011AB")
        port = BagHttpVerblijfsobjecten(bag_url, KeyPair(settings.data_dir / "keys"))
        app, runtime = create_app(settings, port)
        with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:
            reader = {**app_header(settings, "woz", "belastingen"),
                      "X-Bron-Doel": "belastingen-woz"}  # fmt: skip
            yield Stack(client, operator_header(settings, "woz"), reader,
                        ids["verblijfsobject"], runtime)  # fmt: skip


def nummer() -> str:
    return f"0363{uuid.uuid4().int % 10**8:08d}"


def object_body(nr: str, vbo: str) -> dict[str, Any]:
    return {"wozObjectnummer": nr, "gemeentecode": "0363", "soortObjectcode": "1010",
            "ingangsdatum": "2025-01-01", "verblijfsobjectIdentificaties": [vbo],
            "tijdstipRegistratie": NOW}  # fmt: skip


def full_history(s: Stack, nr: str) -> None:
    calls: list[tuple[str, str, dict[str, Any], int]] = [
        ("post", "/wozobjecten", object_body(nr, s.vbo), 201),
        ("put", f"/wozobjecten/{nr}", {**object_body(nr, s.vbo), "grondoppervlakte": 140}, 200),
        ("post", f"/wozobjecten/{nr}/waarden", {"vastgesteldeWaarde": 350000,
         "waardepeildatum": "2024-01-01", "toestandspeildatum": "2025-01-01",
         "belastingjaar": 2025}, 201),
        ("post", f"/wozobjecten/{nr}/belanghebbenden", {"persoonId": PERSOON,
         "soort": "eigenaar", "ingangsdatum": "2020-05-01"}, 200),
        ("post", f"/wozobjecten/{nr}/bezwaren", {"bezwaarnummer": "BZ-1", "belastingjaar": 2025,
         "datumOntvangst": "2025-02-10", "persoonId": PERSOON}, 201),
        ("post", f"/wozobjecten/{nr}/bezwaren/BZ-1/afhandeling", {"bezwaarnummer": "BZ-1",
         "uitkomst": "gegrond", "nieuweWaarde": 330000, "datumUitspraak": "2025-02-28"}, 200),
    ]  # fmt: skip
    for method, path, body, status in calls:
        body = {"wozObjectnummer": nr, "tijdstipRegistratie": NOW, **body}
        response = s.client.request(method, path, json=body, headers=s.operator)
        assert response.status_code == status, response.text


def test_commands_over_http_and_purpose_bound_reads(woz: Stack) -> None:
    nr = nummer()
    full_history(woz, nr)
    params = {"fields": "wozObjectnummer,waarden.vastgesteldeWaarde,belanghebbenden"}
    read = woz.client.get(f"/wozobjecten/{nr}", params=params, headers=woz.reader)
    assert read.status_code == 200, read.text
    assert read.json() == {
        "wozObjectnummer": nr,
        "waarden": [{"vastgesteldeWaarde": 330000}],
        "belanghebbenden": [{"persoonId": PERSOON, "soort": "eigenaar",
                             "ingangsdatum": "2020-05-01", "einddatum": None}],
    }  # fmt: skip
    search = {"verblijfsobject": woz.vbo, "fields": "wozObjectnummer"}
    found = woz.client.get("/wozobjecten", params=search, headers=woz.reader)
    assert found.json() == [{"wozObjectnummer": nr}]
    refused = woz.client.get(f"/wozobjecten/{nr}", params={"fields": "gemeentecode"},
                             headers=woz.reader)  # fmt: skip
    assert refused.status_code == 403
    no_purpose = {"Authorization": woz.reader["Authorization"]}
    assert woz.client.get(f"/wozobjecten/{nr}", params={"fields": "waarden"},
                          headers=no_purpose).status_code == 400  # fmt: skip
    assert woz.client.post("/wozobjecten", json=object_body(nummer(), woz.vbo),
                           headers=woz.reader).status_code == 403  # fmt: skip


def test_a_rejection_names_field_and_rule_and_writes_nothing(woz: Stack) -> None:
    before = woz.runtime.outbox.pending(woz.runtime.engine)
    nr = nummer()
    unknown = object_body(nr, "0363010000000999")
    response = woz.client.post("/wozobjecten", json=unknown, headers=woz.operator)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    error = response.json()["errors"][0]
    assert (error["field"], error["rule"]) == ("verblijfsobjectIdentificaties.0",
                                               "verblijfsobject-onbekend")  # fmt: skip
    waarde = {"wozObjectnummer": nr, "vastgesteldeWaarde": 1, "waardepeildatum": "2024-01-01",
              "toestandspeildatum": "2025-01-01", "belastingjaar": 2025}  # fmt: skip
    missing = woz.client.post(f"/wozobjecten/{nr}/waarden", json=waarde, headers=woz.operator)
    assert missing.json()["errors"][0]["rule"] == "onbekend"
    assert woz.runtime.outbox.pending(woz.runtime.engine) == before
    assert woz.client.get(f"/wozobjecten/{nr}", params={"fields": "wozObjectnummer"},
                          headers=woz.reader).status_code == 404  # fmt: skip


def test_every_change_reaches_kafka_in_order(woz: Stack, bootstrap: str, registry_url: str) -> None:
    nr = nummer()
    full_history(woz, nr)
    deadline = time.monotonic() + 30
    while woz.runtime.outbox.pending(woz.runtime.engine) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert woz.runtime.outbox.pending(woz.runtime.engine) == 0, "the relay publishes everything"
    consumer = make_consumer(bootstrap, group_id=uuid.uuid4().hex)
    consumer.subscribe(["bron.woz.events"])
    seen: list[tuple[int, str]] = []
    with RegistryClient(registry_url) as registry:
        codec = EventCodec(registry, "urn:nld:oin:00000001001234567000:systeem:test")
        for _ in range(120):
            for m in consumer.consume(500, timeout=0.5):
                if m.key() == nr.encode():
                    event = codec.decode(m.key(), m.value(), m.headers())
                    seen.append((event.attributes.sequence, event.attributes.type))
            if len(seen) >= 7:
                break
    consumer.close()
    stems = ["woz-object-aangemaakt", "woz-object-gewijzigd", "waarde-vastgesteld",
             "belanghebbende-gewijzigd", "bezwaar-ingediend", "bezwaar-afgehandeld",
             "waarde-vastgesteld"]  # fmt: skip
    assert seen == [(i, f"nl.woz.{stem}.v1") for i, stem in enumerate(stems, start=1)]


def test_a_body_for_another_object_is_refused(woz: Stack) -> None:
    nr, other = nummer(), nummer()
    assert woz.client.post("/wozobjecten", json=object_body(nr, woz.vbo),
                           headers=woz.operator).status_code == 201  # fmt: skip
    response = woz.client.put(f"/wozobjecten/{nr}", json=object_body(other, woz.vbo),
                              headers=woz.operator)  # fmt: skip
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_an_unreachable_bag_is_a_503_and_writes_nothing(
    tmp_path: Path, bootstrap: str, registry_url: str
) -> None:
    settings = registry_settings(tmp_path, bootstrap, registry_url,
                                 woz_database_url=f"sqlite:///{tmp_path / 'woz.db'}")  # fmt: skip
    closed = f"http://127.0.0.1:{free_ports(1)[0]}"
    app, runtime = create_app(
        settings,
        BagHttpVerblijfsobjecten(closed, KeyPair(settings.data_dir / "keys")),
        run_relay=False,
    )
    nr = nummer()
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        response = client.post("/wozobjecten", json=object_body(nr, "0363010000000001"),
                               headers=operator_header(settings, "woz"))  # fmt: skip
        assert response.status_code == 503, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert runtime.outbox.pending(runtime.engine) == 0
        reader = {**app_header(settings, "woz", "belastingen"), "X-Bron-Doel": "belastingen-woz"}
        read = client.get(f"/wozobjecten/{nr}", params={"fields": "wozObjectnummer"},
                          headers=reader)  # fmt: skip
        assert read.status_code == 404
