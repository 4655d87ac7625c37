"""The webhook service end to end: `bron webhooks dispatch` in a subprocess on the session
broker, with a real schema registry (the processing log is Avro), per-app records produced as
the stream workers write them, and a real receiver (Starlette under uvicorn, in a thread) that
answers each path as the test programs it: handshake or not, 2xx, 500s, slowness, 429, 410."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from bron_gateway.testing import write_policy
from bron_gateway.verwerkingslog import Pseudonymiser
from confluent_kafka import Producer
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bron.contracts.envelope import Attributes, to_headers
from bron.db import database_url
from bron.http.auth import KeyPair, issue
from bron.kafka.admin import ensure_topics
from bron.notices import decode, notices
from bron.policy import load_policy
from bron.process import ManagedProcess, bron_command
from bron.settings import load_settings
from bron.testing import eventually, free_ports, serving
from services.webhooks.domain import Status, Subscription, verify
from services.webhooks.leases import Kind, Outcome
from services.webhooks.rows import NewDelivery
from services.webhooks.store import WebhookStore
from streams.store import ProjectionStore
from streams.worker import app_topic_spec
from tests.integration.processing_log import processing_log
from tests.integration.registries import contracts_registry

pytestmark = pytest.mark.kafka

OIN = "00000001001234567000"
APP, DOEL = "bijstand-loket", "bijstand"
TOPIC = f"bron.app.{APP}"
WINDOW = 4.0  # BRON_WEBHOOKS_RETRY_WINDOW of the dispatcher under test


@dataclass(frozen=True)
class Answer:
    status: int = 200
    sleep: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Path_:
    """How the receiver answers one path: `script` for the first calls, then `then`."""

    script: list[Answer] = field(default_factory=list)
    then: Answer = Answer()
    allow: bool = True
    delay: float = 0.0
    calls: int = 0


@dataclass(frozen=True)
class Received:
    path: str
    ce_id: str
    headers: dict[str, str]
    body: bytes
    at: float
    status: int


class Receiver:
    def __init__(self) -> None:
        self.paths: dict[str, Path_] = {}
        self.received: list[Received] = []
        self.url = ""

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path}", self.hook, methods=["OPTIONS", "POST"])])

    async def hook(self, request: Request) -> Response:
        path = self.paths.setdefault(request.path_params["path"], Path_())
        if request.method == "OPTIONS":
            origin = request.headers.get("webhook-request-origin", "")
            return (
                Response(headers={"WebHook-Allowed-Origin": origin})
                if path.allow
                else (Response(status_code=405))
            )
        body, at = await request.body(), time.time()
        path.calls += 1
        answer = path.script[path.calls - 1] if path.calls <= len(path.script) else path.then
        self.received.append(
            Received(
                request.path_params["path"],
                request.headers["ce-id"],
                dict(request.headers),
                body,
                at,
                answer.status,
            )
        )
        await asyncio.sleep(path.delay + answer.sleep)
        return Response(status_code=answer.status, headers=answer.headers)

    def on(self, name: str, **how: Any) -> str:
        self.paths[name] = Path_(**how)
        return f"{self.url}/{name}"

    def at(self, name: str) -> list[Received]:
        return [r for r in self.received if r.path == name]


@dataclass
class Stack:
    folder: Path
    env: dict[str, str]
    url: str
    bootstrap: str
    registry_url: str
    receiver: Receiver
    process: ManagedProcess
    producer: Producer

    def start(self, name: str = "webhooks") -> None:
        self.process = ManagedProcess(
            name,
            bron_command("webhooks", "dispatch", "--instance", "w1"),
            self.folder / f"{name}.log",
            self.env,
        )
        self.process.start()
        self.process.wait_healthy(f"{self.url}/health", 60)

    def client(self, app_id: str = APP) -> httpx.Client:
        keys = KeyPair(self.folder / "keys")
        token = issue(keys, subject=f"client-{app_id}", audience="bron:webhooks", app_id=app_id)
        return httpx.Client(
            base_url=self.url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )

    def produce(
        self,
        persoon: str,
        velden: list[str],
        partition: int | None = None,
        versie: int = 1,
        flush: bool = True,
    ) -> list[str]:
        """A per-app record as the workers write it; the ids of its notices."""
        view = {
            "persoonId": persoon,
            "persoon": {
                "naam": {"geslachtsnaam": "Jansen"},
                "verblijfplaats": {"nummeraanduidingIdentificatie": "0363200000000001"},
            },
        }
        value = json.dumps(
            {
                "persoonId": persoon,
                "versie": versie,
                "doelen": {DOEL: view},
                "wijzigingen": {DOEL: {"soort": "gewijzigd", "velden": velden}},
            }
        )
        headers = to_headers(
            Attributes(
                source=f"urn:nld:oin:{OIN}:systeem:bron-streams",
                type="nl.bron.projectie-gewijzigd.v1",
                sequence=versie,
                dataschema="urn:bron:projectie",
                datacontenttype="application/json",
            )
        )
        self.producer.produce(
            TOPIC,
            key=persoon.encode(),
            value=value.encode(),
            headers=list(headers),
            partition=-1 if partition is None else partition,  # -1: by key
        )
        if flush:
            self.producer.flush(10)
        return [n.id for n in notices(decode(TOPIC, persoon.encode(), value.encode(), headers))]


@pytest.fixture(scope="module")
def stack(bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("webhooks")
    KeyPair(folder / "keys")  # before the dispatcher, so that both use the same key
    ensure_topics(bootstrap, [app_topic_spec(TOPIC)])
    receiver = Receiver()
    port = free_ports(1)[0]
    with contracts_registry(bootstrap) as registry_url, serving(receiver.app()) as receiver_url:
        receiver.url = receiver_url
        env = {
            "BRON_DATA_DIR": str(folder),
            "BRON_KAFKA_BOOTSTRAP": bootstrap,
            "BRON_SCHEMA_REGISTRY_URL": registry_url,
            "BRON_WEBHOOKS_PORT": str(port),
            "BRON_WEBHOOKS_GROUP": f"webhooks-{uuid.uuid4().hex[:8]}",
            "BRON_WEBHOOKS_RETRY_WINDOW": str(WINDOW),
            "BRON_WEBHOOKS_BACKOFF_MAX": "0.5",
            "BRON_WEBHOOKS_TIMEOUT": "1",
            "BRON_LOG_FORMAT": "json",
        }
        producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 1})
        process = ManagedProcess("webhooks", [], folder / "webhooks.log", env)
        s = Stack(
            folder,
            env,
            f"http://127.0.0.1:{port}",
            bootstrap,
            registry_url,
            receiver,
            process,
            producer,
        )
        s.start()
        try:
            yield s
        finally:
            s.process.stop()


@pytest.fixture
def api(stack: Stack) -> Iterator[httpx.Client]:
    """The app's API client; every subscription a test made is deleted after it."""
    with stack.client() as client:
        yield client
        for sub in client.get("/abonnementen").json():
            client.delete(f"/abonnementen/{sub['id']}")


def subscribe(api: httpx.Client, url: str, **body: Any) -> dict[str, Any]:
    response = api.post("/abonnementen", json={"doel": DOEL, "url": url, **body})
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def delivered(stack: Stack, path: str, ids: list[str], timeout: float = 20) -> list[Received]:
    """Every request for these notices at `path`, once each has been answered with a 2xx."""

    def done() -> bool:
        ok = {r.ce_id for r in stack.receiver.at(path) if 200 <= r.status < 300}
        return set(ids) <= ok

    eventually(done, timeout, f"{len(ids)} notice(s) at /{path}")
    return [r for r in stack.receiver.at(path) if r.ce_id in ids]


def test_a_subscription_needs_the_receivers_consent(stack: Stack, api: httpx.Client) -> None:
    refused = api.post(
        "/abonnementen", json={"doel": DOEL, "url": stack.receiver.on("refuses", allow=False)}
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["errors"][0]["field"] == "url"
    assert "WebHook-Allowed-Origin: bron.localhost" in problem["detail"]
    assert api.get("/abonnementen").json() == []
    wrong = api.post("/abonnementen", json={"doel": "parkeervergunning", "url": "https://x.nl"})
    assert (wrong.status_code, wrong.json()["errors"][0]["field"]) == (422, "doel")
    http = api.post("/abonnementen", json={"doel": DOEL, "url": "http://example.nl/hook"})
    assert (http.status_code, http.json()["errors"][0]["field"]) == (422, "url")

    created = subscribe(api, stack.receiver.on("consents"), soorten=["adres-gewijzigd"])
    assert len(created["geheim"]) >= 32
    shown = api.get(f"/abonnementen/{created['id']}").json()
    assert "geheim" not in shown
    assert (shown["status"], shown["soorten"], shown["wachtend"]) == (
        "actief",
        ["adres-gewijzigd"],
        0,
    )
    with stack.client("belastingen") as other:
        assert other.get(f"/abonnementen/{created['id']}").status_code == 404
        assert other.delete(f"/abonnementen/{created['id']}").status_code == 404
    assert api.get("/abonnementen", headers={"Authorization": "Bearer x"}).status_code == 401


def test_a_delivery_is_a_signed_cloudevent_thin_or_full(stack: Stack, api: httpx.Client) -> None:
    thin = subscribe(api, stack.receiver.on("thin"))
    full = subscribe(api, stack.receiver.on("full"), volledig=True)
    persoon = str(uuid.uuid4())
    [notice_id] = stack.produce(persoon, ["persoon.naam"])
    [got] = delivered(stack, "thin", [notice_id])
    h = got.headers
    assert (h["ce-specversion"], h["ce-id"], h["ce-type"]) == (
        "1.0",
        notice_id,
        "nl.bron.persoon-gewijzigd.v1",
    )
    assert h["ce-source"] == f"urn:nld:oin:{OIN}:systeem:bron-webhooks"
    assert h["ce-dataref"] == "http://127.0.0.1:8120/graphql"
    assert h["content-type"] == "application/json"
    assert h["ce-time"].startswith(time.strftime("%Y-", time.gmtime()))
    assert "ce-subject" not in h
    assert not any(persoon in v for v in h.values())
    assert verify(thin["geheim"], h["bron-signature"], notice_id, got.body, time.time())
    assert not verify(full["geheim"], h["bron-signature"], notice_id, got.body, time.time())
    assert json.loads(got.body) == {
        "persoonId": persoon,
        "doel": DOEL,
        "soort": "persoon-gewijzigd",
        "status": None,
        "velden": ["persoon.naam"],
        "versie": 1,
    }
    [rich] = delivered(stack, "full", [notice_id])
    assert json.loads(rich.body)["data"]["persoon"]["naam"] == {"geslachtsnaam": "Jansen"}


def test_a_bad_record_is_counted_and_passed(stack: Stack, api: httpx.Client) -> None:
    subscribe(api, stack.receiver.on("after-bad"))
    stack.producer.produce(TOPIC, key=b"x", value=b"not json", headers=[("ce_id", b"bad")])
    [after] = stack.produce(str(uuid.uuid4()), ["persoon.naam"])
    delivered(stack, "after-bad", [after])
    metrics = dict(
        line.rsplit(" ", 1)
        for line in httpx.get(f"{stack.url}/metrics").text.splitlines()
        if line and not line.startswith("#")
    )
    assert float(metrics["bron_webhooks_bad_records_total"]) >= 1
    assert float(metrics['bron_webhooks_deliveries_total{outcome="delivered"}']) >= 1


def test_failures_are_retried_with_the_same_id(stack: Stack, api: httpx.Client) -> None:
    subscribe(api, stack.receiver.on("flaky", script=[Answer(500), Answer(500)]))
    [notice_id] = stack.produce(str(uuid.uuid4()), ["persoon.naam"])
    calls = delivered(stack, "flaky", [notice_id])
    assert [c.status for c in calls] == [500, 500, 200]
    assert {c.ce_id for c in calls} == {notice_id}
    assert [c.headers["bron-delivery-attempt"] for c in calls] == ["1", "2", "3"]
    assert len({c.body for c in calls}) == 1


def test_a_timeout_is_a_failure(stack: Stack, api: httpx.Client) -> None:
    subscribe(api, stack.receiver.on("slow-once", script=[Answer(200, sleep=1.5)]))
    [notice_id] = stack.produce(str(uuid.uuid4()), ["persoon.naam"])
    eventually(lambda: len(stack.receiver.at("slow-once")) >= 2, what="a second attempt")
    assert {c.ce_id for c in stack.receiver.at("slow-once")} == {notice_id}


def test_retry_after_is_honoured(stack: Stack, api: httpx.Client) -> None:
    busy = Answer(429, headers={"Retry-After": "2"})
    subscribe(api, stack.receiver.on("busy", script=[busy]))
    [notice_id] = stack.produce(str(uuid.uuid4()), ["persoon.naam"])
    first, second = delivered(stack, "busy", [notice_id])
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 1.9


def test_gone_removes_the_subscription(stack: Stack, api: httpx.Client) -> None:
    sub = subscribe(api, stack.receiver.on("gone", then=Answer(410)))
    stack.produce(str(uuid.uuid4()), ["persoon.naam"])
    eventually(lambda: api.get(f"/abonnementen/{sub['id']}").status_code == 404, what="410 → gone")
    stack.produce(str(uuid.uuid4()), ["persoon.naam"])
    time.sleep(1.5)
    assert len(stack.receiver.at("gone")) == 1


def test_past_the_window_a_dead_letter_that_can_be_redelivered(
    stack: Stack, api: httpx.Client
) -> None:
    sub = subscribe(api, stack.receiver.on("down", then=Answer(503)))
    [notice_id] = stack.produce(str(uuid.uuid4()), ["persoon.naam"])
    [dead] = eventually(lambda: api.get("/dode-brieven").json(), WINDOW + 15, "a dead letter")
    assert (dead["abonnement"], dead["noticeId"], dead["laatsteStatus"]) == (
        sub["id"],
        notice_id,
        503,
    )
    assert dead["pogingen"] >= 2
    assert "retry window" in dead["reden"]
    assert set(dead) == {
        "id",
        "abonnement",
        "noticeId",
        "type",
        "reden",
        "pogingen",
        "laatsteStatus",
        "mislukt",
    }
    listed = _cli(stack, "webhooks", "dead-letters")
    assert dead["id"] in listed
    with stack.client("belastingen") as other:
        assert other.post(f"/dode-brieven/{dead['id']}/opnieuw").status_code == 404
    stack.receiver.paths["down"].then = Answer(200)
    assert api.post(f"/dode-brieven/{dead['id']}/opnieuw").status_code == 202
    assert delivered(stack, "down", [notice_id])[-1].status == 200
    assert api.get("/dode-brieven").json() == []


def test_a_paused_subscription_gets_what_came_meanwhile_on_resume(
    stack: Stack, api: httpx.Client
) -> None:
    sub = subscribe(api, stack.receiver.on("paused"))
    assert api.post(f"/abonnementen/{sub['id']}/pauzeren").json()["status"] == "gepauzeerd"
    ids = [i for _ in range(3) for i in stack.produce(str(uuid.uuid4()), ["persoon.naam"])]
    eventually(lambda: api.get(f"/abonnementen/{sub['id']}").json()["wachtend"] == 3, what="queued")
    time.sleep(0.5)
    assert stack.receiver.at("paused") == []
    assert api.post(f"/abonnementen/{sub['id']}/hervatten").json()["status"] == "actief"
    assert [c.ce_id for c in delivered(stack, "paused", ids)] == ids  # in order


def test_a_killed_dispatcher_loses_nothing(stack: Stack, api: httpx.Client) -> None:
    """SIGKILL while 200 notices go to a slow receiver; after a restart every notice arrives,
    in order of their records, any repeat with the same id and body."""
    subscribe(api, stack.receiver.on("crash", delay=0.02))
    ids: list[str] = []
    for _ in range(200):
        ids += stack.produce(str(uuid.uuid4()), ["persoon.naam"], partition=0, flush=False)
    stack.producer.flush(10)
    eventually(lambda: len(stack.receiver.at("crash")) >= 40, what="deliveries under way")
    proc = stack.process.proc
    assert proc is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len({c.ce_id for c in stack.receiver.at("crash")}) < len(ids), "killed too late"
    stack.start("webhooks-restarted")
    calls = delivered(stack, "crash", ids)
    first_seen = list(dict.fromkeys(c.ce_id for c in calls))
    assert first_seen == ids
    bodies: dict[str, bytes] = {}
    for c in calls:
        assert bodies.setdefault(c.ce_id, c.body) == c.body


def test_every_delivery_is_in_the_processing_log(stack: Stack) -> None:
    sent = {r.ce_id: json.loads(r.body)["persoonId"] for r in stack.receiver.received}
    traces = {uuid.UUID(i).hex: i for i in sent}
    found = {r["traceId"]: r for r in _processing_log(stack) if r["traceId"] in traces}
    assert set(found) == set(traces)
    pseudonym = Pseudonymiser.in_data_dir(stack.folder)
    for trace_id, record in found.items():
        persoon = sent[traces[trace_id]]
        assert (record["actie"], record["systeem"], record["appId"], record["doelId"]) == (
            "webhook bezorgen",
            "bron-webhooks",
            APP,
            DOEL,
        )
        [obj] = record["verwerkteObjecten"]
        assert obj["identificator"] == pseudonym(persoon)
        assert persoon not in json.dumps(record, default=str)


def _processing_log(stack: Stack) -> list[dict[str, Any]]:
    return [e.data for e in processing_log(stack.bootstrap, stack.registry_url)]


def _cli(stack: Stack, *args: str) -> str:
    done = subprocess.run(
        bron_command(*args),
        env={**os.environ, **stack.env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout


def test_the_store_leases_each_queue_once_and_in_order(database_url: str) -> None:
    """On SQLite and PostgreSQL: a replayed batch is queued once; a queue is leased to one
    dispatcher at a time from its head; a failing head holds its own queue only; a dead
    letter can be queued again; a paused subscription's queue waits."""
    store = WebhookStore(database_url)
    now = time.time()
    subs = [
        Subscription(
            str(uuid.uuid4()),
            APP,
            DOEL,
            "https://x.example/h",
            frozenset(),
            frozenset(),
            None,
            False,
            Status.actief,
            "k",
            now,
        )
        for _ in range(2)
    ]
    for sub in subs:
        store.add(sub)
    new = [
        NewDelivery(
            s.id,
            str(uuid.uuid4()),
            APP,
            DOEL,
            str(uuid.uuid4()),
            "nl.bron.x.v1",
            ("persoonId",),
            TOPIC,
            0,
            i,
            now,
            b"{}",
            {"ce-id": "x"},
        )
        for i in range(4)
        for s in subs
    ]
    store.save("g", new, {(TOPIC, 0): 4}, now)
    store.save("g", new[:3], {(TOPIC, 0): 4}, now)  # replayed after a crash
    assert (store.pending(), store.offsets("g")) == (8, {(TOPIC, 0): 4})
    queue = {s.id: [d.notice_id for d in new if d.subscription_id == s.id] for s in subs}

    claimed = store.settle([], now, 10, 60, "a", batch=3)
    assert store.settle([], now, 10, 60, "b", batch=3) == []  # both queues are a's
    by_sub = {c[0].subscription_id: c for c in claimed}
    assert {s: [p.notice_id for p in c] for s, c in by_sub.items()} == {
        s: ids[:3] for s, ids in queue.items()
    }
    first, second = by_sub[subs[0].id], by_sub[subs[1].id]
    outcomes = [
        Outcome(Kind.delivered, first[0]),
        Outcome(Kind.retry, first[1], now, now + 100, 500, "HTTP 500"),
        Outcome(Kind.release, first[2]),
        *(Outcome(Kind.delivered, p) for p in second),
    ]
    again = store.settle(outcomes, now + 1, 10, 60, "b", batch=3)
    assert [[p.notice_id for p in c] for c in again] == [queue[subs[1].id][3:]]
    assert store.last_error(subs[0].id) == (500, "HTTP 500")

    [[head]] = store.settle([Outcome(Kind.delivered, again[0][0])], now + 101, 10, 60, "c")
    assert head.notice_id == queue[subs[0].id][1]  # the failed one, before what waits behind it
    dead = Outcome(
        Kind.dead,
        head,
        now,
        status=503,
        error="HTTP 503",
        reason="window",
        dead_id=str(uuid.uuid4()),
    )
    store.settle([dead], now + 102, 0, 60, "c")
    [letter] = store.dead_letters(APP)
    assert (letter.notice_id, letter.attempts, letter.last_status) == (head.notice_id, 2, 503)
    store.set_status(subs[0].id, Status.gepauzeerd, now + 103)
    assert store.redeliver(letter.id, now + 103)
    assert store.settle([], now + 104, 10, 60, "d") == []  # paused: it waits
    store.set_status(subs[0].id, Status.actief, now + 105)
    [[resumed]] = store.settle([], now + 105, 10, 60, "d")
    assert resumed.notice_id == queue[subs[0].id][2]  # the redelivered one comes last
    store.remove(subs[0].id)
    assert (store.pending(), store.dead_letters()) == (0, [])
    store.close()


# -- managed through the gateway's GraphQL, as queries are --------------------------------


def _gateway(stack: Stack, tmp_path: Path, app_id: str | None) -> Callable[[str], Any]:
    """The gateway's schema with its webhook client pointed at the service under test; each
    call runs one operation as the app (or, with None, as a citizen)."""
    from bron_gateway.auth import Caller
    from bron_gateway.context import RequestContext, Services
    from bron_gateway.loaders import Loaders
    from bron_gateway.schema import build_schema
    from bron_gateway.testing import MemoryLog
    from bron_gateway.trace import trace_from
    from bron_gateway.webhooks import WebhookService

    from bron.policy import load_policy
    from streams.reads import ProjectionReader
    from streams.store import ProjectionStore

    url = f"sqlite:///{tmp_path / 'projections.db'}"
    ProjectionStore(url).close()
    policy = load_policy()
    schema = build_schema(max_depth=10, max_aliases=5, max_tokens=5000, introspection=True)

    def run(operation: str) -> Any:
        async def once() -> Any:
            service = WebhookService(stack.url, KeyPair(stack.folder / "keys"), timeout=10)
            reader = ProjectionReader(url)
            issuer = "urn:bron:dev-issuer"
            caller = (Caller(issuer, f"client-{app_id}", app_id) if app_id
                      else Caller(issuer, "999993653", "", citizen=True))  # fmt: skip
            context = RequestContext(
                caller=caller, app=policy.app_by_id[app_id] if app_id else None, policy=policy,
                loaders=Loaders(reader, app_id or ""), trace=trace_from(None),
                services=Services(MemoryLog(), Pseudonymiser(b"s" * 32), OIN, 100,
                                  webhooks=service))  # fmt: skip
            try:
                return await schema.execute(operation, context_value=context)
            finally:
                await service.close()
                reader.close()

        return asyncio.run(once())

    return run


def test_an_app_manages_its_webhooks_through_graphql(stack: Stack, tmp_path: Path) -> None:
    run = _gateway(stack, tmp_path, APP)
    url = stack.receiver.on("graphql")
    created = run(
        f'mutation {{ webhookAanmaken(doel: "{DOEL}", url: "{url}", '
        'soorten: ["persoon-gewijzigd"]) { id doel status soorten geheim } }'
    )
    assert created.errors is None, created.errors
    made = created.data["webhookAanmaken"]
    assert (made["doel"], made["status"], made["soorten"]) == (
        DOEL,
        "actief",
        ["persoon-gewijzigd"],
    )
    assert made["geheim"]
    listed = run("{ webhookAbonnementen { id url status geheim } }").data["webhookAbonnementen"]
    assert listed == [{"id": made["id"], "url": url, "status": "actief", "geheim": None}]
    paused = run(f'mutation {{ webhookPauzeren(id: "{made["id"]}") {{ status }} }}')
    assert paused.data == {"webhookPauzeren": {"status": "gepauzeerd"}}
    resumed = run(f'mutation {{ webhookHervatten(id: "{made["id"]}") {{ status }} }}')
    assert resumed.data == {"webhookHervatten": {"status": "actief"}}
    ids = stack.produce(str(uuid.uuid4()), ["persoon.naam"])
    assert delivered(stack, "graphql", ids)
    assert run("{ dodeBrieven { id } }").data == {"dodeBrieven": []}
    gone = run(f'mutation {{ webhookVerwijderen(id: "{made["id"]}") }}')
    assert gone.data == {"webhookVerwijderen": True}
    assert run("{ webhookAbonnementen { id } }").data == {"webhookAbonnementen": []}


def test_graphql_refusals_name_what_is_wrong(stack: Stack, tmp_path: Path) -> None:
    run = _gateway(stack, tmp_path, APP)
    other = run(f'mutation {{ webhookAanmaken(doel: "parkeervergunning", '
                f'url: "{stack.receiver.on("x")}") {{ id }} }}')  # fmt: skip
    assert other.errors[0].extensions["code"] == "PURPOSE_NOT_ALLOWED"
    refused = run(f'mutation {{ webhookAanmaken(doel: "{DOEL}", '
                  f'url: "{stack.receiver.on("no", allow=False)}") {{ id }} }}')  # fmt: skip
    assert refused.errors[0].extensions["code"] == "REGISTER_REFUSED"
    assert "url" in refused.errors[0].message
    citizen = _gateway(stack, tmp_path, None)("{ webhookAbonnementen { id } }")
    assert citizen.errors[0].extensions["code"] == "NOT_ALLOWED_FOR_CALLER"
    assert run("{ webhookAbonnementen { id } }").data == {"webhookAbonnementen": []}


def test_an_app_registered_from_its_manifest_may_subscribe_without_a_restart(
    stack: Stack,
) -> None:
    """The service follows the register the stream workers keep (apps registered with `bron
    apps register` are not in policy/register.yaml): refused before, accepted after."""
    app_id = f"winkel-{uuid.uuid4().hex[:6]}"
    body = {"doel": DOEL, "url": stack.receiver.on(f"winkel-{app_id}")}
    with stack.client(app_id) as client:
        assert client.post("/abonnementen", json=body).status_code == 403
        policy = load_policy()
        base = next(a for a in policy.apps if DOEL in a.doelen)
        registered = base.model_copy(update={"id": app_id, "versie": "1.0.0", "gemeenten": ()})
        store = ProjectionStore(database_url(load_settings(data_dir=stack.folder), "projections"))
        try:
            write_policy(store, policy.model_copy(update={"apps": (*policy.apps, registered)}))
        finally:
            store.close()
        created = eventually(lambda: (r := client.post("/abonnementen", json=body)).status_code
                             == 201 and r, 15, "the registered app's subscription")  # fmt: skip
        assert created.json()["appId"] == app_id
        client.delete(f"/abonnementen/{created.json()['id']}")


def test_a_withdrawn_apps_subscriptions_are_deleted_and_the_log_names_the_app_and_count(
    stack: Stack, api: httpx.Client
) -> None:
    """A withdrawal (`bron apps withdraw`) reaches the service as the register the stream
    workers keep (the app without purposes, enabled nowhere): within its refresh every
    subscription of the app is deleted, with no record on its topic needed; another app's
    stay."""
    app_id = f"winkel-{uuid.uuid4().hex[:6]}"
    kept = subscribe(api, stack.receiver.on("blijft"))
    policy = load_policy()
    base = next(a for a in policy.apps if DOEL in a.doelen)
    registered = base.model_copy(update={"id": app_id, "versie": "1.0.0", "gemeenten": ("0363",)})
    store = ProjectionStore(database_url(load_settings(data_dir=stack.folder), "projections"))
    try:
        write_policy(store, policy.model_copy(update={"apps": (*policy.apps, registered)}))
        with stack.client(app_id) as client:
            body = {"doel": DOEL, "url": stack.receiver.on(app_id)}
            eventually(lambda: client.post("/abonnementen", json=body).status_code == 201,
                       15, "a subscription of the registered app")  # fmt: skip
            assert client.post("/abonnementen", json=body).status_code == 201
            assert len(client.get("/abonnementen").json()) == 2
            withdrawn = registered.model_copy(update={"doelen": (), "gemeenten": ()})
            write_policy(store, policy.model_copy(update={"apps": (*policy.apps, withdrawn)}))
            eventually(lambda: client.get("/abonnementen").json() == [], 20,
                       "the withdrawn app's subscriptions deleted")  # fmt: skip
    finally:
        store.close()
    assert [s["id"] for s in api.get("/abonnementen").json()] == [kept["id"]]
    lines = [json.loads(line) for line in stack.process.log_file.read_text().splitlines()
             if "webhooks.app_withdrawn" in line]  # fmt: skip
    assert [(r["app"], r["subscriptions"]) for r in lines] == [(app_id, 2)]
