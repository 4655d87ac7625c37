"""The consent register's HTTP API. For now operators grant, revoke and list citizens'
consents (the gateway's citizen-facing mutations come later)."""

# No `from __future__ import annotations`: FastAPI reads the body types at definition time.
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, FastAPI, Query
from pydantic import TypeAdapter

from bron.http.auth import KeyPair
from bron.http.problems import not_found
from bron.registry.app import operator
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
    operators = [Depends(operator("toestemming", keys))]

    @app.post("/toestemmingen", status_code=201, dependencies=operators, tags=["toestemming"],
              summary="Grant a consent (toestemmingId generated when not given)")  # fmt: skip
    def verlenen(command: ToestemmingVerlenen) -> dict[str, Any]:
        return change_body(registry.execute(command))

    @app.post("/toestemmingen/{toestemmingId}/intrekking", dependencies=operators,
              tags=["toestemming"], summary="Revoke a consent")  # fmt: skip
    def intrekken(toestemmingId: UUID) -> dict[str, Any]:
        return change_body(registry.execute(ToestemmingIntrekken(toestemmingId=toestemmingId)))

    @app.get("/toestemmingen", dependencies=operators, tags=["toestemming"],
             summary="A citizen's consents")  # fmt: skip
    def van_persoon(persoonId: Annotated[UUID, Query()]) -> list[dict[str, Any]]:
        """Every consent of the person, active or ended. An operator token for now: citizens
        will read their own consents through the gateway later."""
        return [as_json(state) for state in registry.of_person(str(persoonId))]

    @app.get("/toestemmingen/{toestemmingId}", dependencies=operators, tags=["toestemming"],
             summary="Read a consent")  # fmt: skip
    def lezen(toestemmingId: UUID) -> dict[str, Any]:
        state = registry.get(str(toestemmingId))
        if state is None:
            raise not_found("toestemming", f"no consent {toestemmingId}")
        return as_json(state)
