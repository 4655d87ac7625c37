"""The consent register's HTTP API (`services.toestemming.api`) as the gateway calls it for a
signed-in citizen: with a short-lived `burger` token it signs itself for the citizen's
persoonId (audience `bron:toestemming`), so the register lets them act on their own consents
only. A refusal (problem+json) becomes `RegisterRefused`, naming the field and rule; no answer
becomes `RegisterUnavailable`."""

from __future__ import annotations

from typing import Any, cast

import httpx

from bron.http.auth import KeyPair, issue
from bron.http.trace import outgoing
from bron_gateway.errors import RegisterRefused, no_answer

AUDIENCE = "bron:toestemming"
BURGER = "burger"
Consent = dict[str, Any]


class ConsentRegister:
    def __init__(
        self,
        base_url: str,
        keys: KeyPair,
        *,
        token_ttl: int,
        timeout: float,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._keys = keys
        self._ttl = token_ttl
        self._client = httpx.AsyncClient(base_url=base_url, timeout=timeout, transport=transport)

    def _headers(self, persoon_id: str) -> dict[str, str]:
        token = issue(self._keys, subject=persoon_id, audience=AUDIENCE, roles=[BURGER],
                      ttl=self._ttl)  # fmt: skip
        return {"Authorization": f"Bearer {token}", **outgoing()}

    async def _call(
        self, method: str, path: str, persoon_id: str, body: dict[str, Any] | None = None
    ) -> Any:
        try:
            response = await self._client.request(
                method, path, json=body, headers=self._headers(persoon_id)
            )
        except httpx.HTTPError as exc:
            raise no_answer("the consent register", exc) from None
        if response.is_success:
            return response.json()
        raise refused(response)

    async def of_person(self, persoon_id: str) -> list[Consent]:
        """Every consent of the citizen, active or ended."""
        return cast(list[Consent], await self._call("GET", "/toestemmingen", persoon_id))

    async def get(self, persoon_id: str, toestemming_id: str) -> Consent:
        path = f"/toestemmingen/{toestemming_id}"
        return cast(Consent, await self._call("GET", path, persoon_id))

    async def grant(
        self, persoon_id: str, app_id: str, doel_id: str, geldig_tot: str | None
    ) -> Consent:
        body = {"persoonId": persoon_id, "appId": app_id, "doelId": doel_id,
                "geldigTot": geldig_tot}  # fmt: skip
        change = await self._call("POST", "/toestemmingen", persoon_id, body)
        return await self.get(persoon_id, str(change["toestemmingId"]))

    async def revoke(self, persoon_id: str, toestemming_id: str) -> Consent:
        path = f"/toestemmingen/{toestemming_id}/intrekking"
        await self._call("POST", path, persoon_id)
        return await self.get(persoon_id, toestemming_id)

    async def close(self) -> None:
        await self._client.aclose()


def refused(response: httpx.Response, register: str = "the consent register") -> RegisterRefused:
    """A register's problem+json as the gateway's error, with its fields and rules."""
    try:
        problem = response.json()
    except ValueError:
        problem = None
    if not isinstance(problem, dict):
        return RegisterRefused(response.status_code, response.reason_phrase, [], register)
    errors = [e for e in problem.get("errors") or [] if isinstance(e, dict)]
    detail = str(problem.get("detail") or problem.get("title") or response.reason_phrase)
    return RegisterRefused(response.status_code, detail, errors, register)
