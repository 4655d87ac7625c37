"""What the Avro contracts carry (`bron.apps.lineage`): every field a purpose names and every
field the views are rendered with today, a sample of Haal Centraal paths Bron does and does not
compute, and a field removed from a contract: exactly the paths computed from it stop being
carried."""

from __future__ import annotations

import copy
import datetime
import re
from collections.abc import Iterator
from typing import Any

import pytest

from bron.apps.lineage import ENTITIES, Lineage, current_lineage, lineage
from bron.contracts.schemafiles import load_schema_files
from bron.policy import load_policy, persoon_fields
from bron.views.persoon import persoon
from streams import compose
from streams.fold import fold

SCHEMAS: dict[str, list[dict[str, Any]]] = {}
for _found in load_schema_files():
    SCHEMAS.setdefault(_found.registry, []).append(_found.schema)
CURRENT = current_lineage()
HAAL_CENTRAAL = sorted(persoon_fields())


def _without(registry: str, event: str, path: str) -> Lineage:
    """The lineage with the field at `path` removed from the named events' schemas (`event`:
    a record name, or a prefix of it ending in "*"), from a deep copy of the parsed files."""
    schemas = copy.deepcopy(SCHEMAS)
    for schema in schemas[registry]:
        name = schema["name"]
        if name == event or (event.endswith("*") and name.startswith(event[:-1])):
            *parents, leaf = path.split(".")
            record: dict[str, Any] | None = schema
            for parent in parents:
                fields = record["fields"] if record else []
                kind = next((f["type"] for f in fields if f["name"] == parent), None)
                kinds = kind if isinstance(kind, list) else [kind]
                record = next((k for k in kinds if isinstance(k, dict)), None)
            if record is not None:  # the events without the field are left as they are
                record["fields"] = [f for f in record["fields"] if f["name"] != leaf]
    return lineage(schemas)


def _changed(before: Lineage, after: Lineage, entity: str, paths: list[str]) -> set[str]:
    return {p for p in paths if before.carried(entity, p) and not after.carried(entity, p)}


# -- today -----------------------------------------------------------------------------------


def test_the_loader_reads_the_brp_bag_and_woz_contracts_only() -> None:
    assert lineage(SCHEMAS) == CURRENT
    assert {event.split("/")[0] for event in CURRENT.fields} == {"brp", "bag", "woz"}
    assert CURRENT.fields["brp/persoon-ingeschreven"]["geboorte.datum"] is True  # a leaf
    assert CURRENT.fields["brp/persoon-ingeschreven"]["geboorte"] is False  # a record
    assert CURRENT.fields["bag/verblijfsobject-gewijzigd"]["gebruiksdoelen"] is True  # enums


def test_every_field_a_purpose_names_is_carried() -> None:
    """So the tables cannot rot: a purpose of the register names no field Bron cannot give."""
    for doel in load_policy().doelen:
        for entity, paths in doel.velden.items():
            if entity in ENTITIES:
                for path in paths:
                    assert CURRENT.carried(entity, path), (doel.id, entity, path)


def _sample(type_: Any, names: dict[str, Any]) -> Any:
    """A value of an Avro type, as a decoded event holds it (the first enum symbol, one item)."""
    if isinstance(type_, list):
        return _sample(next(t for t in type_ if t != "null"), names)
    if isinstance(type_, str):
        if type_ in names:
            return _sample(names[type_], names)
        return {"string": "x", "int": 1, "long": 1, "boolean": True}[type_]
    if type_.get("logicalType") == "date":
        return datetime.date(2001, 2, 3)
    if type_.get("logicalType") == "uuid":
        return "00000000-0000-4000-8000-000000000001"
    if type_.get("logicalType"):
        return 1
    kind = type_["type"]
    if kind == "record":
        names[type_["name"]] = type_
        return {f["name"]: _sample(f["type"], names) for f in type_["fields"]}
    if kind == "enum":
        names[type_["name"]] = type_
        return type_["symbols"][0]
    if kind == "array":
        return [_sample(type_["items"], names)]
    return _sample(kind, names)


def _event(registry: str, stem: str) -> dict[str, Any]:
    (schema,) = [s for s in SCHEMAS[registry]
                 if re.sub(r"(?<!^)(?=[A-Z])", "-", s["name"]).lower() == stem]  # fmt: skip
    sample: dict[str, Any] = _sample(schema, {})
    return sample


def _leaves(value: Any, prefix: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, below in value.items():
            yield from _leaves(below, f"{prefix}{key}.")
    elif isinstance(value, list):
        for item in value:
            yield from _leaves(item, prefix)
    else:
        yield prefix.rstrip(".")


def _folded(kind: str, registry: str, stems: list[str]) -> dict[str, Any]:
    state = None
    for stem in stems:
        state = fold(kind, state, f"nl.{registry}.{stem}.v1", _event(registry, stem))
    assert state is not None
    return state


def test_every_field_of_a_rendered_view_is_carried() -> None:
    """A person with everything the events can hold (partner, parents, children, death,
    immigration), rendered as the views are, and the BAG and WOZ objects composed as they are:
    each of their leaves is carried, so no derivation is missing from the tables."""
    events = ["persoon-ingeschreven", "persoon-partnerschap-aangegaan",
              "persoon-partnerschap-ontbonden", "persoon-overleden"]  # fmt: skip
    record = _folded("persoon", "brp", events)
    related = {"00000000-0000-4000-8000-000000000001": record}
    document = persoon(record, datetime.date(2026, 1, 1), related, [record], {"0001": "x"})
    outside = persoon({**record, "partnerschappen": [{**record["partnerschappen"][0],
                       "partner": _event("brp", "persoon-partnerschap-aangegaan")["partner"]}]},
                      datetime.date(2026, 1, 1), {})  # fmt: skip
    alive = persoon({**record, "overlijden": None}, datetime.date(2026, 1, 1), {})
    paths = {*_leaves(document), *_leaves(outside), *_leaves(alive)}
    assert {"partners.burgerservicenummer", "ouders.ouderAanduiding", "kinderen.naam.voorletters",
            "leeftijd", "overlijden.datum.langFormaat", "immigratie.datumVestigingInNederland.type",
            "partners.ontbindingHuwelijkPartnerschap.datum.datum"} <= paths  # fmt: skip
    assert sorted(p for p in paths if not CURRENT.carried("persoon", p)) == []
    woz = compose.woz_object(_folded("woz_object", "woz", [
        "woz-object-aangemaakt", "waarde-vastgesteld", "belanghebbende-gewijzigd",
        "bezwaar-ingediend", "bezwaar-afgehandeld"]))  # fmt: skip
    verblijfsobject = compose.verblijfsobject(_event("bag", "verblijfsobject-aangemaakt"))
    adres = compose.adres(_event("bag", "nummeraanduiding-aangemaakt"), "straat", "plaats")
    pand = _event("bag", "pand-gewijzigd")
    for entity, view in (("wozObject", woz), ("verblijfsobject", verblijfsobject),
                         ("adres", adres), ("pand", pand)):  # fmt: skip
        leaves = set(_leaves(view))
        assert len(leaves) > 3
        assert sorted(p for p in leaves if not CURRENT.carried(entity, p)) == [], entity


@pytest.mark.parametrize(
    ("entity", "path", "source"),
    [
        ("persoon", "burgerservicenummer", "brp persoon-*: burgerservicenummer"),
        ("persoon", "geboorte.datum.langFormaat", "brp persoon-*: geboorte.datum"),
        ("persoon", "geslacht.code", "brp persoon-*: geslacht"),
        ("persoon", "leeftijd", "brp persoon-*: geboorte.datum"),
        ("persoon", "naam.voorletters", "brp persoon-*: naam.voornamen"),
        ("persoon", "naam.volledigeNaam", "brp persoon-*: naam.voornamen + brp persoon-*: "
         "naam.voorvoegsel + brp persoon-*: naam.geslachtsnaam"),
        ("persoon", "verblijfplaats.datumVan.datum",
         "brp persoon-*: verblijfplaats.datumAanvangAdreshouding"),
        ("persoon", "verblijfplaats.verblijfadres.postcode",
         "brp persoon-*: verblijfplaats.verblijfadres.postcode"),
        ("persoon", "partners", "brp persoon-*: partner"),
        ("persoon", "partners.burgerservicenummer", "brp persoon-*: burgerservicenummer"),
        ("persoon", "partners.naam.voorletters",
         "brp persoon-*: partner.naam.voornamen + brp persoon-*: naam.voornamen"),
        ("persoon", "partners.soortVerbintenis.code", "brp persoon-*: soortVerbintenis"),
        ("persoon", "partners.aangaanHuwelijkPartnerschap.datum",
         "brp persoon-*: aangaanHuwelijkPartnerschap.datum"),
        ("persoon", "ouders.ouderAanduiding", "brp persoon-*: ouders.ouderAanduiding"),
        ("persoon", "ouders.geslacht.omschrijving", "brp persoon-*: geslacht"),
        ("persoon", "kinderen", "brp persoon-*"),
        ("persoon", "kinderen.geboorte.datum", "brp persoon-*: geboorte.datum"),
        ("persoon", "nationaliteiten.nationaliteit.code",
         "brp persoon-*: nationaliteiten.nationaliteit"),
        ("persoon", "immigratie.indicatieVestigingVanuitBuitenland", "brp persoon-*: immigratie"),
        ("adres", "straat", "bag openbare-ruimte-*: naam"),
        ("adres", "woonplaats", "bag woonplaats-*: naam"),
        ("adres", "*", "bag nummeraanduiding-*"),
        ("verblijfsobject", "gebruiksdoelen", "bag verblijfsobject-*: gebruiksdoelen"),
        ("pand", "oorspronkelijkBouwjaar", "bag pand-*: oorspronkelijkBouwjaar"),
        ("wozObject", "waarden", "woz waarde-vastgesteld"),
        ("wozObject", "waarden.vastgesteldeWaarde", "woz waarde-vastgesteld: vastgesteldeWaarde"),
        ("wozObject", "bezwaren.uitkomst", "woz bezwaar-*: uitkomst"),
        ("wozObject", "belanghebbenden.soort", "woz belanghebbende-gewijzigd: soort"),
    ],
)  # fmt: skip
def test_a_haal_centraal_path_is_carried_by_the_field_it_is_computed_from(
    entity: str, path: str, source: str
) -> None:
    assert CURRENT.carried(entity, path)
    assert CURRENT.source(entity, path) == source


@pytest.mark.parametrize(
    ("entity", "path", "source"),
    [
        ("persoon", "gezag.ouders.burgerservicenummer", None),  # not computed by Bron
        ("persoon", "europeesKiesrecht", None),
        ("persoon", "verblijfstitel.aanduiding.code", None),
        ("persoon", "adressering.adresregel1", None),
        ("persoon", "verblijfplaatsBinnenland.verblijfadres", None),  # the view has verblijfplaats
        ("persoon", "kinderen.geslacht", None),  # a child shows bsn, naam and geboorte only
        ("persoon", "naam.aanduidingNaamgebruik.code",
         "brp persoon-*: naam.aanduidingNaamgebruik.code"),
        ("persoon", "verblijfplaats.verblijfadres.regel1",
         "brp persoon-*: verblijfplaats.verblijfadres.regel1"),
        ("persoon", "ouders.datumIngangFamilierechtelijkeBetrekking.datum", None),
        ("adres", "ligtAan", None),  # not in the view's address
        ("verblijfsobject", "geometrie", None),
        ("wozObject", "waarden.onbekend", "woz waarde-vastgesteld: onbekend"),
        ("toestemming", "status", None),  # not from the views' contracts
    ],
)  # fmt: skip
def test_what_bron_does_not_compute_is_not_carried(
    entity: str, path: str, source: str | None
) -> None:
    assert not CURRENT.carried(entity, path)
    assert CURRENT.source(entity, path) == source


# -- a contract changes ----------------------------------------------------------------------


def test_a_removed_birth_date_stops_exactly_what_is_computed_from_it() -> None:
    after = _without("brp", "PersoonIngeschreven", "geboorte.datum")
    birth = re.compile(r"^(partners\.|ouders\.|kinderen\.)?geboorte\.datum(\.|$)")
    expected = {p for p in HAAL_CENTRAAL if p == "leeftijd" or birth.match(p)}
    assert "partners.geboorte.datum.langFormaat" in expected
    assert _changed(CURRENT, after, "persoon", HAAL_CENTRAAL) == expected
    assert after.source("persoon", "geboorte.datum.langFormaat") == (
        "brp persoon-*: geboorte.datum.langFormaat")  # fmt: skip


def test_a_removed_first_name_stops_the_initials_and_the_full_name() -> None:
    after = _without("brp", "PersoonNaam*", "naam.voornamen")  # not yet: PersoonIngeschreven too
    assert _changed(CURRENT, after, "persoon", HAAL_CENTRAAL) == set()
    after = _without("brp", "Persoon*", "naam.voornamen")
    assert _changed(CURRENT, after, "persoon", HAAL_CENTRAAL) == {
        "naam.voornamen", "naam.voorletters", "naam.volledigeNaam",
        "kinderen.naam.voornamen", "kinderen.naam.voorletters",
        "ouders.naam.voornamen", "ouders.naam.voorletters",
        "partners.naam.voornamen", "partners.naam.voorletters",
    }  # fmt: skip


def test_a_removed_street_name_stops_the_street_not_the_place() -> None:
    after = _without("bag", "OpenbareRuimte*", "naam")
    paths = ["", "identificatie", "postcode", "huisnummer", "straat", "woonplaats"]
    assert _changed(CURRENT, after, "adres", paths) == {"straat"}
    assert after.source("adres", "straat") == "bag openbare-ruimte-*: naam"


def test_a_removed_event_stops_what_is_computed_from_it() -> None:
    schemas = {**SCHEMAS, "woz": [s for s in SCHEMAS["woz"] if s["name"] != "WaardeVastgesteld"]}
    after = lineage(schemas)
    paths = ["", "wozObjectnummer", "waarden", "waarden.vastgesteldeWaarde", "bezwaren.uitkomst"]
    changed = _changed(CURRENT, after, "wozObject", paths)
    assert changed == {"waarden", "waarden.vastgesteldeWaarde"}
