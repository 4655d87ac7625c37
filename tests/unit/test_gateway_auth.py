"""Token checks that need no server: only asymmetric algorithms and at most 60 s of leeway can
be configured, and the development keys verify what `bron token app` issues."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import jwt
import pytest
from bron_gateway.auth import Authenticator
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
