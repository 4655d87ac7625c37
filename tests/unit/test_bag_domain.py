"""The BAG registry's rules (services/bag): events that fit the Avro contracts, every rejection
rule, the status lifecycles against an independent table, and decide + evolve round trips."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any, TypedDict, get_args

import fastavro
import pytest
from fastavro.validation import validate

from bron.contracts.models import EVENT_MODELS
from bron.contracts.schemafiles import load_schema_files
from bron.registry.rejection import Rejection
from services.bag.domain import (
    TRANSITIONS,
    BagObject,
    Command,
    Events,
    NummeraanduidingAanmaken,
    NummeraanduidingIntrekken,
    NummeraanduidingWijzigen,
    Objecttype,
    OpenbareRuimteAanmaken,
    OpenbareRuimteIntrekken,
    OpenbareRuimteWijzigen,
    PandAanmaken,
    PandIntrekken,
    PandWijzigen,
    VerblijfsobjectAanmaken,
    VerblijfsobjectIntrekken,
    VerblijfsobjectWijzigen,
    WoonplaatsAanmaken,
    WoonplaatsIntrekken,
    WoonplaatsWijzigen,
    address_key,
    decide,
    evolve,
)

CONTRACTS = {f.event_type: f for f in load_schema_files() if f.registry == "bag"}
PARSED = {t: fastavro.parse_schema(f.schema, named_schemas={}) for t, f in CONTRACTS.items()}
OBJECTTYPES: tuple[Objecttype, ...] = get_args(Objecttype)
VERBS = ("aangemaakt", "gewijzigd", "ingetrokken")

NOW = datetime(2024, 6, 3, 9, 30, tzinfo=UTC)
WP, WP2 = "3594", "1024"
OR_ID = "0344300000000123"
NA_ID, NA2 = "0344200000000456", "0344200000000457"
VBO_ID = "0344010000000789"
PAND_ID, PAND2 = "0344100000000321", "0344100000000322"
EVERYTHING: tuple[tuple[Objecttype, str], ...] = (
    ("woonplaats", WP),
    ("woonplaats", WP2),
    ("openbare-ruimte", OR_ID),
    ("nummeraanduiding", NA_ID),
    ("nummeraanduiding", NA2),
    ("pand", PAND_ID),
    ("pand", PAND2),
)


class Doc(TypedDict):
    documentdatum: date
    documentnummer: str
    tijdstipRegistratie: datetime


DOC: Doc = {
    "documentdatum": date(2024, 6, 1),
    "documentnummer": "BWT-42",
    "tijdstipRegistratie": NOW,
}
BASE: dict[Objecttype, dict[str, Any]] = {
    "woonplaats": {"identificatie": WP, "naam": "Utrecht", "status": "woonplaats_aangewezen"},
    "openbare-ruimte": {
        "identificatie": OR_ID,
        "naam": "Burgemeester Reigerstraat",
        "verkorteNaam": "Burg. Reigerstr",
        "type": "weg",
        "status": "naamgeving_uitgegeven",
        "ligtIn": WP,
    },
    "nummeraanduiding": {
        "identificatie": NA_ID,
        "huisnummer": 12,
        "huisletter": "a",
        "huisnummertoevoeging": "2",
        "postcode": "3581KP",
        "typeAdresseerbaarObject": "verblijfsobject",
        "status": "naamgeving_uitgegeven",
        "ligtAan": OR_ID,
    },
    "verblijfsobject": {
        "identificatie": VBO_ID,
        "heeftAlsHoofdadres": NA_ID,
        "gebruiksdoelen": ("woonfunctie",),
        "oppervlakte": 84,
        "status": "verblijfsobject_in_gebruik",
        "maaktDeelUitVan": (PAND_ID,),
        "geometrie": "POINT (136512.0 455932.0)",
    },
    "pand": {"identificatie": PAND_ID, "oorspronkelijkBouwjaar": 1931, "status": "pand_in_gebruik"},
}
CHANGES: dict[Objecttype, dict[str, Any]] = {
    "woonplaats": {"naam": "Utrecht (Ut)"},
    "openbare-ruimte": {"naam": "Burgemeester Reigerstraat-Oost", "verkorteNaam": None},
    "nummeraanduiding": {"huisnummer": 14, "huisletter": None, "ligtIn": WP2},
    "verblijfsobject": {"heeftAlsNevenadres": (NA2,), "maaktDeelUitVan": (PAND_ID, PAND2)},
    "pand": {
        "status": "sloopvergunning_verleend",
        "geometrie": "POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))",
    },
}
END_STATUS: dict[Objecttype, str] = {
    "woonplaats": "woonplaats_ingetrokken",
    "openbare-ruimte": "naamgeving_ingetrokken",
    "nummeraanduiding": "naamgeving_ingetrokken",
    "verblijfsobject": "verblijfsobject_ingetrokken",
    "pand": "pand_gesloopt",
}
COMMANDS: dict[Objecttype, tuple[Callable[..., Command], ...]] = {
    "woonplaats": (WoonplaatsAanmaken, WoonplaatsWijzigen, WoonplaatsIntrekken),
    "openbare-ruimte": (OpenbareRuimteAanmaken, OpenbareRuimteWijzigen, OpenbareRuimteIntrekken),
    "nummeraanduiding": (
        NummeraanduidingAanmaken,
        NummeraanduidingWijzigen,
        NummeraanduidingIntrekken,
    ),
    "verblijfsobject": (VerblijfsobjectAanmaken, VerblijfsobjectWijzigen, VerblijfsobjectIntrekken),
    "pand": (PandAanmaken, PandWijzigen, PandIntrekken),
}


class Registry:
    """The `Refs` port: a set of objects that exist and are not withdrawn, and what was asked."""

    def __init__(self, known: tuple[tuple[Objecttype, str], ...] = EVERYTHING) -> None:
        self.known = set(known)
        self.asked: list[tuple[Objecttype, str]] = []

    def exists(self, objecttype: Objecttype, identificatie: str) -> bool:
        self.asked.append((objecttype, identificatie))
        return (objecttype, identificatie) in self.known


def without(objecttype: Objecttype, identificatie: str) -> Registry:
    return Registry(tuple(k for k in EVERYTHING if k != (objecttype, identificatie)))


def aanmaken(objecttype: Objecttype, **changes: Any) -> Command:
    return COMMANDS[objecttype][0](**{**BASE[objecttype], **DOC, **changes})


def wijzigen(objecttype: Objecttype, **changes: Any) -> Command:
    return COMMANDS[objecttype][1](
        **{**BASE[objecttype], **DOC, "documentnummer": "BWT-43", **changes}
    )


def intrekken(objecttype: Objecttype, **changes: Any) -> Command:
    values = {"identificatie": BASE[objecttype]["identificatie"], "status": END_STATUS[objecttype]}
    return COMMANDS[objecttype][2](**{**values, **DOC, "documentnummer": "BWT-44", **changes})


def fold(state: BagObject | None, events: Events) -> BagObject:
    assert events
    for event_type, data in events:
        state = evolve(state, event_type, data)
    assert state is not None
    return state


@cache
def created(objecttype: Objecttype) -> BagObject:
    return fold(None, decide(aanmaken(objecttype), None, Registry()))


@cache
def withdrawn(objecttype: Objecttype) -> BagObject:
    state = created(objecttype)
    return fold(state, decide(intrekken(objecttype), state, Registry()))


def with_status(state: BagObject, status: str) -> BagObject:
    changes: dict[str, Any] = {"status": status}
    return dataclasses.replace(state, **changes)


def command_for(objecttype: Objecttype, verb: str) -> tuple[Command, BagObject | None]:
    if verb == "aangemaakt":
        return aanmaken(objecttype), None
    if verb == "gewijzigd":
        return wijzigen(objecttype, **CHANGES[objecttype]), created(objecttype)
    return intrekken(objecttype), created(objecttype)


# --- happy paths: every command of every object, checked against its contract ---


@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize("objecttype", OBJECTTYPES)
def test_each_command_decides_one_event_that_fits_its_contract(
    objecttype: Objecttype, verb: str
) -> None:
    command, state = command_for(objecttype, verb)
    events = decide(command, state, Registry())
    assert [t for t, _ in events] == [f"nl.bag.{objecttype}-{verb}.v1"]
    event_type, data = events[0]
    contract = CONTRACTS[event_type]
    assert set(data) == {field["name"] for field in contract.schema["fields"]}
    model = vars(EVENT_MODELS[event_type])
    assert model["__required_keys__"] <= set(data) <= set(model["__annotations__"])
    validate(data, PARSED[event_type], raise_errors=True)
    assert data["voorkomenidentificatie"] == (1 if state is None else 2)
    assert data["beginGeldigheid"] == DOC["documentdatum"]
    assert data["eindGeldigheid"] is None


def test_begin_geldigheid_is_the_commands_own_when_given() -> None:
    events = decide(aanmaken("pand", beginGeldigheid=date(2024, 7, 1)), None, Registry())
    assert events[0][1]["beginGeldigheid"] == date(2024, 7, 1)


def test_a_woonplaats_withdrawal_names_its_end_status_itself() -> None:
    command = WoonplaatsIntrekken(identificatie=WP, **DOC)
    [(_, data)] = decide(command, created("woonplaats"), Registry())
    assert data["status"] == "woonplaats_ingetrokken"


# --- rejections: one case per rule, asserting the field and the rule id ---


@dataclass(frozen=True)
class Case:
    id: str
    command: Callable[[], Command]
    field: str
    rule: str
    state: Callable[[], BagObject | None] = lambda: None
    refs: Callable[[], Registry] = Registry


def _nummeraanduiding(**changes: Any) -> Callable[[], Command]:
    return lambda: aanmaken("nummeraanduiding", **changes)


def _verblijfsobject(**changes: Any) -> Callable[[], Command]:
    return lambda: aanmaken("verblijfsobject", **changes)


def _pand(**changes: Any) -> Callable[[], Command]:
    return lambda: aanmaken("pand", **changes)


NEXT_YEAR = NOW.year + 1
CASES = [
    Case("woonplaatscode-3-digits", lambda: aanmaken("woonplaats", identificatie="359"),
         "identificatie", "identificatie-format"),
    Case("woonplaatscode-0000", lambda: aanmaken("woonplaats", identificatie="0000"),
         "identificatie", "identificatie-format"),
    Case("bag-id-15-digits", lambda: aanmaken("openbare-ruimte", identificatie=OR_ID[:-1]),
         "identificatie", "identificatie-format"),
    Case("bag-id-letter", _pand(identificatie="034410000000032a"),
         "identificatie", "identificatie-format"),
    Case("bag-id-arabic-digits", _pand(identificatie="٠٣٤٤١٠٠٠٠٠٠٠٠٣٢١"),
         "identificatie", "identificatie-format"),
    Case("reference-woonplaatscode", lambda: aanmaken("openbare-ruimte", ligtIn="35940"),
         "ligtIn", "identificatie-format"),
    Case("na-with-type-30", _nummeraanduiding(identificatie=OR_ID),
         "identificatie", "identificatie-type"),
    Case("vbo-with-pand-id", _verblijfsobject(identificatie=PAND_ID),
         "identificatie", "identificatie-type"),
    Case("withdraw-with-wrong-type", lambda: intrekken("pand", identificatie=VBO_ID),
         "identificatie", "identificatie-type", lambda: created("pand")),
    Case("ligt-aan-a-nummeraanduiding", _nummeraanduiding(ligtAan=NA2),
         "ligtAan", "identificatie-type"),
    Case("pand-list-holds-an-na", _verblijfsobject(maaktDeelUitVan=(PAND_ID, NA2)),
         "maaktDeelUitVan.1", "identificatie-type"),
    Case("other-gemeente-creates", _pand(gemeentecode="0363"),
         "identificatie", "identificatie-gemeente"),
    Case("other-gemeente-withdraws", lambda: intrekken("pand", gemeentecode="0363"),
         "identificatie", "identificatie-gemeente", lambda: created("pand")),
    Case("gemeentecode-3-digits", _pand(gemeentecode="344"),
         "gemeentecode", "gemeentecode-format"),
    Case("postcode-space", _nummeraanduiding(postcode="3581 KP"), "postcode", "postcode-format"),
    Case("postcode-zero", _nummeraanduiding(postcode="0581KP"), "postcode", "postcode-format"),
    Case("postcode-lower", _nummeraanduiding(postcode="3581kp"), "postcode", "postcode-format"),
    Case("huisnummer-0", _nummeraanduiding(huisnummer=0), "huisnummer", "huisnummer-range"),
    Case("huisnummer-100000", _nummeraanduiding(huisnummer=100000),
         "huisnummer", "huisnummer-range"),
    Case("huisletter-two", _nummeraanduiding(huisletter="AB"), "huisletter", "huisletter-format"),
    Case("huisletter-digit", _nummeraanduiding(huisletter="1"), "huisletter", "huisletter-format"),
    Case("huisletter-accent", _nummeraanduiding(huisletter="é"), "huisletter",
         "huisletter-format"),
    Case("toevoeging-empty", _nummeraanduiding(huisnummertoevoeging=""),
         "huisnummertoevoeging", "toevoeging-format"),
    Case("toevoeging-5", _nummeraanduiding(huisnummertoevoeging="12345"),
         "huisnummertoevoeging", "toevoeging-format"),
    Case("toevoeging-dash", _nummeraanduiding(huisnummertoevoeging="A-1"),
         "huisnummertoevoeging", "toevoeging-format"),
    Case("oppervlakte-0", _verblijfsobject(oppervlakte=0), "oppervlakte", "oppervlakte-range"),
    Case("oppervlakte-1000000", _verblijfsobject(oppervlakte=1_000_000),
         "oppervlakte", "oppervlakte-range"),
    Case("bouwjaar-999", _pand(oorspronkelijkBouwjaar=999),
         "oorspronkelijkBouwjaar", "bouwjaar-range"),
    Case("bouwjaar-next-year", _pand(oorspronkelijkBouwjaar=NEXT_YEAR),
         "oorspronkelijkBouwjaar", "bouwjaar-range"),
    Case("bouwjaar-9999-in-gebruik", _pand(oorspronkelijkBouwjaar=9999),
         "oorspronkelijkBouwjaar", "bouwjaar-range"),
    Case("naam-blank", lambda: aanmaken("woonplaats", naam="  "), "naam", "verplicht"),
    Case("documentnummer-empty", _pand(documentnummer=""), "documentnummer", "verplicht"),
    Case("withdraw-documentnummer-empty", lambda: intrekken("pand", documentnummer=""),
         "documentnummer", "verplicht", lambda: created("pand")),
    Case("no-gebruiksdoel", _verblijfsobject(gebruiksdoelen=()), "gebruiksdoelen", "verplicht"),
    Case("no-pand", _verblijfsobject(maaktDeelUitVan=()), "maaktDeelUitVan", "verplicht"),
    Case("pand-withdrawn-without-status", lambda: intrekken("pand", status=None),
         "status", "verplicht", lambda: created("pand")),
    Case("verkorte-naam-25", lambda: aanmaken("openbare-ruimte", verkorteNaam="x" * 25),
         "verkorteNaam", "lengte"),
    Case("type-unknown", lambda: aanmaken("openbare-ruimte", type="straat"),
         "type", "waarde-onbekend"),
    Case("status-unknown", _pand(status="bestaand"), "status", "waarde-onbekend"),
    Case("withdraw-status-unknown", lambda: intrekken("pand", status="weg"),
         "status", "waarde-onbekend", lambda: created("pand")),
    Case("gebruiksdoel-unknown", _verblijfsobject(gebruiksdoelen=("woonfunctie", "wonen")),
         "gebruiksdoelen.1", "waarde-onbekend"),
    Case("adresseerbaar-object-unknown", _nummeraanduiding(typeAdresseerbaarObject="pand"),
         "typeAdresseerbaarObject", "waarde-onbekend"),
    Case("pand-twice", _verblijfsobject(maaktDeelUitVan=(PAND_ID, PAND_ID)),
         "maaktDeelUitVan.1", "dubbel"),
    Case("nevenadres-is-hoofdadres", _verblijfsobject(heeftAlsNevenadres=(NA2, NA_ID)),
         "heeftAlsNevenadres.1", "dubbel"),
    Case("gebruiksdoel-twice", _verblijfsobject(gebruiksdoelen=("woonfunctie", "woonfunctie")),
         "gebruiksdoelen.1", "dubbel"),
    Case("created-twice", _pand(), "identificatie", "bestaat-al", lambda: created("pand")),
    Case("created-again-after-withdrawal", _pand(), "identificatie", "bestaat-al",
         lambda: withdrawn("pand")),
    Case("change-unknown", lambda: wijzigen("pand"), "identificatie", "onbekend"),
    Case("withdraw-unknown", lambda: intrekken("woonplaats"), "identificatie", "onbekend"),
    Case("change-withdrawn", lambda: wijzigen("nummeraanduiding"), "identificatie",
         "ingetrokken", lambda: withdrawn("nummeraanduiding")),
    Case("withdraw-withdrawn", lambda: intrekken("verblijfsobject"), "identificatie",
         "ingetrokken", lambda: withdrawn("verblijfsobject")),
    Case("or-in-unknown-woonplaats", lambda: aanmaken("openbare-ruimte"), "ligtIn",
         "verwijzing-onbekend", refs=lambda: without("woonplaats", WP)),
    Case("na-at-unknown-or", _nummeraanduiding(), "ligtAan", "verwijzing-onbekend",
         refs=lambda: without("openbare-ruimte", OR_ID)),
    Case("na-in-unknown-woonplaats", _nummeraanduiding(ligtIn=WP2), "ligtIn",
         "verwijzing-onbekend", refs=lambda: without("woonplaats", WP2)),
    Case("vbo-unknown-hoofdadres", _verblijfsobject(), "heeftAlsHoofdadres",
         "verwijzing-onbekend", refs=lambda: without("nummeraanduiding", NA_ID)),
    Case("vbo-unknown-nevenadres", _verblijfsobject(heeftAlsNevenadres=(NA2,)),
         "heeftAlsNevenadres.0", "verwijzing-onbekend",
         refs=lambda: without("nummeraanduiding", NA2)),
    Case("vbo-unknown-pand", _verblijfsobject(maaktDeelUitVan=(PAND_ID, PAND2)),
         "maaktDeelUitVan.1", "verwijzing-onbekend", refs=lambda: without("pand", PAND2)),
    Case("change-to-unknown-pand", lambda: wijzigen("verblijfsobject", maaktDeelUitVan=(PAND2,)),
         "maaktDeelUitVan.0", "verwijzing-onbekend", lambda: created("verblijfsobject"),
         lambda: without("pand", PAND2)),
    Case("created-withdrawn", lambda: aanmaken("woonplaats", status="woonplaats_ingetrokken"),
         "status", "status-transition"),
    Case("end-status-by-change", lambda: wijzigen("nummeraanduiding",
         status="naamgeving_ingetrokken"), "status", "status-transition",
         lambda: created("nummeraanduiding")),
    Case("withdrawn-to-a-live-status", lambda: intrekken("pand", status="pand_buiten_gebruik"),
         "status", "status-transition", lambda: created("pand")),
    Case("pand-back-to-construction", lambda: wijzigen("pand", status="bouw_gestart"),
         "status", "status-transition", lambda: created("pand")),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_rule_refuses_with_its_field_and_rule_id(case: Case) -> None:
    with pytest.raises(Rejection) as refused:
        decide(case.command(), case.state(), case.refs())
    assert (refused.value.field, refused.value.rule) == (case.field, case.rule)
    assert refused.value.message


def test_every_rule_id_has_a_case() -> None:
    rules = {
        "identificatie-format", "identificatie-type", "identificatie-gemeente",
        "gemeentecode-format", "postcode-format", "huisnummer-range", "huisletter-format",
        "toevoeging-format", "oppervlakte-range", "bouwjaar-range", "verplicht", "lengte",
        "waarde-onbekend", "dubbel", "bestaat-al", "onbekend", "ingetrokken",
        "verwijzing-onbekend", "status-transition",
    }  # fmt: skip
    assert {case.rule for case in CASES} == rules


@pytest.mark.parametrize(
    "changes",
    [
        {"oorspronkelijkBouwjaar": 1000},
        {"oorspronkelijkBouwjaar": NOW.year},
        {"oorspronkelijkBouwjaar": 9999, "status": "bouwvergunning_verleend"},
        {"oorspronkelijkBouwjaar": 9999, "status": "bouw_gestart"},
    ],
)
def test_bouwjaar_edges_are_accepted(changes: dict[str, Any]) -> None:
    assert decide(aanmaken("pand", **changes), None, Registry())


@pytest.mark.parametrize(
    "changes",
    [
        {"huisnummer": 1, "huisletter": "z", "huisnummertoevoeging": "ab12"},
        {"huisnummer": 99999, "huisletter": None, "huisnummertoevoeging": None, "postcode": None},
    ],
)
def test_address_edges_are_accepted(changes: dict[str, Any]) -> None:
    assert decide(aanmaken("nummeraanduiding", **changes), None, Registry())


def test_the_gemeente_that_owns_the_object_may_act() -> None:
    assert decide(aanmaken("pand", gemeentecode="0344"), None, Registry())


# --- status lifecycles: the domain's table, and decisions, against an independent table ---

EXPECTED_TEXT: dict[Objecttype, str] = {
    "woonplaats": """
        new: woonplaats_aangewezen
        woonplaats_aangewezen: woonplaats_ingetrokken
        woonplaats_ingetrokken:
    """,
    "openbare-ruimte": """
        new: naamgeving_uitgegeven
        naamgeving_uitgegeven: naamgeving_ingetrokken
        naamgeving_ingetrokken:
    """,
    "nummeraanduiding": """
        new: naamgeving_uitgegeven
        naamgeving_uitgegeven: naamgeving_ingetrokken
        naamgeving_ingetrokken:
    """,
    "pand": """
        new: bouwvergunning_verleend bouw_gestart pand_in_gebruik_niet_ingemeten pand_in_gebruik
             verbouwing_pand sloopvergunning_verleend pand_buiten_gebruik
        bouwvergunning_verleend: bouw_gestart niet_gerealiseerd_pand pand_ten_onrechte_opgevoerd
        bouw_gestart: pand_in_gebruik_niet_ingemeten pand_in_gebruik pand_ten_onrechte_opgevoerd
        pand_in_gebruik_niet_ingemeten: pand_in_gebruik verbouwing_pand sloopvergunning_verleend
             pand_buiten_gebruik pand_gesloopt pand_ten_onrechte_opgevoerd
        pand_in_gebruik: pand_in_gebruik_niet_ingemeten verbouwing_pand sloopvergunning_verleend
             pand_buiten_gebruik pand_gesloopt pand_ten_onrechte_opgevoerd
        verbouwing_pand: pand_in_gebruik_niet_ingemeten pand_in_gebruik pand_ten_onrechte_opgevoerd
        pand_buiten_gebruik: verbouwing_pand sloopvergunning_verleend pand_gesloopt
             pand_ten_onrechte_opgevoerd
        sloopvergunning_verleend: pand_gesloopt pand_in_gebruik_niet_ingemeten pand_in_gebruik
             pand_ten_onrechte_opgevoerd
        niet_gerealiseerd_pand:
        pand_gesloopt:
        pand_ten_onrechte_opgevoerd:
    """,
    "verblijfsobject": """
        new: verblijfsobject_gevormd verblijfsobject_in_gebruik_niet_ingemeten
             verblijfsobject_in_gebruik verbouwing_verblijfsobject verblijfsobject_buiten_gebruik
        verblijfsobject_gevormd: verblijfsobject_in_gebruik_niet_ingemeten
             verblijfsobject_in_gebruik niet_gerealiseerd_verblijfsobject
             verblijfsobject_ten_onrechte_opgevoerd
        verblijfsobject_in_gebruik_niet_ingemeten: verblijfsobject_in_gebruik
             verbouwing_verblijfsobject verblijfsobject_buiten_gebruik verblijfsobject_ingetrokken
             verblijfsobject_ten_onrechte_opgevoerd
        verblijfsobject_in_gebruik: verblijfsobject_in_gebruik_niet_ingemeten
             verbouwing_verblijfsobject verblijfsobject_buiten_gebruik verblijfsobject_ingetrokken
             verblijfsobject_ten_onrechte_opgevoerd
        verbouwing_verblijfsobject: verblijfsobject_in_gebruik_niet_ingemeten
             verblijfsobject_in_gebruik verblijfsobject_ingetrokken
             verblijfsobject_ten_onrechte_opgevoerd
        verblijfsobject_buiten_gebruik: verblijfsobject_in_gebruik_niet_ingemeten
             verblijfsobject_in_gebruik verbouwing_verblijfsobject verblijfsobject_ingetrokken
             verblijfsobject_ten_onrechte_opgevoerd
        niet_gerealiseerd_verblijfsobject:
        verblijfsobject_ingetrokken:
        verblijfsobject_ten_onrechte_opgevoerd:
    """,
}


def parse_table(text: str) -> dict[str | None, frozenset[str]]:
    """`from: to to ...` lines (continued by indented lines without a colon); `new` is creation."""
    table: dict[str | None, set[str]] = {}
    current: set[str] = set()
    for line in text.strip().splitlines():
        head, colon, rest = line.strip().partition(":")
        if colon:
            current = table.setdefault(None if head == "new" else head, set())
            current.update(rest.split())
        else:
            current.update(head.split())
    return {status: frozenset(targets) for status, targets in table.items()}


EXPECTED = {objecttype: parse_table(text) for objecttype, text in EXPECTED_TEXT.items()}


def contract_statuses(objecttype: Objecttype) -> list[str]:
    schema = CONTRACTS[f"nl.bag.{objecttype}-aangemaakt.v1"].schema
    [status] = [f for f in schema["fields"] if f["name"] == "status"]
    return list(status["type"]["symbols"])


@pytest.mark.parametrize("objecttype", OBJECTTYPES)
def test_the_transition_table_is_the_expected_one(objecttype: Objecttype) -> None:
    assert dict(TRANSITIONS[objecttype]) == EXPECTED[objecttype]


@pytest.mark.parametrize("objecttype", OBJECTTYPES)
def test_the_tables_cover_exactly_the_contracts_status_symbols(objecttype: Objecttype) -> None:
    symbols = set(contract_statuses(objecttype))
    for table in (TRANSITIONS[objecttype], EXPECTED[objecttype]):
        assert set(table) - {None} == symbols
        assert set().union(*table.values()) <= symbols


def status_moves() -> Iterator[tuple[Objecttype, str | None, str]]:
    for objecttype in OBJECTTYPES:
        symbols = contract_statuses(objecttype)
        for new in symbols:
            yield objecttype, None, new
            for current in symbols:
                yield objecttype, current, new


@pytest.mark.parametrize(("objecttype", "current", "new"), list(status_moves()))
def test_a_status_moves_only_as_the_expected_table_allows(
    objecttype: Objecttype, current: str | None, new: str
) -> None:
    expected = EXPECTED[objecttype]
    ends = not expected[new]
    if current is None:
        command, state = aanmaken(objecttype, status=new), None
        allowed = new in expected[None]
    else:
        state = with_status(created(objecttype), current)
        command = intrekken(objecttype, status=new) if ends else wijzigen(objecttype, status=new)
        allowed = new == current or new in expected[current]
    if current is not None and not expected[current]:
        with pytest.raises(Rejection) as refused:
            decide(command, state, Registry())
        assert (refused.value.field, refused.value.rule) == ("identificatie", "ingetrokken")
    elif allowed:
        [(_, data)] = decide(command, state, Registry())
        assert data["status"] == new
    else:
        with pytest.raises(Rejection) as refused:
            decide(command, state, Registry())
        assert (refused.value.field, refused.value.rule) == ("status", "status-transition")


# --- decide + evolve ---


@pytest.mark.parametrize("objecttype", OBJECTTYPES)
def test_create_change_withdraw_round_trip(objecttype: Objecttype) -> None:
    refs = Registry()
    command = aanmaken(objecttype)
    first = fold(None, decide(command, None, refs))
    assert first.version == 1
    assert first.identificatie == command.identificatie
    assert first.beginGeldigheid == DOC["documentdatum"]

    change = wijzigen(objecttype, **CHANGES[objecttype])
    second = fold(first, decide(change, first, refs))
    assert second.version == 2
    for name, value in CHANGES[objecttype].items():
        assert getattr(second, name) == value
    assert second.documentnummer == "BWT-43"

    third = fold(second, decide(intrekken(objecttype), second, refs))
    assert third.version == 3
    assert third.status == END_STATUS[objecttype]
    assert third.documentnummer == "BWT-44"
    with pytest.raises(Rejection, match="ingetrokken"):
        decide(wijzigen(objecttype), third, refs)


@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize("objecttype", OBJECTTYPES)
def test_evolve_reads_events_as_avro_gives_them_back(objecttype: Objecttype, verb: str) -> None:
    command, state = command_for(objecttype, verb)
    [(event_type, data)] = decide(command, state, Registry())
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, PARSED[event_type], data)
    buffer.seek(0)
    read = fastavro.schemaless_reader(buffer, PARSED[event_type], PARSED[event_type])
    assert isinstance(read, dict)
    assert evolve(state, event_type, read) == evolve(state, event_type, data)


@pytest.mark.parametrize("objecttype", OBJECTTYPES)
def test_a_repeated_change_decides_nothing(objecttype: Objecttype) -> None:
    """A retried request (same data, a later registration time) changes nothing."""
    state = fold(created(objecttype), decide(wijzigen(objecttype), created(objecttype), Registry()))
    again = wijzigen(objecttype, tijdstipRegistratie=NOW.replace(hour=10))
    assert decide(again, state, Registry()) == []


def test_a_change_asks_only_about_references_it_did_not_have() -> None:
    refs = Registry(known=(("pand", PAND2),))
    command = wijzigen("verblijfsobject", maaktDeelUitVan=(PAND_ID, PAND2), oppervlakte=90)
    assert decide(command, created("verblijfsobject"), refs)
    assert refs.asked == [("pand", PAND2)]


def test_evolve_refuses_an_event_of_another_object() -> None:
    with pytest.raises(ValueError, match="not an event"):
        evolve(created("pand"), "nl.bag.woonplaats-gewijzigd.v1", {})
    with pytest.raises(ValueError, match="never created"):
        evolve(None, "nl.bag.pand-ingetrokken.v1", {"status": "pand_gesloopt"})
    with pytest.raises(ValueError, match="not an event"):
        evolve(None, "nl.brp.persoon-verhuisd.v1", {})


def test_decide_refuses_a_state_of_another_object() -> None:
    with pytest.raises(TypeError):
        decide(wijzigen("pand"), created("woonplaats"), Registry())


# --- the address key ---


@pytest.mark.parametrize(
    ("parts", "key"),
    [
        (("3581KP", 12, "A", "2"), "3581KP-12-A-2"),
        ((" 3581 kp ", 12, "a", " 2b"), "3581KP-12-A-2B"),
        (("3581KP", 12, None, None), "3581KP-12--"),
        (("3581KP", 12, "", ""), "3581KP-12--"),
        (("3581KP", 7, None, "H"), "3581KP-7--H"),
    ],
)
def test_address_key_normalises(parts: tuple[str, int, str | None, str | None], key: str) -> None:
    assert address_key(*parts) == key


def test_address_key_prefix_finds_one_huisnummer_only() -> None:
    prefix = address_key("3581KP", 12).removesuffix("-")
    assert address_key("3581KP", 12, "B", "3").startswith(prefix)
    assert not address_key("3581KP", 120).startswith(prefix)
