"""The Avro contracts in `schemas/avro/`: they load, round-trip through fastavro, cover the
required event types and classify every field; plus the loader's and sampler's own behaviour."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import avro.schema
import fastavro
import pytest

from bron.contracts.samples import sample_datum
from bron.contracts.schemafiles import (
    CLASSIFICATIONS,
    SCHEMAS_DIR,
    SchemaFile,
    SchemaFileError,
    field_classifications,
    load_schema_file,
    load_schema_files,
)

FILES = load_schema_files()
IDS = [str(f.path.relative_to(SCHEMAS_DIR)) for f in FILES]
REGISTRIES = {"brp", "bag", "woz", "toestemming", "platform"}
BSN_FIELD_NAMES = {
    "burgerservicenummer",
    "aNummer",
    "oudBurgerservicenummer",
    "nieuwBurgerservicenummer",
    "oudANummer",
    "nieuwANummer",
}
BAG_OBJECTS = ("woonplaats", "openbare-ruimte", "nummeraanduiding", "verblijfsobject", "pand")
REQUIRED_EVENT_TYPES = {
    *(
        f"nl.brp.persoon-{event}.v1"
        for event in (
            "ingeschreven",
            "naam-gewijzigd",
            "verhuisd",
            "partnerschap-aangegaan",
            "partnerschap-ontbonden",
            "overleden",
            "geheimhouding-gewijzigd",
            "burgerservicenummer-gewijzigd",
        )
    ),
    *(
        f"nl.bag.{obj}-{change}.v1"
        for obj in BAG_OBJECTS
        for change in ("aangemaakt", "gewijzigd", "ingetrokken")
    ),
    *(
        f"nl.woz.{event}.v1"
        for event in (
            "woz-object-aangemaakt",
            "woz-object-gewijzigd",
            "waarde-vastgesteld",
            "belanghebbende-gewijzigd",
            "bezwaar-ingediend",
            "bezwaar-afgehandeld",
        )
    ),
    *(
        f"nl.toestemming.{event}.v1"
        for event in (
            "toestemming-verleend",
            "toestemming-ingetrokken",
            "toestemming-verlopen",
            "app-geregistreerd",
            "app-gewijzigd",
            "doel-vastgesteld",
            "doel-gewijzigd",
        )
    ),
    "nl.platform.verwerking-vastgelegd.v1",
    "nl.platform.dead-letter.v1",
}


def by_type(event_type: str) -> SchemaFile:
    return next(f for f in FILES if f.event_type == event_type)


def round_trip(schema: Any, datum: Any) -> Any:
    parsed = fastavro.parse_schema(schema)
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, parsed, datum)
    buffer.seek(0)
    return fastavro.schemaless_reader(buffer, parsed)


def uuids_as_str(value: Any) -> Any:
    """fastavro accepts a uuid as str but reads it back as uuid.UUID."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: uuids_as_str(v) for k, v in value.items()}
    if isinstance(value, list):
        return [uuids_as_str(v) for v in value]
    return value


def leaf_paths(schema: Any) -> set[str]:
    """Fields whose type holds no record, found independently of the code under test."""
    leaves: set[str] = set()

    def holds_record(type_: Any, path: str) -> bool:
        if isinstance(type_, list):
            return any([holds_record(branch, path) for branch in type_])
        if not isinstance(type_, dict):
            return False
        if type_["type"] == "record":
            for field in type_["fields"]:
                field_path = f"{path}.{field['name']}" if path else field["name"]
                if not holds_record(field["type"], field_path):
                    leaves.add(field_path)
            return True
        if type_["type"] == "array":
            return holds_record(type_["items"], path)
        if type_["type"] == "map":
            return holds_record(type_["values"], path)
        return False

    holds_record(schema, "")
    return leaves


def test_every_avsc_under_the_schemas_dir_is_loaded() -> None:
    assert sorted(SCHEMAS_DIR.rglob("*.avsc")) == [f.path for f in FILES]
    assert {f.registry for f in FILES} == REGISTRIES


@pytest.mark.parametrize("schema_file", FILES, ids=IDS)
def test_schema_file_loads_and_parses(schema_file: SchemaFile) -> None:
    assert load_schema_file(schema_file.path) == schema_file
    assert json.loads(schema_file.text) == schema_file.schema
    fastavro.parse_schema(schema_file.schema)
    parsed = avro.schema.parse(schema_file.text)
    assert isinstance(parsed, avro.schema.RecordSchema)
    assert parsed.fullname == schema_file.subject
    assert schema_file.subject == f"{schema_file.namespace}.{schema_file.name}"
    assert schema_file.event_type == f"nl.{schema_file.registry}.{schema_file.path.stem}.v1"


@pytest.mark.parametrize("schema_file", FILES, ids=IDS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sample_round_trips_through_fastavro(schema_file: SchemaFile, seed: int) -> None:
    datum = sample_datum(schema_file.schema, seed)
    assert uuids_as_str(round_trip(schema_file.schema, datum)) == datum


def test_every_required_event_type_has_a_schema() -> None:
    missing = REQUIRED_EVENT_TYPES - {f.event_type for f in FILES}
    assert not missing, f"no schema for: {sorted(missing)}"


@pytest.mark.parametrize("schema_file", FILES, ids=IDS)
def test_every_leaf_field_is_classified(schema_file: SchemaFile) -> None:
    classifications = field_classifications(schema_file.schema)
    leaves = leaf_paths(schema_file.schema)
    assert leaves
    unclassified = {p for p in leaves if classifications.get(p) not in CLASSIFICATIONS}
    assert not unclassified


@pytest.mark.parametrize("schema_file", FILES, ids=IDS)
def test_bsn_class_only_on_bsn_and_a_nummer_fields(schema_file: SchemaFile) -> None:
    for path, classification in field_classifications(schema_file.schema).items():
        is_bsn_field = path.rsplit(".", 1)[-1] in BSN_FIELD_NAMES
        assert (classification == "bsn") == is_bsn_field, path


@pytest.mark.parametrize("schema_file", FILES, ids=IDS)
def test_events_are_keyed_by_an_entity_id_never_a_bsn(schema_file: SchemaFile) -> None:
    first = schema_file.schema["fields"][0]
    assert first["name"] not in BSN_FIELD_NAMES
    if schema_file.registry == "brp":
        assert first["name"] == "persoonId"
        assert first["type"] == {"type": "string", "logicalType": "uuid"}


def test_bsn_appears_only_where_needed() -> None:
    with_bsn = {f.event_type for f in FILES if "bsn" in field_classifications(f.schema).values()}
    assert with_bsn == {
        "nl.brp.persoon-ingeschreven.v1",
        "nl.brp.persoon-burgerservicenummer-gewijzigd.v1",
    }


def test_classifications_of_a_real_schema() -> None:
    classes = field_classifications(by_type("nl.brp.persoon-ingeschreven.v1").schema)
    assert classes["persoonId"] == "pseudoniem"
    assert classes["burgerservicenummer"] == "bsn"
    assert classes["naam.geslachtsnaam"] == "persoonsgegeven"
    assert classes["verblijfplaats.verblijfadres.postcode"] == "persoonsgegeven"
    assert classes["nationaliteiten.nationaliteit"] == "bijzonder-persoonsgegeven"
    assert classes["ouders.persoonId"] == "pseudoniem"


def cls(name: str, type_: Any, classification: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "type": type_, "bron.classification": classification, **extra}


def test_classifications_recurse_through_arrays_maps_unions_and_references() -> None:
    item = {"type": "record", "name": "Item", "fields": [cls("code", "string", "openbaar")]}
    node = {
        "type": "record",
        "name": "Node",
        "fields": [cls("next", ["null", "Node"], "intern", default=None)],
    }
    schema = {
        "type": "record",
        "name": "Top",
        "namespace": "nl.bron.test",
        "fields": [
            cls("id", "string", "intern"),
            cls("items", {"type": "array", "items": item}, "openbaar"),
            cls("byKey", {"type": "map", "values": "Item"}, "openbaar"),
            cls("maybe", ["null", "nl.bron.test.Item"], "openbaar", default=None),
            cls("chain", node, "intern"),
            {"name": "unclassified", "type": "int"},
        ],
    }
    assert field_classifications(schema) == {
        "id": "intern",
        "items": "openbaar",
        "items.code": "openbaar",
        "byKey": "openbaar",
        "byKey.code": "openbaar",
        "maybe": "openbaar",
        "maybe.code": "openbaar",
        "chain": "intern",
        "chain.next": "intern",
    }


def test_loading_rejects_what_is_not_a_json_object(tmp_path: Path) -> None:
    broken = tmp_path / "brp" / "persoon-kapot.avsc"
    broken.parent.mkdir()
    broken.write_text('{"type": "record",', encoding="utf-8")
    with pytest.raises(SchemaFileError, match="not valid JSON"):
        load_schema_file(broken)
    broken.write_text('["null", "string"]', encoding="utf-8")
    with pytest.raises(SchemaFileError, match="not a JSON object"):
        load_schema_file(broken)


KITCHEN_SINK: dict[str, Any] = {
    "type": "record",
    "name": "Alles",
    "namespace": "nl.bron.test",
    "fields": [
        {"name": "n", "type": "null"},
        {"name": "b", "type": "boolean"},
        {"name": "i", "type": "int"},
        {"name": "l", "type": "long"},
        {"name": "f", "type": "float"},
        {"name": "d", "type": "double"},
        {"name": "raw", "type": "bytes"},
        {"name": "s", "type": "string"},
        {"name": "dag", "type": {"type": "int", "logicalType": "date"}},
        {"name": "ms", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
        {"name": "lokaal", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
        {"name": "tijd", "type": {"type": "int", "logicalType": "time-millis"}},
        {"name": "tijdUs", "type": {"type": "long", "logicalType": "time-micros"}},
        {"name": "id", "type": {"type": "string", "logicalType": "uuid"}},
        {
            "name": "bedrag",
            "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2},
        },
        {
            "name": "vast",
            "type": {
                "type": "fixed",
                "name": "Bedrag",
                "size": 8,
                "logicalType": "decimal",
                "precision": 18,
                "scale": 1,
            },
        },
        {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 8}},
        {"name": "kleur", "type": {"type": "enum", "name": "Kleur", "symbols": ["rood", "blauw"]}},
        {"name": "lijst", "type": {"type": "array", "items": "Kleur"}},
        {"name": "kaart", "type": {"type": "map", "values": "long"}},
        {"name": "keuze", "type": ["null", "Hash", "string"], "default": None},
        {
            "name": "boom",
            "type": {
                "type": "record",
                "name": "Boom",
                "fields": [
                    {"name": "waarde", "type": "int"},
                    {"name": "kinderen", "type": {"type": "array", "items": "Boom"}},
                    {"name": "ouder", "type": ["null", "Boom"], "default": None},
                ],
            },
        },
    ],
}


@pytest.mark.parametrize("seed", range(5))
def test_sample_of_every_avro_type_round_trips(seed: int) -> None:
    datum = sample_datum(KITCHEN_SINK, seed)
    assert uuids_as_str(round_trip(KITCHEN_SINK, datum)) == datum


def test_samples_have_the_python_types_fastavro_uses() -> None:
    datum = sample_datum(KITCHEN_SINK, 3)
    assert type(datum["dag"]) is date
    assert isinstance(datum["ms"], datetime)
    assert datum["ms"].tzinfo is UTC
    assert datum["ms"].microsecond % 1000 == 0
    assert datum["lokaal"].tzinfo is None
    assert str(uuid.UUID(datum["id"])) == datum["id"]
    assert isinstance(datum["bedrag"], Decimal)
    assert datum["bedrag"].as_tuple().exponent == -2
    assert isinstance(datum["hash"], bytes)
    assert len(datum["hash"]) == 8
    assert datum["keuze"] is not None
    assert datum["kleur"] in {"rood", "blauw"}


def test_samples_are_deterministic_per_seed() -> None:
    assert sample_datum(KITCHEN_SINK, 7) == sample_datum(KITCHEN_SINK, 7)
    assert sample_datum(KITCHEN_SINK, 1) != sample_datum(KITCHEN_SINK, 2)
    schema = by_type("nl.brp.persoon-verhuisd.v1").schema
    assert sample_datum(schema) == sample_datum(schema, seed=0)


def test_sampling_a_record_that_requires_itself_fails_clearly() -> None:
    endless = {
        "type": "record",
        "name": "Eindeloos",
        "fields": [{"name": "volgende", "type": "Eindeloos"}],
    }
    with pytest.raises(ValueError, match="no finite datum"):
        sample_datum(endless)
