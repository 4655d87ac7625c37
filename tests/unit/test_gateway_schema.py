"""The gateway's resolvers through `schema.execute`, on a real SQLite projection store and the
in-memory processing log: purpose and field checks before any read, null for a person out of
scope exactly as for an unknown one, one log record per citizen read, no data without the log,
masked unexpected errors, and the committed SDL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import strawberry
from bron_gateway.auth import Caller
from bron_gateway.context import RequestContext, Services
from bron_gateway.loaders import Loaders
from bron_gateway.schema import build_schema
from bron_gateway.sdl import sdl
from bron_gateway.testing import MemoryLog, record, write_persons, write_policy
from bron_gateway.trace import trace_from
from bron_gateway.verwerkingslog import Pseudonymiser

from bron.policy import Policy, load_policy, persoon_fields
from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType
from streams.reads import ProjectionReader
from streams.store import ProjectionStore

REPO = Path(__file__).resolve().parents[2]
OIN = "00000001002564440000"
SECRET = b"k" * 32


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy()


@pytest.fixture(scope="module")
def schema() -> strawberry.Schema:
    return build_schema(max_depth=8, max_aliases=5, max_tokens=2000, introspection=True)


class World:
    def __init__(self, url: str, policy: Policy) -> None:
        self.url = url
        self.policy = policy
        self.store = ProjectionStore(url)
        self.reader = ProjectionReader(url)
        self.log = MemoryLog()
        write_policy(self.store, policy)
        self.anna = record("999990019", "Jansen", "Anna Maria")
        self.bram = record("999990020", "Bakker", "Bram")  # out of every scope
        write_persons(self.store, policy, [self.anna, self.bram], [
            ("bijstand-loket", "bijstand", self.anna["persoonId"]),
            ("parkeren", "parkeervergunning", self.anna["persoonId"]),
        ])  # fmt: skip

    def context(self, app_id: str) -> RequestContext:
        return RequestContext(
            caller=Caller("urn:bron:dev-issuer", f"client-{app_id}", app_id),
            app=self.policy.app_by_id[app_id],
            policy=self.policy,
            loaders=Loaders(self.reader, app_id),
            trace=trace_from("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            services=Services(self.log, Pseudonymiser(SECRET), OIN, max_bsns=100),
        )


@pytest.fixture
def world(tmp_path: Path, policy: Policy) -> Iterator[World]:
    w = World(f"sqlite:///{tmp_path / 'projections.db'}", policy)
    yield w
    w.reader.close()
    w.store.close()


def run(schema: strawberry.Schema, query: str, context: RequestContext) -> Any:
    return asyncio.run(schema.execute(query, context_value=context))


def test_the_committed_sdl_is_the_schema() -> None:
    """Re-export with `bron gateway schema --output docs/schema.graphql`."""
    assert (REPO / "docs" / "schema.graphql").read_text() == sdl()


def test_every_persoon_leaf_is_a_haal_centraal_path(schema: strawberry.Schema) -> None:
    known = persoon_fields()

    def leaves(t: GraphQLObjectType, prefix: str) -> Iterator[str]:
        for name, f in t.fields.items():
            inner = f.type
            while isinstance(inner, GraphQLNonNull | GraphQLList):
                inner = inner.of_type
            if isinstance(inner, GraphQLObjectType):
                yield from leaves(inner, f"{prefix}{name}.")
            else:
                yield f"{prefix}{name}"

    persoon = schema._schema.type_map["Persoon"]
    assert isinstance(persoon, GraphQLObjectType)
    entities = ("adres.", "verblijfsobject.", "wozObjecten.")  # governed by velden.<entity>
    paths = [p for p in leaves(persoon, "") if not p.startswith(entities)]
    assert len(paths) > 60
    assert [p for p in paths if p not in known] == []


def test_an_allowed_selection_returns_the_data_and_logs_the_citizen(
    schema: strawberry.Schema, world: World
) -> None:
    query = """{ persoon(bsn: "999990019", doel: "bijstand") {
        burgerservicenummer naam { voornamen geslachtsnaam } geboorte { datum { datum } }
        verblijfplaats { verblijfadres { postcode huisnummer } } adres { postcode straat } } }"""
    result = run(schema, query, world.context("bijstand-loket"))
    assert result.errors is None
    assert result.data == {"persoon": {
        "burgerservicenummer": "999990019",
        "naam": {"voornamen": "Anna Maria", "geslachtsnaam": "Jansen"},
        "geboorte": {"datum": {"datum": "1980-05-17"}},
        "verblijfplaats": {"verblijfadres": {"postcode": "1011AB", "huisnummer": 12}},
        "adres": {"postcode": "1011AB", "straat": "Dorpsstraat"},
    }}  # fmt: skip
    [logged] = world.log.records
    assert logged["doelId"] == "bijstand"
    assert logged["appId"] == "bijstand-loket"
    assert logged["afnemer"] is None  # the app's organisation runs Bron here
    assert logged["traceId"] == "0af7651916cd43dd8448eb211c80319c"
    [obj] = logged["verwerkteObjecten"]
    assert obj["identificator"] == Pseudonymiser(SECRET)(world.anna["persoonId"])
    assert obj["verwerkteSoortenGegevens"] == [
        "adres.postcode", "adres.straat", "burgerservicenummer", "geboorte.datum.datum",
        "naam.geslachtsnaam", "naam.voornamen", "verblijfplaats.verblijfadres.huisnummer",
        "verblijfplaats.verblijfadres.postcode",
    ]  # fmt: skip
    assert "999990019" not in repr(logged)
    assert world.anna["persoonId"] not in repr(logged)


@pytest.mark.parametrize(
    ("selection", "refused"),
    [
        ("naam { voornamen }", "naam.voornamen"),
        ("geboorte { datum { datum } }", "geboorte.datum.datum"),
        ("... on Persoon { burgerservicenummer }", "burgerservicenummer"),
        ("...F", "partners.naam.geslachtsnaam"),
        ("adres { identificatie }", "adres.identificatie"),
    ],
)
def test_a_field_the_purpose_does_not_allow_is_an_error_naming_purpose_and_path(
    schema: strawberry.Schema, world: World, selection: str, refused: str
) -> None:
    fragment = "fragment F on Persoon { partners { naam { geslachtsnaam } } }"
    query = f"""{{ persoon(bsn: "999990019", doel: "parkeervergunning") {{
        naam {{ geslachtsnaam }} {selection} }} }}"""
    if "...F" in selection:
        query += fragment
    calls = world.reader.calls
    result = run(schema, query, world.context("parkeren"))
    assert result.data == {"persoon": None}
    [error] = result.errors
    assert "'parkeervergunning'" in error.message
    assert refused in error.message
    assert error.extensions == {"code": "FIELD_NOT_ALLOWED"}
    assert world.reader.calls == calls, "refused before any read"
    assert world.log.records == []


def test_a_purpose_that_is_not_the_apps_is_refused(schema: strawberry.Schema, world: World) -> None:
    query = '{ persoon(bsn: "999990019", doel: "bijstand") { naam { geslachtsnaam } } }'
    result = run(schema, query, world.context("parkeren"))
    assert result.data == {"persoon": None}
    assert result.errors[0].extensions == {"code": "PURPOSE_NOT_ALLOWED"}
    assert "'bijstand'" in result.errors[0].message
    assert world.log.records == []


def test_out_of_scope_and_unknown_persons_look_the_same(
    schema: strawberry.Schema, world: World
) -> None:
    answers = []
    for bsn in ("999990020", "999990032"):  # out of scope; no such person
        calls = world.reader.calls
        query = f'{{ persoon(bsn: "{bsn}", doel: "bijstand") {{ naam {{ geslachtsnaam }} }} }}'
        result = run(schema, query, world.context("bijstand-loket"))
        answers.append((result.data, result.errors, world.reader.calls - calls))
    assert answers[0] == answers[1] == ({"persoon": None}, None, 2)
    assert world.log.records == []


def test_without_an_acknowledged_log_no_data_is_returned(
    schema: strawberry.Schema, world: World
) -> None:
    world.log.available = False
    query = '{ persoon(bsn: "999990019", doel: "bijstand") { naam { geslachtsnaam } } }'
    result = run(schema, query, world.context("bijstand-loket"))
    assert result.data is None
    assert result.errors[0].extensions == {"code": "PROCESSING_LOG_UNAVAILABLE"}
    assert "Jansen" not in repr(result.errors)


def test_personen_costs_a_bounded_number_of_store_calls(
    schema: strawberry.Schema, world: World
) -> None:
    persons = [record(f"{100000000 + i}", f"Naam{i}", "Piet") for i in range(100)]
    write_persons(world.store, world.policy, persons,
                  [("bijstand-loket", "bijstand", p["persoonId"]) for p in persons])  # fmt: skip
    bsns = ", ".join(f'"{p["burgerservicenummer"]}"' for p in persons)
    calls = world.reader.calls
    query = f'{{ personen(bsns: [{bsns}], doel: "bijstand") {{ naam {{ geslachtsnaam }} }} }}'
    result = run(schema, query, world.context("bijstand-loket"))
    assert result.errors is None
    assert [p["naam"]["geslachtsnaam"] for p in result.data["personen"]] == [
        f"Naam{i}" for i in range(100)
    ]
    assert world.reader.calls - calls <= 2  # one BSN lookup, one view batch
    assert len(world.log.records) == 100


def test_an_unexpected_error_is_masked_with_a_correlation_id(
    schema: strawberry.Schema, world: World, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    context = world.context("bijstand-loket")
    context.loaders = Loaders(ProjectionReader(f"sqlite:///{empty}"), "bijstand-loket")
    query = '{ persoon(bsn: "999990019", doel: "bijstand") { naam { geslachtsnaam } } }'
    result = run(schema, query, context)
    [error] = result.errors
    assert error.extensions["code"] == "INTERNAL"
    assert error.extensions["correlationId"] in error.message
    assert "table" not in error.message.lower()


@pytest.mark.parametrize(
    ("query", "rule"),
    [
        ('{ persoon(bsn: "999990019", doel: "bijstand") { partners { naam { adellijkeTitelPredicaat'
         " { code } } } } }", None),
        ("{ " + " ".join(f'a{i}: persoon(bsn: "999990019", doel: "bijstand") '
                         "{ burgerservicenummer }" for i in range(6)) + " }", "aliases"),
        ('{ persoon(bsn: "999990019", doel: "bijstand") { naamm { x } } }', "Cannot query"),
    ],
)  # fmt: skip
def test_limits_and_validation_refuse_before_resolving(
    world: World, query: str, rule: str | None
) -> None:
    shallow = build_schema(max_depth=3, max_aliases=5, max_tokens=2000, introspection=True)
    calls = world.reader.calls
    result = run(shallow, query, world.context("bijstand-loket"))
    assert result.data is None
    message = result.errors[0].message
    assert (rule is None and "exceeds maximum operation depth" in message) or (
        rule or ""
    ) in message
    assert "Did you mean" not in message
    assert world.reader.calls == calls
