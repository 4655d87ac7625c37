"""Who is calling: signed JWTs (RS256) for operators and apps.

Operators change a registry (`roles` holds `operator`, `aud` names the registry); apps read
with their app id and a purpose (doel) per request (header `X-Bron-Doel`). Tokens live at most
six hours (NL GOV OAuth profile). Locally Bron signs its own development tokens with a key
kept under the data directory; the gateway issue replaces this issuer with real OAuth clients.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bron.http.problems import Problem, unauthorized

ISSUER = "urn:bron:dev-issuer"
MAX_TTL = 6 * 3600
ALGORITHMS = ["RS256", "PS256"]


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    audience: str
    roles: frozenset[str]
    app_id: str | None


class KeyPair:
    def __init__(self, folder: Path) -> None:
        self.private_file = folder / "signing-key.pem"
        if not self.private_file.exists():
            folder.mkdir(parents=True, exist_ok=True)
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            self.private_file.touch(mode=0o600)
            self.private_file.write_bytes(pem)
        self.private_pem = self.private_file.read_bytes()
        private = serialization.load_pem_private_key(self.private_pem, password=None)
        self.public_pem = private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def issue(
    keys: KeyPair,
    *,
    subject: str,
    audience: str,
    roles: list[str] | None = None,
    app_id: str | None = None,
    ttl: int = 3600,
) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "sub": subject,
        "aud": audience,
        "azp": app_id or subject,
        "iat": now,
        "exp": now + min(ttl, MAX_TTL),
        "roles": roles or [],
    }
    if app_id:
        claims["app_id"] = app_id
    return jwt.encode(claims, keys.private_pem, algorithm="RS256")


def verify(keys: KeyPair, authorization: str | None, audience: str) -> Principal:
    """The caller, from an `Authorization: Bearer` header; a 401 problem otherwise."""
    if not authorization or not authorization.startswith("Bearer "):
        raise unauthorized("send `Authorization: Bearer <token>` (bron token --help)")
    try:
        claims = jwt.decode(
            authorization.removeprefix("Bearer ").strip(),
            keys.public_pem,
            algorithms=ALGORITHMS,
            audience=audience,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise unauthorized(f"the token is not accepted: {exc}") from None
    if int(claims["exp"]) - int(claims["iat"]) > MAX_TTL:
        raise unauthorized("the token lives longer than 6 hours")
    return Principal(
        subject=str(claims["sub"]),
        audience=audience,
        roles=frozenset(str(r) for r in claims.get("roles", [])),
        app_id=claims.get("app_id"),
    )


def require_role(principal: Principal, role: str) -> Principal:
    if role not in principal.roles:
        raise Problem(
            403,
            "forbidden/role",
            "Not allowed",
            f"this needs the role {role!r} for {principal.audience}",
        )
    return principal
