"""The benchmark report: every figure next to its baseline and their ratio."""

from pathlib import Path

from tests.bench.harness import Measurement, Report, ratio


def test_ratio_is_above_one_when_the_figure_beats_its_baseline() -> None:
    base = Measurement("b", "bare", "rec/s", (100.0, 90.0, 110.0))
    fast = Measurement("f", "ours", "rec/s", (200.0,), baseline="b")
    assert ratio(fast, base) == 2.0
    slow_latency = Measurement("l", "ours", "ms", (4.0,), higher_is_better=False, baseline="b2")
    base_latency = Measurement("b2", "bare", "ms", (2.0,), higher_is_better=False)
    assert ratio(slow_latency, base_latency) == 0.5
    assert base.value == 100.0
    assert round(base.spread, 2) == 0.2


def test_the_report_shows_figure_baseline_ratio_and_the_machine(tmp_path: Path) -> None:
    report = Report()
    report.add(
        [
            Measurement("b", "produce bare", "rec/s", (1000.0,)),
            Measurement("f", "produce ours", "rec/s", (900.0,), baseline="b"),
        ]
    )
    text = report.write(tmp_path).read_text()
    assert "| produce ours | 900 rec/s | produce bare | 1,000 rec/s | 0.90 |" in text
    assert "| cores |" in text
    assert (tmp_path / "report.json").exists()
