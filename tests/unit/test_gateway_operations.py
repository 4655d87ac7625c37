"""What an operation asks, read from its text (`bron_gateway.operations`): the table has every
root field of the schema, and for each query and subscription the static result is what the
resolvers check at runtime, through the real schema (`resolve.allowed` and
`subscriptions.subscribe` run for real, their field checks recorded, stopped before any read)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any, cast

import pytest
from bron_gateway import queries, resolve, subscriptions
from bron_gateway import schema as gateway
from bron_gateway.access import FixedPolicy
from bron_gateway.auth import Authenticator, Caller
from bron_gateway.context import RequestContext, Services
from bron_gateway.loaders import Loaders
from bron_gateway.operations import ANONYMOUS, ROOTS, Asked, asked, merge
from bron_gateway.schema import build_schema
from bron_gateway.selection import Requested, refused, requested
from bron_gateway.tail import SubscriptionService
from bron_gateway.testing import MemoryLog
from bron_gateway.trace import trace_from
from bron_gateway.verwerkingslog import Pseudonymiser
from bron_gateway.websocket import SocketContext
from strawberry.types.nodes import Selection

from bron.policy import Doel, Policy, load_policy
from graphql import OperationType, parse
from streams.reads import ProjectionReader

OIN = "00000001002564440000"
SCHEMA = build_schema(max_depth=10, max_aliases=20, max_tokens=5000, introspection=True)
LOADED = load_policy()
APP = "alles"
# One app with every purpose: the purpose check passes, the field checks are recorded.
POLICY = Policy(
    doelen=LOADED.doelen,
    apps=(LOADED.apps[0].model_copy(update={"id": APP,
                                            "doelen": tuple(d.id for d in LOADED.doelen)}),),
)  # fmt: skip


def test_the_table_has_every_root_field_of_the_schema_and_no_other() -> None:
    core = SCHEMA._schema
    roots = {OperationType.QUERY: core.query_type, OperationType.MUTATION: core.mutation_type,
             OperationType.SUBSCRIPTION: core.subscription_type}  # fmt: skip
    in_schema = {name: kind for kind, root in roots.items() if root for name in root.fields}
    assert {name: root.operation for name, root in ROOTS.items()} == in_schema


def _one(query: str) -> list[Asked]:
    return asked(parse(query))


def test_a_person_query_asks_per_entity_through_fragments_and_aliases() -> None:
    found = _one("""
        query Wie { p: persoon(doel: "belastingen-woz", bsn: "999990019") {
            __typename naam { voorletters } ...Woon ... on Persoon { adres { postcode } } } }
        fragment Woon on Persoon { verblijfsobject { oppervlakte panden { status } }
                                   wozObjecten { waarden { vastgesteldeWaarde } } }""")
    assert found == [Asked("Wie", "query", "persoon", "p", "belastingen-woz", {
        "adres": ["postcode"], "pand": ["status"], "persoon": ["naam.voorletters"],
        "verblijfsobject": ["oppervlakte"], "wozObject": ["waarden.vastgesteldeWaarde"]},
        personal=True)]  # fmt: skip


def test_roots_are_grouped_by_response_key_with_the_first_ones_arguments() -> None:
    found = _one("""query($d: String!) { persoon(doel: "bijstand", bsn: "1") { naam { voornamen } }
        persoon(doel: "bijstand", bsn: "1") { geboorte { datum { datum } } }
        ... on Query { andere: persoon(doel: $d, bsn: "2") { geslacht { code } } } }""")
    assert [(a.operation, a.key, a.doel, a.asked) for a in found] == [
        (ANONYMOUS, "persoon", "bijstand",
         {"persoon": ["geboorte.datum.datum", "naam.voornamen"]}),
        (ANONYMOUS, "andere", None, {"persoon": ["geslacht.code"]}),
    ]  # fmt: skip


def test_a_literal_skip_or_include_decides_a_root_field_a_variable_counts_as_run() -> None:
    found = _one("""query Q($x: Boolean!) {
        a: adres(doel: "bijstand", id: "1") @skip(if: true) { postcode }
        b: adres(doel: "bijstand", id: "1") @include(if: false) { postcode }
        c: adres(doel: "bijstand", id: "1") @include(if: $x) { straat }
        d: adres(doel: "bijstand", id: "1") @skip(if: false) { __typename } }""")
    assert [(a.key, a.asked) for a in found] == [("c", {"adres": ["straat"]}),
                                                 ("d", {"adres": ["*"]})]  # fmt: skip


@pytest.mark.parametrize(
    ("arguments", "criteria"),
    [
        ('geslachtsnaam: "Jansen", geboortedatum: "1980-05-17"', {"persoon": ["geboorte.datum",
                                                                              "naam.geslachtsnaam"]}),
        ('postcode: "1011AB", huisnummer: 12, geslachtsnaam: null', {"adres": ["huisnummer",
                                                                              "postcode"]}),
        ("postcode: $p, huisnummer: $h", {"adres": ["huisnummer", "postcode"]}),
        ("geslachtsnaam: $n, postcode: $p", {"adres": ["huisnummer", "postcode"],
                                             "persoon": ["geboorte.datum", "naam.geslachtsnaam"]}),
        ("", {"adres": ["huisnummer", "postcode"],
              "persoon": ["geboorte.datum", "naam.geslachtsnaam"]}),
    ],
)  # fmt: skip
def test_a_search_is_by_name_or_by_address_as_its_arguments_say(
    arguments: str, criteria: Requested
) -> None:
    selection = "{ edges { node { naam { voornamen } } } pageInfo { hasNextPage } }"
    (found,) = _one(f'{{ zoekPersonen(doel: "bijstand", {arguments}) {selection} }}')
    assert found.asked == {"persoon": ["naam.voornamen"]}
    assert found.criteria == criteria


def test_citizens_webhooks_introspection_and_unknown_roots() -> None:
    found = _one("""
        query Mijn { mijnGegevens { naam { voornamen } } __typename webhookAbonnementen { id } }
        mutation Aan { webhookAanmaken(doel: "bijstand", url: "https://x.nl") { id }
                       verleenToestemming(appId: "a", doelId: "b") { id } }
        subscription Uit($d: String!) {
            uitBeeld(doel: $d) { id } persoon(doel: "bijstand") { id } }""")
    assert [(a.operation, a.kind, a.root, a.doel, a.asked, a.citizen_only, a.personal, a.known)
            for a in found] == [
        ("Mijn", "query", "mijnGegevens", None, {}, True, False, True),
        ("Mijn", "query", "__typename", None, {}, False, False, True),
        ("Mijn", "query", "webhookAbonnementen", None, {}, False, False, True),
        ("Aan", "mutation", "webhookAanmaken", "bijstand", {}, False, False, True),
        ("Aan", "mutation", "verleenToestemming", None, {}, True, False, True),
        ("Uit", "subscription", "uitBeeld", None, {}, False, True, True),
        ("Uit", "subscription", "persoon", "bijstand", {}, False, False, False),
    ]  # fmt: skip


def test_merge_is_the_sorted_union() -> None:
    assert merge({"persoon": ["b", "a"]}, {"persoon": ["a"], "adres": ["x"]}) == {
        "adres": ["x"], "persoon": ["a", "b"]}  # fmt: skip


# -- the same as the runtime -----------------------------------------------------------------


class Stop(Exception):
    """Raised once the resolver's checks are recorded: nothing is read."""


Checked = tuple[str, str, Requested, Requested]  # response key, doel, asked, criteria


def _record_queries(monkeypatch: pytest.MonkeyPatch) -> list[Checked]:
    """Every `resolve.allowed` call runs for real (the purpose check included); what it
    passes to `check_fields` is recorded, then the resolver stops."""
    calls: list[Checked] = []
    checked: list[tuple[Doel, Requested]] = []
    real = resolve.allowed

    def allowed_then_stop(
        info: resolve.Info,
        doel_id: str,
        asked_of: Callable[[Sequence[Selection]], Requested] = requested,
        criteria: Requested | None = None,
    ) -> tuple[Doel, Requested]:
        checked.clear()
        real(info, doel_id, asked_of, criteria)  # no await inside: one call at a time
        (goal, what), *rest = checked
        calls.append((str(info.path.key), goal.id, what, rest[0][1] if rest else {}))
        raise Stop

    monkeypatch.setattr(resolve, "check_fields", lambda goal, what: checked.append((goal, what)))
    monkeypatch.setattr(gateway, "allowed", allowed_then_stop)
    monkeypatch.setattr(queries, "allowed", allowed_then_stop)
    return calls


def _runtime(
    monkeypatch: pytest.MonkeyPatch, query: str, variables: dict[str, Any]
) -> list[Checked]:
    calls = _record_queries(monkeypatch)
    context = RequestContext(
        caller=Caller("urn:test", f"client-{APP}", APP),
        app=POLICY.app_by_id[APP],
        policy=POLICY,
        loaders=Loaders(cast(ProjectionReader, None), APP),  # never read: it stops before
        trace=trace_from(None),
        services=Services(MemoryLog(), Pseudonymiser(b"k" * 32), OIN, 100),
    )
    result = asyncio.run(SCHEMA.execute(query, variable_values=variables, context_value=context))
    assert result.errors  # Stop, at every root field that checks a purpose
    return sorted(calls)


def _static(query: str, variables: dict[str, Any]) -> list[Checked]:
    return sorted((a.key, a.doel or variables["doel"], a.asked, a.criteria)
                  for a in asked(parse(query)) if a.personal)  # fmt: skip


QUERIES = [
    pytest.param("""query Wie { p: persoon(doel: "belastingen-woz", bsn: "999990019") {
        __typename naam { voorletters } ...Woon ... on Persoon { adres { postcode } } } }
        fragment Woon on Persoon { verblijfsobject { oppervlakte panden { status } }
                                   wozObjecten { waarden { vastgesteldeWaarde } } }""",
                 id="persoon, fragments"),
    pytest.param("""query($doel: String!) {
        persoon(doel: "bijstand", bsn: "999990019") { naam { voornamen } }
        persoon(doel: "bijstand", bsn: "999990019") { geboorte { datum { datum } } }
        b: personen(doel: "bijstand", bsns: ["999990019"]) { kinderen { naam { voorletters } } }
        ... on Query { c: persoon(doel: $doel, bsn: "999990019") { geslacht { code } } } }""",
                 id="grouped by response key"),
    pytest.param("""query Zoek { z: zoekPersonen(doel: "bijstand", geslachtsnaam: "Jansen",
            geboortedatum: "1980-05-17") { edges { cursor node { naam { voornamen } } }
            nodes { partners { naam { geslachtsnaam } } } pageInfo { hasNextPage } }
        a: zoekPersonen(doel: "afvalpas", postcode: "1011AB", huisnummer: 12,
            geslachtsnaam: null) { nodes { ...N } }
        bewoners(doel: "belastingen-woz", adres: "0363200000000001") { nodes { ...N } } }
        fragment N on Persoon { naam { geslachtsnaam } }""", id="searches"),
    pytest.param("""query Objecten($doel: String!, $skip: Boolean = true) {
        leeg: adres(doel: "afvalpas", id: "0518200000000001") { __typename }
        adres(doel: "bijstand", postcode: "1011AB", huisnummer: 12) { postcode straat }
        weg: adres(doel: "bijstand", id: "1") @skip(if: true) { woonplaats }
        wozObject(doel: $doel, wozObjectnummer: "1") { waarden { belastingjaar }
            bezwaren @include(if: false) { uitkomst } ... @skip(if: $skip) { gemeentecode } } }""",
                 id="adres and wozObject, directives"),
]  # fmt: skip


@pytest.mark.parametrize("query", QUERIES)
def test_a_query_asks_statically_what_its_resolvers_check(
    monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    variables = {"doel": "belastingen-woz"}
    runtime = _runtime(monkeypatch, query, variables)
    assert runtime
    assert _static(query, variables) == runtime


def _socket() -> SocketContext:
    services = Services(MemoryLog(), Pseudonymiser(b"k" * 32), OIN, 100)
    tokens = Authenticator({}, "bron:gateway", ["RS256"], 0)
    service = SubscriptionService("127.0.0.1:1", FixedPolicy(POLICY), tokens, services)
    context = SocketContext(service, None, trace_from(None))
    context.caller = Caller("urn:test", f"client-{APP}", APP)
    return context


SUBSCRIPTIONS = [
    """subscription { persoonGewijzigd(doel: "belastingen-woz") { id cursor velden
        persoon { naam { voorletters } adres { straat } wozObjecten { wozObjectnummer } }
        adres { postcode } wozObjecten { waarden { vastgesteldeWaarde } } } }""",
    """subscription T($doel: String!) { t: toestemmingGewijzigd(doel: $doel) { status ...G } }
       fragment G on Gebeurtenis { persoon { ...P } ... on Gebeurtenis { adres { __typename } } }
       fragment P on Persoon { verblijfplaats { verblijfadres { postcode } } }""",
]


@pytest.mark.parametrize("query", SUBSCRIPTIONS)
def test_a_subscription_asks_statically_what_subscribe_checks(
    monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    variables = {"doel": "parkeervergunning"}
    checked: list[tuple[str, Requested]] = []

    def record_and_stop(goal: Doel, what: Requested) -> None:
        checked.append((goal.id, what))
        raise Stop

    monkeypatch.setattr(subscriptions, "check_fields", record_and_stop)

    async def first() -> Any:
        stream = await SCHEMA.stream(query, variable_values=variables, context_value=_socket())
        async for result in stream:
            return result
        return None

    result = asyncio.run(first())
    assert result is not None
    assert result.errors
    (key, doel, what, criteria), *_ = _static(query, variables)
    assert checked == [(doel, what)]
    assert criteria == {}
    assert key in ("persoonGewijzigd", "t")


def test_the_runtime_harness_sees_a_refusal_the_static_result_predicts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The recorded calls are what the real check refuses: parkeervergunning allows no birth."""
    query = (
        '{ persoon(doel: "parkeervergunning", bsn: "999990019") { geboorte { datum { datum } } } }'
    )
    (static,) = asked(parse(query))
    assert refused(POLICY.doel_by_id["parkeervergunning"], static.asked) == [
        "geboorte.datum.datum"]  # fmt: skip
    calls = _runtime(monkeypatch, query, {})
    assert calls == [("persoon", "parkeervergunning", static.asked, {})]
