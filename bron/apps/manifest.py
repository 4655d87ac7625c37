"""An app's manifest (pure model): what an app ships so that the data layer can check, before it
runs, that it stays within its purposes and keeps working as the contracts evolve.

The manifest is a YAML file (`bron-app.yaml`) next to the app's `.graphql` operations. Its JSON
Schema (`schemas/app-manifest.schema.json`) is generated from this model (`bron apps schema`),
so that editors validate as the check does. Each problem names its path in the file
(`gebeurtenissen[1].velden[0]`) and what to do."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bron.errors import BronError
from bron.notices import KINDS
from bron.origins import invalid_origins
from bron.policy import Grondslag, Identifier, error_location
from graphql import DocumentNode, parse, print_ast

FORMAT = "bron.nl/app/v1"
SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schemas" / "app-manifest.schema.json"
# The top-level keys of a notice's data (a purpose's view of a person) and the policy entity
# each one holds (`velden.<entity>`).
VIEW_ENTITIES = {
    "persoon": "persoon",
    "adres": "adres",
    "verblijfsobject": "verblijfsobject",
    "wozObjecten": "wozObject",
}

Gemeentecode = Annotated[str, Field(pattern=r"^\d{4}$")]
Version = Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")]
ViewPath = Annotated[
    str,
    Field(
        pattern=r"^(persoon|adres|verblijfsobject|wozObjecten)(\.[a-zA-Z][a-zA-Z0-9]*)*$",
        description="A dotted path into the notice's data: `persoon.naam.geslachtsnaam`, "
        "`adres.postcode`, `verblijfsobject.oppervlakte`, `wozObjecten.waarden`",
    ),
]
Kind = StrEnum("Kind", {k.replace("-", "_"): k for k in KINDS})  # type: ignore[misc]


class ManifestError(BronError):
    pass


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Contact(_Model):
    naam: str = Field(min_length=1, description="Who answers for the app (team or person)")
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", description="An e-mail address")


class Doel(_Model):
    """A purpose the app asks for: one from the register of apps and purposes, with the legal
    basis the app relies on (it must be the purpose's)."""

    id: Identifier
    grondslag: Grondslag


class Operatie(_Model):
    """A file of GraphQL operations the app runs, all for one of its purposes."""

    bestand: str = Field(
        min_length=1, description="Path of a .graphql file, relative to the manifest"
    )
    doel: Identifier = Field(description="The purpose the operations in the file ask for")

    @model_validator(mode="after")
    def _graphql(self) -> Self:
        if not self.bestand.endswith(".graphql") or Path(self.bestand).is_absolute():
            raise ValueError("an operation file is a relative path ending in .graphql")
        if ".." in Path(self.bestand).parts:
            raise ValueError("an operation file lies next to or below the manifest (no '..')")
        return self


class Via(StrEnum):
    graphql = "graphql"
    webhook = "webhook"
    kafka = "kafka"


class Gebeurtenis(_Model):
    """A kind of notice the app subscribes to, for one purpose, and the fields of the notice's
    data it reads."""

    type: Kind = Field(description="A notice kind (`bron.notices.KINDS`)")
    doel: Identifier
    velden: tuple[ViewPath, ...] = ()
    via: Via = Via.graphql


class Webhook(_Model):
    url: str = Field(pattern=r"^https://[^\s/?#]+(/[^\s#]*)?$", description="An https URL")
    doel: Identifier
    typen: tuple[Kind, ...] = Field(min_length=1)


class Manifest(_Model):
    """A versioned description of an app for the app store (`bron: bron.nl/app/v1`)."""

    bron: Literal["bron.nl/app/v1"] = Field(description="The manifest format")
    id: Identifier
    naam: str = Field(min_length=1)
    omschrijving: str | None = None
    organisatie: str = Field(pattern=r"^\d{20}$", description="OIN of the organisation")
    versie: Version = Field(description="The app's version (semver)")
    contact: Contact
    doelen: tuple[Doel, ...] = Field(min_length=1)
    operaties: tuple[Operatie, ...] = ()
    gebeurtenissen: tuple[Gebeurtenis, ...] = ()
    webhooks: tuple[Webhook, ...] = ()
    origins: tuple[str, ...] = Field(default=(), description="Browser origins (CORS)")

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ids = [d.id for d in self.doelen]
        duplicate = next((i for i in ids if ids.count(i) > 1), None)
        if duplicate:
            raise ValueError(f"purpose {duplicate!r} is asked for twice")
        for where, items in (("operaties", self.operaties), ("gebeurtenissen",
                             self.gebeurtenissen), ("webhooks", self.webhooks)):  # fmt: skip
            for item in items:
                if item.doel not in ids:
                    raise ValueError(
                        f"{where}: purpose {item.doel!r} is not one the app asks for "
                        f"(its doelen: {', '.join(ids)}); add it to doelen or use one of those"
                    )
        problem = invalid_origins(self.origins)
        if problem:
            raise ValueError(problem)
        return self


def json_schema() -> dict[str, Any]:
    schema = Manifest.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://bron.nl/schemas/app-manifest/v1.json"
    return schema


def load_manifest(path: Path) -> Manifest:
    """The manifest at `path`, or ManifestError naming each problem's place in the file."""
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ManifestError(f"cannot read the manifest {path}: {exc}") from None
    return parse_manifest(raw, str(path))


def parse_manifest(raw: Any, source: str = "manifest") -> Manifest:
    try:
        return Manifest.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{error_location(e['loc'])}: {_message(e)}" for e in exc.errors()]
        raise ManifestError(
            f"invalid app manifest {source}:\n  " + "\n  ".join(problems),
            suggestion=f"fix the entries named above (JSON Schema: {SCHEMA_FILE.name})",
        ) from None


def operation_hash(text: str) -> str:
    """The sha256 of a GraphQL document as printed from its syntax tree: the same for the file
    in the manifest and the query an app sends, whatever its whitespace and comments."""
    return operation_hash_of(parse(text))


def operation_hash_of(document: DocumentNode) -> str:
    return hashlib.sha256(print_ast(document).encode()).hexdigest()


_PATTERN_HINTS = {
    "versie": "use a semantic version such as 1.2.0",
    "email": "use an e-mail address such as team@gemeente.nl",
    "organisatie": "use the organisation's OIN: 20 digits",
    "velden": "use a path into the notice's data starting with persoon., adres., "
    "verblijfsobject. or wozObjecten. (e.g. persoon.naam.geslachtsnaam)",
    "id": "use lower-case letters, digits and hyphens, starting with a letter",
    "doel": "use lower-case letters, digits and hyphens, starting with a letter",
    "url": "use an https URL",
}


def _message(error: Any) -> str:
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "missing":
        return "required; add it"
    if error["type"] == "extra_forbidden":
        return "unknown key; remove it or check its spelling"
    if error["type"] == "string_pattern_mismatch":
        field = next((p for p in reversed(error["loc"]) if isinstance(p, str)), "")
        return _PATTERN_HINTS.get(field, message)
    if error["type"] == "enum" or error["type"] == "literal_error":
        return message.replace("Input should be", "use")
    return message
