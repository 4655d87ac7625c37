"""W3C trace context: the caller's `traceparent` is continued (its trace id, a new span of the
gateway's own), or a new trace is started. The processing log records both ids."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")


@dataclass(frozen=True, slots=True)
class Trace:
    trace_id: str
    span_id: str
    parent_id: str | None = None

    @property
    def traceparent(self) -> str:
        """The header to pass on: this trace, the gateway's span, sampled."""
        return f"00-{self.trace_id}-{self.span_id}-01"


def trace_from(traceparent: str | None) -> Trace:
    span = secrets.token_hex(8)
    found = _TRACEPARENT.match((traceparent or "").strip())
    if found:
        trace_id, parent, _flags = found.groups()
        if trace_id != "0" * 32 and parent != "0" * 16:
            return Trace(trace_id, span, parent)
    return Trace(secrets.token_hex(16), span)
