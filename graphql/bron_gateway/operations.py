"""What a GraphQL document asks, read from its text before it runs (pure): per operation and
root field the purpose (`doel`) and the entity field paths it selects, decided by the code the
resolvers run (`bron_gateway.selection`, `gebeurtenis_types.asked_of`) on selections converted
from the syntax tree the way strawberry converts them for `info.selected_fields`. The app
store's conformance check (`bron.apps.conformance`) uses it to tell an app which of its
operations a purpose would refuse, before the app is registered.

As at runtime: root fields are grouped by response key the way graphql-core groups them (one
resolver call per key, with the first field's arguments), through fragments and inline
fragments; below a root field every selection counts, `@skip` and `@include` too, as in
`info.selected_fields`. Where the runtime depends on variable values the result is a superset:
a root field under `@skip`/`@include` with a variable counts as run, and a `zoekPersonen`
argument given as a variable counts as given (both pairs, or neither: both criteria).

The document must validate against the schema first (`graphql.validate`): an undefined or
cyclic fragment is not looked for here."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

from strawberry.types.nodes import Selection, convert_selections

from bron_gateway.gebeurtenis_types import asked_of as asked_of_view
from bron_gateway.queries import BY_ADDRESS, BY_NAME
from bron_gateway.selection import Requested, nodes_of, requested, requested_of
from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    InlineFragmentNode,
    NullValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionNode,
    SelectionSetNode,
    StringValueNode,
    ValueNode,
)

ANONYMOUS = "(anonymous)"  # the name an anonymous operation is reported by (no GraphQL name)
AskedOf = Callable[[Sequence[Selection]], Requested]
Arguments = Mapping[str, ValueNode]
Info = GraphQLResolveInfo[Any]


@dataclass(frozen=True, slots=True)
class Root:
    """How the resolver of a root field checks a purpose: `asked_of` turns the field's
    selections into entity paths as the resolver does (None: it checks no purpose's fields),
    `criteria` the fields its search compares, from its arguments."""

    operation: OperationType
    asked_of: AskedOf | None = None
    criteria: Callable[[Arguments], Requested] | None = None
    citizen_only: bool = False


def _connection(selections: Sequence[Selection]) -> Requested:
    return requested(nodes_of(selections))


def _search(arguments: Arguments) -> Requested:
    """`zoekPersonen` searches by name when geslachtsnaam or geboortedatum is given, by
    address when postcode or huisnummer is; both or neither: the fields of both."""
    by_name = any(_given(arguments, a) for a in ("geslachtsnaam", "geboortedatum"))
    by_address = any(_given(arguments, a) for a in ("postcode", "huisnummer"))
    if by_name != by_address:
        return BY_NAME if by_name else BY_ADDRESS
    return merge(BY_NAME, BY_ADDRESS)


QUERY, MUTATION = OperationType.QUERY, OperationType.MUTATION
SUBSCRIPTION = OperationType.SUBSCRIPTION
_VIEW = Root(SUBSCRIPTION, asked_of_view)  # subscriptions.subscribe: gebeurtenis_types.asked_of
# Every root field of the gateway's schema (a unit test keeps it complete).
ROOTS: Mapping[str, Root] = {
    # queries for an app's purpose (resolve.allowed)
    "persoon": Root(QUERY, requested),
    "personen": Root(QUERY, requested),
    "zoekPersonen": Root(QUERY, _connection, _search),
    "bewoners": Root(QUERY, _connection, lambda _: BY_ADDRESS),
    "adres": Root(QUERY, lambda s: requested_of("adres", s)),
    "wozObject": Root(QUERY, lambda s: requested_of("wozObject", s)),
    # an app's webhooks: no personal data
    "webhookAbonnementen": Root(QUERY),
    "dodeBrieven": Root(QUERY),
    "webhookAanmaken": Root(MUTATION),
    "webhookPauzeren": Root(MUTATION),
    "webhookHervatten": Root(MUTATION),
    "webhookVerwijderen": Root(MUTATION),
    "dodeBriefOpnieuw": Root(MUTATION),
    # a signed-in citizen only (bron_gateway.burger)
    "mijnGegevens": Root(QUERY, citizen_only=True),
    "mijnToestemmingen": Root(QUERY, citizen_only=True),
    "mijnVerwerkingen": Root(QUERY, citizen_only=True),
    "verleenToestemming": Root(MUTATION, citizen_only=True),
    "trekToestemmingIn": Root(MUTATION, citizen_only=True),
    # subscriptions for an app's purpose (subscriptions.subscribe)
    "persoonGewijzigd": _VIEW,
    "adresGewijzigd": _VIEW,
    "wozWaardeVastgesteld": _VIEW,
    "toestemmingGewijzigd": _VIEW,
    "inBeeld": _VIEW,
    "uitBeeld": _VIEW,
}
INTROSPECTION = frozenset({"__typename", "__schema", "__type"})


@dataclass(frozen=True, slots=True)
class Asked:
    """One resolver call: an operation's root field (its response key) and what it asks.
    `doel`: the literal purpose; None for a variable or no `doel` argument. `personal`: the
    resolver checks `asked` and `criteria` against the purpose. `known`: the gateway has this
    root field for this kind of operation."""

    operation: str
    kind: str
    root: str
    key: str
    doel: str | None
    asked: Requested = field(default_factory=dict)
    criteria: Requested = field(default_factory=dict)
    citizen_only: bool = False
    personal: bool = False
    known: bool = True


def asked(document: DocumentNode) -> list[Asked]:
    """Per operation (in document order) and root field (by response key, in order), what it
    asks; the document must validate against the gateway's schema."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}  # fmt: skip
    info = cast(Info, _Static(fragments))
    found: list[Asked] = []
    for operation in document.definitions:
        if not isinstance(operation, OperationDefinitionNode):
            continue
        name = operation.name.value if operation.name else ANONYMOUS
        for key, nodes in _root_fields(operation.selection_set, fragments).items():
            found.append(_asked(info, name, operation.operation, key, nodes))
    return found


def operation_names(document: DocumentNode) -> list[str]:
    """The operations' names in document order (`ANONYMOUS` for one without)."""
    return [d.name.value if d.name else ANONYMOUS for d in document.definitions
            if isinstance(d, OperationDefinitionNode)]  # fmt: skip


def merge(*requests: Requested) -> Requested:
    """Entity -> sorted paths, the union of several."""
    found: dict[str, set[str]] = {}
    for request in requests:
        for entity, paths in request.items():
            found.setdefault(entity, set()).update(paths)
    return {entity: sorted(paths) for entity, paths in sorted(found.items())}


@dataclass(frozen=True, slots=True)
class _Static:
    """What `strawberry.types.nodes.convert_selections` reads of a GraphQLResolveInfo: the
    fragments and the variable values (arguments only, which decide no selection)."""

    fragments: Mapping[str, FragmentDefinitionNode]
    variable_values: Mapping[str, Any] = field(default_factory=dict)


def _asked(info: Info, name: str, kind: OperationType, key: str, nodes: list[FieldNode]) -> Asked:
    first = nodes[0]
    arguments = {a.name.value: a.value for a in first.arguments or ()}
    doel = arguments.get("doel")
    literal = doel.value if isinstance(doel, StringValueNode) else None
    root_name = first.name.value
    root = ROOTS.get(root_name)
    found = Asked(name, kind.value, root_name, key, literal)
    if root_name in INTROSPECTION:
        return found
    if root is None or root.operation is not kind:
        return replace(found, known=False)
    if root.asked_of is None:
        return replace(found, citizen_only=root.citizen_only)
    # resolve.allowed and subscriptions.subscribe: the selections of info.selected_fields
    selections = [s for f in convert_selections(info, nodes) for s in f.selections]
    criteria = root.criteria(arguments) if root.criteria else {}
    return replace(found, asked=root.asked_of(selections), criteria=criteria, personal=True)


def _root_fields(
    selection_set: SelectionSetNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> dict[str, list[FieldNode]]:
    """The root field nodes by response key, as graphql-core's `collect_fields` groups them
    (each fragment once); `@skip`/`@include` with a variable count as included."""
    grouped: dict[str, list[FieldNode]] = {}
    visited: set[str] = set()

    def visit(selections: Sequence[SelectionNode]) -> None:
        for selection in selections:
            if not _included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                grouped.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                visit(selection.selection_set.selections)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None and fragment.name.value not in visited:
                    visited.add(fragment.name.value)
                    visit(fragment.selection_set.selections)

    visit(selection_set.selections)
    return grouped


def _included(node: SelectionNode) -> bool:
    """False when a literal `@skip(if: true)` or `@include(if: false)` leaves it out."""
    for directive in node.directives or ():
        condition = next((a.value for a in directive.arguments or () if a.name.value == "if"),
                         None)  # fmt: skip
        if not isinstance(condition, BooleanValueNode):
            continue
        if directive.name.value == "skip" and condition.value:
            return False
        if directive.name.value == "include" and not condition.value:
            return False
    return True


def _given(arguments: Arguments, name: str) -> bool:
    """An argument given (a variable counts: its value is not known before the request)."""
    return name in arguments and not isinstance(arguments[name], NullValueNode)
