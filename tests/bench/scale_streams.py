"""Stage c of the scale run: the stream worker(s) as processes (`bron streams worker`) on an
empty projection store (SQLite, or PostgreSQL), until the store's offsets reach the end offsets
the topics had when they started (as `tests.bench.projections` decides it is done).

Figures: events per second from the first committed batch to the end (start-up, from the
process's start to its first batch, is reported apart), and per tenth of the events, so that
a throughput that falls as the store grows shows; against a plain consumer reading the same
topics to their end, measured just before. The store's offsets are read through a read-only
connection every 0.25 s: the worker's write lock is never taken (the writer's BEGIN IMMEDIATE
would make every poll queue behind a batch, and every batch behind a poll)."""

from __future__ import annotations

import itertools
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from sqlalchemy import Engine, func, select

from bron.db import database_url
from bron.process import ManagedProcess
from bron.settings import Settings
from bron.testing import topic_ends
from streams.store import ProjectionStore
from streams.store_engine import store_engine
from streams.store_tables import entity, projection_view
from streams.worker import SOURCES
from tests.bench.harness import Measurement
from tests.bench.projections import stored_offsets
from tests.bench.scale_baselines import bare_consume
from tests.bench.scale_stack import running, worker
from tests.bench.scale_watch import MemoryWatch, Progress, mib

POLL = 0.25
STALL_SECONDS = 600.0
SLICES = 10


class Sample(NamedTuple):
    at: float  # perf_counter
    events: int  # in the store
    rss_kb: int  # the workers' VmRSS together


@dataclass(frozen=True, slots=True)
class Slice:
    """The events from one boundary sample to the next: a tenth of the run, give or take a
    batch; and the workers' resident memory at its end, so that growth with the store shows."""

    start: int  # events in the store when the slice began
    end: int
    seconds: float
    rss_kb: int = 0

    @property
    def rate(self) -> float | None:
        return (self.end - self.start) / self.seconds if self.seconds > 0 else None

    def to_json(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "events": self.end - self.start,
                "seconds": self.seconds, "events_per_s": self.rate,
                "rss_bytes": self.rss_kb * 1024}  # fmt: skip


@dataclass(slots=True)
class Streamed:
    events: int = 0  # what the worker(s) had to read: the end offsets at their start
    startup: float = 0.0  # process start until the first committed batch
    seconds: float = 0.0  # first committed batch until the end offsets
    bare_seconds: float = 0.0
    slices: list[Slice] = field(default_factory=list)
    store: dict[str, int] = field(default_factory=dict)  # views and entities in the store
    measurements: list[Measurement] = field(default_factory=list)


def with_group(settings: Settings) -> Settings:
    """The run's own consumer group (the store's offsets are kept per group)."""
    return settings.model_copy(update={"streams_group": f"scale-{uuid.uuid4().hex[:8]}"})


def worker_stage(settings: Settings, folder: Path, workers: int, watch: MemoryWatch) -> Streamed:
    progress = Progress("streams")
    url = database_url(settings, "projections")
    ProjectionStore(url).close()  # empty, with its tables, before the poll below reads it
    ends = topic_ends(settings.bootstrap_servers, SOURCES)
    done = Streamed(events=sum(ends.values()))
    progress.say(f"{done.events:,} events on {len(SOURCES)} topics; the bare consumer first")
    read, done.bare_seconds = bare_consume(settings.bootstrap_servers, SOURCES)
    progress.say(f"bare consumer: {read:,} events in {done.bare_seconds:,.1f} s; "
                 f"starting {workers} worker(s)")  # fmt: skip
    engine = store_engine(url, writer=False)
    try:
        with ExitStack() as stack:
            started = time.perf_counter()
            processes = [stack.enter_context(running(worker(settings, folder, i), watch))
                         for i in range(workers)]  # fmt: skip
            trail = _follow(engine, settings.streams_group, done.events, processes, watch,
                            progress)  # fmt: skip
        done.startup = trail[0].at - started
        done.seconds = max(trail[-1].at - trail[0].at, 1e-6)
        done.slices = slices(trail, done.events)
        done.store = _counts(engine)
    finally:
        engine.dispose()
    first = trail[0].events
    done.measurements = [
        Measurement("scale.consume.bare", "plain consumer reading the same topics to their end",
                    "events/s", (read / done.bare_seconds,),
                    note=f"{read:,} events, librdkafka defaults, partitions assigned"),
        Measurement("scale.worker", f"stream worker x{workers}: first committed batch until "
                    "the store is at the end offsets", "events/s",
                    ((done.events - first) / done.seconds,), baseline="scale.consume.bare",
                    note=f"{done.events:,} events into an empty {_kind(url)} store; start-up "
                    f"{done.startup:,.1f} s not counted"),
    ]  # fmt: skip
    return done


def _kind(url: str) -> str:
    return "SQLite" if url.startswith("sqlite") else "PostgreSQL"


def _follow(
    engine: Engine,
    group: str,
    total: int,
    processes: list[ManagedProcess],
    watch: MemoryWatch,
    progress: Progress,
) -> list[Sample]:
    """The events in the store from the first committed batch until `total`, a sample each
    time the count moved."""
    trail: list[Sample] = []
    moved = time.monotonic()
    while not trail or trail[-1].events < total:
        _check_alive(processes)
        now, count = time.perf_counter(), stored_offsets(engine, group)
        if count and (not trail or count != trail[-1].events):
            rss = sum(watch.current_kb(p.name) for p in processes)
            trail.append(Sample(now, count, rss))
            moved = time.monotonic()
        elif time.monotonic() - moved > STALL_SECONDS:
            stored = trail[-1].events if trail else 0
            raise TimeoutError(f"the worker(s) stored nothing for {STALL_SECONDS:.0f} s "
                               f"({stored:,} of {total:,} events)")  # fmt: skip
        if trail and progress.due():
            progress.say(_line(trail, total, processes, watch))
        time.sleep(POLL)
    return trail


def _line(
    trail: list[Sample], total: int, processes: list[ManagedProcess], watch: MemoryWatch
) -> str:
    recent = [s for s in trail if s.at >= trail[-1].at - 30] or trail[-1:]
    span = recent[-1].at - recent[0].at
    rate = (recent[-1].events - recent[0].events) / span if span > 0 else 0.0
    memory = ", ".join(f"{p.name} {mib(watch.current_kb(p.name))}" for p in processes)
    return (f"{trail[-1].events:,} of {total:,} events ({trail[-1].events / total:.0%}), "
            f"{rate:,.0f} events/s over the last 30 s; RSS {memory}")  # fmt: skip


def _check_alive(processes: list[ManagedProcess]) -> None:
    for p in processes:
        if p.proc is not None and p.proc.poll() is not None:
            raise RuntimeError(f"{p.name} exited with {p.proc.returncode}; see {p.log_file}")


def slices(trail: list[Sample], total: int, count: int = SLICES) -> list[Slice]:
    """The run cut at the first sample at or past each tenth of `total` (the first slice
    starts at the first committed batch); a slice a single batch jumped over has no time."""
    cuts = [trail[0]]
    for i in range(1, count + 1):
        boundary = total * i // count
        cuts.append(next((s for s in trail if s.events >= boundary), trail[-1]))
    return [Slice(a.events, b.events, b.at - a.at, b.rss_kb) for a, b in itertools.pairwise(cuts)]


def _counts(engine: Engine) -> dict[str, int]:
    v = projection_view
    with engine.connect() as conn:
        views = conn.execute(
            select(func.count()).select_from(v).where(v.c.digest.is_not(None))
        ).scalar_one()
        entities = conn.execute(select(func.count()).select_from(entity)).scalar_one()
    return {"views": int(views), "entities": int(entities)}
