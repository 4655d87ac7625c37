"""The Kafka benchmark runs end to end on the real broker (tiny sizes; nothing is timed)."""

from tests.bench.harness import BenchContext
from tests.bench.kafka_clients import bench_kafka_clients


def test_kafka_client_benchmark_measures_every_figure_and_baseline(bootstrap: str) -> None:
    results = bench_kafka_clients(BenchContext(bootstrap=bootstrap, repeats=1, quick=True))
    keys = {m.key for m in results}
    for size in (100, 1024):
        for kind in ("produce", "consume"):
            assert f"kafka.{kind}.bare.{size}" in keys
            assert f"kafka.{kind}.bron.{size}" in keys
    assert all(m.value > 0 for m in results)
    assert all(m.baseline in keys for m in results if m.baseline)


def test_schema_registry_benchmark_measures_every_figure_and_baseline(bootstrap: str) -> None:
    from tests.bench.schema_registry import bench_schema_registry

    results = bench_schema_registry(BenchContext(bootstrap=bootstrap, repeats=1, quick=True))
    keys = {m.key for m in results}
    assert {"sr.register", "sr.lookup.cold", "sr.lookup.warm"} <= keys
    assert all(m.value > 0 for m in results)
    assert all(m.baseline in keys for m in results if m.baseline)


def test_outbox_relay_benchmark_measures_figure_and_baseline(bootstrap: str) -> None:
    from tests.bench.outbox_relay import bench_outbox_relay

    results = bench_outbox_relay(BenchContext(bootstrap=bootstrap, repeats=1, quick=True))
    keys = {m.key for m in results}
    assert all(m.value > 0 for m in results)
    assert any(m.baseline for m in results)
    assert all(m.baseline in keys for m in results if m.baseline)


def test_generate_benchmark_measures_figure_and_baseline(bootstrap: str) -> None:
    from tests.bench.generate_load import bench_generate

    results = bench_generate(BenchContext(bootstrap=bootstrap, repeats=1, quick=True))
    assert {m.key for m in results} == {"generate.load", "generate.bare"}
    assert all(m.value > 0 for m in results)


def test_gateway_benchmark_measures_figures_and_baselines(bootstrap: str) -> None:
    from tests.bench.gateway import bench_gateway

    results = bench_gateway(BenchContext(bootstrap=bootstrap, repeats=1, quick=True))
    keys = {m.key for m in results}
    for figure in ("gateway.persoon", "gateway.personen100"):
        for suffix in ("", ".p50", ".p99"):
            assert {f"{figure}{suffix}", f"{figure}{suffix}.bare"} <= keys
    assert all(m.value > 0 for m in results)
    assert all(m.baseline in keys for m in results if m.baseline)


def test_projections_benchmark_measures_figures_and_baselines(bootstrap: str) -> None:
    from tests.bench.projections import bench_projections

    results = bench_projections(BenchContext(bootstrap=bootstrap, repeats=1, quick=True))
    keys = {m.key for m in results}
    assert {"streams.bare", "streams.worker", "streams.revocation.p50",
            "streams.revocation.p99", "streams.read.p99"} <= keys  # fmt: skip
    assert all(m.value > 0 for m in results)
    assert all(m.baseline in keys for m in results if m.baseline)


def test_webhooks_benchmark_measures_figures_and_baselines(bootstrap: str) -> None:
    from tests.bench.webhooks import bench_webhooks

    results = bench_webhooks(BenchContext(bootstrap=bootstrap, repeats=1, quick=True))
    keys = {m.key for m in results}
    assert {"webhooks.deliveries", "webhooks.latency.p50", "webhooks.latency.p99"} <= keys
    assert {"webhooks.e2e.p50", "webhooks.e2e.p99", "webhooks.e2e.bare"} <= keys
    assert all(m.value > 0 for m in results)
    assert all(m.baseline in keys for m in results if m.baseline)


def test_subscriptions_benchmark_measures_figures_and_baselines(bootstrap: str) -> None:
    from tests.bench.subscriptions import bench_subscriptions

    results = bench_subscriptions(BenchContext(bootstrap=bootstrap, repeats=1, quick=True))
    keys = {m.key for m in results}
    for suffix in ("", ".p50", ".p99"):
        assert {f"subscriptions.fanout10{suffix}", f"subscriptions.fanout10{suffix}.bare"} <= keys
    assert all(m.value > 0 for m in results)
    assert all(m.baseline in keys for m in results if m.baseline)
