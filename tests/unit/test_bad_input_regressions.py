"""What issue 9's fuzzers found (tests/unit/test_fuzz_decode.py and
tests/integration/test_fuzz_{registries,graphql,consumers}.py), each pinned down by the input
that showed it, so that it stays fixed even where a fuzzer's seed would no longer reach it."""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from bron_gateway.errors import RegisterUnavailable, no_answer
from bron_gateway.register import ConsentRegister
from fastapi import FastAPI
from pydantic import BaseModel
from starlette.testclient import TestClient

from bron.contracts.codec import DecodeError, EventCodec, RegistryUnavailable
from bron.contracts.registry_client import RegistryClientError
from bron.http import problems
from bron.http.auth import KeyPair
from bron.http.problems import Problem
from bron.notices import RecordError, decode
from bron.testing import free_ports
from services.bag.api import same_id
from services.webhooks.queue import HeaderList, plan
from services.webhooks.queue import Message as AppMessage
from services.woz.api import same
from streams.pipeline import Message
from tests.unit.test_fuzz_decode import (
    MAX_MESSAGE_BYTES,
    POLICY,
    RECORDS,
    SOURCE,
    SUBSCRIPTIONS,
    MemoryRegistry,
    SizeCheckingProducer,
    pipeline,
)

REPO = Path(__file__).resolve().parents[2]

# -- the registries' HTTP APIs ---------------------------------------------------------------


class Naam(BaseModel):
    naam: str


def problem_app() -> FastAPI:
    """The registries' error handling (`bron.http.problems`) around one body."""
    app = FastAPI()
    problems.install(app)

    @app.post("/naam")
    def naam(body: Naam) -> dict[str, str]:
        return {"naam": body.naam}

    return app


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"\xff\xfe{", "application/json"),  # was: 400 "error parsing the body", no field
        (b'{"naam": "a"}', "text/plain"),  # was: 400 with field "" (the whole body)
        (b"[1]", "application/json"),
    ],
)
def test_a_body_that_is_no_json_object_is_a_400_naming_the_body(
    content: bytes, content_type: str
) -> None:
    with TestClient(problem_app()) as client:
        response = client.post("/naam", content=content, headers={"content-type": content_type})
    assert response.status_code == 400
    assert response.headers["content-type"] == problems.PROBLEM_JSON
    assert [e["field"] for e in response.json()["errors"]] == ["body"]


def test_a_body_whose_id_is_not_the_paths_names_the_field() -> None:
    """PUT /panden/0 with a body for another pand; POST /wozobjecten/1/waarden for another."""
    with pytest.raises(Problem) as bag:
        same_id("0", SimpleNamespace(identificatie=""))
    assert [e.field for e in bag.value.errors] == ["identificatie"]
    for field in ("wozObjectnummer", "bezwaarnummer"):
        with pytest.raises(Problem) as woz:
            same(field, "0", "1")
        assert [e.field for e in woz.value.errors] == [field]


@pytest.mark.parametrize("registry", ["bag", "brp", "woz", "toestemming"])
def test_every_operation_documents_its_404(registry: str) -> None:
    """GET /panden/0 answered a 404 its document did not mention."""
    document = json.loads((REPO / "docs" / "openapi" / f"{registry}.json").read_text())
    for path, item in document["paths"].items():
        for method, operation in item.items():
            content = operation["responses"]["404"]["content"]
            assert problems.PROBLEM_JSON in content, (method, path)


# -- the gateway -----------------------------------------------------------------------------

CLASS_NAME = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception|Timeout)\b")


@pytest.mark.parametrize(
    "exc",
    [httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), httpx.RemoteProtocolError("?")],
)
def test_a_service_that_does_not_answer_is_said_in_words(exc: httpx.HTTPError) -> None:
    error = no_answer("the consent register", exc)
    assert str(error).startswith("the consent register did not answer (")
    assert not CLASS_NAME.search(str(error)), str(error)


def test_the_consent_register_unreachable_is_no_class_name(tmp_path: Path) -> None:
    """`mutation { verleenToestemming(...) }` said "did not answer (ConnectError)"."""
    url = f"http://127.0.0.1:{free_ports(1)[0]}"
    register = ConsentRegister(url, KeyPair(tmp_path / "keys"), token_ttl=60, timeout=2.0)

    async def ask() -> None:
        try:
            await register.of_person(str(uuid.uuid4()))
        finally:
            await register.close()

    with pytest.raises(RegisterUnavailable) as refused:
        asyncio.run(ask())
    assert "ConnectError" not in str(refused.value)
    assert "no connection" in str(refused.value)


# -- the webhook consumer (and the app client and the gateway's subscriptions) ---------------

PERSOON = str(uuid.uuid4())
GOOD: HeaderList = [("ce_id", b"r1"), ("ce_time", b"2026-11-28T10:00:00Z"), ("ce_sequence", b"3")]
NIEUW = {"versie": 1, "doelen": {"parkeervergunning": {"persoonId": PERSOON}},
         "wijzigingen": {"parkeervergunning": {"soort": "nieuw", "velden": ["adres"]}}}  # fmt: skip
BAD_RECORDS: dict[str, tuple[bytes | None, bytes | None, HeaderList]] = {
    # what each raised before, out of `plan`: the consumer retried for half a minute, exited,
    # was restarted, met the same record: no webhook was delivered any more
    "key not UTF-8 (UnicodeDecodeError)": (b"\xff\xfe", json.dumps(NIEUW).encode(), GOOD),
    "ce_id not UTF-8 (UnicodeDecodeError)": (PERSOON.encode(), b"{}", [("ce_id", b"\xff")]),
    "tombstone, ce_sequence no number (ValueError)": (
        PERSOON.encode(), None, [("ce_id", b"r"), ("ce_sequence", b"x")]),
    "tombstone, ce_sequence too long (ValueError)": (
        PERSOON.encode(), None, [("ce_id", b"r"), ("ce_sequence", b"9" * 5000)]),
    "versie Infinity (OverflowError)": (
        PERSOON.encode(), b'{"versie": Infinity, "doelen": {}}', GOOD),
    "nested deeper than Python recurses (RecursionError)": (
        PERSOON.encode(), b"[" * 100_000, GOOD),
    "a wijziging that is no object (AttributeError)": (
        PERSOON.encode(), b'{"versie": 1, "doelen": {}, "wijzigingen": {"afvalpas": 5}}', GOOD),
    "velden no list (TypeError)": (PERSOON.encode(), json.dumps(
        {**NIEUW, "wijzigingen": {"parkeervergunning": {"soort": "gewijzigd", "velden": 5}}}
    ).encode(), GOOD),
    "velden no texts (AttributeError)": (PERSOON.encode(), json.dumps(
        {**NIEUW, "wijzigingen": {"parkeervergunning": {"soort": "gewijzigd", "velden": [1]}}}
    ).encode(), GOOD),
    "doelen as pairs of mixed keys (TypeError when sorted)": (
        PERSOON.encode(), b'{"versie": 1, "doelen": [[1, 2], ["a", 3]],'
        b' "wijzigingen": [[1, {}], ["a", {}]]}', GOOD),
    "a view that is no object (delivered as data: 3)": (PERSOON.encode(), json.dumps(
        {**NIEUW, "doelen": {"parkeervergunning": 3}}).encode(), GOOD),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BAD_RECORDS))
def test_a_bad_per_app_record_is_a_record_error_and_reported_not_raised(name: str) -> None:
    key, value, headers = BAD_RECORDS[name]
    with pytest.raises(RecordError):
        decode("bron.app.parkeren", key, value, headers)
    message = AppMessage("bron.app.parkeren", 0, 7, key, value, headers, 1_800_000_000.0)
    planned = plan([message], SUBSCRIPTIONS, POLICY, source=SOURCE, dataref="https://x")
    assert [m for m, _ in planned.bad] == [message]
    assert planned.offsets == {("bron.app.parkeren", 0): 8}


@pytest.mark.parametrize("ce_time", [b"\xff", b"2026-11-28T10:00:00Z\r\nX-Injected: 1", b"x"])
def test_a_ce_time_that_is_no_moment_is_not_sent_on(ce_time: bytes) -> None:
    """It raised (not UTF-8), or went into every delivery's `ce-time` header as it was."""
    headers: HeaderList = [("ce_id", b"r1"), ("ce_time", ce_time)]
    message = AppMessage("bron.app.parkeren", 0, 7, PERSOON.encode(), json.dumps(NIEUW).encode(),
                         headers, 1_800_000_000.0)  # fmt: skip
    planned = plan([message], SUBSCRIPTIONS, POLICY, source=SOURCE, dataref="https://x")
    assert planned.deliveries
    for delivery in planned.deliveries:
        assert delivery.headers["ce-time"] == "2027-01-15T08:00:00.000Z"  # the Kafka timestamp


# -- the stream worker -----------------------------------------------------------------------

BAG_EVENT = next(r for r in RECORDS if r.topic == "bron.bag.events")


@pytest.mark.parametrize("key", [b"0000", None, b""])
def test_an_event_under_another_key_is_dead_lettered(key: bytes | None) -> None:
    """The outbox writes every event under its entity's id; one under another key would be
    projected out of its entity's order (another partition)."""
    message = Message(BAG_EVENT.topic, 0, 1, key, BAG_EVENT.value, [*BAG_EVENT.headers])
    with pytest.raises(DecodeError, match="key"):
        pipeline().decode(message)


def test_a_message_too_large_to_dead_letter_whole_is_dead_lettered_without_its_value() -> None:
    """The worker stopped at it (KafkaException: MSG_SIZE_TOO_LARGE), and after every restart."""
    value = BAG_EVENT.value.ljust(MAX_MESSAGE_BYTES - 500, b"\x00")
    message = Message(BAG_EVENT.topic, 0, 1, BAG_EVENT.key, value, [*BAG_EVENT.headers])
    letters = dead_letters(message)
    assert letters["value"] is None
    assert letters["key"] == BAG_EVENT.key
    assert "trailing bytes" in letters["reason"]
    assert "value left out" in letters["reason"]


def test_headers_too_large_to_dead_letter_are_left_out_and_a_long_reason_cut() -> None:
    headers: list[tuple[str, bytes | None]] = [
        (k, b"x" * 950_000 if k == "ce_specversion" else v) for k, v in BAG_EVENT.headers
    ]
    message = Message(BAG_EVENT.topic, 0, 1, BAG_EVENT.key, BAG_EVENT.value, headers)
    letter = dead_letters(message)  # the reason quoted the 950,000-byte header
    assert letter["value"] == BAG_EVENT.value
    assert all(h["value"] is None for h in letter["headers"])
    assert len(letter["reason"]) < 1_000


def dead_letters(message: Message) -> dict[str, Any]:
    producer = SizeCheckingProducer()
    worker = pipeline(producer)
    with pytest.raises(DecodeError) as refused:
        worker.decode(message)
    worker._dead_letter(message, refused.value, 1, None)
    [(_topic, key, value, headers)] = producer.sent
    return worker.codec.decode(key, value, headers).data


def test_an_unknown_schema_id_is_dead_lettered_but_a_failing_registry_is_not() -> None:
    """A 404 for the id: the event can never be read (dead letter). A 5xx said the same, and
    a valid event was dead-lettered while the registry's store had trouble: now it is
    `RegistryUnavailable`, and the worker waits and reads the event again."""

    class Failing(MemoryRegistry):
        def schema_by_id(self, schema_id: int) -> str:
            raise RegistryClientError(500, 50001, "Error in the backend data store")

    r = BAG_EVENT
    with pytest.raises(RegistryUnavailable, match="error 50001"):  # not a DecodeError
        EventCodec(Failing(), SOURCE).decode(r.key, r.value, r.headers)
    with pytest.raises(DecodeError, match="unknown schema id 999999"):
        pipeline().codec.decode(r.key, b"\x00\x00\x0f\x42\x3f" + r.value[5:], r.headers)
