"""The schema as SDL, as committed in `docs/schema.graphql` (a test diffs the two)."""

from __future__ import annotations

from bron_gateway.schema import build_schema


def sdl() -> str:
    # The limits do not show in the SDL; introspection on, so the printed schema is complete.
    schema = build_schema(max_depth=8, max_aliases=20, max_tokens=2000, introspection=True)
    return schema.as_str() + "\n"
