"""W3C trace context: the caller's `traceparent` is continued (its trace id, a new span of this
service's own), or a new trace is started. The processing log records both ids.

The trace of the request being served is kept in a context variable (`current`), so that the
HTTP clients of other services pass it on (`outgoing`), the outbox stamps the events a command
writes with it (CloudEvents' distributed-tracing extension, `ce_traceparent`), and every log
line of the request carries its `trace_id` (`bron.http.tracing`). Ids only, never data."""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar
from dataclasses import dataclass

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


@dataclass(frozen=True, slots=True)
class Trace:
    trace_id: str
    span_id: str
    parent_id: str | None = None

    @property
    def traceparent(self) -> str:
        """The header to pass on: this trace, this service's span, sampled."""
        return f"00-{self.trace_id}-{self.span_id}-01"


def trace_from(traceparent: str | None) -> Trace:
    span = secrets.token_hex(8)
    found = _TRACEPARENT.match((traceparent or "").strip())
    if found:
        trace_id, parent, _flags = found.groups()
        if trace_id != "0" * 32 and parent != "0" * 16:
            return Trace(trace_id, span, parent)
    return Trace(secrets.token_hex(16), span)


CURRENT: ContextVar[Trace | None] = ContextVar("bron_trace", default=None)


def current() -> Trace | None:
    """The trace of the request being served here, if any."""
    return CURRENT.get()


def outgoing() -> dict[str, str]:
    """Headers for a call to another service: the current trace, continued."""
    trace = CURRENT.get()
    return {"traceparent": trace.traceparent} if trace is not None else {}
