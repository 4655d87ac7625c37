"""The static cost of a query (`bron_gateway.cost`), counted on the gateway's own schema from
the parsed document: fields, pages, batches of BSNs, fragments, variables, introspection; and
the refusal while validating, before any resolver runs."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from bron_gateway.connection import DEFAULT_FIRST, MAX_FIRST
from bron_gateway.cost import query_cost
from bron_gateway.schema import build_schema

from graphql import get_introspection_query, parse

SCHEMA = build_schema(max_depth=8, max_aliases=20, max_tokens=10_000, introspection=True)
PERSOON = 'persoon(bsn: "999990019", doel: "bijstand")'
ZOEK = 'zoekPersonen(doel: "bijstand", geslachtsnaam: "Jansen", geboortedatum: "1980-05-17"'


def cost(query: str, **kwargs: Any) -> int:
    return query_cost(SCHEMA._schema, parse(query), max_bsns=100, **kwargs)


def test_each_field_costs_one() -> None:
    assert (
        cost(f"{{ {PERSOON} {{ burgerservicenummer naam {{ geslachtsnaam voornamen }} }} }}") == 5
    )
    assert cost(f"{{ a: {PERSOON} {{ burgerservicenummer }} b: {PERSOON} {{ aNummer }} }}") == 4


def test_a_page_counts_its_selection_once_per_item_asked() -> None:
    selection = "nodes { naam { geslachtsnaam } } pageInfo { hasNextPage }"  # 3 + 2 per item
    assert cost(f"{{ {ZOEK}, first: 10) {{ {selection} }} }}") == 1 + 10 * 5
    assert cost(f"{{ {ZOEK}) {{ {selection} }} }}") == 1 + DEFAULT_FIRST * 5
    assert cost(f"{{ {ZOEK}, first: null) {{ {selection} }} }}") == 1 + DEFAULT_FIRST * 5
    # Out of range: the resolver refuses it before any read; it counts as the nearest allowed.
    assert cost(f"{{ {ZOEK}, first: 1000) {{ {selection} }} }}") == 1 + MAX_FIRST * 5
    assert cost(f"{{ {ZOEK}, first: 0) {{ {selection} }} }}") == 1 + 1 * 5
    assert cost("{ mijnVerwerkingen(first: 3) { nodes { doelId } } }") == 1 + 3 * 2


def test_lists_that_are_no_page_count_once() -> None:
    # A person's partners are as many as the data has; a page's edges are its items already.
    assert cost(f"{{ {PERSOON} {{ partners {{ naam {{ geslachtsnaam }} }} }} }}") == 4
    assert cost(f"{{ {ZOEK}, first: 2) {{ edges {{ cursor node {{ aNummer }} }} }} }}") == 1 + 2 * 4


def test_page_size_from_variables_and_their_defaults() -> None:
    query = (f"query Zoek($n: Int) {{ {ZOEK}, first: $n) "
             "{ nodes { aNummer } } }")  # fmt: skip
    assert cost(query, variables={"n": 5}) == 1 + 5 * 2
    assert cost(query) == 1 + DEFAULT_FIRST * 2  # not given: null, the default page
    assert cost(query, variables={"n": "many"}) == 1 + MAX_FIRST * 2  # coercion refuses it
    with_default = query.replace("$n: Int", "$n: Int = 7")
    assert cost(with_default) == 1 + 7 * 2
    assert cost(with_default, variables={"n": 2}) == 1 + 2 * 2


def test_personen_counts_its_selection_once_per_bsn() -> None:
    bsns = json.dumps([f"{200000000 + i}" for i in range(100)])
    query = f'{{ personen(bsns: {bsns}, doel: "bijstand") {{ naam {{ geslachtsnaam }} }} }}'
    assert cost(query) == 1 + 100 * 2
    variable = ('query P($b: [String!]!) { personen(bsns: $b, doel: "bijstand") '
                "{ naam { geslachtsnaam } } }")  # fmt: skip
    assert cost(variable, variables={"b": ["999990019", "999990020", "999990032"]}) == 1 + 3 * 2
    assert cost(variable) == 1 + 100 * 2  # unknown: the most a call may ask
    over = json.dumps([f"{200000000 + i}" for i in range(150)])
    assert cost(query.replace(bsns, over)) == 1 + 100 * 2  # refused by the resolver anyway


def test_fragments_count_where_they_are_spread() -> None:
    fragment = "fragment N on Persoon { naam { geslachtsnaam voornamen } }"
    assert cost(f"{{ {PERSOON} {{ ...N }} }} {fragment}") == 1 + 3
    assert cost(f"{{ {PERSOON} {{ ...N aNummer }} {ZOEK}, first: 4) {{ nodes {{ ...N }} }} }} "
                f"{fragment}") == (1 + 3 + 1) + (1 + 4 * (1 + 3))  # fmt: skip
    nested = "fragment M on Persoon { ...N burgerservicenummer } " + fragment
    assert cost(f"{{ {PERSOON} {{ ...M }} }} {nested}") == 1 + 3 + 1


def test_a_fragment_cycle_is_counted_once_not_forever() -> None:
    # Validation refuses the cycle; the count must not rely on that.
    cyclic = (
        "fragment A on Persoon { aNummer ...B } fragment B on Persoon { geslacht { code } ...A }"
    )
    assert cost(f"{{ {PERSOON} {{ ...A }} }} {cyclic}") == 1 + 1 + 2


def test_inline_fragments_count_their_fields() -> None:
    assert cost(f"{{ {PERSOON} {{ ... on Persoon {{ aNummer naam {{ voornamen }} }} }} }}") == 4
    assert cost(f"{{ {ZOEK}, first: 2) {{ nodes {{ ... {{ aNummer }} }} }} }}") == 1 + 2 * 2


def test_introspection_is_cheap_and_typename_free() -> None:
    assert cost("{ __typename }") == 0
    assert cost(f"{{ __typename {PERSOON} {{ __typename aNummer }} }}") == 2
    assert cost(get_introspection_query(descriptions=True)) < 500  # GraphiQL's own query


def test_the_operation_that_runs_is_counted() -> None:
    document = (f"query Small {{ {PERSOON} {{ aNummer }} }} "
                f"query Large {{ {ZOEK}, first: 100) {{ nodes {{ aNummer }} }} }}")  # fmt: skip
    assert cost(document, operation_name="Small") == 2
    assert cost(document, operation_name="Large") == 1 + 100 * 2
    assert cost(document) == 1 + 100 * 2  # unnamed, it does not run: the costliest counts
    assert cost(document, operation_name="Other") == 0  # refused by GraphQL, nothing runs


@pytest.mark.parametrize("variables", [None, {"n": 100}])
def test_a_costly_query_is_refused_while_validating(variables: dict[str, Any] | None) -> None:
    small = build_schema(max_depth=8, max_aliases=20, max_tokens=10_000, introspection=True,
                         max_cost=50)  # fmt: skip
    head, first = ("query Q($n: Int)", "$n") if variables else ("", "100")
    query = f"{head} {{ {ZOEK}, first: {first}) {{ nodes {{ aNummer }} }} }}"
    # No context: nothing may need one, because nothing resolves.
    result = asyncio.run(small.execute(query, variable_values=variables))
    assert result.data is None
    [error] = result.errors or []
    assert error.extensions == {"code": "QUERY_TOO_COSTLY", "cost": 201, "maxCost": 50}
    assert "costs 201, more than the limit of 50" in error.message
    assert "ask for fewer items per page or fewer fields" in error.message
    cheap = asyncio.run(small.execute("{ __typename }"))
    assert cheap.errors is None
    assert cheap.data == {"__typename": "Query"}
