"""Which topic each event type is published on (`bron.contracts.routing`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bron.contracts.routing import events_on, topic_for, topic_spec_for
from bron.contracts.schemafiles import (
    SCHEMAS_DIR,
    SchemaFile,
    load_schema_file,
    load_schema_files,
)
from bron.topics import TOPICS

FILES = load_schema_files()
IDS = [str(f.path.relative_to(SCHEMAS_DIR)) for f in FILES]
DECLARED = {spec.name for spec in TOPICS}

# Spelled out per file, not derived from the rule, so a change to the rule shows up here.
EXPECTED = [
    ("brp/persoon-ingeschreven.avsc", "bron.brp.events"),
    ("brp/persoon-verhuisd.avsc", "bron.brp.events"),
    ("brp/persoon-burgerservicenummer-gewijzigd.avsc", "bron.brp.events"),
    ("bag/pand-aangemaakt.avsc", "bron.bag.events"),
    ("bag/nummeraanduiding-ingetrokken.avsc", "bron.bag.events"),
    ("woz/waarde-vastgesteld.avsc", "bron.woz.events"),
    ("woz/bezwaar-ingediend.avsc", "bron.woz.events"),
    ("toestemming/app-geregistreerd.avsc", "bron.policy.events"),
    ("toestemming/app-gewijzigd.avsc", "bron.policy.events"),
    ("toestemming/doel-vastgesteld.avsc", "bron.policy.events"),
    ("toestemming/doel-gewijzigd.avsc", "bron.policy.events"),
    ("toestemming/toestemming-verleend.avsc", "bron.toestemming.events"),
    ("toestemming/toestemming-ingetrokken.avsc", "bron.toestemming.events"),
    ("toestemming/toestemming-verlopen.avsc", "bron.toestemming.events"),
    ("platform/verwerking-vastgelegd.avsc", "bron.verwerkingslog"),
    ("platform/dead-letter.avsc", "bron.dead-letter"),
]
REGISTRY_TOPIC = {"brp": "bron.brp.events", "bag": "bron.bag.events", "woz": "bron.woz.events"}


@pytest.mark.parametrize("schema_file", FILES, ids=IDS)
def test_every_schema_file_has_a_declared_topic(schema_file: SchemaFile) -> None:
    assert topic_for(schema_file) in DECLARED
    assert topic_spec_for(schema_file).name == topic_for(schema_file)


@pytest.mark.parametrize(("relative", "topic"), EXPECTED, ids=[e[0] for e in EXPECTED])
def test_topic_for_each_registry(relative: str, topic: str) -> None:
    assert topic_for(load_schema_file(SCHEMAS_DIR / relative)) == topic


@pytest.mark.parametrize("registry", sorted(REGISTRY_TOPIC), ids=sorted(REGISTRY_TOPIC))
def test_every_event_of_a_source_registry_goes_to_its_own_topic(registry: str) -> None:
    files = [f for f in FILES if f.registry == registry]
    assert files, f"no contracts in schemas/avro/{registry}/"
    assert {topic_for(f) for f in files} == {REGISTRY_TOPIC[registry]}


def test_policy_topic_holds_exactly_the_register_of_apps_and_purposes() -> None:
    stems = {f.path.stem for f in events_on("bron.policy.events")}
    assert stems == {"app-geregistreerd", "app-gewijzigd", "doel-vastgesteld", "doel-gewijzigd"}


def test_events_on_partitions_the_contracts_over_the_topics() -> None:
    per_topic = [events_on(spec.name, FILES) for spec in TOPICS]
    placed = [f.path for files in per_topic for f in files]
    assert sorted(placed) == sorted(f.path for f in FILES)
    assert events_on("_schemas", FILES) == []
    assert events_on("bron.no-such-topic", FILES) == []


def _write_contract(root: Path, registry: str, stem: str) -> Path:
    path = root / registry / f"{stem}.avsc"
    path.parent.mkdir(parents=True)
    schema = {
        "type": "record",
        "name": "Onbekend",
        "namespace": f"nl.bron.{registry}",
        "doc": "Een event zonder topic.",
        "fields": [{"name": "id", "type": "string", "doc": "Id.", "bron.classification": "intern"}],
    }
    path.write_text(json.dumps(schema), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("registry", "stem"),
    [("kadaster", "perceel-aangemaakt"), ("platform", "onbekend-event")],
    ids=["unknown-registry", "unknown-platform-event"],
)
def test_a_contract_without_a_topic_is_refused(tmp_path: Path, registry: str, stem: str) -> None:
    schema_file = load_schema_file(_write_contract(tmp_path, registry, stem))
    with pytest.raises(ValueError, match=rf"{registry}/{stem}\.avsc"):
        topic_for(schema_file)
    with pytest.raises(ValueError, match="no topic"):
        events_on("bron.brp.events", [schema_file])
