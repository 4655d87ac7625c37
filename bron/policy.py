"""The register of apps and purposes (doelbinding), pure: which app may use which fields of
which entity, for which purpose, in which municipalities, on which legal basis; and from which
browser origins its frontends call the gateway (CORS, `bron.origins`).

The register is declarative configuration (`policy/register.yaml`), validated at start; each
problem names its path in the file (`doelen[2].velden.persoon[4]`) and what is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bron.errors import BronError
from bron.origins import invalid_origins
from bron.settings import PROJECT_ROOT

POLICY_FILE = PROJECT_ROOT / "policy" / "register.yaml"
PERSOON_FIELDS_FILE = PROJECT_ROOT / "policy" / "velden-persoon.txt"
ENTITIES = ("persoon", "adres", "verblijfsobject", "pand", "wozObject", "toestemming")

Gemeentecode = Annotated[str, Field(pattern=r"^\d{4}$")]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,62}$")]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class PolicyError(BronError):
    pass


class Grondslag(StrEnum):
    toestemming = "toestemming"
    overeenkomst = "overeenkomst"
    wettelijke_verplichting = "wettelijke_verplichting"
    vitaal_belang = "vitaal_belang"
    algemeen_belang = "algemeen_belang"
    gerechtvaardigd_belang = "gerechtvaardigd_belang"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Doel(_Model):
    id: Identifier
    naam: str = Field(min_length=1)
    omschrijving: str = Field(min_length=1)
    grondslag: Grondslag
    wettelijkeBasis: str | None = None
    gemeenten: tuple[Gemeentecode, ...] = Field(min_length=1)
    velden: dict[str, tuple[str, ...]]

    @model_validator(mode="after")
    def _basis(self) -> Self:
        if self.grondslag is not Grondslag.toestemming and not self.wettelijkeBasis:
            raise ValueError("a purpose without consent needs its wettelijkeBasis (the law)")
        unknown = sorted(set(self.velden) - set(ENTITIES))
        if unknown:
            raise ValueError(f"unknown entity {unknown[0]!r}; known: {', '.join(ENTITIES)}")
        return self

    @property
    def needs_consent(self) -> bool:
        return self.grondslag is Grondslag.toestemming


class App(_Model):
    id: Identifier
    naam: str = Field(min_length=1)
    omschrijving: str | None = None
    organisatie: str = Field(pattern=r"^\d{20}$", description="OIN of the organisation")
    overheid: bool
    doelen: tuple[Identifier, ...] = ()
    origins: tuple[str, ...] = Field(
        default=(),
        description="Browser origins (CORS) the app's frontends call the gateway from: "
        "`https://host[:port]`, exactly as a browser sends it",
    )

    versie: str | None = Field(default=None, description="The version of its manifest")
    contact: str | None = Field(default=None, description="Who answers for the app (e-mail)")
    gemeenten: tuple[Gemeentecode, ...] | None = Field(
        default=None,
        description="The municipalities that enabled the app (`bron apps enable`); None: every "
        "municipality of its purposes (an app of this file)",
    )
    operaties: tuple[Sha256, ...] = Field(
        default=(),
        description="The GraphQL documents of its manifest (`bron.apps.manifest.operation_hash`): "
        "under production settings the gateway runs only these for the app",
    )

    @model_validator(mode="after")
    def _origins(self) -> Self:
        problem = invalid_origins(self.origins)
        if problem:
            raise ValueError(f"app {self.id!r}: {problem}")
        return self

    @property
    def withdrawn(self) -> bool:
        """Taken out of the register as a whole (`bron apps withdraw`, or gone from the file):
        no purposes and enabled nowhere. An app of the file has `gemeenten` None and one of a
        manifest has a purpose until it is withdrawn, so neither is taken for withdrawn."""
        return not self.doelen and self.gemeenten == ()

    def enabled_in(self, gemeente: str | None) -> bool:
        """Whether a municipality has the app on (always, for an app of the register file)."""
        return self.gemeenten is None or gemeente in self.gemeenten

    def gemeenten_of(self, doel: Doel) -> tuple[str, ...]:
        """Where the app works for a purpose: the purpose's municipalities that enabled it."""
        if self.gemeenten is None:
            return doel.gemeenten
        return tuple(g for g in doel.gemeenten if g in self.gemeenten)


class Policy(_Model):
    doelen: tuple[Doel, ...]
    apps: tuple[App, ...]

    @model_validator(mode="after")
    def _references(self) -> Self:
        for kind, items in (("doel", self.doelen), ("app", self.apps)):
            ids = [i.id for i in items]
            duplicate = next((i for i in ids if ids.count(i) > 1), None)
            if duplicate:
                raise ValueError(f"{kind} {duplicate!r} is defined twice")
        known = {d.id for d in self.doelen}
        for app in self.apps:
            for doel in app.doelen:
                if doel not in known:
                    raise ValueError(f"app {app.id!r} names unknown doel {doel!r}")
        return self

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy without the lookups cached on the original (they would describe it)."""
        copied = super().model_copy(update=update, deep=deep)
        for cached in ("doel_by_id", "app_by_id"):
            copied.__dict__.pop(cached, None)
        return copied

    @cached_property
    def doel_by_id(self) -> dict[str, Doel]:
        return {d.id: d for d in self.doelen}

    @cached_property
    def app_by_id(self) -> dict[str, App]:
        return {a.id: a for a in self.apps}

    def purpose_of(self, app_id: str, doel_id: str) -> Doel:
        """The purpose an app calls for; PolicyError when the app or the purpose is unknown
        or the purpose is not one of the app's."""
        app = self.app_by_id.get(app_id)
        if app is None:
            raise PolicyError(f"unknown app {app_id!r}")
        if doel_id not in app.doelen:
            allowed = ", ".join(app.doelen) or "none"
            raise PolicyError(
                f"app {app_id!r} has no purpose {doel_id!r} (its purposes: {allowed})"
            )
        return self.doel_by_id[doel_id]


def is_withdrawn_doel(data: Mapping[str, Any]) -> bool:
    """A purpose's published data (`doel-gewijzigd`) withdraws it when it runs in no
    municipality: a `Doel` has at least one, so no purpose of the file looks like this. Every
    reader of the register leaves such a purpose out."""
    return not data.get("gemeenten")


def disallowed_fields(doel: Doel, entity: str, requested: list[str]) -> list[str]:
    """The requested dotted paths the purpose does not allow (a parent allows its children)."""
    allowed = doel.velden.get(entity, ())
    return [
        path
        for path in requested
        if not any(path == a or path.startswith(a + ".") for a in allowed)
    ]


def persoon_fields(path: Path = PERSOON_FIELDS_FILE) -> frozenset[str]:
    lines = [line.strip() for line in path.read_text().splitlines()[1:]]
    return frozenset(line for line in lines if line)


def load_policy(path: Path = POLICY_FILE) -> Policy:
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"cannot read the policy {path}: {exc}") from None
    try:
        policy = Policy.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{error_location(e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise PolicyError(
            f"invalid policy {path}:\n  " + "\n  ".join(problems),
            suggestion="fix the entries named above",
        ) from None
    known = persoon_fields()
    for i, doel in enumerate(policy.doelen):
        for j, veld in enumerate(doel.velden.get("persoon", ())):
            if veld not in known:
                raise PolicyError(
                    f"invalid policy {path}:\n  doelen[{i}].velden.persoon[{j}]: "
                    f"{veld!r} is not a Haal Centraal persoon field",
                    suggestion=f"use a path from {PERSOON_FIELDS_FILE.name}",
                )
    return policy


def error_location(loc: tuple[int | str, ...]) -> str:
    """A pydantic error's location as a path in the file: `doelen[2].velden.persoon[4]`."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top)"
