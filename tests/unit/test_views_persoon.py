"""The core's person renderer (`bron.views.persoon`) shows every person exactly as the BRP
registry does: the RvIG test set runs through the pure BRP domain (decide + evolve), its
events are also folded into plain record dicts, and both renderings must be equal, with
partners, parents, children and deaths, and again after a JSON round trip of the records."""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from bron.views import persoon as view
from services.brp import bodies, events, representation
from services.brp.domain import (
    Aangaan,
    Command,
    Geboorte,
    GeheimhoudingWijzigen,
    Naam,
    NaamWijzigen,
    Ontbinding,
    Partner,
    PartnerschapAangaan,
    PartnerschapOntbinden,
    Persoon,
    Verblijfadres,
    Verblijfplaats,
    Verhuizen,
    decide,
    evolve,
)
from services.brp.domain import BurgerservicenummerWijzigen as BsnWijzigen
from services.brp.testset import TESTSET, read_testset
from services.importer.rvig import Call, plan

TODAY = datetime.date(2024, 6, 1)
NOW = datetime.datetime(2024, 6, 1, 12, tzinfo=datetime.UTC)
Record = dict[str, Any]


def fold(record: Record | None, event_type: str, data: Mapping[str, Any]) -> Record:
    """The events as plain dict updates: what a stream processor keeps per person."""
    if event_type == events.INGESCHREVEN:
        assert record is None
        return {**data, "partnerschappen": [], "overlijden": None}
    assert record is not None
    if event_type == events.NAAM_GEWIJZIGD:
        return {**record, "naam": data["naam"]}
    if event_type == events.VERHUISD:
        moved = data["vorigeGemeenteVanInschrijving"] is not None
        datum = data["verblijfplaats"]["datumAanvangAdreshouding"]
        return {**record, "verblijfplaats": data["verblijfplaats"],
                "gemeenteVanInschrijving": data["gemeenteVanInschrijving"],
                "datumInschrijvingInGemeente": datum if moved
                else record["datumInschrijvingInGemeente"]}  # fmt: skip
    if event_type == events.PARTNERSCHAP_AANGEGAAN:
        new = {key: data[key] for key in ("partner", "soortVerbintenis",
                                          "aangaanHuwelijkPartnerschap")}  # fmt: skip
        entered = [*record["partnerschappen"], {**new, "ontbindingHuwelijkPartnerschap": None}]
        return {**record, "partnerschappen": entered}
    if event_type == events.PARTNERSCHAP_ONTBONDEN:
        ended = data["ontbindingHuwelijkPartnerschap"]
        current = [p["ontbindingHuwelijkPartnerschap"] is None for p in record["partnerschappen"]]
        index = current.index(True)
        partnerschappen = list(record["partnerschappen"])
        partnerschappen[index] = {**partnerschappen[index], "ontbindingHuwelijkPartnerschap": ended}
        return {**record, "partnerschappen": partnerschappen}
    if event_type == events.OVERLEDEN:
        return {**record, "overlijden": data["overlijden"]}
    if event_type == events.GEHEIMHOUDING_GEWIJZIGD:
        return {**record, "geheimhoudingPersoonsgegevens": data["geheimhoudingPersoonsgegevens"]}
    if event_type == events.BURGERSERVICENUMMER_GEWIJZIGD:
        return {**record, "burgerservicenummer": data["nieuwBurgerservicenummer"],
                "aNummer": data["nieuwANummer"] or record["aNummer"]}  # fmt: skip
    raise AssertionError(event_type)


@dataclass(frozen=True)
class BagCalls:
    """The BAG as the plan fills it: a verblijfsobject with its hoofdadres. (`KnownAddresses`
    holds one object per nummeraanduiding; in the set two objects share a hoofdadres.)"""

    adressen: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, calls: list[Call]) -> BagCalls:
        return cls(frozenset((c.body["heeftAlsHoofdadres"], c.body["identificatie"])
                             for c in calls if c.path == "/verblijfsobjecten"))  # fmt: skip

    def exists(
        self, nummeraanduiding_identificatie: str, adresseerbaar_object_identificatie: str | None
    ) -> bool:
        return any(n == nummeraanduiding_identificatie
                   and adresseerbaar_object_identificatie in (None, a)
                   for n, a in self.adressen)  # fmt: skip


@dataclass
class World:
    """Every person twice: the BRP's `Persoon` state and the folded record of its events."""

    addresses: BagCalls
    states: dict[str, Persoon] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def run(self, command: Command) -> None:
        """As the registry runs a command: a partnership changes both partners."""
        own = self.states.get(command.persoon_id)
        if isinstance(command, PartnerschapAangaan) and command.partner.persoon_id:
            partner_id: str | None = command.partner.persoon_id
        elif isinstance(command, PartnerschapOntbinden) and own and own.partnerschap:
            partner_id = own.partnerschap.partner.persoon_id
        else:
            partner_id = None
        other = self.states.get(partner_id) if partner_id else None
        self._decide(command, other)
        if own is None or other is None:
            return
        mirrored: Command = (
            PartnerschapAangaan(other.persoon_id, Partner(command.persoon_id),
                                command.soort_verbintenis, command.aangaan_huwelijk_partnerschap)
            if isinstance(command, PartnerschapAangaan)
            else PartnerschapOntbinden(other.persoon_id, command.ontbinding_huwelijk_partnerschap)
            if isinstance(command, PartnerschapOntbinden)
            else command
        )  # fmt: skip
        self._decide(mirrored, own)

    def _decide(self, command: Command, partner: Persoon | None) -> None:
        pid = command.persoon_id
        found = decide(command, self.states.get(pid), today=TODAY, addresses=self.addresses,
                       partner=partner)  # fmt: skip
        for event_type, data in found:
            self.states[pid] = evolve(self.states.get(pid), event_type, data)
            self.records[pid] = fold(self.records.get(pid), event_type, data)
            self.counts[event_type] = self.counts.get(event_type, 0) + 1

    def related(self, pid: str) -> list[str]:
        p = self.states[pid]
        ids = {ps.partner.persoon_id for ps in p.partnerschappen} | {o.persoon_id for o in p.ouders}
        return sorted(i for i in ids if i in self.states)

    def kinderen(self, pid: str) -> list[str]:
        """Oldest first, as the registry answers them."""
        found = [k for k in self.states.values() if pid in {o.persoon_id for o in k.ouders}]
        found.sort(key=lambda k: (k.geboorte.datum or datetime.date.max, k.persoon_id))
        return [k.persoon_id for k in found]

    def registry(self, pid: str) -> dict[str, Any]:
        """How the BRP registry shows the person."""
        related = {i: self.states[i] for i in self.related(pid)}
        kinderen = [self.states[k] for k in self.kinderen(pid)]
        return representation.persoon(self.states[pid], TODAY, related, kinderen)

    def view(self, pid: str, through: Callable[[Record], Record] = lambda r: r) -> dict[str, Any]:
        """How the core shows the folded record (each record first passed `through`)."""
        related = {i: through(self.records[i]) for i in self.related(pid)}
        kinderen = [through(self.records[k]) for k in self.kinderen(pid)]
        record = through(self.records[pid])
        return view.persoon(record, TODAY, related, kinderen, representation.gemeenten())


def command(call: Call) -> Command:
    """A planned BRP call as the API turns its body into a command."""
    if call.path == "/personen":
        return bodies.Inschrijven.model_validate(call.body).command()
    _, _, pid, action = call.path.split("/")
    kinds: dict[str, Any] = {"partnerschappen": bodies.PartnerschapAangaan,
                             "overlijden": bodies.Overlijden}  # fmt: skip
    found: Command = kinds[action].model_validate(call.body).to_domain(persoon_id=pid)
    return found


@pytest.fixture(scope="module")
def world() -> World:
    steps = plan(read_testset(TESTSET), NOW)
    result = World(BagCalls.of(steps.bag))
    for call in [*steps.inschrijvingen, *steps.vervolg]:
        result.run(command(call))  # a Rejection fails the test: the import refuses nothing
    assert len(result.states) == len(steps.inschrijvingen) == 687 - len(steps.skipped)
    return result


def persons(world: World) -> Iterator[str]:
    return iter(sorted(world.states))


def test_the_test_set_runs_through_the_domain_with_partners_parents_and_deaths(
    world: World,
) -> None:
    """The equivalence below covers what it should: all of these occur in the set."""
    shown = [world.registry(pid) for pid in persons(world)]
    partners = [p for d in shown for p in d.get("partners", [])]
    assert world.counts[events.PARTNERSCHAP_AANGEGAAN] >= 100, world.counts
    assert world.counts[events.OVERLEDEN] >= 10, world.counts
    assert sum("burgerservicenummer" in p for p in partners) >= 50  # a partner in the BRP
    assert sum("burgerservicenummer" not in p for p in partners) >= 50  # one outside it
    assert sum("burgerservicenummer" in o for d in shown for o in d.get("ouders", [])) >= 100
    assert sum(len(d.get("kinderen", [])) for d in shown) >= 100
    assert sum("overlijden" in d for d in shown) == world.counts[events.OVERLEDEN]
    assert sum("immigratie" in d for d in shown) >= 10
    assert sum("omschrijving" in d["gemeenteVanInschrijving"] for d in shown) >= 600


def test_the_folded_record_is_the_registry_state_as_a_record(world: World) -> None:
    for pid in persons(world):
        assert world.records[pid] == representation.record(world.states[pid]), pid


def test_every_test_person_renders_as_the_registry_shows_them(world: World) -> None:
    for pid in persons(world):
        assert world.view(pid) == world.registry(pid), pid


def test_a_record_after_a_json_round_trip_renders_the_same(world: World) -> None:
    """JSON turns dates into ISO strings; the renderer reads both."""

    def through_json(record: Record) -> Record:
        loaded: Record = json.loads(json.dumps(record, default=str))
        return loaded

    assert isinstance(world.records[next(persons(world))]["datumInschrijvingInGemeente"],
                      datetime.date)  # fmt: skip
    for pid in persons(world):
        assert world.view(pid, through_json) == world.registry(pid), pid


def test_ids_read_by_fastavro_as_uuids_render_the_same(world: World) -> None:
    def with_uuids(record: Record) -> Record:
        def ids(value: Any, key: str = "") -> Any:
            if key == "persoonId" and value is not None:
                return uuid.UUID(value)
            if isinstance(value, dict):
                return {k: ids(v, k) for k, v in value.items()}
            if isinstance(value, list):
                return [ids(v) for v in value]
            return value

        converted: Record = ids(record)
        return converted

    for pid in persons(world):
        assert world.view(pid, with_uuids) == world.registry(pid), pid


def test_every_other_event_renders_the_same(world: World) -> None:
    """What the import does not do: a partnership ended and a new one outside the BRP, a new
    name, moves to a houseboat address and to a locatie, geheimhouding and a new BSN."""
    p = next(p for p in world.states.values() if p.partnerschap and not p.overleden
             and p.partnerschap.partner.persoon_id)  # fmt: skip
    assert p.partnerschap is not None
    partner_id = p.partnerschap.partner.persoon_id
    assert partner_id is not None
    n, a = min(world.addresses.adressen)
    woonboot = Verblijfplaats(
        Verblijfadres("Boterdiep", "Boterdiep", 31, "A", "bis", "tegenover", "3077AW", "Rotterdam"),
        datetime.date(2023, 3, 1), n, a, functie_adres="briefadres",
    )  # fmt: skip
    locatie = Verblijfplaats(Verblijfadres(locatiebeschrijving="Woonwagen bij de sluis"),
                             datetime.date(2023, 9, 1), type="locatie")  # fmt: skip
    ontbinding = Ontbinding(datetime.date(2023, 1, 2), "echtscheiding", "0363", "6030")
    elsewhere = PartnerschapAangaan(
        p.persoon_id,
        Partner(naam=Naam("Beaudelaire", "Jean Marie"), geboorte=Geboorte(None, "Thann", "5002")),
        "geregistreerd_partnerschap",
        Aangaan(datetime.date(2023, 5, 1), "Parijs"),
    )
    changed = World(world.addresses, dict(world.states), dict(world.records))
    changes: list[Command] = [
        PartnerschapOntbinden(p.persoon_id, ontbinding),
        elsewhere,
        NaamWijzigen(p.persoon_id, Naam("Serooskerke", "Esther Maria", "van", "B"),
                     datetime.date(2023, 6, 1)),
        Verhuizen(p.persoon_id, woonboot, "0599"),
        Verhuizen(p.persoon_id, locatie, "0599"),
        GeheimhoudingWijzigen(p.persoon_id, 3, datetime.date(2023, 10, 1)),
        BsnWijzigen(p.persoon_id, "999996824", datetime.date(2023, 11, 1), "2468471606"),
    ]  # fmt: skip
    for change in changes:
        changed.run(change)
        for pid in (p.persoon_id, partner_id):
            assert changed.view(pid) == changed.registry(pid), (change, pid)
    shown = changed.view(p.persoon_id)
    first, second = shown["partners"]
    assert "ontbindingHuwelijkPartnerschap" in first
    assert second["naam"]["volledigeNaam"] == "Jean Marie Beaudelaire"
    assert second["soortVerbintenis"] == {"code": "P", "omschrijving": "geregistreerd partnerschap"}
    assert second["aangaanHuwelijkPartnerschap"]["plaats"] == {"omschrijving": "Parijs"}
    assert shown["verblijfplaats"]["type"] == "Locatie"
    assert shown["geheimhoudingPersoonsgegevens"] == 3
    assert shown["burgerservicenummer"] == "999996824"
    assert changed.view(partner_id)["partners"][-1]["ontbindingHuwelijkPartnerschap"] == {
        "datum": {"type": "Datum", "datum": "2023-01-02", "langFormaat": "2 januari 2023"}
    }


def test_without_the_gemeenten_table_a_gemeente_is_shown_by_its_code(world: World) -> None:
    pid = next(persons(world))
    shown = view.persoon(world.records[pid], TODAY, {})
    code = world.records[pid]["gemeenteVanInschrijving"]
    assert shown["gemeenteVanInschrijving"] == {"code": code}
