"""Browser origins (CORS), pure: what an app registers (`App.origins` in
`policy/register.yaml`) and what the gateway accepts from citizens' portals
(`BRON_GATEWAY_CITIZEN_ORIGINS`). An origin is compared as the exact string a browser sends
in `Origin`, so it must be written that way: `https://host[:port]`, lowercase, without the
default port, without path or trailing slash; http only for a local development server
(localhost, 127.0.0.1); never a wildcard."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

LOCAL_HOSTS = ("localhost", "127.0.0.1")
_HOST = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*$")
_SHAPE = "an origin is scheme://host[:port], e.g. https://parkeren.example.nl"


def origin_problem(origin: str) -> str | None:
    """What is wrong with an origin as registered, to follow `origin 'x' `; None if nothing."""
    if "*" in origin:
        return "is a wildcard; list every origin itself"
    if origin != origin.strip() or not origin.isascii() or " " in origin:
        return "has spaces or non-ASCII characters (write an IDN host in punycode)"
    if origin != origin.lower():
        return f"is not lowercase; a browser sends {origin.lower()!r}"
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError as exc:
        return f"is not an origin ({exc}); {_SHAPE}"
    if parts.scheme not in ("https", "http"):
        return f"is not an https origin; {_SHAPE}"
    if parts.path or parts.query or parts.fragment or origin.endswith(("?", "#")):
        return f"has a path, query or trailing slash; {_SHAPE}"
    host = parts.hostname or ""
    netloc = host if port is None else f"{host}:{port}"
    if parts.netloc != netloc or not _HOST.match(host) or port == 0:
        return f"has no valid host and port; {_SHAPE}"
    if parts.scheme == "http" and host not in LOCAL_HOSTS:
        return (
            "uses http, which only a local development server (localhost, 127.0.0.1) may; use https"
        )
    if port == (443 if parts.scheme == "https" else 80):
        return f"names the default port; a browser sends {parts.scheme}://{host}"
    return None


def invalid_origins(origins: tuple[str, ...]) -> str | None:
    """The first problem of a list of origins, as `origin 'x' <problem>`; None if none."""
    for origin in origins:
        problem = origin_problem(origin)
        if problem:
            return f"origin {origin!r} {problem}"
        if origins.count(origin) > 1:
            return f"origin {origin!r} is listed twice"
    return None
