"""Apps registered from their manifests, and the municipalities that enable them (pure).

The register file (`policy/register.yaml`) owns the apps it names; the app store adds apps
from their manifests (`bron apps register`) without editing that file. Both kinds are the same
events (`app-geregistreerd`, `app-gewijzigd`), so the stream workers and the gateway follow
either at once. A registered app starts enabled nowhere (`gemeenten: []`): a municipality turns
it on for its residents (`bron apps enable`), only where one of the app's purposes runs. The
data steward withdraws a registered app as a whole (`bron apps withdraw`): `app-gewijzigd`
without purposes or municipalities (`policy_events.withdrawn`); registering its manifest again
brings it back, enabled nowhere."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from bron.policy import App, Identifier, Policy, Sha256
from bron.registry.rejection import Rejection
from services.toestemming.policy_events import app_data, as_published, is_withdrawn, withdrawn
from services.toestemming.state import APP_GEREGISTREERD, APP_GEWIJZIGD, Events


class AppRegistratie(BaseModel):
    """What `bron apps register` sends: the app as its checked manifest describes it, and
    whether the data steward counts its organisation as government (geheimhouding)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    naam: str = Field(min_length=1)
    omschrijving: str | None = None
    organisatie: str = Field(pattern=r"^\d{20}$", description="OIN of the organisation")
    overheid: bool = Field(description="Decided by the data steward, not by the manifest")
    doelen: tuple[Identifier, ...] = Field(min_length=1)
    origins: tuple[str, ...] = ()
    versie: str = Field(pattern=r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")
    contact: str = Field(min_length=3)
    operaties: tuple[Sha256, ...] = ()


def current_policy(file: Policy, registered: Mapping[str, Mapping[str, Any]]) -> Policy:
    """The register file plus the apps registered from manifests (their last published data)."""
    extra = [_usable(_app(data), file) for app_id, data in sorted(registered.items())
             if app_id not in file.app_by_id]  # fmt: skip
    if not extra:
        return file
    return Policy.model_validate({"doelen": file.doelen, "apps": (*file.apps, *extra)})


def register(app_id: str, registratie: AppRegistratie, before: Mapping[str, Any] | None,
             file: Policy) -> Events:  # fmt: skip
    """The event that registers the app, or updates its registration (keeping the
    municipalities that enabled it); none when nothing changed."""
    if app_id in file.app_by_id:
        raise Rejection("appId", "app-in-register",
                        f"app {app_id!r} is in the register file; change it there")  # fmt: skip
    for i, doel in enumerate(registratie.doelen):
        if doel not in file.doel_by_id:
            known = ", ".join(file.doel_by_id)
            raise Rejection(f"doelen[{i}]", "doel-onbekend",
                            f"no purpose {doel!r} in the register (known: {known})")  # fmt: skip
    gemeenten = list(before.get("gemeenten") or []) if before else []
    try:
        app = App.model_validate({"id": app_id, **registratie.model_dump(), "gemeenten": gemeenten})
    except ValueError as exc:
        raise Rejection("origins", "origin-ongeldig", str(exc).splitlines()[-1]) from None
    return _changed(app, before)


def enable(app_id: str, gemeente: str, on: bool, before: Mapping[str, Any] | None,
           file: Policy) -> Events:  # fmt: skip
    """A municipality turns a registered app on (or off) for its residents."""
    if app_id in file.app_by_id:
        raise Rejection("appId", "app-in-register", f"app {app_id!r} is defined in the register "
                        "file, for all the municipalities of its purposes")  # fmt: skip
    if before is None:
        raise Rejection("appId", "app-onbekend",
                        f"no registered app {app_id!r}; register its manifest first")  # fmt: skip
    if on and is_withdrawn(before):
        raise Rejection("appId", "app-ingetrokken", f"app {app_id!r} was withdrawn; "
                        "register its manifest again first")  # fmt: skip
    app = _app(before)
    where = sorted({g for d in _usable(app, file).doelen for g in file.doel_by_id[d].gemeenten})
    if on and gemeente not in where:
        raise Rejection("gemeente", "gemeente-buiten-doelen",
                        f"the app's purposes do not run in {gemeente} "
                        f"(they run in {', '.join(where)})")  # fmt: skip
    now = set(app.gemeenten or ())
    now = now | {gemeente} if on else now - {gemeente}
    return _changed(app.model_copy(update={"gemeenten": tuple(sorted(now))}), before)


def withdraw(app_id: str, before: Mapping[str, Any] | None, file: Policy) -> Events:
    """The event that withdraws a registered app as a whole: no purposes, municipalities,
    origins or operations, so that every view of it is deleted and the gateway refuses it and
    its origins; none when it is withdrawn already (one withdrawn while a withdrawal still kept
    its origins is withdrawn again). An app of the register file leaves by being removed from
    it."""
    if app_id in file.app_by_id:
        raise Rejection("appId", "app-in-register", f"app {app_id!r} is in the register file; "
                        "remove it from policy/register.yaml")  # fmt: skip
    if before is None:
        raise Rejection("appId", "app-onbekend", f"no registered app {app_id!r}")
    after = withdrawn(before)
    return [] if as_published(before) == after else [(APP_GEWIJZIGD, after)]


def _changed(app: App, before: Mapping[str, Any] | None) -> Events:
    data = app_data(app)
    if before is None:
        return [(APP_GEREGISTREERD, data)]
    return [] if dict(before) == data else [(APP_GEWIJZIGD, data)]


def _usable(app: App, file: Policy) -> App:
    """A registered app without the purposes no longer in the register file (withdrawn), as
    the stream workers and the gateway read it: its registration keeps naming them (they come
    back with the purpose), but no consent or municipality can be given for them."""
    doelen = tuple(d for d in app.doelen if d in file.doel_by_id)
    return app if doelen == app.doelen else app.model_copy(update={"doelen": doelen})


def _app(data: Mapping[str, Any]) -> App:
    return App.model_validate({
        "id": data["appId"], "naam": data["naam"], "omschrijving": data.get("omschrijving"),
        "organisatie": data["organisatie"],
        "overheid": data["overheid"], "doelen": data.get("doelen") or [],
        "origins": data.get("origins") or [], "versie": data.get("versie"),
        "contact": data.get("contact"), "gemeenten": data.get("gemeenten"),
        "operaties": data.get("operaties") or [],
    })  # fmt: skip


__all__ = ["AppRegistratie", "current_policy", "enable", "register", "withdraw"]
