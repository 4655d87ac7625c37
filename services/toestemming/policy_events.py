"""The register of apps and purposes as events (pure): everything on its first publication,
later only what differs from what was published before."""

from __future__ import annotations

from collections.abc import Mapping
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


def publish_policy(policy: Policy, apps: Published | None = None,
                   doelen: Published | None = None) -> Events:  # fmt: skip
    """Purposes first, so that an app never names a purpose consumers have not seen."""
    events: Events = []
    for doel in policy.doelen:
        events += _diff(doel_data(doel), (doelen or {}).get(doel.id),
                        DOEL_VASTGESTELD, DOEL_GEWIJZIGD)  # fmt: skip
    for app in policy.apps:
        before = (apps or {}).get(app.id)
        if before is not None:
            before = {**_APP_DEFAULTS, **before}
        events += _diff(app_data(app), before, APP_GEREGISTREERD, APP_GEWIJZIGD)
    return events


def _diff(data: dict[str, Any], before: Mapping[str, Any] | None, new: str, changed: str) -> Events:
    if before is None:
        return [(new, data)]
    return [] if dict(before) == data else [(changed, data)]
