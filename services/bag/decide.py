"""Deciding a command: the events it causes, or the `Rejection` of the first rule it breaks."""

from __future__ import annotations

from typing import Any

from bron.registry.rejection import Rejection
from services.bag.commands import Aanmaken, Command, Intrekken
from services.bag.identificatie import check_gemeente, check_identificatie, event_type
from services.bag.rules import check_document, check_gegevens, references
from services.bag.state import BagObject, event_fields
from services.bag.status import WITHDRAWN, check_status, is_end
from services.bag.types import Events, Refs

# Stamped anew on every attempt, so a retried change is recognised without it.
_NOT_COMPARED = frozenset({"tijdstipRegistratie"})


def decide(command: Command, state: BagObject | None, refs: Refs) -> Events:
    objecttype = command.objecttype
    if state is not None and state.objecttype != objecttype:
        raise TypeError(f"a {objecttype} command on a {state.objecttype}")
    check_identificatie("identificatie", command.identificatie, objecttype)
    check_gemeente("identificatie", command.identificatie, command.gemeentecode)
    if isinstance(command, Aanmaken):
        if state is not None:
            raise Rejection("identificatie", "bestaat-al", f"{command.identificatie} exists")
    elif state is None:
        raise Rejection("identificatie", "onbekend", f"no {objecttype} {command.identificatie}")
    elif is_end(objecttype, state.status):
        raise Rejection("identificatie", "ingetrokken", f"withdrawn ({state.status})")
    version = (state.version if state else 0) + 1
    if isinstance(command, Intrekken):
        return [(event_type(objecttype, "ingetrokken"), _withdrawal(command, state, version))]
    check_gegevens(command)
    check_status(
        "status", objecttype, state.status if state else None, command.status, withdraw=False
    )
    known = {ref[2] for ref in references(state)} if state else set()
    for field, target, identificatie in references(command):
        if identificatie not in known and not refs.exists(target, identificatie):
            raise Rejection(field, "verwijzing-onbekend", f"no {target} {identificatie}")
    data = {name: _plain(getattr(command, name)) for name in event_fields(objecttype)}
    data["beginGeldigheid"] = command.beginGeldigheid or command.documentdatum
    if state is not None and _same(data, state):
        return []
    verb = "aangemaakt" if isinstance(command, Aanmaken) else "gewijzigd"
    return [(event_type(objecttype, verb), {**data, **_voorkomen(version)})]


def _withdrawal(command: Intrekken, state: BagObject | None, version: int) -> dict[str, Any]:
    status = command.status or WITHDRAWN.get(command.objecttype)
    if status is None:
        raise Rejection("status", "verplicht", f"name the end status of the {command.objecttype}")
    check_status(
        "status", command.objecttype, state.status if state else None, status, withdraw=True
    )
    check_document(command)
    return {
        "identificatie": command.identificatie,
        "status": status,
        "geconstateerd": command.geconstateerd,
        "documentdatum": command.documentdatum,
        "documentnummer": command.documentnummer,
        "beginGeldigheid": command.beginGeldigheid or command.documentdatum,
        "tijdstipRegistratie": command.tijdstipRegistratie,
        **_voorkomen(version),
    }


def _voorkomen(version: int) -> dict[str, Any]:
    return {"voorkomenidentificatie": version, "eindGeldigheid": None}


def _same(data: dict[str, Any], state: BagObject) -> bool:
    return all(
        _plain(getattr(state, name)) == value
        for name, value in data.items()
        if name not in _NOT_COMPARED
    )


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
