"""The CloudEvents types of the BRP's events (their contracts: `schemas/avro/brp/`)."""

from __future__ import annotations

from typing import Final

INGESCHREVEN: Final = "nl.brp.persoon-ingeschreven.v1"
NAAM_GEWIJZIGD: Final = "nl.brp.persoon-naam-gewijzigd.v1"
VERHUISD: Final = "nl.brp.persoon-verhuisd.v1"
PARTNERSCHAP_AANGEGAAN: Final = "nl.brp.persoon-partnerschap-aangegaan.v1"
PARTNERSCHAP_ONTBONDEN: Final = "nl.brp.persoon-partnerschap-ontbonden.v1"
OVERLEDEN: Final = "nl.brp.persoon-overleden.v1"
GEHEIMHOUDING_GEWIJZIGD: Final = "nl.brp.persoon-geheimhouding-gewijzigd.v1"
BURGERSERVICENUMMER_GEWIJZIGD: Final = "nl.brp.persoon-burgerservicenummer-gewijzigd.v1"

ALL: Final = (
    INGESCHREVEN,
    NAAM_GEWIJZIGD,
    VERHUISD,
    PARTNERSCHAP_AANGEGAAN,
    PARTNERSCHAP_ONTBONDEN,
    OVERLEDEN,
    GEHEIMHOUDING_GEWIJZIGD,
    BURGERSERVICENUMMER_GEWIJZIGD,
)
