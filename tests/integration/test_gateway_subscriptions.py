"""GraphQL subscriptions end to end: a real uvicorn server, the session Kafka broker, a real
schema registry, a SQLite store with the register, and clients speaking graphql-transport-ws
(gql's websockets transport, and plain `websockets` where the close codes matter).

The per-app records are written in the stream workers' exact format (`streams.pipeline._send`):
views cut by `streams.compose.view`, changes by `compose.changes`, ids by `record_id`, headers
by `to_headers`. Every delivery is checked against `bron.verwerkingslog` (`logged`)."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from bron_gateway.app import create_app, kafka_log
from bron_gateway.gebeurtenis_types import encode_cursor
from bron_gateway.tail import SubscriptionService
from bron_gateway.testing import ADRES, TODAY, record, write_policy
from confluent_kafka import KafkaError, Message, TopicPartition
from gql import Client, gql
from gql.client import AsyncClientSession
from gql.transport.exceptions import TransportQueryError
from gql.transport.websockets import WebsocketsTransport
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Origin, Subprotocol

from bron.contracts.envelope import Attributes, to_headers
from bron.http.auth import KeyPair, issue
from bron.kafka.admin import ensure_topics
from bron.kafka.clients import make_consumer, make_producer
from bron.notices import notice_id
from bron.policy import Policy, load_policy
from bron.testing import free_ports, serving
from bron.topics import Cleanup, TopicSpec
from bron.types import TopicName
from bron.views.persoon import persoon as render
from streams import compose
from streams.pipeline import EVENT_TYPE, app_topic, record_id
from streams.projector import AppRecord
from streams.reads import ProjectionReader
from streams.store import ProjectionStore
from tests.integration.registries import contracts_registry
from tests.integration.test_gateway_http import (
    ANNA,
    ATTACKS,
    BRAM,
    Gateway,
    gateway_settings,
    logged,
    traceparent,
)

pytestmark = pytest.mark.kafka

PARKEREN, PARKEERVERGUNNING = "parkeren", "parkeervergunning"  # a purpose on consent
BIJSTAND_LOKET, BIJSTAND = "bijstand-loket", "bijstand"
CEES = "999990044"
SOURCE = "urn:nld:oin:00000001001234567000:systeem:bron-streams"  # as the workers
PROTOCOL = WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL
MAX_SUBSCRIPTIONS = 3
SELECTION = (
    "id type cursor tijdstip persoonId doel velden status persoon { naam { geslachtsnaam } }"
)


@dataclass
class Setup:
    gateway: Gateway
    service: SubscriptionService
    topics: dict[str, AppTopic]

    @property
    def ws(self) -> str:
        return self.gateway.url.replace("http://", "ws://") + "/graphql"


@dataclass
class AppTopic:
    """`bron.app.<appId>` written as the workers write it: each `put` is the new state of a
    person's views for the purposes in scope (none: the app lost them; a tombstone follows)."""

    bootstrap: str
    app_id: str
    policy: Policy
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    versie: int = 1_000_000
    partitions: dict[str, int] = field(default_factory=dict)  # persoonId -> where it went

    def __post_init__(self) -> None:
        spec = TopicSpec(
            TopicName(app_topic(self.app_id)), 6, Cleanup.compact, personal_data=True, doc="test"
        )
        ensure_topics(self.bootstrap, [spec])
        self.producer = make_producer(self.bootstrap)

    def put(self, person: dict[str, Any], doelen: tuple[str, ...]) -> str:
        """The record id (notice ids derive from it)."""
        persoon_id = person["persoonId"]
        document = render(person, TODAY, {})
        old = self.views.get(persoon_id, {})
        new = {
            d: compose.view(self.policy.doel_by_id[d], document, dict(ADRES), None, [])
            for d in doelen
        }
        wijzigingen = {
            d: change
            for d in sorted({*old, *new})
            if (change := compose.changes(old.get(d), new.get(d)))
        }
        self.versie += 1
        self.views[persoon_id] = new
        app_record = AppRecord(self.app_id, persoon_id, self.versie, new or None, wijzigingen)
        body = {
            "persoonId": persoon_id,
            "versie": self.versie,
            "doelen": new,
            "wijzigingen": wijzigingen,
        }
        self._produce(app_record, record_id(app_record), json.dumps(body).encode())
        if not new:
            self._produce(app_record, record_id(app_record, "tombstone"), None)
        assert self.producer.flush(30) == 0
        return record_id(app_record)

    def _produce(self, app_record: AppRecord, id: str, value: bytes | None) -> None:
        headers = to_headers(
            Attributes(
                source=SOURCE,
                type=EVENT_TYPE,
                sequence=max(app_record.versie, 1),
                dataschema="urn:bron:projectie",
                datacontenttype="application/json",
                id=id,
            )
        )

        def delivered(error: KafkaError | None, message: Message) -> None:
            assert error is None, error
            self.partitions[app_record.persoon_id] = message.partition() or 0

        self.producer.produce(
            app_topic(self.app_id),
            key=app_record.persoon_id.encode(),
            value=value,
            headers=[(k, v) for k, v in headers],
            on_delivery=delivered,
        )

    def end(self) -> str:
        """A cursor at the topic's current end: what a subscription without `na` starts from,
        but known to the test before it produces (so nothing races the subscription)."""
        consumer = make_consumer(self.bootstrap, f"t-{uuid.uuid4().hex}")
        try:
            topic = app_topic(self.app_id)
            return encode_cursor(
                {
                    p: consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
                    for p in range(6)
                }
            )
        finally:
            consumer.close()


def beside(person: dict[str, Any], bsn: str, geslachtsnaam: str) -> dict[str, Any]:
    """Another person whose records go to the same partition as `person`'s (librdkafka's
    default partitioner: CRC-32 of the key), so they are read in the order they were written."""
    want = zlib.crc32(person["persoonId"].encode()) % 6
    while zlib.crc32((other := record(bsn, geslachtsnaam, "X"))["persoonId"].encode()) % 6 != want:
        pass
    return other


def renamed(person: dict[str, Any], geslachtsnaam: str) -> dict[str, Any]:
    return {**person, "naam": {**person["naam"], "geslachtsnaam": geslachtsnaam}}


@contextmanager
def started(root: Path, bootstrap: str, registry_url: str, **app: Any) -> Iterator[Setup]:
    settings = gateway_settings(
        root,
        bootstrap,
        registry_url,
        gateway_max_subscriptions=MAX_SUBSCRIPTIONS,
        gateway_policy_refresh=0.2,
    )
    policy = load_policy()
    store = ProjectionStore(str(settings.projections_database_url))
    write_policy(store, policy)
    reader = ProjectionReader(str(settings.projections_database_url))
    topics = {a: AppTopic(bootstrap, a, policy) for a in (PARKEREN, BIJSTAND_LOKET)}
    asgi = create_app(settings, reader=reader, **app)
    try:
        with serving(asgi) as url:
            gateway = Gateway(url, settings, registry_url, reader, store, policy, {})
            yield Setup(gateway, asgi.state.subscriptions, topics)
    finally:
        store.close()


@pytest.fixture(scope="module")
def registry_url(bootstrap: str) -> Iterator[str]:
    with contracts_registry(bootstrap) as url:
        yield url


@pytest.fixture(scope="module")
def setup(
    tmp_path_factory: pytest.TempPathFactory, bootstrap: str, registry_url: str
) -> Iterator[Setup]:
    with started(tmp_path_factory.mktemp("subscriptions"), bootstrap, registry_url) as found:
        yield found


@pytest.fixture
def anna() -> dict[str, Any]:
    return record(ANNA, "Jansen", "Anna Maria")


# -- clients ---------------------------------------------------------------------------------


@asynccontextmanager
async def session(
    setup: Setup, app_id: str, headers: dict[str, str] | None = None
) -> AsyncIterator[AsyncClientSession]:
    transport = WebsocketsTransport(
        url=setup.ws,
        subprotocols=[PROTOCOL],
        headers=headers,
        init_payload={"Authorization": f"Bearer {setup.gateway.token(app_id)}"},
    )
    async with Client(transport=transport, fetch_schema_from_transport=False) as opened:
        yield opened


async def take(
    opened: AsyncClientSession, query: str, count: int, timeout: float = 30
) -> list[dict[str, Any]]:
    """The first `count` results of the subscription, then unsubscribe."""
    found: list[dict[str, Any]] = []

    async def read() -> None:
        async for result in opened.subscribe(gql(query)):
            found.append(result)
            if len(found) == count:
                return

    await asyncio.wait_for(read(), timeout)
    return found


def subscription(
    field_: str,
    doel: str,
    *,
    na: str | None = None,
    persoon_id: str | None = None,
    selection: str = SELECTION,
) -> str:
    args = [f'doel: "{doel}"']
    if na is not None:
        args.append(f'na: "{na}"')
    if persoon_id is not None:
        args.append(f'persoonId: "{persoon_id}"')
    return f"subscription {{ {field_}({', '.join(args)}) {{ {selection} }} }}"


async def produce(topic: AppTopic, person: dict[str, Any], doelen: tuple[str, ...]) -> str:
    return await asyncio.to_thread(topic.put, person, doelen)


def eventually_closed(service: SubscriptionService, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while service.open_tails and time.monotonic() < deadline:
        time.sleep(0.05)
    assert service.open_tails == 0, "a consumer was left open"


# -- delivery --------------------------------------------------------------------------------


def test_a_subscriber_gets_exactly_the_allowed_fields_and_each_delivery_is_logged(
    setup: Setup, anna: dict[str, Any]
) -> None:
    topic = setup.topics[PARKEREN]
    na = topic.end()
    trace_id, parent = traceparent()
    selection = (
        "id type cursor persoonId doel velden status "
        "persoon { naam { voorletters geslachtsnaam } } adres { postcode huisnummer }"
    )

    async def scenario() -> tuple[list[dict[str, Any]], list[str]]:
        ids = [
            await produce(topic, anna, (PARKEERVERGUNNING,)),
            await produce(topic, renamed(anna, "Visser"), (PARKEERVERGUNNING,)),
        ]
        async with session(setup, PARKEREN, headers={"traceparent": parent}) as opened:
            query = subscription("persoonGewijzigd", PARKEERVERGUNNING, na=na, selection=selection)
            return await take(opened, query, 1), ids

    [result], [_nieuw, gewijzigd] = asyncio.run(scenario())
    found = result["persoonGewijzigd"]
    assert found == {
        "id": notice_id(gewijzigd, "persoon-gewijzigd", PARKEERVERGUNNING),
        "type": "nl.bron.persoon-gewijzigd.v1",
        "cursor": found["cursor"],
        "persoonId": anna["persoonId"],
        "doel": PARKEERVERGUNNING,
        "velden": ["persoon.naam"],
        "status": None,
        "persoon": {"naam": {"voorletters": "A.M.", "geslachtsnaam": "Visser"}},
        "adres": {"postcode": "1011AB", "huisnummer": 12},
    }
    [entry] = logged(setup.gateway, trace_id)
    assert entry["actie"] == "abonnement bezorgen"
    assert entry["doelId"] == PARKEERVERGUNNING
    assert entry["appId"] == PARKEREN
    assert entry["grondslag"] == "toestemming"
    [obj] = entry["verwerkteObjecten"]
    assert obj["verwerkteSoortenGegevens"] == [
        "adres.huisnummer",
        "adres.postcode",
        "naam.geslachtsnaam",
        "naam.voorletters",
        "persoonId",
    ]
    assert anna["persoonId"] not in json.dumps(entry, default=str)
    eventually_closed(setup.service)


def test_a_subscription_without_na_starts_at_the_end_and_persoon_id_filters(
    setup: Setup, anna: dict[str, Any]
) -> None:
    topic = setup.topics[BIJSTAND_LOKET]
    bram = record(BRAM, "Bakker", "Bram", gemeente="0599")
    topic.put(anna, (BIJSTAND,))  # in-beeld
    before = topic.put(renamed(anna, "Voor"), (BIJSTAND,))
    topic.put(bram, (BIJSTAND,))

    async def scenario() -> tuple[list[dict[str, Any]], set[str]]:
        sent: set[str] = set()
        async with session(setup, BIJSTAND_LOKET) as opened:
            query = subscription("persoonGewijzigd", BIJSTAND, persoon_id=anna["persoonId"])
            reading = asyncio.ensure_future(take(opened, query, 2))
            n = 0
            while not reading.done():  # until the subscription started: it says nothing
                n += 1
                await produce(topic, renamed(bram, f"Bram{n}"), (BIJSTAND,))
                sent.add(await produce(topic, renamed(anna, f"Na{n}"), (BIJSTAND,)))
                await asyncio.sleep(0.3)
            return await reading, sent

    results, sent = asyncio.run(scenario())
    ids = {notice_id(r, "persoon-gewijzigd", BIJSTAND) for r in sent}
    found = [r["persoonGewijzigd"] for r in results]
    assert {f["persoonId"] for f in found} == {anna["persoonId"]}
    assert {f["id"] for f in found} <= ids
    assert notice_id(before, "persoon-gewijzigd", BIJSTAND) not in {f["id"] for f in found}
    assert found[0]["persoon"]["naam"]["geslachtsnaam"].startswith("Na")


def test_reconnecting_with_the_last_cursor_gives_what_came_meanwhile_once(
    setup: Setup, anna: dict[str, Any]
) -> None:
    topic = setup.topics[BIJSTAND_LOKET]
    na = topic.end()

    async def scenario() -> tuple[list[str], list[str], list[dict[str, Any]]]:
        await produce(topic, anna, (BIJSTAND,))  # in-beeld
        first = [await produce(topic, renamed(anna, "Een"), (BIJSTAND,))]
        async with session(setup, BIJSTAND_LOKET) as opened:
            query = subscription("persoonGewijzigd", BIJSTAND, na=na, persoon_id=anna["persoonId"])
            [got] = await take(opened, query, 1)
        await asyncio.to_thread(eventually_closed, setup.service)
        meanwhile = [
            await produce(topic, renamed(anna, name), (BIJSTAND,))
            for name in ("Twee", "Drie", "Vier")
        ]
        cursor = got["persoonGewijzigd"]["cursor"]
        async with session(setup, BIJSTAND_LOKET) as opened:
            query = subscription(
                "persoonGewijzigd", BIJSTAND, na=cursor, persoon_id=anna["persoonId"]
            )
            reading = asyncio.ensure_future(take(opened, query, 4))
            while len(meanwhile) < 4:
                await asyncio.sleep(1.0)  # enough for the three to come, if they come
                meanwhile.append(await produce(topic, renamed(anna, "Vijf"), (BIJSTAND,)))
            return first, meanwhile, await reading

    first, meanwhile, results = asyncio.run(scenario())
    found = [r["persoonGewijzigd"] for r in results]
    assert [f["id"] for f in found] == [
        notice_id(r, "persoon-gewijzigd", BIJSTAND) for r in meanwhile
    ]
    assert [f["persoon"]["naam"]["geslachtsnaam"] for f in found] == [
        "Twee",
        "Drie",
        "Vier",
        "Vijf",
    ]
    assert notice_id(first[0], "persoon-gewijzigd", BIJSTAND) not in [f["id"] for f in found]
    eventually_closed(setup.service)


def test_a_revocation_arrives_and_nothing_more_for_that_person(
    setup: Setup, anna: dict[str, Any]
) -> None:
    topic = setup.topics[PARKEREN]
    cees = beside(anna, CEES, "Claes")
    na = topic.end()
    trace_id, parent = traceparent()

    async def scenario() -> list[list[dict[str, Any]]]:
        async with session(setup, PARKEREN, headers={"traceparent": parent}) as opened:
            readers = [
                asyncio.ensure_future(
                    take(opened, subscription(name, PARKEERVERGUNNING, na=na), count)
                )
                for name, count in (
                    ("toestemmingGewijzigd", 3),
                    ("uitBeeld", 1),
                    ("persoonGewijzigd", 2),
                )
            ]
            await produce(topic, anna, (PARKEERVERGUNNING,))  # consent given
            await produce(topic, renamed(anna, "Visser"), (PARKEERVERGUNNING,))
            await produce(topic, anna, ())  # consent revoked: removed, then a tombstone
            await readers[1]
            await produce(topic, cees, (PARKEERVERGUNNING,))
            await produce(topic, renamed(cees, "Claessen"), (PARKEERVERGUNNING,))
            return list(await asyncio.gather(*readers))

    toestemming, uit, gewijzigd = asyncio.run(scenario())
    # Anna's and Cees's records share a partition: each subscription reads them in order, so
    # Cees's notices prove it read past Anna's revocation and tombstone.
    assert topic.partitions[anna["persoonId"]] == topic.partitions[cees["persoonId"]]
    assert [
        (t["toestemmingGewijzigd"]["status"], t["toestemmingGewijzigd"]["persoon"])
        for t in toestemming
    ] == [
        ("actief", {"naam": {"geslachtsnaam": "Jansen"}}),
        ("beeindigd", None),
        ("actief", {"naam": {"geslachtsnaam": "Claes"}}),
    ]
    assert [u["uitBeeld"]["persoonId"] for u in uit] == [anna["persoonId"]]
    assert uit[0]["uitBeeld"]["persoon"] is None
    after = [g["persoonGewijzigd"] for g in gewijzigd]
    assert [(a["persoonId"], a["persoon"]["naam"]["geslachtsnaam"]) for a in after] == [
        (anna["persoonId"], "Visser"),
        (cees["persoonId"], "Claessen"),
    ]
    assert len(logged(setup.gateway, trace_id)) == 6  # every delivery, with or without data
    eventually_closed(setup.service)


def with_parkeren(policy: Policy, **update: Any) -> Policy:
    """The register with the PARKEREN app changed (as the workers would keep it)."""
    apps = tuple(a.model_copy(update=update) if a.id == PARKEREN else a for a in policy.apps)
    return Policy(doelen=policy.doelen, apps=apps)


def ends_with(
    code: str,
    where: tuple[Path, str, str],
    topic: AppTopic,
    first: dict[str, Any],
    then: Callable[[Setup], Awaitable[None]],
    timeout: float,
) -> None:
    """PARKEREN's `inBeeld` subscription on a gateway of its own (tmp path, broker, schema
    registry: its register may be changed) gets `first` coming into view; then `then` runs,
    and the subscription ends with error `code` after that one notice."""
    found: list[dict[str, Any]] = []
    na = topic.end()
    with started(*where) as other:

        async def scenario() -> None:
            async with session(other, PARKEREN) as opened:
                query = subscription("inBeeld", PARKEERVERGUNNING, na=na, selection="id")
                await produce(topic, first, (PARKEERVERGUNNING,))
                async for result in opened.subscribe(gql(query)):
                    found.append(result)
                    await then(other)

        with pytest.raises(TransportQueryError) as refused:
            asyncio.run(asyncio.wait_for(scenario(), timeout))
        eventually_closed(other.service)
    assert len(found) == 1
    assert _error(refused)["extensions"] == {"code": code}


def test_a_purpose_the_app_lost_ends_its_subscriptions(
    setup: Setup, tmp_path: Path, bootstrap: str, registry_url: str, anna: dict[str, Any]
) -> None:
    topic = setup.topics[PARKEREN]
    without = with_parkeren(setup.gateway.policy, doelen=())

    async def lose_the_purpose(other: Setup) -> None:
        write_policy(other.gateway.store, without, seq=2)
        await asyncio.sleep(1.0)  # past BRON_GATEWAY_POLICY_REFRESH
        await produce(topic, beside(anna, CEES, "Claes"), (PARKEERVERGUNNING,))

    where = (tmp_path, bootstrap, registry_url)
    ends_with("PURPOSE_NOT_ALLOWED", where, topic, anna, lose_the_purpose, 30)


def test_a_withdrawn_apps_subscription_ends_without_another_record(
    setup: Setup, tmp_path: Path, bootstrap: str, registry_url: str, anna: dict[str, Any]
) -> None:
    """A withdrawal (`bron apps withdraw`): the app's last records, its persons leaving view,
    may come before the gateway reads the register again, and none comes after them; the
    subscription ends all the same."""
    topic = setup.topics[PARKEREN]
    withdrawn = with_parkeren(setup.gateway.policy, doelen=(), gemeenten=())

    async def withdraw(other: Setup) -> None:
        await produce(topic, anna, ())  # out of view, then the tombstone
        write_policy(other.gateway.store, withdrawn, seq=2)

    where = (tmp_path, bootstrap, registry_url)
    ends_with("PURPOSE_NOT_ALLOWED", where, topic, anna, withdraw, 20)


# -- refusals --------------------------------------------------------------------------------


def _error(exc: pytest.ExceptionInfo[TransportQueryError]) -> dict[str, Any]:
    errors = exc.value.errors
    assert errors
    first: dict[str, Any] = errors[0]
    return first


def test_a_field_the_purpose_does_not_allow_is_refused_before_anything_is_read(
    setup: Setup,
) -> None:
    eventually_closed(setup.service)

    async def scenario() -> None:
        async with session(setup, PARKEREN) as opened:
            query = subscription(
                "persoonGewijzigd",
                PARKEERVERGUNNING,
                selection="id persoon { geboorte { datum { datum } } }",
            )
            await take(opened, query, 1, timeout=10)

    with pytest.raises(TransportQueryError) as refused:
        asyncio.run(scenario())
    error = _error(refused)
    assert error["extensions"] == {"code": "FIELD_NOT_ALLOWED"}
    assert "'parkeervergunning'" in error["message"]
    assert "geboorte.datum.datum" in error["message"]
    assert setup.service.open_tails == 0  # no consumer was made


def test_another_apps_purpose_is_refused(setup: Setup) -> None:
    async def scenario() -> None:
        async with session(setup, PARKEREN) as opened:
            await take(opened, subscription("persoonGewijzigd", BIJSTAND), 1, timeout=10)

    with pytest.raises(TransportQueryError) as refused:
        asyncio.run(scenario())
    assert _error(refused)["extensions"] == {"code": "PURPOSE_NOT_ALLOWED"}


async def _init(
    url: str,
    payload: dict[str, Any],
    *,
    origin: str | None = None,
    protocol: str = PROTOCOL,
) -> str | int:
    """The server's answer to connection_init: the message type, or the close code."""
    async with connect(
        url, subprotocols=[Subprotocol(protocol)], origin=None if origin is None else Origin(origin)
    ) as socket:
        try:
            await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
            answer = await asyncio.wait_for(socket.recv(), 10)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd is not None else 0
        return str(json.loads(answer)["type"])


def test_without_a_good_app_token_the_socket_closes_with_4403(setup: Setup) -> None:
    gateway = setup.gateway
    citizen = issue(
        KeyPair(gateway.settings.data_dir / "keys"),
        subject=ANNA,
        audience="bron:gateway",
        roles=["burger"],
    )
    answers = {
        name: asyncio.run(_init(setup.ws, payload))
        for name, payload in {
            "good": {"Authorization": f"Bearer {gateway.token(PARKEREN)}"},
            "none": {},
            "expired": {"Authorization": f"Bearer {ATTACKS['expired'](gateway)}"},
            "alg-none": {"Authorization": f"Bearer {ATTACKS['alg-none'](gateway)}"},
            "citizen": {"Authorization": f"Bearer {citizen}"},
            "unknown-app": {"Authorization": f"Bearer {gateway.token('onbekende-app')}"},
        }.items()
    }
    assert answers == {
        "good": "connection_ack",
        "none": 4403,
        "expired": 4403,
        "alg-none": 4403,
        "citizen": 4403,
        "unknown-app": 4403,
    }


def test_a_token_in_the_url_and_an_unregistered_origin_are_refused_at_the_handshake(
    setup: Setup,
) -> None:
    token = setup.gateway.token(PARKEREN)
    good = {"Authorization": f"Bearer {token}"}
    for url, origin in (
        (f"{setup.ws}?access_token={token}", None),
        (f"{setup.ws}?q={token}", None),
        (setup.ws, "https://evil.example.org"),
    ):
        with pytest.raises(InvalidStatus) as refused:
            asyncio.run(_init(url, good, origin=origin))
        assert refused.value.response.status_code == 403
    # an origin of another app is known at connection_init, once the token names the app
    assert asyncio.run(_init(setup.ws, good, origin="https://afvalpas.example.nl")) == 4403
    assert asyncio.run(_init(setup.ws, good, origin="https://parkeren.example.nl")) == (
        "connection_ack"
    )


def test_only_graphql_transport_ws_only_subscriptions_and_a_limit_per_connection(
    setup: Setup,
) -> None:
    token = setup.gateway.token(PARKEREN)
    assert (
        asyncio.run(_init(setup.ws, {"Authorization": f"Bearer {token}"}, protocol="graphql-ws"))
        == 4406
    )

    async def scenario() -> dict[str, Any]:
        async with connect(setup.ws, subprotocols=[Subprotocol(PROTOCOL)]) as socket:
            await socket.send(
                json.dumps(
                    {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
                )
            )
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            query = subscription("inBeeld", PARKEERVERGUNNING, selection="id")
            for n in range(MAX_SUBSCRIPTIONS + 1):
                await socket.send(
                    json.dumps({"id": str(n), "type": "subscribe", "payload": {"query": query}})
                )
            return json.loads(await asyncio.wait_for(socket.recv(), 10))  # type: ignore[no-any-return]

    answer = asyncio.run(scenario())
    assert answer["id"] == str(MAX_SUBSCRIPTIONS)
    assert answer["type"] == "error"
    assert "limit" in answer["payload"][0]["message"].lower()
    eventually_closed(setup.service)
    response = httpx.post(
        f"{setup.gateway.url}/graphql",
        timeout=30,
        headers={"Authorization": f"Bearer {token}"},
        json={"query": subscription("inBeeld", PARKEERVERGUNNING)},
    )
    assert "WebSocket" in response.json()["errors"][0]["message"]


def test_queries_are_not_answered_over_the_websocket(setup: Setup) -> None:
    async def scenario() -> None:
        async with session(setup, PARKEREN) as opened:
            await opened.execute(gql("{ __typename }"))

    with pytest.raises(TransportQueryError) as refused:
        asyncio.run(scenario())
    assert "POST" in _error(refused)["message"]


# -- without the processing log, nothing is delivered ----------------------------------------


def test_with_the_log_unreachable_the_subscription_ends_without_data(
    setup: Setup, tmp_path: Path, bootstrap: str, registry_url: str, anna: dict[str, Any]
) -> None:
    closed = f"127.0.0.1:{free_ports(1)[0]}"
    unreachable = kafka_log(
        setup.gateway.settings.model_copy(
            update={"kafka_bootstrap": closed, "gateway_log_timeout": 1.0}
        )
    )
    topic = setup.topics[PARKEREN]
    na = topic.end()
    trace_id, parent = traceparent()
    with started(tmp_path, bootstrap, registry_url, log=unreachable) as other:

        async def scenario() -> None:
            await produce(topic, anna, (PARKEERVERGUNNING,))
            async with session(other, PARKEREN, headers={"traceparent": parent}) as opened:
                await take(opened, subscription("inBeeld", PARKEERVERGUNNING, na=na), 1)

        started_at = time.monotonic()
        with pytest.raises(TransportQueryError) as refused:
            asyncio.run(scenario())
        assert time.monotonic() - started_at < 15
        eventually_closed(other.service)
    error = _error(refused)
    assert error["extensions"] == {"code": "PROCESSING_LOG_UNAVAILABLE"}
    assert refused.value.data is None
    assert "Jansen" not in str(refused.value)
    assert logged(setup.gateway, trace_id) == []
