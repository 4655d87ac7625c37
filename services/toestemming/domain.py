"""The consent register's pure domain: commands, state, decide + evolve, policy events."""

from services.toestemming.commands import (
    Command,
    ToestemmingIntrekken,
    ToestemmingVerlenen,
    ToestemmingVerlopen,
)
from services.toestemming.decide import Actief, decide, millis
from services.toestemming.policy_events import Published, app_data, doel_data, publish_policy
from services.toestemming.state import (
    APP_EVENTS,
    APP_GEREGISTREERD,
    APP_GEWIJZIGD,
    DOEL_EVENTS,
    DOEL_GEWIJZIGD,
    DOEL_VASTGESTELD,
    INGETROKKEN,
    VERLEEND,
    VERLOPEN,
    Events,
    Gepubliceerd,
    Toestemming,
    evolve,
)

__all__ = [
    "APP_EVENTS",
    "APP_GEREGISTREERD",
    "APP_GEWIJZIGD",
    "DOEL_EVENTS",
    "DOEL_GEWIJZIGD",
    "DOEL_VASTGESTELD",
    "INGETROKKEN",
    "VERLEEND",
    "VERLOPEN",
    "Actief",
    "Command",
    "Events",
    "Gepubliceerd",
    "Published",
    "Toestemming",
    "ToestemmingIntrekken",
    "ToestemmingVerlenen",
    "ToestemmingVerlopen",
    "app_data",
    "decide",
    "doel_data",
    "evolve",
    "millis",
    "publish_policy",
]
