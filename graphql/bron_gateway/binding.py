"""Certificate-bound access tokens (RFC 8705, the NL GOV OAuth profile's option): a token whose
`cnf.x5t#S256` names a client certificate is accepted only from a caller that presents that
certificate. TLS ends at the proxy in front of the gateway (uvicorn does not pass the peer's
certificate to the app), which forwards the verified client certificate, URL-encoded PEM, in a
header (`BRON_GATEWAY_CLIENT_CERT_HEADER`, e.g. nginx's `$ssl_client_escaped_cert`); the
gateway must then only be reachable through that proxy. `BRON_GATEWAY_REQUIRE_BOUND_TOKENS`
refuses tokens without the binding."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from collections.abc import Mapping
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from bron.http.problems import unauthorized


def thumbprint(certificate: str) -> str:
    """`x5t#S256` of a PEM certificate (URL-encoded or not): base64url of the SHA-256 of its
    DER, without padding."""
    pem = urllib.parse.unquote(certificate).encode()
    try:
        der = x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)
    except ValueError:
        raise unauthorized(
            "the client certificate the proxy passed is not a PEM certificate"
        ) from None
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()


def check_binding(claims: Mapping[str, Any], certificate: str | None, required: bool) -> None:
    """A 401 problem unless the token is unbound (and binding is not required), or bound to
    the certificate presented."""
    cnf = claims.get("cnf")
    bound = cnf.get("x5t#S256") if isinstance(cnf, Mapping) else None
    if bound is None:
        if required:
            raise unauthorized("tokens must be bound to the client certificate (cnf.x5t#S256, "
                               "RFC 8705); ask the authorisation server for one")  # fmt: skip
        return
    if not certificate:
        raise unauthorized("the token is bound to a client certificate (cnf.x5t#S256) and "
                           "none was presented; call over mutual TLS")  # fmt: skip
    if not hmac.compare_digest(thumbprint(certificate), str(bound)):
        raise unauthorized("the client certificate is not the one the token is bound to")
