"""W3C trace context for the gateway: `bron.http.trace`, shared with the registries."""

from bron.http.trace import Trace, trace_from

__all__ = ["Trace", "trace_from"]
