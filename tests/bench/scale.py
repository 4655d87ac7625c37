"""`make bench-scale` (issue 9): N synthetic persons (default 1,000,000) with their addresses
and WOZ objects from the registries through Kafka into the projections, then queried through
the gateway. Writes var/bench/scale.md and scale.json and prints the markdown.

Stages, each timed and reported as it goes (a progress line on stderr every 30 s):
  a. a Kafka broker (ours, or BRON_KAFKA_BOOTSTRAP's) and the schema registry as a process,
     every contract registered;
  b. generate: the persons through the registries' use cases, the relays publishing
     (`tests.bench.scale_generate`);
  c. the stream worker(s) as processes on an empty projection store: SQLite, or with
     `--store postgresql` a PostgreSQL cluster of the run's own (`tests.bench.scale_streams`);
  d. the gateway as a process, asked over HTTP with real tokens (`tests.bench.scale_gateway`);
  e. peak memory of every process; f. disk used by every store.
Each rate stands next to a bare baseline measured in the same run. Every process started is
stopped at the end, also on Ctrl-C, SIGTERM or an error; the data folder is a temporary one
unless `--keep DIR` names where to leave it for inspection."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from bron.db import REGISTRIES, database_url
from bron.settings import Settings
from tests.bench.scale_disk import (
    DiskRow,
    kafka_rows,
    postgres_rows,
    registry_part,
    sqlite_rows,
    store_part,
)
from tests.bench.scale_gateway import gateway_stage
from tests.bench.scale_generate import generate_stage
from tests.bench.scale_report import ScaleReport, StageTime, process_rank
from tests.bench.scale_stack import Kafka, kafka, postgres_store, schema_registry
from tests.bench.scale_streams import with_group, worker_stage
from tests.bench.scale_watch import MemoryWatch
from tests.integration.registries import registry_settings


@dataclass(frozen=True, slots=True)
class ScaleOptions:
    persons: int = 1_000_000
    workers: int = 1
    store: str = "sqlite"  # of the projections: "sqlite" or "postgresql"
    out: Path = Path("var/bench")
    keep: Path | None = None  # the data folder to leave behind; None: a temporary one
    bootstrap: str | None = None  # an existing cluster; None: a broker of our own
    kafka_heap: str = "1g"
    requests: int = 2000  # persoon(bsn) requests per repeat
    batches: int = 200  # personen(100 BSNs) requests per repeat
    repeats: int = 3  # of the gateway's runs, alternating with the baseline's
    seed: int = 1


def run_scale(options: ScaleOptions) -> ScaleReport:
    report = ScaleReport(persons=options.persons, workers=options.workers, store=options.store)
    started = time.perf_counter()
    with ExitStack() as stack:
        folder = stack.enter_context(data_folder(options.keep))
        watch = stack.enter_context(MemoryWatch())
        with timed(report, "a. Kafka broker and schema registry started, contracts registered"):
            broker = stack.enter_context(kafka(folder, options.bootstrap, options.kafka_heap,
                                               watch))  # fmt: skip
            registry = stack.enter_context(schema_registry(folder, broker.bootstrap, watch))
        settings = with_group(registry_settings(folder, broker.bootstrap, registry.url))
        if options.store == "postgresql":
            url = stack.enter_context(postgres_store())
            settings = settings.model_copy(update={"projections_database_url": url})
        _generate(report, settings, folder, options)
        _stream(report, settings, folder, watch, options)
        requests = f"{options.requests:,} persoon + {options.batches:,} personen requests"
        with timed(report, f"d. gateway: {options.repeats} x ({requests}), gateway and bare"):
            served = gateway_stage(settings, folder, watch, options.requests, options.batches,
                                   options.repeats)  # fmt: skip
        report.measurements += served.measurements
        report.memory = sorted([*report.memory, *watch.peaks()], key=process_rank)
        report.disk = disk(settings, broker)
    report.wall_seconds = time.perf_counter() - started
    _notes(report, options, broker)
    return report


def _generate(report: ScaleReport, settings: Settings, folder: Path, options: ScaleOptions) -> None:
    with timed(report, f"b. generate {options.persons:,} persons, relays publishing, until "
                       "every outbox is drained"):  # fmt: skip
        generated = generate_stage(settings, options.persons, folder, options.seed)
    report.stages.append(StageTime("b. of which after the last commit, until drained",
                                   generated.tail_seconds))  # fmt: skip
    report.stages.append(StageTime("b. baselines: sqlite3 writes and a plain producer (samples)",
                                   generated.baseline_seconds))  # fmt: skip
    report.counts["persons registered"] = generated.summary.persons
    report.counts["changes committed"] = generated.summary.changes
    report.counts["events published by the relays"] = generated.published
    report.measurements += generated.measurements
    if generated.peak is not None:
        report.memory.append(generated.peak)
    report.notes.append(_pace(generated.tail_seconds, generated.publish_seconds))


def _stream(
    report: ScaleReport, settings: Settings, folder: Path, watch: MemoryWatch, options: ScaleOptions
) -> None:
    with timed(report, f"c. bare consumer, then {options.workers} stream worker(s) to the end"):
        streamed = worker_stage(settings, folder, options.workers, watch)
    report.stages += [StageTime("c. of which the bare consumer", streamed.bare_seconds),
                      StageTime("c. of which the worker's start-up", streamed.startup),
                      StageTime("c. of which the worker, first batch to the end",
                                streamed.seconds)]  # fmt: skip
    report.counts["events read by the worker(s)"] = streamed.events
    report.counts["views in the projection store"] = streamed.store["views"]
    report.counts["entities in the projection store"] = streamed.store["entities"]
    report.measurements += streamed.measurements
    report.slices = streamed.slices


def disk(settings: Settings, broker: Kafka) -> list[DiskRow]:
    rows: list[DiskRow] = []
    for name in REGISTRIES:
        rows += sqlite_rows(f"registry {name} (SQLite with -wal, -shm)",
                            database_url(settings, name), registry_part)  # fmt: skip
    store = database_url(settings, "projections")
    if store.startswith("sqlite"):
        rows += sqlite_rows("projection store (SQLite with -wal, -shm)", store, store_part)
    else:
        rows += postgres_rows("projection store (PostgreSQL database)", store)
    if broker.broker is not None:
        rows += kafka_rows(broker.broker.log_dirs)
    return rows


def _notes(report: ScaleReport, options: ScaleOptions, broker: Kafka) -> None:
    report.notes += [
        "The generator and the four relays run in this process (as `bron generate` runs "
        "them); its peak is getrusage's ru_maxrss at the end of publishing, before the "
        "baselines ran.",
        "Baselines on samples: the sqlite3 writes on at most 100,000 outbox rows (and the same "
        "share of state rows), the plain producer on at most 200,000 records; the bare "
        "consumer reads every event the worker reads.",
        "The gateway and its bare baseline each run as a process of their own; the client "
        "(httpx, sequential) runs in this process. The stream worker(s) are stopped before "
        "the gateway is measured.",
    ]
    if broker.broker is None:
        report.notes.append(f"External cluster {options.bootstrap}: the broker's memory and "
                            "disk are not measured, and its topics may hold events of earlier "
                            "runs, which the worker reads too.")  # fmt: skip


def _pace(tail: float, publishing: float) -> str:
    """What the publish rate says: the relays' capacity only when they fell behind."""
    share = tail / publishing
    said = f"The outboxes were drained {tail:,.1f} s after the last commit ({share:.0%} of the "
    said += "publish time): "
    if tail < publishing / 10:
        return said + ("the relays kept pace with the generator, so the publish rate is the "
                       "generator's pace, not the relays' capacity (`tests.bench.outbox_relay` "
                       "measures that).")  # fmt: skip
    return said + "the relays fell behind the generator; the publish rate is theirs."


@contextmanager
def timed(report: ScaleReport, stage: str) -> Iterator[None]:
    print(f"== {stage}", file=sys.stderr, flush=True)
    started = time.perf_counter()
    yield
    seconds = time.perf_counter() - started
    report.stages.append(StageTime(stage, seconds))
    print(f"== done in {seconds:,.1f} s: {stage}", file=sys.stderr, flush=True)


@contextmanager
def data_folder(keep: Path | None) -> Iterator[Path]:
    """`keep` (created; it must be empty), or a temporary folder removed at the end."""
    if keep is None:
        with tempfile.TemporaryDirectory(prefix="bron-scale-") as folder:
            yield Path(folder)
        return
    keep.mkdir(parents=True, exist_ok=True)
    if any(keep.iterdir()):
        raise SystemExit(f"{keep} is not empty: a scale run starts from empty stores")
    yield keep.resolve()


def _stop_on_sigterm() -> None:
    """SIGTERM ends the run as Ctrl-C does: through the context managers that stop it all."""

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)


def main() -> int:
    raw = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="make bench-scale", description=__doc__,
                                     formatter_class=raw)  # fmt: skip
    default = int(os.environ.get("BRON_SCALE_PERSONS", "1000000"))
    parser.add_argument("--persons", type=int, default=default,
                        help="default BRON_SCALE_PERSONS, else 1,000,000")  # fmt: skip
    parser.add_argument("--workers", type=int, default=1, help="stream worker processes")
    parser.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite",
                        help="the projection store (postgresql: a cluster of the run's own, "
                        "durable settings)")  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("var/bench"))
    parser.add_argument("--keep", type=Path, help="leave the data here (an empty folder)")
    parser.add_argument("--kafka-heap", default="1g", help="our broker's heap (default 1g)")
    parser.add_argument("--requests", type=int, default=2000, help="persoon(bsn) per repeat")
    parser.add_argument("--batches", type=int, default=200, help="personen(100) per repeat")
    parser.add_argument("--repeats", type=int, default=3, help="of the gateway's runs")
    parser.add_argument("--seed", type=int, default=1, help="of the synthetic data set")
    args = parser.parse_args()  # fmt: skip
    _stop_on_sigterm()
    options = ScaleOptions(persons=args.persons, workers=args.workers, store=args.store,
                           out=args.out,
                           keep=args.keep, bootstrap=os.environ.get("BRON_KAFKA_BOOTSTRAP"),
                           kafka_heap=args.kafka_heap, requests=args.requests,
                           batches=args.batches, repeats=args.repeats, seed=args.seed)  # fmt: skip
    report = run_scale(options)
    path = report.write(options.out)
    print(path.read_text())
    print(f"report: {path} (and scale.json)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
