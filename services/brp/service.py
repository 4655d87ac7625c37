"""The BRP registry's use cases: run a command (one person, or both partners of a
partnership in one transaction), read a person, search persons.

Checks that need every person live here, not in the pure domain: a BSN is used by one person
only (the `bsn` column is unique as well, so two concurrent registrations cannot both win)."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from bron.registry import rejection as registry
from bron.registry.aggregates import ConcurrentChange
from bron.registry.commands import Change, Events, Publish, execute
from bron.registry.database import Database
from services.brp.domain import (
    AddressLookup,
    BurgerservicenummerWijzigen,
    Command,
    Inschrijven,
    Partner,
    PartnerschapAangaan,
    PartnerschapOntbinden,
    Persoon,
    Rejection,
    Rule,
    Verhuizen,
    decide,
    evolve,
)
from services.brp.store import geslachtsnaam_key, lookups, personen, postcode_key

T = TypeVar("T")
Decide = Callable[[Persoon | None], Events]
_BAG_ID = re.compile(r"[0-9]{16}")


@dataclass(frozen=True, slots=True)
class Outcome:
    change: Change[Persoon]
    partner: Change[Persoon] | None = None


class BrpRegistry:
    def __init__(
        self,
        engine: Database,
        publish: Publish,
        addresses: AddressLookup,
        today: Callable[[], datetime.date],
    ) -> None:
        self.engine = engine
        self.publish = publish
        self.addresses = addresses
        self.today = today

    def execute(self, command: Command) -> Outcome:
        if isinstance(command, PartnerschapAangaan | PartnerschapOntbinden):
            return _retried(self.engine, lambda conn: self._partnerschap(conn, command))
        today, addresses = self.today(), self._asked_ahead(command)

        def decide_in(conn: Connection, state: Persoon | None) -> Events:
            events = decide(command, state, today=today, addresses=addresses)
            _check_bsn_free(conn, command)
            return events

        change = execute(
            self.engine, personen, command.persoon_id, decide_in, evolve, lookups, self.publish
        )
        return Outcome(change)

    def _partnerschap(
        self, conn: Connection, command: PartnerschapAangaan | PartnerschapOntbinden
    ) -> Outcome:
        """Both partners change in one transaction, each with its own event and sequence: the
        domain decides for one person per call, so the partner gets the mirrored command.
        Both are saved before either event is appended: the outbox append must be the
        transaction's last write, as it holds the append lock until commit."""
        today = self.today()
        own = personen.load(conn, command.persoon_id)
        partner_id = _partner_id(command, own.state if own else None)
        other = personen.load(conn, partner_id) if partner_id else None
        change = _save(
            conn,
            command.persoon_id,
            lambda state: decide(command, state, today=today, addresses=self.addresses,
                                 partner=other.state if other else None),
        )  # fmt: skip
        mirrored = _mirrored(command, other.state) if own and other else None
        partner_change = None
        if own is not None and mirrored is not None:
            before = own.state
            partner_change = _save(
                conn,
                mirrored.persoon_id,
                lambda state: decide(mirrored, state, today=today, addresses=self.addresses,
                                     partner=before),
            )  # fmt: skip
        for done in (change, partner_change):
            if done is not None and done.events:
                self.publish(conn, done.entity_id, done.first_sequence, done.events)
        return Outcome(change, partner_change)

    def _asked_ahead(self, command: Command) -> AddressLookup:
        """The BAG answer for the command's address, fetched before the transaction begins so
        that no HTTP call runs while the transaction holds its locks."""
        plaats = command.verblijfplaats if isinstance(command, Inschrijven | Verhuizen) else None
        if plaats is None or plaats.nummeraanduiding_identificatie is None:
            return self.addresses
        asked = (plaats.nummeraanduiding_identificatie, plaats.adresseerbaar_object_identificatie)
        if not all(_BAG_ID.fullmatch(i) for i in asked if i is not None):
            return self.addresses  # decide refuses the format before it asks
        answer = self.addresses.exists(*asked)
        return _Answered(asked, answer, self.addresses)

    def get(self, persoon_id: str) -> Persoon | None:
        with self.engine.connect() as conn:
            loaded = personen.load(conn, persoon_id)
        return loaded.state if loaded else None

    def related(self, persoon: Persoon) -> dict[str, Persoon]:
        """The persons in the BRP that this person's partners and parents refer to."""
        ids = {p.partner.persoon_id for p in persoon.partnerschappen}
        ids |= {o.persoon_id for o in persoon.ouders}
        with self.engine.connect() as conn:
            loaded = [personen.load(conn, i) for i in sorted(i for i in ids if i)]
        return {p.state.persoon_id: p.state for p in loaded if p is not None}

    def kinderen(self, persoon: Persoon) -> list[Persoon]:
        """The persons in the BRP that name this person as a parent, oldest first."""
        with self.engine.connect() as conn:
            ids = {*personen.find_ids(conn, ouder1=persoon.persoon_id),
                   *personen.find_ids(conn, ouder2=persoon.persoon_id)}  # fmt: skip
            loaded = [personen.load(conn, i) for i in sorted(ids)]
        found = [p.state for p in loaded if p is not None]
        return sorted(found, key=lambda k: (k.geboorte.datum or datetime.date.max, k.persoon_id))

    def find_by_bsn(self, bsn: str) -> list[Persoon]:
        return self._find(lambda _: True, bsn=bsn)

    def find_by_naam(self, geslachtsnaam: str, geboortedatum: datetime.date) -> list[Persoon]:
        key = geslachtsnaam_key(geslachtsnaam)
        return self._find(
            lambda p: p.naam.geslachtsnaam.strip().lower() == geslachtsnaam.strip().lower(),
            geslachtsnaam=key,
            geboortedatum=geboortedatum.isoformat(),
        )

    def find_by_adres(self, postcode: str, huisnummer: int) -> list[Persoon]:
        return self._find(lambda _: True, postcode=postcode_key(postcode),
                          huisnummer=str(huisnummer))  # fmt: skip

    def _find(self, keep: Callable[[Persoon], bool], **criteria: str) -> list[Persoon]:
        with self.engine.connect() as conn:
            loaded = [personen.load(conn, i) for i in personen.find_ids(conn, **criteria)]
        return [p.state for p in loaded if p is not None and keep(p.state)]


@dataclass(frozen=True, slots=True)
class _Answered:
    asked: tuple[str, str | None]
    answer: bool
    fallback: AddressLookup

    def exists(
        self, nummeraanduiding_identificatie: str, adresseerbaar_object_identificatie: str | None
    ) -> bool:
        if (nummeraanduiding_identificatie, adresseerbaar_object_identificatie) == self.asked:
            return self.answer
        return self.fallback.exists(
            nummeraanduiding_identificatie, adresseerbaar_object_identificatie
        )


def _check_bsn_free(conn: Connection, command: Command) -> None:
    if isinstance(command, Inschrijven):
        if _bsn_used_by_other(conn, command.burgerservicenummer, command.persoon_id):
            raise Rejection(
                "burgerservicenummer", Rule.persoon_bestaat_al, "another person has this BSN"
            )
    elif isinstance(command, BurgerservicenummerWijzigen) and _bsn_used_by_other(
        conn, command.nieuw_burgerservicenummer, command.persoon_id
    ):
        raise registry.Rejection(
            "nieuwBurgerservicenummer", "bsn.in-gebruik", "another person has this BSN"
        )


def _bsn_used_by_other(conn: Connection, bsn: str, persoon_id: str) -> bool:
    return any(i != persoon_id for i in personen.find_ids(conn, bsn=bsn))


def _partner_id(
    command: PartnerschapAangaan | PartnerschapOntbinden, state: Persoon | None
) -> str | None:
    if isinstance(command, PartnerschapAangaan):
        return command.partner.persoon_id
    current = state.partnerschap if state else None
    return current.partner.persoon_id if current else None


def _mirrored(
    command: PartnerschapAangaan | PartnerschapOntbinden, partner: Persoon
) -> PartnerschapAangaan | PartnerschapOntbinden | None:
    """The same command seen from the partner; None when the partner's current partnership
    is not with this person (so ending it is not this command's business)."""
    if isinstance(command, PartnerschapAangaan):
        return PartnerschapAangaan(
            persoon_id=partner.persoon_id,
            partner=Partner(persoon_id=command.persoon_id),
            soort_verbintenis=command.soort_verbintenis,
            aangaan_huwelijk_partnerschap=command.aangaan_huwelijk_partnerschap,
        )
    current = partner.partnerschap
    if current is None or current.partner.persoon_id != command.persoon_id:
        return None
    return PartnerschapOntbinden(partner.persoon_id, command.ontbinding_huwelijk_partnerschap)


def _save(conn: Connection, persoon_id: str, decide_for: Decide) -> Change[Persoon]:
    """One person's part of a transaction, as `bron.registry.commands` runs a command, but
    without the append to the outbox: the caller appends once every person is saved."""
    loaded = personen.load(conn, persoon_id)
    state = loaded.state if loaded else None
    before = loaded.version if loaded else 0
    events = decide_for(state)
    for event_type, data in events:
        state = evolve(state, event_type, data)
    if not events or state is None:
        return Change(persoon_id, state, before, [])
    version = before + len(events)
    personen.save(conn, persoon_id, state, version, loaded.version if loaded else None,
                  lookups(state))  # fmt: skip
    return Change(persoon_id, state, version, events)


def _retried(engine: Database, work: Callable[[Connection], T], attempts: int = 5) -> T:
    """One transaction, retried when another changed one of its persons first."""
    for attempt in range(1, attempts + 1):
        try:
            with engine.begin() as conn:
                return work(conn)
        except (ConcurrentChange, IntegrityError):
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")
