"""Stage b of the scale run: N synthetic persons through the registries' use cases
(`services.importer.generate`, batches of 5,000 commands per transaction, as `bron generate`
does), with the four relays publishing their outboxes to Kafka meanwhile, in this process.

Figures: changes committed per second (first command to last commit), against plain sqlite3
writes of the same rows (a sample); events published per second (first command until every
outbox is drained: the relays keep pace with the generator or the tail shows they do not),
against a plain producer writing records of the same average size (a sample)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bron.settings import Settings
from services.importer.generate import Loader, Summary, generate
from tests.bench.harness import Measurement
from tests.bench.projections import _consents
from tests.bench.scale_baselines import (
    PRODUCE_SAMPLE,
    WRITE_SAMPLE,
    Registry,
    bare_produce,
    bare_writes,
    outbox_shape,
    read_only,
)
from tests.bench.scale_watch import Peak, Progress, mib, own_peak_kb

STALL_SECONDS = 300.0
PROCESS = "generator + relays (this process)"


@dataclass(slots=True)
class Generated:
    summary: Summary
    published: int = 0  # events the relays published (the policy's included)
    publish_seconds: float = 0.0  # first command until every outbox was drained
    tail_seconds: float = 0.0  # of which after the last command was committed
    baseline_seconds: float = 0.0
    peak: Peak | None = None  # this process at the end of publishing
    measurements: list[Measurement] = field(default_factory=list)


def generate_stage(settings: Settings, persons: int, folder: Path, seed: int = 1) -> Generated:
    progress = Progress("generate")
    loader = Loader(settings)
    try:
        _consents(loader).sync_policy()
        loader.start_relays()
        started = time.perf_counter()
        summary = generate(loader, persons, seed=seed, advance=_advance(loader, persons, progress))
        committed = time.perf_counter()
        progress.say(f"{summary.persons:,} persons, {summary.changes:,} changes committed in "
                     f"{summary.seconds:,.1f} s; waiting for the relays")  # fmt: skip
        _drain(loader, progress)
        drained = time.perf_counter()
        done = Generated(summary, sum(r.published for r in loader.relays),
                         drained - started, drained - committed)  # fmt: skip
        done.peak = Peak(PROCESS, os.getpid(), own_peak_kb(), source="ru_maxrss")
        _stop_relays(loader)
        progress.say(f"{done.published:,} events published in {done.publish_seconds:,.1f} s; "
                     "baselines: sqlite3 writes and a plain producer")  # fmt: skip
        before = time.perf_counter()
        with read_only(loader) as registries:
            done.measurements = _baselines(registries, done, settings.bootstrap_servers, folder)
        done.baseline_seconds = time.perf_counter() - before
        return done
    finally:
        loader.close()


def _stop_relays(loader: Loader) -> None:
    """The relays have published everything: stopped before anything else reads the outboxes
    (`Loader.close` stops those still in its list)."""
    while loader.relays:
        loader.relays.pop().stop()


def _advance(loader: Loader, persons: int, progress: Progress) -> Callable[[int], None]:
    done = [0]
    started = time.perf_counter()

    def line() -> str:
        rate = done[0] / max(time.perf_counter() - started, 1e-9)
        published = sum(r.published for r in loader.relays)
        return (f"{done[0]:,} of {persons:,} persons ({rate:,.0f} persons/s), {published:,} "
                f"events published, this process {mib(own_peak_kb())} at most")  # fmt: skip

    def advance(count: int) -> None:
        done[0] += count
        progress.tick(line)

    return advance


def _drain(loader: Loader, progress: Progress) -> None:
    """Until every outbox is empty; a relay that publishes nothing for STALL_SECONDS fails it."""
    last, moved = -1, time.monotonic()
    while pending := loader.pending():
        published = sum(r.published for r in loader.relays)
        if published != last:
            last, moved = published, time.monotonic()
        elif time.monotonic() - moved > STALL_SECONDS:
            raise TimeoutError(f"the relays published nothing for {STALL_SECONDS:.0f} s "
                               f"({pending:,} events pending)")  # fmt: skip
        if progress.due():
            progress.say(f"{published:,} events published, {pending:,} pending")
        time.sleep(0.5)


def _baselines(
    registries: list[Registry], done: Generated, bootstrap: str, folder: Path
) -> list[Measurement]:
    summary = done.summary
    shape = outbox_shape(registries)
    seconds, rows = bare_writes(registries, folder)
    bare_changes = summary.changes * rows / shape.records / seconds
    produced, produce_rate = bare_produce(bootstrap, shape)
    size = (f"{shape.size:,.0f} B on average (key {shape.key:.0f}, value {shape.value:,.0f}, "
            f"headers {shape.headers:,.0f})")  # fmt: skip
    return [
        Measurement("scale.generate.bare", "plain sqlite3 writes of the same state and outbox "
                    "rows", "changes/s", (bare_changes,),
                    note=f"{rows:,} outbox rows and the same share of state rows (sample of at "
                    f"most {WRITE_SAMPLE:,}), scaled to the run's changes"),
        Measurement("scale.generate", f"generate: {summary.persons:,} persons through the "
                    "registries' use cases, relays running", "changes/s",
                    (summary.changes / summary.seconds,), baseline="scale.generate.bare",
                    note=f"{summary.changes:,} changes in {summary.seconds:,.1f} s"),
        Measurement("scale.publish.bare", "plain producer (librdkafka defaults), records of "
                    "the outbox's size", "events/s", (produce_rate,),
                    note=f"{produced:,} records (sample of at most {PRODUCE_SAMPLE:,}) of {size}"),
        Measurement("scale.publish", "relays: first command until every outbox is drained",
                    "events/s", (done.published / done.publish_seconds,),
                    baseline="scale.publish.bare",
                    note=f"{done.published:,} events; drained {done.tail_seconds:,.1f} s after "
                    "the last commit"),
    ]  # fmt: skip
