"""The register of apps and purposes the gateway checks against: as the policy events left it
in the projection store (so the gateway follows every policy change), cached for a few
seconds. Which purpose an app may call for, and which fields that purpose allows."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol

from bron.policy import App, Doel, Policy
from bron_gateway.errors import FieldsNotAllowed, PurposeNotAllowed
from bron_gateway.selection import Requested, refused


class PolicySource(Protocol):
    async def current(self) -> Policy: ...


class StorePolicy:
    """Read from the store (`ProjectionReader.policy`) at most once per `refresh` seconds."""

    def __init__(
        self,
        read: Callable[[], Policy],
        refresh: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._refresh = refresh
        self._clock = clock
        self._policy: Policy | None = None
        self._read_at = 0.0
        self._lock = asyncio.Lock()

    async def current(self) -> Policy:
        if self._policy is not None and self._clock() - self._read_at < self._refresh:
            return self._policy
        async with self._lock:
            if self._policy is None or self._clock() - self._read_at >= self._refresh:
                self._policy = await asyncio.to_thread(self._read)
                self._read_at = self._clock()
            return self._policy


class FixedPolicy:
    """A register that does not change (tests, or a gateway run from policy/register.yaml)."""

    def __init__(self, policy: Policy) -> None:
        self._policy = policy

    async def current(self) -> Policy:
        return self._policy


def purpose(policy: Policy, app: App, doel_id: str) -> Doel:
    """The purpose an app calls for, if it is one of the app's (as the register is now)."""
    if doel_id not in app.doelen or doel_id not in policy.doel_by_id:
        allowed = ", ".join(app.doelen) or "none"
        raise PurposeNotAllowed(
            f"app {app.id!r} has no purpose {doel_id!r}",
            suggestion=f"use one of the app's purposes: {allowed}",
        )
    return policy.doel_by_id[doel_id]


def check_fields(doel: Doel, asked: Requested) -> None:
    bad = refused(doel, asked)
    if bad:
        raise FieldsNotAllowed(doel.id, bad)
