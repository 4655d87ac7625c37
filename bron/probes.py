"""Probes of Bron's components: whether each answers, and how far each consumer group lags.

Used by `bron status` and the catalog, so the two never disagree. The components are asked
concurrently, each with a short timeout. A group's lag is measured against the offsets that
decide where it resumes (ADR 9): the stream workers' and the webhook dispatchers' own stores
when they exist (read-only), else what the group committed to Kafka."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import AdminClient, ClusterMetadata, OffsetSpec
from sqlalchemy import Select, make_url, select
from sqlalchemy.exc import SQLAlchemyError

from bron.db import make_engine
from bron.kafka.admin import admin_client
from bron.kafka.clients import make_consumer
from bron.settings import Settings

TIMEOUT = 2.0  # seconds a component may take to answer
OFFSETS_TIMEOUT = 5.0  # seconds for the broker's offset requests
APP_TOPICS = "bron.app."
COORDINATOR_BUSY = {
    KafkaError.NOT_COORDINATOR,
    KafkaError.COORDINATOR_LOAD_IN_PROGRESS,
    KafkaError.COORDINATOR_NOT_AVAILABLE,
}
QUIET = "bron.kafka.librdkafka"  # librdkafka's connection noise, silenced by bron.kafka.admin
STORES = {"projections": "projection store", "webhooks": "webhook store"}

Offsets = dict[tuple[str, int], int]


@dataclass(slots=True)
class Component:
    name: str
    url: str
    up: bool
    ms: float
    reason: str | None = None  # why it is down
    detail: str | None = None


@dataclass(slots=True)
class Group:
    group: str
    role: str
    offsets: str  # where the offsets were read: the group's store, or Kafka
    committed: bool  # False: the group has stored no offset yet (it reads from the start)
    lag: int | None  # records between the group's offsets and the ends of its topics
    topics: dict[str, int]
    note: str | None = None


# -- components ------------------------------------------------------------------------------


def _endpoints(settings: Settings) -> list[tuple[str, str]]:
    # here, not on top: importing `bron.cli` imports `bron status`, which imports this module
    from bron.cli.registries import SERVED

    # Bron's own schema registry answers /health; an external (Confluent) one only /subjects.
    path = "/subjects" if settings.schema_registry_url else "/health"
    return [
        ("schema registry", settings.registry_url.rstrip("/") + path),
        *((f"{name} registry", f"{settings.registry_base_url(name)}/health") for name in SERVED),
        ("stream worker", f"http://127.0.0.1:{settings.streams_port}/metrics"),
        ("GraphQL gateway", f"http://127.0.0.1:{settings.gateway_port}/health"),
        ("webhook service", f"http://127.0.0.1:{settings.webhooks_port}/health"),
        ("catalog", f"http://{settings.catalog_host}:{settings.catalog_port}/health"),
    ]


async def components(settings: Settings) -> tuple[list[Component], ClusterMetadata | None]:
    """Every component, asked at once; Kafka's metadata too when it answered."""
    async with httpx.AsyncClient(timeout=TIMEOUT) as client:
        (kafka, metadata), others = await asyncio.gather(
            asyncio.to_thread(_kafka, settings.bootstrap_servers),
            asyncio.gather(*(_http(client, name, url) for name, url in _endpoints(settings))),
        )
    return [kafka, *others], metadata


def _kafka(bootstrap: str) -> tuple[Component, ClusterMetadata | None]:
    """Up when a server accepts a connection and the cluster answers a metadata request."""
    started = time.perf_counter()
    reason = connect(bootstrap)
    metadata = None
    if reason is None:
        try:
            metadata = admin_client(bootstrap).list_topics(timeout=TIMEOUT)
        except KafkaException as exc:
            error: KafkaError = exc.args[0]
            reason = "timeout" if error.code() == KafkaError._TIMED_OUT else error.str()
    ms = _ms(started)
    if metadata is None or not metadata.brokers:
        return Component("Kafka", bootstrap, False, ms, reason or "no brokers"), None
    brokers = len(metadata.brokers)
    detail = f"{brokers} broker{'' if brokers == 1 else 's'}"
    return Component("Kafka", bootstrap, True, ms, detail=detail), metadata


def connect(bootstrap: str) -> str | None:
    """None when one of the bootstrap servers accepts a TCP connection, else why not (a
    refused connection fails at once, where librdkafka would retry until its timeout)."""
    reason = "no bootstrap server"
    for server in bootstrap.split(","):
        host, _, port = server.rpartition(":")
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=TIMEOUT).close()
            return None
        except OSError as exc:
            reason = _os_reason(exc)
    return reason


async def _http(client: httpx.AsyncClient, name: str, url: str) -> Component:
    started = time.perf_counter()
    try:
        response = await client.get(url)
    except httpx.HTTPError as exc:
        return Component(name, url, False, _ms(started), _http_reason(exc))
    if not response.is_success:
        return Component(name, url, False, _ms(started), f"HTTP {response.status_code}")
    return Component(name, url, True, _ms(started))


def _http_reason(exc: httpx.HTTPError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    # the socket's own error is at the bottom of the chain (anyio wraps it in a plain OSError)
    deepest: OSError | None = None
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, OSError):
            deepest = cause
        cause = cause.__cause__ or cause.__context__
    if deepest is not None:
        return _os_reason(deepest)
    return str(exc) or type(exc).__name__


def _os_reason(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, TimeoutError):
        return "timeout"
    if isinstance(exc, socket.gaierror):
        return "unknown host"
    return exc.strerror or str(exc) or type(exc).__name__


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


# -- consumer groups -------------------------------------------------------------------------


def groups(settings: Settings, metadata: ClusterMetadata) -> list[Group]:
    from services.webhooks.tables import offset as webhook_offset
    from streams.store_tables import consumer_offset
    from streams.worker import SOURCES

    bootstrap = settings.bootstrap_servers
    streams, webhooks = settings.streams_group, settings.webhooks_group
    app_topics = [t for t in metadata.topics if t.startswith(APP_TOPICS)]
    o, w = consumer_offset.c, webhook_offset.c
    return [
        group(bootstrap, metadata, streams, "stream workers", SOURCES,
              _stored(settings, "projections", select(o.topic, o.partition, o.next_offset)
                      .where(o.consumer == streams))),
        group(bootstrap, metadata, webhooks, "webhook dispatchers", app_topics,
              _stored(settings, "webhooks", select(w.topic, w.kafka_partition, w.next_offset)
                      .where(w.consumer_group == webhooks))),
    ]  # fmt: skip


def _stored(settings: Settings, store: str, query: Select[Any]) -> tuple[Offsets | None, str]:
    """The offsets a store holds (None when there is no store, or it cannot be read), and
    where they were read."""
    url = store_url(settings, store)
    if url is None:
        return None, "Kafka"
    try:
        return _store_offsets(url, query), STORES[store]
    except SQLAlchemyError as exc:
        return None, f"Kafka ({STORES[store]} unreadable: {type(exc).__name__})"


def group(
    bootstrap: str,
    metadata: ClusterMetadata,
    group: str,
    role: str,
    topics: Sequence[str],
    stored: tuple[Offsets | None, str],
) -> Group:
    """The group's lag on its topics and on any other topic it has stored offsets for."""
    committed, where = stored
    names = sorted({*topics, *(t for t, _ in committed or {})} & set(metadata.topics))
    partitions = [TopicPartition(t, p) for t in names for p in metadata.topics[t].partitions]
    try:
        if committed is None:
            committed = kafka_offsets(bootstrap, group, partitions)
        lag = _lag(bootstrap, names, partitions, committed)
    except (KafkaException, TimeoutError) as exc:
        return Group(group, role, where, bool(committed), None, {}, _kafka_note(exc))
    return Group(group, role, where, bool(committed), sum(lag.values()), lag)


def store_url(settings: Settings, store: str) -> str | None:
    """The store's URL when it exists: the configured database, or the default SQLite file
    (as `bron.db.database_url` names it) when it is there; nothing is created."""
    url: str = getattr(settings, f"{store}_database_url") or (
        f"sqlite:///{settings.data_dir / f'{store}.db'}"
    )
    if url.startswith("sqlite"):
        path = make_url(url).database
        if not path or path == ":memory:" or not Path(path).exists():
            return None
    return url


def _store_offsets(url: str, query: Select[Any]) -> Offsets:
    """(topic, partition) -> next offset, read from the store (a read, never a write)."""
    options: dict[str, Any] = {} if url.startswith("sqlite") else {
        "connect_args": {"connect_timeout": int(OFFSETS_TIMEOUT)}
    }  # fmt: skip
    engine = make_engine(url, writer=False, **options)
    try:
        with engine.connect() as conn:
            return {(topic, int(p)): int(n) for topic, p, n in conn.execute(query)}
    finally:
        engine.dispose()


def kafka_offsets(bootstrap: str, group: str, partitions: list[TopicPartition]) -> Offsets:
    """What the group committed to Kafka, asked with the group's id by a consumer that neither
    joins the group nor commits. (Not `AdminClient.list_consumer_group_offsets`: librdkafka
    crashes on its NOT_COORDINATOR answer while a fresh broker loads its coordinator,
    confluentinc/librdkafka#5040.)"""
    if not partitions:
        return {}
    consumer = make_consumer(bootstrap, group, logger=logging.getLogger(QUIET))
    deadline = time.monotonic() + OFFSETS_TIMEOUT
    try:
        while True:
            try:
                left = max(deadline - time.monotonic(), 0.5)
                found = consumer.committed(partitions, timeout=left)
                break
            except KafkaException as exc:  # a broker just started is still electing, loading
                if exc.args[0].code() not in COORDINATOR_BUSY or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        consumer.close()
    return {(tp.topic, tp.partition): tp.offset for tp in found if tp.offset >= 0}


def _lag(
    bootstrap: str, topics: list[str], partitions: list[TopicPartition], committed: Offsets
) -> dict[str, int]:
    """Topic -> records past the committed offsets; a partition without one is read from its
    earliest offset (both workers start there), as is one whose records were deleted."""
    lag = dict.fromkeys(topics, 0)
    if not partitions:
        return lag
    admin = admin_client(bootstrap)
    # confluent-kafka leaves these two classmethods unannotated
    first, last = OffsetSpec.earliest(), OffsetSpec.latest()  # type: ignore[no-untyped-call]
    earliest = list_offsets(admin, partitions, first)
    for key, end in list_offsets(admin, partitions, last).items():
        lag[key[0]] += max(0, end - max(committed.get(key, 0), earliest[key]))
    return lag


def list_offsets(admin: AdminClient, partitions: list[TopicPartition], spec: OffsetSpec) -> Offsets:
    """One ListOffsets request for all the partitions (not a round trip each)."""
    futures = admin.list_offsets(dict.fromkeys(partitions, spec), request_timeout=OFFSETS_TIMEOUT)
    return {
        (tp.topic, tp.partition): future.result(timeout=OFFSETS_TIMEOUT + 1).offset
        for tp, future in futures.items()
    }


def _kafka_note(exc: Exception) -> str:
    if isinstance(exc, TimeoutError):
        return "offsets unavailable (timeout)"
    error = exc.args[0] if exc.args else None
    return f"offsets unavailable ({error.name() if isinstance(error, KafkaError) else exc})"
