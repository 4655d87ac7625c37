"""Shared set-up of the stream-worker tests: a broker of their own (so that no other test's
events reach the workers), the contracts, the registries' use cases with their relays and
the register of apps and purposes published, an empty projection store, and worker
processes started with `bron streams worker`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bron.db import database_url
from bron.policy import Policy, load_policy
from bron.process import ManagedProcess, bron_command
from bron.settings import Settings
from bron.testing import broker_settings, eventually, running_broker
from services.importer.generate import Loader, generate
from services.toestemming.service import ToestemmingRegistry
from streams.store import ProjectionStore
from tests.integration.registries import contracts_registry, registry_settings


@dataclass
class StreamsStack:
    settings: Settings
    loader: Loader
    consents: ToestemmingRegistry
    folder: Path


def consent_register(loader: Loader, policy: Policy | None = None) -> ToestemmingRegistry:
    """The consent register's use cases on the loader's database, with the example policy (or
    another register file: the same register started with a changed file)."""
    runtime = loader.runtimes["toestemming"]
    return ToestemmingRegistry(runtime.database, policy or load_policy(),
                               runtime.publisher("toestemming"), runtime.publisher("app"),
                               runtime.publisher("doel"))  # fmt: skip


@contextmanager
def streams_stack(folder: Path, group: str) -> Iterator[StreamsStack]:
    with (
        running_broker(broker_settings(folder / "kafka")) as broker,
        contracts_registry(broker.bootstrap) as registry_url,
    ):
        settings = registry_settings(folder, broker.bootstrap, registry_url,
                                     streams_group=f"{group}-{uuid.uuid4().hex[:6]}")  # fmt: skip
        loader = Loader(settings)
        consents = consent_register(loader)
        consents.sync_policy()
        loader.start_relays()
        ProjectionStore(database_url(settings, "projections")).close()  # the tables, for readers
        try:
            yield StreamsStack(settings, loader, consents, folder)
        finally:
            loader.close()


def worker_process(settings: Settings, name: str, folder: Path,
                   metrics_port: int | None = None) -> ManagedProcess:  # fmt: skip
    """`bron streams worker --instance <name>`, started; its log in `folder/<name>.log`."""
    env = {"BRON_DATA_DIR": str(settings.data_dir),
           "BRON_KAFKA_BOOTSTRAP": settings.bootstrap_servers,
           "BRON_SCHEMA_REGISTRY_URL": str(settings.schema_registry_url),
           "BRON_STREAMS_GROUP": settings.streams_group,
           "BRON_PROJECTIONS_DATABASE_URL": database_url(settings, "projections")}  # fmt: skip
    if metrics_port is not None:
        env["BRON_STREAMS_PORT"] = str(metrics_port)
    worker = ManagedProcess(name, bron_command("streams", "worker", "--instance", name),
                            folder / f"{name}.log", env)  # fmt: skip
    worker.start()
    return worker


def published(stack: StreamsStack, persons: int, seed: int) -> StreamsStack:
    """`persons` generated through the registries, every event on Kafka (relays drained)."""
    generate(stack.loader, persons, seed=seed)
    eventually(lambda: stack.loader.pending() == 0, 120, "the relays published every event")
    return stack
