"""PNG plots of a benchmark report, linked from its report.md:

- `throughput.png`: per stage, every figure in a unit per second next to its bare baseline
  (horizontal bars, log scale where a stage spans orders of magnitude), with their ratio;
- `latency.png`: per latency figure, its distribution against its baseline's: quantile curves
  on a scale that stretches the tail (p0 … p90, p99, p99.9, max), from the samples' quantiles
  where the report keeps them, else from the p50/p99 figures (bars: the repeats' min-max);
- `ratios.png`: every figure's ratio to its baseline on one chart, with a line at 1.0.

    python -m tests.bench.plots var/bench/report.json

plots a report again without running the benchmarks; `make bench` plots at the end of its run.
"""

from __future__ import annotations

import argparse
import math
import re
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from tests.bench.harness import Measurement, Report, number, ratio, ratio_text

# What a key's first part stands for: one benchmark module, one stage.
STAGES = {
    "kafka": "Kafka clients",
    "sr": "schema registry",
    "outbox": "outbox relay",
    "registry": "registry changes",
    "generate": "bron generate",
    "streams": "stream projections",
    "gateway": "GraphQL gateway",
    "subscriptions": "GraphQL subscriptions",
    "webhooks": "webhooks",
}
SECONDS = {"ns": 1e-9, "µs": 1e-6, "us": 1e-6, "ms": 1e-3, "s": 1.0}
FIGURE, BASELINE = "#1f5fa8", "#a0a0a0"
BETTER, WORSE = "#2a7d2a", "#b8430f"
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
DPI = 100
PLOTS = {
    "throughput.png": "Throughput per stage, against the bare baselines",
    "latency.png": "Latency distributions, against the bare baselines",
    "ratios.png": "Every ratio to its baseline",
}
_PERCENTILE = re.compile(r"p(\d+(?:\.\d+)?)")


def stage(key: str) -> str:
    first = key.split(".", 1)[0]
    return STAGES.get(first, first)


@dataclass(frozen=True, slots=True)
class Pair:
    figure: Measurement
    baseline: Measurement

    @property
    def ratio(self) -> float:
        return ratio(self.figure, self.baseline)


def pairs(report: Report) -> list[Pair]:
    """Every figure with its baseline, in the report's order (but a run that measured nothing:
    a zero has no ratio to draw)."""
    index = report.by_key()
    found = [Pair(m, index[m.baseline]) for m in report.measurements if m.baseline in index]
    return [p for p in found if p.figure.value > 0 and p.baseline.value > 0]


def _by_stage(items: list[Pair]) -> dict[str, list[Pair]]:
    grouped: dict[str, list[Pair]] = {}
    for pair in items:
        grouped.setdefault(stage(pair.figure.key), []).append(pair)
    return grouped


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _middle(text: str, width: int) -> str:
    """At most `width` characters, cut in the middle: the start and the end (`…, p99`) stay."""
    if len(text) <= width:
        return text
    head = (width - 3) * 2 // 3
    return f"{text[:head].rstrip()} … {text[head - width + 3 :].lstrip()}"


_THOUSANDS = FuncFormatter(lambda x, _: number(x))


def _save(figure: Figure, path: Path) -> Path:
    FigureCanvasAgg(figure)
    figure.savefig(path, dpi=DPI, facecolor="white")
    return path


# -- throughput ------------------------------------------------------------------------------


def throughput_pairs(report: Report) -> list[Pair]:
    return [p for p in pairs(report) if p.figure.unit.endswith("/s")]


def plot_throughput(report: Report, path: Path) -> Path | None:
    grouped = _by_stage(throughput_pairs(report))
    if not grouped:
        return None
    sizes = [len(items) for items in grouped.values()]
    figure = Figure(figsize=(13, 1.2 + sum(0.95 * n + 0.75 for n in sizes)), layout="constrained")
    figure.suptitle(
        "Throughput per stage: Bron (blue) against its bare baseline (grey), "
        "medians of the repeats; higher is better",
        fontsize=12,
    )
    axes = figure.subplots(len(grouped), 1, squeeze=False, height_ratios=sizes)[:, 0]
    for ax, (name, items) in zip(axes, grouped.items(), strict=True):
        _throughput_stage(ax, name, items)
    return _save(figure, path)


def _throughput_stage(ax: Axes, name: str, items: list[Pair]) -> None:
    values = [v for p in items for v in (p.figure.value, p.baseline.value)]
    low, high = min(values), max(values)
    log = low > 0 and high / low >= 100  # two orders of magnitude: bars would vanish
    rows = range(len(items))
    if log:
        left = 10 ** math.floor(math.log10(low))
        ax.set_xscale("log")
        ax.set_xlim(left, 10 ** math.ceil(math.log10(high) + 0.6))
    else:
        left = 0.0
        ax.set_xlim(0, high * 1.3)
    ax.xaxis.set_major_formatter(_THOUSANDS)
    for row, pair in zip(rows, items, strict=True):
        for offset, m, colour in ((-0.2, pair.figure, FIGURE), (0.2, pair.baseline, BASELINE)):
            ax.barh(row + offset, m.value - left, 0.38, left=left, color=colour)
            ax.text(m.value, row + offset, f" {number(m.value)} {m.unit}", va="center", fontsize=8)
        r = pair.ratio
        ax.text(
            1.01,
            row,
            f"ratio {ratio_text(r)}",
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=9,
            fontweight="bold",
            color=BETTER if r >= 1 else WORSE,
        )
    ax.set_yticks(
        list(rows),
        [f"{_wrap(p.figure.title, 55)}\nvs {_wrap(p.baseline.title, 52)}" for p in items],
        fontsize=8,
    )
    ax.set_ylim(len(items) - 0.45, -0.55)
    ax.set_title(
        f"{name}{'  (log scale)' if log else ''}", loc="left", fontsize=10, fontweight="bold"
    )
    units = dict.fromkeys(m.unit for p in items for m in (p.figure, p.baseline))
    ax.set_xlabel(", ".join(units), fontsize=8, labelpad=1)
    ax.grid(axis="x", alpha=0.3)
    ax.tick_params(axis="x", labelsize=8)


# -- latency ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Curve:
    """(percentile, value) points in the family's unit; for points that are figures, the
    repeats' (percentile, min, max)."""

    label: str
    points: list[tuple[float, float]] = field(default_factory=list)
    ranges: list[tuple[float, float, float]] = field(default_factory=list)
    count: int | None = None  # the samples behind a kept distribution


@dataclass(slots=True)
class Family:
    """The latency figures of one operation (its p50, p99, …) and their baselines."""

    key: str
    title: str
    unit: str
    figure: Curve
    baseline: Curve
    ratios: list[tuple[float, float]]  # (percentile, ratio) of each figure with a baseline


def percentile_of(m: Measurement) -> float | None:
    """The percentile a latency figure is (from `….p99` in its key, or `p99` in its title)."""
    for part in m.key.split("."):
        if found := _PERCENTILE.fullmatch(part):
            return float(found[1])
    found = re.search(r"\bp(\d+(?:\.\d+)?)\b", m.title)
    return float(found[1]) if found else None


def family_key(key: str) -> str:
    return ".".join(part for part in key.split(".") if not _PERCENTILE.fullmatch(part))


def _plain(title: str) -> str:
    """The title without its percentile: `…, p99` and `… p50 latency` go."""
    text = re.sub(r",?\s*\bp\d+(?:\.\d+)?\b(?: latency)?", "", title)
    return re.sub(r"\s+", " ", text).strip(" ,")


def _curve(label: str, members: list[Measurement], scale: dict[str, float]) -> Curve:
    curve = Curve(label)
    kept = next((m for m in members if m.distribution is not None), None)
    if kept is not None and kept.distribution is not None:
        factor = scale[kept.unit]
        curve.points = [(q, v * factor) for q, v in kept.distribution.points]
        curve.count = kept.distribution.count
        return curve
    seen: set[float] = set()
    for m in members:
        q = percentile_of(m)
        if q is None or q in seen:
            continue
        seen.add(q)
        factor = scale[m.unit]
        curve.points.append((q, m.value * factor))
        if len(m.samples) > 1:
            curve.ranges.append((q, min(m.samples) * factor, max(m.samples) * factor))
    curve.points.sort()
    return curve


def latency_families(report: Report) -> list[Family]:
    """Latency figures (a time unit) with a baseline, grouped by operation; a figure of the
    same operation without a baseline (a p50 next to a compared p99) joins its family."""
    index = report.by_key()
    members: dict[str, list[Measurement]] = {}
    for m in report.measurements:
        if m.unit in SECONDS and m.baseline in index and m.value > 0:
            members.setdefault(family_key(m.key), []).append(m)
    baselines = {m.baseline for m in report.measurements}
    for m in report.measurements:
        joins = m.unit in SECONDS and m.baseline is None and m.key not in baselines
        if joins and family_key(m.key) in members:
            members[family_key(m.key)].append(m)
    families: list[Family] = []
    for key, found in members.items():
        unit = found[0].unit
        scale = {u: s / SECONDS[unit] for u, s in SECONDS.items()}
        bases = list({m.baseline: index[m.baseline] for m in found if m.baseline}.values())
        figure = _curve("Bron", found, scale)
        baseline = _curve(_plain(bases[0].title), bases, scale)
        ratios = [
            (q, ratio(m, index[m.baseline]))
            for m in found
            if m.baseline and (q := percentile_of(m)) is not None
        ]
        if figure.points and baseline.points:
            families.append(Family(key, _plain(found[0].title), unit, figure, baseline, ratios))
    return families


# A scale that stretches the tail: p0 → 0, p90 → 1, p99 → 2, p99.9 → 3; max a step further.
_MAX_AT = 3.6


def nines(q: float) -> float:
    return _MAX_AT if q >= 100 else -math.log10(1 - q / 100)


_TICKS = ((0, "p0"), (50, "p50"), (90, "p90"), (99, "p99"), (99.9, "p99.9"), (100, "max"))


def plot_latency(report: Report, path: Path) -> Path | None:
    families = latency_families(report)
    if not families:
        return None
    columns = 2 if len(families) > 1 else 1
    rows = math.ceil(len(families) / columns)
    figure = Figure(figsize=(7 * columns, 1.0 + 3.9 * rows), layout="constrained")
    kept = [f.figure.count is not None for f in families]
    samples = "quantiles of the samples, every repeat pooled (n: how many)"
    figures = "the p50/p99 figures only: medians of the repeats, bars their min-max"
    how = samples if all(kept) else figures if not any(kept) else f"{samples}; else {figures}"
    figure.suptitle(
        f"Latency: Bron (blue) against its bare baseline (grey); lower is better\n{how}",
        fontsize=12,
    )
    grid = figure.subplots(rows, columns, squeeze=False)
    for ax, family in zip(grid.flat, families, strict=False):
        _latency_family(ax, family)
    for ax in list(grid.flat)[len(families) :]:
        ax.set_visible(False)
    return _save(figure, path)


def _draw(ax: Axes, curve: Curve, colour: str, style: str, label: str) -> None:
    xs = [nines(q) for q, _ in curve.points]
    ax.plot(xs, [v for _, v in curve.points], style, color=colour, label=label, markersize=5)
    for q, low, high in curve.ranges:
        ax.vlines(nines(q), low, high, color=colour, linewidth=3, alpha=0.45)


def _latency_family(ax: Axes, family: Family) -> None:
    f, b = family.figure, family.baseline

    def counted(label: str, curve: Curve) -> str:
        return label if curve.count is None else f"{label} (n = {curve.count:,})"

    _draw(ax, f, FIGURE, "o-", counted("Bron", f))
    bare = b.label if b.label.lower().startswith("bare") else f"bare: {b.label}"
    _draw(ax, b, BASELINE, "s--", counted(_wrap(bare, 60), b))
    values = [v for c in (f, b) for _, v in c.points] + [
        x for c in (f, b) for _, lo, hi in c.ranges for x in (lo, hi)
    ]
    low, high = min(values), max(values)
    if low > 0 and high / low >= 10:
        ax.set_yscale("log")
        ax.set_ylim(low / 1.6, high * 1.6)
    else:
        ax.set_ylim(0, high * 1.12)
    ax.yaxis.set_major_formatter(_THOUSANDS)
    points = dict(f.points)
    for q, r in family.ratios:
        if q in points:
            ax.annotate(
                f"ratio {ratio_text(r)}",
                (nines(q), points[q]),
                textcoords="offset points",
                xytext=(7, -3),
                va="top",
                fontsize=8,
                color=BETTER if r >= 1 else WORSE,
                fontweight="bold",
                bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"},
            )
    ax.set_xticks([nines(q) for q, _ in _TICKS], [label for _, label in _TICKS], fontsize=8)
    ax.set_xlim(-0.15, _MAX_AT + 0.3)
    ax.set_ylabel(family.unit)
    ax.set_xlabel("percentile (the tail stretched)", fontsize=8, labelpad=1)
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(alpha=0.3)
    ax.set_title(_wrap(f"{stage(family.key)}: {family.title}", 62), fontsize=9, loc="left")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0, -0.17), ncols=2, frameon=False)


# -- ratios ----------------------------------------------------------------------------------


def plot_ratios(report: Report, path: Path) -> Path | None:
    items = pairs(report)
    if not items:
        return None
    figure = Figure(figsize=(13, 1.6 + 0.3 * len(items)), layout="constrained")
    ax = figure.subplots()
    colours = {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(_by_stage(items))}
    rows = range(len(items))
    for row, pair in zip(rows, items, strict=True):
        r = pair.ratio
        ax.barh(
            row,
            abs(math.log10(r)),
            0.6,
            left=min(0.0, math.log10(r)),
            color=colours[stage(pair.figure.key)],
        )
        ax.plot(math.log10(r), row, "o", color=colours[stage(pair.figure.key)], markersize=4)
        ax.text(
            math.log10(r),
            row,
            f"  {ratio_text(r)}" if r >= 1 else f"{ratio_text(r)}  ",
            va="center",
            ha="left" if r >= 1 else "right",
            fontsize=8,
        )
    logs = [math.log10(p.ratio) for p in items] + [0.0]
    low, high = math.floor(min(logs) - 0.3), math.ceil(max(logs) + 0.3)
    ticks = list(range(low, high + 1))
    ax.set_xticks(ticks, [f"{10.0**x:g}" for x in ticks])
    ax.set_xlim(low, high)
    ax.axvline(0, color="black", linewidth=1.2)
    ax.text(0, -0.9, " 1.0 = as good as bare", fontsize=8, va="center")
    ax.set_yticks(list(rows), [_middle(p.figure.title, 90) for p in items], fontsize=8)
    for row in range(1, len(items)):
        if stage(items[row].figure.key) != stage(items[row - 1].figure.key):
            ax.axhline(row - 0.5, color="#dddddd", linewidth=0.8)
    ax.set_ylim(len(items) - 0.5, -1.5)
    ax.set_xlabel("ratio to the bare baseline, log scale (> 1 better than bare, < 1 worse)")
    ax.grid(axis="x", alpha=0.3)
    ax.set_title("Every figure's ratio to its bare baseline, medians of the repeats", fontsize=12)
    ax.legend(
        handles=[Patch(color=c, label=n) for n, c in colours.items()],
        fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        title="stage",
        title_fontsize=8,
    )
    return _save(figure, path)


# -- the report ------------------------------------------------------------------------------


def link(markdown: str, names: Sequence[str]) -> str:
    """The report's markdown with a `## Plots` section embedding `names` (replacing one that
    is there), at the end."""
    kept = re.sub(r"\n## Plots\n.*?(?=\n## |\Z)", "", markdown, flags=re.DOTALL).rstrip("\n")
    if not names:
        return kept + "\n"
    lines = [
        "",
        "",
        "## Plots",
        "",
        "Plotted from report.json by `python -m tests.bench.plots var/bench/report.json`.",
    ]
    for name in names:
        lines += ["", f"### {PLOTS.get(name, name)}", "", f"![{Path(name).stem}]({name})"]
    return kept + "\n".join(lines) + "\n"


def plot(report: Report, folder: Path) -> list[Path]:
    """Writes the plots into `folder` and links them from its report.md, if there is one."""
    folder.mkdir(parents=True, exist_ok=True)
    drawn = [
        plot_throughput(report, folder / "throughput.png"),
        plot_latency(report, folder / "latency.png"),
        plot_ratios(report, folder / "ratios.png"),
    ]
    written = [p for p in drawn if p is not None]
    markdown = folder / "report.md"
    if markdown.exists():
        markdown.write_text(link(markdown.read_text(), [p.name for p in written]))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.plots",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("report", type=Path, help="report.json, as `make bench` wrote it")
    parser.add_argument("--out", type=Path, help="folder for the PNGs (default: the report's)")
    args = parser.parse_args(argv)
    report: Path = args.report
    for path in plot(Report.read(report), args.out or report.parent):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
