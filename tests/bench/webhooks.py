"""Webhook delivery: deliveries per second, and the latency from a per-app record to the
receiver, against bare baselines measured in the same run.

Set-up: a fresh schema registry (the processing log is Avro), `bron webhooks dispatch` in a
subprocess (SQLite store), and a receiver in a subprocess of its own (Starlette under uvicorn:
answers the handshake and 200, and notes when each `ce-id` first arrived).

- Throughput: subscriptions paused while N records are queued for each, then resumed; timed
  until the receiver has every delivery. Each delivery: claimed under a lease, its processing
  log record acknowledged by Kafka, the signed POST, the row deleted. One in flight per
  subscription (their order), so 20 subscriptions send 20 at a time and one sends one at a
  time. Baselines: a plain `httpx.AsyncClient` POSTing as many bodies of the same size to the
  same receiver, 20 at a time and one at a time.
- Latency: records produced on the per-app topic at a fixed rate (100/s: about half of what
  one dispatcher sends on this 2-core machine beside the broker, the receiver and the load;
  at 200/s it is saturated and the latency is queueing), spread over the three gemeenten of
  the purpose, each with a subscription of its own (gemeente filter); from just before each
  produce to the arrival at the receiver, p50 and p99. Baseline: the same rate produced to a
  topic and read back by a consumer already assigned (produce → consume).
- End to end (`tests.bench.webhooks_e2e`, run first, with a worker and a dispatcher of its own
  and this receiver): registry commit → webhook received at 5 changes/s, p50 and p99; baseline
  a produce → consume round trip. The receiver notes the body's persoonId on the path `e2e`."""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from confluent_kafka import Producer, TopicPartition
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bron.contracts.envelope import Attributes, to_headers
from bron.http.auth import KeyPair, issue
from bron.kafka.admin import ensure_topics
from bron.kafka.clients import make_consumer
from bron.notices import decode, notices
from bron.process import ManagedProcess, bron_command
from bron.testing import eventually, free_ports
from services.outbox.testing import create_topic
from streams.worker import app_topic_spec
from tests.bench.harness import BenchContext, Distribution, Measurement
from tests.bench.webhooks_e2e import PATH as E2E_PATH
from tests.bench.webhooks_e2e import bench_webhooks_e2e
from tests.integration.registries import contracts_registry

APP, DOEL, GEMEENTEN = "belastingen", "belastingen-woz", ("0363", "0518", "0599")
TOPIC = f"bron.app.{APP}"
MANY = 20

_arrivals: dict[str, float] = {}
_persons: dict[str, float] = {}  # path `e2e`: the body's persoonId → first arrival


async def _hook(request: Request) -> Response:
    if request.method == "OPTIONS":
        origin = request.headers.get("webhook-request-origin", "")
        return Response(headers={"WebHook-Allowed-Origin": origin})
    body = await request.body()
    at = time.time()
    _arrivals.setdefault(request.headers.get("ce-id", ""), at)
    if request.path_params["path"] == E2E_PATH:
        _persons.setdefault(json.loads(body)["persoonId"], at)
    return Response()


async def _stats(request: Request) -> Response:
    if request.method == "POST":
        _arrivals.clear()
        _persons.clear()
        return Response()
    return JSONResponse(_arrivals)


async def _persons_(request: Request) -> Response:
    return JSONResponse(_persons)


receiver = Starlette(
    routes=[
        Route("/stats", _stats, methods=["GET", "POST"]),
        Route("/persons", _persons_, methods=["GET"]),
        Route("/{path}", _hook, methods=["OPTIONS", "POST"]),
    ]
)


class Bench:
    def __init__(self, url: str, receiver_url: str, token: str, bootstrap: str) -> None:
        self.receiver_url = receiver_url
        self.api = httpx.Client(
            base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"}
        )
        self.producer = Producer({"bootstrap.servers": bootstrap, "linger.ms": 0})

    def close(self) -> None:
        self.api.close()
        self.producer.flush(10)

    def arrivals(self) -> dict[str, float]:
        found: dict[str, float] = httpx.get(f"{self.receiver_url}/stats", timeout=30).json()
        return found

    def reset(self) -> None:
        httpx.post(f"{self.receiver_url}/stats").raise_for_status()

    def subscribe(self, path: str, **body: Any) -> str:
        response = self.api.post(
            "/abonnementen", json={"doel": DOEL, "url": f"{self.receiver_url}/{path}", **body}
        )
        response.raise_for_status()
        return str(response.json()["id"])

    def produce(self, gemeente: str = "0363") -> list[str]:
        persoon = str(uuid.uuid4())
        view = {
            "persoonId": persoon,
            "persoon": {
                "naam": {"geslachtsnaam": "Jansen"},
                "verblijfplaats": {"nummeraanduidingIdentificatie": f"{gemeente}200000000001"},
            },
        }
        value = json.dumps(
            {
                "persoonId": persoon,
                "versie": 1,
                "doelen": {DOEL: view},
                "wijzigingen": {DOEL: {"soort": "gewijzigd", "velden": ["persoon.naam"]}},
            }
        ).encode()
        headers = to_headers(
            Attributes(
                source="urn:nld:oin:00000001001234567000:systeem:bench",
                type="nl.bron.projectie-gewijzigd.v1",
                sequence=1,
                dataschema="urn:bron:projectie",
                datacontenttype="application/json",
            )
        )
        self.producer.produce(TOPIC, key=persoon.encode(), value=value, headers=list(headers))
        self.producer.poll(0)
        return [n.id for n in notices(decode(TOPIC, persoon.encode(), value, headers))]

    def throughput(self, subscriptions: int, each: int) -> float:
        ids = [self.subscribe(f"s{i}") for i in range(subscriptions)]
        for sub in ids:
            self.api.post(f"/abonnementen/{sub}/pauzeren").raise_for_status()
        for _ in range(each):
            self.produce()
        self.producer.flush(30)
        total = each * subscriptions
        eventually(lambda: _pending(self.api) >= total, 120, "queueing", every=0.01)
        self.reset()
        started = time.perf_counter()
        for sub in ids:
            self.api.post(f"/abonnementen/{sub}/hervatten").raise_for_status()
        # every subscription gets the same notice ids: wait for the last subscription's share
        eventually(
            lambda: _pending(self.api) == 0 and len(self.arrivals()) >= each,
            600,
            "sent",
            every=0.01,
        )
        elapsed = time.perf_counter() - started
        for sub in ids:
            self.api.delete(f"/abonnementen/{sub}")
        return total / elapsed

    def latency(self, rate: int, seconds: int) -> list[float]:
        subs = [self.subscribe(f"g{g}", gemeenten=[g]) for g in GEMEENTEN]
        self.reset()
        produced: dict[str, float] = {}
        started = time.perf_counter()
        for i in range(rate * seconds):
            _sleep_until(started + i / rate)
            at = time.time()
            produced.update(dict.fromkeys(self.produce(GEMEENTEN[i % 3]), at))
        self.producer.flush(30)
        eventually(lambda: len(self.arrivals()) >= len(produced), 300, "arrivals", every=0.01)
        arrivals = self.arrivals()
        for sub in subs:
            self.api.delete(f"/abonnementen/{sub}")
        return [(arrivals[i] - at) * 1000 for i, at in produced.items()]


def bench_webhooks(ctx: BenchContext) -> list[Measurement]:
    each = 50 if ctx.quick else 500
    rate, seconds = 100, (2 if ctx.quick else 10)
    many, one, bare_many, bare_one = [], [], [], []
    with (
        tempfile.TemporaryDirectory(prefix="bron-bench-webhooks-") as name,
        contracts_registry(ctx.bootstrap) as registry_url,
    ):
        folder = Path(name)
        ensure_topics(ctx.bootstrap, [app_topic_spec(TOPIC)])
        rport, wport = free_ports(2)
        receiver_url, url = f"http://127.0.0.1:{rport}", f"http://127.0.0.1:{wport}"
        target = ManagedProcess(
            "receiver",
            [
                sys.executable,
                "-m",
                "uvicorn",
                "tests.bench.webhooks:receiver",
                "--port",
                str(rport),
                "--log-level",
                "warning",
            ],
            folder / "receiver.log",
        )
        keys = KeyPair(folder / "keys")
        env = {
            "BRON_DATA_DIR": str(folder),
            "BRON_KAFKA_BOOTSTRAP": ctx.bootstrap,
            "BRON_SCHEMA_REGISTRY_URL": registry_url,
            "BRON_WEBHOOKS_PORT": str(wport),
            "BRON_WEBHOOKS_GROUP": f"bench-{uuid.uuid4().hex[:8]}",
            "BRON_LOG_LEVEL": "warning",
        }
        dispatcher = ManagedProcess(
            "webhooks",
            bron_command("webhooks", "dispatch", "--instance", "bench"),
            folder / "webhooks.log",
            env,
        )
        target.start()
        try:
            target.wait_healthy(f"{receiver_url}/stats", 60)
            # first, while nothing else runs (and before this bench's processing log is there
            # for its worker to catch up with)
            e2e = bench_webhooks_e2e(ctx, registry_url, receiver_url)
            dispatcher.start()
            dispatcher.wait_healthy(f"{url}/health", 60)
            token = issue(keys, subject=f"client-{APP}", audience="bron:webhooks", app_id=APP)
            bench = Bench(url, receiver_url, token, ctx.bootstrap)
            try:
                for _ in range(ctx.repeats):
                    bare_many.append(_bare(receiver_url, MANY * each, MANY))
                    many.append(bench.throughput(MANY, each))
                    bare_one.append(_bare(receiver_url, 4 * each, 1))
                    one.append(bench.throughput(1, 4 * each))
                latency = bench.latency(rate, seconds)
            finally:
                bench.close()
        finally:
            dispatcher.stop()
            target.stop()
    round_trip = _round_trips(ctx.bootstrap, rate, seconds)
    return [
        Measurement(
            "webhooks.deliveries.bare",
            f"httpx POSTs to a local receiver, {MANY} at a time",
            "req/s",
            tuple(bare_many),
        ),
        Measurement(
            "webhooks.deliveries",
            f"webhook deliveries, {MANY} subscriptions ({MANY * each}; each logged and signed)",
            "deliveries/s",
            tuple(many),
            baseline="webhooks.deliveries.bare",
        ),
        Measurement(
            "webhooks.deliveries.one.bare",
            "httpx POSTs to a local receiver, one at a time",
            "req/s",
            tuple(bare_one),
        ),
        Measurement(
            "webhooks.deliveries.one",
            f"webhook deliveries, one subscription ({4 * each}, in order)",
            "deliveries/s",
            tuple(one),
            baseline="webhooks.deliveries.one.bare",
        ),
        *(
            Measurement(
                f"webhooks.latency.bare.p{q}",
                f"produce → consume at {rate}/s, p{q}",
                "ms",
                (_p(round_trip, q),),
                higher_is_better=False,
                distribution=Distribution.of(round_trip),
            )
            for q in (50, 99)
        ),
        *(
            Measurement(
                f"webhooks.latency.p{q}",
                f"per-app record → receiver at {rate}/s (3 subscriptions by gemeente), p{q}",
                "ms",
                (_p(latency, q),),
                higher_is_better=False,
                baseline=f"webhooks.latency.bare.p{q}",
                distribution=Distribution.of(latency),
            )
            for q in (50, 99)
        ),
        *e2e,
    ]


def _p(values: list[float], q: int) -> float:
    return statistics.median(values) if q == 50 else statistics.quantiles(values, n=100)[q - 1]


def _pending(api: httpx.Client) -> float:
    for line in api.get("/metrics").text.splitlines():
        if line.startswith("bron_webhooks_pending "):
            return float(line.split()[1])
    return 0.0


def _sleep_until(moment: float) -> None:
    left = moment - time.perf_counter()
    if left > 0:
        time.sleep(left)


def _bare(receiver_url: str, total: int, concurrency: int) -> float:
    body = json.dumps(
        {
            "persoonId": str(uuid.uuid4()),
            "doel": DOEL,
            "soort": "persoon-gewijzigd",
            "status": None,
            "velden": ["persoon.naam"],
            "versie": 1,
        }
    ).encode()

    async def run() -> float:
        left = list(range(total))
        async with httpx.AsyncClient(timeout=30) as client:

            async def worker() -> None:
                while left:
                    headers = {"ce-id": f"bare-{left.pop()}", "content-type": "application/json"}
                    response = await client.post(
                        f"{receiver_url}/bare", content=body, headers=headers
                    )
                    response.raise_for_status()

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return total / (time.perf_counter() - started)

    return asyncio.run(run())


def _round_trips(bootstrap: str, rate: int, seconds: int) -> list[float]:
    topic = create_topic(bootstrap, "bench-webhooks-rt", partitions=1)
    consumer = make_consumer(bootstrap, f"rt-{uuid.uuid4().hex[:6]}")
    consumer.assign([TopicPartition(topic, 0, 0)])
    producer = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 0})
    producer.produce(topic, value=b"warm-up")
    producer.flush(10)
    while (m := consumer.poll(1.0)) is None or m.error() is not None:
        pass  # the consumer is fetching before anything is timed
    total, latencies = rate * seconds, list[float]()

    def read() -> None:
        deadline = time.monotonic() + seconds + 60
        while len(latencies) < total and time.monotonic() < deadline:
            m = consumer.poll(0.2)
            if m is not None and m.error() is None:
                latencies.append((time.time() - float(m.value() or b"0")) * 1000)

    reader = threading.Thread(target=read)
    reader.start()
    started = time.perf_counter()
    for i in range(total):
        _sleep_until(started + i / rate)
        producer.produce(topic, value=repr(time.time()).encode())
        producer.poll(0)
    producer.flush(30)
    reader.join()
    consumer.close()
    return latencies
