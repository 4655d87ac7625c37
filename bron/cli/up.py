"""`bron up`: run the data layer on this machine until Ctrl-C."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from bron.cli.registries import SERVED
from bron.contracts.registry_client import RegistryClient, compact
from bron.contracts.schemafiles import load_schema_files
from bron.kafka.jars import kafka_version
from bron.kafka.runtime import start_kafka
from bron.logs import configure_logging, get_logger
from bron.process import ManagedProcess, bron_command
from bron.settings import Environment, Settings, load_settings

log = get_logger("bron.up")


def up() -> None:
    """Start everything Bron has (Kafka and its topics, the schema registry, the registries
    with their relays, a stream worker, the GraphQL gateway, the webhook service, the data
    stewards' catalog), import the RvIG test persons on the first start, print where it runs
    and a development token, and stop what was started on Ctrl-C or SIGTERM."""
    settings = load_settings()
    configure_logging(settings)
    stopping = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)

    typer.echo("Starting Bron …")
    kafka = start_kafka(settings)
    log.info(
        "kafka.ready",
        bootstrap=kafka.bootstrap,
        external=kafka.external,
        seconds=round(kafka.start.seconds_to_ready, 2) if kafka.start else None,
        topics_created=len(kafka.created_topics),
    )
    where = "external cluster" if kafka.external else f"Kafka {kafka_version(settings.kafka_pom)}"
    took = f" in {kafka.start.seconds_to_ready:.2f} s" if kafka.start else ""
    typer.echo(f"  {where:24} {kafka.bootstrap}{took}")
    if kafka.created_topics:
        typer.echo(f"  topics created           {', '.join(kafka.created_topics)}")
    children: list[ManagedProcess] = []
    try:
        if not stopping.is_set():
            children.append(_schema_registry(settings, kafka.bootstrap))
        for name in SERVED:
            if not stopping.is_set():
                children.append(_registry(settings, name, kafka.bootstrap))
        if not stopping.is_set():
            children.append(_streams_worker(settings, kafka.bootstrap))
        if not stopping.is_set():
            gateway = ("gateway", "serve")
            children.append(_service(settings, kafka.bootstrap, "GraphQL gateway", gateway,
                                     settings.gateway_port, "graphql"))  # fmt: skip
        if not stopping.is_set():
            children.append(_service(settings, kafka.bootstrap, "webhook service",
                                     ("webhooks", "dispatch", "--instance", "up-1"),
                                     settings.webhooks_port, "docs"))  # fmt: skip
        if not stopping.is_set():
            children.append(_service(settings, kafka.bootstrap, "catalog", ("catalog", "serve"),
                                     settings.catalog_port, ""))  # fmt: skip
        typer.echo(f"  data                     {settings.data_dir.resolve()}")
        if not stopping.is_set():
            _first_start_import(settings, stopping)
        if not stopping.is_set():
            _print_token(settings)
        typer.echo("Bron is up. Press Ctrl-C to stop.", color=False)
        while not stopping.wait(0.5):
            for child in children:
                if child.proc is not None and child.proc.poll() is not None:
                    typer.echo(f"  {child.name} exited; see {child.log_file}", err=True)
                    stopping.set()
    finally:
        typer.echo("Stopping Bron …")
        for child in reversed(children):
            typer.echo(f"  {child.name}: {child.stop()}")
        outcome = kafka.stop()
        log.info("kafka.stopped", outcome=outcome)
        typer.echo(f"  Kafka: {outcome}")


TESTSET_MARKER = "testset-imported"


def _first_start_import(settings: Settings, stopping: threading.Event) -> None:
    """On the first start of a development stack, the RvIG test persons (with a progress bar);
    a marker in the data directory keeps a second `bron up` from doing it again. The import is
    idempotent, so an interrupted one simply runs again on the next start."""
    marker = settings.data_dir / TESTSET_MARKER
    if not settings.up_import_testset or settings.env is Environment.production:
        return
    if marker.exists():
        typer.echo("  RvIG test persons        imported before (bron import brp-testset again)")
        return
    from bron.cli.imports import Interrupted, import_testset

    try:
        persons, _steps, summary = import_testset(settings, stop=stopping.is_set)
    except Interrupted:
        typer.echo("  RvIG test persons        import interrupted; it continues on the next start")
        return
    marker.write_text(f"{len(persons)} persoonslijsten: {summary.line()}\n")
    typer.echo(f"  RvIG test persons        {len(persons)} persoonslijsten: {summary.line()}")


def _registry(settings: Settings, name: str, bootstrap: str) -> ManagedProcess:
    """A source registry with its relay, told where Kafka and the schema registry are."""
    url = settings.registry_base_url(name)
    child = ManagedProcess(
        f"{name} registry",
        bron_command("registry", "serve", name),
        settings.data_dir / "logs" / f"{name}.log",
        env={"BRON_KAFKA_BOOTSTRAP": bootstrap, "BRON_SCHEMA_REGISTRY_URL": settings.registry_url},
    )
    child.start()
    seconds = child.wait_healthy(f"{url}/health", timeout=60)
    typer.echo(f"  {name + ' registry':24} {url}/docs in {seconds:.2f} s")
    return child


def _streams_worker(settings: Settings, bootstrap: str) -> ManagedProcess:
    """One stream worker keeping the projections; healthy when its metrics answer."""
    url = f"http://127.0.0.1:{settings.streams_port}/metrics"
    child = ManagedProcess(
        "stream worker",
        bron_command("streams", "worker", "--instance", "up-1"),
        settings.data_dir / "logs" / "streams.log",
        env={"BRON_KAFKA_BOOTSTRAP": bootstrap, "BRON_SCHEMA_REGISTRY_URL": settings.registry_url},
    )
    child.start()
    seconds = child.wait_healthy(url, timeout=60)
    typer.echo(f"  {'stream worker':24} {url} in {seconds:.2f} s")
    return child


def _service(
    settings: Settings, bootstrap: str, name: str, command: tuple[str, ...], port: int, page: str
) -> ManagedProcess:
    """The gateway, the webhook service or the catalog, healthy when /health answers."""
    url = f"http://127.0.0.1:{port}"
    child = ManagedProcess(
        name,
        bron_command(*command),
        settings.data_dir / "logs" / f"{command[0]}.log",
        env={"BRON_KAFKA_BOOTSTRAP": bootstrap, "BRON_SCHEMA_REGISTRY_URL": settings.registry_url},
    )
    child.start()
    seconds = child.wait_healthy(f"{url}/health", timeout=60)
    typer.echo(f"  {name:24} {url}/{page} in {seconds:.2f} s")
    return child


def _print_token(settings: Settings) -> None:
    """A development token to paste into GraphiQL's headers (an app of the register, for an
    hour); `bron token` makes others."""
    from bron.http.auth import KeyPair, issue

    app_id = "bijstand-loket"
    token = issue(KeyPair(settings.data_dir / "keys"), subject=f"client-{app_id}",
                  audience=settings.gateway_audience, app_id=app_id, ttl=3600)  # fmt: skip
    typer.echo(f"  token ({app_id}, 1 h; GraphiQL header Authorization: Bearer …): {token}")
    typer.echo("  persons to query: bron import brp-testset (the RvIG test persons)")


def _schema_registry(settings: Settings, bootstrap: str) -> ManagedProcess:
    """Bron's own registry (unless BRON_SCHEMA_REGISTRY_URL names another), with every
    contract in schemas/avro registered (idempotent)."""
    url = settings.registry_url
    child = ManagedProcess(
        "schema registry",
        bron_command("schema-registry", "serve"),
        settings.data_dir / "logs" / "schema-registry.log",
        env={"BRON_KAFKA_BOOTSTRAP": bootstrap},
    )
    if settings.schema_registry_url is None:
        child.start()
        seconds = child.wait_healthy(f"{url}/health", timeout=60)
        typer.echo(f"  {'schema registry':24} {url} in {seconds:.2f} s")
    else:
        typer.echo(f"  {'schema registry':24} {url} (external)")
    files = load_schema_files()
    with RegistryClient(url) as client:
        for f in files:
            client.register(f.subject, compact(f.schema))
    typer.echo(f"  {'contracts registered':24} {len(files)} subjects")
    return child
