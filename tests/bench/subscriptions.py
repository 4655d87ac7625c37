"""Fan-out of GraphQL subscriptions: 100 subscribers (quick: 10) of one app, each subscribed to
`persoonGewijzigd(doel: "bijstand") { id persoon { naam { geslachtsnaam } } }` over its own
WebSocket (graphql-transport-ws, plain `websockets` clients in one event loop), against a bare
baseline of as many plain confluent-kafka consumers (each its own assignment of every
partition, in a thread of its own, decoding each record's JSON) reading the same records.

Per run the per-app topic `bron.app.bijstand-loket` gets records in the stream workers' format
(a change of the person's name, so each gives one `persoon-gewijzigd` notice):
- throughput: a burst of records produced at once; figure = deliveries to all subscribers
  divided by the time from the first produce to the last arrival (events/s in total);
- latency: records produced at a steady pace; figure = produce() to arrival at the client,
  p50 and p99 over every delivery.
Each gateway delivery costs what a subscription costs: a consumer per subscription, the
notice derived and filtered, the register read again, a processing-log record produced and
acknowledged (acks=all) before it is sent, GraphQL execution and the WebSocket. Everything
runs in this process (uvicorn in a thread), as in the gateway benchmark. The clients do not
negotiate permessage-deflate: compressing each small message costs uvicorn more than the
gateway's own work for it, and is a matter of the server's settings (uvicorn `--ws-per-message-
deflate`), not of the subscriptions.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bron_gateway.app import create_app
from bron_gateway.gebeurtenis_types import encode_cursor
from bron_gateway.tail import SubscriptionService
from bron_gateway.testing import ADRES, TODAY, record, write_policy
from confluent_kafka import Consumer, TopicPartition
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bron.contracts.envelope import Attributes, to_headers
from bron.http.auth import KeyPair, issue
from bron.kafka.admin import ensure_topics
from bron.kafka.clients import make_consumer, make_producer
from bron.notices import notice_id
from bron.policy import load_policy
from bron.settings import Settings, load_settings
from bron.testing import serving
from bron.topics import Cleanup, TopicSpec
from bron.types import TopicName
from bron.views.persoon import persoon as render
from streams import compose
from streams.pipeline import EVENT_TYPE, app_topic
from streams.store import ProjectionStore
from tests.bench.harness import BenchContext, Distribution, Measurement
from tests.integration.registries import contracts_registry

APP, DOEL = "bijstand-loket", "bijstand"
PARTITIONS = 6
SOURCE = "urn:nld:oin:00000001001234567000:systeem:bron-streams"
QUERY = (
    f'subscription {{ persoonGewijzigd(doel: "{DOEL}", na: "%s") '
    "{ id persoon { naam { geslachtsnaam } } } }"
)
TIMEOUT = 300.0


@dataclass(frozen=True, slots=True)
class Sizes:
    subscribers: int
    burst: int  # records produced at once (throughput)
    paced: int  # records produced at `rate` per second (latency)
    rate: float


@dataclass(frozen=True, slots=True)
class Run:
    rate: float  # deliveries per second, all subscribers together
    p50: float  # µs, produce() to arrival
    p99: float
    latencies: tuple[float, ...]  # seconds, every delivery


@dataclass
class Records:
    """Per-app records as the workers write them, each a change of one person's name; the
    time each was produced, by record id."""

    bootstrap: str
    persons: list[dict[str, Any]]
    views: list[dict[str, Any]] = field(default_factory=list)
    produced: dict[str, float] = field(default_factory=dict)
    versie: int = 1_000_000

    def __post_init__(self) -> None:
        doel = load_policy().doel_by_id[DOEL]
        self.views = [
            compose.view(doel, render(p, TODAY, {}), dict(ADRES), None, []) for p in self.persons
        ]
        self.producer = make_producer(self.bootstrap, **{"linger.ms": 0})

    def produce(self, count: int, pace: float | None = None) -> list[str]:
        """`count` records (at `pace` per second, or at once); their record ids."""
        ids: list[str] = []
        started = time.perf_counter()
        for n in range(count):
            if pace is not None:
                time.sleep(max(0.0, started + n / pace - time.perf_counter()))
            ids.append(self._one(n))
        if self.producer.flush(60) != 0:
            raise RuntimeError("records left unacknowledged")
        return ids

    def _one(self, n: int) -> str:
        self.versie += 1
        view = self.views[n % len(self.views)]
        body = {
            "persoonId": view["persoonId"],
            "versie": self.versie,
            "doelen": {DOEL: view},
            "wijzigingen": {DOEL: {"soort": "gewijzigd", "velden": ["persoon.naam"]}},
        }
        id = str(uuid.uuid4())
        headers = to_headers(
            Attributes(
                source=SOURCE,
                type=EVENT_TYPE,
                sequence=self.versie,
                dataschema="urn:bron:projectie",
                datacontenttype="application/json",
                id=id,
            )
        )
        self.produced[id] = time.perf_counter()
        self.producer.produce(
            app_topic(APP),
            key=view["persoonId"].encode(),
            value=json.dumps(body).encode(),
            headers=[(k, v) for k, v in headers],
        )
        self.producer.poll(0)
        return id


def _ends(bootstrap: str) -> dict[int, int]:
    consumer = make_consumer(bootstrap, f"bench-{uuid.uuid4().hex}")
    try:
        return {
            p: consumer.get_watermark_offsets(TopicPartition(app_topic(APP), p), 10)[1]
            for p in range(PARTITIONS)
        }
    finally:
        consumer.close()


def _wait(done: Callable[[], bool], what: str, alive: Callable[[], bool] = lambda: True) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not done():
        if time.monotonic() > deadline or not alive():
            raise RuntimeError(f"{what} did not arrive (in {TIMEOUT:.0f} s)")
        time.sleep(0.005)


def _run(
    records: Records,
    sizes: Sizes,
    arrivals: list[dict[str, float]],
    key: Callable[[str], str],
    alive: Callable[[], bool] = lambda: True,
) -> Run:
    """Warm-up, burst, paced; `arrivals` (per subscriber: key -> when) fill meanwhile."""

    def everyone(ids: list[str]) -> Callable[[], bool]:
        keys = [key(i) for i in ids]
        return lambda: all(all(k in seen for k in keys) for seen in arrivals)

    def wait(ids: list[str], what: str) -> None:
        _wait(everyone(ids), what, alive)

    wait(records.produce(1), "the warm-up record")
    burst = records.produce(sizes.burst)
    wait(burst, "the burst")
    first = records.produced[burst[0]]
    last = max(seen[key(i)] for seen in arrivals for i in burst)
    paced = records.produce(sizes.paced, sizes.rate)
    wait(paced, "the paced records")
    latencies = [seen[key(i)] - records.produced[i] for seen in arrivals for i in paced]
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    rate = len(arrivals) * sizes.burst / (last - first)
    return Run(rate, cuts[49] * 1e6, cuts[98] * 1e6, tuple(latencies))


# -- the gateway -----------------------------------------------------------------------------


async def _subscriber(
    url: str, token: str, na: str, seen: dict[str, float], ready: asyncio.Event
) -> None:
    async with connect(
        url, subprotocols=[Subprotocol("graphql-transport-ws")], max_size=None, compression=None
    ) as socket:
        await socket.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        if json.loads(await socket.recv())["type"] != "connection_ack":
            raise RuntimeError("the gateway did not accept the token")
        await socket.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": QUERY % na}})
        )
        ready.set()
        await _read(socket, seen)


async def _read(socket: ClientConnection, seen: dict[str, float]) -> None:
    async for raw in socket:
        message = json.loads(raw)
        if message["type"] != "next" or "errors" in message["payload"]:
            raise RuntimeError(f"the subscription ended: {str(message)[:300]}")
        seen[message["payload"]["data"]["persoonGewijzigd"]["id"]] = time.perf_counter()


def gateway_run(
    url: str, settings: Settings, records: Records, sizes: Sizes, service: SubscriptionService
) -> Run:
    token = issue(
        KeyPair(settings.data_dir / "keys"),
        subject=f"client-{APP}",
        audience="bron:gateway",
        app_id=APP,
    )
    arrivals: list[dict[str, float]] = [{} for _ in range(sizes.subscribers)]
    na = encode_cursor(_ends(records.bootstrap))
    socket_url = url.replace("http://", "ws://") + "/graphql"
    loop = asyncio.new_event_loop()
    clients: list[asyncio.Future[None]] = []
    readies = [asyncio.Event() for _ in arrivals]

    async def start() -> None:
        clients.extend(
            asyncio.ensure_future(_subscriber(socket_url, token, na, seen, ready))
            for seen, ready in zip(arrivals, readies, strict=True)
        )
        await asyncio.gather(*(r.wait() for r in readies))

    thread = threading.Thread(target=loop.run_forever, name="bench-subscribers", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(start(), loop).result(TIMEOUT)
        return _run(
            records,
            sizes,
            arrivals,
            lambda r: notice_id(r, "persoon-gewijzigd", DOEL),
            lambda: not any(c.done() for c in clients),
        )
    finally:
        for client in clients:
            loop.call_soon_threadsafe(client.cancel)
        _wait(lambda: service.open_tails == 0, "the subscriptions' close")
        loop.call_soon_threadsafe(loop.stop)
        thread.join(30)
        loop.close()


# -- the bare baseline -----------------------------------------------------------------------


def bare_run(bootstrap: str, records: Records, sizes: Sizes) -> Run:
    """As many plain consumers, each assigned every partition from the current end."""
    ends = _ends(bootstrap)
    arrivals: list[dict[str, float]] = [{} for _ in range(sizes.subscribers)]
    stop = threading.Event()

    def consume(seen: dict[str, float]) -> None:
        consumer = Consumer(
            {
                "bootstrap.servers": bootstrap,
                "group.id": uuid.uuid4().hex,
                "enable.auto.commit": False,
            }
        )
        consumer.assign([TopicPartition(app_topic(APP), p, o) for p, o in ends.items()])
        try:
            while not stop.is_set():
                message = consumer.poll(0.2)
                if message is None or message.error() is not None:
                    continue
                json.loads(message.value() or b"null")
                ce_id = dict(message.headers() or [])["ce_id"]
                seen[ce_id.decode() if isinstance(ce_id, bytes) else str(ce_id)] = (
                    time.perf_counter()
                )
        finally:
            consumer.close()

    threads = [threading.Thread(target=consume, args=(seen,), daemon=True) for seen in arrivals]
    for thread in threads:
        thread.start()
    try:
        return _run(records, sizes, arrivals, lambda r: r)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)


# -- the benchmark ---------------------------------------------------------------------------


@contextmanager
def _gateway(bootstrap: str, registry_url: str) -> Iterator[tuple[str, Settings, Any]]:
    with tempfile.TemporaryDirectory(prefix="bron-bench-subscriptions-") as folder:
        root = Path(folder)
        settings = load_settings(
            data_dir=root / "var",
            kafka_bootstrap=bootstrap,
            schema_registry_url=registry_url,
            projections_database_url=f"sqlite:///{root / 'projections.db'}",
            gateway_log_timeout=10.0,
            gateway_max_subscriptions=1,
        )
        store = ProjectionStore(str(settings.projections_database_url))
        try:
            write_policy(store, load_policy())
        finally:
            store.close()
        app = create_app(settings)
        with serving(app) as url:
            yield url, settings, app.state.subscriptions


def bench_subscriptions(ctx: BenchContext) -> list[Measurement]:
    # The paced rate keeps the offered load (subscribers times rate) well under what the gateway
    # delivers, so the latency is a subscription's, not a queue's.
    sizes = Sizes(10, 100, 40, 20.0) if ctx.quick else Sizes(100, 300, 50, 5.0)
    spec = TopicSpec(
        TopicName(app_topic(APP)),
        PARTITIONS,
        Cleanup.compact,
        personal_data=True,
        doc="An app's purpose-filtered views, keyed by persoonId.",
    )
    ensure_topics(ctx.bootstrap, [spec])
    records = Records(
        ctx.bootstrap, [record(f"{400000000 + i}", f"Naam{i}", "Piet") for i in range(200)]
    )
    ours: list[Run] = []
    bare: list[Run] = []
    with (
        contracts_registry(ctx.bootstrap) as registry_url,
        _gateway(ctx.bootstrap, registry_url) as (url, settings, service),
    ):
        for _ in range(ctx.repeats):
            bare.append(bare_run(ctx.bootstrap, records, sizes))
            ours.append(gateway_run(url, settings, records, sizes, service))
    n = sizes.subscribers
    how = (
        f"{n} subscribers of one app; a burst of {sizes.burst} records (throughput), then "
        f"{sizes.paced} at {sizes.rate:g}/s (latency); {PARTITIONS} partitions, in process"
    )
    out: list[Measurement] = []
    pickers: list[tuple[str, str, str, bool, Callable[[Run], float]]] = [
        ("", "events delivered/s", "events/s", True, lambda r: r.rate),
        (".p50", "produce→received p50", "µs", False, lambda r: r.p50),
        (".p99", "produce→received p99", "µs", False, lambda r: r.p99),
    ]
    for suffix, label, unit, better, pick in pickers:
        key = f"subscriptions.fanout{n}{suffix}"
        out.append(
            Measurement(
                f"{key}.bare",
                f"bare: {n} consumers, {label}",
                unit,
                tuple(pick(r) for r in bare),
                higher_is_better=better,
                note=f"{how}; plain consumers, each every partition",
                distribution=None if better else _pooled(bare),
            )
        )
        out.append(
            Measurement(
                key,
                f"gateway: {n} subscriptions, {label} (auth'd, filtered, logged)",
                unit,
                tuple(pick(r) for r in ours),
                higher_is_better=better,
                baseline=f"{key}.bare",
                distribution=None if better else _pooled(ours),
            )
        )
    return out


def _pooled(runs: list[Run]) -> Distribution:
    return Distribution.of((s for r in runs for s in r.latencies), scale=1e6)
