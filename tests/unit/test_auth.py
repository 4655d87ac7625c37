"""Tokens: signed, short-lived, for one audience; roles and app identity travel in them."""

import time
from pathlib import Path

import jwt
import pytest

from bron.http.auth import ISSUER, KeyPair, issue, require_role, verify
from bron.http.problems import Problem


@pytest.fixture
def keys(tmp_path: Path) -> KeyPair:
    return KeyPair(tmp_path / "keys")


def test_an_operator_token_is_accepted_for_its_registry_only(keys: KeyPair) -> None:
    token = issue(keys, subject="operator-1", audience="bron:brp", roles=["operator"])
    principal = verify(keys, f"Bearer {token}", "bron:brp")
    assert require_role(principal, "operator").subject == "operator-1"
    with pytest.raises(Problem) as caught:
        verify(keys, f"Bearer {token}", "bron:bag")
    assert caught.value.status == 401


def test_an_app_token_carries_the_app_and_no_operator_role(keys: KeyPair) -> None:
    token = issue(keys, subject="client-parkeren", audience="bron:brp", app_id="parkeren")
    principal = verify(keys, f"Bearer {token}", "bron:brp")
    assert principal.app_id == "parkeren"
    with pytest.raises(Problem) as caught:
        require_role(principal, "operator")
    assert caught.value.status == 403


@pytest.mark.parametrize("header", [None, "", "Basic dXNlcjpwdw==", "Bearer not-a-jwt"])
def test_missing_or_malformed_credentials_are_401(keys: KeyPair, header: str | None) -> None:
    with pytest.raises(Problem) as caught:
        verify(keys, header, "bron:brp")
    assert caught.value.status == 401


def test_expired_foreign_and_too_long_lived_tokens_are_refused(
    keys: KeyPair, tmp_path: Path
) -> None:
    now = int(time.time())
    expired = jwt.encode(
        {"iss": ISSUER, "sub": "x", "aud": "bron:brp", "iat": now - 100, "exp": now - 10},
        keys.private_pem,
        algorithm="RS256",
    )
    other = KeyPair(tmp_path / "other")
    foreign = issue(other, subject="x", audience="bron:brp")
    eternal = jwt.encode(
        {"iss": ISSUER, "sub": "x", "aud": "bron:brp", "iat": now, "exp": now + 7 * 3600},
        keys.private_pem,
        algorithm="RS256",
    )
    for token, reason in ((expired, "expired"), (foreign, "Signature"), (eternal, "6 hours")):
        with pytest.raises(Problem) as caught:
            verify(keys, f"Bearer {token}", "bron:brp")
        assert reason in caught.value.detail


def test_the_signing_key_is_kept_private(keys: KeyPair) -> None:
    assert keys.private_file.stat().st_mode & 0o077 == 0
    assert KeyPair(keys.private_file.parent).public_pem == keys.public_pem, "reused, not renewed"
