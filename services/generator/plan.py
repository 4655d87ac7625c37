"""`plan`: a synthetic, consistent data set as the ordered stream of registry commands that
builds it (the pure part of `bron generate --persons N`).

Household by household: the BAG objects of its address (the woonplaats and street when they
are new), the inschrijvingen with the couple's partnership and the children naming their
parents, the WOZ-object with its value and belanghebbenden, and any consents. Each command
refers only to what earlier steps created, so the steps can be sent in order.

Streaming: the state is a handful of counters plus one open street per gemeente, so memory
does not grow with `persons`, and the first step comes at once.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from services.bag.domain import Command as BagCommand
from services.brp.domain import Command as BrpCommand
from services.brp.domain import Ouder
from services.generator.commands import (
    WAARDEPEILDATUM,
    Nummers,
    bag_objecten,
    inschrijven,
    openbare_ruimte,
    partnerschap,
    toestemming,
    verblijfadres,
    woning,
    woonplaats,
    woz,
)
from services.generator.households import Households, Huishouden
from services.generator.numbers import ANummerSequence, BsnSequence, Uuids
from services.generator.places import CONSENT_RATE, CONSENTS_BY_GEMEENTE
from services.generator.streets import Addresses, Adres
from services.toestemming.domain import Command as ToestemmingCommand
from services.woz.domain import Command as WozCommand

Registry = Literal["bag", "brp", "woz", "toestemming"]
Command = BagCommand | BrpCommand | WozCommand | ToestemmingCommand
# The numbering is proven unique up to here (see tests/unit/test_generator.py).
MAX_PERSONS = 10_000_000


@dataclass(frozen=True, slots=True)
class Step:
    registry: Registry
    command: Command


def plan(persons: int, seed: int = 1, now: datetime.datetime | None = None) -> Iterator[Step]:
    """The steps that register exactly `persons` persons, in dependency order.

    Same (persons, seed, now), same steps; another seed gives other persons and numbers.
    `now` (default: the current time) is the moment of the commands: no date lies after it,
    and consents that end do so after it. A naive `now` is taken as UTC."""
    if not 0 <= persons <= MAX_PERSONS:
        raise ValueError(f"persons must be 0 up to {MAX_PERSONS}, not {persons}")
    moment = _utc(now)
    if moment.date() < WAARDEPEILDATUM:
        raise ValueError(f"now must not be before the WOZ waardepeildatum {WAARDEPEILDATUM}")
    return _Plan(seed, moment).steps(persons)


def _utc(now: datetime.datetime | None) -> datetime.datetime:
    if now is None:
        return datetime.datetime.now(datetime.UTC)
    if now.tzinfo is None:
        return now.replace(tzinfo=datetime.UTC)
    return now.astimezone(datetime.UTC)


class _Plan:
    def __init__(self, seed: int, now: datetime.datetime) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
        self.now = now
        self.addresses = Addresses(self.rng, seed)
        self.households = Households(self.rng, now.date())
        self.bsn = BsnSequence(seed)
        self.a_nummer = ANummerSequence(seed)
        self.uuids = Uuids(seed)

    def steps(self, persons: int) -> Iterator[Step]:
        left = persons
        while left > 0:
            adres = self.addresses.next()
            huishouden = self.households.next(adres.straat.gemeente, left)
            left -= huishouden.size
            yield from self._household(adres, huishouden)

    def _nummers(self) -> Nummers:
        return Nummers(self.uuids.persoon(), next(self.bsn), next(self.a_nummer))

    def _household(self, adres: Adres, h: Huishouden) -> Iterator[Step]:
        now, gemeente = self.now, adres.straat.gemeente
        if adres.nieuwe_woonplaats:
            yield Step("bag", woonplaats(gemeente, now))
        if adres.nieuwe_straat:
            yield Step("bag", openbare_ruimte(adres.straat, now))
        w = woning(self.rng, adres, h)
        for command in bag_objecten(w, now):
            yield Step("bag", command)
        adresregels = verblijfadres(adres)
        ids = []
        for lid in h.volwassenen:
            nummers = self._nummers()
            ids.append(nummers.persoon_id)
            yield Step("brp", inschrijven(lid, nummers, w, adresregels, h.inwoning))
        if h.verbintenis is not None:
            yield Step("brp", partnerschap(ids[0], ids[1], h, gemeente))
        ouders = (Ouder("ouder1", ids[0]), *(Ouder("ouder2", i) for i in ids[1:]))
        for kind in h.kinderen:
            yield Step("brp", inschrijven(kind, self._nummers(), w, adresregels, h.inwoning,
                                          ouders))  # fmt: skip
        for woz_command in woz(self.rng, w, h, ids, now):
            yield Step("woz", woz_command)
        if not CONSENTS_BY_GEMEENTE[gemeente.code]:
            return
        for persoon_id in ids:
            if self.rng.random() < CONSENT_RATE:
                consent = self.uuids.toestemming()
                yield Step("toestemming", toestemming(self.rng, consent, persoon_id, gemeente, now))
