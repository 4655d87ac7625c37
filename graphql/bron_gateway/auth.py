"""Who is calling: a Bearer JWT from the `Authorization` header, nothing else (NL GOV OAuth
profile). Checked with PyJWT against the keys of a configured issuer: the algorithm must be one
of the configured asymmetric ones (never `none`, never HS*), `iss`, `aud` and `exp` are
required, `nbf` is honoured, with at most 60 s of leeway, and a token lives at most six hours.
The app is the token's `app_id` claim, else `client_id`, else `azp`.

A citizen's token (the login broker's, DigiD; here `bron token citizen <bsn>`) has the role
`burger` and their BSN as subject, and names no app: it is good for the citizen's own
operations only (`mijnGegevens`, ...), and an app's token never is (`bron_gateway.burger`)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from bron.errors import SettingsError
from bron.http.auth import ISSUER as DEVELOPMENT_ISSUER
from bron.http.auth import MAX_TTL, KeyPair
from bron.http.problems import forbidden, unauthorized
from bron.policy import App, Policy
from bron.settings import Environment, Settings
from bron_gateway.binding import check_binding
from bron_gateway.jwks import KeyNotFound, KeySource, RemoteKeys, StaticKeys, development_jwks

MAX_LEEWAY = 60.0
APP_CLAIMS = ("app_id", "client_id", "azp")
BURGER = "burger"
_BSN = re.compile(r"^\d{9}$")


@dataclass(frozen=True, slots=True)
class Caller:
    """An app (`app_id`), or a signed-in citizen (`citizen`; `subject` is their BSN and
    `app_id` is empty)."""

    issuer: str
    subject: str
    app_id: str
    citizen: bool = False


class Authenticator:
    def __init__(
        self,
        issuers: Mapping[str, KeySource],
        audience: str,
        algorithms: Sequence[str],
        leeway: float,
        *,
        certificate_header: str | None = None,
        require_binding: bool = False,
    ) -> None:
        unsafe = [a for a in algorithms if a == "none" or a.upper().startswith("HS")]
        if unsafe or not algorithms:
            raise ValueError(f"algorithms {list(algorithms)} must be asymmetric (RS/PS/ES)")
        if not 0 <= leeway <= MAX_LEEWAY:
            raise ValueError(f"leeway {leeway} s is more than {MAX_LEEWAY} s")
        self._issuers = dict(issuers)
        self._audience = audience
        self._algorithms = list(algorithms)
        self._leeway = leeway
        self.certificate_header = certificate_header  # where the proxy puts the client's cert
        self._require_binding = require_binding

    async def authenticate(
        self, authorization: str | None, certificate: str | None = None
    ) -> Caller:
        """The caller, or a 401 problem that says why. `certificate`: the client certificate
        the proxy passed (`bron_gateway.binding`), for certificate-bound tokens."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized("send `Authorization: Bearer <token>`")
        token = token.strip()
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise unauthorized("the token is not a JWT") from None
        algorithm = header.get("alg")
        if algorithm not in self._algorithms:
            raise unauthorized(f"the algorithm {algorithm!r} is not accepted")
        issuer = unverified.get("iss")
        source = self._issuers.get(issuer) if isinstance(issuer, str) else None
        if source is None or not isinstance(issuer, str):
            raise unauthorized("the token's issuer (iss) is not trusted")
        try:
            key = await source.key(header.get("kid"))
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[algorithm],
                audience=self._audience,
                issuer=issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except KeyNotFound as exc:
            raise unauthorized(str(exc)) from None
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise unauthorized(f"the token is not accepted: {exc}") from None
        if "iat" in claims and int(claims["exp"]) - int(claims["iat"]) > MAX_TTL:
            raise unauthorized("the token lives longer than 6 hours")
        check_binding(claims, certificate, self._require_binding)
        roles = claims.get("roles")
        if isinstance(roles, list) and BURGER in roles:
            return _citizen(issuer, claims)
        app_id = next((claims[c] for c in APP_CLAIMS if isinstance(claims.get(c), str)), None)
        if app_id is None:
            raise forbidden("the token names no app (app_id, client_id or azp)")
        return Caller(issuer=issuer, subject=str(claims.get("sub", app_id)), app_id=app_id)


def _citizen(issuer: str, claims: Mapping[str, Any]) -> Caller:
    if any(isinstance(claims.get(c), str) for c in ("app_id", "client_id")):
        raise unauthorized("a token is an app's or a citizen's (role burger), never both")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not _BSN.match(subject):
        raise unauthorized("a citizen's token names their BSN (9 digits) as subject (sub)")
    return Caller(issuer=issuer, subject=subject, app_id="", citizen=True)


def app_of(caller: Caller, policy: Policy) -> App:
    """The caller's app in the register, or a 403 problem."""
    app = policy.app_by_id.get(caller.app_id)
    if app is None:
        raise forbidden(f"app {caller.app_id!r} is not in the register of apps and purposes")
    return app


def development_keys(settings: Settings) -> KeyPair:
    return KeyPair(settings.data_dir / "keys")


def authenticator(settings: Settings) -> Authenticator:
    """From the settings: the configured issuers, or (not in production) the development one."""
    sources: dict[str, KeySource] = {
        iss: RemoteKeys(url) for iss, url in settings.gateway_issuers.items()
    }
    if not sources:
        if settings.env is Environment.production:
            raise SettingsError(
                "in production the gateway trusts no development tokens",
                suggestion='set BRON_GATEWAY_ISSUERS to {"<iss>": "<JWKS URL>", ...}',
            )
        sources[DEVELOPMENT_ISSUER] = StaticKeys(development_jwks(development_keys(settings)))
    return Authenticator(
        sources,
        settings.gateway_audience,
        settings.gateway_algorithms,
        settings.gateway_leeway,
        certificate_header=settings.gateway_client_cert_header,
        require_binding=settings.gateway_require_bound_tokens,
    )
