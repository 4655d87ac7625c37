"""What the catalog asks the running components (I/O only; `render` makes the pages).

Each function answers what it found, or `Unavailable` naming the component and why (an error's
name, never its data): a broker or registry that is down costs its own section, not the page.
The broker's answers reuse `bron status`'s probes (`bron.probes`): the same connect check,
offsets and lag, so the catalog and `bron status` never disagree.

Nothing here reads personal data: the dead letters are decoded with a reader schema that has
no `key` and `value` (Avro schema resolution skips those bytes), and of the original headers
only the CloudEvents type is kept."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from confluent_kafka import KafkaError, KafkaException, TopicPartition
from confluent_kafka.admin import ConfigResource, OffsetSpec, ResourceType
from fastavro import parse_schema, schemaless_reader
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from bron import probes
from bron.contracts.codec import DecodeError, wire_split
from bron.contracts.registry_client import RegistryClient, RegistryClientError
from bron.contracts.schemafiles import (
    CLASSIFICATION_KEY,
    SchemaFile,
    iter_fields,
    load_schema_files,
    qualify,
)
from bron.errors import BronError
from bron.kafka.admin import admin_client
from bron.kafka.clients import make_consumer
from bron.logs import get_logger
from bron.policy import Policy
from bron.probes import Component, Group
from bron.settings import PROJECT_ROOT, Settings
from bron.topics import DEAD_LETTER, TOPICS
from services.catalog.model import (
    BrokerTopics,
    Conformance,
    DeadLetterRow,
    DeadLetters,
    FieldInfo,
    Finding,
    Schemas,
    SubjectInfo,
    Unavailable,
)

log = get_logger("bron.catalog")

REGISTRY_TIMEOUT = 5.0
READ_TIMEOUT = 5.0  # seconds to read the last dead letters
APP_TOPICS = "bron.app."
MAX_GROUPS = 200  # consumer groups asked for their offsets on the per-app topics
DEAD_LETTER_TYPE = "nl.platform.dead-letter.v1"
DEAD_LETTER_RECORD = "nl.bron.platform.DeadLetter"
NOT_READ = ("key", "value")  # the original message: personal data, never decoded
_EVENT_TYPE = re.compile(r"^[a-z0-9]+(\.[a-z0-9-]+)+\.v\d+$")  # as bron.contracts.envelope
CATALOG_GROUP = "bron-catalog"  # only assigns partitions: never joins or commits


# -- components (as `bron status`) -----------------------------------------------------------


async def components(settings: Settings) -> list[Component] | Unavailable:
    try:
        found, _metadata = await probes.components(settings)
    except Exception as exc:  # a section, not the page
        return _unavailable("bron status", exc)
    return found


def where(settings: Settings) -> dict[str, str]:
    store = probes.store_url(settings, "projections")
    return {
        "Kafka": settings.bootstrap_servers,
        "schemaregister": settings.registry_url,
        "projectie-opslag": _without_password(store) if store else "(nog niet aangemaakt)",
    }


def _without_password(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


# -- topics ----------------------------------------------------------------------------------


def broker_topics(bootstrap: str) -> BrokerTopics | Unavailable:
    """Partitions of every topic; configs and record counts of the declared and per-app
    topics."""
    refused = probes.connect(bootstrap)
    if refused is not None:
        return Unavailable("Kafka", refused)
    try:
        admin = admin_client(bootstrap)
        metadata = admin.list_topics(timeout=probes.TIMEOUT)
        partitions = {name: len(t.partitions) for name, t in metadata.topics.items()}
        declared = {s.name for s in TOPICS}
        shown = sorted(t for t in partitions if t in declared or t.startswith(APP_TOPICS))
        configs: dict[str, dict[str, str]] = {}
        if shown:
            resources = [ConfigResource(ResourceType.TOPIC, t) for t in shown]
            futures = admin.describe_configs(resources, request_timeout=probes.OFFSETS_TIMEOUT)
            for resource, future in futures.items():
                entries = future.result(timeout=probes.OFFSETS_TIMEOUT + 1)
                configs[resource.name] = {k: str(e.value) for k, e in entries.items()}
        tps = [TopicPartition(t, p) for t in shown for p in metadata.topics[t].partitions]
        messages = dict.fromkeys(shown, 0)
        if tps:
            # confluent-kafka leaves these two classmethods unannotated
            first = OffsetSpec.earliest()  # type: ignore[no-untyped-call]
            last = OffsetSpec.latest()  # type: ignore[no-untyped-call]
            low = probes.list_offsets(admin, tps, first)
            for key, high in probes.list_offsets(admin, tps, last).items():
                messages[key[0]] += max(0, high - low[key])
    except (KafkaException, TimeoutError) as exc:
        return _unavailable("Kafka", exc)
    return BrokerTopics(partitions, configs, messages)


# -- schemas ---------------------------------------------------------------------------------


def schemas(registry_url: str, files: Sequence[SchemaFile] | None = None) -> Schemas:
    """Every subject of the registry (and every contract file not registered), with its
    versions, level and the fields of its latest version; the files' fields when the registry
    does not answer."""
    files = list(files if files is not None else load_schema_files())
    by_subject = {f.subject: f for f in files}
    with RegistryClient(registry_url, timeout=REGISTRY_TIMEOUT) as client:
        try:
            subjects = client.subjects()
            level = client.level()
        except BronError as exc:
            missing = _unavailable("schemaregister", exc)
            return Schemas(registry_url, tuple(_from_file(f) for f in files), missing)
        with ThreadPoolExecutor(8) as pool:
            found = list(pool.map(lambda s: _subject(client, s, by_subject.get(s)), subjects))
    unregistered = [
        _from_file(f, "niet geregistreerd") for f in files if f.subject not in set(subjects)
    ]
    ordered = sorted([*found, *unregistered], key=lambda s: s.subject)
    return Schemas(registry_url, tuple(ordered), None, level)


def subject(registry_url: str, name: str) -> SubjectInfo | Unavailable | None:
    """One subject as `schemas` shows it (from the file when the registry does not answer);
    None when neither the registry nor a file has it."""
    file = next((f for f in load_schema_files() if f.subject == name), None)
    with RegistryClient(registry_url, timeout=REGISTRY_TIMEOUT) as client:
        try:
            known = name in client.subjects()
        except BronError as exc:
            if file is None:
                return _unavailable("schemaregister", exc)
            return _from_file(file, "schemaregister niet bereikbaar")
        if not known:
            return None if file is None else _from_file(file, "niet geregistreerd")
        return _subject(client, name, file)


def _subject(client: RegistryClient, name: str, file: SchemaFile | None) -> SubjectInfo:
    try:
        versions = tuple(client.versions(name))
        level = client.level(name)
        latest = client.version(name)
        schema = json.loads(latest.schema)
    except (BronError, ValueError) as exc:
        reason = f"register: {type(exc).__name__}"
        if file is not None:
            return _from_file(file, reason)
        return SubjectInfo(name, None, None, None, "register", None, None, None, (), reason)
    return SubjectInfo(
        subject=name,
        versions=versions,
        level=level,
        latest_id=latest.schema_id,
        source="register",
        file=_relative(file.path) if file else None,
        event_type=file.event_type if file else None,
        doc=_doc(schema),
        fields=_fields(schema),
    )


def _from_file(file: SchemaFile, note: str | None = None) -> SubjectInfo:
    return SubjectInfo(
        subject=file.subject,
        versions=None,
        level=None,
        latest_id=None,
        source="bestand",
        file=_relative(file.path),
        event_type=file.event_type,
        doc=_doc(file.schema),
        fields=_fields(file.schema),
        note=note,
    )


def _doc(schema: Any) -> str | None:
    doc = schema.get("doc") if isinstance(schema, dict) else None
    return doc if isinstance(doc, str) else None


def _fields(schema: Any) -> tuple[FieldInfo, ...]:
    if not isinstance(schema, dict):
        return ()
    found = []
    for ref in iter_fields(schema):
        classification = ref.field.get(CLASSIFICATION_KEY)
        doc = ref.field.get("doc")
        found.append(FieldInfo(
            ref.path, type_label(ref.type),
            classification if isinstance(classification, str) else None,
            doc if isinstance(doc, str) else None,
        ))  # fmt: skip
    return tuple(found)


def type_label(type_: Any) -> str:
    """An Avro type in a few words: `null | string`, `array<Header>`, `long (timestamp-millis)`."""
    if isinstance(type_, list):
        return " | ".join(type_label(t) for t in type_)
    if isinstance(type_, str):
        return type_.rsplit(".", 1)[-1]
    if not isinstance(type_, dict):
        return "?"
    kind = type_.get("type")
    logical = type_.get("logicalType")
    if kind in ("record", "error", "enum", "fixed"):
        label = str(type_.get("name", kind)).rsplit(".", 1)[-1]
        if kind == "enum":
            label += f" (enum: {', '.join(map(str, type_.get('symbols', [])))})"
        return label
    if kind == "array":
        return f"array<{type_label(type_.get('items'))}>"
    if kind == "map":
        return f"map<{type_label(type_.get('values'))}>"
    label = type_label(kind)
    return f"{label} ({logical})" if isinstance(logical, str) else label


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return path.name


# -- the register of apps and purposes -------------------------------------------------------


def current_policy(settings: Settings) -> Policy | Unavailable:
    """The register as the stream workers keep it in the projection store (read-only)."""
    from streams.reads import ProjectionReader

    url = probes.store_url(settings, "projections")
    if url is None:
        return Unavailable("projectie-opslag", "nog niet aangemaakt: start de stream workers")
    try:
        reader = ProjectionReader(url)
    except SQLAlchemyError as exc:
        return _unavailable("projectie-opslag", exc)
    try:
        return reader.policy()
    except (SQLAlchemyError, ValidationError, KeyError) as exc:
        return _unavailable("projectie-opslag", exc)
    finally:
        reader.close()


def conformance(
    manifests: Callable[[], list[Path]] | None = None,
) -> list[Conformance] | Unavailable:
    """Every registered manifest (policy/apps.yaml) checked against the current contracts, as
    `bron apps check --registered` checks it."""
    from bron.apps.conformance import check, current_contracts, read_documents
    from bron.apps.manifest import ManifestError, load_manifest
    from bron.apps.registered import registered_manifests

    try:
        paths = (manifests or registered_manifests)()
    except BronError as exc:
        return _unavailable("policy/apps.yaml", exc)
    try:
        contracts = current_contracts()
    except Exception as exc:  # the contracts are files and code: any error costs the section
        return _unavailable("contracten", exc)
    found = []
    for path in paths:
        shown = _relative(path)
        try:
            manifest = load_manifest(path)
            report = check(manifest, read_documents(manifest, path.parent), contracts)
        except ManifestError as exc:
            found.append(Conformance(path.parent.name, shown, None, error=exc.message))
            continue
        findings = tuple(Finding(v.rule, v.where, v.path, v.doel, v.message, v.fix)
                         for v in report.violations)  # fmt: skip
        found.append(Conformance(report.app, shown, report.versie, findings))
    return found


# -- consumer lag ----------------------------------------------------------------------------


def lag(settings: Settings) -> list[Group] | Unavailable:
    """Bron's own groups as `bron status` measures them, and every other consumer group that
    committed offsets on a per-app topic (an app's own consumers), on those topics."""
    bootstrap = settings.bootstrap_servers
    refused = probes.connect(bootstrap)
    if refused is not None:
        return Unavailable("Kafka", refused)
    try:
        admin = admin_client(bootstrap)
        metadata = admin.list_topics(timeout=probes.TIMEOUT)
        groups = probes.groups(settings, metadata)
        own = {settings.streams_group, settings.webhooks_group, CATALOG_GROUP}
        listing = admin.list_consumer_groups(request_timeout=probes.OFFSETS_TIMEOUT)
        result = listing.result(timeout=probes.OFFSETS_TIMEOUT + 1)
    except (KafkaException, TimeoutError) as exc:
        return _unavailable("Kafka", exc)
    names = sorted(g.group_id for g in result.valid if g.group_id not in own)[:MAX_GROUPS]
    app_topics = [t for t in metadata.topics if t.startswith(APP_TOPICS)]
    partitions = [TopicPartition(t, p) for t in app_topics for p in metadata.topics[t].partitions]

    def of(group: str) -> Group | None:
        try:
            committed = probes.kafka_offsets(bootstrap, group, partitions)
        except (KafkaException, TimeoutError):
            return None
        topics = sorted({t for t, _ in committed})
        if not topics:
            return None
        return probes.group(bootstrap, metadata, group, "app (eigen consumer)", topics,
                            (committed, "Kafka"))  # fmt: skip

    if partitions and names:
        with ThreadPoolExecutor(8) as pool:
            groups += [g for g in pool.map(of, names) if g is not None]
    return groups


# -- dead letters ----------------------------------------------------------------------------


def dead_letters(bootstrap: str, registry_url: str, limit: int) -> DeadLetters | Unavailable:
    """The last `limit` dead letters (newest first) and how many the topic holds."""
    refused = probes.connect(bootstrap)
    if refused is not None:
        return Unavailable("Kafka", refused)
    topic = DEAD_LETTER.name
    consumer = make_consumer(bootstrap, CATALOG_GROUP, **{"enable.partition.eof": True})
    try:
        metadata = consumer.list_topics(topic, timeout=probes.TIMEOUT)
        described = metadata.topics.get(topic)
        if described is None or described.error is not None:
            return DeadLetters(topic, 0)
        total, assigned = 0, []
        for p in sorted(described.partitions):
            low, high = consumer.get_watermark_offsets(TopicPartition(topic, p),
                                                       timeout=probes.TIMEOUT)  # fmt: skip
            total += high - low
            if high > low:
                assigned.append(TopicPartition(topic, p, max(low, high - limit)))
        messages = _read(consumer, assigned) if assigned else []
    except (KafkaException, TimeoutError) as exc:
        return _unavailable("Kafka", exc)
    finally:
        consumer.close()
    decoder = _Decoder(registry_url)
    try:
        rows = [decoder.row(m) for m in messages]
    finally:
        decoder.close()
    rows.sort(key=lambda r: (r.timestamp or datetime.min.replace(tzinfo=UTC), r.offset),
              reverse=True)  # fmt: skip
    return DeadLetters(topic, total, tuple(rows[:limit]))


def _read(consumer: Any, assigned: list[TopicPartition]) -> list[Any]:
    """The messages from the assigned offsets to the ends of their partitions (or as far as
    READ_TIMEOUT allows)."""
    consumer.assign(assigned)
    left = {tp.partition for tp in assigned}
    found = []
    deadline = time.monotonic() + READ_TIMEOUT
    while left and time.monotonic() < deadline:
        message = consumer.poll(0.2)
        if message is None:
            continue
        error = message.error()
        if error is not None:
            if error.code() == KafkaError._PARTITION_EOF:
                left.discard(message.partition())
                continue
            raise KafkaException(error)
        found.append(message)
    return found


class _Decoder:
    """Reads a dead letter's metadata: the writer schema by its id from the registry (it must
    be the dead-letter record; without the registry nothing is decoded, rather than guess),
    the reader schema the contract without `key` and `value`."""

    def __init__(self, registry_url: str) -> None:
        contract = next(f for f in load_schema_files() if f.event_type == DEAD_LETTER_TYPE)
        reader = {**contract.schema, "fields": [
            f for f in contract.schema["fields"] if f.get("name") not in NOT_READ
        ]}  # fmt: skip
        self._reader = parse_schema(reader, named_schemas={})
        self._client = RegistryClient(registry_url, timeout=REGISTRY_TIMEOUT)
        self._writers: dict[int, Any] = {}
        self._registry_down: str | None = None

    def close(self) -> None:
        self._client.close()

    def row(self, message: Any) -> DeadLetterRow:
        partition, offset = int(message.partition()), int(message.offset())
        kind, stamp = message.timestamp()
        when = datetime.fromtimestamp(stamp / 1000, UTC) if kind and stamp > 0 else None

        def unreadable(reason: str) -> DeadLetterRow:
            return DeadLetterRow(partition, offset, when, unreadable=reason)

        headers = dict(message.headers() or [])
        if headers.get("ce_type") != DEAD_LETTER_TYPE.encode():
            return unreadable("geen dead letter (ce_type)")
        try:
            schema_id, payload = wire_split(message.value())
        except DecodeError as exc:
            return unreadable(str(exc))
        writer = self._writer(schema_id)
        if isinstance(writer, str):
            return unreadable(writer)
        stream = io.BytesIO(payload)
        try:
            data = schemaless_reader(stream, writer, self._reader)
        except Exception as exc:  # fastavro raises many kinds; its text may quote the bytes
            return unreadable(f"Avro onleesbaar: {type(exc).__name__}")
        if stream.tell() != len(payload) or not isinstance(data, dict):
            return unreadable("Avro onleesbaar: lengte klopt niet")
        failed = data.get("lastFailedAt")
        return DeadLetterRow(
            partition=partition,
            offset=offset,
            timestamp=failed if isinstance(failed, datetime) else when,
            topic=str(data["topic"]),
            source_partition=int(data["partition"]),
            source_offset=int(data["offset"]),
            reason=str(data["reason"]),
            error_type=str(data["errorType"]),
            event_type=_event_type(data.get("headers")),
            attempts=int(data["attempts"]),
            consumer_group=str(data["consumerGroup"]),
        )

    def _writer(self, schema_id: int) -> Any:
        """The parsed writer schema, or why there is none."""
        if schema_id in self._writers:
            return self._writers[schema_id]
        if self._registry_down:
            return self._registry_down
        try:
            schema = json.loads(self._client.schema_by_id(schema_id))
        except RegistryClientError:
            return f"schema {schema_id} onbekend in het schemaregister"
        except BronError:  # no answer: the registry is down
            self._registry_down = "schemaregister niet bereikbaar"
            return self._registry_down
        if not isinstance(schema, dict) or qualify(schema, "")[0] != DEAD_LETTER_RECORD:
            return f"schema {schema_id} is geen dead letter"
        parsed = parse_schema(schema, named_schemas={})
        self._writers[schema_id] = parsed
        return parsed


def _event_type(headers: Any) -> str | None:
    """The original message's CloudEvents type, when it has a well-formed one."""
    for header in headers or []:
        if isinstance(header, dict) and header.get("key") == "ce_type":
            value = header.get("value")
            try:
                text = value.decode() if isinstance(value, bytes) else None
            except UnicodeDecodeError:
                return None
            return text if text and _EVENT_TYPE.match(text) else None
    return None


# -- helpers ---------------------------------------------------------------------------------


def _unavailable(component: str, exc: BaseException) -> Unavailable:
    """Why, without data: Bron's own errors say what they are about (a URL, a file), others
    only their kind."""
    if isinstance(exc, KafkaException) and exc.args and isinstance(exc.args[0], KafkaError):
        error: KafkaError = exc.args[0]
        reason = "timeout" if error.code() == KafkaError._TIMED_OUT else error.name()
    elif isinstance(exc, TimeoutError):
        reason = "timeout"
    elif isinstance(exc, BronError):
        reason = exc.message
    else:
        reason = type(exc).__name__
    log.warning("catalog.unavailable", component=component, error=type(exc).__name__)
    return Unavailable(component, reason)
