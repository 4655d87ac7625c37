"""The synthetic data generator (services/generator): every command it plans is accepted, in
order, by the registries' pure `decide` functions; its numbers are valid and unique (and
provably stay so up to MAX_PERSONS); the household mix, ages and dates are realistic; it is
deterministic and streams."""

from __future__ import annotations

import datetime
import functools
import itertools
import time
import tracemalloc
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest

from bron.policy import Grondslag, Policy, load_policy
from bron.registry.rejection import Rejection
from services.bag.domain import (
    BagObject,
    NummeraanduidingAanmaken,
    Objecttype,
    OpenbareRuimteAanmaken,
    PandAanmaken,
    Verblijfsobject,
    VerblijfsobjectAanmaken,
    WoonplaatsAanmaken,
    is_end,
)
from services.bag.domain import Command as BagCommand
from services.bag.domain import decide as bag_decide
from services.bag.domain import evolve as bag_evolve
from services.brp.bsn import is_valid_a_nummer, is_valid_bsn
from services.brp.domain import (
    Event,
    Inschrijven,
    KnownAddresses,
    Partner,
    PartnerschapAangaan,
    Persoon,
)
from services.brp.domain import decide as brp_decide
from services.brp.domain import evolve as brp_evolve
from services.generator import Step, plan
from services.generator.names import STREET_NAMES
from services.generator.places import (
    CONSENT_PURPOSES,
    GEMEENTEN,
    address_capacity,
    max_streets,
)
from services.generator.plan import MAX_PERSONS
from services.toestemming.domain import Command as ToestemmingCommand
from services.toestemming.domain import Toestemming, ToestemmingVerlenen
from services.toestemming.domain import decide as toestemming_decide
from services.toestemming.domain import evolve as toestemming_evolve
from services.woz.domain import (
    BelanghebbendeWijzigen,
    WaardeVaststellen,
    WozObject,
    WozObjectAanmaken,
)
from services.woz.domain import Command as WozCommand
from services.woz.domain import decide as woz_decide
from services.woz.domain import evolve as woz_evolve

NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)
TODAY = NOW.date()
TYPECODES = {"verblijfsobject": "01", "pand": "10", "nummeraanduiding": "20",
             "openbare-ruimte": "30"}  # fmt: skip
POLICY_GEMEENTEN = ("0363", "0518", "0599")
YEAR = 365.2425
BagAanmaken = (
    WoonplaatsAanmaken
    | OpenbareRuimteAanmaken
    | NummeraanduidingAanmaken
    | VerblijfsobjectAanmaken
    | PandAanmaken
)
T = TypeVar("T")


@functools.cache
def steps(persons: int, seed: int = 1) -> tuple[Step, ...]:
    return tuple(plan(persons, seed, NOW))


def commands(of: Iterable[Step], kind: type[T]) -> list[T]:
    return [s.command for s in of if isinstance(s.command, kind)]


def created(of: Iterable[Step]) -> list[BagAanmaken]:
    return [s.command for s in of if isinstance(s.command, BagAanmaken)]


def years_between(earlier: datetime.date, later: datetime.date) -> float:
    return (later - earlier).days / YEAR


@dataclass
class Registries:
    """The four registries in memory, fed as their services feed `decide`."""

    policy: Policy
    bag: dict[tuple[str, str], BagObject] = field(default_factory=dict)
    adressen: dict[str, str] = field(default_factory=dict)
    personen: dict[str, Persoon] = field(default_factory=dict)
    woz: dict[str, WozObject] = field(default_factory=dict)
    toestemmingen: dict[str, Toestemming] = field(default_factory=dict)
    rejections: list[tuple[Step, Rejection]] = field(default_factory=list)

    def exists(self, objecttype: Objecttype, identificatie: str) -> bool:
        state = self.bag.get((objecttype, identificatie))
        return state is not None and not is_end(objecttype, state.status)

    def verblijfsobject_exists(self, identificatie: str) -> bool:
        return self.exists("verblijfsobject", identificatie)

    def actief(self, persoon: str, app: str, doel: str) -> bool:
        return any(
            (t.persoonId, t.appId, t.doelId) == (persoon, app, doel) and t.actief
            for t in self.toestemmingen.values()
        )

    def run(self, step: Step) -> None:
        try:
            self._run(step)
        except Rejection as rejection:
            self.rejections.append((step, rejection))

    def _run(self, step: Step) -> None:
        command = step.command
        if isinstance(command, BagCommand):
            key = (command.objecttype, command.identificatie)
            state = self.bag.get(key)
            for event_type, data in bag_decide(command, state, self):
                state = bag_evolve(state, event_type, data)
            assert state is not None
            self.bag[key] = state
            if isinstance(state, Verblijfsobject):
                self.adressen[state.heeftAlsHoofdadres] = state.identificatie
        elif isinstance(command, PartnerschapAangaan):
            self._partnerschap(command)
        elif isinstance(command, WozCommand):
            woz_state = self.woz.get(command.wozObjectnummer)
            for event_type, data in woz_decide(command, woz_state, self):
                woz_state = woz_evolve(woz_state, event_type, data)
            assert woz_state is not None
            self.woz[command.wozObjectnummer] = woz_state
        elif isinstance(command, ToestemmingCommand):
            key_t = str(command.toestemmingId)
            t_state = self.toestemmingen.get(key_t)
            for event_type, data in toestemming_decide(
                command, t_state, policy=self.policy, now=NOW, actief=self.actief
            ):
                t_state = toestemming_evolve(t_state, event_type, data)
            assert t_state is not None
            self.toestemmingen[key_t] = t_state
        else:
            state_p = self.personen.get(command.persoon_id)
            decided = brp_decide(command, state_p, today=TODAY, addresses=self.addresses)
            self.personen[command.persoon_id] = self._fold(state_p, decided)

    @property
    def addresses(self) -> KnownAddresses:
        return KnownAddresses(self.adressen)

    def _partnerschap(self, command: PartnerschapAangaan) -> None:
        """As BrpRegistry._partnerschap: decide for the person, then the mirrored command for
        the partner against the person's state before; save both."""
        own = self.personen.get(command.persoon_id)
        assert command.partner.persoon_id is not None
        other = self.personen.get(command.partner.persoon_id)
        decided = brp_decide(command, own, today=TODAY, addresses=self.addresses, partner=other)
        assert own is not None
        assert other is not None
        mirrored = PartnerschapAangaan(
            persoon_id=other.persoon_id,
            partner=Partner(persoon_id=command.persoon_id),
            soort_verbintenis=command.soort_verbintenis,
            aangaan_huwelijk_partnerschap=command.aangaan_huwelijk_partnerschap,
        )
        mirrored_events = brp_decide(
            mirrored, other, today=TODAY, addresses=self.addresses, partner=own
        )
        self.personen[own.persoon_id] = self._fold(own, decided)
        self.personen[other.persoon_id] = self._fold(other, mirrored_events)

    @staticmethod
    def _fold(state: Persoon | None, events: list[Event]) -> Persoon:
        for event_type, data in events:
            state = brp_evolve(state, event_type, data)
        assert state is not None
        return state


def test_every_planned_command_is_accepted_in_order() -> None:
    registries = Registries(load_policy())
    planned = steps(3000)
    for step in planned:
        registries.run(step)
    shown = [f"{s.registry} {type(s.command).__name__}: {r}" for s, r in registries.rejections]
    assert shown[:5] == []
    assert len(registries.personen) == 3000
    assert {s.registry for s in planned} == {"bag", "brp", "woz", "toestemming"}
    married = [p for p in registries.personen.values() if p.partnerschap is not None]
    assert len(married) == 2 * len(commands(planned, PartnerschapAangaan)) > 0
    assert len(registries.toestemmingen) == len(commands(planned, ToestemmingVerlenen)) > 0


@pytest.mark.parametrize("persons", [0, 1, 2, 3, 4, 5, 7, 3000])
def test_exactly_the_persons_asked_for_are_registered(persons: int) -> None:
    assert len(commands(steps(persons), Inschrijven)) == persons


def test_person_numbers_are_valid_and_unique() -> None:
    inschrijvingen = commands(steps(20000), Inschrijven)
    bsns = [i.burgerservicenummer for i in inschrijvingen]
    a_nummers = [i.a_nummer or "" for i in inschrijvingen]
    ids = [i.persoon_id for i in inschrijvingen]
    assert all(map(is_valid_bsn, bsns))
    assert len(set(bsns)) == len(bsns)
    assert all(map(is_valid_a_nummer, a_nummers))
    assert len(set(a_nummers)) == len(a_nummers)
    assert not any(b.startswith("9") for b in bsns)  # never the RvIG test persons' range
    assert len(set(ids)) == len(ids)
    assert all(str(uuid.UUID(i)) == i for i in ids)


def test_bag_ids_are_unique_and_well_formed() -> None:
    objects = created(steps(20000))
    ids = [c.identificatie for c in objects]
    assert len(set(ids)) == len(ids)
    for command in objects:
        identificatie, objecttype = command.identificatie, command.objecttype
        if objecttype == "woonplaats":
            assert len(identificatie) == 4
            assert identificatie.isdigit()
            continue
        assert len(identificatie) == 16
        assert identificatie.isdigit()
        assert identificatie[4:6] == TYPECODES[objecttype]
        assert identificatie[:4] == command.gemeentecode


def test_every_reference_points_to_an_earlier_step() -> None:
    persons: set[str] = set()
    bag_ids: set[str] = set()
    for step in steps(3000):
        c = step.command
        if isinstance(c, NummeraanduidingAanmaken):
            assert c.ligtAan in bag_ids
        elif isinstance(c, OpenbareRuimteAanmaken):
            assert c.ligtIn in bag_ids
        elif isinstance(c, VerblijfsobjectAanmaken):
            assert c.heeftAlsHoofdadres in bag_ids
            assert set(c.maaktDeelUitVan) <= bag_ids
        elif isinstance(c, Inschrijven):
            assert c.verblijfplaats is not None
            assert c.verblijfplaats.nummeraanduiding_identificatie in bag_ids
            assert c.verblijfplaats.adresseerbaar_object_identificatie in bag_ids
            assert all(o.persoon_id in persons for o in c.ouders)
            persons.add(c.persoon_id)
        elif isinstance(c, PartnerschapAangaan):
            assert c.persoon_id in persons
            assert c.partner.persoon_id in persons
        elif isinstance(c, WozObjectAanmaken):
            assert set(c.verblijfsobjectIdentificaties) <= bag_ids
        elif isinstance(c, BelanghebbendeWijzigen):
            assert c.persoonId in persons
        elif isinstance(c, ToestemmingVerlenen):
            assert str(c.persoonId) in persons
        if isinstance(c, BagAanmaken):
            bag_ids.add(c.identificatie)


def test_the_same_arguments_give_the_same_steps() -> None:
    assert tuple(plan(2000, 5, NOW)) == tuple(plan(2000, 5, NOW))


def test_another_seed_gives_other_persons() -> None:
    one = {i.burgerservicenummer for i in commands(steps(3000, 1), Inschrijven)}
    two = {i.burgerservicenummer for i in commands(steps(3000, 2), Inschrijven)}
    assert len(one & two) < 30
    ids = {i.persoon_id for i in commands(steps(3000, 2), Inschrijven)}
    assert not ids & {i.persoon_id for i in commands(steps(3000, 1), Inschrijven)}


def households(of: Iterable[Step]) -> dict[str, list[Inschrijven]]:
    by_address: dict[str, list[Inschrijven]] = defaultdict(list)
    for i in commands(of, Inschrijven):
        assert i.verblijfplaats is not None
        by_address[i.verblijfplaats.adresseerbaar_object_identificatie or ""].append(i)
    return by_address


def test_the_household_mix_is_realistic() -> None:
    kinds: Counter[str] = Counter()
    for members in households(steps(20000)).values():
        adults = sum(1 for m in members if not m.ouders)
        children = len(members) - adults
        kind = {(1, 0): "alleenstaand", (2, 0): "paar"}.get((adults, children))
        if kind is None:
            assert (adults == 2 and 1 <= children <= 3) or (adults == 1 and children <= 2)
            kind = "gezin" if adults == 2 else "eenoudergezin"
        kinds[kind] += 1
    total = sum(kinds.values())
    expected = {"alleenstaand": 0.35, "paar": 0.30, "gezin": 0.25, "eenoudergezin": 0.10}
    for kind, share in expected.items():
        assert abs(kinds[kind] / total - share) < 0.03, (kind, kinds[kind] / total)


def test_ages_and_dates_fit_together() -> None:
    planned = steps(20000)
    by_id = {i.persoon_id: i for i in commands(planned, Inschrijven)}
    aangaan = {}
    for p in commands(planned, PartnerschapAangaan):
        assert p.partner.persoon_id is not None
        datum = p.aangaan_huwelijk_partnerschap.datum
        aangaan[p.persoon_id] = aangaan[p.partner.persoon_id] = datum
        for partner in (p.persoon_id, p.partner.persoon_id):
            born = by_id[partner].geboorte.datum
            assert born is not None
            assert years_between(born, datum) >= 18
        assert datum <= TODAY
    for person in by_id.values():
        born = person.geboorte.datum
        assert born is not None
        assert 0 <= years_between(born, TODAY) < 100
        assert person.verblijfplaats is not None
        assert born <= person.verblijfplaats.datum_aanvang_adreshouding <= TODAY
        if person.immigratie is not None:
            vestiging = person.immigratie.datum_vestiging_in_nederland
            assert vestiging is not None
            assert born < vestiging
            assert vestiging <= person.datum_inschrijving_in_gemeente
        if not person.ouders:
            assert years_between(born, TODAY) >= 18
        for ouder in person.ouders:
            assert ouder.persoon_id is not None
            parent = by_id[ouder.persoon_id].geboorte.datum
            assert parent is not None
            assert 20 <= years_between(parent, born) <= 45
            if ouder.persoon_id in aangaan:
                assert aangaan[ouder.persoon_id] <= born
    geheim = sum(1 for p in by_id.values() if p.geheimhouding_persoonsgegevens > 0)
    assert 0.005 < geheim / len(by_id) < 0.016


def test_streets_have_their_own_postcodes() -> None:
    nummeraanduidingen = commands(steps(20000), NummeraanduidingAanmaken)
    street_of: dict[str, str] = {}
    per_street: Counter[str] = Counter()
    for n in nummeraanduidingen:
        assert n.postcode is not None
        assert street_of.setdefault(n.postcode, n.ligtAan) == n.ligtAan
        per_street[n.ligtAan] += 1
    digits: dict[str, set[str]] = defaultdict(set)
    for postcode, street in street_of.items():
        digits[street].add(postcode[:4])
    assert all(len(d) == 1 for d in digits.values())
    assert max(Counter(n.postcode for n in nummeraanduidingen).values()) <= 20
    keys = [(n.postcode, n.huisnummer, n.huisletter) for n in nummeraanduidingen]
    assert len(set(keys)) == len(keys)
    assert max(per_street.values()) <= 300
    assert sorted(per_street.values())[len(per_street) // 2] >= 100  # most streets are full


def test_the_policy_gemeenten_have_residents() -> None:
    for persons in (20, 3000):
        gemeenten = {i.gemeente_van_inschrijving for i in commands(steps(persons), Inschrijven)}
        assert set(POLICY_GEMEENTEN) <= gemeenten


def test_the_consent_purposes_are_those_of_the_policy() -> None:
    policy = load_policy()
    expected = {
        (app.id, doel.id, doel.gemeenten)
        for doel in policy.doelen
        if doel.grondslag is Grondslag.toestemming
        for app in policy.apps
        if doel.id in app.doelen
    }
    assert {(p.app_id, p.doel_id, p.gemeenten) for p in CONSENT_PURPOSES} == expected


def test_about_five_percent_of_adults_consent() -> None:
    planned = steps(20000)
    policy = load_policy()
    by_id = {i.persoon_id: i for i in commands(planned, Inschrijven)}
    adults = sum(1 for i in by_id.values() if not i.ouders)
    consents = commands(planned, ToestemmingVerlenen)
    assert 0.035 < len(consents) / adults < 0.065
    for consent in consents:
        doel = policy.purpose_of(consent.appId, consent.doelId)
        assert doel.needs_consent
        assert by_id[str(consent.persoonId)].gemeente_van_inschrijving in doel.gemeenten
        assert consent.geldigTot is None or consent.geldigTot > NOW
    ending = sum(1 for c in consents if c.geldigTot is not None)
    assert 0 < ending < len(consents)


def test_every_verblijfsobject_has_a_woz_object_with_a_2025_value() -> None:
    planned = steps(20000)
    objecten = commands(planned, WozObjectAanmaken)
    vbos = [v.identificatie for v in commands(planned, VerblijfsobjectAanmaken)]
    assert sorted(i for o in objecten for i in o.verblijfsobjectIdentificaties) == sorted(vbos)
    assert len({o.wozObjectnummer for o in objecten}) == len(objecten)
    waarden = commands(planned, WaardeVaststellen)
    assert len(waarden) == len(objecten)
    assert {(w.waardepeildatum, w.belastingjaar) for w in waarden} == {
        (datetime.date(2025, 1, 1), 2026)
    }
    assert all(60_000 <= w.vastgesteldeWaarde <= 3_000_000 for w in waarden)
    soorten = Counter(b.soort for b in commands(planned, BelanghebbendeWijzigen))
    assert soorten["eigenaar"] == len(objecten)
    assert 0.25 < soorten["gebruiker"] / len(objecten) < 0.35


def test_the_first_step_comes_at_once_and_memory_stays_flat() -> None:
    started = time.perf_counter()
    first = next(plan(1_000_000, 1, NOW))
    assert time.perf_counter() - started < 0.5
    assert first.registry == "bag"
    # After a warm-up (every gemeente has its woonplaats and a street), 30 000 more steps
    # (about 12 000 persons) must not add memory: a set of issued numbers would add ~1 MB.
    stream = plan(1_000_000, 1, NOW)
    for _ in itertools.islice(stream, 10_000):
        pass
    tracemalloc.start()
    try:
        for _ in itertools.islice(stream, 2_000):
            pass
        before = tracemalloc.get_traced_memory()[0]
        for _ in itertools.islice(stream, 30_000):
            pass
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert grown < 100_000


def test_the_numbering_has_room_for_max_persons() -> None:
    """Uniqueness is by construction; these are the capacities that construction relies on."""
    assert address_capacity() >= MAX_PERSONS  # one address per household at most
    assert all(max_streets(g) <= STREET_NAMES for g in GEMEENTEN)
    assert _bsn_prefixes_with_a_check_digit() >= MAX_PERSONS
    assert _a_nummer_prefixes_with_a_completion() >= MAX_PERSONS


def _bsn_prefixes_with_a_check_digit() -> int:
    """8-digit prefixes 10000000-89999999 whose weighted sum mod 11 is not 10."""
    counts = Counter({(d * 9) % 11: 1 for d in range(1, 9)})
    for weight in (8, 7, 6, 5, 4, 3, 2):
        step: Counter[int] = Counter()
        for s, n in counts.items():
            for d in range(10):
                step[(s + weight * d) % 11] += n
        counts = step
    return sum(n for s, n in counts.items() if s != 10)


def _a_nummer_prefixes_with_a_completion() -> int:
    """8-digit prefixes (no leading zero, no equal neighbours) that two more digits complete to
    a valid A-nummer: counted by digit sum, weighted sum (mod 11) and last digit."""
    weights = [pow(2, i, 11) for i in range(10)]
    counts = Counter({(d % 11, d % 11, d): 1 for d in range(1, 10)})
    for position in range(1, 8):
        step: Counter[tuple[int, int, int]] = Counter()
        for (s, w, last), n in counts.items():
            for d in range(10):
                if d != last:
                    step[((s + d) % 11, (w + weights[position] * d) % 11, d)] += n
        counts = step

    def completes(s: int, w: int, last: int) -> bool:
        return any(
            a != last
            and b != a
            and (s + a + b) % 11 in (0, 5)
            and (w + weights[8] * a + weights[9] * b) % 11 == 0
            for a in range(10)
            for b in range(10)
        )

    return sum(n for key, n in counts.items() if completes(*key))


def test_arguments_out_of_range_are_refused_at_once() -> None:
    with pytest.raises(ValueError, match="persons"):
        plan(-1)
    with pytest.raises(ValueError, match="persons"):
        plan(MAX_PERSONS + 1)
    with pytest.raises(ValueError, match="waardepeildatum"):
        plan(10, now=datetime.datetime(2024, 6, 1, tzinfo=datetime.UTC))


def test_generation_rate(capsys: pytest.CaptureFixture[str]) -> None:
    """Measured, not asserted: the pure generation rate of plan(200_000)."""
    started = time.perf_counter()
    count = sum(1 for _ in plan(200_000, 1, NOW))
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nplan(200_000): {count} steps in {elapsed:.1f} s = {count / elapsed:,.0f} steps/s")


def test_the_loader_closes_everything_when_a_relay_does_not_stop(tmp_path: Path) -> None:
    """Found by the scale run: a relay that timed out stopping left the other relays running
    and every engine open."""
    from sqlalchemy import event

    from bron.settings import load_settings
    from services.importer.generate import Loader

    loader = Loader(load_settings(data_dir=tmp_path, schema_registry_url="http://127.0.0.1:9"))
    stopped: list[str] = []

    class Relay:
        def __init__(self, name: str, fails: bool) -> None:
            self.name, self.fails = name, fails

        def stop(self) -> None:
            stopped.append(self.name)
            if self.fails:
                raise TimeoutError(f"{self.name} did not stop")

    disposed: list[str] = []
    for name, runtime in loader.runtimes.items():
        event.listen(runtime.engine, "engine_disposed", lambda _e, n=name: disposed.append(n))
    relays = [Relay("bag", False), Relay("brp", True), Relay("woz", False)]
    loader.relays.extend(relays)  # type: ignore[arg-type]
    with pytest.raises(TimeoutError, match="brp"):
        loader.close()
    assert sorted(stopped) == ["bag", "brp", "woz"]
    assert sorted(disposed) == sorted(loader.runtimes)
