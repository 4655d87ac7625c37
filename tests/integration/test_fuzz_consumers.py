"""Issue 9's bad-input suite, the stream worker on a real broker: poison records from the same
strategies as tests/unit/test_fuzz_decode.py (random bytes, truncated Avro of real events, an
unknown schema id, missing or garbled CloudEvents headers, the wrong key, ...), and one as large
as a record can be, produced to the registries' topics while `bron streams worker` runs. Each
must land in `bron.dead-letter` with a reason and its original bytes (or, when they do not fit
in a dead letter, a reason that says they were left out), and valid events must keep flowing
through the same worker, which keeps running.

A broker of its own, as in test_streams_worker.py: no other test's events reach the worker.
Each example: one poison record of every kind that can never be valid (11); there are
`BRON_FUZZ_EXAMPLES` (default 12) / 6 examples, derandomized."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from confluent_kafka import Consumer, KafkaError, Message, Producer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from bron.contracts.codec import EventCodec
from bron.contracts.registry_client import RegistryClient, compact
from bron.contracts.schemafiles import load_schema_files
from bron.db import database_url
from bron.kafka.clients import make_consumer
from bron.process import ManagedProcess
from bron.settings import Settings
from bron.testing import free_ports
from bron.topics import POLICY_EVENTS
from services.toestemming.domain import ToestemmingVerlenen
from services.toestemming.service import ToestemmingRegistry
from streams.reads import ProjectionReader
from streams.worker import SOURCES
from tests.integration.streams_support import streams_stack, worker_process
from tests.unit.test_fuzz_decode import (
    ALWAYS_BAD,
    MAX_MESSAGE_BYTES,
    HeaderList,
    Poison,
    poison_kinds,
    real_events,
)

pytestmark = pytest.mark.kafka

EXAMPLES = max(int(os.environ.get("BRON_FUZZ_EXAMPLES", "12")) // 6, 2)  # of every kind
Where = tuple[str, int, int]  # topic, partition, offset


@dataclass
class Stack:
    settings: Settings
    consents: ToestemmingRegistry
    worker: ManagedProcess
    codec: EventCodec
    producer: Producer
    letters: Consumer
    seen: dict[Where, dict[str, Any]] = field(default_factory=dict)

    def produce(self, poison: Poison) -> Where | None:
        """The record, as it is (key, value and headers), acknowledged; where it went. None
        when the broker refuses it, as it refuses a record without key on a compacted topic
        (bron.policy.events): no consumer ever gets one."""
        delivered: list[Message] = []
        self.producer.produce(poison.topic, key=poison.key, value=poison.value,
                              headers=[(k, v) for k, v in poison.headers],
                              on_delivery=lambda err, m: delivered.append(m))  # fmt: skip
        assert self.producer.flush(30) == 0
        [message] = delivered
        error = message.error()
        if error is not None and error.code() == KafkaError.INVALID_RECORD and not poison.key:
            assert poison.topic == POLICY_EVENTS.name, (poison, error)
            return None
        assert error is None, error
        topic, partition, offset = message.topic(), message.partition(), message.offset()
        assert topic is not None
        assert partition is not None
        assert offset is not None
        return topic, partition, offset

    def dead_letter(self, where: Where, timeout: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while where not in self.seen and time.monotonic() < deadline:
            m = self.letters.poll(0.2)
            if m is None or m.error() is not None:
                continue
            letter = self.codec.decode(m.key(), m.value(), m.headers() or []).data
            self.seen[(letter["topic"], letter["partition"], letter["offset"])] = letter
        assert where in self.seen, f"no dead letter for {where} within {timeout} s"
        return self.seen[where]

    def flows(self, timeout: float = 30.0) -> None:
        """A consent granted in the register now reaches the worker's projections."""
        toestemming = uuid.uuid4()
        self.consents.execute(ToestemmingVerlenen(
            toestemmingId=toestemming, persoonId=uuid.uuid4(), appId="parkeren",
            doelId="parkeervergunning"))  # fmt: skip
        reader = ProjectionReader(database_url(self.settings, "projections"))
        try:
            deadline = time.monotonic() + timeout
            while not reader.entities("toestemming", [str(toestemming)]):
                assert time.monotonic() < deadline, "a valid event did not reach the projections"
                time.sleep(0.1)
        finally:
            reader.close()

    def assert_running(self) -> None:
        proc = self.worker.proc
        assert proc is not None
        assert proc.poll() is None, f"the worker stopped (exit code {proc.poll()})"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with streams_stack(tmp_path_factory.mktemp("fuzz-streams"), "fuzz") as base:
        worker = worker_process(base.settings, "fuzz-w1", base.folder, free_ports(1)[0])
        registry = RegistryClient(str(base.settings.schema_registry_url))
        codec = EventCodec(registry, "urn:nld:oin:00000001001234567000:systeem:test")
        # as any client may: librdkafka's default limit, not the broker's (1 MiB)
        producer = Producer({"bootstrap.servers": base.settings.bootstrap_servers,
                             "message.max.bytes": 1_040_000})  # fmt: skip
        letters = make_consumer(base.settings.bootstrap_servers, f"fuzz-{uuid.uuid4().hex[:6]}",
                                **{"auto.offset.reset": "earliest"})  # fmt: skip
        letters.subscribe(["bron.dead-letter"])
        s = Stack(base.settings, base.consents, worker, codec, producer, letters)
        try:
            s.flows(timeout=90)  # the worker has joined its group and projects
            yield s
        finally:
            letters.close()
            registry.close()
            worker.stop()
            lines = worker.log_file.read_text(errors="replace").splitlines()
            print("\n".join([line for line in lines if "streams." in line][-20:]))


def test_poison_is_dead_lettered_with_its_reason_and_valid_events_keep_flowing(
    stack: Stack,
) -> None:
    records = [r for r in real_events(stack.codec, seeds=1) if r.topic in SOURCES]
    known = {stack.codec.registry.lookup(f.subject, compact(f.schema)).schema_id
             for f in load_schema_files()}  # fmt: skip
    kinds = poison_kinds(records, known)
    every_kind = st.tuples(*[kinds[kind] for kind in sorted(ALWAYS_BAD)])

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate],  # no shrinking on a broker
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])  # fmt: skip
    @given(every_kind)
    def poisoned(batch: tuple[Poison, ...]) -> None:
        produced = [(stack.produce(poison), poison) for poison in batch]
        for where, poison in produced:
            if where is None:
                continue
            letter = stack.dead_letter(where)
            assert letter["reason"], poison
            assert letter["errorType"], poison
            if letter["value"] is None and poison.value is not None:
                assert "left out" in letter["reason"], letter["reason"]
            else:
                assert letter["value"] == poison.value, poison

    poisoned()
    stack.flows()
    stack.assert_running()


def test_a_record_too_large_to_dead_letter_whole_is_dead_lettered_without_it(
    stack: Stack,
) -> None:
    """Just under the producer's limit: the record goes in, its dead letter (the record plus
    the reason and the rest) would not. The worker must not stop at it (and again after every
    restart): the dead letter leaves the value out, and says so."""
    [record] = [r for r in real_events(stack.codec, seeds=1) if r.topic == "bron.bag.events"][:1]
    size = len(record.key) + sum(len(k) + len(v) for k, v in record.headers)
    headers: HeaderList = [(k, v) for k, v in record.headers]
    value = record.value.ljust(MAX_MESSAGE_BYTES - 50 - size, b"\x00")  # any client may send it
    poison = Poison("oversized value", record.topic, record.key, value, headers, always_bad=True)
    where = stack.produce(poison)
    assert where is not None
    letter = stack.dead_letter(where)
    assert letter["value"] is None
    assert "left out" in letter["reason"], letter["reason"]
    assert "trailing bytes" in letter["reason"], letter["reason"]
    stack.flows()
    stack.assert_running()
