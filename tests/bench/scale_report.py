"""The scale run's report: var/bench/scale.md for people, scale.json for tools.

Every rate stands next to its bare baseline from the same run, as a ratio (> 1: better than
bare); absolute figures are context, since the machine and its load vary. Then the stream
worker's throughput per tenth of the events, the peak memory of every process, and the disk
each store uses, in all and per person."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.bench.harness import Measurement, machine, number, ratio, ratio_text
from tests.bench.scale_disk import DiskRow
from tests.bench.scale_streams import Slice
from tests.bench.scale_watch import Peak, mib

# The processes in the order they start, by the start of their names.
PROCESSES = ("Kafka broker", "schema registry", "generator", "stream worker", "gateway", "bare")
# The stage of each figure, by the start of its key.
STAGES = (("scale.generate", "b. generate"), ("scale.publish", "b. publish"),
          ("scale.worker", "c. stream worker"), ("scale.gateway", "d. gateway"))  # fmt: skip


@dataclass(frozen=True, slots=True)
class StageTime:
    stage: str
    seconds: float


@dataclass(slots=True)
class ScaleReport:
    persons: int  # asked for
    workers: int
    store: str = "sqlite"  # the projection store's database
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    context: dict[str, str] = field(default_factory=machine)
    counts: dict[str, int] = field(default_factory=dict)  # persons, changes, events, views …
    wall_seconds: float = 0.0
    stages: list[StageTime] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)
    slices: list[Slice] = field(default_factory=list)
    memory: list[Peak] = field(default_factory=list)
    disk: list[DiskRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def figures(self) -> list[tuple[str, Measurement, Measurement]]:
        """(stage, figure, baseline) for every figure that has a baseline."""
        index = {m.key: m for m in self.measurements}
        return [(_stage(m.key), m, index[m.baseline])
                for m in self.measurements if m.baseline is not None]  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        persons = self.counts.get("persons registered", self.persons)
        return {
            "started": self.started.isoformat(),
            "context": self.context,
            "persons": self.persons,
            "workers": self.workers,
            "store": self.store,
            "counts": self.counts,
            "wall_seconds": self.wall_seconds,
            "stages": [{"stage": s.stage, "seconds": s.seconds} for s in self.stages],
            "figures": [{"stage": stage, "key": m.key, "value": m.value, "unit": m.unit,
                         "baseline": b.key, "baseline_value": b.value, "ratio": ratio(m, b)}
                        for stage, m, b in self.figures()],
            "measurements": [m.to_json() for m in self.measurements],
            "worker_slices": [s.to_json() for s in self.slices],
            "memory": [p.to_json() for p in self.memory],
            "disk": [d.to_json(persons) for d in self.disk],
            "notes": self.notes,
        }  # fmt: skip

    def markdown(self) -> str:
        lines = [
            "# Bron scale run",
            "",
            f"Run {self.started:%Y-%m-%d %H:%M} UTC, wall time {duration(self.wall_seconds)}. "
            "Ratio > 1 means better than the bare baseline measured in the same run; the "
            "absolute figures are context.",
            "",
            "| | |",
            "|---|---:|",
            f"| persons asked for | {self.persons:,} |",
            f"| stream workers | {self.workers} |",
            f"| projection store | {self.store} |",
            *(f"| {k} | {v:,} |" for k, v in self.counts.items()),
            "",
            "| machine | |",
            "|---|---|",
            *(f"| {k} | {v} |" for k, v in self.context.items()),
            *self._stages(),
            *self._figures(),
            *self._slices(),
            *self._memory(),
            *self._disk(),
            *self._baselines(),
        ]
        if self.notes:
            lines += ["", "## Notes", "", *(f"- {n}" for n in self.notes)]
        return "\n".join(lines) + "\n"

    def _stages(self) -> list[str]:
        rows = [f"| {s.stage} | {duration(s.seconds)} |" for s in self.stages]
        return ["", "## Stages", "", "| stage | time |", "|---|---:|", *rows]

    def _figures(self) -> list[str]:
        rows = [f"| {stage} | {m.title} | {number(m.value)} {m.unit} | {b.title} | "
                f"{number(b.value)} {b.unit} | {ratio_text(ratio(m, b))} |"
                for stage, m, b in self.figures()]  # fmt: skip
        return ["", "## Figures against their baselines", "",
                "| stage | figure | value | baseline | baseline value | ratio |",
                "|---|---|---:|---|---:|---:|", *rows]  # fmt: skip

    def _slices(self) -> list[str]:
        total = self.counts.get("events read by the worker(s)", 0) or 1
        whole = next((m.value for m in self.measurements if m.key == "scale.worker"), 0.0)
        rows = []
        for i, s in enumerate(self.slices, 1):
            rate = s.rate
            shown = "n/a" if rate is None else number(rate)
            versus = "n/a" if rate is None or not whole else ratio_text(rate / whole)
            filled = f"{s.start / total:.0%} → {s.end / total:.0%}"
            rows.append(f"| {i} | {filled} | {s.end - s.start:,} | {s.seconds:,.1f} | {shown} | "
                        f"{versus} | {mib(s.rss_kb)} |")  # fmt: skip
        return ["", "## Stream worker throughput per tenth of the events", "",
                "A tenth a single batch jumped over has no time of its own (n/a). Resident: "
                "the worker processes' VmRSS together at the tenth's end.", "",
                "| tenth | store filled | events | seconds | events/s | vs whole run | resident |",
                "|---:|---|---:|---:|---:|---:|---:|", *rows]  # fmt: skip

    def _memory(self) -> list[str]:
        rows = [f"| {p.process} | {mib(p.hwm_kb)} | "
                f"{mib(p.sampled_kb) if p.source == 'VmHWM' else 'n/a'} | {p.source} |"
                for p in self.memory]  # fmt: skip
        return ["", "## Peak memory per process", "",
                "VmHWM is the kernel's high-water mark of resident memory (the true peak); the "
                "sampled VmRSS (once a second) is a check on it. This process: getrusage.", "",
                "| process | peak resident | largest sampled VmRSS | source |",
                "|---|---:|---:|---|", *rows]  # fmt: skip

    def _disk(self) -> list[str]:
        persons = self.counts.get("persons registered", self.persons) or 1
        rows = [f"| {'  ↳ ' if d.part else ''}{d.store} | {d.bytes / 2**20:,.1f} MiB | "
                f"{d.bytes / persons:,.0f} |" for d in self.disk]  # fmt: skip
        total = sum(d.bytes for d in self.disk if not d.part)
        rows.append(f"| **all stores** | {total / 2**20:,.1f} MiB | {total / persons:,.0f} |")
        return ["", "## Disk used", "", "Blocks allocated (as du counts them), after the run; "
                "the parts (↳) of a SQLite file are its pages per table, indexes included.",
                "", "| store | size | bytes per person |", "|---|---:|---:|", *rows]  # fmt: skip

    def _baselines(self) -> list[str]:
        rows = [f"| {m.title} | {number(m.value)} {m.unit} | {m.note} |"
                for m in self.measurements if m.baseline is None]  # fmt: skip
        figures = [f"| {m.title} | {m.note} |" for m in self.measurements if m.note and m.baseline]
        return ["", "## How each figure was measured", "", "| baseline | value | how |",
                "|---|---:|---|", *rows, "", "| figure | how |", "|---|---|", *figures]  # fmt: skip

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "scale.json").write_text(json.dumps(self.to_json(), indent=2) + "\n")
        path = folder / "scale.md"
        path.write_text(self.markdown())
        return path


def process_rank(peak: Peak) -> tuple[int, str]:
    """Sorts the processes in the order they start, those of a kind by name."""
    rank = next((i for i, name in enumerate(PROCESSES) if peak.process.startswith(name)), 99)
    return rank, peak.process


def _stage(key: str) -> str:
    return next((stage for prefix, stage in STAGES if key.startswith(prefix)), "")


def duration(seconds: float) -> str:
    """4.2 s, 12 min 3 s, 2 h 5 min."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    return f"{minutes // 60} h {minutes % 60} min"
