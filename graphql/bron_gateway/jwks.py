"""Where the signing keys of a trusted issuer come from: its JWKS URL (PyJWKClient, cached), or
for development the installation's own key pair (data dir/keys), which the gateway also serves
at `/.well-known/jwks.json`."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from typing import Any, Protocol

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt import PyJWK, PyJWKClient, PyJWKClientError, PyJWKSet

from bron.http.auth import KeyPair


class KeyNotFound(Exception):
    pass


class KeySource(Protocol):
    async def key(self, kid: str | None) -> PyJWK:
        """The key that signed a token with this `kid`; KeyNotFound otherwise."""
        ...


def development_jwks(keys: KeyPair) -> dict[str, Any]:
    """The JWKS of the development key pair; `kid` is its RFC 7638 thumbprint."""
    public = serialization.load_pem_public_key(keys.public_pem)
    assert isinstance(public, rsa.RSAPublicKey)
    numbers = public.public_numbers()
    jwk = {"e": _b64(numbers.e), "kty": "RSA", "n": _b64(numbers.n)}
    thumbprint = hashlib.sha256(json.dumps(jwk, separators=(",", ":")).encode()).digest()
    kid = base64.urlsafe_b64encode(thumbprint).rstrip(b"=").decode()
    return {"keys": [{**jwk, "kid": kid, "use": "sig", "alg": "RS256"}]}


def _b64(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class StaticKeys:
    """A fixed key set (the development issuer): no network."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        self._set = PyJWKSet.from_dict(jwks)

    async def key(self, kid: str | None) -> PyJWK:
        return _pick(self._set.keys, kid)


class RemoteKeys:
    """An issuer's JWKS URL; fetched in a thread (PyJWKClient blocks) and cached."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self._client = PyJWKClient(url, cache_keys=True, lifespan=300, timeout=int(timeout))

    async def key(self, kid: str | None) -> PyJWK:
        try:
            keys = await asyncio.to_thread(self._client.get_signing_keys)
        except PyJWKClientError as exc:
            raise KeyNotFound(f"the issuer's keys could not be read: {exc}") from None
        return _pick(keys, kid)


def _pick(keys: list[PyJWK], kid: str | None) -> PyJWK:
    if kid is None:
        if len(keys) == 1:
            return keys[0]
        raise KeyNotFound("the token names no key (kid) and the issuer has several")
    for key in keys:
        if key.key_id == kid:
            return key
    raise KeyNotFound(f"the issuer has no key {kid!r}")
