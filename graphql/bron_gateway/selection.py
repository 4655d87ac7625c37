"""What a query asks of a person, as Haal Centraal dotted paths per entity, before anything is
read: `persoon { naam { voorletters } adres { postcode } }` asks `persoon`: naam.voorletters
and `adres`: postcode. Aliases do not matter (paths use field names); fragments are followed;
a field selected only for `__typename` counts as the whole field."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from bron.policy import Doel, disallowed_fields

# GraphQL fields of Persoon that are another entity of the policy (`velden.<entity>`).
ENTITY_FIELDS = {"adres": "adres", "verblijfsobject": "verblijfsobject", "wozObjecten": "wozObject"}
# ... and fields of those that are yet another (a verblijfsobject's panden: `velden.pand`).
NESTED_FIELDS = {"verblijfsobject": {"panden": "pand"}}
PERSOON = "persoon"

Requested = dict[str, list[str]]


def requested(selections: Sequence[Selection]) -> Requested:
    """Entity -> sorted leaf paths, from the selections on a Persoon."""
    found: dict[str, set[str]] = {}
    for field in _fields(selections):
        entity = ENTITY_FIELDS.get(field.name)
        if entity is not None:
            nested = NESTED_FIELDS.get(entity, {})
            own = [f for f in _fields(field.selections) if f.name not in nested]
            for sub in _fields(field.selections):
                if sub.name in nested:
                    leaves = _leaves(sub.selections, "") or {"*"}
                    found.setdefault(nested[sub.name], set()).update(leaves)
            if own or not any(f.name in nested for f in _fields(field.selections)):
                found.setdefault(entity, set()).update(_leaves(own, "") or {"*"})
        else:
            found.setdefault(PERSOON, set()).update(_leaves([field], ""))
    return {entity: sorted(paths) for entity, paths in found.items()}


def requested_of(entity: str, selections: Sequence[Selection]) -> Requested:
    """What a query asks of an object that is itself an entity of the policy (the `adres` or
    `wozObject` queries): its leaf paths, or `*` when it selects only `__typename`."""
    return {entity: sorted(_leaves(selections, "") or {"*"})}


def nodes_of(selections: Sequence[Selection]) -> list[Selection]:
    """The selections on the nodes of a connection: `nodes { … }` and `edges { node { … } }`,
    through fragments. `pageInfo` and `cursor` select no data of a person."""
    found: list[Selection] = []
    for field in _fields(selections):
        if field.name == "nodes":
            found += field.selections
        elif field.name == "edges":
            found += [s for f in _fields(field.selections) if f.name == "node"
                      for s in f.selections]  # fmt: skip
    return found


def refused(doel: Doel, asked: Requested) -> list[str]:
    """The asked paths the purpose does not allow, prefixed with their entity when it is not
    the person (`adres.postcode`). Asking for an entity's `*` means all of it."""
    out: list[str] = []
    for entity, paths in sorted(asked.items()):
        if entity != PERSOON and "*" in paths:
            bad = [] if doel.velden.get(entity) else ["*"]
        else:
            bad = disallowed_fields(doel, entity, paths)
        out += [p if entity == PERSOON else f"{entity}.{p}" for p in bad]
    return out


def read_paths(asked: Requested) -> list[str]:
    """The fields read, for the processing log: person paths as is, others prefixed."""
    return [
        p if entity == PERSOON else f"{entity}.{p}"
        for entity, paths in sorted(asked.items())
        for p in paths
    ]


def _fields(selections: Iterable[Selection]) -> Iterable[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name != "__typename":
                yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)


def _leaves(selections: Iterable[Selection], prefix: str) -> set[str]:
    paths: set[str] = set()
    for field in _fields(selections):
        path = f"{prefix}{field.name}"
        below = _leaves(field.selections, path + ".") if field.selections else set()
        paths |= below or {path}
    return paths
