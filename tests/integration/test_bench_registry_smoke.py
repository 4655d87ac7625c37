"""The registry-changes benchmark runs end to end on the real broker (tiny sizes; nothing is
timed)."""

from tests.bench.harness import BenchContext
from tests.bench.registry_changes import bench_registry_changes


def test_registry_changes_benchmark_measures_every_figure_and_baseline(bootstrap: str) -> None:
    results = bench_registry_changes(BenchContext(bootstrap=bootstrap, repeats=1, quick=True))
    keys = {m.key for m in results}
    assert {"registry.bag", "registry.bag.p50", "registry.bag.p99"} <= keys
    assert all(m.value > 0 for m in results)
    assert all(m.baseline for m in results if not m.key.endswith(".bare"))
    assert all(m.baseline in keys for m in results if m.baseline)
