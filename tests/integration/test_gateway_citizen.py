"""A signed-in citizen end to end: the gateway and the consent register each on a real uvicorn
server, the session Kafka broker, a real schema registry with every contract, a real SQLite
projection store (written by `bron_gateway.testing` and, for the processing log, by the stream
workers' `Pipeline`), and httpx. Every answer with data is checked against the records it left
on `bron.verwerkingslog`."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from bron_gateway.app import create_app
from bron_gateway.testing import record, write_persons, write_policy
from bron_gateway.verwerkingslog import Pseudonymiser
from confluent_kafka import OFFSET_BEGINNING, TopicPartition

from bron.contracts.codec import EventCodec
from bron.contracts.registry_client import RegistryClient
from bron.http.auth import KeyPair, issue
from bron.kafka.clients import make_consumer
from bron.policy import Policy, load_policy
from bron.settings import Settings, load_settings
from bron.testing import free_ports, serving
from bron.topics import VERWERKINGSLOG
from services.toestemming.app import create_app as create_register
from streams.pipeline import Message
from streams.store import ProjectionStore
from streams.worker import build_pipeline
from tests.integration.registries import contracts_registry, operator_header

pytestmark = pytest.mark.kafka

OIN = "00000001001234567000"
ANNA, BRAM, NOBODY = "999990019", "999990020", "999990032"


@dataclass
class World:
    gateway: str
    register: str
    settings: Settings
    registry_url: str
    policy: Policy
    persons: dict[str, dict[str, Any]]

    def citizen(self, bsn: str) -> dict[str, str]:
        keys = KeyPair(self.settings.data_dir / "keys")
        token = issue(keys, subject=bsn, audience="bron:gateway", roles=["burger"])
        return {"Authorization": f"Bearer {token}"}

    def app(self, app_id: str) -> dict[str, str]:
        keys = KeyPair(self.settings.data_dir / "keys")
        token = issue(keys, subject=f"client-{app_id}", audience="bron:gateway", app_id=app_id)
        return {"Authorization": f"Bearer {token}"}

    def query(self, headers: dict[str, str], query: str) -> tuple[dict[str, Any], str]:
        """The answer and the trace id it was logged under."""
        trace_id = secrets.token_hex(16)
        parent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
        response = httpx.post(f"{self.gateway}/graphql", json={"query": query},
                              headers={**headers, "traceparent": parent}, timeout=30)  # fmt: skip
        assert response.status_code == 200, response.text
        return response.json(), trace_id

    def pseudonym(self, bsn: str) -> str:
        secret = Pseudonymiser.in_data_dir(self.settings.data_dir)
        return secret(self.persons[bsn]["persoonId"])

    def persoon_id(self, bsn: str) -> str:
        return str(self.persons[bsn]["persoonId"])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, bootstrap: str) -> Iterator[World]:
    root = tmp_path_factory.mktemp("citizen")
    with contracts_registry(bootstrap) as registry_url:
        settings = load_settings(
            data_dir=root / "var",
            kafka_bootstrap=bootstrap,
            schema_registry_url=registry_url,
            projections_database_url=f"sqlite:///{root / 'projections.db'}",
            toestemming_database_url=f"sqlite:///{root / 'toestemming.db'}",
            toestemming_port=free_ports(1)[0],
            gateway_max_tokens=10_000,
        )
        policy = load_policy()
        store = ProjectionStore(str(settings.projections_database_url))
        write_policy(store, policy)
        anna = record(ANNA, "Jansen", "Anna Maria")
        bram = record(BRAM, "Bakker", "Bram", gemeente="0599")
        write_persons(store, policy, [anna, bram],
                      [("parkeren", "parkeervergunning", anna["persoonId"])])  # fmt: skip
        store.close()
        # the register's own events stay in its outbox (no relay): this test reads it over HTTP
        register_app, _runtime = create_register(settings, policy, run_relay=False)
        register_url = settings.registry_base_url("toestemming")
        with (
            serving(register_app, port=settings.toestemming_port),
            serving(create_app(settings)) as gateway_url,
        ):
            yield World(gateway_url, register_url, settings, registry_url, policy,
                        {ANNA: anna, BRAM: bram})  # fmt: skip


def log_messages(world: World, trace_id: str) -> list[tuple[Message, dict[str, Any]]]:
    """Every message on bron.verwerkingslog of this trace, raw and decoded (read to the end)."""
    consumer = make_consumer(world.settings.bootstrap_servers, f"t-{uuid.uuid4().hex}")
    codec = EventCodec(RegistryClient(world.registry_url), f"urn:nld:oin:{OIN}:systeem:test")
    topic = VERWERKINGSLOG.name
    ends = {p: consumer.get_watermark_offsets(TopicPartition(topic, p), 10)[1]
            for p in range(VERWERKINGSLOG.partitions)}  # fmt: skip
    consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in ends if ends[p] > 0])
    positions = dict.fromkeys(ends, 0)
    found: list[tuple[Message, dict[str, Any]]] = []
    deadline = time.monotonic() + 30
    try:
        while any(positions[p] < ends[p] for p in ends) and time.monotonic() < deadline:
            m = consumer.poll(0.5)
            if m is None or m.error():
                continue
            positions[m.partition() or 0] = (m.offset() or 0) + 1
            event = codec.decode(m.key(), m.value(), m.headers())
            if event.data["traceId"] == trace_id:
                given = m.headers() or []
                pairs = list(given.items()) if isinstance(given, dict) else given
                headers = [(k, v if isinstance(v, bytes) or v is None else v.encode())
                           for k, v in pairs]  # fmt: skip
                raw = Message(topic, m.partition() or 0, m.offset() or 0, m.key(), m.value(),
                              headers)  # fmt: skip
                found.append((raw, event.data))
    finally:
        consumer.close()
        codec.registry.close()
    assert all(positions[p] >= ends[p] for p in ends), "the log was not read to its end"
    return found


def logged(world: World, trace_id: str) -> list[dict[str, Any]]:
    return [data for _, data in log_messages(world, trace_id)]


def own_record(world: World, entry: dict[str, Any], bsn: str, actie: str) -> None:
    """A citizen's own operation, logged about them: `burger`, no app, never the BSN."""
    assert entry["actie"] == actie
    assert (entry["doelId"], entry["gebruiker"], entry["appId"]) == ("eigen-gegevens", "burger",
                                                                     None)  # fmt: skip
    assert entry["uitvoerder"] == OIN
    [obj] = entry["verwerkteObjecten"]
    assert obj["identificator"] == world.pseudonym(bsn)
    assert bsn not in str(entry)
    assert world.persoon_id(bsn) not in str(entry)


MIJN = "{ mijnGegevens { burgerservicenummer naam { voornamen geslachtsnaam } geslacht { code } } }"


def test_a_citizen_sees_their_own_data_and_the_read_is_logged(world: World) -> None:
    body, trace = world.query(world.citizen(ANNA), MIJN)
    assert "errors" not in body
    mijn = body["data"]["mijnGegevens"]
    assert mijn["burgerservicenummer"] == ANNA
    assert mijn["naam"] == {"voornamen": "Anna Maria", "geslachtsnaam": "Jansen"}
    [entry] = logged(world, trace)
    own_record(world, entry, ANNA, "eigen gegevens inzien")
    [obj] = entry["verwerkteObjecten"]
    assert obj["verwerkteSoortenGegevens"] == [
        "burgerservicenummer",
        "geslacht.code",
        "naam.geslachtsnaam",
        "naam.voornamen",
    ]


def test_a_citizen_cannot_see_anothers_data(world: World) -> None:
    body, trace = world.query(world.citizen(BRAM), MIJN)
    assert body["data"]["mijnGegevens"]["burgerservicenummer"] == BRAM  # only their own
    [entry] = logged(world, trace)
    own_record(world, entry, BRAM, "eigen gegevens inzien")
    # an app query by BSN is not for a citizen's token
    asks = f'{{ persoon(bsn: "{BRAM}", doel: "parkeervergunning") {{ naam {{ geslachtsnaam }} }} }}'
    body, trace = world.query(world.citizen(ANNA), asks)
    assert body["data"] == {"persoon": None}
    assert body["errors"][0]["extensions"] == {"code": "NOT_ALLOWED_FOR_CALLER"}
    assert logged(world, trace) == []
    # a BSN the BRP does not know sees nothing
    body, trace = world.query(world.citizen(NOBODY), MIJN)
    assert body == {"data": {"mijnGegevens": None}}
    assert logged(world, trace) == []


def test_app_tokens_are_refused_for_citizen_operations(world: World) -> None:
    for query in (MIJN, "{ mijnToestemmingen { nodes { appId } } }",
                  "{ mijnVerwerkingen { nodes { actie } } }",
                  'mutation { verleenToestemming(appId: "parkeren", doelId: "parkeervergunning")'
                  " { status } }"):  # fmt: skip
        body, trace = world.query(world.app("parkeren"), query)
        assert body["errors"][0]["extensions"] == {"code": "NOT_ALLOWED_FOR_CALLER"}
        assert body["data"] is None or all(v is None for v in body["data"].values())
        assert logged(world, trace) == []


def test_a_citizen_grants_and_revokes_a_consent_through_graphql(world: World) -> None:
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    grant = (
        'mutation { verleenToestemming(appId: "parkeren", doelId: "parkeervergunning", '
        f'geldigTot: "{until}") {{ toestemmingId appId app doelId status geldigTot }} }}'
    )
    body, trace = world.query(world.citizen(BRAM), grant)
    assert "errors" not in body, body
    granted = body["data"]["verleenToestemming"]
    assert (granted["appId"], granted["doelId"], granted["status"]) == (
        "parkeren", "parkeervergunning", "verleend")  # fmt: skip
    assert granted["app"] == world.policy.app_by_id["parkeren"].naam
    [entry] = logged(world, trace)
    own_record(world, entry, BRAM, "toestemming verlenen")
    consent_id = granted["toestemmingId"]
    # the register shows it, for Bram's persoonId
    operator = operator_header(world.settings, "toestemming")
    listed = httpx.get(f"{world.register}/toestemmingen",
                       params={"persoonId": world.persoon_id(BRAM)}, headers=operator,
                       timeout=30).json()  # fmt: skip
    assert [(c["toestemmingId"], c["status"]) for c in listed] == [(consent_id, "verleend")]
    # and so does mijnToestemmingen
    body, trace = world.query(
        world.citizen(BRAM), "{ mijnToestemmingen { nodes { toestemmingId status } } }"
    )
    assert body["data"]["mijnToestemmingen"]["nodes"] == [
        {"toestemmingId": consent_id, "status": "verleend"}
    ]
    [entry] = logged(world, trace)
    own_record(world, entry, BRAM, "eigen toestemmingen inzien")
    # a second grant for the same app and purpose is refused by the register's rule
    body, trace = world.query(world.citizen(BRAM), grant)
    [error] = body["errors"]
    assert error["extensions"]["code"] == "REGISTER_REFUSED"
    assert error["extensions"]["errors"] == [{"field": "doelId", "rule": "al-actief"}]
    assert "doelId" in error["message"]
    assert "al-actief" in error["message"]
    assert logged(world, trace) == []
    # another citizen cannot revoke it: to them it does not exist
    revoke = f'mutation {{ trekToestemmingIn(toestemmingId: "{consent_id}") {{ status }} }}'
    body, trace = world.query(world.citizen(ANNA), revoke)
    assert body["errors"][0]["extensions"]["code"] == "REGISTER_REFUSED"
    assert body["errors"][0]["extensions"]["status"] == 404
    assert logged(world, trace) == []
    body, trace = world.query(world.citizen(BRAM), revoke)
    assert body["data"] == {"trekToestemmingIn": {"status": "ingetrokken"}}
    [entry] = logged(world, trace)
    own_record(world, entry, BRAM, "toestemming intrekken")
    listed = httpx.get(f"{world.register}/toestemmingen/{consent_id}", headers=operator,
                       timeout=30).json()  # fmt: skip
    assert listed["status"] == "ingetrokken"


def test_mijn_verwerkingen_lists_the_reads_of_an_app(world: World) -> None:
    asks = f'{{ persoon(bsn: "{ANNA}", doel: "parkeervergunning") {{ naam {{ geslachtsnaam }} }} }}'
    body, app_trace = world.query(world.app("parkeren"), asks)
    assert body == {"data": {"persoon": {"naam": {"geslachtsnaam": "Jansen"}}}}
    messages = log_messages(world, app_trace)
    [(_, entry)] = messages
    assert (entry["appId"], entry["doelId"]) == ("parkeren", "parkeervergunning")
    assert entry["verwerkteObjecten"][0]["identificator"] == world.pseudonym(ANNA)
    # the stream workers fold the log into the store
    pipeline = build_pipeline(world.settings)
    try:
        result = pipeline.process([m for m, _ in messages])
    finally:
        pipeline.close()
    assert result.applied == 1
    assert pipeline.counts.dead_letters == 0
    query = ("{ mijnVerwerkingen(first: 5) { nodes { verwerkingId actie doelId doel appId app "
             "organisatie gegevens tijdstip } } }")  # fmt: skip
    body, trace = world.query(world.citizen(ANNA), query)
    assert "errors" not in body, body
    nodes = body["data"]["mijnVerwerkingen"]["nodes"]
    [read] = [n for n in nodes if n["verwerkingId"] == str(entry["verwerkingId"])]
    app = world.policy.app_by_id["parkeren"]
    assert read == {
        "verwerkingId": str(entry["verwerkingId"]), "actie": "persoon opvragen",
        "doelId": "parkeervergunning", "doel": world.policy.doel_by_id["parkeervergunning"].naam,
        "appId": "parkeren", "app": app.naam, "organisatie": entry["afnemer"] or OIN,
        "gegevens": ["naam.geslachtsnaam"], "tijdstip": read["tijdstip"],
    }  # fmt: skip
    assert datetime.fromisoformat(read["tijdstip"]) == entry["tijdstip"]
    # the query itself is logged; Bram sees none of Anna's reads
    [own] = logged(world, trace)
    own_record(world, own, ANNA, "eigen verwerkingen inzien")
    body, trace = world.query(world.citizen(BRAM), query)
    ids = [n["verwerkingId"] for n in body["data"]["mijnVerwerkingen"]["nodes"]]
    assert str(entry["verwerkingId"]) not in ids
    [own] = logged(world, trace)
    own_record(world, own, BRAM, "eigen verwerkingen inzien")
