"""The contracts end to end: stewards' CLI against a fresh registry, and every event type
through the codec, Kafka and back."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka.admin import NewTopic

from bron.cli import main
from bron.contracts.codec import DecodeError, EncodeError, EventCodec
from bron.contracts.registry_client import RegistryClient
from bron.contracts.samples import sample_datum
from bron.contracts.schemafiles import load_schema_file, load_schema_files
from bron.kafka.admin import admin_client
from bron.kafka.clients import make_consumer, make_producer
from bron.settings import load_settings
from bron.testing import serving
from services.schema_registry.app import create_app

SOURCE = "urn:nld:oin:00000001823288444000:systeem:bron-test"
FILES = load_schema_files()


@pytest.fixture(scope="module")
def registry_url(bootstrap: str) -> Iterator[str]:
    """A fresh registry: its own `_schemas` topic on the session broker, real HTTP."""
    settings = load_settings(
        kafka_bootstrap=bootstrap, schema_registry_topic=f"_schemas-{uuid.uuid4().hex[:8]}"
    )
    app, _ = create_app(settings)
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def registered(registry_url: str) -> str:
    assert main(["schemas", "register", "--history", "--registry", registry_url]) == 0
    return registry_url


def test_every_contract_lints_registers_with_its_history_and_checks(
    registered: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """What CI enforces: an undocumented or incompatible schema change fails `make test`."""
    capsys.readouterr()
    assert main(["schemas", "lint"]) == 0
    assert main(["schemas", "check", "--registry", registered]) == 0
    out = capsys.readouterr().out
    assert out.count("compatible    nl.bron.") == len(FILES)


def evolve(tmp_path: Path, stem: str, field: dict[str, Any]) -> Path:
    original = next(f for f in FILES if f.path.stem == stem)
    schema = json.loads(original.text)
    schema["fields"].append(field)
    target = tmp_path / original.registry / original.path.name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(schema, indent=2))
    return target


def test_an_incompatible_change_fails_check_naming_field_and_rule(
    registered: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = evolve(
        tmp_path,
        "woonplaats-aangemaakt",
        {"name": "provincie", "type": "string", "doc": "Provincie.",
         "bron.classification": "openbaar"},
    )  # fmt: skip
    capsys.readouterr()
    assert main(["schemas", "check", "--registry", registered, str(changed)]) == 1
    out = capsys.readouterr().out
    assert "INCOMPATIBLE  nl.bron.bag.WoonplaatsAangemaakt" in out
    assert "provincie" in out
    assert "default" in out


def test_a_change_avro_allows_but_that_breaks_a_registered_app_fails_check_naming_it(
    registered: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Dropping an optional field is compatible for Avro's readers, but the example app
    parkeren-bewoners reads `adres.postcode`, computed from the BAG nummeraanduiding's
    `postcode`: the stewards' check fails and names the app, its operation and the field."""
    changed = []
    for stem in ("nummeraanduiding-aangemaakt", "nummeraanduiding-gewijzigd"):
        original = next(f for f in FILES if f.path.stem == stem)
        schema = json.loads(original.text)
        schema["fields"] = [f for f in schema["fields"] if f["name"] != "postcode"]
        target = tmp_path / original.registry / original.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(schema, indent=2))
        changed.append(str(target))
    capsys.readouterr()
    assert main(["schemas", "check", "--registry", registered, *changed]) == 1
    captured = capsys.readouterr()
    out = captured.out
    assert "compatible    nl.bron.bag.NummeraanduidingAangemaakt" in out  # Avro: fine
    assert "app parkeren-bewoners 1.0.0" in out
    assert ("✗ [veld-niet-geleverd] operaties[0] operations/bewoner.graphql#Bewoner.persoon — "
            "adres.postcode (parkeervergunning)") in out  # fmt: skip
    assert "✗ [gebeurtenis-veld-niet-geleverd] gebeurtenissen[0].velden[7] — adres.postcode" in out
    assert "a registered app would break" in captured.err
    # the committed contracts keep every registered app working
    assert main(["apps", "check", "--registered"]) == 0


def test_lint_refuses_an_undocumented_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = evolve(tmp_path, "pand-gewijzigd", {"name": "kleur", "type": ["null", "string"],
                                                  "default": None})  # fmt: skip
    assert main(["schemas", "lint", str(changed)]) == 1
    out = capsys.readouterr().out
    assert "kleur [missing-doc]" in out
    assert "kleur [missing-classification]" in out


def test_diff_shows_fields_and_the_verdict(
    registered: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = evolve(
        tmp_path,
        "pand-aangemaakt",
        {"name": "energielabel", "type": ["null", "string"], "default": None,
         "doc": "Energielabel.", "bron.classification": "openbaar"},
    )  # fmt: skip
    capsys.readouterr()
    assert main(["schemas", "diff", str(changed), "--registry", registered]) == 0
    out = capsys.readouterr().out
    assert "added" in out
    assert "energielabel" in out
    assert "verdict under BACKWARD: compatible" in out


def test_list_show_and_set_compat(registered: str, capsys: pytest.CaptureFixture[str]) -> None:
    subject = "nl.bron.brp.PersoonVerhuisd"
    assert (
        main(["schemas", "set-compat", "FULL", "--subject", subject, "--registry", registered]) == 0
    )
    capsys.readouterr()
    assert main(["schemas", "list", "--registry", registered]) == 0
    listing = capsys.readouterr().out
    assert len(listing.strip().splitlines()) == len(FILES) + 1
    assert any(subject in line and line.endswith("FULL") for line in listing.splitlines())
    assert main(["schemas", "show", subject, "--registry", registered]) == 0
    shown = capsys.readouterr().out
    assert "persoonId" in shown
    assert "pseudoniem" in shown
    main(["schemas", "set-compat", "BACKWARD", "--subject", subject, "--registry", registered])


def normalize(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return value


def bsn_values(schema_fields: Any, datum: Any) -> list[str]:
    found: list[str] = []
    if isinstance(datum, dict):
        for key, value in datum.items():
            if key.lower().endswith(("burgerservicenummer", "anummer")) and value:
                found.append(str(value))
            found += bsn_values(schema_fields, value)
    elif isinstance(datum, list):
        for value in datum:
            found += bsn_values(schema_fields, value)
    return found


def test_every_event_type_goes_through_kafka_and_back(bootstrap: str, registered: str) -> None:
    topic = f"contracts-{uuid.uuid4().hex[:8]}"
    client = admin_client(bootstrap)
    client.create_topics([NewTopic(topic, 3, 1)])[topic].result(30)
    with RegistryClient(registered) as registry:
        codec = EventCodec(registry, SOURCE)
        producer = make_producer(bootstrap)
        sent: dict[str, tuple[dict[str, Any], list[tuple[str, bytes]]]] = {}
        for number, f in enumerate(FILES, start=1):
            datum = sample_datum(f.schema, seed=number)
            record = codec.encode(f.event_type, datum, sequence=number)
            sent[f.event_type] = (datum, record.headers)
            producer.produce(topic, record.value, record.key, headers=list(record.headers))
        assert producer.flush(30) == 0

        consumer = make_consumer(bootstrap, group_id=uuid.uuid4().hex)
        consumer.subscribe([topic])
        received = {}
        for _ in range(120):
            for message in consumer.consume(100, timeout=0.5):
                event = codec.decode(message.key(), message.value(), message.headers())
                received[event.attributes.type] = (event, list(message.headers() or []))
            if len(received) == len(FILES):
                break
        consumer.close()
    assert set(received) == set(sent)
    for event_type, (datum, _headers) in sent.items():
        event, headers = received[event_type]
        assert normalize(event.data) == normalize(datum), event_type
        assert event.key == str(normalize(datum[next(iter(datum))])), "key = entity id"
        header_text = " ".join(str(v) for _, v in headers)
        for bsn in bsn_values(None, normalize(datum)):
            assert bsn not in header_text, f"{event_type}: a BSN in the headers"
        names = {name for name, _ in headers}
        if event_type.startswith("nl.brp."):
            assert "ce_subject" not in names, "persons: no subject attribute"
        if event_type.startswith("nl.bag."):
            assert "ce_subject" in names


def test_poison_messages_get_a_reason_not_a_crash(registered: str) -> None:
    with RegistryClient(registered) as registry:
        codec = EventCodec(registry, SOURCE)
        f = next(f for f in FILES if f.path.stem == "persoon-verhuisd")
        good = codec.encode(f.event_type, sample_datum(f.schema), sequence=1)
        cases = {
            "random bytes": (good.key, os.urandom(40), good.headers, "magic byte|shorter"),
            "truncated avro": (good.key, good.value[:-7], good.headers, "unreadable"),
            "unknown schema id": (
                good.key,
                b"\x00\x00\x0f\x42\x3f" + good.value[5:],
                good.headers,
                "unknown schema id",
            ),
            "missing headers": (good.key, good.value, [], "missing CloudEvents header"),
            "trailing bytes": (good.key, good.value + b"\x00\x00", good.headers, "trailing"),
        }  # fmt: skip
        for key, value, headers, reason in cases.values():
            with pytest.raises(DecodeError, match=reason):
                codec.decode(key, value, headers)


def test_encoding_refuses_bad_data_without_quoting_it(registered: str) -> None:
    with RegistryClient(registered) as registry:
        codec = EventCodec(registry, SOURCE)
        f = next(f for f in FILES if f.path.stem == "persoon-ingeschreven")
        datum = sample_datum(f.schema)
        datum["burgerservicenummer"] = 999993653  # an int where a string belongs
        with pytest.raises(EncodeError, match="burgerservicenummer") as caught:
            codec.encode(f.event_type, datum, sequence=1)
        assert "999993653" not in str(caught.value)
        with pytest.raises(EncodeError, match="unknown event type"):
            codec.encode("nl.brp.bestaat-niet.v1", datum, sequence=1)


def test_an_unregistered_contract_is_not_produced(bootstrap: str) -> None:
    settings = load_settings(
        kafka_bootstrap=bootstrap, schema_registry_topic=f"_schemas-{uuid.uuid4().hex[:8]}"
    )
    app, _ = create_app(settings)
    with serving(app) as url, RegistryClient(url) as registry:
        codec = EventCodec(registry, SOURCE)
        f = load_schema_file(FILES[0].path)
        with pytest.raises(EncodeError, match="bron schemas register"):
            codec.encode(f.event_type, sample_datum(f.schema), sequence=1)
