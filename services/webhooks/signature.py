"""Signed deliveries (pure): `Bron-Signature: t=<unix seconds>,v1=<hex>`, where v1 is
HMAC-SHA256 with the subscription's secret over `f"{ce-id}.{t}.".encode() + body`.

How a receiver verifies (this is what `verify` does, in any language):
1. Split the header on `,` into `key=value` pairs; take `t` and every `v1`.
2. Refuse when `t` is more than 5 minutes from your clock (a replayed request).
3. Compute HMAC-SHA256(secret, `<ce-id header>.<t>.` + the raw body bytes) as lower-case hex.
4. Accept when it equals one of the `v1` values, compared in constant time.
The id and the time are signed with the body, so a body cannot be moved under another event
id, and an old request cannot be sent again later. Deduplicate on `ce-id`: a notice may come
more than once (at-least-once), always with the same id."""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Bron-Signature"
TOLERANCE = 300


def _digest(secret: str, id: str, timestamp: int, body: bytes) -> str:
    message = f"{id}.{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, id: str, timestamp: int, body: bytes) -> str:
    """The value of the `Bron-Signature` header."""
    return f"t={timestamp},v1={_digest(secret, id, timestamp, body)}"


def verify(
    secret: str,
    header: str | None,
    id: str,
    body: bytes,
    now: float,
    tolerance: float = TOLERANCE,
) -> bool:
    """For receivers: is this delivery signed with `secret`, and recent?"""
    if not header:
        return False
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or abs(now - timestamp) > tolerance:
        return False
    expected = _digest(secret, id, timestamp, body)
    return any(hmac.compare_digest(expected, c) for c in candidates)
