"""Structured logs: JSON lines (BRON_LOG_FORMAT=json) or readable console lines, on stderr.

Standard-library loggers (librdkafka's through confluent-kafka, uvicorn, faust) go through the
same renderer, so one process writes one format. Never log personal data: log ids, not values.
"""

from __future__ import annotations

import logging
import sys

import structlog

from bron.settings import LogFormat, Settings


def configure_logging(settings: Settings) -> None:
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if settings.log_format is LogFormat.json
        # plain tracebacks: rich's would print every frame's local variables, i.e. the data
        else structlog.dev.ConsoleRenderer(
            colors=False, exception_formatter=structlog.dev.plain_traceback
        )
    )
    # JSON: the traceback as one string, without locals (dict_tracebacks would add them)
    tracebacks: list[structlog.typing.Processor] = (
        [structlog.processors.format_exc_info] if settings.log_format is LogFormat.json else []
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                *tracebacks,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    # One line per HTTP call of a client library is noise, and URLs may carry query values.
    for chatty in ("httpx", "httpcore"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.get_logger(name)
    return logger
