"""From per-app records to what subscribers are told (pure)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bron.notices import Record, RecordError, decode, notices

Doelen = dict[str, dict[str, Any]]
VIEW: dict[str, Any] = {"persoonId": "p1", "persoon": {"naam": {"geslachtsnaam": "Jansen"}}}


def record(wijzigingen: dict[str, dict[str, Any]], doelen: Doelen | None = None) -> Record:
    found = {"parkeervergunning": VIEW} if doelen is None else doelen
    return Record("r1", "parkeren", "p1", 7, found, wijzigingen)


def kinds(r: Record, consent: tuple[str, ...] = ()) -> list[tuple[str, str | None]]:
    return [(n.kind, n.status) for n in notices(r, consent)]


def test_a_move_is_an_address_change_and_a_person_change() -> None:
    r = record({"parkeervergunning": {"soort": "gewijzigd",
                                      "velden": ["adres", "persoon.verblijfplaats"]}})  # fmt: skip
    assert kinds(r) == [("persoon-gewijzigd", None), ("adres-gewijzigd", None)]
    [first, _] = notices(r)
    assert first.data == VIEW
    assert first.type == "nl.bron.persoon-gewijzigd.v1"


def test_a_name_change_is_no_address_change_and_a_woz_value_is_its_own_kind() -> None:
    assert kinds(record({"d": {"soort": "gewijzigd", "velden": ["persoon.naam"]}})) == [
        ("persoon-gewijzigd", None)]  # fmt: skip
    woz = record({"d": {"soort": "gewijzigd", "velden": ["wozObjecten", "wozObjecten.waarden"]}})
    assert kinds(woz) == [("woz-waarde-vastgesteld", None)]
    other = record({"d": {"soort": "gewijzigd", "velden": ["wozObjecten"]}})
    assert kinds(other) == []  # another WOZ field: no value was set


def test_scope_and_consent_changes() -> None:
    came = record({"parkeervergunning": {"soort": "nieuw", "velden": ["persoon.naam"]}})
    assert kinds(came, ("parkeervergunning",)) == [("in-beeld", None),
                                                   ("toestemming-gewijzigd", "actief")]  # fmt: skip
    assert kinds(came) == [("in-beeld", None)]  # a statutory purpose: no consent
    gone = record({"parkeervergunning": {"soort": "verwijderd", "velden": []}}, doelen={})
    found = notices(gone, ("parkeervergunning",))
    assert [(n.kind, n.status, n.data) for n in found] == [
        ("uit-beeld", None, None), ("toestemming-gewijzigd", "beeindigd", None)]  # fmt: skip


def test_ids_are_stable_per_record_kind_and_purpose() -> None:
    r = record({"a": {"soort": "nieuw", "velden": []}, "b": {"soort": "nieuw", "velden": []}})
    ids = [n.id for n in notices(r)]
    assert ids == [n.id for n in notices(r)]
    assert len(set(ids)) == 2


def test_decode_reads_what_the_workers_write_and_refuses_anything_else() -> None:
    body = {"persoonId": "p1", "versie": 7, "doelen": {"d": VIEW},
            "wijzigingen": {"d": {"soort": "nieuw", "velden": []}}}  # fmt: skip
    headers = [("ce_id", b"r1"), ("ce_sequence", b"7")]
    got = decode("bron.app.parkeren", b"p1", json.dumps(body).encode(), headers)
    assert (got.app_id, got.persoon_id, got.versie, got.doelen) == (
        "parkeren",
        "p1",
        7,
        {"d": VIEW},
    )
    tombstone = decode("bron.app.parkeren", b"p1", None, headers)
    assert tombstone.doelen is None
    assert tombstone.versie == 7
    assert notices(tombstone) == []
    for topic, key, value, hdrs in [
        ("bron.brp.events", b"p1", b"{}", headers),
        ("bron.app.parkeren", None, b"{}", headers),
        ("bron.app.parkeren", b"p1", b"{}", []),
        ("bron.app.parkeren", b"p1", b"not json", headers),
        ("bron.app.parkeren", b"p1", b'{"versie": 1}', headers),
    ]:
        with pytest.raises(RecordError):
            decode(topic, key, value, hdrs)
