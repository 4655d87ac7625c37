"""The BAG registry's HTTP API: operators change objects, any authenticated caller reads
(BAG data is public), addresses are found by postcode and huisnummer."""

# No `from __future__ import annotations`: FastAPI reads the body types at definition time.
import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, Query
from pydantic import TypeAdapter

from bron.http.auth import KeyPair, Principal, verify
from bron.http.problems import FieldError, Problem, not_found
from bron.registry.app import operator
from bron.registry.fields import project
from services.bag import domain
from services.bag.domain import Objecttype
from services.bag.service import BagRegistry

# path segment, object type, and the command types of each object
OBJECTS: list[tuple[str, Objecttype, type[Any], type[Any], type[Any]]] = [
    ("woonplaatsen", "woonplaats", domain.WoonplaatsAanmaken, domain.WoonplaatsWijzigen,
     domain.WoonplaatsIntrekken),
    ("openbareruimten", "openbare-ruimte", domain.OpenbareRuimteAanmaken,
     domain.OpenbareRuimteWijzigen, domain.OpenbareRuimteIntrekken),
    ("nummeraanduidingen", "nummeraanduiding", domain.NummeraanduidingAanmaken,
     domain.NummeraanduidingWijzigen, domain.NummeraanduidingIntrekken),
    ("verblijfsobjecten", "verblijfsobject", domain.VerblijfsobjectAanmaken,
     domain.VerblijfsobjectWijzigen, domain.VerblijfsobjectIntrekken),
    ("panden", "pand", domain.PandAanmaken, domain.PandWijzigen, domain.PandIntrekken),
]  # fmt: skip


def as_json(state: Any) -> dict[str, Any]:
    data: dict[str, Any] = _adapter(type(state)).dump_python(state, mode="json")
    return data


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _adapter(state_type: type[Any]) -> TypeAdapter[Any]:
    """Built once per object type: building one costs milliseconds, dumping microseconds."""
    adapter = _ADAPTERS.get(state_type)
    if adapter is None:
        adapter = _ADAPTERS[state_type] = TypeAdapter(state_type)
    return adapter


def change_body(change: Any) -> dict[str, Any]:
    return {
        "identificatie": change.entity_id,
        "version": change.version,
        "events": [event_type for event_type, _ in change.events],
    }


def same_id(path_id: str, command: Any) -> None:
    if command.identificatie != path_id:
        detail = f"the body's identificatie {command.identificatie} is not {path_id}"
        raise Problem(400, "identificatie-mismatch", "Identificatie differs", detail,
                      [FieldError("identificatie", "gelijk-aan-pad", detail)])  # fmt: skip


def object_router(
    registry: BagRegistry, keys: KeyPair, segment: str, objecttype: Objecttype,
    create: type[Any], change: type[Any], withdraw: type[Any],
) -> APIRouter:  # fmt: skip
    router = APIRouter(prefix=f"/{segment}", tags=[objecttype])
    Caller = Annotated[Principal, Depends(reader(keys))]
    changes = [Depends(operator("bag", keys))]

    @router.post("", status_code=201, dependencies=changes, summary=f"Create a {objecttype}")
    def aanmaken(command: create) -> dict[str, Any]:  # type: ignore[valid-type]
        return change_body(registry.execute(command))

    @router.put("/{identificatie}", dependencies=changes, summary=f"Change a {objecttype}")
    def wijzigen(identificatie: str, command: change) -> dict[str, Any]:  # type: ignore[valid-type]
        same_id(identificatie, command)
        return change_body(registry.execute(command))

    @router.post("/{identificatie}/intrekken", dependencies=changes,
                 summary=f"Withdraw a {objecttype}")  # fmt: skip
    def intrekken(identificatie: str, command: withdraw) -> dict[str, Any]:  # type: ignore[valid-type]
        same_id(identificatie, command)
        return change_body(registry.execute(command))

    @router.get("/{identificatie}", summary=f"Read a {objecttype}")
    def lezen(
        identificatie: str,
        caller: Caller,
        fields: Annotated[
            str | None,
            Query(description="Comma-separated dotted field paths to return (default: all), "
                  "e.g. identificatie,oorspronkelijkBouwjaar"),
        ] = None,
    ) -> dict[str, Any]:  # fmt: skip
        state = registry.get(objecttype, identificatie)
        if state is None:
            raise not_found(objecttype, f"no {objecttype} {identificatie}")
        document = as_json(state)
        if fields is None:
            return document
        return project(document, _known_fields(fields, set(document), objecttype))

    return router


def _known_fields(fields: str, known: set[str], objecttype: str) -> list[str]:
    """The `fields` asked, each a field of the object (its first segment): an unknown one is
    a 400 naming it and the fields there are, not silently nothing."""
    asked = [f.strip() for f in fields.split(",") if f.strip()]
    unknown = [f for f in asked if f.split(".")[0] not in known]
    if not asked or unknown:
        bad = unknown[0] if unknown else "(none given)"
        detail = f"{objecttype} has no field {bad!r}; it has {', '.join(sorted(known))}"
        rule = f"a comma-separated list of fields of the {objecttype}"
        raise Problem(400, "unknown-field", "Unknown field", detail,
                      [FieldError("fields", "unknown-field", rule)])  # fmt: skip
    return asked


def reader(keys: KeyPair) -> Any:
    def dependency(authorization: Annotated[str | None, Header()] = None) -> Principal:
        return verify(keys, authorization, "bron:bag")

    return dependency


def mount(app: FastAPI, registry: BagRegistry, keys: KeyPair) -> None:
    for segment, objecttype, create, change, withdraw in OBJECTS:
        app.include_router(
            object_router(registry, keys, segment, objecttype, create, change, withdraw)
        )

    @app.get("/adressen", tags=["adres"], summary="Find addresses by postcode and huisnummer")
    def adressen(
        caller: Annotated[Principal, Depends(reader(keys))],
        postcode: Annotated[str, Query(pattern=r"^[1-9][0-9]{3} ?[A-Za-z]{2}$")],
        huisnummer: Annotated[int, Query(ge=1, le=99999)],
        huisletter: Annotated[str | None, Query(pattern=r"^[A-Za-z]$")] = None,
        huisnummertoevoeging: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{1,4}$")] = None,
    ) -> list[dict[str, Any]]:
        found = registry.addresses(postcode, huisnummer, huisletter, huisnummertoevoeging)
        return [
            {
                "nummeraanduiding": as_json(a.nummeraanduiding),
                "verblijfsobjecten": [as_json(v) for v in a.verblijfsobjecten],
            }
            for a in found
        ]


__all__ = ["OBJECTS", "dataclasses", "mount"]
