"""Run every benchmark against the real broker and write var/bench/report.md (and .json), with
its PNG plots (`tests.bench.plots`)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

from bron.kafka.admin import wait_ready
from bron.testing import broker_settings, running_broker
from tests.bench.gateway import bench_gateway
from tests.bench.generate_load import bench_generate
from tests.bench.harness import BenchContext, Benchmark, Report
from tests.bench.kafka_clients import bench_kafka_clients
from tests.bench.outbox_relay import bench_outbox_relay
from tests.bench.projections import bench_projections
from tests.bench.registry_changes import bench_registry_changes
from tests.bench.schema_registry import bench_schema_registry
from tests.bench.subscriptions import bench_subscriptions
from tests.bench.webhooks import bench_webhooks

BENCHMARKS: list[Benchmark] = [
    bench_kafka_clients,
    bench_schema_registry,
    bench_outbox_relay,
    bench_registry_changes,
    bench_generate,
    bench_projections,
    bench_gateway,
    bench_subscriptions,
    bench_webhooks,
]


def main() -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the harness")
    parser.add_argument("--out", type=Path, default=Path("var/bench"))
    args = parser.parse_args()

    with ExitStack() as stack:
        bootstrap = os.environ.get("BRON_KAFKA_BOOTSTRAP")
        if bootstrap:
            wait_ready(bootstrap, 30)
        else:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bron-bench-")))
            broker = stack.enter_context(running_broker(broker_settings(folder, kafka_heap="1g")))
            bootstrap = broker.bootstrap
        ctx = BenchContext(bootstrap=bootstrap, repeats=args.repeats, quick=args.quick)
        report = Report()
        for benchmark in BENCHMARKS:
            print(f"running {benchmark.__name__} …", file=sys.stderr, flush=True)
            report.add(benchmark(ctx))
    path = report.write(args.out)
    plotted(report, args.out)
    print(path.read_text())
    print(f"report: {path}", file=sys.stderr)
    return 0


def plotted(report: Report, folder: Path) -> None:
    """The report's plots, linked from report.md; without matplotlib, how to draw them later."""
    try:
        from tests.bench.plots import plot
    except ModuleNotFoundError as missing:
        print(
            f"no plots ({missing}); `pip install matplotlib`, then "
            f"`python -m tests.bench.plots {folder / 'report.json'}`",
            file=sys.stderr,
        )
        return
    for png in plot(report, folder):
        print(f"plot: {png}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
