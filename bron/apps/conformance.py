"""Whether an app keeps to its purposes and works with the contracts as they are now, before
it runs (pure): the engine of `bron apps check`. The contracts are the gateway's GraphQL
schema, the register of apps and purposes and the Avro contracts (`lineage`); each broken rule
is a `Violation` that names the place in the manifest or operation file, the field and the
purpose, and says what to do.

Rules:
- `doel-onbekend`: a purpose is not in the register; `grondslag`: its legal basis differs.
- `operatie-ongeldig`: an operation file is missing, does not parse or does not validate
  against the schema (an anonymous operation among several included).
- `operatie-doel`: a root field names another purpose than its file's (a variable `doel` is
  taken as the file's); `alleen-burger`: it is for a signed-in citizen only.
- `veld-niet-toegestaan`: the file's purpose does not allow a field the operation reads or
  searches by (the gateway would refuse the operation); `veld-niet-geleverd`: the contracts do
  not carry it (it would always be absent).
- `gebeurtenis-veld-niet-toegestaan` / `gebeurtenis-veld-niet-geleverd`: the same for the
  fields of a notice's data the app reads (`gebeurtenissen[].velden`).
- `gebeurtenis-doel`: `toestemming-gewijzigd` (in `gebeurtenissen`, or a `toestemmingGewijzigd`
  subscription) for a purpose not on consent, which never gets it; `webhook`: the same for a
  webhook's `typen`.

The file of an unknown purpose is checked as GraphQL only. A file that does not parse or
validate is checked no further: its fields are not known for certain."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bron_gateway.operations import Asked, asked, merge, operation_names
from bron_gateway.selection import PERSOON, refused

from bron.apps.lineage import ENTITIES, Lineage, current_lineage
from bron.apps.manifest import VIEW_ENTITIES, Manifest, ManifestError, operation_hash
from bron.policy import Doel, Policy, disallowed_fields, load_policy
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    validate,
)

RULES = (
    "doel-onbekend", "grondslag", "operatie-ongeldig", "operatie-doel", "alleen-burger",
    "veld-niet-toegestaan", "veld-niet-geleverd", "gebeurtenis-veld-niet-toegestaan",
    "gebeurtenis-veld-niet-geleverd", "gebeurtenis-doel", "webhook",
)  # fmt: skip
CONSENT_KIND = "toestemming-gewijzigd"
CONSENT_ROOT = "toestemmingGewijzigd"  # its subscription


@dataclass(frozen=True, slots=True)
class Contracts:
    """What an app is checked against: the gateway's schema (graphql-core's), the register of
    apps and purposes, and what the Avro contracts carry."""

    schema: GraphQLSchema
    policy: Policy
    lineage: Lineage


def current_contracts() -> Contracts:
    """The contracts as they are now: the gateway's schema, `policy/register.yaml` and
    `schemas/avro` (reads the files)."""
    from bron_gateway.schema import build_schema

    # the limits do not show in the schema's types; introspection on, as in docs/schema.graphql
    gateway = build_schema(max_depth=8, max_aliases=20, max_tokens=2000, introspection=True)
    return Contracts(gateway._schema, load_policy(), current_lineage())


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken rule (`RULES`): where (the manifest entry, `file#Operation.rootField`), the
    field path and purpose it is about (if any), what is wrong and what to do."""

    rule: str
    where: str
    path: str | None
    doel: str | None
    message: str
    fix: str

    def text(self) -> str:
        path = f" — {self.path}" if self.path else ""
        doel = f" ({self.doel})" if self.doel else ""
        return f"✗ [{self.rule}] {self.where}{path}{doel}: {self.message}\n    → {self.fix}"


@dataclass(frozen=True, slots=True)
class Check:
    """One entry of the manifest, checked: `unchecked` says why it could not be (its purpose
    is unknown) when nothing else is wrong with it."""

    section: str
    where: str
    label: str
    violations: tuple[Violation, ...] = ()
    unchecked: str | None = None

    def lines(self) -> list[str]:
        if self.violations:
            return [v.text() for v in self.violations]
        if self.unchecked:
            return [f"○ {self.where} {self.label} — {self.unchecked}"]
        return [f"✓ {self.where} {self.label}"]


@dataclass(frozen=True, slots=True)
class Operations:
    """A valid operation file as it is registered: its hash (`operation_hash`) and names."""

    bestand: str
    doel: str
    hash: str
    namen: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Report:
    """The checks of one app version, in manifest order, and its valid operation files."""

    app: str
    versie: str
    checks: tuple[Check, ...]
    operations: tuple[Operations, ...]

    @property
    def violations(self) -> list[Violation]:
        return [v for c in self.checks for v in c.violations]

    @property
    def ok(self) -> bool:
        return not self.violations

    def text(self) -> str:
        """The report for a person: per section one line per entry checked (its violations
        instead when it has some), then `conform` or the number of violations."""
        lines = [f"app {self.app} {self.versie}"]
        for section in dict.fromkeys(c.section for c in self.checks):
            lines.append(section)
            for found in (c for c in self.checks if c.section == section):
                lines += ["  " + line for line in found.lines()]
        count = len(self.violations)
        lines.append("conform" if self.ok else f"{count} violation{'' if count == 1 else 's'}")
        return "\n".join(lines) + "\n"

    def as_json(self) -> dict[str, Any]:
        """The report as JSON-able data (for tools, and registration)."""
        return {
            "app": self.app,
            "versie": self.versie,
            "ok": self.ok,
            "checks": [
                {"section": c.section, "where": c.where, "label": c.label,
                 "status": "violated" if c.violations else "unchecked" if c.unchecked else "ok",
                 "unchecked": c.unchecked}
                for c in self.checks
            ],
            "violations": [asdict(v) for v in self.violations],
            "operations": [{**asdict(o), "namen": list(o.namen)} for o in self.operations],
        }  # fmt: skip


def read_documents(manifest: Manifest, base_dir: Path) -> dict[str, str]:
    """The text of each operation file (`operaties[].bestand`, relative to `base_dir`, the
    manifest's folder), or ManifestError naming the entry whose file cannot be read."""
    documents: dict[str, str] = {}
    for i, operatie in enumerate(manifest.operaties):
        path = base_dir / operatie.bestand
        try:
            documents[operatie.bestand] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ManifestError(
                f"operaties[{i}].bestand: cannot read {path}: {reason}",
                suggestion="put the .graphql file there (relative to the manifest), or fix "
                "the path",
            ) from None
    return documents


def check(manifest: Manifest, documents: Mapping[str, str], contracts: Contracts) -> Report:
    """The manifest and its operation files (`documents`: bestand -> text) against the
    contracts."""
    checks = [*_doelen(manifest, contracts.policy)]
    operations: list[Operations] = []
    for i, operatie in enumerate(manifest.operaties):
        found, valid = _operatie(i, operatie.bestand, operatie.doel, documents, contracts)
        checks.append(found)
        if valid is not None:
            names = tuple(operation_names(valid))
            text = documents[operatie.bestand]
            operations.append(Operations(operatie.bestand, operatie.doel,
                                         operation_hash(text), names))  # fmt: skip
    checks += _gebeurtenissen(manifest, contracts)
    checks += _webhooks(manifest, contracts.policy)
    return Report(manifest.id, manifest.versie, tuple(checks), tuple(operations))


# -- doelen ----------------------------------------------------------------------------------


def _doelen(manifest: Manifest, policy: Policy) -> Iterable[Check]:
    known = ", ".join(d.id for d in policy.doelen)
    for i, asked_for in enumerate(manifest.doelen):
        where, grondslag = f"doelen[{i}]", asked_for.grondslag.value
        doel = policy.doel_by_id.get(asked_for.id)
        found: list[Violation] = []
        if doel is None:
            found.append(Violation(
                "doel-onbekend", where, None, asked_for.id,
                "not a purpose in the register of apps and purposes",
                f"name an existing purpose ({known}), or ask the data steward to add it",
            ))  # fmt: skip
        elif doel.grondslag is not asked_for.grondslag:
            found.append(Violation(
                "grondslag", where, None, asked_for.id,
                f"the manifest names grondslag {grondslag}, the register "
                f"{doel.grondslag.value}",
                f"use grondslag: {doel.grondslag.value}",
            ))  # fmt: skip
        yield Check("doelen", where, f"{asked_for.id} ({grondslag})", tuple(found))


# -- operaties -------------------------------------------------------------------------------


def _operatie(
    i: int, bestand: str, doel_id: str, documents: Mapping[str, str], contracts: Contracts
) -> tuple[Check, DocumentNode | None]:
    """The check of one operation file, and its document when it is valid."""
    where = f"operaties[{i}]"
    label = f"{bestand} ({doel_id})"

    def invalid(message: str, fix: str, at: str = "") -> Violation:
        return Violation("operatie-ongeldig", f"{where} {bestand}{at}", None, None, message, fix)

    text = documents.get(bestand)
    if text is None:
        missing = invalid("the file was not given",
                          "put the file next to the manifest, or remove the entry")  # fmt: skip
        return Check("operaties", where, label, (missing,)), None
    try:
        document = parse(text)
    except GraphQLError as error:
        broken = invalid(f"{error.message}{_at(error)}", "fix the GraphQL syntax there")
        return Check("operaties", where, label, (broken,)), None
    label = f"{label}: {', '.join(operation_names(document))}"
    errors = validate(contracts.schema, document)
    if errors:
        fix = "make it valid against the gateway's schema (docs/schema.graphql)"
        found = tuple(invalid(f"{e.message}{_at(e)}", fix, _operation_at(document, e))
                      for e in errors)  # fmt: skip
        return Check("operaties", where, label, _unique(found)), None
    doel = contracts.policy.doel_by_id.get(doel_id)
    violations: list[Violation] = []
    for one in asked(document):
        violations += _asked(f"{where} {bestand}#{one.operation}.{one.root}", one, doel_id, doel,
                             contracts.lineage)  # fmt: skip
    unchecked = None if doel else f"fields not checked: purpose '{doel_id}' is unknown"
    return Check("operaties", where, label, _unique(violations), unchecked), document


def _asked(
    where: str, one: Asked, doel_id: str, doel: Doel | None, lineage: Lineage
) -> list[Violation]:
    """One root field of an operation in a file for `doel_id` (`doel`: None when unknown)."""
    found: list[Violation] = []
    if not one.known:
        found.append(Violation(
            "operatie-ongeldig", where, None, None,
            f"the check does not know the root field {one.root}",
            "report it to Bron's maintainers (bron_gateway.operations.ROOTS)",
        ))  # fmt: skip
    if one.citizen_only:
        found.append(Violation(
            "alleen-burger", where, None, None,
            f"{one.root} is for a signed-in citizen only: an app's token is refused",
            "drop it; an app reads persons with persoon, personen, zoekPersonen or bewoners "
            "for one of its purposes",
        ))  # fmt: skip
    if one.doel is not None and one.doel != doel_id:
        found.append(Violation(
            "operatie-doel", where, None, doel_id,
            f"asks for purpose '{one.doel}', but the file is for '{doel_id}'",
            f'use doel: "{doel_id}" or a variable, or move the operation to a file for '
            f"'{one.doel}'",
        ))  # fmt: skip
        return found  # its fields are checked once it is for the file's purpose
    if doel is None or not one.personal:
        return found
    if one.root == CONSENT_ROOT and not doel.needs_consent:
        fix = "use inBeeld and uitBeeld instead, or a purpose on consent"
        found.append(_consent("gebeurtenis-doel", where, None, doel, fix))
    return found + _fields(where, one, doel, lineage)


def _fields(where: str, one: Asked, doel: Doel, lineage: Lineage) -> list[Violation]:
    """The fields a root field reads and searches by: allowed by the purpose, and carried."""
    found: list[Violation] = []
    for entity, paths in sorted(one.asked.items()):
        for path in refused(doel, {entity: paths}):
            found.append(Violation(
                "veld-niet-toegestaan", where, path, doel.id,
                "the purpose does not allow it: the gateway would refuse the operation",
                _ask_steward(doel, entity, path, "drop it from the operation"),
            ))  # fmt: skip
    for entity, paths in sorted(one.criteria.items()):
        for path in refused(doel, {entity: paths}):
            found.append(Violation(
                "veld-niet-toegestaan", where, path, doel.id,
                f"{one.root} searches by it and the purpose does not allow it: the gateway "
                "would refuse the operation",
                _ask_steward(doel, entity, path, "search another way"),
            ))  # fmt: skip
    for entity, paths in merge(one.asked, one.criteria).items():
        for path in paths:
            if not _carried(lineage, entity, path):
                found.append(Violation(
                    "veld-niet-geleverd", where, _shown(entity, path), doel.id,
                    _not_carried(lineage, entity, path), "drop it from the operation",
                ))  # fmt: skip
    return found


# -- gebeurtenissen and webhooks -------------------------------------------------------------


def _gebeurtenissen(manifest: Manifest, contracts: Contracts) -> Iterable[Check]:
    for i, gebeurtenis in enumerate(manifest.gebeurtenissen):
        kind, where = str(gebeurtenis.type), f"gebeurtenissen[{i}]"
        label = f"{kind} ({gebeurtenis.doel})"
        label += f": {', '.join(gebeurtenis.velden)}" if gebeurtenis.velden else ""
        doel = contracts.policy.doel_by_id.get(gebeurtenis.doel)
        if doel is None:
            unknown = f"not checked: purpose '{gebeurtenis.doel}' is unknown"
            yield Check("gebeurtenissen", where, label, unchecked=unknown)
            continue
        found: list[Violation] = []
        if kind == CONSENT_KIND and not doel.needs_consent:
            found.append(_consent("gebeurtenis-doel", where, kind, doel,
                                  "subscribe to in-beeld and uit-beeld instead, or use a "
                                  "purpose on consent"))  # fmt: skip
        for j, veld in enumerate(gebeurtenis.velden):
            at = f"{where}.velden[{j}]"
            head, _, path = veld.partition(".")
            entity = VIEW_ENTITIES[head]
            computed = entity not in ENTITIES or contracts.lineage.source(entity, path) is not None
            # a field Bron does not compute at all: no steward can allow it (not delivered, below)
            if computed and _refused(doel, entity, path):
                found.append(Violation(
                    "gebeurtenis-veld-niet-toegestaan", at, veld, doel.id,
                    "the purpose does not allow it: the notice's data never holds it",
                    _ask_steward(doel, entity, path or "*", "drop it from velden"),
                ))  # fmt: skip
            if not _carried(contracts.lineage, entity, path):
                found.append(Violation(
                    "gebeurtenis-veld-niet-geleverd", at, veld, doel.id,
                    _not_carried(contracts.lineage, entity, path), "drop it from velden",
                ))  # fmt: skip
        yield Check("gebeurtenissen", where, label, tuple(found))


def _webhooks(manifest: Manifest, policy: Policy) -> Iterable[Check]:
    for i, webhook in enumerate(manifest.webhooks):
        where, typen = f"webhooks[{i}]", [str(t) for t in webhook.typen]
        label = f"{webhook.url} ({webhook.doel}): {', '.join(typen)}"
        doel = policy.doel_by_id.get(webhook.doel)
        if doel is None:
            unknown = f"not checked: purpose '{webhook.doel}' is unknown"
            yield Check("webhooks", where, label, unchecked=unknown)
            continue
        found = [
            _consent("webhook", f"{where}.typen[{j}]", kind, doel,
                     "leave it out of typen (in-beeld and uit-beeld tell the same), or use a "
                     "purpose on consent")
            for j, kind in enumerate(typen)
            if kind == CONSENT_KIND and not doel.needs_consent
        ]  # fmt: skip
        yield Check("webhooks", where, label, tuple(found))


# -- helpers ---------------------------------------------------------------------------------


def _consent(rule: str, where: str, path: str | None, doel: Doel, fix: str) -> Violation:
    return Violation(
        rule, where, path, doel.id,
        f"the purpose rests on {doel.grondslag.value}, not on consent: {CONSENT_KIND} never "
        "comes for it",
        fix,
    )  # fmt: skip


def _ask_steward(doel: Doel, entity: str, shown: str, otherwise: str) -> str:
    """What to do about a field the purpose does not allow (`shown`: as `refused` names it)."""
    path = shown if entity == PERSOON else shown.removeprefix(f"{entity}.")
    what = f"fields of {entity}" if path == "*" else path
    return (f"ask the data steward to add {what} to velden.{entity} of '{doel.id}', or "
            f"{otherwise}")  # fmt: skip


def _refused(doel: Doel, entity: str, path: str) -> bool:
    """Whether a notice field is outside the purpose ("": the entity, allowed when the
    purpose allows any field of it)."""
    if not path:
        return not doel.velden.get(entity)
    return bool(disallowed_fields(doel, entity, [path]))


def _carried(lineage: Lineage, entity: str, path: str) -> bool:
    """Entities outside the views (`toestemming`) are not from the Avro contracts."""
    return entity not in ENTITIES or lineage.carried(entity, path)


def _not_carried(lineage: Lineage, entity: str, path: str) -> str:
    source = lineage.source(entity, path)
    if source is None:
        return "Bron does not compute it: it would always be absent"
    return (f"computed from {source}, which the current Avro contracts do not carry: it would "
            "always be absent")  # fmt: skip


def _shown(entity: str, path: str) -> str:
    """A path as `selection.refused` names it: prefixed with its entity unless a person's."""
    return path if entity == PERSOON else f"{entity}.{path}"


def _at(error: GraphQLError) -> str:
    spots = ", ".join(f"{loc.line}:{loc.column}" for loc in error.locations or ())
    return f" (at {spots})" if spots else ""


def _operation_at(document: DocumentNode, error: GraphQLError) -> str:
    """`#Name` of the operation the error is in, if it is in one."""
    position = next(iter(error.positions or ()), None)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for name, operation in zip(operation_names(document), operations, strict=True):
        loc = operation.loc
        if position is not None and loc is not None and loc.start <= position < loc.end:
            return f"#{name}"
    return ""


def _unique(violations: Iterable[Violation]) -> tuple[Violation, ...]:
    return tuple(dict.fromkeys(violations))
