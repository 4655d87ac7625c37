"""The second slice's queries through `schema.execute`, on a SQLite projection store filled by
`streams.projector.Projector` from events as the registries publish them (the builders of
`tests/unit/test_streams_pure.py`) and the in-memory processing log: `zoekPersonen`,
`bewoners`, `adres`, `wozObject`, the person's `verblijfsobject` and `wozObjecten`, cursor
pagination; refused before any read, out of scope as unknown, bounded store calls, logged."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from bron_gateway.auth import Caller
from bron_gateway.context import RequestContext, Services
from bron_gateway.loaders import Loaders
from bron_gateway.schema import build_schema
from bron_gateway.testing import MemoryLog
from bron_gateway.trace import trace_from
from bron_gateway.verwerkingslog import Pseudonymiser

from bron.policy import load_policy
from streams.projector import Projector
from streams.reads import ProjectionReader
from streams.store import ProjectionStore
from tests.unit.test_streams_pure import NOW, Adres, Persoon, family

SECRET = b"q" * 32
POLICY = load_policy()


@dataclass
class Town:
    store: ProjectionStore
    reader: ProjectionReader
    log: MemoryLog
    moeder: Persoon
    vader: Persoon
    kind: Persoon
    thuis: Adres
    woz: str
    elders: Persoon  # Utrecht (0344): no purpose runs there
    elders_adres: Adres
    calls: int = 0

    def context(self, app_id: str) -> RequestContext:
        return RequestContext(
            caller=Caller("urn:bron:dev-issuer", f"client-{app_id}", app_id),
            app=POLICY.app_by_id[app_id],
            policy=POLICY,
            loaders=Loaders(self.reader, app_id),
            trace=trace_from(None),
            services=Services(self.log, Pseudonymiser(SECRET), "00000001002564440000", 100),
        )

    def run(self, app_id: str, query: str) -> Any:
        self.calls = self.reader.calls
        schema = build_schema(max_depth=10, max_aliases=5, max_tokens=5000, introspection=True)
        result = asyncio.run(schema.execute(query, context_value=self.context(app_id)))
        self.calls = self.reader.calls - self.calls
        return result

    def logged(self) -> dict[str, list[str]]:
        """Pseudonym -> fields, of every record so far; the log emptied."""
        objects = [r["verwerkteObjecten"][0] for r in self.log.records]
        found = {o["identificator"]: o["verwerkteSoortenGegevens"] for o in objects}
        self.log.records.clear()
        return found


def pseudonym(p: Persoon) -> str:
    return Pseudonymiser(SECRET)(p.id)


@pytest.fixture
def town(tmp_path: Path) -> Iterator[Town]:
    yield from make_town(tmp_path)


def make_town(tmp_path: Path) -> Iterator[Town]:
    """Amsterdam's family with addresses and a WOZ object, and a Jansen in Utrecht."""
    w, moeder, vader, kind, thuis, nummer = family()
    w.policy()
    elders_adres = w.adres("0344", "Oudegracht", 12)
    elders = w.persoon("Jansen", elders_adres)  # born the same day as moeder (the default)
    url = f"sqlite:///{tmp_path / 'projections.db'}"
    store = ProjectionStore(url)
    with store.transaction() as tx:
        Projector("bron-streams").apply(tx, w.take(), NOW)
    reader = ProjectionReader(url)
    yield Town(store, reader, MemoryLog(), moeder, vader, kind, thuis, nummer, elders,
               elders_adres)  # fmt: skip
    reader.close()
    store.close()


def codes(result: Any) -> list[str]:
    return [e.extensions.get("code") for e in result.errors or []]


# -- zoekPersonen ----------------------------------------------------------------------------


def test_search_by_name_and_birth_date_finds_the_person_in_scope_only(town: Town) -> None:
    """Two Jansens born the same day: the one in Utrecht has no view for bijstand."""
    query = """{ zoekPersonen(doel: "bijstand", geslachtsnaam: "JANSEN",
        geboortedatum: "1984-03-07") { nodes { burgerservicenummer naam { geslachtsnaam } }
        pageInfo { hasNextPage } } }"""
    result = town.run("bijstand-loket", query)
    assert result.errors is None
    assert result.data["zoekPersonen"] == {
        "nodes": [{"burgerservicenummer": town.moeder.bsn, "naam": {"geslachtsnaam": "Jansen"}}],
        "pageInfo": {"hasNextPage": False},
    }
    assert town.calls == 2  # the search joined with the views, then the page's views
    assert town.logged() == {pseudonym(town.moeder): [
        "burgerservicenummer", "geboorte.datum", "naam.geslachtsnaam"]}  # fmt: skip


def test_a_search_out_of_scope_looks_like_one_that_finds_nobody(town: Town) -> None:
    answers = []
    for naam, datum in (("Jansen", "1990-01-01"), ("Nobody", "1984-03-07")):
        query = f"""{{ zoekPersonen(doel: "bijstand", geslachtsnaam: "{naam}",
            geboortedatum: "{datum}") {{ nodes {{ naam {{ geslachtsnaam }} }} }} }}"""
        result = town.run("bijstand-loket", query)
        answers.append((result.data, result.errors, town.calls))
    assert answers[0] == answers[1] == ({"zoekPersonen": {"nodes": []}}, None, 1)
    assert town.log.records == []


def test_a_search_by_fields_the_purpose_does_not_allow_is_refused_before_reading(
    town: Town,
) -> None:
    """parkeervergunning does not allow geboorte.datum: searching by it would read it."""
    query = """{ zoekPersonen(doel: "parkeervergunning", geslachtsnaam: "Jansen",
        geboortedatum: "1984-03-07") { nodes { naam { geslachtsnaam } } } }"""
    result = town.run("parkeren", query)
    assert result.data is None
    assert codes(result) == ["FIELD_NOT_ALLOWED"]
    assert "geboorte.datum" in result.errors[0].message
    assert "'parkeervergunning'" in result.errors[0].message
    assert town.calls == 0


def test_a_node_field_the_purpose_does_not_allow_is_refused_through_edges_and_fragments(
    town: Town,
) -> None:
    query = """{ zoekPersonen(doel: "bijstand", postcode: "1011AB", huisnummer: 263) {
        edges { node { ...F } } } } fragment F on Persoon { overlijden { datum { datum } } }"""
    result = town.run("bijstand-loket", query)
    assert codes(result) == ["FIELD_NOT_ALLOWED"]
    assert "overlijden.datum.datum" in result.errors[0].message
    assert town.calls == 0


def test_search_by_postcode_pages_with_cursors(town: Town) -> None:
    family_ids = sorted([town.moeder, town.vader, town.kind], key=lambda p: p.id)
    seen: list[str] = []
    after = "null"
    pages = 0
    while True:
        query = f"""{{ zoekPersonen(doel: "bijstand", postcode: "1011 ab", huisnummer: 263,
            huisletter: "A", first: 2, after: {after}) {{
            edges {{ cursor node {{ burgerservicenummer }} }}
            pageInfo {{ hasNextPage hasPreviousPage endCursor }} }} }}"""
        result = town.run("bijstand-loket", query)
        assert result.errors is None
        assert town.calls == 3  # addresses, residents in scope, their views
        found = result.data["zoekPersonen"]
        seen += [e["node"]["burgerservicenummer"] for e in found["edges"]]
        assert found["pageInfo"]["hasPreviousPage"] == (pages > 0)
        pages += 1
        if not found["pageInfo"]["hasNextPage"]:
            break
        after = f'"{found["pageInfo"]["endCursor"]}"'
    assert pages == 2
    assert seen == [p.bsn for p in family_ids]
    logged = town.logged()
    assert set(logged) == {pseudonym(p) for p in family_ids}
    assert all(f == ["adres.huisnummer", "adres.postcode", "burgerservicenummer"]
               for f in logged.values())  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ('geslachtsnaam: "Jansen", postcode: "1011AB", huisnummer: 1', "one of the two"),
        ('geslachtsnaam: "Jansen"', "both"),
        ('geslachtsnaam: "Jansen", geboortedatum: "7-3-1984"', "not a date"),
        ('postcode: "10AB", huisnummer: 263', "not a postcode"),
        ('postcode: "1011AB", huisnummer: 263, first: 101', "first must be"),
        ('postcode: "1011AB", huisnummer: 263, after: "bm9wZQ=="', "not a cursor"),
    ],
)
def test_invalid_search_arguments_are_refused_before_reading(
    town: Town, arguments: str, message: str
) -> None:
    query = (
        f'{{ zoekPersonen(doel: "bijstand", {arguments}) {{ nodes {{ naam {{ voornamen }} }} }} }}'
    )
    result = town.run("bijstand-loket", query)
    assert codes(result) == ["INVALID_ARGUMENT"]
    assert message in result.errors[0].message
    assert town.calls == 0
    assert town.log.records == []


def test_a_cursor_names_no_person() -> None:
    from bron_gateway.connection import cursor

    assert base64.urlsafe_b64decode(cursor(41)) == b"bron:41"


# -- bewoners --------------------------------------------------------------------------------


def test_bewoners_are_the_residents_in_scope(town: Town) -> None:
    query = f"""{{ bewoners(doel: "bijstand", adres: "{town.thuis.nummeraanduiding}") {{
        nodes {{ naam {{ voornamen }} }} }} }}"""
    result = town.run("bijstand-loket", query)
    assert result.errors is None
    assert sorted(n["naam"]["voornamen"] for n in result.data["bewoners"]["nodes"]) == [
        "Anna Maria", "Pieter Jan", "Sem"]  # fmt: skip
    assert town.calls == 2
    assert len(town.logged()) == 3
    elders = f"""{{ bewoners(doel: "bijstand", adres: "{town.elders_adres.nummeraanduiding}") {{
        nodes {{ naam {{ voornamen }} }} }} }}"""
    result = town.run("bijstand-loket", elders)
    assert result.data == {"bewoners": {"nodes": []}}
    assert town.log.records == []


def test_bewoners_for_a_consent_purpose_without_consent_is_empty(town: Town) -> None:
    query = f"""{{ bewoners(doel: "parkeervergunning", adres: "{town.thuis.nummeraanduiding}")
        {{ nodes {{ naam {{ geslachtsnaam }} }} }} }}"""
    result = town.run("parkeren", query)
    assert result.data == {"bewoners": {"nodes": []}}
    assert town.log.records == []


# -- adres -----------------------------------------------------------------------------------

ADRES = "{ postcode huisnummer huisletter straat woonplaats }"


def test_an_address_by_id_and_by_postcode(town: Town) -> None:
    expected = {"postcode": "1011AB", "huisnummer": 263, "huisletter": "A",
                "straat": "Prinsengracht", "woonplaats": "Amsterdam"}  # fmt: skip
    by_id = f'{{ adres(doel: "bijstand", id: "{town.thuis.nummeraanduiding}") {ADRES} }}'
    result = town.run("bijstand-loket", by_id)
    assert result.errors is None
    assert result.data == {"adres": expected}
    assert town.calls == 3  # nummeraanduiding, street, woonplaats
    by_postcode = f"""{{ adres(doel: "bijstand", postcode: "1011AB", huisnummer: 263,
        huisletter: "A") {ADRES} }}"""
    assert town.run("bijstand-loket", by_postcode).data == {"adres": expected}
    without_letter = '{ adres(doel: "bijstand", postcode: "1011AB", huisnummer: 263) { postcode } }'
    assert town.run("bijstand-loket", without_letter).data == {"adres": None}
    assert town.log.records == []  # an address alone is not personal data


def test_an_address_outside_the_purposes_gemeenten_looks_unknown(town: Town) -> None:
    answers = []
    for id in (town.elders_adres.nummeraanduiding, "0363200000009999"):
        result = town.run("bijstand-loket", f'{{ adres(doel: "bijstand", id: "{id}") {ADRES} }}')
        answers.append((result.data, result.errors))
    assert answers[0] == answers[1] == ({"adres": None}, None)


def test_an_address_field_the_purpose_does_not_allow_is_refused(town: Town) -> None:
    query = f'{{ adres(doel: "afvalpas", id: "{town.thuis.nummeraanduiding}") {{ straat }} }}'
    result = town.run("afvalpas", query)
    assert codes(result) == ["FIELD_NOT_ALLOWED"]
    assert "adres.straat" in result.errors[0].message
    assert town.calls == 0


# -- wozObject and the person's verblijfsobject and wozObjecten ------------------------------

WOZ = "{ wozObjectnummer waarden { vastgesteldeWaarde belastingjaar } belanghebbenden { soort } }"


def test_a_woz_object_by_number_and_by_address_is_logged_for_its_belanghebbenden(
    town: Town,
) -> None:
    expected = {"wozObjectnummer": town.woz,
                "waarden": [{"vastgesteldeWaarde": 612_000, "belastingjaar": 2026}],
                "belanghebbenden": [{"soort": "eigenaar"}]}  # fmt: skip
    for argument in (f'wozObjectnummer: "{town.woz}"', f'adres: "{town.thuis.nummeraanduiding}"'):
        result = town.run(
            "belastingen", f'{{ wozObject(doel: "belastingen-woz", {argument}) {WOZ} }}'
        )
        assert result.errors is None
        assert result.data == {"wozObject": expected}
        assert town.logged() == {pseudonym(town.moeder): [
            "wozObject.belanghebbenden.soort", "wozObject.waarden.belastingjaar",
            "wozObject.waarden.vastgesteldeWaarde", "wozObject.wozObjectnummer"]}  # fmt: skip


def test_a_purpose_without_woz_fields_gets_no_woz_object(town: Town) -> None:
    query = (
        f'{{ wozObject(doel: "bijstand", wozObjectnummer: "{town.woz}") {{ wozObjectnummer }} }}'
    )
    result = town.run("bijstand-loket", query)
    assert codes(result) == ["FIELD_NOT_ALLOWED"]
    assert "wozObject.wozObjectnummer" in result.errors[0].message
    assert town.calls == 0


def test_the_persons_verblijfsobject_and_woz_objects_where_the_purpose_has_them(
    town: Town,
) -> None:
    query = f"""{{ persoon(bsn: "{town.moeder.bsn}", doel: "belastingen-woz") {{
        verblijfsobject {{ identificatie oppervlakte gebruiksdoelen }}
        wozObjecten {{ wozObjectnummer waarden {{ vastgesteldeWaarde }} }} }} }}"""
    result = town.run("belastingen", query)
    assert result.errors is None
    assert result.data == {"persoon": {
        "verblijfsobject": {"identificatie": town.thuis.verblijfsobject, "oppervlakte": 41,
                            "gebruiksdoelen": ["woonfunctie"]},
        "wozObjecten": [{"wozObjectnummer": town.woz,
                         "waarden": [{"vastgesteldeWaarde": 612_000}]}],
    }}  # fmt: skip
    [fields] = town.logged().values()
    assert "verblijfsobject.oppervlakte" in fields
    assert "wozObject.waarden.vastgesteldeWaarde" in fields
    refused = f"""{{ persoon(bsn: "{town.moeder.bsn}", doel: "bijstand") {{
        verblijfsobject {{ oppervlakte }} }} }}"""
    result = town.run("bijstand-loket", refused)
    assert codes(result) == ["FIELD_NOT_ALLOWED"]
    assert "verblijfsobject.oppervlakte" in result.errors[0].message
    assert town.calls == 0


def test_personen_with_addresses_and_woz_objects_costs_two_store_calls(town: Town) -> None:
    bsns = ", ".join(f'"{p.bsn}"' for p in (town.moeder, town.vader, town.kind, town.elders))
    query = f"""{{ personen(bsns: [{bsns}], doel: "belastingen-woz") {{ naam {{ geslachtsnaam }}
        adres {{ postcode }} verblijfsobject {{ oppervlakte }}
        wozObjecten {{ wozObjectnummer }} }} }}"""
    result = town.run("belastingen", query)
    assert result.errors is None
    found = result.data["personen"]
    assert found[3] is None  # Utrecht: out of scope
    assert [p["wozObjecten"] for p in found[:3]] == [[{"wozObjectnummer": town.woz}]] * 3
    assert town.calls == 2
    assert len(town.logged()) == 3


def test_a_person_by_the_persoon_id_events_carry_is_read_and_logged_like_by_bsn(
    town: Town,
) -> None:
    by_id = f"""{{ persoon(persoonId: "{town.moeder.id}", doel: "bijstand") {{
        naam {{ geslachtsnaam }} }} }}"""
    result = town.run("bijstand-loket", by_id)
    assert result.errors is None
    assert result.data == {"persoon": {"naam": {"geslachtsnaam": "Jansen"}}}
    assert list(town.logged().values()) == [["naam.geslachtsnaam"]]
    for wrong in (f'bsn: "{town.moeder.bsn}", persoonId: "{town.moeder.id}"', 'persoonId: "12"'):
        result = town.run(
            "bijstand-loket",
            f'{{ persoon({wrong}, doel: "bijstand") {{ naam {{ geslachtsnaam }} }} }}',
        )
        assert codes(result) == ["INVALID_ARGUMENT"], wrong
