"""The stream workers under faults, on a broker of their own: killed with SIGKILL again and
again while events flow, and rebalanced from two workers to one and back; afterwards every
event is in the store (offsets at the topics' ends, none dead-lettered) and the projections
equal a clean rebuild from the same topics.

Size: `BRON_TEST_STREAMS_PERSONS` persons (about 4.25 events each); `make test` uses the
default, `make test-resilience` about 100,000 events."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bron.db import database_url
from bron.process import ManagedProcess
from bron.settings import Settings
from bron.testing import topic_ends
from services.importer.generate import Loader, generate
from streams.replay import replay
from streams.worker import SOURCES, build_pipeline
from tests.integration.streams_support import streams_stack, worker_process

PERSONS = int(os.environ.get("BRON_TEST_STREAMS_PERSONS", "2000"))


class Workers:
    def __init__(self, settings: Settings, folder: Path) -> None:
        self.settings = settings
        self.folder = folder
        self.running: dict[str, ManagedProcess] = {}

    def start(self, name: str) -> ManagedProcess:
        worker = worker_process(self.settings, name, self.folder)
        self.running[name] = worker
        return worker

    def kill(self, name: str) -> None:
        proc = self.running[name].proc
        assert proc is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def stop_all(self) -> None:
        for worker in self.running.values():
            worker.stop()

    def log_lines(self, needle: str) -> list[str]:
        return [line for w in self.running.values()
                for line in w.log_file.read_text(errors="replace").splitlines()
                if needle in line]  # fmt: skip


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Loader, Path]]:
    with streams_stack(tmp_path_factory.mktemp("resilience"), "res") as base:
        yield base.settings, base.loader, base.folder


def ends(bootstrap: str) -> dict[tuple[str, int], int]:
    # partitions without records have no offset in the store either
    return {tp: high for tp, high in topic_ends(bootstrap, SOURCES).items() if high}


def stored_offsets(url: str, group: str) -> dict[tuple[str, int], int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT topic, partition, next_offset FROM consumer_offset "
                                     "WHERE consumer = :g"), {"g": group})  # fmt: skip
            return {(r.topic, int(r.partition)): int(r.next_offset) for r in rows}
    finally:
        engine.dispose()


def views(url: str) -> dict[tuple[str, str, str], str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT app_id, doel_id, persoon_id, digest FROM "
                                     "projection_view WHERE digest IS NOT NULL"))  # fmt: skip
            return {(r.app_id, r.doel_id, r.persoon_id): str(r.digest) for r in rows}
    finally:
        engine.dispose()


def caught_up(settings: Settings, workers: Workers, timeout: float = 600) -> dict[Any, int]:
    url = database_url(settings, "projections")
    target = ends(settings.bootstrap_servers)
    deadline = time.monotonic() + timeout
    while stored_offsets(url, settings.streams_group) != target:
        if time.monotonic() > deadline:
            failures = workers.log_lines("streams.")[-10:]
            raise AssertionError(f"the workers did not catch up in {timeout} s: {failures}")
        time.sleep(0.2)
    return target


def clean_rebuild(settings: Settings, folder: Path) -> str:
    """The same topics into an empty store by a plain consumer: what the projections must be."""
    url = f"sqlite:///{folder / f'clean-{uuid.uuid4().hex[:6]}.db'}"
    group = f"clean-{uuid.uuid4().hex[:6]}"
    clean = settings.model_copy(update={"projections_database_url": url, "streams_group": group})
    pipeline = build_pipeline(clean)
    try:
        replay(pipeline, settings.bootstrap_servers, ["bron.policy.events",
                                                      "bron.toestemming.events"])  # fmt: skip
        replay(pipeline, settings.bootstrap_servers, SOURCES)
        assert pipeline.counts.dead_letters == 0
    finally:
        pipeline.close()
    return url


def test_sigkill_ten_times_while_events_flow_loses_nothing(
    loaded: tuple[Settings, Loader, Path],
) -> None:
    settings, loader, folder = loaded
    workers = Workers(settings, folder)
    workers.start("w1")
    load = threading.Thread(target=generate, args=(loader, PERSONS),
                            kwargs={"seed": 21, "chunk": 1000})  # fmt: skip
    load.start()
    rng = random.Random(5)
    kills = 0
    try:
        while kills < 10:
            time.sleep(rng.uniform(0.8, 2.0))
            workers.kill("w1")
            kills += 1
            workers.start("w1")
        load.join()
        while loader.pending():
            time.sleep(0.2)
        target = caught_up(settings, workers)
    finally:
        workers.stop_all()
    assert sum(target.values()) >= PERSONS * 4, "the load produced its events"
    assert not workers.log_lines("streams.dead_letter"), "nothing was dead-lettered"
    url = database_url(settings, "projections")
    clean = clean_rebuild(settings, folder)
    assert views(url) == views(clean), "the projections equal a clean rebuild"
    assert len(views(url)) > PERSONS // 4


def test_two_workers_then_one_then_two_give_the_same_result(
    loaded: tuple[Settings, Loader, Path],
) -> None:
    settings, loader, folder = loaded
    workers = Workers(settings, folder)
    workers.start("r1")
    workers.start("r2")
    load = threading.Thread(target=generate, args=(loader, PERSONS // 2),
                            kwargs={"seed": 22, "chunk": 500})  # fmt: skip
    load.start()
    try:
        time.sleep(3)
        workers.running["r2"].stop()  # SIGTERM: a clean leave, its partitions go to r1
        time.sleep(3)
        workers.start("r2")
        load.join()
        while loader.pending():
            time.sleep(0.2)
        caught_up(settings, workers)
    finally:
        workers.stop_all()
    assert not workers.log_lines("streams.dead_letter")
    url = database_url(settings, "projections")
    assert views(url) == views(clean_rebuild(settings, folder))
