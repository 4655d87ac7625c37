"""The citizen's side of the gateway without servers: citizen tokens (role `burger`, the BSN as
subject) are accepted only for the citizen's own operations and an app's never; `mijnGegevens`
and `mijnVerwerkingen` through `schema.execute` on a real SQLite projection store, each logged
with the citizen as betrokkene; the consent register's refusals become errors that name the
field and the rule."""

from __future__ import annotations

import asyncio
import datetime
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
import strawberry
from bron_gateway.auth import Authenticator, Caller
from bron_gateway.burger import EIGEN_GEGEVENS
from bron_gateway.context import RequestContext, Services
from bron_gateway.jwks import StaticKeys, development_jwks
from bron_gateway.loaders import Loaders
from bron_gateway.register import ConsentRegister
from bron_gateway.schema import build_schema
from bron_gateway.testing import MemoryLog, record, write_persons, write_policy
from bron_gateway.trace import trace_from
from bron_gateway.verwerkingslog import Pseudonymiser
from typer.testing import CliRunner

from bron.cli.token import app as token_cli
from bron.http.auth import ISSUER, KeyPair, issue
from bron.http.problems import Problem
from bron.policy import Policy, load_policy
from streams.fold import fold
from streams.index import index_of
from streams.reads import ProjectionReader
from streams.store import Entity, ProjectionStore

OIN = "00000001002564440000"
SECRET = b"c" * 32
ANNA, BRAM, NOBODY = "999990019", "999990020", "999990032"
VERWERKING = "nl.platform.verwerking-vastgelegd.v1"


def _authenticator(keys: KeyPair) -> Authenticator:
    return Authenticator({ISSUER: StaticKeys(development_jwks(keys))}, "bron:gateway",
                         ["RS256"], 30)  # fmt: skip


def test_a_citizen_token_is_a_citizen_caller(tmp_path: Path) -> None:
    keys = KeyPair(tmp_path)
    token = issue(keys, subject=ANNA, audience="bron:gateway", roles=["burger"])
    caller = asyncio.run(_authenticator(keys).authenticate(f"Bearer {token}"))
    assert (caller.citizen, caller.subject, caller.app_id) == (True, ANNA, "")


@pytest.mark.parametrize(
    ("subject", "app_id"), [(ANNA, "parkeren"), ("not-a-bsn", None), ("12345678", None)]
)
def test_a_citizen_token_naming_an_app_or_no_bsn_is_refused(
    tmp_path: Path, subject: str, app_id: str | None
) -> None:
    keys = KeyPair(tmp_path)
    token = issue(keys, subject=subject, audience="bron:gateway", roles=["burger"], app_id=app_id)
    with pytest.raises(Problem) as refused:
        asyncio.run(_authenticator(keys).authenticate(f"Bearer {token}"))
    assert refused.value.status == 401


def test_bron_token_citizen_prints_a_burger_token_with_the_bsn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BRON_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(token_cli, ["citizen", ANNA])
    assert result.exit_code == 0, result.output
    keys = KeyPair(tmp_path / "keys")
    claims = asyncio.run(_authenticator(keys).authenticate(f"Bearer {result.output.strip()}"))
    assert claims.citizen
    assert claims.subject == ANNA
    refused = CliRunner().invoke(token_cli, ["citizen", "12ab"])
    assert refused.exit_code != 0


@pytest.mark.parametrize("args", [["citizen", ANNA], ["app", "parkeren"], ["operator", "brp"]])
def test_no_development_token_under_production_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str]
) -> None:
    monkeypatch.setenv("BRON_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BRON_ENV", "production")
    result = CliRunner().invoke(token_cli, args)
    assert result.exit_code != 0
    assert "eyJ" not in result.output
    assert "disabled by production settings" in str(result.exception)
    assert not (tmp_path / "keys").exists()  # not even a key made


# -- resolvers ------------------------------------------------------------------------------


class World:
    def __init__(self, url: str, policy: Policy, register: ConsentRegister | None) -> None:
        self.policy = policy
        self.store = ProjectionStore(url)
        self.reader = ProjectionReader(url)
        self.log = MemoryLog()
        self.register = register
        self.pseudonym = Pseudonymiser(SECRET)
        write_policy(self.store, policy)
        self.anna = record(ANNA, "Jansen", "Anna Maria")
        self.bram = record(BRAM, "Bakker", "Bram")
        write_persons(self.store, policy, [self.anna, self.bram], [])

    def context(self, caller: Caller) -> RequestContext:
        app = None if caller.citizen else self.policy.app_by_id[caller.app_id]
        return RequestContext(
            caller=caller,
            app=app,
            policy=self.policy,
            loaders=Loaders(self.reader, caller.app_id),
            trace=trace_from("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            services=Services(self.log, self.pseudonym, OIN, max_bsns=100, register=self.register),
        )

    def logged(self, persoon_id: str, n: int, vertrouwelijkheid: str = "normaal") -> str:
        """Fold a processing-log record about this person into the store (as the worker)."""
        data = {
            "verwerkingId": str(uuid.uuid4()), "actie": "persoon opvragen",
            "verwerkingsactiviteitId": "parkeervergunning", "doelId": "parkeervergunning",
            "grondslag": "toestemming", "vertrouwelijkheid": vertrouwelijkheid,
            "bewaartermijn": 2, "uitvoerder": OIN, "systeem": "bron-gateway",
            "gebruiker": "client-parkeren", "gegevensbron": "brp",
            "afnemer": "00000001002564440001", "appId": "parkeren",
            "tijdstip": datetime.datetime(2026, 11, n, 12, tzinfo=datetime.UTC),
            "traceId": "0" * 32, "spanId": "0" * 16, "statusCode": "ok",
            "verwerkteObjecten": [{"objecttype": "persoon",
                                   "soortIdentificator": "persoonId-pseudoniem",
                                   "identificator": self.pseudonym(persoon_id),
                                   "betrokkenheid": "betrokkene",
                                   "verwerkteSoortenGegevens": ["naam.geslachtsnaam"]}],
        }  # fmt: skip
        state = fold("verwerking", None, VERWERKING, data)
        with self.store.transaction() as tx:
            tx.put_many([Entity("verwerking", str(data["verwerkingId"]), 1, state,
                                index_of("verwerking", state))])  # fmt: skip
        return str(data["verwerkingId"])


@pytest.fixture(scope="module")
def schema() -> strawberry.Schema:
    return build_schema(max_depth=8, max_aliases=5, max_tokens=2000, introspection=True)


def _world(tmp_path: Path, register: ConsentRegister | None = None) -> Iterator[World]:
    w = World(f"sqlite:///{tmp_path / 'projections.db'}", load_policy(), register)
    yield w
    w.reader.close()
    w.store.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from _world(tmp_path)


def citizen(bsn: str) -> Caller:
    return Caller(ISSUER, bsn, "", citizen=True)


def app(app_id: str) -> Caller:
    return Caller(ISSUER, f"client-{app_id}", app_id)


def run(schema: strawberry.Schema, query: str, context: RequestContext) -> Any:
    return asyncio.run(schema.execute(query, context_value=context))


MIJN = (
    "{ mijnGegevens { burgerservicenummer naam { voornamen geslachtsnaam } adres { postcode } } }"
)


def test_a_citizen_sees_all_their_own_data_and_the_read_is_logged(
    schema: strawberry.Schema, world: World
) -> None:
    result = run(schema, MIJN, world.context(citizen(ANNA)))
    assert result.errors is None
    assert result.data == {"mijnGegevens": {
        "burgerservicenummer": ANNA, "naam": {"voornamen": "Anna Maria", "geslachtsnaam": "Jansen"},
        "adres": None,  # no nummeraanduiding in this store
    }}  # fmt: skip
    [entry] = world.log.records
    assert entry["actie"] == "eigen gegevens inzien"
    assert entry["doelId"] == EIGEN_GEGEVENS.id
    assert (entry["gebruiker"], entry["appId"], entry["afnemer"]) == ("burger", None, None)
    [obj] = entry["verwerkteObjecten"]
    assert obj["identificator"] == world.pseudonym(world.anna["persoonId"])
    assert obj["verwerkteSoortenGegevens"] == [
        "adres.postcode", "burgerservicenummer", "naam.geslachtsnaam", "naam.voornamen",
    ]  # fmt: skip
    assert ANNA not in json.dumps(entry, default=str)


def test_an_unknown_citizen_gets_null_and_nothing_is_logged(
    schema: strawberry.Schema, world: World
) -> None:
    result = run(schema, MIJN, world.context(citizen(NOBODY)))
    assert result.errors is None
    assert result.data == {"mijnGegevens": None}
    assert world.log.records == []


def test_an_app_token_is_refused_for_citizen_operations(
    schema: strawberry.Schema, world: World
) -> None:
    for query in (MIJN, "{ mijnVerwerkingen { nodes { actie } } }",
                  "{ mijnToestemmingen { nodes { appId } } }",
                  'mutation { trekToestemmingIn(toestemmingId: "x") { status } }'):  # fmt: skip
        result = run(schema, query, world.context(app("parkeren")))
        assert result.data is None or all(v is None for v in result.data.values())
        assert result.errors[0].extensions == {"code": "NOT_ALLOWED_FOR_CALLER"}
    assert world.log.records == []


def test_a_citizen_token_is_refused_for_app_queries(
    schema: strawberry.Schema, world: World
) -> None:
    query = (
        f'{{ persoon(bsn: "{ANNA}", doel: "parkeervergunning") {{ naam {{ geslachtsnaam }} }} }}'
    )
    result = run(schema, query, world.context(citizen(ANNA)))
    assert result.data == {"persoon": None}
    assert result.errors[0].extensions == {"code": "NOT_ALLOWED_FOR_CALLER"}
    assert world.log.records == []


def test_mijn_verwerkingen_lists_the_reads_newest_first_and_pages(
    schema: strawberry.Schema, world: World
) -> None:
    anna = world.anna["persoonId"]
    first, second, third = (world.logged(anna, n) for n in (1, 2, 3))
    world.logged(anna, 4, vertrouwelijkheid="vertrouwelijk")  # never shown to the betrokkene
    world.logged(world.bram["persoonId"], 5)  # someone else's
    query = ("{ mijnVerwerkingen(first: 2) { nodes { verwerkingId actie doelId doel app "
             "organisatie gegevens tijdstip } pageInfo { hasNextPage endCursor } } }")  # fmt: skip
    result = run(schema, query, world.context(citizen(ANNA)))
    assert result.errors is None
    page = result.data["mijnVerwerkingen"]
    assert [n["verwerkingId"] for n in page["nodes"]] == [third, second]
    node = page["nodes"][0]
    assert (node["doelId"], node["app"], node["organisatie"], node["gegevens"]) == (
        "parkeervergunning", world.policy.app_by_id["parkeren"].naam, "00000001002564440001",
        ["naam.geslachtsnaam"])  # fmt: skip
    assert node["doel"] == world.policy.doel_by_id["parkeervergunning"].naam
    assert node["tijdstip"].startswith("2026-11-03T12:00:00")
    assert page["pageInfo"]["hasNextPage"] is True
    after = page["pageInfo"]["endCursor"]
    rest = run(schema, f'{{ mijnVerwerkingen(first: 2, after: "{after}") {{ nodes '
                       "{ verwerkingId } pageInfo { hasNextPage } } }",
               world.context(citizen(ANNA)))  # fmt: skip
    assert [n["verwerkingId"] for n in rest.data["mijnVerwerkingen"]["nodes"]] == [first]
    assert rest.data["mijnVerwerkingen"]["pageInfo"]["hasNextPage"] is False
    # each query is itself logged, about the citizen
    assert [r["actie"] for r in world.log.records] == ["eigen verwerkingen inzien"] * 2
    assert {o["identificator"] for r in world.log.records
            for o in r["verwerkteObjecten"]} == {world.pseudonym(anna)}  # fmt: skip


def test_a_refusal_of_the_consent_register_names_the_field_and_rule(
    schema: strawberry.Schema, tmp_path: Path
) -> None:
    seen: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"type": "https://bron.example/problems/rejected/in-verleden",
                "title": "The command was rejected", "status": 422,
                "detail": "geldigTot: lies in the past",
                "errors": [{"field": "geldigTot", "rule": "in-verleden",
                            "message": "lies in the past"}]}  # fmt: skip
        return httpx.Response(422, json=body, headers={"content-type": "application/problem+json"})

    register = ConsentRegister("http://register", KeyPair(tmp_path / "keys"), token_ttl=60,
                               timeout=5, transport=httpx.MockTransport(refuse))  # fmt: skip
    for w in _world(tmp_path, register):
        query = ('mutation { verleenToestemming(appId: "parkeren", doelId: "parkeervergunning", '
                 'geldigTot: "2001-01-01T00:00:00Z") { toestemmingId } }')  # fmt: skip
        result = run(schema, query, w.context(citizen(ANNA)))
        assert result.data is None
        [error] = result.errors
        assert "geldigTot" in error.message
        assert "in-verleden" in error.message
        assert error.extensions == {
            "code": "REGISTER_REFUSED",
            "status": 422,
            "errors": [{"field": "geldigTot", "rule": "in-verleden"}],
        }
        assert w.log.records == []
        [request] = seen
        assert json.loads(request.content)["persoonId"] == w.anna["persoonId"]
        token = request.headers["authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, options={"verify_signature": False})
        assert (claims["sub"], claims["aud"], claims["roles"]) == (
            w.anna["persoonId"], "bron:toestemming", ["burger"])  # fmt: skip
        assert claims["exp"] - claims["iat"] == 60
        bad = run(schema, 'mutation { trekToestemmingIn(toestemmingId: "../x") { status } }',
                  w.context(citizen(ANNA)))  # fmt: skip
        assert bad.errors[0].extensions == {"code": "INVALID_ARGUMENT"}
        asyncio.run(register.close())
