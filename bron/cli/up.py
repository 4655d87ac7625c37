"""`bron up`: run the data layer on this machine until Ctrl-C."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import typer

from bron.kafka.jars import kafka_version
from bron.kafka.runtime import start_kafka
from bron.logs import configure_logging, get_logger
from bron.settings import load_settings

log = get_logger("bron.up")


def up() -> None:
    """Start everything Bron has (for now: Kafka and its topics), print where it runs, and
    stop what was started on Ctrl-C or SIGTERM."""
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
    typer.echo(f"  data                     {settings.data_dir.resolve()}")
    typer.echo("Bron is up. Press Ctrl-C to stop.", color=False)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        typer.echo("Stopping Bron …")
        outcome = kafka.stop()
        log.info("kafka.stopped", outcome=outcome)
        typer.echo(f"  Kafka: {outcome}")
