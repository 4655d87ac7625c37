"""The benchmark harness: figures, their bare baselines from the same run, ratios, a report.

A benchmark is a function that takes a `BenchContext` and returns `Measurement`s. Baselines are
measurements too; a figure names the baseline it is compared with. Runs are interleaved
(baseline, figure, baseline, figure, ...) and the median of the repeats is reported, because
these machines are noisy: the ratio is what is tracked, absolute numbers are context.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import confluent_kafka


@dataclass(frozen=True, slots=True)
class Measurement:
    key: str
    title: str
    unit: str
    samples: tuple[float, ...]
    higher_is_better: bool = True
    baseline: str | None = None  # key of the baseline this figure is compared with
    note: str = ""

    @property
    def value(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """(max - min) / median of the repeats, so a noisy figure is visible as such."""
        return (max(self.samples) - min(self.samples)) / self.value if self.value else 0.0


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
                f"| {m.title} | {m.value:,.0f} {m.unit} | {base.title} | "
                f"{base.value:,.0f} {base.unit} | {ratio(m, base):.2f} | {m.spread:.0%} |"
            )
        lines += ["", "## Bare baselines", "", "| baseline | value | spread | note |"]
        lines.append("|---|---:|---:|---|")
        for m in self.measurements:
            if m.baseline is None:
                lines.append(f"| {m.title} | {m.value:,.0f} {m.unit} | {m.spread:.0%} | {m.note} |")
        return "\n".join(lines) + "\n"

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "report.md").write_text(self.markdown())
        data = {
            "started": self.started.isoformat(),
            "context": self.context,
            "measurements": [
                {**asdict(m), "value": m.value, "spread": m.spread} for m in self.measurements
            ],
        }
        (folder / "report.json").write_text(json.dumps(data, indent=2) + "\n")
        return folder / "report.md"
