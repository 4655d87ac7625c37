"""`bron token …`: development tokens signed by this installation's key (data dir/keys)."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

import httpx
import typer

from bron.errors import BronError
from bron.http.auth import KeyPair, issue
from bron.policy import load_policy
from bron.settings import Environment, load_settings

app = typer.Typer(
    help="Issue development tokens (operators, apps, citizens).", no_args_is_help=True
)

Ttl = Annotated[int, typer.Option(help="Lifetime in seconds (at most 6 hours)")]


@app.callback()
def _development_only() -> None:
    """Refused under production settings: there, tokens come from the configured issuers
    (`BRON_GATEWAY_ISSUERS`), and the gateway trusts no development key."""
    if load_settings().env is Environment.production:
        raise BronError(
            "development tokens are disabled by production settings (BRON_ENV=production)",
            suggestion="get a token from your organisation's authorisation server",
        )


def _keys() -> KeyPair:
    return KeyPair(load_settings().data_dir / "keys")


@app.command()
def operator(
    registry: Annotated[str, typer.Argument(help="brp, bag, woz or toestemming")],
    name: Annotated[str, typer.Option(help="Who the operator is")] = "operator",
    ttl: Ttl = 3600,
) -> None:
    """A token that may change one registry."""
    typer.echo(issue(_keys(), subject=name, audience=f"bron:{registry}", roles=["operator"],
                     ttl=ttl))  # fmt: skip


@app.command("app")
def app_token(
    app_id: Annotated[
        str,
        typer.Argument(
            help="An app of policy/register.yaml or one "
            "registered from its manifest (bron apps register)"
        ),
    ],
    audience: Annotated[str, typer.Option(help="brp, bag, woz, toestemming or gateway")] = "brp",
    ttl: Ttl = 3600,
) -> None:
    """A token for an app in the register of apps and purposes."""
    policy = load_policy()
    if app_id not in policy.app_by_id and not _registered(app_id):
        known = ", ".join(policy.app_by_id)
        raise typer.BadParameter(f"unknown app {app_id!r}; apps of the register file: {known}; "
                                 "or register the app's manifest (bron apps register)")  # fmt: skip
    typer.echo(issue(_keys(), subject=f"client-{app_id}", audience=f"bron:{audience}",
                     app_id=app_id, ttl=ttl))  # fmt: skip


def _registered(app_id: str) -> bool:
    """Whether the running consent register knows the app (registered from a manifest)."""
    settings = load_settings()
    token = issue(_keys(), subject="bron-token", audience="bron:toestemming", roles=["operator"])
    try:
        response = httpx.get(f"{settings.registry_base_url('toestemming')}/apps/{app_id}",
                             headers={"Authorization": f"Bearer {token}"}, timeout=10)  # fmt: skip
    except httpx.HTTPError:
        return False
    return response.status_code == 200


@app.command()
def burger(
    persoon_id: Annotated[str, typer.Argument(help="The citizen's persoonId (a UUID, not a BSN)")],
    audience: Annotated[str, typer.Option(help="toestemming or gateway")] = "toestemming",
    ttl: Ttl = 900,
) -> None:
    """A token for a signed-in citizen, as the gateway issues after DigiD: their own data only."""
    try:
        uuid.UUID(persoon_id)
    except ValueError:
        raise typer.BadParameter(f"{persoon_id!r} is not a persoonId (a UUID)") from None
    typer.echo(issue(_keys(), subject=persoon_id, audience=f"bron:{audience}", roles=["burger"],
                     ttl=ttl))  # fmt: skip


@app.command()
def citizen(
    bsn: Annotated[str, typer.Argument(help="The citizen's BSN (burgerservicenummer)")],
    ttl: Ttl = 900,
) -> None:
    """A token for the gateway as the login broker (DigiD) gives one: role `burger`, the BSN as
    subject. The gateway maps the BSN to the person; the token is good for the citizen's own
    operations only (mijnGegevens, mijnToestemmingen, mijnVerwerkingen, ...)."""
    if not re.fullmatch(r"\d{9}", bsn):
        raise typer.BadParameter(f"{bsn!r} is not a BSN (9 digits)")
    typer.echo(issue(_keys(), subject=bsn, audience="bron:gateway", roles=["burger"], ttl=ttl))
