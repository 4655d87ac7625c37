"""The relay's Kafka side: produce stored rows as they are and collect their delivery reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from confluent_kafka import KafkaError, KafkaException, Message, Producer

from services.outbox.delivery import NOT_REPORTED, Report
from services.outbox.message import Headers


@dataclass(frozen=True, slots=True)
class Row:
    position: int
    event_id: str
    topic: str
    key: bytes
    value: bytes
    headers: Headers


class Publisher:
    def __init__(self, config: dict[str, Any]) -> None:
        self._config = config
        self._producer: Producer | None = None

    def publish(self, rows: Sequence[Row], timeout: float) -> list[Report]:
        """One report per row, in row order; rows after a refused produce() are not sent."""
        producer = self._producer = self._producer or Producer(self._config)
        reports: list[Report] = [NOT_REPORTED] * len(rows)
        for index, row in enumerate(rows):
            try:
                _produce(producer, row, _recorder(reports, index))
            except KafkaException as exc:
                reports[index] = exc.args[0]
                break
        if producer.flush(timeout) > 0:
            # Unsettled past the deadline: drop them here; they count as failed and are retried.
            producer.purge()
            producer.flush(1.0)
        return reports

    def reset(self) -> None:
        """Start over with a new producer (a new producer id) after a failed delivery."""
        self.close()

    def close(self) -> None:
        if self._producer is not None:
            self._producer.purge()
            self._producer.close()
            self._producer = None


def _produce(producer: Producer, row: Row, on_delivery: Any) -> None:
    headers: list[tuple[str, str | bytes | None]] = list(row.headers)
    while True:
        try:
            producer.produce(
                row.topic, row.value, row.key, headers=headers, on_delivery=on_delivery
            )
            return
        except BufferError:
            producer.poll(0.01)


def _recorder(reports: list[Report], index: int) -> Any:
    def record(err: KafkaError | None, _msg: Message) -> None:
        reports[index] = err

    return record
