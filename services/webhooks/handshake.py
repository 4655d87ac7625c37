"""The validation handshake of the CloudEvents webhook spec ("abuse protection"): before a
subscription is stored, its URL must agree to receive deliveries from us, so that an app
cannot point Bron at a server that never asked for it.

Bron sends `OPTIONS <url>` with `WebHook-Request-Origin: <BRON_WEBHOOKS_ORIGIN>` (and no
`WebHook-Request-Rate`: Bron sends one request at a time per subscription, as fast as the
receiver answers); the receiver must answer 2xx with `WebHook-Allowed-Origin` set to that
origin or `*`. Redirects are not followed."""

from __future__ import annotations

import httpx

ORIGIN_HEADER = "WebHook-Request-Origin"
ALLOWED_HEADER = "WebHook-Allowed-Origin"


async def handshake(client: httpx.AsyncClient, url: str, origin: str) -> str | None:
    """None when the receiver agrees; else what went wrong and what it must answer."""
    expected = (
        f"answer OPTIONS with a 2xx status and the header `{ALLOWED_HEADER}: {origin}` (or `*`)"
    )
    try:
        response = await client.options(url, headers={ORIGIN_HEADER: origin})
    except httpx.TimeoutException:
        return f"the receiver did not answer the validation request in time; it must {expected}"
    except httpx.HTTPError as exc:
        return f"the receiver could not be reached ({type(exc).__name__}); it must {expected}"
    if not 200 <= response.status_code < 300:
        return f"the receiver answered HTTP {response.status_code}; it must {expected}"
    allowed = [v.strip() for v in response.headers.get(ALLOWED_HEADER, "").split(",")]
    if origin not in allowed and "*" not in allowed:
        return f"the receiver did not allow origin {origin!r}; it must {expected}"
    return None
