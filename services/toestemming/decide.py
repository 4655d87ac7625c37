"""Deciding a consent command: its events, or the `Rejection` of the first rule it breaks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bron.policy import Grondslag, Policy
from bron.registry.rejection import Rejection
from services.toestemming.commands import (
    Command,
    ToestemmingIntrekken,
    ToestemmingVerlenen,
    ToestemmingVerlopen,
)
from services.toestemming.state import INGETROKKEN, VERLEEND, VERLOPEN, Events, Toestemming

# Is there an active consent for (persoonId, appId, doelId)?
Actief = Callable[[str, str, str], bool]


def decide(
    command: Command, state: Toestemming | None, *, policy: Policy, now: datetime, actief: Actief
) -> Events:
    now = millis(now)
    if isinstance(command, ToestemmingVerlenen):
        return [(VERLEEND, _verlenen(command, state, policy, now, actief))]
    if state is None:
        raise Rejection("toestemmingId", "onbekend", f"no consent {command.toestemmingId}")
    if not state.actief:
        raise Rejection("toestemmingId", f"al-{state.status}", f"the consent is {state.status}")
    if isinstance(command, ToestemmingIntrekken):
        return [(INGETROKKEN, {**_ids(state), "ingetrokkenOp": now})]
    assert isinstance(command, ToestemmingVerlopen)
    if state.geldigTot is None or state.geldigTot > now:
        raise Rejection("geldigTot", "nog-geldig", "the consent has not expired")
    return [(VERLOPEN, {**_ids(state), "verlopenOp": state.geldigTot})]


def _verlenen(
    command: ToestemmingVerlenen,
    state: Toestemming | None,
    policy: Policy,
    now: datetime,
    actief: Actief,
) -> dict[str, Any]:
    if state is not None:
        raise Rejection("toestemmingId", "bestaat-al", f"consent {command.toestemmingId} exists")
    app = policy.app_by_id.get(command.appId)
    if app is None:
        raise Rejection("appId", "app-onbekend", f"no app {command.appId!r} in the register")
    doel = policy.doel_by_id.get(command.doelId)
    if doel is None:
        # also a purpose withdrawn from the register: no consent is given for it any more
        raise Rejection("doelId", "doel-onbekend",
                        f"no purpose {command.doelId!r} in the register (withdrawn or never "
                        f"there); ask consent for one of the app's purposes: "
                        f"{', '.join(app.doelen) or 'none'}")  # fmt: skip
    if doel.id not in app.doelen:
        raise Rejection(
            "doelId", "doel-niet-van-app", f"{doel.id!r} is not a purpose of {app.id!r}"
        )
    if doel.grondslag is not Grondslag.toestemming:
        raise Rejection(
            "doelId",
            "grondslag-niet-toestemming",
            f"{doel.id!r} rests on {doel.grondslag.value}, not on consent",
        )
    geldig_tot = millis(command.geldigTot) if command.geldigTot else None
    if geldig_tot is not None and geldig_tot <= now:
        raise Rejection("geldigTot", "in-verleden", "geldigTot must lie in the future")
    persoon = str(command.persoonId)
    if actief(persoon, app.id, doel.id):
        raise Rejection(
            "doelId", "al-actief", f"the person already consents to {app.id!r} for {doel.id!r}"
        )
    return {
        "toestemmingId": str(command.toestemmingId),
        "persoonId": persoon,
        "appId": app.id,
        "doelId": doel.id,
        "verleendOp": now,
        "geldigTot": geldig_tot,
    }


def _ids(state: Toestemming) -> dict[str, Any]:
    return {
        "toestemmingId": state.toestemmingId,
        "persoonId": state.persoonId,
        "appId": state.appId,
        "doelId": state.doelId,
    }


def millis(moment: datetime) -> datetime:
    """In UTC (a naive moment is taken as UTC), to the millisecond, as Avro carries it."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    aware = aware.astimezone(UTC)
    return aware.replace(microsecond=aware.microsecond // 1000 * 1000)
