"""Issue 9's bad-input suite, the consumers' decode paths without a broker: hypothesis makes
poison records (random bytes, real events cut short or with a byte changed, an unknown schema
id, another event's schema id, oversized values and headers, missing or garbled CloudEvents
headers, the wrong key, tombstones) and feeds them to

- the stream worker's `Pipeline.decode`, which must return an event or raise one of the errors
  `Pipeline.process` dead-letters (`DecodeError`, `UnknownEvent`, `KeyError`), with a reason,
  and whose dead letter for it must fit in a Kafka record (librdkafka refuses a record over
  `message.max.bytes`, 1,000,000 bytes: the worker would stop at it, and again after every
  restart);
- the webhook consumer's `plan` (`bron.notices.decode` and `notices`, which the app client
  and the gateway's subscriptions share), which must never raise: a bad record is reported
  with a reason and its offset passed;
- the app client (`bron.appclient.AppConsumer`), which hands out notices or reports a bad
  record to `on_bad_record`, and commits every record either way.

`BRON_FUZZ_EXAMPLES` (default 12) times 25 examples per test; derandomized, so CI is
reproducible."""

from __future__ import annotations

import json
import os
import struct
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast
from unittest.mock import patch

from confluent_kafka import KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka import Message as KafkaMessage
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bron import appclient
from bron.contracts.codec import DecodeError, EventCodec, KafkaRecord
from bron.contracts.registry_client import RegisteredSchema, RegistryClient, RegistryClientError
from bron.contracts.registry_client import compact as compact_schema
from bron.contracts.samples import sample_datum
from bron.contracts.schemafiles import load_schema_files
from bron.policy import load_policy
from services.webhooks.domain import Status, Subscription
from services.webhooks.queue import Message as AppMessage
from services.webhooks.queue import plan
from streams.incoming import Incoming, UnknownEvent
from streams.pipeline import Message, Pipeline, _reason
from streams.store import ProjectionStore
from streams.worker import SOURCES

EXAMPLES = int(os.environ.get("BRON_FUZZ_EXAMPLES", "12")) * 25
SOURCE = "urn:nld:oin:00000001001234567000:systeem:test"
MAX_MESSAGE_BYTES = 1_000_000  # librdkafka's message.max.bytes, the workers' producer's too
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


class MemoryRegistry(RegistryClient):
    """Every contract registered (ids from 1), no HTTP: an unknown id is a 404, as from any
    Confluent-compatible registry."""

    def __init__(self) -> None:
        super().__init__("http://registry.invalid")
        self.registered: dict[tuple[str, str], RegisteredSchema] = {}
        self.texts: dict[int, str] = {}
        for schema_id, f in enumerate(load_schema_files(), start=1):
            text = compact_schema(f.schema)
            self.registered[(f.subject, text)] = RegisteredSchema(f.subject, 1, schema_id, text)
            self.texts[schema_id] = text

    def lookup(self, subject: str, schema: str) -> RegisteredSchema:
        return self.registered[(subject, schema)]

    def schema_by_id(self, schema_id: int) -> str:
        text = self.texts.get(schema_id)
        if text is None:
            raise RegistryClientError(404, 40403, "Schema not found")
        return text


def real_events(codec: EventCodec, seeds: int = 3) -> list[KafkaRecord]:
    """A few encoded events of every type the project declares (sample data)."""
    return [codec.encode(f.event_type, sample_datum(f.schema, seed), sequence=seed + 1)
            for f in load_schema_files() for seed in range(seeds)]  # fmt: skip


# -- poison ----------------------------------------------------------------------------------

HeaderList = list[tuple[str, bytes | None]]


class Poison:
    """A record as a consumer gets it; `always_bad`: no record of this kind may decode (one
    with a byte changed, say, may still be a valid event). Not a dataclass: hypothesis prints
    those field by field, and a falsifying example may hold a megabyte."""

    def __init__(self, kind: str, topic: str, key: bytes | None, value: bytes | None,
                 headers: HeaderList, *, always_bad: bool) -> None:  # fmt: skip
        self.kind = kind
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.always_bad = always_bad

    def __repr__(self) -> str:
        headers = [(k, _short(v)) for k, v in self.headers]
        return (f"Poison({self.kind!r}, {self.topic!r}, key={_short(self.key)}, "
                f"value={_short(self.value)}, headers={headers})")  # fmt: skip


def _short(data: bytes | None) -> str:
    if data is None or len(data) <= 60:
        return repr(data)
    return f"{data[:60]!r}... ({len(data)} bytes)"


def _wire(schema_id: int, payload: bytes) -> bytes:
    return struct.pack(">bI", 0, schema_id) + payload


HEADER_NAMES = st.sampled_from(["ce_id", "ce_source", "ce_type", "ce_specversion", "ce_time",
                                "ce_sequence", "ce_dataschema", "ce_subject", "content-type",
                                "ce_", "ce_X", "ce_" + "a" * 30, "other"])  # fmt: skip
REQUIRED = ("ce_id", "ce_source", "ce_type", "ce_specversion", "ce_time")
RANDOM_HEADERS = st.lists(st.tuples(HEADER_NAMES | st.text(max_size=12),
                                    st.none() | st.binary(max_size=40)), max_size=6)  # fmt: skip


def poisons(records: list[KafkaRecord], known_ids: set[int]) -> st.SearchStrategy[Poison]:
    """Poison for the registries' topics, from real `records` (their schema ids `known_ids`)."""
    return st.one_of(*poison_kinds(records, known_ids).values())


def poison_kinds(
    records: list[KafkaRecord], known_ids: set[int]
) -> dict[str, st.SearchStrategy[Poison]]:
    """Each kind of poison (`ALWAYS_BAD`: the kinds no record of which may decode)."""
    real = st.sampled_from(records)
    topics = st.sampled_from(SOURCES)
    kinds: dict[str, st.SearchStrategy[Poison]] = {}

    def of(kind: str, always_bad: bool, make: Callable[..., Any], *parts: Any) -> Any:
        assert always_bad == (kind in ALWAYS_BAD)
        strategy = st.builds(lambda *a: Poison(kind, *make(*a), always_bad=always_bad), *parts)
        kinds[kind] = strategy
        return strategy

    def headers(r: KafkaRecord) -> HeaderList:
        return [(k, v) for k, v in r.headers]

    random_bytes = of("random bytes", True,
                      lambda t, k, v, h: (t, k, v, h),
                      topics, st.none() | st.binary(max_size=40), st.binary(max_size=300),
                      RANDOM_HEADERS)  # fmt: skip
    random_wire = of("random Avro under a real schema id", False,
                     lambda r, i, p: (r.topic, r.key, _wire(i, p), headers(r)),
                     real, st.sampled_from(sorted(known_ids)), st.binary(max_size=200))  # fmt: skip
    truncated = of("truncated Avro", True,
                   lambda r, n: (r.topic, r.key, r.value[: n % len(r.value)], headers(r)),
                   real, st.integers(0, 10_000))  # fmt: skip
    trailing = of("trailing bytes", True,
                  lambda r, b: (r.topic, r.key, r.value + b, headers(r)),
                  real, st.binary(min_size=1, max_size=20))  # fmt: skip
    changed = of("a byte changed", False,
                 lambda r, n, b: (r.topic, r.key, _changed(r.value, n, b), headers(r)),
                 real, st.integers(0, 10_000), st.integers(0, 255))  # fmt: skip
    unknown = of("unknown schema id", True,
                 lambda r, i: (r.topic, r.key, _wire(i, r.value[5:]), headers(r)),
                 real, st.integers(0, 2**32 - 1).filter(lambda i: i not in known_ids))  # fmt: skip
    other = of("another event's schema id", False,
               lambda r, i: (r.topic, r.key, _wire(i, r.value[5:]), headers(r)),
               real, st.sampled_from(sorted(known_ids)))  # fmt: skip
    magic = of("not wire format", True,
               lambda r, m: (r.topic, r.key, bytes([m]) + r.value[1:], headers(r)),
               real, st.integers(1, 255))  # fmt: skip
    tombstone = of("tombstone", True, lambda r: (r.topic, r.key, None, headers(r)), real)
    oversized = of("oversized value", True,
                   lambda r, n, fill: (r.topic, r.key, r.value + bytes([fill]) * n, headers(r)),
                   real, st.integers(MAX_MESSAGE_BYTES - 2_000, MAX_MESSAGE_BYTES - 200),
                   st.integers(0, 255))  # fmt: skip
    oversized_header = of("truncated Avro with an oversized header", True,
                          lambda r, name, n: (r.topic, r.key, r.value[:-1],
                                              [*headers(r), (name, b"x" * n)]),
                          real, HEADER_NAMES, st.integers(900_000, 990_000))  # fmt: skip
    missing = of("a required header missing", True,
                 lambda r, name: (r.topic, r.key, r.value,
                                  [(k, v) for k, v in headers(r) if k != name]),
                 real, st.sampled_from(REQUIRED))  # fmt: skip
    garbled = of("a header garbled", False,
                 lambda r, name, v: (r.topic, r.key, r.value,
                                     [(k, v if k == name else w) for k, w in headers(r)]),
                 real, HEADER_NAMES, st.none() | st.binary(max_size=30)
                 | st.sampled_from([b"\xff\xfe", b"0", b"-1", b"1.0", b"2026-13-01"]))  # fmt: skip
    no_headers = of("no headers", True, lambda r: (r.topic, r.key, r.value, []), real)
    wrong_key = of("the wrong key", True,
                   lambda r, k: (r.topic, k, r.value, headers(r)),
                   real, st.none() | st.binary(max_size=40) | st.just(b"\xff"))  # fmt: skip
    _ = (
        random_bytes,
        random_wire,
        truncated,
        trailing,
        changed,
        unknown,
        other,
        magic,
        tombstone,
        oversized,
        oversized_header,
        missing,
        garbled,
        no_headers,
        wrong_key,
    )
    return kinds


ALWAYS_BAD = frozenset({"random bytes", "truncated Avro", "trailing bytes", "unknown schema id",
                        "not wire format", "tombstone", "oversized value",
                        "truncated Avro with an oversized header", "a required header missing",
                        "no headers", "the wrong key"})  # fmt: skip


def _changed(value: bytes, at: int, byte: int) -> bytes:
    i = at % len(value)
    return value[:i] + bytes([byte]) + value[i + 1 :]


# -- the stream worker -----------------------------------------------------------------------


class SizeCheckingProducer:
    """What a `Pipeline` sends, refused over `message.max.bytes` as librdkafka refuses it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes | None, bytes | None, HeaderList]] = []

    def produce(self, topic: str, key: bytes | None = None, value: bytes | None = None,
                headers: list[tuple[str, str | bytes | None]] | None = None,
                on_delivery: Any = None) -> None:  # fmt: skip
        size = len(key or b"") + len(value or b"")
        size += sum(len(k) + len(v or b"") for k, v in headers or [])
        if size > MAX_MESSAGE_BYTES:
            raise KafkaException(KafkaError(KafkaError.MSG_SIZE_TOO_LARGE))
        self.sent.append((topic, key, value, [(k, _bytes(v)) for k, v in headers or []]))

    def poll(self, _timeout: float = 0) -> int:
        return 0

    def flush(self, _timeout: float = 0) -> int:
        return 0


def _bytes(value: str | bytes | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


CODEC = EventCodec(MemoryRegistry(), SOURCE)
RECORDS = [r for r in real_events(CODEC) if r.topic in SOURCES]  # what the workers consume
KNOWN_IDS = {CODEC.registry.lookup(f.subject, compact_schema(f.schema)).schema_id
             for f in load_schema_files()}  # fmt: skip


def pipeline(producer: SizeCheckingProducer | None = None) -> Pipeline:
    """The worker's pipeline; decoding and dead-lettering need no store."""
    return Pipeline(cast(ProjectionStore, None), CODEC,
                    cast(Producer, producer or SizeCheckingProducer()), "fuzz", SOURCE,
                    lambda _topic: None)  # fmt: skip


def test_real_events_decode() -> None:
    """The poison's starting point is sound: every real event decodes as itself."""
    worker = pipeline()
    for r in RECORDS:
        event = worker.decode(Message(r.topic, 0, 0, r.key, r.value, [*r.headers]))
        assert event.event_type == r.attributes.type


@FUZZ
@given(poisons(RECORDS, KNOWN_IDS))
def test_the_stream_worker_decodes_or_dead_letters_every_poison(poison: Poison) -> None:
    producer = SizeCheckingProducer()
    worker = pipeline(producer)
    message = Message(poison.topic, 3, 42, poison.key, poison.value, poison.headers)
    try:
        event = worker.decode(message)
    except (DecodeError, UnknownEvent, KeyError) as exc:  # what `process` dead-letters
        refused: Exception = exc
    else:
        assert not poison.always_bad, f"{poison.kind} decoded as {event}"
        assert isinstance(event, Incoming)
        return
    assert _reason(refused), poison.kind
    worker._dead_letter(message, refused, 1, None)  # must fit in a Kafka record
    [(topic, key, value, headers)] = producer.sent
    assert topic == "bron.dead-letter"
    letter = CODEC.decode(key, value, headers).data
    assert (letter["topic"], letter["partition"], letter["offset"]) == (poison.topic, 3, 42)
    assert letter["reason"], poison.kind
    assert letter["errorType"] == type(refused).__name__
    if letter["value"] is None and poison.value is not None:  # too large to keep
        assert "left out" in letter["reason"], letter["reason"]
    else:
        assert letter["value"] == poison.value


# -- the webhook consumer (and the app client, and the gateway's subscriptions) -------------

POLICY = load_policy()
PERSOON = str(uuid.uuid4())
SECRET = uuid.uuid4().hex
SUBSCRIPTIONS = [
    Subscription(id=f"s-{doel}", app_id=app, doel_id=doel, url="https://example.org/hook",
                 kinds=frozenset(), gemeenten=gemeenten, persoon_id=None, volledig=True,
                 status=Status.actief, secret=SECRET, created_at=0.0)
    for app, doel, gemeenten in (("parkeren", "parkeervergunning", frozenset()),
                                 ("afvalpas", "afvalpas", frozenset({"0599"})))
]  # fmt: skip
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=20), inner,
                                                                 max_size=3),
    max_leaves=8,
)  # fmt: skip
KINDS = st.sampled_from(["nieuw", "gewijzigd", "verwijderd", "anders"]) | JSON
VELDEN = st.lists(st.sampled_from(["persoon.naam", "adres", "wozObjecten.waarden"])
                  | st.text(max_size=10), max_size=3) | JSON  # fmt: skip
WIJZIGING = st.fixed_dictionaries({"soort": KINDS, "velden": VELDEN}) | JSON
DOELEN = st.sampled_from(["parkeervergunning", "afvalpas", "bijstand"]) | st.text(max_size=8)
BODIES = st.fixed_dictionaries(
    {"persoonId": st.just(PERSOON) | JSON, "versie": st.integers() | JSON,
     "doelen": st.dictionaries(DOELEN, st.dictionaries(st.text(max_size=8), JSON) | JSON,
                               max_size=2) | JSON,
     "wijzigingen": st.dictionaries(DOELEN, WIJZIGING, max_size=2) | JSON}
)  # fmt: skip


def _json_bytes(body: Any) -> bytes:
    return json.dumps(body).encode()  # NaN and Infinity as JSON extensions: json.loads reads them


VALUES = (st.none() | st.binary(max_size=200) | BODIES.map(_json_bytes)
          | st.sampled_from([b"[" * 100_000, b'{"versie": 1e999, "doelen": {}}',
                             b'{"versie": "12", "doelen": {}}']))  # fmt: skip
APP_HEADERS = st.lists(
    st.tuples(st.sampled_from(["ce_id", "ce_time", "ce_sequence", "ce_type"]) | st.text(max_size=8),
              st.none() | st.binary(max_size=30)
              | st.sampled_from([b"\xff", b"2026-11-28T10:00:00Z", b"12", b"9" * 5000])),
    max_size=5,
)  # fmt: skip
APP_TOPICS = st.sampled_from(["bron.app.parkeren", "bron.app.afvalpas", "bron.app.",
                              "bron.brp.events"])  # fmt: skip


@FUZZ
@given(st.lists(st.builds(lambda t, k, v, h: (t, k, v, h), APP_TOPICS,
                          st.none() | st.just(PERSOON.encode()) | st.binary(max_size=20),
                          VALUES, APP_HEADERS), min_size=1, max_size=4))  # fmt: skip
def test_the_webhook_consumer_plans_or_reports_every_record(
    records: list[tuple[str, bytes | None, bytes | None, HeaderList]],
) -> None:
    batch = [AppMessage(topic, 0, offset, key, value, [*headers], 1_800_000_000.0)
             for offset, (topic, key, value, headers) in enumerate(records)]  # fmt: skip
    planned = plan(batch, SUBSCRIPTIONS, POLICY, source=SOURCE, dataref="https://x/graphql")
    for message, reason in planned.bad:
        assert reason, message
    for topic in {m.topic for m in batch}:
        assert planned.offsets[(topic, 0)] == max(m.offset for m in batch if m.topic == topic) + 1
    for delivery in planned.deliveries:
        assert "\n" not in delivery.headers["ce-time"]


# -- the app client (`bron.appclient`, what an app's own consumer runs) -----------------------


class Feed:
    """A consumer of one partition that hands out `messages` once."""

    def __init__(self, messages: list[KafkaMessage]) -> None:
        self.messages = messages
        self.committed: list[int] = []

    def subscribe(self, topics: list[str]) -> None:
        assert topics == ["bron.app.parkeren"]

    def poll(self, timeout: float) -> KafkaMessage | None:
        return self.messages.pop(0) if self.messages else None

    def commit(self, *, offsets: list[TopicPartition], asynchronous: bool) -> None:
        self.committed += [o.offset for o in offsets]

    def seek(self, partition: TopicPartition) -> None:
        raise AssertionError(f"read again: {partition}")

    def close(self) -> None:
        pass


@FUZZ
@given(st.lists(st.tuples(st.none() | st.just(PERSOON.encode()) | st.binary(max_size=20),
                          VALUES, APP_HEADERS), min_size=1, max_size=4))  # fmt: skip
def test_the_app_client_hands_out_notices_or_reports_every_record(
    records: list[tuple[bytes | None, bytes | None, HeaderList]],
) -> None:
    messages = [KafkaMessage(topic="bron.app.parkeren", partition=0, offset=i, key=key,
                             value=value, headers=list(headers))
                for i, (key, value, headers) in enumerate(records)]  # fmt: skip
    feed = Feed(list(messages))
    bad: list[appclient.AppClientError] = []
    with patch.object(appclient, "make_consumer", lambda *_a, **_k: feed):
        client = appclient.AppConsumer("localhost:1", "parkeren", "g", on_bad_record=bad.append,
                                       consent_doelen={"parkeervergunning"})  # fmt: skip
        try:
            for _ in messages:
                for notice in client.poll(0):
                    assert notice.app_id == "parkeren"
            client.commit()
        finally:
            client.close()
    assert feed.committed == [m.offset() + 1 for m in messages]  # type: ignore[operator]
    for error in bad:
        assert str(error), error
