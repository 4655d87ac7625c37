"""`bron kafka start | stop | status | fetch | topics`."""

from __future__ import annotations

import typer

from bron.kafka import admin
from bron.kafka.broker import LocalBroker
from bron.kafka.jars import ensure_jars, kafka_version
from bron.settings import load_settings
from bron.topics import TOPICS

app = typer.Typer(help="The Kafka broker Bron runs on.", no_args_is_help=True)


@app.command()
def start() -> None:
    """Start the local broker (or check the external one) and wait until it is ready."""
    settings = load_settings()
    if settings.kafka_bootstrap:
        seconds = admin.wait_ready(settings.kafka_bootstrap, settings.kafka_start_timeout)
        typer.echo(
            f"BRON_KAFKA_BOOTSTRAP={settings.kafka_bootstrap}: using that cluster, "
            f"nothing started (answered in {seconds:.2f} s)"
        )
        return
    broker = LocalBroker(settings)
    result = broker.start()
    version = kafka_version(settings.kafka_pom)
    if result.already_running:
        typer.echo(f"Kafka {version} already running at {broker.bootstrap} (pid {result.pid})")
        return
    formatted = ", storage formatted" if result.formatted else ""
    typer.echo(
        f"Kafka {version} ready at {broker.bootstrap} in {result.seconds_to_ready:.2f} s "
        f"(pid {result.pid}{formatted}; data {broker.log_dirs}; log {broker.log_file})"
    )


@app.command()
def stop() -> None:
    """Stop the local broker: SIGTERM, then SIGKILL after BRON_KAFKA_STOP_TIMEOUT."""
    settings = load_settings()
    if settings.kafka_bootstrap:
        typer.echo("BRON_KAFKA_BOOTSTRAP is set: Bron did not start that cluster; not stopping")
        return
    typer.echo(f"Kafka: {LocalBroker(settings).stop()}")


@app.command()
def status() -> None:
    """Show whether the broker runs and answers; exit 3 when it does not."""
    settings = load_settings()
    if settings.kafka_bootstrap:
        ok = admin.metadata_ok(admin.admin_client(settings.kafka_bootstrap), 5.0)
        typer.echo(f"external cluster {settings.kafka_bootstrap}: {'ready' if ok else 'DOWN'}")
        raise typer.Exit(0 if ok else 3)
    st = LocalBroker(settings).status()
    state = "ready" if st.ready else ("running, not answering" if st.running else "stopped")
    typer.echo(f"Kafka {st.version}: {state}")
    typer.echo(f"  bootstrap  {st.bootstrap}")
    typer.echo(f"  pid        {st.pid or '-'}")
    typer.echo(f"  cluster id {st.cluster_id or '- (not formatted yet)'}")
    typer.echo(f"  data       {st.data_dir}")
    typer.echo(f"  log        {st.log_file}")
    raise typer.Exit(0 if st.ready else 3)


@app.command()
def fetch() -> None:
    """Fetch the broker jars from Maven Central into the cache (once)."""
    settings = load_settings()
    libs = ensure_jars(settings.cache_dir, settings.kafka_pom)
    typer.echo(f"Kafka {kafka_version(settings.kafka_pom)} jars: {libs}")


@app.command()
def topics() -> None:
    """Create the declared topics that are missing, align configs, and list them."""
    settings = load_settings()
    created = admin.ensure_topics(
        settings.bootstrap_servers, TOPICS, settings.kafka_replication_factor
    )
    for spec in TOPICS:
        mark = "created" if spec.name in created else "ok"
        typer.echo(f"{spec.name:28} {spec.partitions:>3} {spec.cleanup.value:8} {mark}")
