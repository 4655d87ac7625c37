"""Persisted operations: under production settings an app runs only the GraphQL documents of
its registered manifest (`bron apps register`), recognised by their hash
(`bron.apps.manifest.operation_hash`: sha256 of the document as graphql-core prints it, so
whitespace and comments do not matter). Anything else is refused in validation, before a
resolver runs or anything is read or logged. Citizens' operations are the gateway's own and are
not restricted; in development settings ad-hoc queries remain possible.

The hashes come with the app's registration events (`operaties`), so a newly registered version
of an app is served as soon as the gateway's register has it."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from strawberry.extensions import SchemaExtension

from bron.apps.manifest import operation_hash_of
from bron.policy import App
from graphql import DocumentNode, GraphQLError, ValidationRule

NOT_REGISTERED = "OPERATION_NOT_REGISTERED"


class PersistedOperations(SchemaExtension):
    """Adds the rule when the caller is an app (HTTP: `RequestContext.app`; WebSocket:
    `SocketContext.app`, set when `connection_init` was accepted)."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        app = getattr(context.context, "app", None)
        if isinstance(app, App):
            context.validation_rules = (*context.validation_rules, registered_only(app))
        yield


def registered_only(app: App) -> type[ValidationRule]:
    allowed: Collection[str] = frozenset(app.operaties)

    class Registered(ValidationRule):
        def enter_document(self, node: DocumentNode, *_: Any) -> None:
            digest = operation_hash_of(node)
            if digest in allowed:
                return
            how = ("register its manifest with its operations (bron apps check, then bron apps "
                   "register)") if not allowed else (
                   "add the operation to a .graphql file of the app's manifest, check it and "
                   "register the new version (bron apps check, bron apps register)")  # fmt: skip
            self.report_error(GraphQLError(
                f"app {app.id!r} runs only the operations of its registered manifest; this "
                f"document (sha256 {digest[:12]}…) is not one of them: {how}",
                extensions={"code": NOT_REGISTERED},
            ))  # fmt: skip

    return Registered
