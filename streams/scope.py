"""Who an app may see for a purpose (pure): doelbinding and consent.

- A person with geheimhouding (`geheimhoudingPersoonsgegevens` > 0) is never shown to an app
  that is not government (`overheid: false`).
- Only residents of the municipalities that run the purpose (`gemeenten`) and, for an app
  registered from a manifest, that enabled the app (`bron apps enable`).
- A purpose resting on consent (`grondslag: toestemming`) only with an active consent of the
  person for this app and purpose: granted, not revoked, not expired (`geldigTot` in the
  future). A statutory purpose needs none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bron.policy import App, Doel
from streams.index import moment


@dataclass(frozen=True, slots=True)
class Scope:
    allowed: bool
    reason: str


def scope(persoon: dict[str, Any], app: App, doel: Doel, consent_active: bool) -> Scope:
    if persoon.get("geheimhoudingPersoonsgegevens", 0) > 0 and not app.overheid:
        return Scope(False, "geheimhouding: never shown to an app that is not government")
    gemeente = persoon.get("gemeenteVanInschrijving")
    if gemeente not in doel.gemeenten:
        return Scope(False, "not a resident of the purpose's municipalities")
    if not app.enabled_in(gemeente):
        return Scope(False, "the person's municipality has not enabled the app")
    if doel.needs_consent and not consent_active:
        return Scope(False, "the purpose rests on consent and there is no active consent")
    return Scope(True, "in scope")


def consent_active(consent: dict[str, Any], now: datetime) -> bool:
    if consent.get("status") != "verleend":
        return False
    until = consent.get("geldigTot")
    return until is None or moment(until) > moment(now)
