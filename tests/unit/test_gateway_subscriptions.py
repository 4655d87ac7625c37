"""The pure parts of the gateway's subscriptions, without Kafka: the cursor, the filter, the
Gebeurtenis, one delivery (`Subscriber.deliver`: the register read again, the log written and
acknowledged first), the checks before anything is read, and one transport per operation."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import json
import uuid
from collections.abc import AsyncGenerator, Mapping
from datetime import UTC, datetime
from typing import Any, cast

import pytest
import strawberry
from bron_gateway import subscriptions
from bron_gateway.access import FixedPolicy, PolicySource
from bron_gateway.auth import Authenticator, Caller
from bron_gateway.context import Services
from bron_gateway.errors import (
    FieldsNotAllowed,
    InvalidArgument,
    ProcessingLogUnavailable,
    PurposeNotAllowed,
)
from bron_gateway.gebeurtenis_types import decode_cursor, encode_cursor, gebeurtenis, wanted
from bron_gateway.schema import build_schema
from bron_gateway.subscriptions import Subscriber
from bron_gateway.tail import EventsUnavailable, Item, SubscriptionService, Tail, end_reason
from bron_gateway.testing import MemoryLog
from bron_gateway.trace import trace_from
from bron_gateway.verwerkingslog import Pseudonymiser
from bron_gateway.websocket import SocketContext

from bron.notices import Notice, Record
from bron.policy import Policy, load_policy

OIN = "00000001002564440000"
APP, DOEL = "parkeren", "parkeervergunning"  # a purpose on consent
PERSOON = str(uuid.uuid4())
WHEN = datetime(2026, 11, 28, 12, 0, 1, 234000, tzinfo=UTC)
VIEW = {
    "persoonId": PERSOON,
    "persoon": {"naam": {"geslachtsnaam": "Jansen"}},
    "adres": {"postcode": "1011AB", "huisnummer": 12},
}
NAAM = {"persoon": ["naam.geslachtsnaam"]}


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


def service(policy: PolicySource, log: MemoryLog) -> SubscriptionService:
    services = Services(log=log, pseudonym=Pseudonymiser(b"k" * 32), uitvoerder=OIN, max_bsns=100)
    tokens = Authenticator({}, "bron:gateway", ["RS256"], 0)
    return SubscriptionService("127.0.0.1:1", policy, tokens, services)


def subscriber(
    source: PolicySource,
    log: MemoryLog,
    kind: str = "persoon-gewijzigd",
    *,
    app: str = APP,
    doel: str = DOEL,
    persoon_id: str | None = None,
    asked: dict[str, list[str]] | None = None,
) -> Subscriber:
    caller = Caller(issuer="urn:test", subject=f"client-{app}", app_id=app)
    return Subscriber(
        service(source, log),
        caller,
        trace_from(None),
        doel,
        kind,
        persoon_id,
        NAAM if asked is None else asked,
    )


def item(soort: str, velden: list[str], persoon_id: str = PERSOON, doel: str = DOEL) -> Item:
    doelen = {} if soort == "verwijderd" else {doel: {**VIEW, "persoonId": persoon_id}}
    record = Record(
        str(uuid.uuid4()), APP, persoon_id, 7, doelen, {doel: {"soort": soort, "velden": velden}}
    )
    return Item(2, 41, WHEN, record)


# -- the cursor ------------------------------------------------------------------------------


def test_a_cursor_is_base64url_json_of_the_next_offsets_and_reads_back() -> None:
    cursor = encode_cursor({3: 12, 0: 5})
    assert "=" not in cursor
    assert json.loads(base64.urlsafe_b64decode(cursor + "==")) == {"0": 5, "3": 12}
    assert decode_cursor(cursor) == {0: 5, 3: 12}
    assert decode_cursor(encode_cursor({})) == {}


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not a cursor!",
        _b64("[1, 2]"),
        _b64('{"a": 1}'),
        _b64('{"1": -1}'),
        _b64('{"1": true}'),
        _b64('{"1": 1.5}'),
        _b64('{"1": "2"}'),
        "A" * 5000,
    ],
)
def test_anything_else_is_an_invalid_argument(cursor: str) -> None:
    with pytest.raises(InvalidArgument) as refused:
        decode_cursor(cursor)
    assert refused.value.code == "INVALID_ARGUMENT"


# -- the filter and the Gebeurtenis ----------------------------------------------------------


def _notice(kind: str, data: dict[str, Any] | None, status: str | None = None) -> Notice:
    return Notice("n-1", kind, APP, DOEL, PERSOON, 7, ("persoon.naam",), data, status)


def test_the_filter_is_purpose_kind_and_person() -> None:
    notice = _notice("persoon-gewijzigd", VIEW)
    assert wanted(notice, DOEL, "persoon-gewijzigd", None)
    assert wanted(notice, DOEL, "persoon-gewijzigd", PERSOON)
    assert not wanted(notice, DOEL, "persoon-gewijzigd", str(uuid.uuid4()))
    assert not wanted(notice, "afvalpas", "persoon-gewijzigd", None)
    assert not wanted(notice, DOEL, "adres-gewijzigd", None)


def test_a_gebeurtenis_shows_the_view_and_none_without_one() -> None:
    shown = gebeurtenis(_notice("persoon-gewijzigd", VIEW), "c", WHEN)
    assert (shown.id, shown.type, shown.cursor) == ("n-1", "nl.bron.persoon-gewijzigd.v1", "c")
    assert shown.tijdstip == "2026-11-28T12:00:01.234Z"
    assert cast(object, shown.persoon) == {
        "naam": {"geslachtsnaam": "Jansen"},
        "adres": VIEW["adres"],
        "verblijfsobject": None,
        "wozObjecten": None,
    }
    assert cast(object, shown.adres) == VIEW["adres"]
    gone = gebeurtenis(_notice("toestemming-gewijzigd", None, "beeindigd"), "c", WHEN)
    assert (gone.persoon, gone.adres, gone.wozObjecten, gone.status) == (
        None,
        None,
        None,
        "beeindigd",
    )


# -- one delivery ----------------------------------------------------------------------------


def test_each_notice_is_logged_first_and_carries_the_cursor_after_its_record(
    policy: Policy,
) -> None:
    log = MemoryLog()
    positions = {0: 3}
    later = Item(5, 9, WHEN, item("gewijzigd", ["persoon.naam"]).record)
    found = asyncio.run(
        subscriber(FixedPolicy(policy), log).deliver(
            [item("gewijzigd", ["persoon.naam"]), Item(1, 6, WHEN, None), later], positions
        )
    )
    assert positions == {0: 3, 1: 7, 2: 42, 5: 10}
    assert [decode_cursor(f.cursor) for f in found] == [{0: 3, 2: 42}, positions]
    assert all(f.persoon is not None for f in found)
    assert len(log.records) == 2  # one per notice, not merged per person
    entry = log.records[0]
    assert entry["actie"] == "abonnement bezorgen"
    assert (entry["doelId"], entry["appId"], entry["gebruiker"]) == (DOEL, APP, f"client-{APP}")
    [obj] = entry["verwerkteObjecten"]
    assert obj["verwerkteSoortenGegevens"] == ["naam.geslachtsnaam", "persoonId"]
    assert obj["identificator"] == Pseudonymiser(b"k" * 32)(PERSOON)


def test_what_is_not_for_the_subscription_is_passed_over_unlogged(policy: Policy) -> None:
    log = MemoryLog()
    other = str(uuid.uuid4())
    source = FixedPolicy(policy)
    cases = [
        (subscriber(source, log), item("gewijzigd", ["adres"])),  # another kind
        (subscriber(source, log), item("gewijzigd", ["persoon.naam"], doel="afvalpas")),
        (subscriber(source, log, persoon_id=other), item("gewijzigd", ["persoon.naam"])),
        (subscriber(source, log), Item(0, 1, WHEN, None)),  # not a record of the workers
        (subscriber(source, log), Item(0, 1, WHEN, Record("t", APP, PERSOON, 7, None))),
    ]
    for one, given in cases:
        assert asyncio.run(one.deliver([given], {0: 2})) == []
    assert log.records == []


def test_a_revocation_is_told_without_data_and_consent_only_for_a_purpose_on_consent(
    policy: Policy,
) -> None:
    log = MemoryLog()
    source = FixedPolicy(policy)
    gone = item("verwijderd", [])
    [told] = asyncio.run(subscriber(source, log, "toestemming-gewijzigd").deliver([gone], {}))
    assert (told.status, told.persoon) == ("beeindigd", None)
    [uit] = asyncio.run(subscriber(source, log, "uit-beeld").deliver([gone], {}))
    assert uit.persoon is None
    assert [r["verwerkteObjecten"][0]["verwerkteSoortenGegevens"] for r in log.records] == [
        ["persoonId"],
        ["persoonId"],
    ]
    bijstand = subscriber(
        source, log, "toestemming-gewijzigd", app="bijstand-loket", doel="bijstand", asked={}
    )
    assert asyncio.run(bijstand.deliver([item("verwijderd", [], doel="bijstand")], {})) == []


def test_a_purpose_or_field_the_app_lost_ends_the_subscription(policy: Policy) -> None:
    log = MemoryLog()
    lost = Policy(
        doelen=policy.doelen,
        apps=tuple(a.model_copy(update={"doelen": ()}) if a.id == APP else a for a in policy.apps),
    )
    with pytest.raises(PurposeNotAllowed):
        asyncio.run(
            subscriber(FixedPolicy(lost), log).deliver([item("gewijzigd", ["persoon.naam"])], {})
        )
    narrowed = {**policy.doel_by_id[DOEL].velden, "persoon": ("naam.voorletters",)}
    fewer = Policy(
        apps=policy.apps,
        doelen=tuple(
            d.model_copy(update={"velden": narrowed}) if d.id == DOEL else d for d in policy.doelen
        ),
    )
    with pytest.raises(FieldsNotAllowed):
        asyncio.run(
            subscriber(FixedPolicy(fewer), log).deliver([item("gewijzigd", ["persoon.naam"])], {})
        )
    assert log.records == []


class Idle(Tail):
    """A tail on which nothing comes: no consumer, no thread."""

    async def open(self) -> dict[int, int]:
        return {}


class IdleService(SubscriptionService):
    def tail(self, app_id: str, start: Mapping[int, int] | None) -> Tail:
        return Idle({}, f"bron.app.{app_id}", start)


def idle(source: PolicySource) -> Subscriber:
    """A subscriber whose app's topic stays quiet."""
    made = service(source, MemoryLog())
    quiet = IdleService(made.bootstrap, made.policy, made.authenticator, made.services)
    return dataclasses.replace(subscriber(source, MemoryLog()), service=quiet)


def test_a_withdrawn_apps_subscription_ends_without_waiting_for_a_record(
    policy: Policy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An app withdrawn from the register gets no record after its last tombstones, which may
    have come while the register was still cached: the subscription reads the register again
    while it waits, and ends as it would at the next record; one still allowed waits on."""
    monkeypatch.setattr(subscriptions, "RECHECK", 0.01)
    withdrawn = Policy(
        doelen=policy.doelen,
        apps=tuple(
            a.model_copy(update={"doelen": (), "gemeenten": ()}) if a.id == APP else a
            for a in policy.apps
        ),
    )

    async def first(source: PolicySource, timeout: float) -> Any:
        stream = cast(AsyncGenerator[Any, None], idle(source).stream(None))
        try:
            return await asyncio.wait_for(anext(stream), timeout)
        finally:
            await stream.aclose()

    with pytest.raises(PurposeNotAllowed):
        asyncio.run(first(FixedPolicy(withdrawn), 5))
    with pytest.raises(TimeoutError):
        asyncio.run(first(FixedPolicy(policy), 0.2))


def test_without_the_log_nothing_is_delivered(policy: Policy) -> None:
    log = MemoryLog(available=False)
    with pytest.raises(ProcessingLogUnavailable):
        asyncio.run(
            subscriber(FixedPolicy(policy), log).deliver([item("gewijzigd", ["persoon.naam"])], {})
        )


# -- through the schema ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def schema() -> strawberry.Schema:
    return build_schema(max_depth=8, max_aliases=20, max_tokens=2000, introspection=True)


def _socket(policy: Policy, caller: Caller | None) -> SocketContext:
    context = SocketContext(service(FixedPolicy(policy), MemoryLog()), None, trace_from(None))
    context.caller = caller
    return context


async def _first(schema: strawberry.Schema, query: str, context: SocketContext) -> Any:
    """The first result, as the WebSocket handler streams it."""
    async for result in await schema.stream(query, context_value=context):
        return result
    return None


@pytest.mark.parametrize(
    ("selection", "doel", "code"),
    [
        ("id persoon { geboorte { datum { datum } } }", DOEL, "FIELD_NOT_ALLOWED"),
        (
            "id adres { straat } wozObjecten { waarden { vastgesteldeWaarde } }",
            DOEL,
            "FIELD_NOT_ALLOWED",
        ),
        ("id", "bijstand", "PURPOSE_NOT_ALLOWED"),
    ],
)
def test_a_subscription_is_refused_before_any_consumer_is_made(
    schema: strawberry.Schema, policy: Policy, selection: str, doel: str, code: str
) -> None:
    context = _socket(policy, Caller(issuer="urn:test", subject="c", app_id=APP))
    query = f'subscription {{ persoonGewijzigd(doel: "{doel}") {{ {selection} }} }}'
    result = asyncio.run(_first(schema, query, context))
    assert result.data is None
    assert result.errors is not None
    assert result.errors[0].extensions == {"code": code}
    assert context.service.open_tails == 0
    if code == "FIELD_NOT_ALLOWED":
        message = result.errors[0].message
        assert "'parkeervergunning'" in message
        assert ("geboorte.datum.datum" in message) or ("wozObject.waarden" in message)


def test_a_bad_cursor_or_persoon_id_is_refused_before_anything_is_read(
    schema: strawberry.Schema, policy: Policy
) -> None:
    context = _socket(policy, Caller(issuer="urn:test", subject="c", app_id=APP))
    for arguments in ('na: "nope!"', 'persoonId: "999990019"'):
        query = f'subscription {{ inBeeld(doel: "{DOEL}", {arguments}) {{ id }} }}'
        result = asyncio.run(_first(schema, query, context))
        assert result.errors[0].extensions == {"code": "INVALID_ARGUMENT"}
    assert context.service.open_tails == 0


def test_subscriptions_only_over_the_websocket_and_queries_only_over_post(
    schema: strawberry.Schema, policy: Policy
) -> None:
    over_http = asyncio.run(schema.execute(f'subscription {{ inBeeld(doel: "{DOEL}") {{ id }} }}'))
    assert over_http.errors is not None
    assert "WebSocket" in over_http.errors[0].message
    over_socket = asyncio.run(_first(schema, "{ __typename }", _socket(policy, None)))
    assert "POST" in over_socket.errors[0].message


def test_an_ended_subscription_says_why_in_words_not_in_class_names_or_hosts() -> None:
    from confluent_kafka import KafkaError, KafkaException

    broker = KafkaException(KafkaError(KafkaError._ALL_BROKERS_DOWN, "10.1.2.3:9092/1: down"))
    for exc in (broker, RuntimeError("boom")):
        message = EventsUnavailable(end_reason(exc)).message
        assert message.startswith("the app's events cannot be read (")
        for internal in ("KafkaException", "RuntimeError", "10.1.2.3", "boom"):
            assert internal not in message, (internal, message)
    assert "Kafka" in end_reason(broker)
