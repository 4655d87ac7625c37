"""`bron webhooks …`: the webhook service (CloudEvents to apps' callback URLs) and its dead
letters, for operators."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

from bron.settings import load_settings

if TYPE_CHECKING:
    from services.webhooks.store import WebhookStore

app = typer.Typer(help="Webhooks: CloudEvents for apps' subscriptions.", no_args_is_help=True)


@app.command()
def dispatch(
    host: Annotated[str | None, typer.Option(help="Default: BRON_WEBHOOKS_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="Default: BRON_WEBHOOKS_PORT")] = None,
    instance: Annotated[
        str | None,
        typer.Option(help="A stable name for this dispatcher (fast restarts after a crash)"),
    ] = None,
) -> None:
    """Serve the API (/abonnementen, /dode-brieven, /health, /metrics), consume the per-app
    topics and deliver, until SIGTERM/SIGINT."""
    import uvicorn

    from bron.logs import configure_logging
    from services.webhooks.app import create_app

    settings = load_settings()
    configure_logging(settings)
    uvicorn.run(
        create_app(settings, instance=instance),
        host=host or settings.webhooks_host,
        port=port or settings.webhooks_port,
        log_config=None,
        server_header=False,
    )


@app.command("dead-letters")
def dead_letters(
    app_id: Annotated[str | None, typer.Option("--app", help="Only this app's")] = None,
) -> None:
    """List the deliveries given up (no personal data: ids, type, reason)."""
    store = _store()
    try:
        rows = store.dead_letters(app_id)
    finally:
        store.close()
    if not rows:
        typer.echo("no dead letters")
        return
    typer.echo(
        f"{'id':36}  {'app':16}  {'subscription':36}  {'type':34}  att  failed at (UTC)"
        "       reason"
    )
    for d in rows:
        failed = datetime.fromtimestamp(d.failed_at, UTC).strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(
            f"{d.id:36}  {d.app_id:16}  {d.subscription_id:36}  {d.type:34}  "
            f"{d.attempts:>3}  {failed}  {d.reason}"
        )


@app.command()
def redeliver(
    dead_letter_id: Annotated[str, typer.Argument(help="An id from `bron webhooks dead-letters`")],
) -> None:
    """Queue a dead letter again (attempts from 0, a new retry window); a running dispatcher
    sends it."""
    import time

    store = _store()
    try:
        found = store.redeliver(dead_letter_id, time.time())
    finally:
        store.close()
    if not found:
        raise typer.BadParameter(f"no dead letter {dead_letter_id!r} (bron webhooks dead-letters)")
    typer.echo(f"queued {dead_letter_id} again")


def _store() -> WebhookStore:
    from bron.db import database_url
    from services.webhooks.store import WebhookStore

    return WebhookStore(database_url(load_settings(), "webhooks"))
