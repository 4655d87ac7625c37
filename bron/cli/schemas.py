"""`bron schemas …`: the data stewards' tools for the Avro contracts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bron import __version__
from bron.contracts.compatibility import Level, check_compatibility, parse_schema
from bron.contracts.diff import diff_fields, field_table
from bron.contracts.history import committed_versions
from bron.contracts.lint import lint_all
from bron.contracts.registry_client import RegistryClient, RegistryClientError, compact
from bron.contracts.schemafiles import SCHEMAS_DIR, SchemaFile, load_schema_file, load_schema_files
from bron.settings import load_settings

app = typer.Typer(help="Govern the Avro contracts: lint, check, register, inspect.")

RegistryOption = Annotated[
    str | None, typer.Option("--registry", help="Registry URL (default: BRON_SCHEMA_REGISTRY_URL "
                             "or Bron's own).")
]  # fmt: skip
FilesArgument = Annotated[
    list[Path] | None, typer.Argument(help=".avsc files (default: all under schemas/avro)")
]


def _client(url: str | None) -> RegistryClient:
    return RegistryClient(url or load_settings().registry_url)


def _files(paths: list[Path] | None) -> list[SchemaFile]:
    return [load_schema_file(p) for p in paths] if paths else load_schema_files()


@app.command()
def lint(files: FilesArgument = None) -> None:
    """Docs and a classification on every field, names and namespaces; exit 1 on a problem."""
    loaded = _files(files)
    problems = lint_all(loaded)
    for p in problems:
        where = f"{p.file}:{p.field_path}" if p.field_path else p.file
        typer.echo(f"{where} [{p.rule}] {p.message}")
    typer.echo(f"{len(loaded)} schemas, {len(problems)} problem(s)")
    if problems:
        raise typer.Exit(1)


@app.command()
def check(
    files: FilesArgument = None,
    registry: RegistryOption = None,
    apps: Annotated[
        bool,
        typer.Option(
            help="Also check the registered apps (policy/apps.yaml) "
            "against the contracts with these files"
        ),
    ] = True,
) -> None:
    """Check every .avsc against the registry under its subject's level, and every registered
    app against the contracts as they would be; exit 1 if any change is incompatible (the
    message names the field and the rule) or would break an app (naming the app, its
    operation or event, and the field)."""
    failures = 0
    if apps and not _apps_conform(_files(files)):
        failures += 1
        typer.echo("a registered app would break: see its report above", err=True)
    with _client(registry) as client:
        for f in _files(files):
            try:
                result = client.compatibility(f.subject, compact(f.schema))
            except RegistryClientError as exc:
                if exc.error_code != 40401:
                    raise
                typer.echo(f"new           {f.subject}")
                continue
            if result.is_compatible:
                typer.echo(f"compatible    {f.subject}")
                continue
            failures += 1
            typer.echo(f"INCOMPATIBLE  {f.subject} ({f.path.name})")
            for message in result.messages:
                typer.echo(f"    {message}")
    if failures:
        typer.echo(f"{failures} incompatible change(s)", err=True)
        raise typer.Exit(1)


def _apps_conform(changed: list[SchemaFile]) -> bool:
    """The registered apps against the contracts with `changed` in place of the committed
    files of the same subject (so a change is checked before it lands)."""
    import dataclasses

    from bron.apps.conformance import current_contracts
    from bron.apps.lineage import lineage
    from bron.apps.registered import registered_manifests
    from bron.cli.apps import report_all

    replaced = {f.subject: f for f in changed}
    files = [replaced.pop(f.subject, f) for f in load_schema_files()] + list(replaced.values())
    by_registry: dict[str, list[dict[str, object]]] = {}
    for f in files:
        by_registry.setdefault(f.registry, []).append(f.schema)
    contracts = dataclasses.replace(current_contracts(), lineage=lineage(by_registry))
    return report_all(registered_manifests(), contracts)


@app.command()
def register(
    files: FilesArgument = None,
    registry: RegistryOption = None,
    history: Annotated[
        bool, typer.Option(help="First register every committed version from git, oldest first.")
    ] = False,
) -> None:
    """Register the .avsc files under their subjects (idempotent)."""
    with _client(registry) as client:
        for f in _files(files):
            if history:
                for text in committed_versions(f.path):
                    client.register(f.subject, compact(text))
            done = client.register(f.subject, compact(f.schema))
            typer.echo(f"{f.subject:55} id {done.schema_id:>4}  version {done.version}")


@app.command("list")
def list_subjects(registry: RegistryOption = None) -> None:
    """Every subject with its latest version, schema id and compatibility level."""
    with _client(registry) as client:
        typer.echo(f"{'subject':55} {'version':>7} {'id':>5}  level")
        for subject in client.subjects():
            latest = client.version(subject)
            level = client.level(subject)
            typer.echo(f"{subject:55} {latest.version:>7} {latest.schema_id:>5}  {level}")


@app.command()
def show(
    subject: Annotated[str, typer.Argument(help="A subject, or the path of an .avsc file")],
    version: Annotated[str, typer.Option(help="Version number or 'latest'")] = "latest",
    registry: RegistryOption = None,
) -> None:
    """The fields of a schema with their types, defaults and classifications."""
    path = Path(subject)
    if path.suffix == ".avsc":
        schema = load_schema_file(path).schema
        typer.echo(f"{subject} (file)")
    else:
        with _client(registry) as client:
            found = client.version(subject, version)
        schema = json.loads(found.schema)
        typer.echo(f"{subject} version {found.version} (id {found.schema_id})")
    typer.echo(f"{'field':45} {'type':28} {'classification':26} default")
    for path_, row in field_table(schema).items():
        typer.echo(f"{path_:45} {row['type']:28} {row['classification']:26} {row['default']}")


@app.command()
def diff(
    subject: Annotated[str, typer.Argument(help="A subject, or the path of an .avsc file")],
    old: Annotated[str, typer.Argument(help="Older version (default: latest registered)")] = "",
    new: Annotated[str, typer.Argument(help="Newer version (default: the file)")] = "",
    registry: RegistryOption = None,
) -> None:
    """Two versions field by field, with the compatibility verdict under the subject's level."""
    with _client(registry) as client:
        if subject.endswith(".avsc"):
            file = load_schema_file(Path(subject))
            name, new_text = file.subject, file.text
            old_text = client.version(name, old or "latest").schema
        else:
            name = subject
            old_text = client.version(name, old or "latest").schema
            new_text = client.version(name, new or "latest").schema
        level = Level(client.level(name))
    changes = diff_fields(json.loads(old_text), json.loads(new_text))
    for c in changes:
        typer.echo(f"{c.change:15} {c.path:45} {c.old} → {c.new}".rstrip(" →"))
    if not changes:
        typer.echo("no field changes")
    problems = check_compatibility(parse_schema(new_text), [parse_schema(old_text)], level)
    verdict = "compatible" if not problems else "INCOMPATIBLE"
    typer.echo(f"verdict under {level.value}: {verdict}")
    for problem in problems:
        typer.echo(f"    {problem.message}")
    if problems:
        raise typer.Exit(1)


@app.command("set-compat")
def set_compat(
    level: Annotated[str, typer.Argument(help="NONE, BACKWARD, …, FULL_TRANSITIVE")],
    subject: Annotated[str | None, typer.Option(help="A subject (default: global)")] = None,
    registry: RegistryOption = None,
) -> None:
    """Set the compatibility level of a subject, or the global default."""
    with _client(registry) as client:
        done = client.set_level(level.upper(), subject)
    typer.echo(f"{subject or 'global'}: {done}")


@app.command()
def asyncapi(
    out: Annotated[Path | None, typer.Option(help="Where to write the document")] = None,
) -> None:
    """Write the AsyncAPI 3.0 document of the topics, messages and schemas for app builders."""
    from bron.contracts.asyncapi import ASYNCAPI_PATH, write_asyncapi

    target = out or ASYNCAPI_PATH
    write_asyncapi(target, __version__)
    typer.echo(f"wrote {target}")


@app.command()
def codegen() -> None:
    """Regenerate the typed Python models (bron/contracts/models.py) from the .avsc files."""
    from bron.contracts.codegen import MODELS, write_models

    write_models(MODELS)
    typer.echo(f"wrote {MODELS} from {SCHEMAS_DIR}")
