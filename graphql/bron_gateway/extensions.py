"""Schema extensions of the gateway's own: the processing log written (and acknowledged) after
execution and before the result leaves, and errors shown only when meant for the caller."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import structlog
from strawberry.extensions import SchemaExtension

from bron_gateway.context import RequestContext
from bron_gateway.errors import GatewayError, ProcessingLogUnavailable
from bron_gateway.verwerkingslog import records
from graphql import ExecutionResult, GraphQLError

log = structlog.get_logger("bron.gateway")


class WriteProcessingLog(SchemaExtension):
    """One record per citizen read, acknowledged, or no data at all."""

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context.context
        result = self.execution_context.result
        if not isinstance(context, RequestContext) or not context.reads:
            return
        services = context.services
        batch = records(
            context.reads,
            caller=context.caller,
            app=context.app,
            uitvoerder=services.uitvoerder,
            trace=context.trace,
            pseudonym=services.pseudonym,
            now=datetime.now(UTC),
        )
        try:
            await services.log.write(batch)
        except ProcessingLogUnavailable as exc:
            log.error("processing log unavailable, no data returned",
                      trace_id=context.trace.trace_id, reason=exc.message)  # fmt: skip
            if isinstance(result, ExecutionResult):
                result.data = None
                result.errors = [GraphQLError(exc.message, original_error=exc)]
            else:  # pragma: no cover - only incremental delivery, which is not enabled
                raise
        else:
            log.info("processing logged", trace_id=context.trace.trace_id, records=len(batch))


class ShowOnlyMeantErrors(SchemaExtension):
    """A `GatewayError` is shown with its code; a GraphQL syntax or validation error as is; any
    other error is masked, and logged with a correlation id that the message quotes."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if isinstance(result, ExecutionResult) and result.errors:
            result.errors = [shown(e) for e in result.errors]


def shown(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if original is None:
        return error
    if isinstance(original, GatewayError):
        return GraphQLError(
            str(original),
            nodes=error.nodes,
            path=error.path,
            original_error=original,
            extensions=original.extensions(),
        )
    correlation = str(uuid.uuid4())
    log.error("unexpected error", correlation_id=correlation, path=error.path,
              exc_info=original)  # fmt: skip
    return GraphQLError(
        f"internal error (correlation id {correlation})",
        nodes=error.nodes,
        path=error.path,
        extensions={"code": "INTERNAL", "correlationId": correlation},
    )
