"""The stream worker: a faust-streaming app whose one agent feeds batches of raw registry
events to the `Pipeline` (ADR 9), and whose timer ends expired consents every second.

What the spike against Kafka 4.4 taught (docs/adr/0009): faust acks a batch when the agent asks
for the next one and commits later, so after a crash it redelivers; the store's offsets decide
(an event below them is skipped). An exception that escapes an agent jams the worker, so none
escapes: the pipeline dead-letters what fails; a schema registry that does not answer is
waited for (the batch is tried again, with backoff up to `REGISTRY_WAIT_MAX` seconds; nothing
is written meanwhile); an error it cannot handle (the store is gone) ends the process with a
non-zero code for its supervisor to restart it. Static
membership (`consumer_group_instance_id`) lets a restarted worker take its partitions back in
seconds instead of waiting out the session timeout. faust's DEBUG logs print record keys and
values: its loggers stay at INFO or above."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import faust
import structlog
from faust.types.enums import ProcessingGuarantee

from bron.contracts.codec import EventCodec, RegistryUnavailable
from bron.contracts.registry_client import RegistryClient
from bron.db import database_url
from bron.errors import BronError
from bron.kafka.admin import ensure_topics
from bron.kafka.clients import make_producer
from bron.settings import Settings
from bron.topics import (
    DEAD_LETTER,
    POLICY_EVENTS,
    REGISTRY_EVENTS,
    VERWERKINGSLOG,
    Cleanup,
    TopicSpec,
)
from bron.types import TopicName
from streams.align import align
from streams.metrics import serve_metrics
from streams.pipeline import Message, Pipeline
from streams.store import ProjectionStore

log = structlog.get_logger("bron.streams")
# The processing log too: folded into `verwerking` entities, a citizen's `mijnVerwerkingen`.
CONSUMED = (*REGISTRY_EVENTS, POLICY_EVENTS, VERWERKINGSLOG)
SOURCES = tuple(spec.name for spec in CONSUMED)
REGISTRY_WAIT_MAX = 10.0  # seconds between tries while the schema registry does not answer


def app_topic_spec(name: str, partitions: int = 6) -> TopicSpec:
    return TopicSpec(TopicName(name), partitions, Cleanup.compact, personal_data=True,
                     doc="An app's purpose-filtered views, keyed by persoonId.")  # fmt: skip


def _replication(settings: Settings) -> int:
    """Topics the worker creates get the cluster's replication factor (1 on the local broker):
    with `min.insync.replicas` 2, a topic of one replica would refuse every write."""
    return settings.kafka_replication_factor if settings.kafka_bootstrap else 1


def build_pipeline(settings: Settings, *, rebuild: bool = False) -> Pipeline:
    store = ProjectionStore(database_url(settings, "projections"), rebuild=rebuild)
    registry = RegistryClient(settings.registry_url)
    codec = EventCodec(registry, f"urn:nld:oin:{settings.oin}:systeem:bron-streams")
    producer = make_producer(settings.bootstrap_servers, **{"linger.ms": 5})

    def ensure_topic(name: str) -> None:
        ensure_topics(settings.bootstrap_servers, [app_topic_spec(name)], _replication(settings))

    return Pipeline(store, codec, producer, settings.streams_group,
                    f"urn:nld:oin:{settings.oin}:systeem:bron-streams", ensure_topic)  # fmt: skip


def create_app(settings: Settings, pipeline: Pipeline, instance: str | None = None) -> faust.App:
    for name in ("faust", "mode", "aiokafka"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLogger(name).level))
    datadir = settings.data_dir / "streams"
    datadir.mkdir(parents=True, exist_ok=True)
    app = at_least_once(faust.App(settings.streams_group, **faust_options(settings, datadir,
                                                                         instance)))  # fmt: skip
    topic = app.topic(*SOURCES, key_serializer="raw", value_serializer="raw")

    @app.agent(topic)
    async def project(stream: Any) -> None:
        loop = asyncio.get_running_loop()
        async for batch in stream.take_events(settings.streams_batch, within=0.01):
            messages = [_message(event) for event in batch]
            await process(loop, pipeline, messages)

    @app.timer(interval=1.0)  # type: ignore[untyped-decorator]
    async def expire() -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, pipeline.expire)
        except BaseException:
            log.exception("streams.expiry_failed")
            os._exit(70)

    return app


def faust_options(settings: Settings, datadir: Path, instance: str | None) -> dict[str, Any]:
    """The worker's faust settings; its processing guarantee is at-least-once, with idempotent,
    versioned updates (ADR 9)."""
    return {
        "broker": f"kafka://{settings.bootstrap_servers}",
        "store": "memory://",
        "datadir": str(datadir),
        "web_enabled": False,
        "topic_allow_declare": False,
        "consumer_auto_offset_reset": "earliest",
        "broker_session_timeout": 10.0,
        "broker_heartbeat_interval": 1.0,
        "consumer_group_instance_id": instance or f"{socket.gethostname()}-{os.getpid()}",
        "processing_guarantee": ProcessingGuarantee.AT_LEAST_ONCE,
    }


def at_least_once(app: faust.App) -> faust.App:
    """The app, unless its processing guarantee is not at-least-once: faust's environment
    variable PROCESSING_GUARANTEE outranks the settings given in code, and faust's exactly-once
    mode is known to lose and duplicate events and to hang, so the worker refuses to start."""
    resolved = guarantee(app)
    if resolved is not ProcessingGuarantee.AT_LEAST_ONCE:
        raise BronError(
            "faust's PROCESSING_GUARANTEE environment variable asks for "
            f"{resolved.value}; the stream worker is at-least-once with "
            "idempotent, versioned updates (ADR 9)",
            suggestion="unset PROCESSING_GUARANTEE (or set it to at_least_once)",
        )
    return app


def guarantee(app: faust.App) -> ProcessingGuarantee:
    """The processing guarantee faust resolved (its stubs type the setting as the enum class)."""
    return ProcessingGuarantee(app.conf.processing_guarantee)


async def process(
    loop: asyncio.AbstractEventLoop, pipeline: Pipeline, messages: list[Message]
) -> None:
    """One batch through the pipeline; while the schema registry does not answer, the same
    batch again after a pause (0.5 s, doubling up to `REGISTRY_WAIT_MAX`): the events are fine
    and wait, neither dead-lettered nor acknowledged."""
    pause = 0.5
    while True:
        try:
            await loop.run_in_executor(None, pipeline.process, messages)
            return
        except RegistryUnavailable as exc:
            pipeline.counts.registry_waits += 1
            log.warning("streams.waiting_for_registry", retry_in_s=pause, error=exc.message)
            await asyncio.sleep(pause)
            pause = min(pause * 2, REGISTRY_WAIT_MAX)
        except BaseException:  # the store or Kafka is gone: a restart, never a jam
            log.exception("streams.worker_failed")
            os._exit(70)


def run_worker(
    settings: Settings, instance: str | None = None, metrics_port: int | None = None
) -> None:
    """Runs until SIGTERM/SIGINT (faust's handlers stop the agent after its batch, commit and
    exit)."""
    ensure_topics(settings.bootstrap_servers, [*CONSUMED, DEAD_LETTER], _replication(settings))
    pipeline = build_pipeline(settings)
    align(settings.bootstrap_servers, settings.streams_group, pipeline.store, SOURCES,
          lambda: active_members(settings))  # fmt: skip
    port = metrics_port or settings.streams_port
    serve_metrics(pipeline, settings.bootstrap_servers, SOURCES, port, settings.streams_host)
    app = create_app(settings, pipeline, instance)
    worker = faust.Worker(app, quiet=True, override_logging=False, redirect_stdouts=False,
                          loglevel="warning")  # fmt: skip
    try:
        worker.execute_from_commandline()
    finally:
        pipeline.close()


def active_members(settings: Settings) -> int:
    """How many consumers the workers' group has right now (0 when it is empty or unknown)."""
    from confluent_kafka.admin import AdminClient

    admin = AdminClient({"bootstrap.servers": settings.bootstrap_servers})
    futures = admin.describe_consumer_groups([settings.streams_group], request_timeout=10)
    try:
        description = futures[settings.streams_group].result(timeout=15)
    except Exception:  # an unknown group has no members
        return 0
    return len(description.members)


def _message(event: Any) -> Message:
    m = event.message
    headers: Sequence[tuple[str, bytes | None]] = list(m.headers or [])
    return Message(m.topic, m.partition, m.offset, m.key, m.value, list(headers))
