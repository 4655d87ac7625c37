"""The scale run (`make bench-scale`) end to end at a tiny size: its own broker, the schema
registry, 300 persons through the registries, the stream worker and the gateway as processes.
Nothing is timed; what is checked is that the report has every part it promises, that the
projection store holds views, and that no BSN reaches the report or the terminal."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.bench.scale import ScaleOptions, run_scale

STAGES = ("b. generate", "b. publish", "c. stream worker", "d. gateway")
PROCESSES = {"Kafka broker (JVM)", "schema registry", "generator + relays (this process)",
             "stream worker 0", "gateway", "bare gateway (baseline)"}  # fmt: skip
STORES = ("registry brp", "registry bag", "registry woz", "registry toestemming",
          "projection store", "Kafka log dirs")  # fmt: skip


@pytest.mark.timeout(240)
def test_scale_run_reports_every_stage_process_and_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = ScaleOptions(persons=300, out=tmp_path / "out", keep=tmp_path / "data",
                           kafka_heap="384m", requests=100, batches=10, repeats=1)  # fmt: skip
    report = run_scale(options)
    path = report.write(options.out)
    data = json.loads((options.out / "scale.json").read_text())

    for stage in STAGES:
        figures = [f for f in data["figures"] if f["stage"] == stage]
        assert figures, f"no figure for {stage}"
        assert all(f["value"] > 0 and f["baseline_value"] > 0 and f["ratio"] > 0 for f in figures)
    assert all(m["value"] > 0 for m in data["measurements"])
    assert all(s["seconds"] > 0 for s in data["stages"] if "of which" not in s["stage"])
    assert len(data["worker_slices"]) == 10
    assert data["worker_slices"][-1]["end"] == data["counts"]["events read by the worker(s)"]

    peaks = {p["process"]: p["peak_bytes"] for p in data["memory"]}
    assert set(peaks) == PROCESSES
    assert all(size > 0 for size in peaks.values())
    disk = {d["store"]: d["bytes"] for d in data["disk"]}
    for store in STORES:
        assert any(name.startswith(store) and size > 0 for name, size in disk.items()), store

    views, bsns = _store(tmp_path / "data" / "var" / "projections.db")
    assert views == data["counts"]["views in the projection store"] > 0
    assert len(bsns) == data["counts"]["persons registered"] == 300
    shown = path.read_text() + "".join(capsys.readouterr())
    assert not [b for b in bsns if b in shown], "a BSN in the report or the output"


def _store(path: Path) -> tuple[int, set[str]]:
    """Views in the store, and the BSNs it indexes."""
    db = sqlite3.connect(path)
    try:
        views = db.execute("SELECT count(*) FROM projection_view WHERE digest IS NOT NULL")
        rows = db.execute("SELECT value FROM entity_index WHERE kind = 'persoon' AND name = 'bsn'")
        return int(views.fetchone()[0]), {str(r[0]) for r in rows}
    finally:
        db.close()


@pytest.mark.timeout(240)
def test_scale_run_on_a_postgresql_store_with_two_workers(tmp_path: Path) -> None:
    """`--store postgresql --workers 2`: the workers share the partitions of one PostgreSQL
    store of the run's own, which the report names and measures (and removes at the end)."""
    options = ScaleOptions(persons=300, workers=2, store="postgresql", out=tmp_path / "out",
                           keep=tmp_path / "data", kafka_heap="384m", requests=50, batches=5,
                           repeats=1)  # fmt: skip
    report = run_scale(options)
    report.write(options.out)
    data = json.loads((options.out / "scale.json").read_text())

    assert data["store"] == "postgresql"
    assert "| projection store | postgresql |" in (options.out / "scale.md").read_text()
    assert {"stream worker 0", "stream worker 1"} <= {p["process"] for p in data["memory"]}
    assert data["worker_slices"][-1]["end"] == data["counts"]["events read by the worker(s)"]
    assert data["counts"]["views in the projection store"] > 0
    disk = {d["store"]: d["bytes"] for d in data["disk"]}
    assert disk["projection store (PostgreSQL database)"] > 0
    assert disk["table projection_view (with its indexes)"] > 0
    assert not (tmp_path / "data" / "var" / "projections.db").exists()
