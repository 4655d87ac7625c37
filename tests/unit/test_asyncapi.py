"""The AsyncAPI document for app builders (`docs/asyncapi.json`, `bron.contracts.asyncapi`).

Validating against the official AsyncAPI 3.0 JSON Schema needs that schema and its `$ref`ed
definitions from asyncapi.com, which are not available offline (and not vendored); these tests
check the structure that matters instead: every contract has a message on the right channel,
every channel a receive operation, every `$ref` resolves, and the headers follow the NL GOV
CloudEvents profile without personal data.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import bron
from bron.contracts.asyncapi import (
    ASYNCAPI_PATH,
    AVRO_SCHEMA_FORMAT,
    dumps_asyncapi,
    render_asyncapi,
    write_asyncapi,
)
from bron.contracts.routing import topic_for
from bron.contracts.schemafiles import (
    SCHEMAS_DIR,
    SchemaFile,
    field_classifications,
    load_schema_files,
)
from bron.topics import by_name

FILES = load_schema_files()
IDS = [str(f.path.relative_to(SCHEMAS_DIR)) for f in FILES]
DOC = render_asyncapi(FILES, bron.__version__)
CHANNEL_IDS = sorted(DOC["channels"])
PROFILE_REQUIRED = {"ce_id", "ce_source", "ce_type", "ce_specversion", "ce_time"}
# Ids in AsyncAPI component maps must match this (the spec's key pattern).
ID_PATTERN = re.compile(r"^[A-Za-z0-9.\-_]+$")
BSN_WORDS = ("bsn", "burgerservicenummer", "anummer", "a-nummer")


def refs(node: Any) -> Iterator[str]:
    """Every `$ref` value anywhere in `node`."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(document: dict[str, Any], reference: str) -> Any:
    """The node a local `$ref` points to (RFC 6901); `LookupError` if it points nowhere."""
    if not reference.startswith("#/"):
        raise LookupError(f"{reference}: not a reference within the document")
    node: Any = document
    for token in reference[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or token not in node:
            raise LookupError(f"{reference}: no {token!r}")
        node = node[token]
    return node


def resolve_all(document: dict[str, Any]) -> int:
    """Resolve every `$ref` in `document`; how many there were."""
    found = list(refs(document))
    for reference in found:
        resolve(document, reference)
    return len(found)


def message_for(schema_file: SchemaFile) -> dict[str, Any]:
    messages: dict[str, Any] = DOC["components"]["messages"]
    assert schema_file.event_type in messages, f"no message for {schema_file.path.name}"
    message: dict[str, Any] = messages[schema_file.event_type]
    return message


def test_committed_document_is_current() -> None:
    expected = dumps_asyncapi(render_asyncapi(load_schema_files(), bron.__version__), ASYNCAPI_PATH)
    committed = ASYNCAPI_PATH.read_text(encoding="utf-8") if ASYNCAPI_PATH.exists() else ""
    assert committed == expected, (
        f"{ASYNCAPI_PATH.relative_to(ASYNCAPI_PATH.parents[1])} is stale or missing; "
        "run `bron schemas asyncapi` and commit the result"
    )


def test_document_is_asyncapi_3_for_the_project_version() -> None:
    assert DOC["asyncapi"] == "3.0.0"
    assert DOC["info"]["title"] == "Bron events"
    assert DOC["info"]["version"] == bron.__version__
    description = DOC["info"]["description"]
    for must_say in ("binary mode", "magic byte", "ce_source", "ce_id", "ce_sequence", "BSN"):
        assert must_say in description
    assert DOC["servers"]["local"]["host"] == "127.0.0.1:9092"
    assert DOC["servers"]["local"]["protocol"] == "kafka"


def test_rendering_does_not_depend_on_input_order() -> None:
    assert render_asyncapi(list(reversed(FILES)), bron.__version__) == DOC


@pytest.mark.parametrize("schema_file", FILES, ids=IDS)
def test_every_contract_has_a_message(schema_file: SchemaFile) -> None:
    message = message_for(schema_file)
    assert message["name"] == schema_file.event_type
    assert message["title"]
    assert message["summary"] == schema_file.schema["doc"]
    assert message["contentType"] == "application/avro"
    assert message["payload"] == {"schemaFormat": AVRO_SCHEMA_FORMAT, "schema": schema_file.schema}
    assert message["x-bron-classifications"] == field_classifications(schema_file.schema)
    assert message["x-bron-classifications"], "a contract without classified fields"


def test_there_is_no_message_without_a_contract() -> None:
    assert set(DOC["components"]["messages"]) == {f.event_type for f in FILES}


@pytest.mark.parametrize("schema_file", FILES, ids=IDS)
def test_every_message_is_on_exactly_its_topic(schema_file: SchemaFile) -> None:
    target = f"#/components/messages/{schema_file.event_type}"
    carrying = [
        channel_id
        for channel_id, channel in DOC["channels"].items()
        if target in {m["$ref"] for m in channel["messages"].values()}
    ]
    assert len(carrying) == 1, f"{schema_file.event_type} is on channels {carrying}"
    assert DOC["channels"][carrying[0]]["address"] == topic_for(schema_file)


@pytest.mark.parametrize("channel_id", CHANNEL_IDS, ids=CHANNEL_IDS)
def test_every_channel_has_one_receive_operation(channel_id: str) -> None:
    channel = DOC["channels"][channel_id]
    operations = [
        op
        for op in DOC["operations"].values()
        if op["channel"] == {"$ref": f"#/channels/{channel_id}"}
    ]
    assert len(operations) == 1
    assert operations[0]["action"] == "receive"
    listed = {resolve(DOC, m["$ref"])["$ref"] for m in operations[0]["messages"]}
    assert listed == {m["$ref"] for m in channel["messages"].values()}


@pytest.mark.parametrize("channel_id", CHANNEL_IDS, ids=CHANNEL_IDS)
def test_channel_describes_its_topic(channel_id: str) -> None:
    channel = DOC["channels"][channel_id]
    spec = by_name(channel["address"])
    description = channel["description"]
    assert f"Partitions: {spec.partitions}" in description
    assert f"Cleanup policy: {spec.cleanup.value}" in description
    assert f"Personal data: {'yes' if spec.personal_data else 'no'}" in description
    kafka = channel["bindings"]["kafka"]
    assert kafka["partitions"] == spec.partitions
    assert kafka["topicConfiguration"]["cleanup.policy"] == [spec.cleanup.value]


def test_every_topic_with_contracts_has_a_channel() -> None:
    assert {c["address"] for c in DOC["channels"].values()} == {topic_for(f) for f in FILES}


def test_ids_are_valid_asyncapi_keys() -> None:
    for section in (DOC["channels"], DOC["operations"], DOC["components"]["messages"]):
        for key in section:
            assert ID_PATTERN.match(key), key


def test_every_ref_resolves_within_the_document() -> None:
    assert resolve_all(DOC) >= 2 * len(FILES)  # a channel and an operation ref per message


def test_a_dangling_ref_is_caught() -> None:
    broken = {**DOC, "operations": {"x": {"channel": {"$ref": "#/channels/bron.nope"}}}}
    with pytest.raises(LookupError, match=r"bron\.nope"):
        resolve_all(broken)


@pytest.mark.parametrize("schema_file", FILES, ids=IDS)
def test_headers_follow_the_cloudevents_profile(schema_file: SchemaFile) -> None:
    headers = message_for(schema_file)["headers"]
    assert headers["type"] == "object"
    assert set(headers["required"]) >= PROFILE_REQUIRED
    assert set(headers["required"]) <= set(headers["properties"])
    properties = headers["properties"]
    assert properties["ce_specversion"]["const"] == "1.0"
    assert properties["ce_type"]["const"] == schema_file.event_type
    assert properties["ce_time"]["format"] == "date-time"
    assert properties["ce_sequencetype"]["const"] == "Integer"
    assert properties["content-type"]["const"] == "application/avro"
    assert {"ce_sequence", "ce_dataschema"} <= set(properties)
    for name in properties:
        attribute = name.removeprefix("ce_")
        assert name == "content-type" or re.fullmatch(r"[a-z0-9]{1,20}", attribute), name


@pytest.mark.parametrize("schema_file", FILES, ids=IDS)
def test_no_header_carries_personal_data(schema_file: SchemaFile) -> None:
    headers = message_for(schema_file)["headers"]
    classifications = field_classifications(schema_file.schema)
    bsn_fields = {path.rsplit(".", 1)[-1] for path, c in classifications.items() if c == "bsn"}
    # The event's own names (`ce_type`, the record name) say what happened, e.g. that a
    # burgerservicenummer changed; they carry no value, so they are left out of the check.
    text = json.dumps(headers).replace(schema_file.event_type, "")
    text = text.replace(schema_file.subject, "").lower()
    for word in (*BSN_WORDS, *(name.lower() for name in bsn_fields)):
        assert word not in text, f"the header schema mentions {word!r}"
    key_name = next(iter(classifications))
    if classifications[key_name] in {"openbaar", "intern"}:
        assert "ce_subject" in headers["properties"]
    else:
        assert "ce_subject" not in headers["properties"]
        assert headers["not"] == {"required": ["ce_subject"]}


@pytest.mark.parametrize("schema_file", FILES, ids=IDS)
def test_key_is_the_entity_id_and_never_a_bsn(schema_file: SchemaFile) -> None:
    key = message_for(schema_file)["bindings"]["kafka"]["key"]
    key_name = schema_file.schema["fields"][0]["name"]
    assert key["type"] == "string"
    assert f"`{key_name}`" in key["description"]
    assert field_classifications(schema_file.schema)[key_name] != "bsn"


def test_write_asyncapi_writes_the_rendered_document(tmp_path: Path) -> None:
    path = tmp_path / "docs" / "asyncapi.json"
    write_asyncapi(path, "9.9.9")
    assert json.loads(path.read_text(encoding="utf-8")) == render_asyncapi(FILES, "9.9.9")


def test_yaml_needs_pyyaml(tmp_path: Path) -> None:
    path = tmp_path / "asyncapi.yaml"
    if importlib.util.find_spec("yaml") is None:
        with pytest.raises(ValueError, match="PyYAML"):
            write_asyncapi(path, "9.9.9")
    else:
        yaml: Any = importlib.import_module("yaml")
        write_asyncapi(path, "9.9.9")
        assert yaml.safe_load(path.read_text(encoding="utf-8")) == render_asyncapi(FILES, "9.9.9")
