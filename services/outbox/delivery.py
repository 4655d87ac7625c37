"""Pure rules of the relay: which rows of a batch may be marked sent, how long to wait before
retrying a row that could not be produced, and the producer settings it insists on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import KafkaError

from bron.kafka import clients


class NotReported:
    """No delivery report arrived (the flush timed out): as good as a failure."""

    def __str__(self) -> str:
        return "no delivery report before the deadline"


NOT_REPORTED = NotReported()
Report = KafkaError | NotReported | None  # None: delivered


def delivered_prefix(reports: Sequence[Report]) -> tuple[int, Report]:
    """How many rows, from the first, were delivered before the first failure; and that
    failure (None when all were delivered). Rows after a failure are never marked, even when
    their own delivery succeeded: they are sent again, after the failed row."""
    for index, report in enumerate(reports):
        if report is not None:
            return index, report
    return len(reports), None


@dataclass(slots=True)
class Backoff:
    """Exponential delay between attempts at a row that keeps failing, capped."""

    initial: float = 0.2
    maximum: float = 10.0
    failures: int = field(default=0)

    @property
    def failing(self) -> bool:
        return self.failures > 0

    def failed(self) -> float:
        """Count one more failure; return the delay before the next attempt."""
        self.failures += 1
        return self.delay

    @property
    def delay(self) -> float:
        if not self.failures:
            return 0.0
        return float(min(self.maximum, self.initial * 2 ** (self.failures - 1)))

    def succeeded(self) -> None:
        self.failures = 0


def relay_producer_config(
    bootstrap: str, lease_seconds: float, overrides: dict[str, Any] | None
) -> dict[str, Any]:
    """Bron's producer defaults, with every delivery settled (delivered or failed) within half
    a lease, so a relay never has records in flight after its lease could have expired."""
    settle_ms = max(500, int(lease_seconds * 500))
    config = clients.producer_config(
        bootstrap,
        **{
            "max.in.flight.requests.per.connection": 5,
            "message.timeout.ms": settle_ms,
            "request.timeout.ms": min(30_000, settle_ms),
            **(overrides or {}),
        },
    )
    if str(config.get("enable.idempotence")).lower() != "true":
        raise ValueError("the relay needs enable.idempotence=true")
    if str(config.get("acks")) not in ("all", "-1"):
        raise ValueError("the relay needs acks=all")
    if int(config["max.in.flight.requests.per.connection"]) > 5:
        raise ValueError("max.in.flight.requests.per.connection above 5 can reorder records")
    if int(config["message.timeout.ms"]) > settle_ms:
        raise ValueError(
            f"message.timeout.ms above {settle_ms} (half the lease) outlives the lease"
        )
    return config
