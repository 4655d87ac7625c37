"""Token checks that need no server: only asymmetric algorithms and at most 60 s of leeway can
be configured, and the development keys verify what `bron token app` issues."""

from __future__ import annotations

import asyncio
import time
import urllib.parse
from pathlib import Path

import jwt
import pytest
from bron_gateway.auth import Authenticator
from bron_gateway.binding import thumbprint
from bron_gateway.jwks import StaticKeys, development_jwks
from bron_gateway.trace import trace_from

from bron.errors import SettingsError
from bron.http.auth import ISSUER, KeyPair, issue
from bron.http.problems import Problem
from bron.settings import load_settings


@pytest.mark.parametrize(
    ("name", "value"),
    [("gateway_algorithms", ["HS256"]), ("gateway_algorithms", ["none"]),
     ("gateway_algorithms", []), ("gateway_leeway", 61)],
)  # fmt: skip
def test_unsafe_token_settings_are_refused(name: str, value: object) -> None:
    with pytest.raises(SettingsError):
        load_settings(**{name: value})


def test_the_authenticator_refuses_symmetric_algorithms_and_long_leeway() -> None:
    with pytest.raises(ValueError, match="asymmetric"):
        Authenticator({}, "bron:gateway", ["RS256", "HS256"], 0)
    with pytest.raises(ValueError, match="60"):
        Authenticator({}, "bron:gateway", ["RS256"], 120)


def _authenticator(keys: KeyPair) -> Authenticator:
    return Authenticator({ISSUER: StaticKeys(development_jwks(keys))}, "bron:gateway",
                         ["RS256", "PS256", "ES256"], 30)  # fmt: skip


def test_a_development_app_token_is_accepted(tmp_path: Path) -> None:
    keys = KeyPair(tmp_path)
    token = issue(keys, subject="client-parkeren", audience="bron:gateway", app_id="parkeren")
    caller = asyncio.run(_authenticator(keys).authenticate(f"Bearer {token}"))
    assert (caller.app_id, caller.subject, caller.issuer) == ("parkeren", "client-parkeren", ISSUER)


def test_nbf_within_the_leeway_is_accepted_beyond_it_refused(tmp_path: Path) -> None:
    keys = KeyPair(tmp_path)
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "bron:gateway", "exp": now + 600, "client_id": "parkeren"}
    soon = jwt.encode({**claims, "nbf": now + 10}, keys.private_pem, algorithm="RS256")
    later = jwt.encode({**claims, "nbf": now + 120}, keys.private_pem, algorithm="RS256")
    assert asyncio.run(_authenticator(keys).authenticate(f"Bearer {soon}")).app_id == "parkeren"
    with pytest.raises(Problem) as refused:
        asyncio.run(_authenticator(keys).authenticate(f"Bearer {later}"))
    assert refused.value.status == 401


def test_a_traceparent_is_continued_and_a_bad_one_replaced() -> None:
    parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    trace = trace_from(parent)
    assert trace.trace_id == "0af7651916cd43dd8448eb211c80319c"
    assert trace.parent_id == "b7ad6b7169203331"
    assert trace.span_id != trace.parent_id
    for bad in (None, "garbage", "00-" + "0" * 32 + "-b7ad6b7169203331-01"):
        fresh = trace_from(bad)
        assert len(fresh.trace_id) == 32
        assert fresh.trace_id != "0" * 32
        assert fresh.parent_id is None


# -- certificate-bound tokens (RFC 8705) ------------------------------------------------------


def _certificate(name: str) -> str:
    """A self-signed client certificate, PEM."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))  # fmt: skip
    return cert.public_bytes(Encoding.PEM).decode()


def _bound(keys: KeyPair, certificate: str | None) -> str:
    now = int(time.time())
    claims: dict[str, object] = {"iss": ISSUER, "aud": "bron:gateway", "exp": now + 600,
                                 "client_id": "parkeren"}  # fmt: skip
    if certificate is not None:
        claims["cnf"] = {"x5t#S256": thumbprint(certificate)}
    return jwt.encode(claims, keys.private_pem, algorithm="RS256")


def _status(authenticator: Authenticator, token: str, certificate: str | None) -> int:
    try:
        asyncio.run(authenticator.authenticate(f"Bearer {token}", certificate))
    except Problem as problem:
        return problem.status
    return 200


def test_a_bound_token_is_accepted_only_with_its_certificate(tmp_path: Path) -> None:
    keys = KeyPair(tmp_path)
    mine, other = _certificate("parkeren"), _certificate("iemand anders")
    authenticator = _authenticator(keys)
    token = _bound(keys, mine)
    assert _status(authenticator, token, mine) == 200
    assert _status(authenticator, token, urllib.parse.quote(mine)) == 200  # as nginx escapes it
    assert _status(authenticator, token, other) == 401
    assert _status(authenticator, token, None) == 401
    assert _status(authenticator, token, "not a certificate") == 401
    assert _status(authenticator, _bound(keys, None), None) == 200  # unbound: optional


def test_binding_can_be_required(tmp_path: Path) -> None:
    keys = KeyPair(tmp_path)
    strict = Authenticator({ISSUER: StaticKeys(development_jwks(keys))}, "bron:gateway",
                           ["RS256"], 30, require_binding=True)  # fmt: skip
    mine = _certificate("parkeren")
    assert _status(strict, _bound(keys, None), mine) == 401
    assert _status(strict, _bound(keys, mine), mine) == 200
