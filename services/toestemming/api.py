"""The consent register's HTTP API: operators grant, revoke and list anyone's consents; a
citizen (a `burger` token whose subject is their persoonId, as the gateway issues it) grants,
revokes, lists and reads only their own. Someone else's consent is "not found" to a citizen,
so that ids cannot be probed."""

# No `from __future__ import annotations`: FastAPI reads the body types at definition time.
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, FastAPI, Query
from pydantic import TypeAdapter

from bron.http.auth import KeyPair, Principal
from bron.http.problems import FieldError, Problem, not_found
from bron.registry.app import is_citizen, operator_or_citizen, own_data
from bron.registry.commands import Change
from services.toestemming.domain import Toestemming, ToestemmingIntrekken, ToestemmingVerlenen
from services.toestemming.service import ToestemmingRegistry

_STATE = TypeAdapter(Toestemming)


def as_json(state: Toestemming) -> dict[str, Any]:
    data: dict[str, Any] = _STATE.dump_python(state, mode="json")
    return data


def change_body(change: Change[Toestemming]) -> dict[str, Any]:
    return {
        "toestemmingId": change.entity_id,
        "version": change.version,
        "events": [event_type for event_type, _ in change.events],
    }


def mount(app: FastAPI, registry: ToestemmingRegistry, keys: KeyPair) -> None:
    Caller = Annotated[Principal, Depends(operator_or_citizen("toestemming", keys))]

    def visible(caller: Principal, toestemming_id: UUID) -> Toestemming:
        state = registry.get(str(toestemming_id))
        if state is None or (is_citizen(caller) and str(state.persoonId) != caller.subject):
            raise not_found("toestemming", f"no consent {toestemming_id}")
        return state

    @app.post("/toestemmingen", status_code=201, tags=["toestemming"],
              summary="Grant a consent (toestemmingId generated when not given)")  # fmt: skip
    def verlenen(command: ToestemmingVerlenen, caller: Caller) -> dict[str, Any]:
        own_data(caller, str(command.persoonId), "persoonId")
        return change_body(registry.execute(command))

    @app.post("/toestemmingen/{toestemmingId}/intrekking", tags=["toestemming"],
              summary="Revoke a consent")  # fmt: skip
    def intrekken(toestemmingId: UUID, caller: Caller) -> dict[str, Any]:
        visible(caller, toestemmingId)
        return change_body(registry.execute(ToestemmingIntrekken(toestemmingId=toestemmingId)))

    @app.get("/toestemmingen", tags=["toestemming"], summary="A citizen's consents")
    def van_persoon(
        caller: Caller, persoonId: Annotated[UUID | None, Query()] = None
    ) -> list[dict[str, Any]]:
        """Every consent of the person, active or ended. A citizen may leave `persoonId` out
        (their own); an operator must name the person."""
        if persoonId is None and not is_citizen(caller):
            raise Problem(400, "missing-persoonId", "persoonId is required",
                          "an operator names the person whose consents to list",
                          [FieldError("persoonId", "required", "missing")])  # fmt: skip
        persoon = str(persoonId) if persoonId is not None else caller.subject
        own_data(caller, persoon, "persoonId")
        return [as_json(state) for state in registry.of_person(persoon)]

    @app.get("/toestemmingen/{toestemmingId}", tags=["toestemming"], summary="Read a consent")
    def lezen(toestemmingId: UUID, caller: Caller) -> dict[str, Any]:
        return as_json(visible(caller, toestemmingId))
