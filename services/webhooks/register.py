"""The register of apps and purposes the webhook service checks against: as the stream workers
keep it in the projection store (so apps registered from their manifests, and every change to
the register, count without a restart), reread at most every `refresh` seconds; the register
file (`policy/register.yaml`) until the store holds one."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import structlog
from sqlalchemy.exc import SQLAlchemyError

from bron.policy import Policy

log = structlog.get_logger("bron.webhooks")

CurrentPolicy = Callable[[], Policy]


class StoredPolicy:
    def __init__(
        self,
        read: Callable[[], Policy],
        fallback: Policy,
        refresh: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._fallback = fallback
        self._refresh = refresh
        self._clock = clock
        self._policy: Policy | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> Policy:
        with self._lock:
            if self._policy is None or self._clock() - self._read_at >= self._refresh:
                self._policy = self._load()
                self._read_at = self._clock()
            return self._policy

    def _load(self) -> Policy:
        try:
            found = self._read()
        except (SQLAlchemyError, ValueError) as exc:  # no store yet, or one being rebuilt
            log.warning("webhooks.register_unreadable", error=type(exc).__name__)
            return self._policy or self._fallback
        return found if found.doelen else (self._policy or self._fallback)
