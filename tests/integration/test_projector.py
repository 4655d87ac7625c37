"""The projector against the real store (ADR 9), on SQLite and on PostgreSQL: every projection
rule, from events as the registries publish them (the builders of
`tests/unit/test_streams_pure.py`) to the views in the store and the per-app records.

- scope: statutory purposes see the residents of their gemeenten, consent purposes only with
  an active consent as well, geheimhouding never reaches an app that is not government;
- fields: only what the purpose names, never `leeftijd`;
- joins: address from the BAG, WOZ objects, partners and children, kept current;
- expiry, revocation and policy changes remove views and send tombstones;
- ordering and duplicates: offsets, sequences and replays change nothing twice;
- versions of an app's record only grow."""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from bron.policy import App, Policy, load_policy
from services.toestemming.policy_events import app_data, publish_policy, withdrawn
from services.toestemming.state import DOEL_GEWIJZIGD
from streams.incoming import Incoming
from streams.projector import GENERATION, AppRecord, Projector, Result
from streams.reads import ProjectionReader
from streams.store import ProjectionStore, StoredView
from streams.store_tables import metadata
from tests.unit.test_streams_pure import (
    DAY,
    NOW,
    UTC,
    Persoon,
    World,
    allowed,
    family,
    leaves,
    nummeraanduiding,
    voorkomen,
)

CONSUMER = "bron-streams"
POLICY = load_policy()
ViewKey = tuple[str, str, str]  # (appId, doelId, persoonId)


@dataclass
class Worker:
    """One projector on the store: each call is one store transaction, as the pipeline runs
    a batch or the expiry timer."""

    store: ProjectionStore
    projector: Projector = field(default_factory=lambda: Projector(CONSUMER))

    def apply(self, batch: Sequence[Incoming], now: datetime.datetime = NOW) -> Result:
        with self.store.transaction() as tx:
            return self.projector.apply(tx, batch, now)

    def expire(self, now: datetime.datetime) -> Result:
        with self.store.transaction() as tx:
            return self.projector.expire(tx, now)

    def stored(self, persons: Iterable[Persoon | str]) -> list[StoredView]:
        ids = {p if isinstance(p, str) else p.id for p in persons}
        with self.store.transaction() as tx:
            return tx.views_of(ids)

    def views(self, persons: Iterable[Persoon | str]) -> dict[ViewKey, dict[str, Any]]:
        """The live views of these persons, by (app, purpose, person)."""
        return {(v.app_id, v.doel_id, v.persoon_id): v.view for v in self.stored(persons)
                if v.view is not None}  # fmt: skip

    def view(self, app: str, doel: str, p: Persoon) -> dict[str, Any] | None:
        return self.views([p]).get((app, doel, p.id))


@pytest.fixture
def store(database_url: str) -> Iterator[ProjectionStore]:
    store = ProjectionStore(database_url)
    yield store
    store.close()


@pytest.fixture
def worker(store: ProjectionStore) -> Worker:
    return Worker(store)


def records(result: Result) -> dict[tuple[str, str], AppRecord]:
    """The records of a batch by (app, person); each pair at most once."""
    found = {(r.app_id, r.persoon_id): r for r in result.records}
    assert len(found) == len(result.records)
    return found


def persons_of(events: Iterable[Incoming]) -> set[str]:
    return {e.entity_id for e in events if e.kind == "persoon"}


def fresh_store(old: ProjectionStore, database_url: str) -> ProjectionStore:
    """The same database, emptied: every table dropped and made again."""
    old.close()
    engine = sa.create_engine(database_url)
    metadata.drop_all(engine)
    engine.dispose()
    return ProjectionStore(database_url)


# -- scope -----------------------------------------------------------------------------------


def test_a_statutory_purpose_shows_the_residents_of_its_gemeenten_only(worker: Worker) -> None:
    w = World()
    w.policy()
    amsterdam = w.persoon("Jansen", w.adres("0363"))
    rotterdam = w.persoon("Visser", w.adres("0599"))
    utrecht = w.persoon("de Groot", w.adres("0344"))
    result = worker.apply(w.take())
    assert set(worker.views([amsterdam, rotterdam, utrecht])) == {
        (app, doel, p.id)
        for app, doel in (("bijstand-loket", "bijstand"), ("belastingen", "belastingen-woz"))
        for p in (amsterdam, rotterdam)
    }
    sent = records(result)
    assert set(sent) == {(app, p.id) for app in ("bijstand-loket", "belastingen")
                         for p in (amsterdam, rotterdam)}  # fmt: skip
    assert sent["bijstand-loket", amsterdam.id].doelen is not None
    assert set(sent["bijstand-loket", amsterdam.id].doelen or {}) == {"bijstand"}


def test_a_consent_purpose_needs_an_active_consent_and_residence(worker: Worker) -> None:
    w = World()
    w.policy()
    met = w.persoon("Jansen", w.adres("0363"))
    w.toestemming(met, "parkeren", "parkeervergunning", NOW + 365 * DAY)
    zonder = w.persoon("Visser", w.adres("0363"))
    elders = w.persoon("de Groot", w.adres("0599"))  # parkeervergunning runs in 0363 only
    w.toestemming(elders, "parkeren", "parkeervergunning")
    verlopen = w.persoon("Smit", w.adres("0363"))
    w.toestemming(verlopen, "parkeren", "parkeervergunning", NOW - DAY)
    ingetrokken = w.persoon("Mulder", w.adres("0363"))
    granted = w.toestemming(ingetrokken, "parkeren", "parkeervergunning")
    w.intrekken(ingetrokken, granted, "parkeren", "parkeervergunning")
    result = worker.apply(w.take())
    everyone = [met, zonder, elders, verlopen, ingetrokken]
    parkeren = {p for (app, _, p) in worker.views(everyone) if app == "parkeren"}
    assert parkeren == {met.id}
    assert {p for (app, p) in records(result) if app == "parkeren"} == {met.id}


def test_geheimhouding_is_never_shown_to_an_app_that_is_not_government(worker: Worker) -> None:
    w = World()
    w.policy()
    geheim = w.persoon("Jansen", w.adres("0518"), geheimhouding=3)
    w.toestemming(geheim, "afvalpas", "afvalpas")  # afvalpas: overheid false
    open_ = w.persoon("Visser", w.adres("0518"))
    w.toestemming(open_, "afvalpas", "afvalpas")
    geheim_amsterdam = w.persoon("Smit", w.adres("0363"), geheimhouding=7)
    w.toestemming(geheim_amsterdam, "parkeren", "parkeervergunning")  # parkeren: overheid true
    worker.apply(w.take())
    assert worker.view("afvalpas", "afvalpas", geheim) is None
    assert worker.view("afvalpas", "afvalpas", open_) is not None
    assert worker.view("bijstand-loket", "bijstand", geheim) is not None  # government
    assert worker.view("parkeren", "parkeervergunning", geheim_amsterdam) is not None

    w.geheimhouding(open_, 2)  # later asked for: gone from the app that is not government
    sent = records(worker.apply(w.take()))
    assert sent["afvalpas", open_.id].doelen is None
    assert worker.view("afvalpas", "afvalpas", open_) is None
    assert worker.view("bijstand-loket", "bijstand", open_) is not None


def test_a_change_no_view_depends_on_recomputes_nobody(worker: Worker) -> None:
    w = World()
    w.policy()
    w.persoon("Jansen", w.adres("0363"))
    worker.apply(w.take())
    parkeren = POLICY.app_by_id["parkeren"]
    bijstand = POLICY.doel_by_id["bijstand"]
    w.app_gewijzigd(parkeren.model_copy(update={"origins": ("https://nieuw.example.nl",),
                                                "naam": "Parkeren 2"}))  # fmt: skip
    w.doel_gewijzigd(bijstand.model_copy(update={"omschrijving": "Anders gezegd."}))
    assert worker.apply(w.take()).persons == 0
    w.doel_gewijzigd(bijstand.model_copy(update={"gemeenten": ("0363",)}))
    assert worker.apply(w.take()).persons > 0  # this one may change views


def test_geheimhouding_keeps_a_statutory_purpose_from_an_app_that_is_not_government(
    worker: Worker,
) -> None:
    w = World()
    w.policy()
    demo = POLICY.app_by_id["leverancier-demo"]  # overheid: false
    w.app_gewijzigd(demo.model_copy(update={"doelen": ("bijstand",)}))
    geheim = w.persoon("Jansen", w.adres("0363"), geheimhouding=1)
    open_ = w.persoon("Visser", w.adres("0363"))
    worker.apply(w.take())
    assert worker.view("leverancier-demo", "bijstand", geheim) is None
    assert worker.view("leverancier-demo", "bijstand", open_) is not None
    assert worker.view("bijstand-loket", "bijstand", geheim) is not None


def test_moving_out_of_the_gemeenten_tombstones_the_view_and_moving_in_gains_it(
    worker: Worker,
) -> None:
    w = World()
    w.policy()
    p = w.persoon("Jansen", w.adres("0363"))
    worker.apply(w.take())
    assert worker.view("bijstand-loket", "bijstand", p) is not None

    p = w.verhuis(p, w.adres("0344", "Oudegracht"))
    sent = records(worker.apply(w.take()))
    assert sent["bijstand-loket", p.id].doelen is None
    assert sent["belastingen", p.id].doelen is None
    assert worker.views([p]) == {}

    p = w.verhuis(p, w.adres("0599", "Coolsingel"), sinds=datetime.date(2026, 9, 1))
    sent = records(worker.apply(w.take()))
    view = (sent["bijstand-loket", p.id].doelen or {})["bijstand"]
    assert view["adres"]["straat"] == "Coolsingel"
    assert view["adres"]["woonplaats"] == "Rotterdam"
    assert worker.view("bijstand-loket", "bijstand", p) == view


# -- fields ----------------------------------------------------------------------------------


def test_every_view_holds_only_the_fields_its_purpose_allows(worker: Worker) -> None:
    w, moeder, vader, kind, _, _ = family()
    w.policy()
    w.toestemming(moeder, "parkeren", "parkeervergunning")
    afval = w.persoon("Visser", w.adres("0518"))
    w.toestemming(afval, "afvalpas", "afvalpas")
    worker.apply(w.take())
    views = worker.views([moeder, vader, kind, afval])
    assert {(app, doel) for app, doel, _ in views} == {
        ("bijstand-loket", "bijstand"),
        ("belastingen", "belastingen-woz"),
        ("parkeren", "parkeervergunning"),
        ("afvalpas", "afvalpas"),
    }
    parts = {"persoon": "persoon", "adres": "adres", "verblijfsobject": "verblijfsobject",
             "wozObjecten": "wozObject"}  # fmt: skip
    for (_, doel_id, persoon_id), view in views.items():
        velden = POLICY.doel_by_id[doel_id].velden
        assert view["persoonId"] == persoon_id
        assert set(view) - {"persoonId"} <= {k for k, entity in parts.items() if entity in velden}
        for key, entity in parts.items():
            for path in leaves(view.get(key, {})) - {""}:
                if (key, path) == ("verblijfsobject", "maaktDeelUitVan") and velden.get("pand"):
                    continue  # the pand ids, for the gateway to read the pand fields allowed
                assert allowed(path, velden[entity]), f"{doel_id}: {key}.{path}"
        assert "leeftijd" not in json.dumps(view)  # no purpose in the register names it
    parkeren = views["parkeren", "parkeervergunning", moeder.id]
    assert moeder.bsn not in json.dumps(parkeren)
    assert "wozObjecten" not in views["bijstand-loket", "bijstand", moeder.id]
    assert views["belastingen", "belastingen-woz", moeder.id]["verblijfsobject"]["oppervlakte"] > 0


def test_partners_and_kinderen_appear_with_the_allowed_paths_only(worker: Worker) -> None:
    w, moeder, vader, kind, _, _ = family()
    w.policy()
    only_kinderen_bsn = POLICY.doel_by_id["belastingen-woz"].model_copy(
        update={"velden": {"persoon": ("kinderen.burgerservicenummer",)}}
    )
    w.doel_gewijzigd(only_kinderen_bsn)
    worker.apply(w.take())
    bijstand = worker.view("bijstand-loket", "bijstand", moeder)
    assert bijstand is not None
    [partner] = bijstand["persoon"]["partners"]
    assert set(partner) == {"burgerservicenummer", "naam"}
    assert partner["burgerservicenummer"] == vader.bsn
    [child] = bijstand["persoon"]["kinderen"]
    assert set(child) == {"burgerservicenummer", "geboorte"}
    assert set(child["geboorte"]) == {"datum"}
    assert worker.view("belastingen", "belastingen-woz", moeder) == {
        "persoonId": moeder.id,
        "persoon": {"kinderen": [{"burgerservicenummer": kind.bsn}]},
    }
    # the child has no children: no empty list, no part at all
    assert worker.view("belastingen", "belastingen-woz", kind) == {
        "persoonId": kind.id,
        "persoon": {},
    }


def test_leeftijd_without_the_birth_date_when_the_purpose_names_only_it(worker: Worker) -> None:
    w, moeder, *_ = family()
    w.policy()
    bijstand = POLICY.doel_by_id["bijstand"]
    w.doel_gewijzigd(bijstand.model_copy(update={"velden": {"persoon": (
        "leeftijd", "burgerservicenummer")}}))  # fmt: skip
    worker.apply(w.take())
    assert worker.view("bijstand-loket", "bijstand", moeder) == {
        "persoonId": moeder.id,
        "persoon": {"burgerservicenummer": moeder.bsn, "leeftijd": 42},
    }


# -- joins -----------------------------------------------------------------------------------


def test_the_adres_joins_nummeraanduiding_openbare_ruimte_and_woonplaats(worker: Worker) -> None:
    w = World()
    w.policy()
    thuis = w.adres("0363", "Prinsengracht", 263, huisletter="A")
    p = w.persoon("Jansen", thuis)
    worker.apply(w.take())
    view = worker.view("bijstand-loket", "bijstand", p)
    assert view is not None
    assert view["adres"] == {"postcode": thuis.postcode, "huisnummer": 263, "huisletter": "A",
                             "straat": "Prinsengracht", "woonplaats": "Amsterdam"}  # fmt: skip


def test_an_address_in_another_woonplaats_than_its_street_shows_its_own(worker: Worker) -> None:
    """A nummeraanduiding names its woonplaats (`ligtIn`) when it is not its street's."""
    w = World()
    w.policy()
    weesp = {"identificatie": "3631", "naam": "Weesp", "status": "woonplaats_aangewezen",
             "geometrie": None}  # fmt: skip
    w.emit("nl.bag.woonplaats-aangemaakt.v1", {**weesp, **voorkomen()})
    p = w.persoon("Jansen", w.adres("0363", "Hogeweg", 2, ligt_in="3631"))
    worker.apply(w.take())
    view = worker.view("bijstand-loket", "bijstand", p)
    assert view is not None
    assert view["adres"]["straat"] == "Hogeweg"
    assert view["adres"]["woonplaats"] == "Weesp"

    w.emit("nl.bag.woonplaats-gewijzigd.v1", {**weesp, "naam": "Weesp NH", **voorkomen(2)})
    sent = records(worker.apply(w.take()))
    assert (sent["bijstand-loket", p.id].doelen or {})["bijstand"]["adres"]["woonplaats"] == (
        "Weesp NH"
    )


def test_renaming_the_openbare_ruimte_updates_the_residents_views(worker: Worker) -> None:
    w = World()
    w.policy()
    thuis = w.adres("0363", "Damstraat", 1)
    bewoner = w.persoon("Jansen", thuis)
    buurman = w.persoon("Visser", w.adres("0363", "Damstraat", 3))
    elders = w.persoon("Smit", w.adres("0363", "Kalverstraat", 5))
    worker.apply(w.take())
    w.emit("nl.bag.openbare-ruimte-gewijzigd.v1", {
        "identificatie": thuis.openbare_ruimte, "naam": "Dam", "verkorteNaam": None,
        "type": "weg", "status": "naamgeving_uitgegeven", "ligtIn": thuis.woonplaats,
        **voorkomen(2)})  # fmt: skip
    sent = records(worker.apply(w.take()))
    assert {p for _, p in sent} == {bewoner.id, buurman.id}
    for p in (bewoner, buurman):
        view = worker.view("bijstand-loket", "bijstand", p)
        assert view is not None
        assert view["adres"]["straat"] == "Dam"
    view = worker.view("bijstand-loket", "bijstand", elders)
    assert view is not None
    assert view["adres"]["straat"] == "Kalverstraat"


def test_a_new_postcode_of_the_nummeraanduiding_updates_the_residents_views(
    worker: Worker,
) -> None:
    w, moeder, vader, kind, thuis, _ = family()
    w.policy()
    worker.apply(w.take())
    w.emit("nl.bag.nummeraanduiding-gewijzigd.v1", nummeraanduiding(thuis, n=2, postcode="1016GV"))
    sent = records(worker.apply(w.take()))
    assert {p for _, p in sent} == {moeder.id, vader.id, kind.id}
    for p in (moeder, vader, kind):
        for app, doel in (("bijstand-loket", "bijstand"), ("belastingen", "belastingen-woz")):
            view = worker.view(app, doel, p)
            assert view is not None
            assert view["adres"]["postcode"] == "1016GV"


def test_bag_objects_arriving_after_the_person_fill_in_the_adres(worker: Worker) -> None:
    """Another topic, another pace: the address may reach the worker after the person."""
    w = World()
    w.policy()
    thuis = w.adres("0599", "Coolsingel", 40)
    bag = [e for e in w.take() if e.topic == "bron.bag.events"]
    policy = [e for e in w.events if e.topic == "bron.policy.events"]
    p = w.persoon("Jansen", thuis)
    worker.apply([*policy, *w.take()])
    view = worker.view("bijstand-loket", "bijstand", p)
    assert view is not None
    assert "adres" not in view
    # BAG events one by one, partition by partition: here the nummeraanduiding comes first,
    # its street and woonplaats (another partition) after it
    arriving = sorted(bag, key=lambda e: (e.partition, e.offset))
    assert arriving[0].kind == "nummeraanduiding"
    for event in arriving:
        worker.apply([event])
        view = worker.view("bijstand-loket", "bijstand", p)
        assert view is not None
        if event.kind == "nummeraanduiding":
            assert view["adres"] == {"postcode": thuis.postcode, "huisnummer": 40}
    assert view["adres"] == {"postcode": thuis.postcode, "huisnummer": 40,
                             "straat": "Coolsingel", "woonplaats": "Rotterdam"}  # fmt: skip


def test_a_woz_value_updates_the_views_of_the_belanghebbenden(worker: Worker) -> None:
    w, moeder, vader, kind, _, nummer = family()
    w.policy()
    verhuurd = w.adres("0363", "Herengracht", 12)  # hers, let to nobody yet
    tweede = w.woz(verhuurd, moeder)
    worker.apply(w.take())
    before = worker.view("belastingen", "belastingen-woz", moeder)
    assert before is not None
    assert {o["wozObjectnummer"] for o in before["wozObjecten"]} == {nummer, tweede}

    w.waarde(tweede, 1_250_000)
    sent = records(worker.apply(w.take()))
    assert set(sent) == {("belastingen", moeder.id)}  # nobody lives there; bijstand shows no WOZ
    after = (sent["belastingen", moeder.id].doelen or {})["belastingen-woz"]
    [object_] = [o for o in after["wozObjecten"] if o["wozObjectnummer"] == tweede]
    assert [w_["vastgesteldeWaarde"] for w_ in object_["waarden"]] == [1_250_000]

    w.waarde(nummer, 640_000, 2027)  # their home: the residents see its value too
    sent = records(worker.apply(w.take()))
    assert set(sent) == {("belastingen", p.id) for p in (moeder, vader, kind)}


def test_a_woz_object_moved_to_another_verblijfsobject_leaves_the_old_residents(
    worker: Worker,
) -> None:
    w = World()
    w.policy()
    oud, nieuw = w.adres("0363", "Damstraat", 1), w.adres("0363", "Damstraat", 2)
    bewoner_oud = w.persoon("Jansen", oud)
    bewoner_nieuw = w.persoon("Visser", nieuw)
    nummer = w.woz(oud)
    worker.apply(w.take())
    view = worker.view("belastingen", "belastingen-woz", bewoner_oud)
    assert view is not None
    assert [o["wozObjectnummer"] for o in view["wozObjecten"]] == [nummer]

    w.emit("nl.woz.woz-object-gewijzigd.v1", {
        "wozObjectnummer": nummer, "gemeentecode": "0363",
        "verblijfsobjectIdentificaties": [nieuw.verblijfsobject], "soortObjectcode": "1010",
        "grondoppervlakte": 120, "ingangsdatum": datetime.date(2026, 1, 1),
        "tijdstipRegistratie": datetime.datetime(2026, 1, 2, 8, tzinfo=UTC)})  # fmt: skip
    sent = records(worker.apply(w.take()))
    assert set(sent) == {("belastingen", bewoner_oud.id), ("belastingen", bewoner_nieuw.id)}
    assert "wozObjecten" not in (worker.view("belastingen", "belastingen-woz", bewoner_oud) or {})
    view = worker.view("belastingen", "belastingen-woz", bewoner_nieuw)
    assert view is not None
    assert [o["wozObjectnummer"] for o in view["wozObjecten"]] == [nummer]


def test_a_partners_name_change_updates_the_other_partners_view(worker: Worker) -> None:
    w, moeder, vader, _, _, _ = family()
    w.policy()
    worker.apply(w.take())
    w.naam_gewijzigd(vader, "Bakker-de Wit", voornamen="Pieter Jan")
    sent = records(worker.apply(w.take()))
    assert ("bijstand-loket", moeder.id) in sent
    view = worker.view("bijstand-loket", "bijstand", moeder)
    assert view is not None
    [partner] = view["persoon"]["partners"]
    assert partner["naam"]["geslachtsnaam"] == "Bakker-de Wit"


def test_a_childs_registration_updates_the_parents_kinderen(worker: Worker) -> None:
    w, moeder, vader, kind, thuis, _ = family()
    w.policy()
    worker.apply(w.take())
    baby = w.persoon("Bakker", thuis, voornamen="Noor", geboren=datetime.date(2026, 10, 30),
                     ouders=(moeder, vader))  # fmt: skip
    sent = records(worker.apply(w.take()))
    assert {("bijstand-loket", p.id) for p in (moeder, vader, baby)} <= set(sent)
    for parent in (moeder, vader):
        view = worker.view("bijstand-loket", "bijstand", parent)
        assert view is not None
        assert [k["burgerservicenummer"] for k in view["persoon"]["kinderen"]] == [
            kind.bsn,
            baby.bsn,
        ]  # by date of birth


# -- expiry ----------------------------------------------------------------------------------


def test_a_consent_past_geldig_tot_is_ended_by_expire_without_an_event(worker: Worker) -> None:
    w = World()
    w.policy()
    p = w.persoon("Jansen", w.adres("0363"))
    until = NOW + datetime.timedelta(hours=1)
    w.toestemming(p, "parkeren", "parkeervergunning", until)
    worker.apply(w.take())
    assert worker.view("parkeren", "parkeervergunning", p) is not None

    result = worker.expire(until + datetime.timedelta(seconds=1))
    assert result.applied == 1
    assert records(result)["parkeren", p.id].doelen is None
    assert worker.view("parkeren", "parkeervergunning", p) is None
    assert worker.view("bijstand-loket", "bijstand", p) is not None  # statutory: stays
    assert worker.expire(until + DAY).records == []  # ended once


def test_expire_before_geldig_tot_changes_nothing(worker: Worker) -> None:
    w = World()
    w.policy()
    p = w.persoon("Jansen", w.adres("0363"))
    until = NOW + datetime.timedelta(hours=1)
    w.toestemming(p, "parkeren", "parkeervergunning", until)
    worker.apply(w.take())
    before = worker.stored([p])
    result = worker.expire(until - datetime.timedelta(seconds=1))
    assert (result.applied, result.records) == (0, [])
    assert worker.stored([p]) == before


def test_on_a_birthday_the_views_that_show_leeftijd_change_without_an_event(
    worker: Worker,
) -> None:
    """`leeftijd` is derived from the date: the daily sweep re-renders those whose age changed
    (also after days without a sweep), and only views that show it send a record."""
    w = World()
    w.policy()
    bijstand = POLICY.doel_by_id["bijstand"]
    velden = {**bijstand.velden, "persoon": (*bijstand.velden["persoon"], "leeftijd")}
    w.doel_gewijzigd(bijstand.model_copy(update={"velden": velden}))
    tomorrow = NOW + DAY
    jarig = w.persoon("Jansen", w.adres("0363"), geboren=datetime.date(2000, 11, 29))
    schrikkel = w.persoon("Visser", w.adres("0363"), geboren=datetime.date(2004, 2, 29))
    other = w.persoon("Bakker", w.adres("0363"), geboren=datetime.date(2000, 6, 1))
    worker.apply(w.take())
    assert worker.expire(NOW).records == []  # the store's first day: its views are of today
    assert worker.view("bijstand-loket", "bijstand", jarig)["persoon"]["leeftijd"] == 25  # type: ignore[index]

    result = worker.expire(tomorrow)
    assert {r.persoon_id for r in result.records} == {jarig.id}  # not parkeren: no leeftijd
    assert {r.app_id for r in result.records} == {"bijstand-loket"}
    assert worker.view("bijstand-loket", "bijstand", jarig)["persoon"]["leeftijd"] == 26  # type: ignore[index]
    assert worker.expire(tomorrow + datetime.timedelta(hours=1)).records == []  # once a day

    # a worker that was down from 2 to 3 March 2027 catches up; 1 March is 29 February's day
    worker.expire(datetime.datetime(2027, 2, 27, 12, tzinfo=UTC))
    result = worker.expire(datetime.datetime(2027, 3, 3, 12, tzinfo=UTC))
    assert {r.persoon_id for r in result.records} == {schrikkel.id}
    assert worker.view("bijstand-loket", "bijstand", schrikkel)["persoon"]["leeftijd"] == 23  # type: ignore[index]
    assert worker.view("bijstand-loket", "bijstand", other)["persoon"]["leeftijd"] == 26  # type: ignore[index]


# -- revocation ------------------------------------------------------------------------------


def test_a_revocation_removes_the_view_and_sends_a_tombstone(worker: Worker) -> None:
    w = World()
    w.policy()
    p = w.persoon("Jansen", w.adres("0363"))
    granted = w.toestemming(p, "parkeren", "parkeervergunning")
    first = records(worker.apply(w.take()))["parkeren", p.id]
    assert set(first.doelen or {}) == {"parkeervergunning"}

    w.intrekken(p, granted, "parkeren", "parkeervergunning")
    sent = records(worker.apply(w.take()))
    assert set(sent) == {("parkeren", p.id)}
    assert sent["parkeren", p.id].doelen is None
    assert worker.view("parkeren", "parkeervergunning", p) is None


def test_a_revocation_leaves_the_apps_other_purposes_of_the_person(worker: Worker) -> None:
    w = World()
    w.policy()
    both = POLICY.app_by_id["parkeren"].model_copy(
        update={"doelen": ("parkeervergunning", "bijstand")}
    )
    w.app_gewijzigd(both)
    p = w.persoon("Jansen", w.adres("0363"))
    granted = w.toestemming(p, "parkeren", "parkeervergunning")
    worker.apply(w.take())
    w.intrekken(p, granted, "parkeren", "parkeervergunning")
    sent = records(worker.apply(w.take()))
    assert set(sent["parkeren", p.id].doelen or {}) == {"bijstand"}
    assert worker.view("parkeren", "parkeervergunning", p) is None


# -- policy changes --------------------------------------------------------------------------


def test_a_purpose_losing_a_field_updates_the_existing_views(worker: Worker) -> None:
    w, moeder, vader, kind, _, _ = family()
    w.policy()
    worker.apply(w.take())
    view = worker.view("bijstand-loket", "bijstand", moeder)
    assert view is not None
    assert "geboorte" in view["persoon"]
    bijstand = POLICY.doel_by_id["bijstand"]
    persoon = tuple(v for v in bijstand.velden["persoon"] if v != "geboorte.datum")
    smaller = bijstand.model_copy(update={"velden": {**bijstand.velden, "persoon": persoon}})
    w.doel_gewijzigd(smaller)
    sent = records(worker.apply(w.take()))
    assert set(sent) == {("bijstand-loket", p.id) for p in (moeder, vader, kind)}
    for p in (moeder, vader, kind):
        view = worker.view("bijstand-loket", "bijstand", p)
        assert view is not None
        assert "geboorte" not in view["persoon"]
        assert view["persoon"]["burgerservicenummer"] == p.bsn


def test_a_purpose_losing_a_gemeente_removes_the_views_of_its_residents(worker: Worker) -> None:
    w = World()
    w.policy()
    amsterdam = w.persoon("Jansen", w.adres("0363"))
    rotterdam = w.persoon("Visser", w.adres("0599"))
    worker.apply(w.take())
    bijstand = POLICY.doel_by_id["bijstand"]
    w.doel_gewijzigd(bijstand.model_copy(update={"gemeenten": ("0363", "0518")}))
    sent = records(worker.apply(w.take()))
    assert set(sent) == {("bijstand-loket", rotterdam.id)}
    assert sent["bijstand-loket", rotterdam.id].doelen is None
    assert worker.view("bijstand-loket", "bijstand", rotterdam) is None
    assert worker.view("bijstand-loket", "bijstand", amsterdam) is not None
    assert worker.view("belastingen", "belastingen-woz", rotterdam) is not None


def test_a_purpose_gaining_a_gemeente_shows_its_residents_with_a_consent(
    worker: Worker,
) -> None:
    w = World()
    w.policy()
    met = w.persoon("Jansen", w.adres("0599"))
    w.toestemming(met, "parkeren", "parkeervergunning")
    zonder = w.persoon("Visser", w.adres("0599"))
    assert records(worker.apply(w.take())).keys().isdisjoint({("parkeren", met.id)})
    parkeren = POLICY.doel_by_id["parkeervergunning"]
    w.doel_gewijzigd(parkeren.model_copy(update={"gemeenten": ("0363", "0599")}))
    sent = records(worker.apply(w.take()))
    assert set(sent) == {("parkeren", met.id)}
    assert worker.view("parkeren", "parkeervergunning", met) is not None
    assert worker.view("parkeren", "parkeervergunning", zonder) is None


def test_an_app_dropping_a_purpose_tombstones_its_views(worker: Worker) -> None:
    w = World()
    w.policy()
    people = [w.persoon(naam, w.adres("0363")) for naam in ("Jansen", "Visser")]
    for p in people:
        w.toestemming(p, "parkeren", "parkeervergunning")
    worker.apply(w.take())
    parkeren = POLICY.app_by_id["parkeren"]
    w.app_gewijzigd(parkeren.model_copy(update={"doelen": ()}))
    sent = records(worker.apply(w.take()))
    assert {k: (r.versie % GENERATION, r.doelen) for k, r in sent.items()} == {
        ("parkeren", p.id): (2, None) for p in people
    }
    assert not [k for k in worker.views(people) if k[0] == "parkeren"]

    w.app_gewijzigd(parkeren)  # and back: the consents still hold, the versions go on
    sent = records(worker.apply(w.take()))
    assert {r.versie % GENERATION for r in sent.values()} == {3}
    assert all(r.doelen for r in sent.values())


def _in_view_of_two_purposes(
    worker: Worker, app_id: str
) -> tuple[World, App, list[Persoon], list[Incoming]]:
    """An app (as a manifest registers one) with a statutory purpose and one on consent, and
    two residents of 0363 in its views of both (the first by consent): the world, the app, the
    persons and the policy events."""
    app = App(id=app_id, naam="Twee doelen", organisatie="00000003000000000009",
              overheid=True, doelen=("bijstand", "parkeervergunning"), gemeenten=("0363",),
              versie="1.0.0", contact="team@leverancier.example.nl")  # fmt: skip
    w = World()
    events = w.policy(Policy(doelen=POLICY.doelen, apps=(*POLICY.apps, app)))
    people = [w.persoon(naam, w.adres("0363")) for naam in ("Jansen", "Visser")]
    w.toestemming(people[0], app.id, "parkeervergunning")
    worker.apply(w.take())
    assert {k[:2] for k in worker.views(people) if k[0] == app.id} == {
        (app.id, "bijstand"), (app.id, "parkeervergunning"),
    }  # fmt: skip
    return w, app, people, events


def test_a_withdrawn_app_loses_every_view_and_tombstones_every_person(
    worker: Worker, database_url: str
) -> None:
    """A withdrawal (`app-gewijzigd` without purposes or municipalities, as the consent
    register publishes it) deletes every view of the app, of a statutory purpose and of one on
    consent alike, sends a tombstone per person, and leaves the other apps alone; the register
    in the store (the workers' and the gateway's) keeps the app, with no purpose."""
    w, app, people, _ = _in_view_of_two_purposes(worker, "intrekken-app")
    others = {k: v for k, v in worker.views(people).items() if k[0] != app.id}
    assert others

    w.emit("nl.toestemming.app-gewijzigd.v1", withdrawn(app_data(app)))
    sent = records(worker.apply(w.take()))
    assert {k: r.doelen for k, r in sent.items()} == {(app.id, p.id): None for p in people}
    assert worker.views(people) == others
    with worker.store.transaction() as tx:
        assert worker.projector.policy(tx).app_by_id[app.id].doelen == ()
    reader = ProjectionReader(database_url)
    assert reader.policy().app_by_id[app.id].doelen == ()
    reader.close()


def test_a_purpose_withdrawn_from_the_register_deletes_every_view_of_it_at_once(
    worker: Worker, database_url: str
) -> None:
    """The purpose leaves the register file: the consent register withdraws it
    (`doel-gewijzigd` in no municipality) and changes the file's apps; an app of a manifest
    that still names it loses its views of it at once (a record without it, or a tombstone
    when nothing is left), keeps its other purposes, and the register in the store (the
    workers' and the gateway's) no longer has the purpose. Put back, the views return."""
    w, app, people, events = _in_view_of_two_purposes(worker, "manifest-app")

    without = _without_doel(POLICY, "bijstand")
    apps = {e.data["appId"]: dict(e.data) for e in events if "appId" in e.data}
    doelen = {e.data["doelId"]: dict(e.data) for e in events if "doelId" in e.data}
    file_apps = {a.id for a in POLICY.apps}
    withdrawal = publish_policy(without, {i: json.loads(json.dumps(apps[i])) for i in apps},
                                {i: json.loads(json.dumps(d)) for i, d in doelen.items()},
                                from_file=file_apps)  # fmt: skip
    assert (withdrawal[0][0], withdrawal[0][1]["gemeenten"]) == (DOEL_GEWIJZIGD, [])
    w.emit(*withdrawal[0])  # alone: the file's apps may follow in a later batch
    sent = records(worker.apply(w.take()))
    assert not [k for k in worker.views(people) if k[1] == "bijstand"]
    assert {k: r.doelen and sorted(r.doelen) for k, r in sent.items() if k[0] == app.id} == {
        (app.id, people[0].id): ["parkeervergunning"], (app.id, people[1].id): None,
    }  # fmt: skip
    w.emit_all(withdrawal[1:])
    worker.apply(w.take())
    with worker.store.transaction() as tx:
        policy = worker.projector.policy(tx)
    reader = ProjectionReader(database_url)
    for register in (policy, reader.policy()):
        assert "bijstand" not in register.doel_by_id
        assert register.app_by_id[app.id].doelen == ("parkeervergunning",)
    reader.close()

    w.doel_gewijzigd(POLICY.doel_by_id["bijstand"])  # back in the file: back for the app
    worker.apply(w.take())
    assert {k[2] for k in worker.views(people) if k[:2] == (app.id, "bijstand")} == {
        p.id for p in people
    }


def _without_doel(policy: Policy, doel_id: str) -> Policy:
    """The register file with a purpose removed, and from the apps that named it."""
    apps = [a.model_copy(update={"doelen": tuple(d for d in a.doelen if d != doel_id)})
            for a in policy.apps]  # fmt: skip
    return Policy(doelen=tuple(d for d in policy.doelen if d.id != doel_id),
                  apps=tuple(a for a in apps if a.doelen))  # fmt: skip


# -- ordering and duplicates -----------------------------------------------------------------


def test_the_same_event_twice_changes_nothing_the_second_time(worker: Worker) -> None:
    w, moeder, *_ = family()
    w.policy()
    worker.apply(w.take())
    w.naam_gewijzigd(moeder, "Jansen-Bakker")
    change = w.take()
    first = worker.apply(change)
    assert first.records
    before = worker.stored(persons_of(w.events))
    again = worker.apply([w.redeliver(e) for e in change])  # the same events, later offsets
    assert (again.applied, again.duplicates, again.records) == (0, len(change), [])
    twice = worker.apply([w.redeliver(change[0]), w.redeliver(change[0])])  # within one batch
    assert (twice.applied, twice.duplicates, twice.records) == (0, 2, [])
    assert worker.stored(persons_of(w.events)) == before


def test_an_event_below_the_stored_offset_of_its_partition_is_skipped(worker: Worker) -> None:
    w = World()
    w.policy()
    p = w.persoon("Jansen", w.adres("0363"))
    batch = w.take()
    worker.apply(batch)
    again = worker.apply(batch)
    assert (again.applied, again.duplicates, again.records) == (0, len(batch), [])
    # even a new change is skipped when it comes with an offset already consumed
    w.naam_gewijzigd(p, "Visser")
    [change] = w.take()
    stale = Incoming(change.topic, change.partition, 0, change.event_id, change.event_type,
                     change.sequence, change.data)  # fmt: skip
    result = worker.apply([stale])
    assert (result.applied, result.duplicates, result.records) == (0, 1, [])
    view = worker.view("bijstand-loket", "bijstand", p)
    assert view is not None
    assert view["persoon"]["naam"]["geslachtsnaam"] == "Jansen"
    assert worker.apply([change]).applied == 1


def test_dead_lettered_offsets_move_the_stored_offset_on(worker: Worker) -> None:
    """The pipeline passes the offsets of messages it dead-lettered: never read again."""
    w = World()
    w.policy()
    p = w.persoon("Jansen", w.adres("0363"))
    worker.apply(w.take())
    w.naam_gewijzigd(p, "Visser")
    [poison] = w.take()
    with worker.store.transaction() as tx:
        skipped = [(poison.topic, poison.partition, poison.offset)]
        result = worker.projector.apply(tx, [], NOW, skipped=skipped)
        assert (result.applied, result.records) == (0, [])
        assert tx.offsets(CONSUMER, poison.topic)[poison.partition] == poison.offset + 1
    assert worker.apply([poison]).duplicates == 1


def test_an_older_sequence_after_a_newer_one_is_ignored(worker: Worker) -> None:
    w = World()
    w.policy()
    p = w.persoon("Jansen", w.adres("0363"))
    worker.apply(w.take())
    w.naam_gewijzigd(p, "Visser")
    w.naam_gewijzigd(p, "de Boer")
    older, newer = w.take()
    assert older.sequence < newer.sequence
    worker.apply([newer, older])  # out of order within a batch
    view = worker.view("bijstand-loket", "bijstand", p)
    assert view is not None
    assert view["persoon"]["naam"]["geslachtsnaam"] == "de Boer"
    # and across batches, by a consumer whose offsets do not cover it (a rebuild's)
    rebuild = Worker(worker.store, Projector("bron-streams-rebuild"))
    result = rebuild.apply([older])
    assert (result.applied, result.duplicates, result.records) == (0, 1, [])
    assert worker.view("bijstand-loket", "bijstand", p) == view


def everything() -> tuple[World, list[list[Incoming]]]:
    """A history in batches: the register, a family with a home and its WOZ value, consents
    granted, revoked and expiring, a move, a rename in the BAG and a change of policy."""
    w, moeder, vader, _, thuis, nummer = family()
    w.policy()
    batches = [w.take()]
    granted = w.toestemming(moeder, "parkeren", "parkeervergunning")
    w.toestemming(vader, "parkeren", "parkeervergunning", NOW + datetime.timedelta(hours=2))
    buren = w.persoon("Visser", w.adres("0518", "Spui", 8))
    w.toestemming(buren, "afvalpas", "afvalpas")
    batches.append(w.take())
    w.intrekken(moeder, granted, "parkeren", "parkeervergunning")
    w.emit("nl.bag.openbare-ruimte-gewijzigd.v1", {
        "identificatie": thuis.openbare_ruimte, "naam": "Prinsengracht (Jordaan)",
        "verkorteNaam": "Prinsengr", "type": "weg", "status": "naamgeving_uitgegeven",
        "ligtIn": thuis.woonplaats, **voorkomen(2)})  # fmt: skip
    w.waarde(nummer, 655_000, 2027)
    batches.append(w.take())
    w.verhuis(buren, w.adres("0599", "Coolsingel", 2))
    w.naam_gewijzigd(vader, "Bakker-Jansen", voornamen="Pieter Jan")
    w.persoon("Bakker", thuis, voornamen="Noor", ouders=(moeder, vader),
              geboren=datetime.date(2026, 10, 30))  # fmt: skip
    bijstand = POLICY.doel_by_id["bijstand"]
    w.doel_gewijzigd(bijstand.model_copy(update={"gemeenten": ("0363", "0518")}))
    batches.append(w.take())
    return w, batches


def test_a_replay_from_the_start_into_the_same_store_changes_nothing(worker: Worker) -> None:
    w, batches = everything()
    for batch in batches:
        worker.apply(batch)
    ids = persons_of(w.events)
    before = worker.stored(ids)
    assert len([v for v in before if v.view is not None]) > 10
    replay = worker.apply(w.events)
    assert (replay.applied, replay.duplicates, replay.records) == (0, len(w.events), [])
    rebuild = Worker(worker.store, Projector("bron-streams-rebuild"))  # offsets from 0
    replay = rebuild.apply(w.events)
    assert (replay.applied, replay.duplicates, replay.records) == (0, len(w.events), [])
    assert worker.stored(ids) == before


def test_a_replay_into_a_fresh_store_yields_the_same_views(
    store: ProjectionStore, database_url: str
) -> None:
    w, batches = everything()
    first = Worker(store)
    for batch in batches:
        first.apply(batch)
    ids = persons_of(w.events)
    views = first.views(ids)
    again = fresh_store(store, database_url)
    try:
        rebuild = Worker(again)
        assert rebuild.views(ids) == {}
        # as `bron streams rebuild` reads: policy and consents to their end, then the rest,
        # topic by topic, partition by partition
        topics = ["bron.policy.events", "bron.toestemming.events", "bron.bag.events",
                  "bron.woz.events", "bron.brp.events"]  # fmt: skip
        for topic in topics:
            mine = [e for e in w.events if e.topic == topic]
            for partition in sorted({e.partition for e in mine}):
                rebuild.apply([e for e in mine if e.partition == partition])
        assert rebuild.views(ids) == views
    finally:
        again.close()


def test_a_revoked_consent_is_never_brought_back_by_a_replay(worker: Worker) -> None:
    w = World()
    w.policy()
    p = w.persoon("Jansen", w.adres("0363"))
    granted = w.toestemming(p, "parkeren", "parkeervergunning")
    grant = w.events[-1]
    worker.apply(w.take())
    w.intrekken(p, granted, "parkeren", "parkeervergunning")
    worker.apply(w.take())
    assert worker.view("parkeren", "parkeervergunning", p) is None
    for consumer in (CONSUMER, "bron-streams-rebuild"):
        replayed = Worker(worker.store, Projector(consumer))
        assert replayed.apply([grant]).records == []
        assert replayed.apply(w.events).records == []
        assert worker.view("parkeren", "parkeervergunning", p) is None
    # the grant alone again, at a new offset (a producer's retry long after)
    assert worker.apply([w.redeliver(grant)]).records == []
    assert worker.view("parkeren", "parkeervergunning", p) is None


def test_an_expired_consent_is_never_brought_back_by_a_replay(worker: Worker) -> None:
    w = World()
    w.policy()
    p = w.persoon("Jansen", w.adres("0363"))
    until = NOW + datetime.timedelta(minutes=5)
    w.toestemming(p, "parkeren", "parkeervergunning", until)
    worker.apply(w.take())
    later = until + DAY
    assert worker.expire(later).records
    rebuild = Worker(worker.store, Projector("bron-streams-rebuild"))
    assert rebuild.apply(w.events, now=later).records == []
    assert rebuild.apply(w.events, now=NOW).records == []  # even with a clock behind
    assert worker.view("parkeren", "parkeervergunning", p) is None


# -- versions --------------------------------------------------------------------------------


def test_a_change_outside_a_purposes_fields_sends_no_record_for_it(worker: Worker) -> None:
    w = World()
    w.policy()
    p = w.persoon("Jansen", w.adres("0518"))
    w.toestemming(p, "afvalpas", "afvalpas")  # afvalpas: naam.geslachtsnaam, no voornamen
    worker.apply(w.take())
    before = worker.stored([p])
    w.naam_gewijzigd(p, "Jansen", voornamen="Anna")
    sent = records(worker.apply(w.take()))
    assert set(sent) == {("bijstand-loket", p.id), ("belastingen", p.id)}
    after = {(v.app_id, v.doel_id): v.version for v in worker.stored([p])}
    assert after["afvalpas", "afvalpas"] == 1
    assert {(v.app_id, v.doel_id): v.version for v in before} == {k: 1 for k in after}


def test_the_version_of_an_apps_record_only_grows_across_grant_revoke_grant(
    worker: Worker,
) -> None:
    w = World()
    w.policy()
    p = w.persoon("Jansen", w.adres("0363"))
    versions: list[int] = []
    for _ in range(2):
        granted = w.toestemming(p, "parkeren", "parkeervergunning")
        record = records(worker.apply(w.take()))["parkeren", p.id]
        assert record.doelen is not None
        versions.append(record.versie)
        w.intrekken(p, granted, "parkeren", "parkeervergunning")
        record = records(worker.apply(w.take()))["parkeren", p.id]
        assert record.doelen is None
        versions.append(record.versie)
    w.naam_gewijzigd(p, "Visser")  # no view for parkeren now: no record either
    assert ("parkeren", p.id) not in records(worker.apply(w.take()))
    w.toestemming(p, "parkeren", "parkeervergunning")
    versions.append(records(worker.apply(w.take()))["parkeren", p.id].versie)
    assert versions == sorted(set(versions))
    assert [v % GENERATION for v in versions] == [1, 2, 3, 4, 5]
    assert len({v // GENERATION for v in versions}) == 1, "one store, one generation"
    [stored] = [v for v in worker.stored([p]) if v.app_id == "parkeren"]
    assert stored.version == 5


def test_relatives_with_geheimhouding_are_left_out_of_a_view_for_an_app_that_is_not_government(
    worker: Worker,
) -> None:
    """Geheimhouding protects a person inside someone else's view too: a non-government app
    with a purpose that shows partners and children sees the partnership, not the partner's
    name, and not the child; a government app sees both."""
    w = World()
    w.policy()
    demo = POLICY.app_by_id["leverancier-demo"]  # overheid: false
    w.app_gewijzigd(demo.model_copy(update={"doelen": ("bijstand",)}))
    thuis = w.adres("0363", "Keizersgracht", 12)
    moeder = w.persoon("Jansen", thuis)
    vader = w.persoon("Bakker", thuis, voornamen="Pieter", geslacht="man", geheimhouding=2)
    w.partnerschap(moeder, vader)
    w.persoon("Bakker", thuis, voornamen="Sem", geboren=datetime.date(2015, 4, 12),
              ouders=(moeder, vader), geheimhouding=2)  # fmt: skip
    worker.apply(w.take())
    government = worker.view("bijstand-loket", "bijstand", moeder)
    vendor = worker.view("leverancier-demo", "bijstand", moeder)
    assert government is not None
    assert vendor is not None
    assert government["persoon"]["partners"][0]["naam"]["geslachtsnaam"] == "Bakker"
    assert len(government["persoon"]["kinderen"]) == 1
    assert "naam" not in vendor["persoon"].get("partners", [{}])[0]
    assert "burgerservicenummer" not in vendor["persoon"].get("partners", [{}])[0]
    assert "kinderen" not in vendor["persoon"]


def test_a_withdrawn_address_is_not_shown(worker: Worker) -> None:
    w = World()
    w.policy()
    thuis = w.adres("0363", "Herengracht", 7)
    p = w.persoon("Visser", thuis)
    worker.apply(w.take())
    view = worker.view("bijstand-loket", "bijstand", p)
    assert view is not None
    assert view["adres"]["huisnummer"] == 7
    w.emit("nl.bag.nummeraanduiding-ingetrokken.v1", {
        "identificatie": thuis.nummeraanduiding, "status": "naamgeving_ingetrokken",
        **{**voorkomen(2), "eindGeldigheid": datetime.date(2026, 9, 1)}})  # fmt: skip
    worker.apply(w.take())
    view = worker.view("bijstand-loket", "bijstand", p)
    assert view is not None
    assert "adres" not in view


def test_a_rebuilt_store_sends_versions_above_those_of_the_store_it_replaced(
    store: ProjectionStore,
) -> None:
    """Apps keep the highest version per person: a rebuild must not restart at 1."""
    worker = Worker(store)
    w = World()
    w.policy()
    p = w.persoon("Jansen", w.adres("0363"))
    events = w.take()
    before = records(worker.apply(events))["bijstand-loket", p.id].versie
    store.wipe()
    time.sleep(0.002)  # the next generation is a later millisecond
    after = records(worker.apply(events))["bijstand-loket", p.id].versie
    assert after > before
    assert after % GENERATION == before % GENERATION == 1


# -- what changed, for subscribers -----------------------------------------------------------


def test_records_say_per_purpose_what_changed(worker: Worker) -> None:
    w = World()
    w.policy()
    thuis, elders = w.adres("0363"), w.adres("0363", "Kalverstraat", 5)
    p = w.persoon("Jansen", thuis)
    w.toestemming(p, "parkeren", "parkeervergunning")
    first = records(worker.apply(w.take()))
    assert first["parkeren", p.id].wijzigingen["parkeervergunning"]["soort"] == "nieuw"
    assert first["bijstand-loket", p.id].wijzigingen["bijstand"]["soort"] == "nieuw"

    w.verhuis(p, elders)
    moved = records(worker.apply(w.take()))
    change = moved["bijstand-loket", p.id].wijzigingen["bijstand"]
    assert change["soort"] == "gewijzigd"
    assert {"persoon.verblijfplaats", "adres"} <= set(change["velden"])
    assert "persoon.naam" not in change["velden"]

    w.naam_gewijzigd(p, "Jansen-de Vries")
    renamed = records(worker.apply(w.take()))
    assert renamed["bijstand-loket", p.id].wijzigingen["bijstand"]["velden"] == ["persoon.naam"]
    for record in renamed.values():  # a purpose without the name sees no change at all
        for doel, seen in record.wijzigingen.items():
            assert "persoon.naam" in seen["velden"], (record.app_id, doel)
