"""Commands → events: `decide` checks a command against the person's state and returns the
events to record, each as (CloudEvents type, Avro record), or raises a `Rejection`."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, assert_never

from bron.contracts import models as m
from services.brp import checks, events
from services.brp import commands as c
from services.brp.decide_partnerschap import aangaan, ontbinden
from services.brp.ports import AddressLookup
from services.brp.rejections import Rejection, Rule
from services.brp.state import Persoon

Event = tuple[str, dict[str, Any]]


def decide(
    command: c.Command,
    state: Persoon | None,
    *,
    today: datetime.date,
    addresses: AddressLookup,
    partner: Persoon | None = None,
) -> list[Event]:
    """`partner`: the state of the partner named by `PartnerschapAangaan.partner.persoon_id`
    (None if the BRP does not know that id). Checks that need every person (a BSN that is
    already taken) belong to the service."""
    checks.persoon_id("persoonId", command.persoon_id)
    if state is not None and state.persoon_id != command.persoon_id:
        raise ValueError(f"the state is of {state.persoon_id}, not {command.persoon_id}")
    if isinstance(command, c.Inschrijven):
        if state is not None:
            raise Rejection("persoonId", Rule.persoon_bestaat_al, "already ingeschreven")
        return _one(events.INGESCHREVEN, _inschrijven(command, today, addresses))
    if state is None:
        raise Rejection("persoonId", Rule.persoon_onbekend, "no person with this persoonId")
    if isinstance(command, c.Overlijden):
        return _one(events.OVERLEDEN, _overlijden(command, state, today))
    if isinstance(command, c.GeheimhoudingWijzigen):
        return _one(events.GEHEIMHOUDING_GEWIJZIGD, _geheimhouding(command, state))
    if isinstance(command, c.BurgerservicenummerWijzigen):
        return _one(events.BURGERSERVICENUMMER_GEWIJZIGD, _bsn(command, state))
    if isinstance(command, c.PartnerschapOntbinden):
        return _one(events.PARTNERSCHAP_ONTBONDEN, ontbinden(command, state, today))
    # After a death the BRP still records its end of a partnership, geheimhouding and a BSN.
    if state.overleden:
        raise Rejection("persoonId", Rule.persoon_overleden, "the person has died")
    if isinstance(command, c.NaamWijzigen):
        return _one(events.NAAM_GEWIJZIGD, _naam(command, state))
    if isinstance(command, c.Verhuizen):
        return _one(events.VERHUISD, _verhuizen(command, state, today, addresses))
    if isinstance(command, c.PartnerschapAangaan):
        return _one(events.PARTNERSCHAP_AANGEGAAN, aangaan(command, state, today, partner))
    assert_never(command)


def _one(event_type: str, data: Mapping[str, object]) -> list[Event]:
    return [(event_type, dict(data))]


def _inschrijven(
    cmd: c.Inschrijven, today: datetime.date, addresses: AddressLookup
) -> m.PersoonIngeschreven:
    checks.bsn("burgerservicenummer", cmd.burgerservicenummer)
    checks.a_nummer("aNummer", cmd.a_nummer)
    checks.naam("naam", cmd.naam)
    checks.not_after("geboorte.datum", cmd.geboorte.datum, today)
    checks.gemeentecode("gemeenteVanInschrijving", cmd.gemeente_van_inschrijving)
    checks.not_after("datumInschrijvingInGemeente", cmd.datum_inschrijving_in_gemeente, today)
    checks.geheimhouding("geheimhoudingPersoonsgegevens", cmd.geheimhouding_persoonsgegevens)
    for i, ouder in enumerate(cmd.ouders):
        if ouder.persoon_id is not None:
            checks.persoon_id(f"ouders[{i}].persoonId", ouder.persoon_id)
    if cmd.reden == "geboorte" and cmd.immigratie is not None:
        raise Rejection("immigratie", Rule.immigratie_bij_geboorte, "only for reden immigratie")
    if cmd.verblijfplaats is not None:
        checks.verblijfplaats("verblijfplaats", cmd.verblijfplaats, today, addresses)
    return {
        "persoonId": cmd.persoon_id,
        "reden": cmd.reden,
        "burgerservicenummer": cmd.burgerservicenummer,
        "aNummer": cmd.a_nummer,
        "naam": cmd.naam.record(),
        "geboorte": cmd.geboorte.record(),
        "geslacht": cmd.geslacht,
        "nationaliteiten": [n.record() for n in cmd.nationaliteiten],
        "ouders": [o.record() for o in cmd.ouders],
        "verblijfplaats": None if cmd.verblijfplaats is None else cmd.verblijfplaats.record(),
        "gemeenteVanInschrijving": cmd.gemeente_van_inschrijving,
        "datumInschrijvingInGemeente": cmd.datum_inschrijving_in_gemeente,
        "immigratie": None if cmd.immigratie is None else cmd.immigratie.record(),
        "geheimhoudingPersoonsgegevens": cmd.geheimhouding_persoonsgegevens,
    }


def _naam(cmd: c.NaamWijzigen, state: Persoon) -> m.PersoonNaamGewijzigd:
    checks.naam("naam", cmd.naam)
    if cmd.naam == state.naam:
        raise Rejection("naam", Rule.naam_ongewijzigd, "the name is already this")
    return {
        "persoonId": cmd.persoon_id,
        "naam": cmd.naam.record(),
        "datumIngangGeldigheid": cmd.datum_ingang_geldigheid,
    }


def _verhuizen(
    cmd: c.Verhuizen, state: Persoon, today: datetime.date, addresses: AddressLookup
) -> m.PersoonVerhuisd:
    new = cmd.verblijfplaats
    checks.verblijfplaats("verblijfplaats", new, today, addresses)
    checks.gemeentecode("gemeenteVanInschrijving", cmd.gemeente_van_inschrijving)
    old = state.verblijfplaats
    if old is not None and new.datum_aanvang_adreshouding < old.datum_aanvang_adreshouding:
        raise Rejection(
            "verblijfplaats.datumAanvangAdreshouding",
            Rule.verhuizing_voor_vorige,
            f"before the current address began ({old.datum_aanvang_adreshouding})",
        )
    if old is not None and new.same_address(old):
        raise Rejection("verblijfplaats", Rule.adres_ongewijzigd, "the person already lives here")
    vorige = state.gemeente_van_inschrijving
    same_gemeente = vorige == cmd.gemeente_van_inschrijving
    return {
        "persoonId": cmd.persoon_id,
        "verblijfplaats": new.record(),
        "gemeenteVanInschrijving": cmd.gemeente_van_inschrijving,
        "vorigeGemeenteVanInschrijving": None if same_gemeente else vorige,
    }


def _overlijden(cmd: c.Overlijden, state: Persoon, today: datetime.date) -> m.PersoonOverleden:
    if state.overleden:
        raise Rejection("persoonId", Rule.al_overleden, "the death is already recorded")
    checks.not_after("overlijden.datum", cmd.overlijden.datum, today)
    checks.not_before_birth("overlijden.datum", cmd.overlijden.datum, state.geboorte.datum)
    return {"persoonId": cmd.persoon_id, "overlijden": cmd.overlijden.record()}


def _geheimhouding(cmd: c.GeheimhoudingWijzigen, state: Persoon) -> m.PersoonGeheimhoudingGewijzigd:
    field, value = "geheimhoudingPersoonsgegevens", cmd.geheimhouding_persoonsgegevens
    checks.geheimhouding(field, value)
    if value == state.geheimhouding_persoonsgegevens:
        raise Rejection(field, Rule.geheimhouding_ongewijzigd, f"it is already {value}")
    return {
        "persoonId": cmd.persoon_id,
        "geheimhoudingPersoonsgegevens": value,
        "datumIngangGeldigheid": cmd.datum_ingang_geldigheid,
    }


def _bsn(
    cmd: c.BurgerservicenummerWijzigen, state: Persoon
) -> m.PersoonBurgerservicenummerGewijzigd:
    checks.bsn("nieuwBurgerservicenummer", cmd.nieuw_burgerservicenummer)
    if cmd.nieuw_burgerservicenummer == state.burgerservicenummer:
        raise Rejection("nieuwBurgerservicenummer", Rule.bsn_ongewijzigd, "it is the current BSN")
    checks.a_nummer("nieuwANummer", cmd.nieuw_a_nummer)
    if cmd.nieuw_a_nummer is not None and cmd.nieuw_a_nummer == state.a_nummer:
        raise Rejection("nieuwANummer", Rule.a_nummer_ongewijzigd, "it is the current A-nummer")
    return {
        "persoonId": cmd.persoon_id,
        "oudBurgerservicenummer": state.burgerservicenummer,
        "nieuwBurgerservicenummer": cmd.nieuw_burgerservicenummer,
        "oudANummer": None if cmd.nieuw_a_nummer is None else state.a_nummer,
        "nieuwANummer": cmd.nieuw_a_nummer,
        "datumIngangGeldigheid": cmd.datum_ingang_geldigheid,
    }
