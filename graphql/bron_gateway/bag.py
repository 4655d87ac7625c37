"""The BAG registry's read API (`services.bag.api`), for what the projections do not hold: a
verblijfsobject's panden are read from the source with `fields` (only what the query asks),
not kept in the store. BAG data is public; the gateway signs its own short-lived token
(audience `bron:bag`). An unknown pand is None; no answer is `RegisterUnavailable`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any, cast

import httpx

from bron.http.auth import KeyPair, issue
from bron.http.trace import outgoing
from bron_gateway.errors import RegisterUnavailable, no_answer

Document = dict[str, Any]
AUDIENCE = "bron:bag"
SUBJECT = "bron-gateway"
TOKEN_TTL = 300


class BagReads:
    def __init__(
        self,
        base_url: str,
        keys: KeyPair,
        *,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._keys = keys
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)
        self._token = ""
        self._renew_at = 0.0
        self.calls = 0  # HTTP reads so far, for tests that bound them

    def _authorization(self) -> str:
        now = time.monotonic()
        if now >= self._renew_at:  # renewed well before it expires
            self._token = issue(self._keys, subject=SUBJECT, audience=AUDIENCE, ttl=TOKEN_TTL)
            self._renew_at = now + TOKEN_TTL / 2
        return f"Bearer {self._token}"

    async def panden(
        self, ids: Sequence[str], fields: Sequence[str]
    ) -> list[dict[str, Any] | None]:
        """Each pand with only `fields`, in the order of `ids` (concurrently)."""
        return list(await asyncio.gather(*(self._pand(i, fields) for i in ids)))

    async def _pand(self, id: str, fields: Sequence[str]) -> Document | None:
        self.calls += 1
        try:
            response = await self._client.get(
                f"/panden/{id}",
                params={"fields": ",".join(fields)},
                headers={"Authorization": self._authorization(), **outgoing()},
            )
        except httpx.HTTPError as exc:
            raise no_answer("the BAG registry", exc) from None
        if response.status_code == 404:
            return None
        if not response.is_success:
            raise RegisterUnavailable(
                f"the BAG registry answered {response.status_code} for a pand",
                suggestion="try again later; operators: see the BAG registry's log",
            )
        return cast(Document, response.json())

    async def close(self) -> None:
        await self._client.aclose()
