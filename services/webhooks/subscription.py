"""A webhook subscription and which notices it receives (pure).

Filters, all of which must hold:
- `doel`: the notice is for the subscription's purpose (one of the app's, checked at creation);
- `kinds`: the notice's kind is one of them; empty means every kind;
- `persoon_id`: the notice is about that person;
- `gemeenten`: the notice's data places the person in one of these gemeenten (the rule below);
- only records written after the subscription was created (no history on creation).

The gemeente rule. The gemeentecode of a notice is read from its data (the purpose's view), in
this order: `persoon.gemeenteVanInschrijving.code`, then the first four digits of
`persoon.verblijfplaats.nummeraanduidingIdentificatie`, of
`persoon.verblijfplaats.adresseerbaarObjectIdentificatie`, of `adres.identificatie`, of
`verblijfsobject.identificatie` (BAG ids lead with the gemeentecode of issue). When none of
these is in the data (the purpose does not show them, or the person left the purpose's scope:
`uit-beeld` carries no data), the filter cannot be evaluated and the notice does NOT match: a
gemeente filter never lets through a notice it cannot place. So a subscription with a gemeente
filter gets no `uit-beeld`; subscribe without one to hear of departures. A gemeente filter is
refused at creation for a purpose that shows none of these fields.

Status: a paused subscription still matches, its deliveries wait (`services.webhooks.sender`).

A withdrawn app's subscriptions end: they are deleted (`of_withdrawn_apps`,
`services.webhooks.withdrawal`), as when the receiver answers 410.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from bron.notices import Notice
from bron.policy import Doel, Policy, disallowed_fields

LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
MAX_URL = 2000
# (entity, path in the policy, path in the view, digits taken)
GEMEENTE_SOURCES: tuple[tuple[str, str, tuple[str, ...], int], ...] = (
    ("persoon", "gemeenteVanInschrijving", ("persoon", "gemeenteVanInschrijving", "code"), 4),
    (
        "persoon",
        "verblijfplaats.nummeraanduidingIdentificatie",
        ("persoon", "verblijfplaats", "nummeraanduidingIdentificatie"),
        4,
    ),
    (
        "persoon",
        "verblijfplaats.adresseerbaarObjectIdentificatie",
        ("persoon", "verblijfplaats", "adresseerbaarObjectIdentificatie"),
        4,
    ),
    ("adres", "identificatie", ("adres", "identificatie"), 4),
    ("verblijfsobject", "identificatie", ("verblijfsobject", "identificatie"), 4),
)


class Status(StrEnum):
    actief = "actief"
    gepauzeerd = "gepauzeerd"


@dataclass(frozen=True, slots=True)
class Subscription:
    id: str
    app_id: str
    doel_id: str
    url: str
    kinds: frozenset[str]
    gemeenten: frozenset[str]
    persoon_id: str | None
    volledig: bool
    status: Status
    secret: str
    created_at: float  # unix seconds


def gemeente(data: Mapping[str, Any] | None) -> str | None:
    """The gemeentecode the notice's data places the person in; None when it cannot tell."""
    if not data:
        return None
    for _entity, _policy_path, path, digits in GEMEENTE_SOURCES:
        value: Any = data
        for step in path:
            value = value.get(step) if isinstance(value, Mapping) else None
        if isinstance(value, str) and len(value) >= digits and value[:digits].isdigit():
            return value[:digits]
    return None


def matches(subscription: Subscription, notice: Notice, written_at: float | None = None) -> bool:
    """Does the notice go to this subscription? `written_at`: when its record was written
    (Kafka timestamp, unix seconds); records from before the subscription do not match."""
    if notice.app_id != subscription.app_id or notice.doel_id != subscription.doel_id:
        return False
    if written_at is not None and written_at < subscription.created_at:
        return False
    if subscription.kinds and notice.kind not in subscription.kinds:
        return False
    if subscription.persoon_id is not None and notice.persoon_id != subscription.persoon_id:
        return False
    return not subscription.gemeenten or gemeente(notice.data) in subscription.gemeenten


def of_withdrawn_apps(
    subscriptions: Iterable[Subscription], policy: Policy
) -> dict[str, list[str]]:
    """App id -> the ids of its subscriptions, for the apps the register says are withdrawn.
    An app the register does not name is left alone: a register read from the file (the store
    unreadable) lacks the apps of the app store, which are not withdrawn for it."""
    ended: dict[str, list[str]] = {}
    for sub in subscriptions:
        app = policy.app_by_id.get(sub.app_id)
        if app is not None and app.withdrawn:
            ended.setdefault(sub.app_id, []).append(sub.id)
    return ended


def gemeente_filter_possible(doel: Doel) -> bool:
    """Does the purpose show a field the gemeente rule reads?"""
    return any(
        not disallowed_fields(doel, entity, [path]) for entity, path, _, _ in GEMEENTE_SOURCES
    )


def url_problem(url: str, development: bool) -> str | None:
    """What is wrong with a callback URL, in words for the app's developer; None when fine.
    https only; plain http to the own machine in development."""
    if len(url) > MAX_URL:
        return f"longer than {MAX_URL} characters"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError:
        return "not a URL"
    if parts.username or parts.password:
        return "credentials in the URL are not allowed (receivers verify Bron-Signature)"
    if parts.fragment:
        return "a fragment (#...) is not allowed"
    if not host:
        return "needs a host, e.g. https://app.example.nl/bron"
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and development and host in LOCAL_HOSTS:
        return None
    if parts.scheme == "http" and host in LOCAL_HOSTS:
        return "plain http is allowed for localhost only in development (BRON_ENV=development)"
    return "must start with https://"
