"""Reading the BAG registry's public API from another registry (the BRP checks addresses, the
WOZ checks verblijfsobjecten): one connection pool and one short-lived token per reader.

When the BAG cannot answer, `BagUnavailable` is raised (a 503 for the caller), never "unknown":
the command can be retried, a wrong rejection cannot be taken back."""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol
from urllib.parse import quote

import httpx

from bron.errors import BronError
from bron.http.auth import KeyPair, issue

TOKEN_TTL = 300


class BagUnavailable(BronError):
    pass


class BagObjects(Protocol):
    def get(self, collection: str, identificatie: str) -> dict[str, Any] | None:
        """The object as the BAG's read API shows it (`/<collection>/<id>`), or None."""
        ...


class BagReader:
    def __init__(self, base_url: str, keys: KeyPair, caller: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.keys = keys
        self.caller = caller
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout)
        self._token = ""
        self._renew_at = 0.0
        self._lock = threading.Lock()

    def _authorization(self) -> str:
        with self._lock:
            if time.monotonic() >= self._renew_at:
                self._token = issue(self.keys, subject=self.caller, audience="bron:bag",
                                    ttl=TOKEN_TTL)  # fmt: skip
                self._renew_at = time.monotonic() + TOKEN_TTL / 2
            return f"Bearer {self._token}"

    def get(self, collection: str, identificatie: str) -> dict[str, Any] | None:
        """The object as the BAG shows it, or None when the BAG does not know it."""
        path = f"/{collection}/{quote(identificatie, safe='')}"
        try:
            response = self._http.get(path, headers={"Authorization": self._authorization()})
        except httpx.HTTPError as exc:
            raise BagUnavailable(
                f"the BAG at {self.base_url} did not answer: {exc}",
                suggestion="check that the BAG registry runs; then retry the command",
            ) from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise BagUnavailable(
                f"the BAG answered {response.status_code} for {path}",
                suggestion="check the BAG registry's log; then retry the command",
            )
        body: dict[str, Any] = response.json()
        return body

    def close(self) -> None:
        self._http.close()
