"""The gateway's search reads (`ProjectionReader.matching`, `search_in_scope`,
`indexed_in_scope`) on SQLite and on PostgreSQL: the JSON comparisons mean the same on both,
only persons with a live view for the purpose come back, in persoonId order, a page at a time,
one query each."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from streams.index import address_key, index_of, name_key
from streams.projector import Projector
from streams.reads import ProjectionReader
from streams.store import Entity, ProjectionStore
from tests.unit.test_streams_pure import NOW, family


@pytest.fixture
def reader(database_url: str) -> Iterator[tuple[ProjectionReader, dict[str, str]]]:
    w, moeder, vader, kind, thuis, _nummer = family()
    w.policy()
    elders = w.persoon("Jansen", w.adres("0344", "Oudegracht", 263))
    w.intrekken(vader, w.toestemming(vader, "parkeren", "parkeervergunning"), "parkeren",
                "parkeervergunning")  # fmt: skip
    w.toestemming(moeder, "parkeren", "parkeervergunning")
    store = ProjectionStore(database_url)
    with store.transaction() as tx:
        Projector("bron-streams").apply(tx, w.take(), NOW)
    store.close()
    r = ProjectionReader(database_url)
    names = {"moeder": moeder.id, "vader": vader.id, "kind": kind.id, "elders": elders.id,
             "thuis": thuis.nummeraanduiding}  # fmt: skip
    yield r, names
    r.close()


def test_matching_compares_strings_numbers_and_absent_values(
    reader: tuple[ProjectionReader, dict[str, str]],
) -> None:
    r, ids = reader
    calls = r.calls
    where: dict[str, str | int | None] = {"postcode": "1011AB", "huisnummer": 263}
    assert r.matching("nummeraanduiding", where) == [ids["thuis"]]
    assert r.matching("nummeraanduiding", {**where, "huisletter": "A"}) == [ids["thuis"]]
    assert r.matching("nummeraanduiding", {**where, "huisletter": None}) == []
    assert r.matching("nummeraanduiding", {**where, "huisnummertoevoeging": None}) == [ids["thuis"]]
    assert r.matching("nummeraanduiding", {**where, "huisnummer": 264}) == []
    assert r.calls - calls == 5


def test_search_in_scope_returns_only_persons_with_a_view_for_the_purpose(
    reader: tuple[ProjectionReader, dict[str, str]],
) -> None:
    r, ids = reader
    jansen = {"naam.geslachtsnaam": "jANSEN", "geboorte.datum": "1984-03-07"}
    lower = {"naam.geslachtsnaam"}
    found = r.search_in_scope("bijstand-loket", "bijstand", jansen, ignore_case=lower, limit=10)
    assert found == [ids["moeder"]]  # the Jansen in Utrecht has no view
    assert r.search_in_scope("bijstand-loket", "bijstand", jansen, limit=10) == []  # exact case
    parkeren = r.search_in_scope("parkeren", "parkeervergunning", jansen, ignore_case=lower,
                                 limit=10)  # fmt: skip
    assert parkeren == [ids["moeder"]]


def test_indexed_in_scope_pages_the_residents_with_a_view(
    reader: tuple[ProjectionReader, dict[str, str]],
) -> None:
    r, ids = reader
    family_ids = sorted([ids["moeder"], ids["vader"], ids["kind"]])
    args = ("bijstand-loket", "bijstand", "nummeraanduiding", [ids["thuis"]])
    calls = r.calls
    first = r.indexed_in_scope(*args, offset=0, limit=2)
    rest = r.indexed_in_scope(*args, offset=2, limit=2)
    assert first + rest == family_ids
    assert r.calls - calls == 2
    consent = r.indexed_in_scope("parkeren", "parkeervergunning", "nummeraanduiding",
                                 [ids["thuis"]], limit=10)  # fmt: skip
    assert consent == [ids["moeder"]]  # the father revoked, the child never consented
    assert r.indexed_in_scope(*args[:3], [], limit=10) == []


def test_the_searches_go_through_their_index_rows(
    reader: tuple[ProjectionReader, dict[str, str]],
) -> None:
    r, ids = reader
    jansen = {"naam.geslachtsnaam": "jANSEN", "geboorte.datum": "1984-03-07"}
    lower = {"naam.geslachtsnaam"}
    by_name = ("naam-geboorte", name_key(" jANSEN", "1984-03-07"))
    found = r.search_in_scope("bijstand-loket", "bijstand", jansen, ignore_case=lower, limit=10,
                              indexed=by_name)  # fmt: skip
    assert found == [ids["moeder"]]
    other_day = ("naam-geboorte", name_key("Jansen", "1984-03-08"))
    assert r.search_in_scope("bijstand-loket", "bijstand", jansen, ignore_case=lower, limit=10,
                             indexed=other_day) == []  # fmt: skip
    where: dict[str, str | int | None] = {"postcode": "1011AB", "huisnummer": 263}
    by_address = ("postcode-huisnummer", address_key("1011 ab", 263))
    assert r.matching("nummeraanduiding", where, indexed=by_address) == [ids["thuis"]]
    elsewhere = ("postcode-huisnummer", address_key("1011AB", 264))
    assert r.matching("nummeraanduiding", where, indexed=elsewhere) == []


def test_on_sqlite_the_searches_look_their_rows_up_by_key(tmp_path: Path) -> None:
    """The point of the index rows: a search reads a handful of rows by key, not every view of
    a purpose (all of a municipality's residents) or every entity of a kind. Without the
    `IN (subquery)` form SQLite's planner walked the purpose's views (`app_id=? AND
    doel_id=?`) and joined the index to each."""
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    w, _moeder, _vader, _kind, thuis, _nummer = family()
    w.policy()
    store = ProjectionStore(url)
    with store.transaction() as tx:
        Projector("bron-streams").apply(tx, w.take(), NOW)
    store.close()
    r = ProjectionReader(url)
    statements: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        r.search_in_scope(
            "bijstand-loket",
            "bijstand",
            {"naam.geslachtsnaam": "jansen"},
            ignore_case={"naam.geslachtsnaam"},
            limit=10,
            indexed=("naam-geboorte", name_key("Jansen", "1984-03-07")),
        )
        r.matching(
            "nummeraanduiding",
            {"postcode": "1011AB", "huisnummer": 263},
            indexed=("postcode-huisnummer", address_key("1011AB", 263)),
        )
        r.indexed_in_scope(
            "bijstand-loket", "bijstand", "nummeraanduiding", [thuis.nummeraanduiding], limit=10
        )
        r.verwerkingen("een-pseudoniem", limit=10)
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
        r.close()  # fmt: skip
    searches = [(s, p) for s, p in statements if "entity_index" in s]
    assert len(searches) == 4
    db = sqlite3.connect(tmp_path / "plan.db")
    for statement, parameters in searches:
        plan = [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]
        assert not [step for step in plan if step.startswith("SCAN")], plan
        for step in plan:
            if step.startswith("SEARCH projection_view"):
                assert "persoon_id=?" in step, plan
            if step.startswith("SEARCH entity USING"):
                assert "id=?" in step, plan
    db.close()


def test_a_citizens_processing_log_newest_first_without_the_hidden_ones(
    database_url: str,
) -> None:
    """`mijnVerwerkingen` on SQLite and PostgreSQL: by pseudonym, newest first, a page at a
    time, confidential records left out; another citizen's never."""
    store = ProjectionStore(database_url)
    rows = [("v1", "mij", "2026-11-01T10:00:00+00:00", "normaal"),
            ("v2", "mij", "2026-11-03T10:00:00+00:00", "normaal"),
            ("v3", "mij", "2026-11-02T10:00:00+00:00", "vertrouwelijk"),
            ("v4", "ander", "2026-11-04T10:00:00+00:00", "normaal"),
            ("v5", "mij", "2026-11-03T10:00:00+00:00", None)]  # fmt: skip
    with store.transaction() as tx:
        for id, who, tijdstip, vertrouwelijkheid in rows:
            state = {"verwerkingId": id, "tijdstip": tijdstip,
                     "vertrouwelijkheid": vertrouwelijkheid,
                     "verwerkteObjecten": [{"identificator": who}]}  # fmt: skip
            tx.put(Entity("verwerking", id, 1, state, index_of("verwerking", state)))
    store.close()
    r = ProjectionReader(database_url)
    try:
        ids = [s["verwerkingId"] for s in r.verwerkingen("mij", limit=10)]
        assert ids == ["v5", "v2", "v3", "v1"]  # newest first; the same moment by id, desc
        shown = r.verwerkingen("mij", limit=10, hidden={"vertrouwelijk"})
        assert [s["verwerkingId"] for s in shown] == ["v5", "v2", "v1"]
        page = r.verwerkingen("mij", offset=1, limit=2, hidden={"vertrouwelijk"})
        assert [s["verwerkingId"] for s in page] == ["v2", "v1"]
        assert r.verwerkingen("niemand", limit=10) == []
    finally:
        r.close()
