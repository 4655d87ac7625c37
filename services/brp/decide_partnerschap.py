"""`decide` for entering and ending a huwelijk or geregistreerd partnerschap."""

from __future__ import annotations

import datetime

from bron.contracts import models as m
from services.brp import checks
from services.brp import commands as c
from services.brp.rejections import Rejection, Rule
from services.brp.state import Persoon


def aangaan(
    cmd: c.PartnerschapAangaan, state: Persoon, today: datetime.date, partner: Persoon | None
) -> m.PersoonPartnerschapAangegaan:
    if state.partnerschap is not None:
        raise Rejection("persoonId", Rule.partnerschap_bestaat_al, "already in a partnership")
    _partner(cmd, partner)
    datum = cmd.aangaan_huwelijk_partnerschap.datum
    checks.not_after("aangaanHuwelijkPartnerschap.datum", datum, today)
    checks.not_before_birth("aangaanHuwelijkPartnerschap.datum", datum, state.geboorte.datum)
    return {
        "persoonId": cmd.persoon_id,
        "partner": cmd.partner.record(),
        "soortVerbintenis": cmd.soort_verbintenis,
        "aangaanHuwelijkPartnerschap": cmd.aangaan_huwelijk_partnerschap.record(),
    }


def _partner(cmd: c.PartnerschapAangaan, partner: Persoon | None) -> None:
    ref = cmd.partner
    if ref.persoon_id is None:
        if ref.naam is None:
            raise _partner_verwijzing()
        checks.naam("partner.naam", ref.naam)
        return
    if ref.naam is not None or ref.geboorte is not None:
        raise _partner_verwijzing()
    checks.persoon_id("partner.persoonId", ref.persoon_id)
    if ref.persoon_id == cmd.persoon_id:
        raise Rejection("partner.persoonId", Rule.partner_is_persoon_zelf, "the person itself")
    if partner is None:
        raise Rejection("partner.persoonId", Rule.persoon_onbekend, "no person with this id")
    if partner.persoon_id != ref.persoon_id:
        raise ValueError(f"the partner's state is of {partner.persoon_id}, not {ref.persoon_id}")
    if partner.overleden:
        raise Rejection("partner.persoonId", Rule.partner_overleden, "the partner has died")
    if partner.partnerschap is not None:
        raise Rejection("partner.persoonId", Rule.partner_bestaat_al, "already in a partnership")


def _partner_verwijzing() -> Rejection:
    return Rejection(
        "partner",
        Rule.partner_verwijzing,
        "name a partner in the BRP by persoonId alone, one outside it by naam (and geboorte)",
    )


def ontbinden(
    cmd: c.PartnerschapOntbinden, state: Persoon, today: datetime.date
) -> m.PersoonPartnerschapOntbonden:
    current = state.partnerschap
    if current is None:
        raise Rejection("persoonId", Rule.geen_partnerschap, "not in a partnership")
    datum = cmd.ontbinding_huwelijk_partnerschap.datum
    checks.not_after("ontbindingHuwelijkPartnerschap.datum", datum, today)
    if datum < current.aangaan.datum:
        raise Rejection(
            "ontbindingHuwelijkPartnerschap.datum",
            Rule.ontbinding_voor_aangaan,
            f"before the partnership began ({current.aangaan.datum})",
        )
    return {
        "persoonId": cmd.persoon_id,
        "partner": current.partner.record(),
        "soortVerbintenis": current.soort_verbintenis,
        "ontbindingHuwelijkPartnerschap": cmd.ontbinding_huwelijk_partnerschap.record(),
    }
