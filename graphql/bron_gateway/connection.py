"""Cursor pagination (Relay connections) for every list the gateway returns: `first` (at most
`MAX_FIRST`) and `after`, a cursor as opaque as it looks. A cursor is the position in the
list, base64-encoded: it never carries a persoonId (the store's internal id), so the pages
are those of the list as it is when each page is asked for."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import strawberry

from bron_gateway.errors import InvalidArgument
from bron_gateway.persoon_types import Persoon

DEFAULT_FIRST = 20
MAX_FIRST = 100
_PREFIX = "bron:"


@strawberry.type
class PageInfo:
    hasNextPage: bool
    hasPreviousPage: bool
    startCursor: str | None
    endCursor: str | None


@strawberry.type
class PersoonEdge:
    cursor: str
    node: Persoon


@strawberry.type(
    description="A page of persons, in a stable order; only those the purpose may see."
)
class PersoonConnection:
    edges: list[PersoonEdge]
    nodes: list[Persoon]
    pageInfo: PageInfo


@dataclass(frozen=True, slots=True)
class Page:
    """Which part of a list is asked: skip `offset`, take `first`."""

    offset: int
    first: int

    @property
    def fetch(self) -> int:
        """One more than asked, to know whether there is a next page."""
        return self.first + 1


def cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{position}".encode()).decode()


def page(first: int | None, after: str | None) -> Page:
    """The page asked for, or InvalidArgument (before anything is read)."""
    size = DEFAULT_FIRST if first is None else first
    if not 1 <= size <= MAX_FIRST:
        raise InvalidArgument(f"first must be 1 to {MAX_FIRST}, not {size}",
                              suggestion="ask for a smaller page")  # fmt: skip
    if after is None:
        return Page(0, size)
    try:
        text = base64.urlsafe_b64decode(after.encode()).decode()
        position = int(text.removeprefix(_PREFIX)) if text.startswith(_PREFIX) else -1
    except (binascii.Error, UnicodeError, ValueError):
        position = -1
    if position < 0:
        raise InvalidArgument("after is not a cursor of this list",
                              suggestion="pass a cursor the gateway returned")  # fmt: skip
    return Page(position + 1, size)


def connection(found: Sequence[dict[str, Any]], asked: Page, more: bool) -> PersoonConnection:
    """The connection of one page of person documents (`more`: a next page exists)."""
    nodes = [cast(Persoon, doc) for doc in found]
    edges = [PersoonEdge(cursor=cursor(asked.offset + n), node=node)
             for n, node in enumerate(nodes)]  # fmt: skip
    info = PageInfo(
        hasNextPage=more,
        hasPreviousPage=asked.offset > 0,
        startCursor=edges[0].cursor if edges else None,
        endCursor=edges[-1].cursor if edges else None,
    )
    return PersoonConnection(edges=edges, nodes=nodes, pageInfo=info)
