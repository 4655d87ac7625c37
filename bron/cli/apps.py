"""`bron apps …`: the app store. Check an app's manifest against the current contracts,
register it in the register of apps and purposes, let a municipality enable it, and withdraw it.

`check` reads only files (the manifest, its .graphql operations, the Avro contracts, the policy
register and the gateway's GraphQL schema built from the code), so it runs in CI before a
change lands; `register`, `enable`, `disable`, `withdraw` and `list` talk to the consent
register, which owns the register of apps and publishes every change as an event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import httpx
import typer

from bron.errors import BronError
from bron.http.auth import KeyPair, issue
from bron.settings import Environment, load_settings

if TYPE_CHECKING:
    from bron.apps.conformance import Contracts, Report
    from bron.apps.manifest import Manifest

app = typer.Typer(
    help="The app store: check, register, enable and withdraw apps.", no_args_is_help=True
)

ManifestArgument = Annotated[Path, typer.Argument(help="The app's manifest (bron-app.yaml)",
                                                  exists=True, dir_okay=False)]  # fmt: skip
TokenOption = Annotated[
    str | None,
    typer.Option(envvar="BRON_APPS_TOKEN", help="An operator token for the consent register "
                 "(default: a development token; required under production settings)"),
]  # fmt: skip
Gemeente = Annotated[str, typer.Option("--gemeente", help="Gemeentecode, 4 digits")]


@app.command()
def schema(
    out: Annotated[Path | None, typer.Option(help="Write it here (default: stdout)")] = None,
) -> None:
    """The JSON Schema of the manifest (committed as schemas/app-manifest.schema.json)."""
    from bron.apps.manifest import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)
        typer.echo(f"wrote {out}")


@app.command()
def check(
    manifests: Annotated[
        list[Path] | None,
        typer.Argument(help="Manifests (bron-app.yaml)", exists=True, dir_okay=False),
    ] = None,
    registered: Annotated[
        bool, typer.Option("--registered", help="Also every app listed in policy/apps.yaml")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The reports as JSON")] = False,
) -> None:
    """Conformance of each app with the current GraphQL schema, policy register and Avro
    contracts; exit 1 when any app has a violation (each named with what would fix it)."""
    from bron.apps.registered import registered_manifests

    paths = list(manifests or []) + (registered_manifests() if registered else [])
    if not paths:
        raise typer.BadParameter("name a manifest, or use --registered")
    if not report_all(paths, as_json=as_json):
        raise typer.Exit(1)


def report_all(paths: list[Path], contracts: Contracts | None = None,
               as_json: bool = False) -> bool:  # fmt: skip
    """Print the reports; whether every app conforms."""
    reports = [conformance(path, contracts) for path in paths]
    if as_json:
        typer.echo(json.dumps([r.as_json() for r in reports], indent=2, ensure_ascii=False))
    else:
        typer.echo("\n\n".join(r.text() for r in reports))
    return all(r.ok for r in reports)


def conformance(path: Path, contracts: Contracts | None = None) -> Report:
    from bron.apps.conformance import check as check_manifest
    from bron.apps.conformance import current_contracts, read_documents
    from bron.apps.manifest import load_manifest

    manifest = load_manifest(path)
    documents = read_documents(manifest, path.parent)
    return check_manifest(manifest, documents, contracts or current_contracts())


@app.command()
def register(
    manifest_path: ManifestArgument,
    overheid: Annotated[
        bool,
        typer.Option(
            "--overheid",
            help="The organisation is government (it may see persons with geheimhouding)",
        ),
    ] = False,
    token: TokenOption = None,
) -> None:
    """Check the manifest, then register the app (or its new version) in the register of apps
    and purposes. A new app is enabled in no municipality until one enables it."""
    report = conformance(manifest_path)
    if not report.ok:
        typer.echo(report.text())
        raise BronError(f"app {report.app!r} does not conform; nothing was registered",
                        suggestion="fix the violations above and check again")  # fmt: skip
    from bron.apps.manifest import load_manifest

    manifest = load_manifest(manifest_path)
    body = registration(manifest, [o.hash for o in report.operations], overheid)
    answer = _call("PUT", f"/apps/{manifest.id}", token, body)
    events = answer["events"]
    what = "registered" if "nl.toestemming.app-geregistreerd.v1" in events else (
        "updated" if events else "unchanged")  # fmt: skip
    where = ", ".join(answer["app"].get("gemeenten") or []) or "no municipality yet"
    documents = len(body["operaties"])
    typer.echo(f"{manifest.id} {manifest.versie}: {what} ({documents} operation document(s)); "
               f"enabled in: {where}")  # fmt: skip


def registration(manifest: Manifest, operaties: list[str], overheid: bool) -> dict[str, Any]:
    return {
        "naam": manifest.naam,
        "omschrijving": manifest.omschrijving,
        "organisatie": manifest.organisatie,
        "overheid": overheid,
        "doelen": [d.id for d in manifest.doelen],
        "origins": list(manifest.origins),
        "versie": manifest.versie,
        "contact": manifest.contact.email,
        "operaties": sorted(set(operaties)),
    }


@app.command()
def enable(app_id: Annotated[str, typer.Argument(help="The app's id")], gemeente: Gemeente,
           token: TokenOption = None) -> None:  # fmt: skip
    """A municipality turns the app on: its residents come into the app's view (per purpose:
    those in scope, with consent where the purpose rests on consent)."""
    answer = _call("PUT", f"/apps/{app_id}/gemeenten/{gemeente}", token)
    typer.echo(f"{app_id}: enabled in {', '.join(answer['app']['gemeenten'])}")


@app.command()
def disable(app_id: Annotated[str, typer.Argument(help="The app's id")], gemeente: Gemeente,
            token: TokenOption = None) -> None:  # fmt: skip
    """A municipality turns the app off: its residents leave the app's view at once."""
    answer = _call("DELETE", f"/apps/{app_id}/gemeenten/{gemeente}", token)
    left = ", ".join(answer["app"]["gemeenten"]) or "no municipality"
    typer.echo(f"{app_id}: disabled in {gemeente}; enabled in {left}")


@app.command()
def withdraw(app_id: Annotated[str, typer.Argument(help="The app's id")],
             token: TokenOption = None) -> None:  # fmt: skip
    """Withdraw a registered app as a whole: every view of it is deleted, its topic gets
    tombstones, the gateway refuses it. Registering its manifest again brings it back."""
    answer = _call("POST", f"/apps/{app_id}/intrekking", token)
    what = "withdrawn" if answer["events"] else "already withdrawn"
    typer.echo(f"{app_id}: {what}; its views are deleted and the gateway refuses it")


@app.command("list")
def list_apps(token: TokenOption = None) -> None:
    """The apps in the register: id, version, purposes, where enabled."""
    for found in _call("GET", "/apps", token):
        where = found.get("gemeenten")
        enabled = "all of its purposes' municipalities" if where is None else (
            ", ".join(where) or ("nowhere yet" if found["doelen"] else "withdrawn"))  # fmt: skip
        typer.echo(f"{found['appId']:24} {found.get('versie') or '-':8} "
                   f"doelen: {', '.join(found['doelen']) or '-'}; enabled: {enabled}")  # fmt: skip


def _call(method: str, path: str, token: str | None, body: dict[str, Any] | None = None) -> Any:
    settings = load_settings()
    if token is None:
        if settings.env is Environment.production:
            raise BronError("an operator token is required under production settings",
                            suggestion="pass --token or set BRON_APPS_TOKEN")  # fmt: skip
        token = issue(KeyPair(settings.data_dir / "keys"), subject="data-steward",
                      audience="bron:toestemming", roles=["operator"])  # fmt: skip
    url = settings.registry_base_url("toestemming")
    try:
        response = httpx.request(method, url + path, json=body, timeout=30,
                                 headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    except httpx.HTTPError as exc:
        raise BronError(f"the consent register at {url} is not reachable: {exc}",
                        suggestion="start the stack: bron up") from None  # fmt: skip
    if response.status_code >= 400:
        raise BronError(_problem(response), suggestion="nothing was changed")
    return response.json()


def _problem(response: httpx.Response) -> str:
    try:
        problem = response.json()
    except ValueError:
        return f"the consent register answered {response.status_code}"
    errors = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in problem.get("errors", []))
    return f"{problem.get('title', response.status_code)}: {problem.get('detail', '')}" + (
        f" ({errors})" if errors else "")  # fmt: skip
