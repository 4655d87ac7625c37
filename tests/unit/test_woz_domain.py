"""The WOZ registry's rules (services/woz): events that fit the Avro contracts, every
rejection naming its field and rule, and the fold of events into state."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import fastavro
import pytest
from fastavro.validation import validate

from bron.contracts.schemafiles import load_schema_files
from bron.registry.rejection import Rejection
from services.woz.domain import (
    BelanghebbendeWijzigen,
    BezwaarAfhandelen,
    BezwaarIndienen,
    Command,
    Events,
    WaardeVaststellen,
    WozObject,
    WozObjectAanmaken,
    WozObjectWijzigen,
    decide,
    evolve,
)
from services.woz.ports import KnownVerblijfsobjecten

CONTRACTS = {f.event_type: f for f in load_schema_files() if f.registry == "woz"}
PARSED = {t: fastavro.parse_schema(f.schema, named_schemas={}) for t, f in CONTRACTS.items()}
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
NR = "036300001234"
VBO, VBO2 = "0363010000000001", "0363010000000002"
PERSOON = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b"
REFS = KnownVerblijfsobjecten(frozenset({VBO, VBO2}))

AANMAKEN = WozObjectAanmaken(wozObjectnummer=NR, gemeentecode="0363", soortObjectcode="1010",
                             ingangsdatum=date(2025, 1, 1), verblijfsobjectIdentificaties=(VBO,),
                             grondoppervlakte=120, tijdstipRegistratie=NOW)  # fmt: skip
WIJZIGEN = WozObjectWijzigen(**{**vars(AANMAKEN), "verblijfsobjectIdentificaties": (VBO, VBO2)})
WAARDE = WaardeVaststellen(wozObjectnummer=NR, vastgesteldeWaarde=350_000,
                           waardepeildatum=date(2024, 1, 1), toestandspeildatum=date(2025, 1, 1),
                           belastingjaar=2025, tijdstipRegistratie=NOW)  # fmt: skip
BELANGHEBBENDE = BelanghebbendeWijzigen(wozObjectnummer=NR, persoonId=PERSOON, soort="eigenaar",
                                        ingangsdatum=date(2020, 5, 1),
                                        tijdstipRegistratie=NOW)  # fmt: skip
BEZWAAR = BezwaarIndienen(wozObjectnummer=NR, bezwaarnummer="BZ-2025-1", belastingjaar=2025,
                          datumOntvangst=date(2025, 2, 10), persoonId=PERSOON,
                          gewensteWaarde=320_000, tijdstipRegistratie=NOW)  # fmt: skip
AFHANDELEN = BezwaarAfhandelen(wozObjectnummer=NR, bezwaarnummer="BZ-2025-1", uitkomst="gegrond",
                               nieuweWaarde=330_000, datumUitspraak=date(2025, 2, 28),
                               tijdstipRegistratie=NOW)  # fmt: skip


def run(*commands: Command) -> WozObject | None:
    state: WozObject | None = None
    for command in commands:
        for event_type, data in decide(command, state, REFS):
            state = evolve(state, event_type, data)
    return state


def fits(events: Events) -> None:
    for event_type, data in events:
        validate(data, PARSED[event_type], raise_errors=True)


def with_(command: Any, **changes: Any) -> Any:
    return dataclasses.replace(command, **changes)


HAPPY: list[tuple[tuple[Command, ...], Command, list[str]]] = [
    ((), AANMAKEN, ["nl.woz.woz-object-aangemaakt.v1"]),
    ((AANMAKEN,), WIJZIGEN, ["nl.woz.woz-object-gewijzigd.v1"]),
    ((AANMAKEN,), WAARDE, ["nl.woz.waarde-vastgesteld.v1"]),
    ((AANMAKEN,), BELANGHEBBENDE, ["nl.woz.belanghebbende-gewijzigd.v1"]),
    ((AANMAKEN, WAARDE), BEZWAAR, ["nl.woz.bezwaar-ingediend.v1"]),
    ((AANMAKEN, WAARDE, BEZWAAR), AFHANDELEN,
     ["nl.woz.bezwaar-afgehandeld.v1", "nl.woz.waarde-vastgesteld.v1"]),
    ((AANMAKEN, WAARDE, BEZWAAR), with_(AFHANDELEN, uitkomst="ongegrond", nieuweWaarde=None),
     ["nl.woz.bezwaar-afgehandeld.v1"]),
]  # fmt: skip


@pytest.mark.parametrize(("before", "command", "types"), HAPPY)
def test_every_command_decides_events_that_fit_the_contract(
    before: tuple[Command, ...], command: Command, types: list[str]
) -> None:
    events = decide(command, run(*before), REFS)
    assert [t for t, _ in events] == types
    fits(events)
    assert all(data["wozObjectnummer"] == NR for _, data in events)


def test_the_state_follows_the_events() -> None:
    state = run(AANMAKEN, WIJZIGEN, WAARDE, BELANGHEBBENDE, BEZWAAR, AFHANDELEN)
    assert state is not None
    assert state.version == 7
    assert state.verblijfsobjectIdentificaties == (VBO, VBO2)
    assert [w.vastgesteldeWaarde for w in state.waarden] == [330_000]
    assert state.belanghebbenden[0].persoonId == PERSOON
    assert state.bezwaren[0].uitkomst == "gegrond"
    assert state.bezwaren[0].bestredenWaarde == 350_000


def test_repeating_a_change_decides_nothing() -> None:
    state = run(AANMAKEN, BELANGHEBBENDE)
    assert decide(WozObjectWijzigen(**vars(AANMAKEN)), state, REFS) == []
    assert decide(BELANGHEBBENDE, state, REFS) == []


def test_an_ended_belanghebbende_replaces_the_running_one() -> None:
    ended = with_(BELANGHEBBENDE, einddatum=date(2024, 12, 31))
    state = run(AANMAKEN, BELANGHEBBENDE, ended)
    assert state is not None
    assert [b.einddatum for b in state.belanghebbenden] == [date(2024, 12, 31)]


FUTURE = date(2025, 3, 2)
REJECTIONS: list[tuple[str, tuple[Command, ...], Command, str, str]] = [
    ("nummer", (), with_(AANMAKEN, wozObjectnummer="0363-1234"), "wozObjectnummer",
     "wozobjectnummer-formaat"),
    ("double creation", (AANMAKEN,), AANMAKEN, "wozObjectnummer", "bestaat-al"),
    ("unknown object", (), WIJZIGEN, "wozObjectnummer", "onbekend"),
    ("unknown object waarde", (), WAARDE, "wozObjectnummer", "onbekend"),
    ("gemeentecode", (), with_(AANMAKEN, gemeentecode="363"), "gemeentecode",
     "gemeentecode-formaat"),
    ("soortObjectcode", (), with_(AANMAKEN, soortObjectcode="x"), "soortObjectcode",
     "soortobjectcode-formaat"),
    ("grondoppervlakte", (), with_(AANMAKEN, grondoppervlakte=-1), "grondoppervlakte",
     "oppervlakte-negatief"),
    ("ingangsdatum", (), with_(AANMAKEN, ingangsdatum=FUTURE), "ingangsdatum",
     "datum-in-toekomst"),
    ("vbo format", (), with_(AANMAKEN, verblijfsobjectIdentificaties=(VBO, "0363100000000001")),
     "verblijfsobjectIdentificaties.1", "verblijfsobject-formaat"),
    ("vbo twice", (), with_(AANMAKEN, verblijfsobjectIdentificaties=(VBO, VBO)),
     "verblijfsobjectIdentificaties.1", "verblijfsobject-dubbel"),
    ("vbo not in BAG", (AANMAKEN,),
     with_(WIJZIGEN, verblijfsobjectIdentificaties=(VBO, "0363010000000999")),
     "verblijfsobjectIdentificaties.1", "verblijfsobject-onbekend"),
    ("waarde 0", (AANMAKEN,), with_(WAARDE, vastgesteldeWaarde=0), "vastgesteldeWaarde",
     "waarde-niet-positief"),
    ("waarde negative", (AANMAKEN,), with_(WAARDE, vastgesteldeWaarde=-5), "vastgesteldeWaarde",
     "waarde-niet-positief"),
    ("waardepeildatum future", (AANMAKEN,),
     with_(WAARDE, waardepeildatum=date(2026, 1, 1), belastingjaar=2027), "waardepeildatum",
     "datum-in-toekomst"),
    ("toestandspeildatum future", (AANMAKEN,), with_(WAARDE, toestandspeildatum=FUTURE),
     "toestandspeildatum", "datum-in-toekomst"),
    ("peildatum of another jaar", (AANMAKEN,), with_(WAARDE, belastingjaar=2024),
     "waardepeildatum", "waardepeildatum-belastingjaar"),
    ("second waarde", (AANMAKEN, WAARDE), with_(WAARDE, vastgesteldeWaarde=1),
     "waardepeildatum", "waarde-al-vastgesteld"),
    ("second waarde after bezwaar", (AANMAKEN, WAARDE, BEZWAAR, AFHANDELEN), WAARDE,
     "waardepeildatum", "waarde-al-vastgesteld"),
    ("persoonId a BSN", (AANMAKEN,), with_(BELANGHEBBENDE, persoonId="999993653"), "persoonId",
     "persoonid-formaat"),
    ("einddatum", (AANMAKEN,), with_(BELANGHEBBENDE, einddatum=date(2020, 4, 30)), "einddatum",
     "einddatum-voor-ingangsdatum"),
    ("belanghebbende future", (AANMAKEN,), with_(BELANGHEBBENDE, ingangsdatum=FUTURE),
     "ingangsdatum", "datum-in-toekomst"),
    ("bezwaar unknown jaar", (AANMAKEN, WAARDE), with_(BEZWAAR, belastingjaar=2024),
     "belastingjaar", "waarde-onbekend"),
    ("bezwaar without waarde", (AANMAKEN,), BEZWAAR, "belastingjaar", "waarde-onbekend"),
    ("bezwaar twice", (AANMAKEN, WAARDE, BEZWAAR), BEZWAAR, "bezwaarnummer",
     "bezwaar-bestaat-al"),
    ("gewenste waarde", (AANMAKEN, WAARDE), with_(BEZWAAR, gewensteWaarde=0), "gewensteWaarde",
     "waarde-niet-positief"),
    ("indiener BSN", (AANMAKEN, WAARDE), with_(BEZWAAR, persoonId="999993653"), "persoonId",
     "persoonid-formaat"),
    ("ontvangst future", (AANMAKEN, WAARDE), with_(BEZWAAR, datumOntvangst=FUTURE),
     "datumOntvangst", "datum-in-toekomst"),
    ("afhandelen unknown", (AANMAKEN, WAARDE), AFHANDELEN, "bezwaarnummer", "bezwaar-onbekend"),
    ("afhandelen twice", (AANMAKEN, WAARDE, BEZWAAR, AFHANDELEN), AFHANDELEN, "bezwaarnummer",
     "bezwaar-al-afgehandeld"),
    ("gegrond without waarde", (AANMAKEN, WAARDE, BEZWAAR), with_(AFHANDELEN, nieuweWaarde=None),
     "nieuweWaarde", "verplicht"),
    ("deels gegrond without waarde", (AANMAKEN, WAARDE, BEZWAAR),
     with_(AFHANDELEN, uitkomst="deels_gegrond", nieuweWaarde=None), "nieuweWaarde",
     "verplicht"),
    ("ingetrokken with waarde", (AANMAKEN, WAARDE, BEZWAAR),
     with_(AFHANDELEN, uitkomst="ingetrokken"), "nieuweWaarde", "niet-toegestaan"),
    ("nieuwe waarde 0", (AANMAKEN, WAARDE, BEZWAAR), with_(AFHANDELEN, nieuweWaarde=0),
     "nieuweWaarde", "waarde-niet-positief"),
    ("uitspraak future", (AANMAKEN, WAARDE, BEZWAAR), with_(AFHANDELEN, datumUitspraak=FUTURE),
     "datumUitspraak", "datum-in-toekomst"),
    ("uitspraak before ontvangst", (AANMAKEN, WAARDE, BEZWAAR),
     with_(AFHANDELEN, datumUitspraak=date(2025, 2, 1)), "datumUitspraak",
     "uitspraak-voor-ontvangst"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("before", "command", "field", "rule"),
    [pytest.param(*r[1:], id=r[0]) for r in REJECTIONS],
)
def test_a_broken_rule_is_a_rejection_naming_field_and_rule(
    before: tuple[Command, ...], command: Command, field: str, rule: str
) -> None:
    state = run(*before)
    with pytest.raises(Rejection) as raised:
        decide(command, state, REFS)
    assert (raised.value.field, raised.value.rule) == (field, rule)


def test_a_verblijfsobject_already_covered_is_not_asked_again() -> None:
    state = run(AANMAKEN)
    gone = KnownVerblijfsobjecten(frozenset())
    events = decide(with_(WIJZIGEN, verblijfsobjectIdentificaties=(VBO,), soortObjectcode="1020"),
                    state, gone)  # fmt: skip
    assert [t for t, _ in events] == ["nl.woz.woz-object-gewijzigd.v1"]


def test_evolve_refuses_events_out_of_place() -> None:
    with pytest.raises(ValueError, match="does not apply"):
        evolve(None, "nl.woz.waarde-vastgesteld.v1", {})
    with pytest.raises(ValueError, match="does not apply"):
        evolve(run(AANMAKEN), "nl.woz.woz-object-aangemaakt.v1", {})
