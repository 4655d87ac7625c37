"""The static cost of a query, computed from its document while it is validated, so a query
too costly is refused before anything resolves or is read (as the depth and alias limits are).

Each field costs 1. A field that returns a page or a batch costs its selection once for each
item it may return: a field with a `first` argument (a connection) by `first` (left out:
`DEFAULT_FIRST`, at most `MAX_FIRST`), a field with a `bsns` argument (`personen`) by the
number of BSNs (at most `max_bsns`). Other lists (a person's partners, a page's `edges`) count
once: their length is the data's, not the caller's, and the page around them already counts
each item. `__typename` is free. Fragments count where they are spread; a spread inside its own
expansion counts nothing (validation refuses such cycles, the count does not rely on it).

A page size or BSN list given as a variable counts with the variable's value (else its
default); one that cannot be known counts as the largest allowed."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from strawberry.extensions import SchemaExtension

from bron_gateway.connection import DEFAULT_FIRST, MAX_FIRST
from bron_gateway.errors import QueryTooCostly
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    Undefined,
    ValidationContext,
    ValidationRule,
    get_named_type,
    value_from_ast_untyped,
)

PAGE_ARGUMENT = "first"
BATCH_ARGUMENT = "bsns"


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    *,
    max_bsns: int,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """The cost of the operation that runs (`operation_name`); without a name, of the most
    costly operation in the document (only a document of one operation runs unnamed)."""
    fragments = {d.name.value: d for d in document.definitions
                 if isinstance(d, FragmentDefinitionNode)}  # fmt: skip
    costs = [
        _Count(schema, fragments, _values(d, variables or {}), max_bsns).operation(d)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and _named(d, operation_name)
    ]
    return max(costs, default=0)


def _named(operation: OperationDefinitionNode, name: str | None) -> bool:
    return name is None or (operation.name is not None and operation.name.value == name)


def _values(operation: OperationDefinitionNode, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The variables as the operation will see them: those given, else their defaults."""
    defaults = {
        d.variable.name.value: value_from_ast_untyped(d.default_value)
        for d in operation.variable_definitions or ()
        if d.default_value is not None
    }
    return {**defaults, **variables}


@dataclass(frozen=True, slots=True)
class _Count:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: dict[str, Any]
    max_bsns: int

    def operation(self, operation: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(operation.operation)
        return self.selections(operation.selection_set, root, frozenset())

    def selections(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None,
        expanding: frozenset[str],
    ) -> int:  # fmt: skip
        if selection_set is None:
            return 0
        return sum(self.selection(s, parent, expanding) for s in selection_set.selections)

    def selection(
        self, node: SelectionNode, parent: GraphQLNamedType | None, expanding: frozenset[str]
    ) -> int:
        if isinstance(node, FieldNode):
            return self.field(node, parent, expanding)
        if isinstance(node, InlineFragmentNode):
            inner = self.condition(node.type_condition, parent)
            return self.selections(node.selection_set, inner, expanding)
        if isinstance(node, FragmentSpreadNode):
            name = node.name.value
            fragment = self.fragments.get(name)
            if fragment is None or name in expanding:
                return 0
            inner = self.condition(fragment.type_condition, parent)
            return self.selections(fragment.selection_set, inner, expanding | {name})
        return 0  # pragma: no cover - a selection is one of the three

    def field(
        self, node: FieldNode, parent: GraphQLNamedType | None, expanding: frozenset[str]
    ) -> int:
        if node.name.value == "__typename":
            return 0
        definition = _definition(parent, node.name.value)
        inner = get_named_type(definition.type) if definition is not None else None
        items = self.items(node, definition)
        return 1 + items * self.selections(node.selection_set, inner, expanding)

    def items(self, node: FieldNode, definition: GraphQLField | None) -> int:
        """How many times the field's selection counts: the page size or the BSNs asked."""
        if definition is None:
            return 1
        if PAGE_ARGUMENT in definition.args:
            first = self.argument(node, PAGE_ARGUMENT)
            if first is None or first is Undefined:  # left out, null, or a variable not given
                return DEFAULT_FIRST
            return _bounded(first, MAX_FIRST) if isinstance(first, int) else MAX_FIRST
        if BATCH_ARGUMENT in definition.args:
            bsns = self.argument(node, BATCH_ARGUMENT)
            return _bounded(len(bsns), self.max_bsns) if isinstance(bsns, list) else self.max_bsns
        return 1

    def argument(self, node: FieldNode, name: str) -> Any:
        """The argument's value, a variable's as given (`Undefined`: not given); `None` when
        it is left out or null; whatever the caller sent (maybe no int or list) otherwise."""
        for argument in node.arguments or ():
            if argument.name.value == name:
                return value_from_ast_untyped(argument.value, self.variables)
        return None

    def condition(
        self, type_condition: NamedTypeNode | None, parent: GraphQLNamedType | None
    ) -> GraphQLNamedType | None:
        if type_condition is None:
            return parent
        return self.schema.get_type(type_condition.name.value)


def _definition(parent: GraphQLNamedType | None, name: str) -> GraphQLField | None:
    """The field's definition; `None` for one the schema lacks (validation refuses it) and for
    the introspection fields, which take neither a page size nor BSNs."""
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        fields: dict[str, GraphQLField] = parent.fields
        return fields.get(name)
    return None


def _bounded(count: int, most: int) -> int:
    """An out-of-range count is refused by its resolver before any read: it counts as the
    nearest allowed one, so the caller hears about the range, not the cost."""
    return min(max(count, 1), most)


def cost_rule(
    max_cost: int,
    *,
    max_bsns: int,
    variables: Mapping[str, Any] | None,
    operation_name: str | None,
) -> type[ValidationRule]:
    """A validation rule (one per request: it knows the request's variables) that refuses a
    document costing more than `max_cost`."""

    class CostLimit(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            cost = query_cost(context.schema, context.document, max_bsns=max_bsns,
                              variables=variables, operation_name=operation_name)  # fmt: skip
            if cost > max_cost:
                refused = QueryTooCostly(cost, max_cost)
                context.report_error(GraphQLError(str(refused), original_error=refused,
                                                  extensions=refused.extensions()))  # fmt: skip

    return CostLimit


class QueryCostLimiter(SchemaExtension):
    """Adds the cost rule to each request's validation, as `AddValidationRules` adds the depth
    and alias rules, but made for the request's variables and operation."""

    def __init__(self, *, max_cost: int, max_bsns: int) -> None:
        self.max_cost = max_cost
        self.max_bsns = max_bsns

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        rule = cost_rule(self.max_cost, max_bsns=self.max_bsns, variables=context.variables,
                         operation_name=context.operation_name)  # fmt: skip
        context.validation_rules = (*context.validation_rules, rule)
        yield
