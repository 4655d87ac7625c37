"""A registry's moving parts, built from the settings: its database (tables created), the
codec that encodes its events, its outbox publisher, and the relay that runs beside it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from fastapi import FastAPI
from sqlalchemy import Engine, MetaData, inspect, text
from sqlalchemy.exc import SQLAlchemyError

from bron.contracts.codec import EventCodec
from bron.contracts.registry_client import RegistryClient
from bron.db import database_url, make_engine
from bron.errors import BronError
from bron.http.auth import KeyPair
from bron.http.metrics import HttpMetrics
from bron.registry.database import Engines
from bron.settings import Settings
from services.outbox import Outbox, Relay
from services.outbox.events import OutboxPublisher
from services.outbox.pruner import Pruner


@dataclass(slots=True)
class RegistryRuntime:
    name: str
    settings: Settings
    engine: Engine
    codec: EventCodec
    outbox: Outbox
    keys: KeyPair
    reader: Engine
    relay: Relay | None = None
    on_close: list[Callable[[], object]] = field(default_factory=list)

    @property
    def database(self) -> Engines:
        """What the registry's use cases get: commands write on `engine`, queries read on
        `reader`."""
        return Engines(self.engine, self.reader)

    def dispose(self) -> None:
        self.engine.dispose()
        if self.reader is not self.engine:
            self.reader.dispose()

    def publisher(self, aggregate_type: str) -> OutboxPublisher:
        return OutboxPublisher(self.codec, self.outbox, aggregate_type)

    def lifespan(self, run_relay: bool) -> Callable[[FastAPI], Any]:
        """Start the relay with the app (the default, in-process mode) and stop both."""

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            retention = timedelta(hours=self.settings.outbox_retention_hours)
            pruner = Pruner(self.engine, self.outbox, retention)
            if run_relay:
                self.relay = Relay(self.engine, self.outbox, self.settings.bootstrap_servers)
                self.relay.start()
                pruner.start()
            metrics: HttpMetrics | None = getattr(app.state, "metrics", None)
            if metrics is not None:
                self._measure(metrics)
            app.state.readiness = lambda: self.readiness(run_relay)
            try:
                yield
            finally:
                if self.relay is not None:
                    self.relay.stop()
                    pruner.stop()
                for close in self.on_close:
                    close()
                self.codec.registry.close()
                self.dispose()

        return lifespan

    def readiness(self, run_relay: bool) -> dict[str, str]:
        """What `/ready` reports: the database answers; the relay (when in process) runs and
        is not failing to publish."""
        checks: dict[str, str] = {}
        try:
            with self.reader.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except SQLAlchemyError as exc:
            checks["database"] = f"unreachable ({type(exc).__name__})"
        if run_relay:
            relay = self.relay
            if relay is None or not relay.running:
                checks["relay"] = "not running"
            elif relay.backoff.failing:
                checks["relay"] = f"cannot publish to Kafka ({relay.backoff.failures} failures)"
            else:
                checks["relay"] = "ok"
        return checks

    def _measure(self, metrics: HttpMetrics) -> None:
        """The outbox and its relay, read when scraped."""
        metrics.add_gauge("bron_outbox_pending", "Outbox rows not yet published",
                          lambda: float(self.outbox.pending(self.reader)))  # fmt: skip
        metrics.add_gauge("bron_relay_published_events",
                          "Events the relay published and marked sent since it started",
                          lambda: float(self.relay.published if self.relay else 0))  # fmt: skip
        metrics.add_gauge("bron_relay_failed_batches",
                          "Batches the relay could not publish since it started (retried)",
                          lambda: float(self.relay.failures if self.relay else 0))  # fmt: skip


def check_columns(engine: Engine, metadata: MetaData, name: str) -> None:
    """A database made by an older Bron lacks columns added since (no migrations yet): say so
    at start, instead of failing on the first command."""
    existing = inspect(engine)
    for table in metadata.sorted_tables:
        have = {c["name"] for c in existing.get_columns(table.name)}
        missing = sorted(set(table.c.keys()) - have)
        if missing:
            raise BronError(
                f"the {name} database ({engine.url.render_as_string(hide_password=True)}) has a "
                f"table {table.name} without column(s) {', '.join(missing)}: it was made by an "
                "older Bron",
                suggestion="for a development data directory: make clean (it deletes var/), "
                "then start again; for production data, add the columns",
            )


def build_runtime(
    name: str, settings: Settings, metadata: MetaData, outbox: Outbox
) -> RegistryRuntime:
    url = database_url(settings, name)
    engine = make_engine(url)
    # On PostgreSQL a read does not wait for writers anyway: one engine, one pool.
    reader = make_engine(url, writer=False) if engine.dialect.name == "sqlite" else engine
    metadata.create_all(engine)
    check_columns(engine, metadata, name)
    registry = RegistryClient(settings.registry_url)
    codec = EventCodec(registry, f"urn:nld:oin:{settings.oin}:systeem:bron-{name}")
    keys = KeyPair(settings.data_dir / "keys")
    return RegistryRuntime(name, settings, engine, codec, outbox, keys, reader)
