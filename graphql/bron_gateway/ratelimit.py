"""Rate limits per app and operation: a token bucket for each (app id, or `burger` for every
signed-in citizen, and operation), refilled at `rate` tokens a second up to `burst`.

An operation is a root field: one HTTP request may carry several (`{ a: persoon(...)
b: persoon(...) }` takes two tokens of the app's `persoon` bucket, `{ persoon(...) adres(...) }`
one of each), so aliases cannot multiply what a request may do; fields GraphQL merges (the same
response key) run once and count once. A request takes all of its tokens or none. One that
needs more than the burst waits for a full bucket and empties it (it could never be served
otherwise). A request GraphQL refuses before anything runs takes no tokens: a body that does not
parse, is over the token or alias limit or names no operation that runs. Nor do root fields the
schema lacks (the request is invalid, and invented names must not create buckets).

The buckets are few (apps times root fields), and bounded anyway: at most `max_buckets`, the
least recently used dropped first. With far fewer keys than that, only a bucket long idle is
dropped, and one idle for `burst / rate` seconds is full again, as a new one would be."""

from __future__ import annotations

import json
import math
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from strawberry.extensions.max_aliases import count_fields_with_alias

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

Clock = Callable[[], float]
MAX_BUCKETS = 10_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float  # when `tokens` was counted


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request waits: the app, the operation whose bucket is shortest, and how long."""

    app: str
    operation: str
    retry_after: int  # whole seconds, at least 1
    rate: float
    burst: int


class RateLimiter:
    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Clock = time.monotonic,
        max_buckets: int = MAX_BUCKETS,
    ) -> None:
        if rate <= 0 or burst < 1 or max_buckets < 1:
            raise ValueError(f"rate {rate}, burst {burst}, max_buckets {max_buckets}: each > 0")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._max = max_buckets
        self._buckets: OrderedDict[tuple[str, str], _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, app: str, operations: Iterable[str]) -> Refusal | None:
        """Take one token for each operation, all of them or none; `None` when taken."""
        needed = {op: min(n, self.burst) for op, n in Counter(operations).items()}
        now = self._clock()
        buckets = {op: self._bucket(app, op, now) for op in needed}
        waits = {op: (n - buckets[op].tokens) / self.rate for op, n in needed.items()}
        op, wait = max(waits.items(), key=lambda item: item[1], default=("", 0.0))
        if wait > 0:
            return Refusal(app, op, max(1, math.ceil(wait)), self.rate, self.burst)
        for op, n in needed.items():
            buckets[op].tokens -= n
        return None

    def _bucket(self, app: str, operation: str, now: float) -> _Bucket:
        """The bucket, refilled up to now; a new one is full."""
        key = (app, operation)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
            while len(self._buckets) > self._max:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            elapsed = max(0.0, now - bucket.at)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
            bucket.at = now
        return bucket


def operations(
    body: bytes, known: Collection[str], *, max_tokens: int, max_aliases: int
) -> list[str] | None:
    """The root fields the request's operation runs, one per response key (aliases repeat a
    field), only those in `known`; `None` when GraphQL will refuse the body before anything
    runs: no single GraphQL request, no document that parses within `max_tokens`, more than
    `max_aliases` aliases (as `MaxAliasesLimiter` counts them), no operation that runs."""
    try:  # a nesting too deep for Python's recursion limit is refused, as by GraphQL
        request = json.loads(body)
        if not isinstance(request, dict) or not isinstance(request.get("query"), str):
            return None
        document = parse(request["query"], no_location=True, max_tokens=max_tokens)
        operation = _operation(document, request.get("operationName"))
        fragments = {d.name.value: d for d in document.definitions
                     if isinstance(d, FragmentDefinitionNode)}  # fmt: skip
        if operation is None or _aliases(document, fragments) > max_aliases:
            return None
        fields = dict(_root_fields(operation.selection_set, fragments, frozenset()))
    except (ValueError, GraphQLError, RecursionError):
        return None
    return [name for name in fields.values() if name in known]


def _aliases(document: DocumentNode, fragments: Mapping[str, FragmentDefinitionNode]) -> int:
    return sum(count_fields_with_alias(d, fragments) for d in document.definitions
               if isinstance(d, OperationDefinitionNode))  # fmt: skip


def _operation(document: DocumentNode, name: Any) -> OperationDefinitionNode | None:
    """The operation that runs, as GraphQL picks it; `None` when none would."""
    found = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return found[0] if len(found) == 1 else None
    named = [d for d in found if d.name is not None and d.name.value == name]
    return named[0] if len(named) == 1 else None


def _root_fields(
    selection_set: SelectionSetNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    expanding: frozenset[str],
) -> Iterator[tuple[str, str]]:
    """The response key and name of each field at the root, through fragments (a cycle is
    followed once)."""
    for node in selection_set.selections:
        if isinstance(node, FieldNode):
            yield (node.alias or node.name).value, node.name.value
        elif isinstance(node, InlineFragmentNode):
            yield from _root_fields(node.selection_set, fragments, expanding)
        elif isinstance(node, FragmentSpreadNode):
            name = node.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in expanding:
                yield from _root_fields(fragment.selection_set, fragments, expanding | {name})
