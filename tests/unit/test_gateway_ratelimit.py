"""The token buckets of `bron_gateway.ratelimit` on a clock the test moves: burst, refill, a
bucket per app and per operation, all of a request's tokens or none, bounded memory; and the
operations (root fields) read from a request body."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from bron_gateway.ratelimit import RateLimiter, Refusal, operations


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def limiter(rate: float = 2.0, burst: int = 3, **kwargs: Any) -> tuple[RateLimiter, Clock]:
    clock = Clock()
    return RateLimiter(rate, burst, clock=clock, **kwargs), clock


def test_a_burst_is_served_then_the_next_waits() -> None:
    limits, _ = limiter(rate=2.0, burst=3)
    assert [limits.take("app", ["persoon"]) for _ in range(3)] == [None, None, None]
    refusal = limits.take("app", ["persoon"])
    assert refusal == Refusal("app", "persoon", retry_after=1, rate=2.0, burst=3)


def test_tokens_refill_at_the_rate_up_to_the_burst() -> None:
    limits, clock = limiter(rate=2.0, burst=3)
    for _ in range(3):
        assert limits.take("app", ["persoon"]) is None
    clock.now += 0.25
    assert limits.take("app", ["persoon"]) is not None  # half a token
    clock.now += 0.25
    assert limits.take("app", ["persoon"]) is None
    assert limits.take("app", ["persoon"]) is not None
    clock.now += 3600  # idle for an hour: full, not more
    assert [limits.take("app", ["persoon"]) is None for _ in range(4)] == [True] * 3 + [False]


def test_retry_after_is_whole_seconds_and_at_least_one() -> None:
    limits, clock = limiter(rate=0.1, burst=1)
    assert limits.take("app", ["adres"]) is None
    refusal = limits.take("app", ["adres"])
    assert refusal is not None
    assert refusal.retry_after == 10
    clock.now += 9.5
    refusal = limits.take("app", ["adres"])
    assert refusal is not None
    assert refusal.retry_after == 1  # 0.5 s rounds up
    clock.now += 0.5
    assert limits.take("app", ["adres"]) is None


def test_each_app_and_each_operation_has_a_bucket_of_its_own() -> None:
    limits, _ = limiter(rate=1.0, burst=1)
    assert limits.take("parkeren", ["persoon"]) is None
    assert limits.take("parkeren", ["persoon"]) is not None
    assert limits.take("afvalpas", ["persoon"]) is None
    assert limits.take("parkeren", ["adres"]) is None
    assert limits.take("burger", ["mijnGegevens"]) is None
    assert len(limits) == 4


def test_every_root_field_is_an_operation_and_a_request_takes_all_or_none() -> None:
    limits, _ = limiter(rate=1.0, burst=3)
    assert limits.take("app", ["persoon", "persoon"]) is None  # two aliases: two tokens
    refusal = limits.take("app", ["adres", "persoon", "persoon"])
    assert refusal is not None
    assert refusal.operation == "persoon"
    # Refused: the adres bucket kept its tokens.
    assert [limits.take("app", ["adres"]) is None for _ in range(4)] == [True] * 3 + [False]
    assert limits.take("app", ["persoon"]) is None  # the one token persoon had left


def test_a_request_over_the_burst_waits_for_a_full_bucket_and_empties_it() -> None:
    limits, clock = limiter(rate=1.0, burst=3)
    assert limits.take("app", ["persoon"] * 5) is None
    refusal = limits.take("app", ["persoon"] * 5)
    assert refusal is not None
    assert refusal.retry_after == 3
    clock.now += 3
    assert limits.take("app", ["persoon"] * 5) is None


def test_nothing_asked_takes_nothing() -> None:
    limits, _ = limiter(rate=1.0, burst=1)
    assert limits.take("app", []) is None
    assert len(limits) == 0


def test_at_most_max_buckets_are_kept_the_least_recently_used_dropped() -> None:
    limits, _ = limiter(rate=1.0, burst=1, max_buckets=2)
    assert limits.take("a", ["persoon"]) is None
    assert limits.take("b", ["persoon"]) is None
    assert limits.take("a", ["persoon"]) is not None  # a is now the most recently used
    assert limits.take("c", ["persoon"]) is None  # drops b
    assert len(limits) == 2
    assert limits.take("a", ["persoon"]) is not None  # kept, still empty
    assert limits.take("b", ["persoon"]) is None  # dropped: a new, full bucket


def test_many_keys_stay_bounded() -> None:
    limits, _ = limiter(rate=1.0, burst=1)
    for n in range(10_050):
        limits.take(f"app-{n}", ["persoon"])
    assert len(limits) == 10_000


@pytest.mark.parametrize(
    ("rate", "burst", "max_buckets"), [(0.0, 1, 10), (-1.0, 1, 10), (1.0, 0, 10), (1.0, 1, 0)]
)
def test_a_limiter_that_could_serve_nothing_is_refused(
    rate: float, burst: int, max_buckets: int
) -> None:
    with pytest.raises(ValueError, match="each > 0"):
        RateLimiter(rate, burst, max_buckets=max_buckets)


# -- operations of a request -----------------------------------------------------------------

KNOWN = frozenset({"persoon", "personen", "adres", "__typename"})


def body(query: str, **extra: Any) -> bytes:
    return json.dumps({"query": query, **extra}).encode()


def test_each_root_field_is_one_operation_aliases_included() -> None:
    query = '{ a: persoon(bsn: "1", doel: "d") { x } b: persoon(bsn: "2") { x } adres { y } }'
    assert operations(body(query), KNOWN, max_tokens=1000, max_aliases=5) == [
        "persoon",
        "persoon",
        "adres",
    ]


def test_fields_graphql_merges_run_once_and_count_once() -> None:
    query = "{ persoon { x } persoon { y } ...R } fragment R on Query { persoon { z } }"
    assert operations(body(query), KNOWN, max_tokens=1000, max_aliases=5) == ["persoon"]


def test_a_request_over_the_alias_limit_counts_nothing() -> None:
    # GraphQL refuses it before anything runs (the alias limit counts through fragments).
    query = "{ ...R } fragment R on Query { " + " ".join(f"a{n}: __typename" for n in range(6))
    assert operations(body(query + " }"), KNOWN, max_tokens=1000, max_aliases=5) is None
    assert (
        operations(body(query + " }"), KNOWN, max_tokens=1000, max_aliases=6) == ["__typename"] * 6
    )


def test_root_fields_are_found_through_fragments() -> None:
    query = (
        "query { ...R ... on Query { adres { y } } } "
        "fragment R on Query { persoon { x } ...S } "
        "fragment S on Query { personen { x } ...R }"  # a cycle: refused, followed once here
    )
    assert operations(body(query), KNOWN, max_tokens=1000, max_aliases=5) == [
        "persoon",
        "personen",
        "adres",
    ]


def test_unknown_root_fields_count_nothing() -> None:
    # GraphQL refuses them before anything runs; invented names must create no buckets.
    assert operations(body("{ x1 x2 persoon { x } }"), KNOWN, max_tokens=1000, max_aliases=5) == [
        "persoon"
    ]


def test_the_operation_that_runs_is_read() -> None:
    query = "query A { persoon { x } } query B { adres { y } __typename }"
    assert operations(body(query, operationName="B"), KNOWN, max_tokens=1000, max_aliases=5) == [
        "adres",
        "__typename",
    ]
    assert operations(body(query), KNOWN, max_tokens=1000, max_aliases=5) is None  # which one runs?
    assert operations(body(query, operationName="C"), KNOWN, max_tokens=1000, max_aliases=5) is None


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[]",
        json.dumps([{"query": "{ persoon { x } }"}]).encode(),  # a batch: not served
        json.dumps({"query": 12}).encode(),
        body("{ persoon { x "),
        b"[" * 50_000 + b"]" * 50_000,  # deeper than Python recurses
        body(
            "{ ...F0 } "
            + " ".join(f"fragment F{n} on Query {{ ...F{n + 1} }}" for n in range(5000))
            + " fragment F5000 on Query { adres }"
        ),
    ],
)
def test_a_body_that_is_no_graphql_request_counts_nothing(raw: bytes) -> None:
    assert operations(raw, KNOWN, max_tokens=200_000, max_aliases=5) is None


def test_a_body_over_the_token_limit_counts_nothing() -> None:
    query = "{ " + "persoon { x } " * 100 + "}"
    assert operations(body(query), KNOWN, max_tokens=200, max_aliases=5) is None
    assert operations(body(query), KNOWN, max_tokens=500, max_aliases=5) == ["persoon"]
