"""The consent register's HTTP API: operators grant, revoke and list anyone's consents; a
citizen (a `burger` token whose subject is their persoonId, as the gateway issues it) grants,
revokes, lists and reads only their own. Someone else's consent is "not found" to a citizen,
so that ids cannot be probed.

The app store (`/apps`, operators only): apps registered from their checked manifests
(`bron apps register`), the municipalities that enable them (`bron apps enable`), and their
withdrawal as a whole (`bron apps withdraw`)."""

# No `from __future__ import annotations`: FastAPI reads the body types at definition time.
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, FastAPI, Path, Query, Response
from pydantic import TypeAdapter

from bron.http.auth import KeyPair, Principal
from bron.http.problems import FieldError, Problem, not_found
from bron.registry.app import is_citizen, operator, operator_or_citizen, own_data
from bron.registry.commands import Change
from services.toestemming.apps import AppRegistratie
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

    Operator = Annotated[Principal, Depends(operator("toestemming", keys))]
    AppId = Annotated[str, Path(pattern=r"^[a-z][a-z0-9-]{1,62}$", description="The app's id")]
    Gemeente = Annotated[str, Path(pattern=r"^\d{4}$", description="Gemeentecode, 4 digits")]

    def app_body(app_id: str, events: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
        return {"app": registry.app(app_id), "events": [event_type for event_type, _ in events]}

    @app.get("/apps", tags=["apps"], summary="The apps: of the register file and registered")
    def apps(_caller: Operator) -> list[dict[str, Any]]:
        return registry.apps()

    @app.get("/apps/{appId}", tags=["apps"], summary="One app as last published")
    def app_lezen(appId: AppId, _caller: Operator) -> dict[str, Any]:
        found = registry.app(appId)
        if found is None:
            raise not_found("app", f"no app {appId!r}")
        return found

    @app.put("/apps/{appId}", tags=["apps"],
             summary="Register an app from its manifest, or update its registration")  # fmt: skip
    def app_registreren(
        appId: AppId, registratie: AppRegistratie, _caller: Operator, response: Response
    ) -> dict[str, Any]:
        """Publishes app-geregistreerd (201) or app-gewijzigd (200; nothing when unchanged).
        A new app is enabled in no municipality yet."""
        new = registry.app(appId) is None
        events = registry.register_app(appId, registratie)
        response.status_code = 201 if new else 200
        return app_body(appId, events)

    @app.put("/apps/{appId}/gemeenten/{gemeente}", tags=["apps"],
             summary="A municipality enables the app for its residents")  # fmt: skip
    def app_aanzetten(appId: AppId, gemeente: Gemeente, _caller: Operator) -> dict[str, Any]:
        return app_body(appId, registry.enable_app(appId, gemeente, True))

    @app.delete("/apps/{appId}/gemeenten/{gemeente}", tags=["apps"],
                summary="A municipality disables the app for its residents")  # fmt: skip
    def app_uitzetten(appId: AppId, gemeente: Gemeente, _caller: Operator) -> dict[str, Any]:
        return app_body(appId, registry.enable_app(appId, gemeente, False))

    @app.post("/apps/{appId}/intrekking", tags=["apps"],
              summary="Withdraw a registered app as a whole")  # fmt: skip
    def app_intrekken(appId: AppId, _caller: Operator) -> dict[str, Any]:
        """Publishes app-gewijzigd without purposes, municipalities, origins or operations
        (nothing when it was withdrawn already): the stream workers delete every view of the
        app and tombstone its topic, the gateway refuses its queries and its browser origins
        and ends its subscriptions, the webhook service deletes its webhook subscriptions.
        Registering its manifest again brings it back, enabled nowhere."""
        return app_body(appId, registry.withdraw_app(appId))
