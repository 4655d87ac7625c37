"""A stream worker started while the schema registry is down (the resilience suite's finding:
it used to exit with code 70 and take `bron up` with it): it waits and tries the batch again,
writes nothing, dead-letters nothing, and catches up once the registry answers.

Real parts: a broker of its own, the schema registry on a fixed port (stopped and started
again on the same Kafka topic), the registries' use cases with their relays, and a
`bron streams worker` process."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from bron.contracts.registry_client import RegistryClient, compact
from bron.contracts.schemafiles import load_schema_files
from bron.db import database_url
from bron.kafka.admin import ensure_topics
from bron.settings import Settings, load_settings
from bron.testing import broker_settings, eventually, running_broker, serving, topic_ends
from bron.topics import TOPICS
from services.importer.generate import Loader, generate
from services.schema_registry.app import create_app
from streams.store import ProjectionStore
from streams.worker import SOURCES
from tests.integration.registries import registry_settings
from tests.integration.resilience_stack import steady_ports
from tests.integration.streams_support import consent_register, worker_process


def _stored(settings: Settings) -> int:
    store = ProjectionStore(database_url(settings, "projections"))
    try:
        with store.transaction() as tx:
            return sum(sum(tx.offsets(settings.streams_group, t).values()) for t in SOURCES)
    finally:
        store.close()


def test_a_worker_waits_for_the_schema_registry_and_then_catches_up(tmp_path: Path) -> None:
    with running_broker(broker_settings(tmp_path / "kafka")) as broker:
        ensure_topics(broker.bootstrap, TOPICS)
        (port,) = steady_ports(1)
        topic = f"_schemas-{uuid.uuid4().hex[:8]}"
        registry = load_settings(kafka_bootstrap=broker.bootstrap, schema_registry_topic=topic)
        with serving(create_app(registry)[0], port=port) as url:
            with RegistryClient(url) as client:
                for f in load_schema_files():
                    client.register(f.subject, compact(f.schema))
            settings = registry_settings(tmp_path, broker.bootstrap, url,
                                         streams_group=f"wait-{uuid.uuid4().hex[:6]}")  # fmt: skip
            loader = Loader(settings)
            try:
                consent_register(loader).sync_policy()
                loader.start_relays()
                generate(loader, 40, seed=11)
                eventually(lambda: not loader.pending(), 60, "the relays published every change")
            finally:
                loader.close()
        events = sum(topic_ends(broker.bootstrap, SOURCES).values())
        assert events > 150
        ProjectionStore(database_url(settings, "projections")).close()

        worker = worker_process(settings, "waiting", tmp_path)  # the registry is down
        try:
            log = worker.log_file
            eventually(lambda: "streams.waiting_for_registry" in log.read_text(errors="replace"),
                   90, "the worker says it waits for the schema registry")  # fmt: skip
            time.sleep(3)  # a few more tries: still alive, still nothing written
            assert worker.proc is not None
            assert worker.proc.poll() is None, log.read_text()
            assert _stored(settings) == 0
            with serving(create_app(registry)[0], port=port):  # back, on the same topic
                eventually(lambda: _stored(settings) >= events, 90, "the worker caught up")
            assert worker.proc.poll() is None
        finally:
            worker.stop()
        assert _stored(settings) == events
        assert sum(topic_ends(broker.bootstrap, ["bron.dead-letter"]).values()) == 0, (
            "nothing dead-lettered"
        )
        text = log.read_text(errors="replace")
        assert "streams.worker_failed" not in text
        assert text.count("streams.waiting_for_registry") >= 2
