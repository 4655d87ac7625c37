"""The codec reads an event with the schema it was written with and resolves it to the
current contract: an event of an older writer schema (before `versie`, `contact`, `gemeenten`
and `operaties` were added to `app-geregistreerd`) gets the contract's defaults; one written
with the current contract is read without resolution (decided once per schema id and type)."""

from __future__ import annotations

import copy
import io
import struct
from typing import Any

from fastavro import parse_schema, schemaless_writer

from bron.contracts.codec import EventCodec
from bron.contracts.envelope import Attributes, to_headers
from bron.contracts.registry_client import compact
from bron.contracts.schemafiles import load_schema_files
from tests.unit.test_fuzz_decode import MemoryRegistry

SOURCE = "urn:nld:oin:00000001234567890000:systeem:test"
TYPE = "nl.toestemming.app-geregistreerd.v1"
ADDED = ("versie", "contact", "gemeenten", "operaties")


def _older_schema() -> dict[str, Any]:
    current = next(f for f in load_schema_files() if f.event_type == TYPE).schema
    older = copy.deepcopy(current)
    older["fields"] = [f for f in older["fields"] if f["name"] not in ADDED]
    return older


def test_an_event_of_an_older_schema_gets_the_current_contracts_defaults() -> None:
    registry = MemoryRegistry()
    older = _older_schema()
    registry.texts[999] = compact(older)
    codec = EventCodec(registry, SOURCE)
    data = {"appId": "oud", "naam": "Oude app", "organisatie": "Gemeente", "oin": None,
            "overheid": True, "doelen": ["bijstand"], "origins": []}  # fmt: skip
    data = {k: v for k, v in data.items() if k in {f["name"] for f in older["fields"]}}
    body = io.BytesIO()
    schemaless_writer(body, parse_schema(older, named_schemas={}), data)
    value = struct.pack(">bI", 0, 999) + body.getvalue()
    headers = to_headers(Attributes(source=SOURCE, type=TYPE, sequence=1, dataschema="x"))
    for _ in range(2):  # the second read takes the remembered decision
        event = codec.decode(b"oud", value, headers)
        assert event.data["appId"] == "oud"
        assert event.data["versie"] is None
        assert event.data["gemeenten"] is None
        assert event.data["operaties"] == []


def test_an_event_of_the_current_contract_reads_back_as_written() -> None:
    codec = EventCodec(MemoryRegistry(), SOURCE)
    data = {"appId": "nieuw", "naam": "Nieuwe app", "organisatie": "Gemeente", "oin": None,
            "overheid": False, "doelen": ["parkeervergunning"], "origins": [],
            "versie": "1.2.0", "contact": "team@gemeente.nl", "gemeenten": ["0363"],
            "operaties": ["ab" * 32]}  # fmt: skip
    current = next(f for f in load_schema_files() if f.event_type == TYPE).schema
    data = {k: v for k, v in data.items() if k in {f["name"] for f in current["fields"]}}
    record = codec.encode(TYPE, data, sequence=3)
    for _ in range(2):
        assert codec.decode(record.key, record.value, record.headers).data == {
            **{f["name"]: f.get("default") for f in current["fields"] if "default" in f},
            **data,
        }
