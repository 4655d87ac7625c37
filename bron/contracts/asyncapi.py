"""An AsyncAPI 3.0 document of every event Bron publishes, for the people who build apps on it.

`render_asyncapi` is pure: the `.avsc` contracts, their topics (`bron.contracts.routing`,
`bron.topics`) and the CloudEvents envelope (`bron.contracts.envelope`) go in, a plain dict comes
out, with every map that has no meaningful order sorted, so the committed document changes only
when a contract does. `write_asyncapi` writes it; `bron schemas asyncapi` calls that.
"""

from __future__ import annotations

import importlib
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bron.contracts.envelope import AVRO, SPECVERSION
from bron.contracts.routing import topic_spec_for
from bron.contracts.schemafiles import (
    SchemaFile,
    field_classifications,
    load_schema_files,
    record_fields,
)
from bron.settings import PROJECT_ROOT
from bron.topics import DAY_MS, Cleanup, TopicSpec

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
AVRO_SCHEMA_FORMAT = "application/vnd.apache.avro+json;version=1.9.0"
# PyYAML is not a project dependency, so the committed document is JSON (AsyncAPI accepts both).
ASYNCAPI_PATH = PROJECT_ROOT / "docs" / "asyncapi.json"
LOCAL_SERVER = "local"
LOCAL_KAFKA = "127.0.0.1:9092"
LOCAL_SCHEMA_REGISTRY = "http://127.0.0.1:8081"
SEQUENCE_TYPE = "Integer"
# The `source` rule of the NL GOV profile, as `bron.contracts.envelope` checks it.
SOURCE_PATTERN = r"^urn:nld:oin:\d{20}:systeem:[A-Za-z0-9._-]+$"
# Entity ids in these classes are about no person, so they may travel as `ce_subject`.
NON_PERSONAL = frozenset({"openbaar", "intern"})

DESCRIPTION = f"""\
Every event Bron publishes, per Kafka topic. Apps consume them; the registries and platform
services produce them.

## Envelope: CloudEvents, NL GOV profile, Kafka binary mode
- The record **value** is the event data in the Confluent wire format: magic byte `0`, a 4-byte
  big-endian schema id from the schema registry, then the Avro binary encoding of the data.
  Read the writer's schema by that id; the message's `payload` below is the contract (`.avsc`).
- The CloudEvents **attributes** are Kafka headers named `ce_<attribute>` (UTF-8 text):
  `ce_id`, `ce_source`, `ce_specversion` (`{SPECVERSION}`), `ce_type`, `ce_time`,
  `ce_sequence`, `ce_sequencetype` (`{SEQUENCE_TYPE}`), `ce_dataschema`; `content-type` is
  `{AVRO}`. No attribute carries personal data: `ce_subject` is set only when the entity id is
  not about a person, and no header ever holds a BSN or A-nummer.
- The record **key** is the entity's stable id (the first field of the event, e.g. `persoonId`
  for BRP, a BAG `identificatie`), never a BSN. It is the partition key, so every event about
  one entity lands on one partition, in order.

## Consuming
- Delivery is **at least once**: the same event can arrive more than once. De-duplicate on
  `ce_source` + `ce_id` (together unique) and make handlers idempotent.
- Order events per key by `ce_sequence` (an integer counting up from 1, `ce_sequencetype`
  `{SEQUENCE_TYPE}`); an event with a lower sequence than one already applied is stale.
- Every field carries a classification (`x-bron-classifications` on each message: `openbaar`,
  `intern`, `pseudoniem`, `persoonsgegeven`, `bijzonder-persoonsgegeven`, `bsn`). An app may
  only process the personal-data fields its purpose (doelbinding) covers.
"""


def render_asyncapi(files: Sequence[SchemaFile], version: str) -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document for `files`, with `version` as the document's version."""
    by_topic: dict[str, list[SchemaFile]] = defaultdict(list)
    specs: dict[str, TopicSpec] = {}
    for schema_file in files:
        spec = topic_spec_for(schema_file)
        specs[spec.name] = spec
        by_topic[spec.name].append(schema_file)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in sorted(by_topic):
        channel_files = sorted(by_topic[topic], key=lambda f: f.event_type)
        channels[topic] = _channel(specs[topic], channel_files)
        operations[operation_id(topic)] = _operation(topic, channel_files)
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Bron events",
            "version": version,
            "description": DESCRIPTION,
            "license": {"name": "EUPL-1.2"},
        },
        "defaultContentType": AVRO,
        "servers": {
            LOCAL_SERVER: {
                "host": LOCAL_KAFKA,
                "protocol": "kafka",
                "description": "The local stack (`bron up`): one Kafka broker and Bron's own "
                "Confluent-compatible schema registry.",
                "bindings": {
                    "kafka": {
                        "schemaRegistryUrl": LOCAL_SCHEMA_REGISTRY,
                        "schemaRegistryVendor": "confluent",
                        "bindingVersion": KAFKA_BINDING_VERSION,
                    }
                },
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": {message_id(f): _message(f) for f in files}},
    }


def message_id(schema_file: SchemaFile) -> str:
    """A message's id in `components.messages` and in its channel: the CloudEvents type."""
    return schema_file.event_type


def operation_id(topic: str) -> str:
    return f"receive-{topic}"


def ref(*tokens: str) -> dict[str, str]:
    """A `$ref` to the node at `tokens` in this document (RFC 6901 escaping)."""
    escaped = (token.replace("~", "~0").replace("/", "~1") for token in tokens)
    return {"$ref": "#/" + "/".join(escaped)}


def key_field(schema_file: SchemaFile) -> dict[str, Any]:
    """The entity id field: the first field of the event, by convention (lint: entity-id-first)."""
    fields = record_fields(schema_file.schema)
    if not fields:
        raise ValueError(f"{schema_file.path}: the event has no fields, so no key")
    return fields[0]


def dumps_asyncapi(document: dict[str, Any], path: Path) -> str:
    """The document as text: YAML for a `.yaml`/`.yml` path (needs PyYAML), JSON otherwise."""
    if path.suffix in {".yaml", ".yml"}:
        try:
            yaml: Any = importlib.import_module("yaml")
        except ImportError as exc:
            raise ValueError(f"{path}: writing YAML needs PyYAML; use a .json path") from exc
        return str(yaml.safe_dump(document, sort_keys=True, allow_unicode=True, width=100))
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_asyncapi(path: Path, version: str) -> None:
    """Render the document for the contracts in `schemas/avro/` and write it to `path`."""
    document = render_asyncapi(load_schema_files(), version)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps_asyncapi(document, path), encoding="utf-8")


def _channel(spec: TopicSpec, files: Sequence[SchemaFile]) -> dict[str, Any]:
    topic_configuration: dict[str, Any] = {"cleanup.policy": [spec.cleanup.value]}
    if spec.cleanup is Cleanup.delete:
        topic_configuration["retention.ms"] = spec.retention_ms
    return {
        "address": spec.name,
        "title": spec.name,
        "description": _channel_description(spec),
        "messages": {message_id(f): ref("components", "messages", message_id(f)) for f in files},
        "bindings": {
            "kafka": {
                "topic": spec.name,
                "partitions": spec.partitions,
                "topicConfiguration": topic_configuration,
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _channel_description(spec: TopicSpec) -> str:
    lines = [spec.doc, "", f"- Partitions: {spec.partitions} (events are keyed by entity id)."]
    if spec.cleanup is Cleanup.compact:
        lines.append(
            "- Cleanup policy: compact. Only the latest record per key is sure to be kept; "
            "a record without a value (tombstone) removes its key."
        )
    elif spec.retention_ms == -1:
        lines.append("- Cleanup policy: delete, retention unlimited (kept forever).")
    else:
        days = spec.retention_ms / DAY_MS
        lines.append(f"- Cleanup policy: delete, retention {days:g} days.")
    if spec.personal_data:
        lines.append(
            "- Personal data: yes. Process only the fields your purpose covers; see each "
            "message's `x-bron-classifications`."
        )
    else:
        lines.append("- Personal data: no.")
    return "\n".join(lines)


def _operation(topic: str, files: Sequence[SchemaFile]) -> dict[str, Any]:
    return {
        "action": "receive",
        "channel": ref("channels", topic),
        "title": f"Consume {topic}",
        "summary": f"An app consumes the events on {topic}.",
        "messages": [ref("channels", topic, "messages", message_id(f)) for f in files],
    }


def _message(schema_file: SchemaFile) -> dict[str, Any]:
    key = key_field(schema_file)
    key_name = str(key.get("name", ""))
    classifications = field_classifications(schema_file.schema)
    key_class = classifications.get(key_name, "")
    return {
        "name": schema_file.event_type,
        "title": _title(schema_file),
        "summary": str(schema_file.schema.get("doc", "")),
        "description": (
            f"CloudEvents type `{schema_file.event_type}`, published on "
            f"`{topic_spec_for(schema_file).name}`. Avro record `{schema_file.subject}` "
            f"(registry subject, record-name strategy), contract "
            f"`schemas/avro/{schema_file.registry}/{schema_file.path.name}`. "
            f"Key: `{key_name}` ({key_class})."
        ),
        "contentType": AVRO,
        "headers": _headers(schema_file, key_name, key_class),
        "payload": {"schemaFormat": AVRO_SCHEMA_FORMAT, "schema": schema_file.schema},
        "bindings": {
            "kafka": {
                "key": _key_schema(key, key_name, key_class),
                "schemaIdLocation": "payload",
                "schemaIdPayloadEncoding": "confluent",
                "schemaLookupStrategy": "RecordNameStrategy",
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "x-bron-classifications": classifications,
    }


def _title(schema_file: SchemaFile) -> str:
    words = schema_file.path.stem.replace("-", " ")
    return f"{words[:1].upper()}{words[1:]} ({schema_file.registry})"


def _key_schema(key: dict[str, Any], key_name: str, key_class: str) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "string",
        "description": (
            f"The entity's stable id: the value's `{key_name}` field ({key_class}), as UTF-8 "
            "text. The partition key: all events about one entity are on one partition, in "
            "order. Never a BSN."
        ),
    }
    key_type = key.get("type")
    if isinstance(key_type, dict) and key_type.get("logicalType") == "uuid":
        schema["format"] = "uuid"
    return schema


def _headers(schema_file: SchemaFile, key_name: str, key_class: str) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "ce_id": {
            "type": "string",
            "minLength": 1,
            "description": "Event id, unique per source; with `ce_source` the de-duplication "
            "key (a repeat is the same event).",
        },
        "ce_source": {
            "type": "string",
            "pattern": SOURCE_PATTERN,
            "description": "The producing organisation and system, "
            "urn:nld:oin:<OIN>:systeem:<name>.",
        },
        "ce_specversion": {"const": SPECVERSION, "description": "CloudEvents version."},
        "ce_type": {"const": schema_file.event_type, "description": "The event type."},
        "ce_time": {
            "type": "string",
            "format": "date-time",
            "description": "When the event was recorded (RFC 3339, UTC).",
        },
        "ce_sequence": {
            "type": "string",
            "pattern": "^[1-9][0-9]*$",
            "description": "Position of the event among the events of its key, counting up "
            "from 1 (decimal text); order per key by this.",
        },
        "ce_sequencetype": {"const": SEQUENCE_TYPE, "description": "`ce_sequence` is an integer."},
        "ce_dataschema": {
            "type": "string",
            "description": f"The schema the data adheres to (Avro record `{schema_file.subject}`)"
            "; the writer's schema itself is the one whose id is in bytes 1-4 of the value.",
        },
        "ce_dataref": {
            "type": "string",
            "description": "Optional: where the full data can be fetched (thin events).",
        },
        "content-type": {"const": AVRO, "description": "The CloudEvents `datacontenttype`."},
    }
    headers: dict[str, Any] = {
        "type": "object",
        "required": sorted(
            [
                "ce_id",
                "ce_source",
                "ce_specversion",
                "ce_type",
                "ce_time",
                "ce_sequence",
                "ce_sequencetype",
                "ce_dataschema",
                "content-type",
            ]
        ),
        "properties": properties,
    }
    if key_class in NON_PERSONAL:
        properties["ce_subject"] = {
            "type": "string",
            "description": f"Optional: the entity id (`{key_name}`, same as the key). Present "
            "only because this id is about no person.",
        }
    else:
        headers["description"] = (
            f"No `ce_subject`: the entity id `{key_name}` is {key_class}, and attributes carry "
            "no personal data."
        )
        headers["not"] = {"required": ["ce_subject"]}
    return headers
