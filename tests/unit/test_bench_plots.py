"""The benchmark report's plots: latency samples kept as quantiles, PNGs written and linked."""

import json
import random
import statistics
import struct
from pathlib import Path

import pytest

from tests.bench.harness import PERCENTILES, Distribution, Measurement, Report

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PLOTS = ("throughput.png", "latency.png", "ratios.png")


@pytest.fixture
def needs_matplotlib() -> None:
    pytest.importorskip("matplotlib", reason="matplotlib (a dev dependency) draws the plots")


def test_the_quantile_summary_of_known_samples() -> None:
    summary = Distribution.of(float(n) for n in range(1, 102))  # 1 … 101, in any order
    assert summary.count == 101
    assert [q for q, _ in summary.points] == list(PERCENTILES)
    assert summary.at(0) == 1.0
    assert summary.at(10) == 11.0
    assert summary.at(50) == 51.0
    assert summary.at(90) == 91.0
    assert summary.at(99) == 100.0
    assert summary.at(99.9) == pytest.approx(100.9)
    assert summary.at(100) == 101.0
    assert Distribution.of([7.0, 3.0]).at(50) == 5.0  # between the two, as numpy's default


def test_the_summary_agrees_with_the_p50_and_p99_the_benchmarks_compute() -> None:
    rng = random.Random(9)
    seconds = [rng.lognormvariate(-7, 0.6) for _ in range(2_000)]
    cuts = statistics.quantiles(seconds, n=100, method="inclusive")
    summary = Distribution.of(seconds, scale=1e6)  # s → µs, as gateway.py reports them
    assert summary.at(50) == pytest.approx(cuts[49] * 1e6)
    assert summary.at(99) == pytest.approx(cuts[98] * 1e6)
    assert summary.at(100) == pytest.approx(max(seconds) * 1e6)


def test_report_json_keeps_the_quantiles_and_reads_back(tmp_path: Path) -> None:
    summary = Distribution.of([0.001 * n for n in range(1, 1001)], scale=1000)
    figure = Measurement("op.p99", "op p99", "ms", (990.0,), False, "op.p99.bare", "", summary)
    report = Report(context={"cores": "2"})
    report.add([Measurement("op.p99.bare", "bare p99", "ms", (500.0,), False), figure])
    report.write(tmp_path)

    stored = json.loads((tmp_path / "report.json").read_text())["measurements"][1]
    assert stored["distribution"]["count"] == 1000
    assert list(stored["distribution"]) == [
        "count",
        "p0",
        "p10",
        "p20",
        "p30",
        "p40",
        "p50",
        "p60",
        "p70",
        "p80",
        "p90",
        "p95",
        "p99",
        "p99.9",
        "max",
    ]
    assert stored["distribution"]["max"] == pytest.approx(1000.0)
    assert stored["value"] == 990.0
    again = Report.read(tmp_path / "report.json")
    assert again.measurements == report.measurements
    assert again.measurements[0].distribution is None


def synthetic_report() -> Report:
    """Two stages of throughput, a latency figure that keeps its samples and one that only has
    its p50 and p99 figures (as reports before the samples were kept)."""
    rng = random.Random(1)
    ours = [rng.lognormvariate(-5, 0.5) for _ in range(600)]
    bare = [rng.lognormvariate(-6.5, 0.3) for _ in range(600)]

    def latency(
        key: str, title: str, samples: list[float], baseline: str | None
    ) -> list[Measurement]:
        kept = Distribution.of(samples, scale=1e6)
        return [
            Measurement(
                f"{key}.p{q}{'' if baseline else '.bare'}",
                f"{title} p{q}",
                "µs",
                (kept.at(q), kept.at(q) * 1.1, kept.at(q) * 0.95),
                False,
                f"{baseline}.p{q}.bare" if baseline else None,
                "",
                kept,
            )
            for q in (50, 99)
        ]

    report = Report(context={"host": "test", "cores": "2"})
    report.add(
        [
            Measurement("kafka.produce.bare", "produce, bare", "rec/s", (690_000.0, 650_000.0)),
            Measurement(
                "kafka.produce",
                "produce, Bron",
                "rec/s",
                (680_000.0,),
                baseline="kafka.produce.bare",
            ),
            Measurement("sr.lookup.bare", "lookup, confluent client", "lookups/s", (2.8e6,)),
            Measurement(
                "sr.lookup",
                "lookup, Bron's client",
                "lookups/s",
                (1.1e7,),
                baseline="sr.lookup.bare",
            ),
            Measurement("sr.register.bare", "durable write, bare", "writes/s", (144.0,)),
            Measurement(
                "sr.register",
                "registrations over HTTP",
                "reg/s",
                (137.0,),
                baseline="sr.register.bare",
            ),
            *latency("gateway.persoon", "bare persoon", bare, None),
            *latency("gateway.persoon", "gateway persoon", ours, "gateway.persoon"),
            Measurement("webhooks.e2e.bare", "round trip p50", "ms", (0.3,), False),
            Measurement(
                "webhooks.e2e.p50",
                "commit → webhook, p50",
                "ms",
                (45.0,),
                False,
                "webhooks.e2e.bare",
            ),
            Measurement(
                "webhooks.e2e.p99",
                "commit → webhook, p99",
                "ms",
                (122.0,),
                False,
                "webhooks.e2e.bare",
            ),
        ]
    )
    return report


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the IHDR chunk, after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", data[16:24])
    assert data[-8:-4] == b"IEND"
    return width, height


@pytest.mark.usefixtures("needs_matplotlib")
def test_the_plots_are_written_drawn_and_linked_from_the_report(tmp_path: Path) -> None:
    from matplotlib.image import imread

    from tests.bench.plots import plot

    report = synthetic_report()
    report.write(tmp_path)
    written = plot(report, tmp_path)

    assert [p.name for p in written] == list(PLOTS)
    for path in written:
        width, height = png_size(path)
        assert width >= 600
        assert height >= 300
        pixels = imread(path)
        assert pixels.shape[:2] == (height, width)
        colours = {tuple(p) for p in pixels.reshape(-1, pixels.shape[2])[::7].tolist()}
        assert len(colours) > 20, f"{path.name} is (nearly) blank"
    markdown = (tmp_path / "report.md").read_text()
    assert "| produce, Bron | 680,000 rec/s | produce, bare | 670,000 rec/s |" in markdown
    for name in PLOTS:
        assert f"![{Path(name).stem}]({name})" in markdown


@pytest.mark.usefixtures("needs_matplotlib")
def test_plotting_again_replaces_the_links_and_reads_the_json(tmp_path: Path) -> None:
    from tests.bench.plots import main

    synthetic_report().write(tmp_path)
    assert main([str(tmp_path / "report.json")]) == 0
    assert main([str(tmp_path / "report.json")]) == 0
    markdown = (tmp_path / "report.md").read_text()
    assert markdown.count("## Plots") == 1
    assert markdown.count("![latency](latency.png)") == 1
    assert markdown.index("## Bare baselines") < markdown.index("## Plots")
    assert all((tmp_path / name).exists() for name in PLOTS)


@pytest.mark.usefixtures("needs_matplotlib")
def test_latency_figures_are_grouped_with_their_baselines() -> None:
    from tests.bench.plots import latency_families

    families = {f.key: f for f in latency_families(synthetic_report())}
    assert set(families) == {"gateway.persoon", "webhooks.e2e"}
    kept = families["gateway.persoon"]
    assert kept.figure.count == kept.baseline.count == 600
    assert [q for q, _ in kept.figure.points] == list(PERCENTILES)
    assert [q for q, _ in kept.ratios] == [50.0, 99.0]
    figures_only = families["webhooks.e2e"]
    assert figures_only.title == "commit → webhook"
    assert figures_only.figure.points == [(50.0, 45.0), (99.0, 122.0)]
    assert figures_only.baseline.points == [(50.0, 0.3)]
    assert [q for q, _ in figures_only.ratios] == [50.0, 99.0]
    assert [r for _, r in figures_only.ratios] == pytest.approx([0.3 / 45, 0.3 / 122])
