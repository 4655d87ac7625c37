"""Events on Kafka, both ways: CloudEvents headers + Confluent wire format Avro values.

    value = 0x00 | schema id (4 bytes, big-endian) | Avro binary

Every producer and consumer in the project goes through `EventCodec`. Failures raise
`EncodeError` (nothing is produced) or `DecodeError` (with a reason fit for a dead letter);
a schema registry that does not answer raises `RegistryUnavailable`: the event is fine, the
consumer waits and tries it again (never a dead letter).
"""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastavro import parse_schema, schemaless_reader, schemaless_writer
from fastavro.validation import ValidationError, validate

from bron.contracts.envelope import (
    AnyHeaders,
    Attributes,
    EnvelopeError,
    Headers,
    from_headers,
    to_headers,
)
from bron.contracts.registry_client import RegistryClient, RegistryClientError, compact
from bron.contracts.routing import topic_for
from bron.contracts.schemafiles import SchemaFile, field_classifications, load_schema_files
from bron.errors import BronError

MAGIC = 0
_HEADER = struct.Struct(">bI")
NOT_PERSONAL = frozenset({"openbaar", "intern"})


class RegistryUnavailable(BronError):
    """The schema registry did not answer (unreachable, or a 5xx) for a schema id this codec
    has not cached: nothing is wrong with the event."""


class EncodeError(ValueError):
    pass


class DecodeError(ValueError):
    """Why a message cannot be read; the text goes into the dead letter's `reason`."""


@dataclass(frozen=True, slots=True)
class KafkaRecord:
    key: bytes
    value: bytes
    headers: Headers
    attributes: Attributes
    topic: str


@dataclass(frozen=True, slots=True)
class Event:
    key: str
    attributes: Attributes
    data: dict[str, Any]
    schema_id: int


def wire_encode(schema_id: int, parsed: Any, datum: Mapping[str, Any]) -> bytes:
    out = io.BytesIO()
    out.write(_HEADER.pack(MAGIC, schema_id))
    schemaless_writer(out, parsed, datum)
    return out.getvalue()


def wire_split(value: bytes | None) -> tuple[int, bytes]:
    if value is None:
        raise DecodeError("no value (a tombstone where an event was expected)")
    if len(value) < _HEADER.size:
        raise DecodeError(f"value of {len(value)} bytes is shorter than the wire-format header")
    magic, schema_id = _HEADER.unpack_from(value)
    if magic != MAGIC:
        raise DecodeError(f"magic byte {magic} is not 0: not Confluent wire format")
    return schema_id, value[_HEADER.size :]


@dataclass(frozen=True, slots=True)
class _Contract:
    file: SchemaFile
    parsed: Any
    registered: str
    key_field: str
    subject_allowed: bool


class EventCodec:
    def __init__(
        self,
        registry: RegistryClient,
        source: str,
        files: Sequence[SchemaFile] | None = None,
        auto_register: bool = False,
    ) -> None:
        self.registry = registry
        self.source = source
        self.auto_register = auto_register
        self._contracts = {f.event_type: _contract(f) for f in files or load_schema_files()}
        self._writers: dict[int, Any] = {}
        self._readers: dict[tuple[int, str], Any] = {}

    def encode(
        self,
        event_type: str,
        data: Mapping[str, Any],
        *,
        sequence: int,
        time: datetime | None = None,
        dataref: str | None = None,
    ) -> KafkaRecord:
        contract = self._contracts.get(event_type)
        if contract is None:
            raise EncodeError(f"unknown event type {event_type!r}: no .avsc declares it")
        try:
            validate(data, contract.parsed, raise_errors=True)
        except ValidationError as exc:
            # Name the field and the expected type, never the value: it may be personal data.
            problems = "; ".join(f"{e.field}: expected {e.schema}" for e in exc.errors)
            raise EncodeError(f"{event_type}: {problems}") from None
        subject = contract.file.subject
        try:
            registered = (
                self.registry.register(subject, contract.registered)
                if self.auto_register
                else self.registry.lookup(subject, contract.registered)
            )
        except RegistryClientError as exc:
            raise EncodeError(
                f"{subject} is not registered as in {contract.file.path.name}: {exc} "
                "(run `bron schemas register`)"
            ) from None
        key = str(data[contract.key_field])
        extra = {"time": time} if time is not None else {}
        attributes = Attributes(
            source=self.source,
            type=event_type,
            sequence=sequence,
            dataschema=f"subjects/{subject}/versions/{registered.version}",
            subject=key if contract.subject_allowed else None,
            dataref=dataref,
            **extra,  # type: ignore[arg-type]
        )
        value = wire_encode(registered.schema_id, contract.parsed, data)
        return KafkaRecord(
            key.encode(), value, to_headers(attributes), attributes, topic_for(contract.file)
        )

    def decode(self, key: bytes | None, value: bytes | None, headers: AnyHeaders) -> Event:
        try:
            attributes = from_headers(headers)
        except EnvelopeError as exc:
            raise DecodeError(str(exc)) from None
        schema_id, payload = wire_split(value)
        writer = self._writer(schema_id)
        reader = self._reader(schema_id, attributes.type, writer)
        stream = io.BytesIO(payload)
        try:
            data = schemaless_reader(stream, writer, reader)
        except Exception as exc:  # fastavro raises many types for bad bytes
            # The exception's text may quote the bytes; the reason names only its kind.
            raise DecodeError(
                f"Avro payload unreadable with schema {schema_id}: {type(exc).__name__}"
            ) from None
        if stream.tell() != len(payload):
            raise DecodeError(f"{len(payload) - stream.tell()} trailing bytes after the record")
        if not isinstance(data, dict):
            raise DecodeError("the payload is not a record")
        try:
            text_key = (key or b"").decode()
        except UnicodeDecodeError:
            raise DecodeError("the key is not UTF-8") from None
        return Event(text_key, attributes, data, schema_id)

    def _reader(self, schema_id: int, type: str, writer: Any) -> Any:
        """The contract's schema to resolve the writer's to, or None when they are the same
        (fastavro compares them on every call otherwise: a deep compare of the schema, a few
        percent of a stream worker's time). Decided once per schema id and type."""
        contract = self._contracts.get(type)
        if contract is None:  # a type without a contract is read as written (not remembered)
            return None
        key = (schema_id, type)
        if key not in self._readers:
            self._readers[key] = None if contract.parsed == writer else contract.parsed
        return self._readers[key]

    def _writer(self, schema_id: int) -> Any:
        parsed = self._writers.get(schema_id)
        if parsed is None:
            try:
                text = self.registry.schema_by_id(schema_id)
            except RegistryClientError as exc:
                if exc.status != 404:  # the registry is in trouble, not the event: no dead letter
                    raise RegistryUnavailable(exc.message, suggestion=exc.suggestion) from None
                raise DecodeError(f"unknown schema id {schema_id}: {exc}") from None
            except BronError as exc:  # not reachable at all
                raise RegistryUnavailable(exc.message, suggestion=exc.suggestion) from None
            parsed = parse_schema(json.loads(text), named_schemas={})
            self._writers[schema_id] = parsed
        return parsed


def _contract(file: SchemaFile) -> _Contract:
    key_field = str(file.schema["fields"][0]["name"])
    classification = field_classifications(file.schema).get(key_field, "persoonsgegeven")
    return _Contract(
        file=file,
        parsed=parse_schema(file.schema, named_schemas={}),
        registered=compact(file.schema),
        key_field=key_field,
        subject_allowed=classification in NOT_PERSONAL,
    )
