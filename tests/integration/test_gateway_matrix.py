"""The authorisation matrix, end to end: every app, each of its purposes, a set of fields
(allowed or not by the purpose) and every citizen state (in scope; another municipality; consent
active, revoked, expired; geheimhouding with an app that is and one that is not government).

The citizens are made by running events as the registries publish them (the builders of
`tests/unit/test_streams_pure.py`) through `streams.projector.Projector` into a SQLite
`ProjectionStore`, so the real scope rules decide who has a view. The gateway runs on a real
uvicorn with the development issuer, the session Kafka broker and a schema registry; every
answer is compared with exactly the data the purpose allows (the expected view computed from
the events with `streams.compose`, cut to the selection), and every person returned has
their record on `bron.verwerkingslog`, read back and decoded."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from bron_gateway.app import create_app
from bron_gateway.verwerkingslog import Pseudonymiser

from bron.http.auth import KeyPair, issue
from bron.policy import Doel, disallowed_fields, load_policy
from bron.settings import Settings, load_settings
from bron.testing import serving
from streams import compose
from streams.projector import Projector
from streams.reads import ProjectionReader
from streams.store import ProjectionStore
from tests.integration.processing_log import processing_log
from tests.integration.registries import contracts_registry
from tests.unit.test_streams_pure import (
    DAY,
    NOW,
    Persoon,
    World,
    place,
    rendered,
    states,
)

pytestmark = pytest.mark.kafka

POLICY = load_policy()
PARKEREN, AFVAL = ("parkeren", "parkeervergunning"), ("afvalpas", "afvalpas")

# A field selection as a tree: name -> subtree (None for a leaf). The policy path of a probe
# is its leaves joined by dots, with the entity in front for adres/verblijfsobject/WOZ.
Tree = dict[str, Any]
PROBES: dict[str, Tree] = {
    "burgerservicenummer": {"burgerservicenummer": None},
    "naam.geslachtsnaam": {"naam": {"geslachtsnaam": None}},
    "naam.voornamen": {"naam": {"voornamen": None}},
    "naam.voorletters": {"naam": {"voorletters": None}},
    "geboorte.datum.datum": {"geboorte": {"datum": {"datum": None}}},
    "geslacht.code": {"geslacht": {"code": None}},
    "nationaliteiten.nationaliteit.code": {"nationaliteiten": {"nationaliteit": {"code": None}}},
    "verblijfplaats.verblijfadres.postcode": {
        "verblijfplaats": {"verblijfadres": {"postcode": None}}},
    "verblijfplaats.verblijfadres.woonplaats": {
        "verblijfplaats": {"verblijfadres": {"woonplaats": None}}},
    "verblijfplaats.nummeraanduidingIdentificatie": {
        "verblijfplaats": {"nummeraanduidingIdentificatie": None}},
    "overlijden.datum.datum": {"overlijden": {"datum": {"datum": None}}},
    "adres.postcode": {"adres": {"postcode": None}},
    "adres.straat": {"adres": {"straat": None}},
    "adres.identificatie": {"adres": {"identificatie": None}},
    "verblijfsobject.oppervlakte": {"verblijfsobject": {"oppervlakte": None}},
    "wozObject.waarden.vastgesteldeWaarde": {
        "wozObjecten": {"waarden": {"vastgesteldeWaarde": None}}},
}  # fmt: skip
ENTITY = {"adres": "adres", "verblijfsobject": "verblijfsobject", "wozObject": "wozObject"}


def is_allowed(doel: Doel, path: str) -> bool:
    entity, _, rest = path.partition(".")
    if entity in ENTITY:
        return not disallowed_fields(doel, ENTITY[entity], [rest])
    return not disallowed_fields(doel, "persoon", [path])


def graphql(tree: Tree) -> str:
    return " ".join(k if v is None else f"{k} {{ {graphql(v)} }}" for k, v in tree.items())


def merge(trees: list[Tree]) -> Tree:
    out: Tree = {}
    for tree in trees:
        for k, v in tree.items():
            out[k] = None if v is None else merge([out.get(k) or {}, v])
    return out


def cut(value: Any, tree: Tree) -> Any:
    """What GraphQL returns of a document for a selection (absent: null)."""
    if value is None:
        return None
    if isinstance(value, list):
        return [cut(v, tree) for v in value]
    return {k: value.get(k) if sub is None else cut(value.get(k), sub) for k, sub in tree.items()}


# -- the citizens ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Citizen:
    name: str
    persoon: Persoon
    scope: frozenset[tuple[str, str]]  # (app, doel) that may see them: the expected matrix


STATUTORY = frozenset({("bijstand-loket", "bijstand"), ("belastingen", "belastingen-woz")})


def make_citizens(w: World) -> list[Citizen]:
    w.policy()
    out: list[Citizen] = []

    def add(name: str, gemeente: str, scope: frozenset[tuple[str, str]], *,
            consent: tuple[str, str] | None = None, state: str = "active",
            geheim: int = 0) -> Persoon:  # fmt: skip
        p = w.persoon(name, w.adres(gemeente, f"{name}straat"), geheimhouding=geheim)
        if consent is not None:
            if state == "expired":
                w.toestemming(p, *consent, NOW - DAY)
            else:
                granted = w.toestemming(p, *consent, NOW + 30 * DAY)
                if state == "revoked":
                    w.intrekken(p, granted, *consent)
        out.append(Citizen(name, p, scope))
        return p

    amsterdam = add("Amsterdam", "0363", STATUTORY | {PARKEREN}, consent=PARKEREN)
    add("AmsterdamIngetrokken", "0363", STATUTORY, consent=PARKEREN, state="revoked")
    add("AmsterdamVerlopen", "0363", STATUTORY, consent=PARKEREN, state="expired")
    add("AmsterdamGeheim", "0363", STATUTORY | {PARKEREN}, consent=PARKEREN, geheim=3)
    add("Haag", "0518", STATUTORY | {AFVAL}, consent=AFVAL)
    add("HaagIngetrokken", "0518", STATUTORY, consent=AFVAL, state="revoked")
    add("HaagVerlopen", "0518", STATUTORY, consent=AFVAL, state="expired")
    add("HaagGeheim", "0518", STATUTORY, consent=AFVAL, geheim=1)
    elders = add("Utrecht", "0344", frozenset(), consent=PARKEREN)
    w.toestemming(elders, *AFVAL, NOW + 30 * DAY)
    assert amsterdam.adres is not None
    w.waarde(w.woz(amsterdam.adres, amsterdam), 455_000)
    return out


def expected_view(w: World, p: Persoon, doel: Doel) -> dict[str, Any]:
    """The view the purpose allows, computed from the events without the store."""
    s = states(w.events)
    assert p.adres is not None
    adres, vbo = place(s, p.adres)
    woz = [compose.woz_object(st) for (kind, _), st in s.items() if kind == "woz_object"
           and p.adres.verblijfsobject in st["verblijfsobjectIdentificaties"]]  # fmt: skip
    view = compose.view(doel, rendered(s, p), adres, vbo, woz)
    return {**view.get("persoon", {}), "adres": view.get("adres"),
            "verblijfsobject": view.get("verblijfsobject"),
            "wozObjecten": view.get("wozObjecten")}  # fmt: skip


# -- the gateway ----------------------------------------------------------------------------


@dataclass
class Matrix:
    url: str
    settings: Settings
    registry_url: str
    world: World
    citizens: list[Citizen]
    traces: dict[str, str]  # request name -> trace id

    def post(self, name: str, app_id: str, query: str) -> dict[str, Any]:
        keys = KeyPair(self.settings.data_dir / "keys")
        token = issue(keys, subject=f"client-{app_id}", audience="bron:gateway", app_id=app_id)
        trace_id = secrets.token_hex(16)
        self.traces[name] = trace_id
        headers = {"Authorization": f"Bearer {token}",
                   "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"}  # fmt: skip
        response = httpx.post(f"{self.url}/graphql", json={"query": query}, headers=headers,
                              timeout=30)  # fmt: skip
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory, bootstrap: str) -> Iterator[Matrix]:
    root: Path = tmp_path_factory.mktemp("matrix")
    with contracts_registry(bootstrap) as registry_url:
        settings = load_settings(
            data_dir=root / "var", kafka_bootstrap=bootstrap, schema_registry_url=registry_url,
            projections_database_url=f"sqlite:///{root / 'projections.db'}",
            gateway_max_tokens=10_000, gateway_max_aliases=20, gateway_log_timeout=10.0,
        )  # fmt: skip
        w = World()
        citizens = make_citizens(w)
        store = ProjectionStore(str(settings.projections_database_url))
        with store.transaction() as tx:
            Projector("bron-streams").apply(tx, w.take(), NOW)
        store.close()
        reader = ProjectionReader(str(settings.projections_database_url))
        with serving(create_app(settings, reader=reader)) as url:
            yield Matrix(url, settings, registry_url, w, citizens, {})


def logged_by_trace(matrix: Matrix) -> dict[str, list[dict[str, Any]]]:
    """Every record on bron.verwerkingslog, read to its end, by trace id."""
    found: dict[str, list[dict[str, Any]]] = {}
    for e in processing_log(matrix.settings.bootstrap_servers, matrix.registry_url, timeout=60):
        found.setdefault(e.data["traceId"], []).append(e.data)
    return found


PAIRS = [(a.id, d) for a in POLICY.apps for d in a.doelen]


def _query(matrix: Matrix, doel: str, tree: Tree) -> str:
    selection = graphql(tree)
    parts = []
    for n, c in enumerate(matrix.citizens):
        assert c.persoon.adres is not None
        parts.append(f'p{n}: persoon(bsn: "{c.persoon.bsn}", doel: "{doel}") {{ {selection} }}')
        parts.append(f'b{n}: bewoners(doel: "{doel}", adres: "{c.persoon.adres.nummeraanduiding}")'
                     f" {{ nodes {{ {selection} }} }}")  # fmt: skip
    return "{ " + " ".join(parts) + " }"


def test_every_app_purpose_field_and_citizen_state(matrix: Matrix) -> None:
    pseudonym = Pseudonymiser.in_data_dir(matrix.settings.data_dir)
    expectations: dict[str, tuple[set[str], list[str]]] = {}  # request -> (pseudonyms, paths)
    checked = {"data": 0, "null": 0, "refused": 0}
    for app_id, doel_id in PAIRS:
        doel = POLICY.doel_by_id[doel_id]
        allowed = [p for p in PROBES if is_allowed(doel, p)]
        cases = [(p, [p]) for p in PROBES] + [("all-allowed", allowed)]
        for name, paths in cases:
            tree = merge([PROBES[p] for p in paths])
            request = f"{app_id}/{doel_id}/{name}"
            body = matrix.post(request, app_id, _query(matrix, doel_id, tree))
            if not all(is_allowed(doel, p) for p in paths):
                assert body["data"] is None or all(v is None for v in body["data"].values())
                assert {e["extensions"]["code"] for e in body["errors"]} == {"FIELD_NOT_ALLOWED"}
                assert all(f"'{doel_id}'" in e["message"] for e in body["errors"])
                expectations[request] = (set(), [])
                checked["refused"] += 1
                continue
            assert "errors" not in body, (request, body.get("errors"))
            returned: set[str] = set()
            for n, c in enumerate(matrix.citizens):
                answer, residents = body["data"][f"p{n}"], body["data"][f"b{n}"]["nodes"]
                if (app_id, doel_id) in c.scope:
                    want = cut(expected_view(matrix.world, c.persoon, doel), tree)
                    assert answer == want, (request, c.name)
                    assert residents == [want], (request, c.name)
                    returned.add(pseudonym(c.persoon.id))
                    checked["data"] += 1
                else:
                    assert answer is None, (request, c.name)
                    assert residents == [], (request, c.name)
                    checked["null"] += 1
            expectations[request] = (returned, paths)
    # Anything the matrix did not show stays hidden: the leaf values of every answer above
    # were compared whole; here, every returned person must have exactly one record.
    logged = logged_by_trace(matrix)
    for request, (returned, paths) in expectations.items():
        records = logged.get(matrix.traces[request], [])
        ids = [r["verwerkteObjecten"][0]["identificator"] for r in records]
        assert sorted(ids) == sorted(returned), request
        app_id, doel_id, _ = request.split("/")
        for r in records:
            assert (r["appId"], r["doelId"]) == (app_id, doel_id)
            fields = r["verwerkteObjecten"][0]["verwerkteSoortenGegevens"]
            assert set(paths) <= set(fields), (request, fields)
    assert min(checked.values()) > 0, checked
    in_scope = {(a, d): {c.name for c in matrix.citizens if (a, d) in c.scope} for a, d in PAIRS}
    assert in_scope == {
        ("bijstand-loket", "bijstand"): {c.name for c in matrix.citizens} - {"Utrecht"},
        ("belastingen", "belastingen-woz"): {c.name for c in matrix.citizens} - {"Utrecht"},
        PARKEREN: {"Amsterdam", "AmsterdamGeheim"},
        AFVAL: {"Haag"},
    }


@pytest.mark.parametrize("app_id", sorted(a.id for a in POLICY.apps))
def test_a_purpose_that_is_not_the_apps_is_refused_for_every_app(
    matrix: Matrix, app_id: str
) -> None:
    app = POLICY.app_by_id[app_id]
    c = matrix.citizens[0]
    for doel in sorted({d.id for d in POLICY.doelen} - set(app.doelen)):
        body = matrix.post(f"{app_id}/{doel}/other", app_id,
                           f'{{ persoon(bsn: "{c.persoon.bsn}", doel: "{doel}") '
                           "{ naam { geslachtsnaam } } }")  # fmt: skip
        assert body["data"] == {"persoon": None}
        assert [e["extensions"]["code"] for e in body["errors"]] == ["PURPOSE_NOT_ALLOWED"]
