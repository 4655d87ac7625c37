"""The WOZ registry's HTTP API: operators change WOZ-objecten, apps read them for a purpose,
only the fields that purpose allows and only in the purpose's gemeenten. Belanghebbenden and
indieners are named by persoonId, never by BSN."""

# No `from __future__ import annotations`: FastAPI reads the body types at definition time.
import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query
from pydantic import TypeAdapter

from bron.http.auth import KeyPair
from bron.http.problems import FieldError, Problem, not_found
from bron.policy import Policy
from bron.registry.app import Reader, operator, reader
from bron.registry.commands import Change
from bron.registry.fields import project
from services.woz import domain
from services.woz.domain import WozObject
from services.woz.service import WozRegistry

NESTED = {"waarden": domain.Waarde, "belanghebbenden": domain.Belanghebbende,
          "bezwaren": domain.Bezwaar}  # fmt: skip
FIELDS = frozenset(
    {f.name for f in dataclasses.fields(WozObject)}
    | {f"{name}.{f.name}" for name, cls in NESTED.items() for f in dataclasses.fields(cls)}
)
_JSON: TypeAdapter[WozObject] = TypeAdapter(WozObject)


def change_body(change: Change[WozObject]) -> dict[str, Any]:
    return {
        "wozObjectnummer": change.entity_id,
        "version": change.version,
        "events": [event_type for event_type, _ in change.events],
    }


def same(field: str, path_value: str, body_value: str) -> None:
    if body_value != path_value:
        detail = f"the body's {field} {body_value} is not {path_value}"
        raise Problem(400, f"{field}-mismatch", f"{field} differs", detail,
                      [FieldError(field, "gelijk-aan-pad", detail)])  # fmt: skip


def document(state: WozObject, read: Reader) -> dict[str, Any]:
    full: dict[str, Any] = _JSON.dump_python(state, mode="json")
    return project(full, read.fields)


def mount(app: FastAPI, registry: WozRegistry, keys: KeyPair, policy: Policy) -> None:
    router = APIRouter(prefix="/wozobjecten", tags=["wozObject"])
    changes = [Depends(operator("woz", keys))]
    Read = Annotated[Reader, Depends(reader("woz", keys, policy, "wozObject", FIELDS))]

    def run(nummer: str, command: domain.Command) -> dict[str, Any]:
        same("wozObjectnummer", nummer, command.wozObjectnummer)
        return change_body(registry.execute(command))

    @router.post("", status_code=201, dependencies=changes, summary="Create a WOZ-object")
    def aanmaken(command: domain.WozObjectAanmaken) -> dict[str, Any]:
        return change_body(registry.execute(command))

    @router.put("/{nummer}", dependencies=changes, summary="Change a WOZ-object")
    def wijzigen(nummer: str, command: domain.WozObjectWijzigen) -> dict[str, Any]:
        return run(nummer, command)

    @router.post("/{nummer}/waarden", status_code=201, dependencies=changes,
                 summary="Set the value for a belastingjaar")  # fmt: skip
    def waarde(nummer: str, command: domain.WaardeVaststellen) -> dict[str, Any]:
        return run(nummer, command)

    @router.post("/{nummer}/belanghebbenden", dependencies=changes,
                 summary="Add, change or end a belanghebbende")  # fmt: skip
    def belanghebbende(nummer: str, command: domain.BelanghebbendeWijzigen) -> dict[str, Any]:
        return run(nummer, command)

    @router.post("/{nummer}/bezwaren", status_code=201, dependencies=changes,
                 summary="File a bezwaar against a belastingjaar's value")  # fmt: skip
    def bezwaar(nummer: str, command: domain.BezwaarIndienen) -> dict[str, Any]:
        return run(nummer, command)

    @router.post("/{nummer}/bezwaren/{bezwaarnummer}/afhandeling", dependencies=changes,
                 summary="Decide a bezwaar")  # fmt: skip
    def afhandeling(
        nummer: str, bezwaarnummer: str, command: domain.BezwaarAfhandelen
    ) -> dict[str, Any]:
        same("bezwaarnummer", bezwaarnummer, command.bezwaarnummer)
        return run(nummer, command)

    @router.get("/{nummer}", summary="Read a WOZ-object")
    def lezen(nummer: str, read: Read) -> dict[str, Any]:
        state = registry.get(nummer)
        if state is None or state.gemeentecode not in read.doel.gemeenten:
            raise not_found("wozObject", f"no WOZ-object {nummer}")
        return document(state, read)

    @router.get("", summary="Find the WOZ-objects covering a verblijfsobject")
    def zoeken(
        read: Read, verblijfsobject: Annotated[str, Query(pattern=r"^[0-9]{16}$")]
    ) -> list[dict[str, Any]]:
        found = registry.of_verblijfsobject(verblijfsobject)
        return [document(s, read) for s in found if s.gemeentecode in read.doel.gemeenten]

    app.include_router(router)
