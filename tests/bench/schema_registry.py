"""Schema registry: lookups by id (client cache cold and warm) and registrations per second,
each next to a bare baseline measured in the same run."""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable

import httpx
from confluent_kafka import Producer
from confluent_kafka.schema_registry import SchemaRegistryClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bron.contracts.registry_client import RegistryClient
from bron.settings import load_settings
from bron.testing import serving
from services.schema_registry.app import create_app
from tests.bench.harness import BenchContext, Measurement


def _schema(i: int) -> str:
    fields = [{"name": "id", "type": "string"}, {"name": f"veld{i}", "type": "int", "default": 0}]
    return json.dumps({"type": "record", "name": f"R{i}", "namespace": "nl.bron.bench",
                       "fields": fields})  # fmt: skip


def _rate(count: int, action: Callable[[int], object]) -> float:
    started = time.perf_counter()
    for i in range(count):
        action(i)
    return count / (time.perf_counter() - started)


def _bare_app(body: str) -> Starlette:
    async def schema(request: Request) -> JSONResponse:
        return JSONResponse({"schema": body})

    return Starlette(routes=[Route("/schemas/ids/{id}", schema)])


def _register_rate(url: str, first: int, count: int) -> float:
    with httpx.Client(base_url=url) as http:

        def register(i: int) -> None:
            body = {"schema": _schema(first + i)}
            http.post(f"/subjects/bench-{first + i}/versions", json=body).raise_for_status()

        return _rate(count, register)


def _get_rate(url: str, count: int, ids: int) -> float:
    with httpx.Client(base_url=url) as http:
        return _rate(count, lambda i: http.get(f"/schemas/ids/{1 + i % ids}").raise_for_status())


def bench_schema_registry(ctx: BenchContext) -> list[Measurement]:
    registrations = 40 if ctx.quick else 300
    lookups = 200 if ctx.quick else 3000
    topic = f"_schemas-bench-{uuid.uuid4().hex[:8]}"
    app, _ = create_app(load_settings(kafka_bootstrap=ctx.bootstrap, schema_registry_topic=topic))
    runs: dict[str, list[float]] = defaultdict(list)
    with serving(app) as url, serving(_bare_app(_schema(0))) as bare_url:
        for repeat in range(ctx.repeats):
            runs["reg"].append(_register_rate(url, repeat * registrations, registrations))
            runs["reg_bare"].append(_bare_transactional_writes(ctx.bootstrap, registrations))
            runs["cold"].append(_get_rate(url, lookups, registrations))
            runs["cold_bare"].append(_get_rate(bare_url, lookups, registrations))
            with RegistryClient(url) as ours, SchemaRegistryClient({"url": url}) as theirs:
                ours.schema_by_id(1)
                theirs.get_schema(1)
                runs["warm"].append(_rate(lookups * 10, lambda i: ours.schema_by_id(1)))
                runs["warm_cf"].append(_rate(lookups * 10, lambda i: theirs.get_schema(1)))
    http_note = "uvicorn, 1 worker, sequential requests over one keep-alive connection"
    return [
        Measurement(
            "sr.register.bare",
            "durable single-writer write, bare (Kafka transaction)",
            "writes/s",
            tuple(runs["reg_bare"]),
            note="transactional producer: begin, 1 record, commit",
        ),
        Measurement(
            "sr.register",
            "schema registrations over HTTP",
            "reg/s",
            tuple(runs["reg"]),
            baseline="sr.register.bare",
        ),
        Measurement(
            "sr.lookup.cold.bare",
            "GET /schemas/ids/{id}, bare Starlette endpoint",
            "req/s",
            tuple(runs["cold_bare"]),
            note=http_note,
        ),
        Measurement(
            "sr.lookup.cold",
            "schema by id, client cache cold (HTTP to the registry)",
            "req/s",
            tuple(runs["cold"]),
            baseline="sr.lookup.cold.bare",
        ),
        Measurement(
            "sr.lookup.warm.confluent",
            "schema by id, confluent-kafka client, cached",
            "lookups/s",
            tuple(runs["warm_cf"]),
            note="SchemaRegistryClient's cache",
        ),
        Measurement(
            "sr.lookup.warm",
            "schema by id, Bron's client, cache warm",
            "lookups/s",
            tuple(runs["warm"]),
            baseline="sr.lookup.warm.confluent",
        ),
    ]


def _bare_transactional_writes(bootstrap: str, count: int) -> float:
    from bron.kafka.admin import ensure_topics
    from bron.topics import SCHEMAS, TopicSpec
    from bron.types import TopicName

    topic = f"bench-tx-{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, [TopicSpec(TopicName(topic), 1, SCHEMAS.cleanup, False)])
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": topic})
    producer.init_transactions(30)

    def write(i: int) -> None:
        producer.begin_transaction()
        producer.produce(topic, _schema(i).encode(), b'{"keytype":"SCHEMA"}', partition=0)
        producer.commit_transaction(30)

    return _rate(count, write)
