"""The benchmark harness: figures, their bare baselines from the same run, ratios, a report.

A benchmark is a function that takes a `BenchContext` and returns `Measurement`s. Baselines are
measurements too; a figure names the baseline it is compared with. Runs are interleaved
(baseline, figure, baseline, figure, ...) and the median of the repeats is reported, because
these machines are noisy: the ratio is what is tracked, absolute numbers are context.

A latency figure (a p50 or p99 of many timed operations) may carry the `Distribution` of the
samples it was computed from: their count and quantiles, every repeat pooled, so the report can
show the whole distribution next to its baseline's (`tests.bench.plots`).
"""

from __future__ import annotations

import json
import math
import os
import platform
import statistics
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import confluent_kafka

# The percentiles a Distribution keeps: the body in steps of ten, then the tail.
PERCENTILES: tuple[float, ...] = (0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.9, 100)


def percentile(ordered: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of sorted values, interpolated linearly between the closest
    ranks: what `statistics.quantiles(..., method="inclusive")` and numpy's default give."""
    if not ordered:
        raise ValueError("no samples")
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _label(q: float) -> str:
    return "max" if q == 100 else f"p{q:g}"


def _percent(label: str) -> float:
    return 100.0 if label == "max" else float(label.removeprefix("p"))


@dataclass(frozen=True, slots=True)
class Distribution:
    """The samples behind a latency figure in short, in the figure's unit: how many there were
    and their percentiles, as (percentile 0-100, value) pairs in ascending order."""

    count: int
    points: tuple[tuple[float, float], ...]

    @classmethod
    def of(cls, samples: Iterable[float], scale: float = 1.0) -> Distribution:
        """From raw samples (of every repeat), each multiplied by `scale` (1e6: s → µs)."""
        ordered = sorted(s * scale for s in samples)
        return cls(len(ordered), tuple((q, percentile(ordered, q)) for q in PERCENTILES))

    def at(self, q: float) -> float:
        for p, value in self.points:
            if p == q:
                return value
        raise KeyError(f"p{q:g} is not kept")

    def to_json(self) -> dict[str, float]:
        """{"count": n, "p0": …, "p10": …, …, "p99.9": …, "max": …}"""
        return {"count": self.count, **{_label(q): v for q, v in self.points}}

    @classmethod
    def from_json(cls, data: Mapping[str, float]) -> Distribution:
        points = sorted((_percent(k), float(v)) for k, v in data.items() if k != "count")
        return cls(int(data["count"]), tuple(points))


@dataclass(frozen=True, slots=True)
class Measurement:
    key: str
    title: str
    unit: str
    samples: tuple[float, ...]
    higher_is_better: bool = True
    baseline: str | None = None  # key of the baseline this figure is compared with
    note: str = ""
    distribution: Distribution | None = None  # a latency figure's samples, if it keeps them

    @property
    def value(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """(max - min) / median of the repeats, so a noisy figure is visible as such."""
        return (max(self.samples) - min(self.samples)) / self.value if self.value else 0.0

    def to_json(self) -> dict[str, Any]:
        data = {**asdict(self), "value": self.value, "spread": self.spread}
        data["distribution"] = self.distribution.to_json() if self.distribution else None
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Measurement:
        """A measurement as `Report.write` stored it (`value` and `spread` are derived)."""
        found = data.get("distribution")
        return cls(
            key=str(data["key"]),
            title=str(data["title"]),
            unit=str(data["unit"]),
            samples=tuple(float(s) for s in data["samples"]),
            higher_is_better=bool(data.get("higher_is_better", True)),
            baseline=None if data.get("baseline") is None else str(data["baseline"]),
            note=str(data.get("note", "")),
            distribution=None if found is None else Distribution.from_json(found),
        )


@dataclass(frozen=True, slots=True)
class BenchContext:
    bootstrap: str
    repeats: int
    quick: bool


Benchmark = Callable[[BenchContext], list[Measurement]]


def ratio(figure: Measurement, baseline: Measurement) -> float:
    """How the figure compares with its baseline; >1 is better than bare, whatever the unit."""
    if figure.higher_is_better:
        return figure.value / baseline.value
    return baseline.value / figure.value


def number(value: float) -> str:
    """A figure for people: 1,433 or 690,000; small ones with three significant digits (0.167)."""
    return f"{value:,.0f}" if abs(value) >= 100 or value == 0 else f"{value:.3g}"


def ratio_text(value: float) -> str:
    """Two decimals (0.59, 3.80); two significant digits below 0.1 (0.0044, not 0.00)."""
    return f"{value:.2f}" if value >= 0.1 else f"{value:.2g}"


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        memory = "unknown"
    return {
        "host": platform.node(),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "librdkafka": confluent_kafka.libversion()[0],
        "load average": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


@dataclass(slots=True)
class Report:
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    context: dict[str, str] = field(default_factory=machine)
    measurements: list[Measurement] = field(default_factory=list)

    def add(self, items: list[Measurement]) -> None:
        self.measurements.extend(items)

    def by_key(self) -> dict[str, Measurement]:
        return {m.key: m for m in self.measurements}

    def markdown(self) -> str:
        index = self.by_key()
        lines = [
            "# Bron benchmark report",
            "",
            f"Run {self.started:%Y-%m-%d %H:%M} UTC. Figures are medians of the repeats; "
            "spread is (max-min)/median. Ratio > 1 means better than the bare baseline.",
            "",
            "| machine | |",
            "|---|---|",
            *(f"| {k} | {v} |" for k, v in self.context.items()),
            "",
            "## Figures against their baselines",
            "",
            "| figure | value | baseline | baseline value | ratio | spread |",
            "|---|---:|---|---:|---:|---:|",
        ]
        for m in self.measurements:
            if m.baseline is None:
                continue
            base = index[m.baseline]
            lines.append(
                f"| {m.title} | {number(m.value)} {m.unit} | {base.title} | "
                f"{number(base.value)} {base.unit} | {ratio_text(ratio(m, base))} | "
                f"{m.spread:.0%} |"
            )
        lines += ["", "## Bare baselines", "", "| baseline | value | spread | note |"]
        lines.append("|---|---:|---:|---|")
        for m in self.measurements:
            if m.baseline is None:
                lines.append(
                    f"| {m.title} | {number(m.value)} {m.unit} | {m.spread:.0%} | {m.note} |"
                )
        return "\n".join(lines) + "\n"

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "report.md").write_text(self.markdown())
        data = {
            "started": self.started.isoformat(),
            "context": self.context,
            "measurements": [m.to_json() for m in self.measurements],
        }
        (folder / "report.json").write_text(json.dumps(data, indent=2) + "\n")
        return folder / "report.md"

    @classmethod
    def read(cls, path: Path) -> Report:
        """A report as `write` left it in report.json (to plot it again without a rerun)."""
        data = json.loads(path.read_text())
        return cls(
            started=datetime.fromisoformat(data["started"]),
            context={str(k): str(v) for k, v in data["context"].items()},
            measurements=[Measurement.from_json(m) for m in data["measurements"]],
        )
