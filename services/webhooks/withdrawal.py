"""A withdrawn app's webhook subscriptions end (`bron apps withdraw`, or an app gone from the
register file): the register the service reads says so within its refresh, and then each of
them is deleted with what waits for it and its dead letters, as when the receiver answers 410.
A withdrawal need not come with a record on the app's topic (nobody in view, or filters that
let no `uit-beeld` through), so the register is looked at on a timer, not per record."""

from __future__ import annotations

import asyncio

import structlog

from services.webhooks.domain import of_withdrawn_apps
from services.webhooks.register import CurrentPolicy
from services.webhooks.store import WebhookStore

log = structlog.get_logger("bron.webhooks")


def end_withdrawn(store: WebhookStore, policy: CurrentPolicy) -> dict[str, int]:
    """Delete the subscriptions of withdrawn apps: app id -> how many this call deleted. The
    subscriptions are read only while the register names a withdrawn app."""
    current = policy()
    if not any(app.withdrawn for app in current.apps):
        return {}
    ended: dict[str, int] = {}
    for app_id, ids in of_withdrawn_apps(store.subscriptions(), current).items():
        removed = store.remove_all(ids)
        if removed:
            ended[app_id] = removed
            log.info("webhooks.app_withdrawn", app=app_id, subscriptions=removed)
    return ended


async def end_withdrawn_every(store: WebhookStore, policy: CurrentPolicy, seconds: float) -> None:
    """`end_withdrawn` until cancelled; a failure (the store busy or away) is logged by its
    type and tried again next time."""
    while True:
        try:
            await asyncio.to_thread(end_withdrawn, store, policy)
        except Exception as exc:  # the type only: a message may quote a row
            log.warning("webhooks.withdrawal_check_failed", error=type(exc).__name__)
        await asyncio.sleep(seconds)
