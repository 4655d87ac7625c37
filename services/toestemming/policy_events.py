"""The register of apps and purposes as events (pure): everything on its first publication,
later only what differs from what was published before.

An app is withdrawn (taken out of the register as a whole) by the same event as any change,
`app-gewijzigd` with its data but no purposes, municipalities, browser origins or registered
operations: the stream workers delete every view of it and tombstone its topic, the gateway
refuses it (it has no purpose) and its origins (CORS), its subscriptions end, its webhook
subscriptions are deleted, and a consent for it is refused. Its row stays, so that the
processing log and a returning app still find it.

A purpose removed from the file is withdrawn the same way, once: `doel-gewijzigd` with its data
but no municipalities and no fields (`withdrawn_doel`). A purpose of the file always has a
municipality, so the marker is unambiguous: every reader of the register leaves the purpose out
(`streams.projector.current_doelen`), so the apps that name it (of a manifest too) lose it, their
views of it are deleted and the gateway refuses it. Put back in the file, it is published again
as a change."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from bron.policy import App, Doel, Policy
from services.toestemming.state import (
    APP_GEREGISTREERD,
    APP_GEWIJZIGD,
    DOEL_GEWIJZIGD,
    DOEL_VASTGESTELD,
    Events,
)

Published = Mapping[str, Mapping[str, Any]]
# An app's fields added to the contract later, with their Avro defaults: an app published
# before a field existed compares as if published with the default, so adding the field
# republishes only the apps that set it.
_APP_DEFAULTS: dict[str, Any] = {
    "origins": [],
    "versie": None,
    "contact": None,
    "gemeenten": None,
    "operaties": [],
}


def app_data(app: App) -> dict[str, Any]:
    return {
        "appId": app.id,
        "naam": app.naam,
        "omschrijving": app.omschrijving,
        "organisatie": app.organisatie,
        "overheid": app.overheid,
        "doelen": list(app.doelen),
        "origins": list(app.origins),
        "versie": app.versie,
        "contact": app.contact,
        "gemeenten": None if app.gemeenten is None else list(app.gemeenten),
        "operaties": list(app.operaties),
    }


def doel_data(doel: Doel) -> dict[str, Any]:
    return {
        "doelId": doel.id,
        "naam": doel.naam,
        "omschrijving": doel.omschrijving,
        "grondslag": doel.grondslag.value,
        "wettelijkeBasis": doel.wettelijkeBasis,
        "gemeenten": list(doel.gemeenten),
        "velden": {entity: list(paths) for entity, paths in doel.velden.items()},
    }


def withdrawn(data: Mapping[str, Any]) -> dict[str, Any]:
    """An app's data once withdrawn: as it was published, without purposes or municipalities,
    and without origins or operations, so that every reader of the register (the gateway's
    CORS and persisted operations too) takes it for nothing without knowing of withdrawals."""
    return {**_APP_DEFAULTS, **data, "doelen": [], "gemeenten": [], "origins": [], "operaties": []}


def is_withdrawn(data: Mapping[str, Any]) -> bool:
    """No purposes and enabled nowhere: an app registered from a manifest always has a purpose,
    and an app of the file is published with `gemeenten` null."""
    return not data.get("doelen") and data.get("gemeenten") == []


def withdrawn_doel(data: Mapping[str, Any]) -> dict[str, Any]:
    """A purpose's data once withdrawn: as it was published, in no municipality and with no
    fields (`bron.policy.is_withdrawn_doel`), so that a reader that missed the marker still
    gives it nobody and nothing."""
    return {**data, "gemeenten": [], "velden": {}}


def publish_policy(policy: Policy, apps: Published | None = None,
                   doelen: Published | None = None,
                   from_file: Collection[str] = ()) -> Events:  # fmt: skip
    """Purposes first, so that an app never names a purpose consumers have not seen, then
    the withdrawal of each published purpose that is no longer in the file (every purpose comes
    from the file): once, as a withdrawn purpose compares equal to its withdrawal. Then the
    file's apps, then the withdrawal of each app in `from_file` (the published apps the file
    published, never those of a manifest) that is no longer in the file: once likewise (one
    withdrawn before origins and operations were dropped is withdrawn again, once)."""
    events: Events = []
    for doel in policy.doelen:
        events += _diff(doel_data(doel), (doelen or {}).get(doel.id),
                        DOEL_VASTGESTELD, DOEL_GEWIJZIGD)  # fmt: skip
    for doel_id in sorted(set(doelen or {}) - set(policy.doel_by_id)):
        last = (doelen or {})[doel_id]
        events += _diff(withdrawn_doel(last), last, DOEL_VASTGESTELD, DOEL_GEWIJZIGD)
    for app in policy.apps:
        events += _diff(app_data(app), as_published((apps or {}).get(app.id)),
                        APP_GEREGISTREERD, APP_GEWIJZIGD)  # fmt: skip
    for app_id in sorted(set(from_file) - set(policy.app_by_id)):
        before = as_published((apps or {}).get(app_id))
        if before is not None:
            events += _diff(withdrawn(before), before, APP_GEREGISTREERD, APP_GEWIJZIGD)
    return events


def as_published(before: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """An app's data as last published, with the defaults of the fields added since."""
    return None if before is None else {**_APP_DEFAULTS, **before}


def _diff(data: dict[str, Any], before: Mapping[str, Any] | None, new: str, changed: str) -> Events:
    if before is None:
        return [(new, data)]
    return [] if dict(before) == data else [(changed, data)]
