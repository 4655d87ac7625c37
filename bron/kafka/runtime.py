"""The Kafka that the rest of Bron runs on: an external cluster, or the local broker."""

from __future__ import annotations

from dataclasses import dataclass

from bron.kafka import admin
from bron.kafka.broker import LocalBroker, StartResult
from bron.settings import Settings
from bron.topics import TOPICS


@dataclass(slots=True)
class KafkaRuntime:
    bootstrap: str
    broker: LocalBroker | None
    start: StartResult | None
    created_topics: list[str]

    @property
    def external(self) -> bool:
        return self.broker is None

    def stop(self) -> str:
        """Stop the broker if this runtime started it; an external or prior broker stays up."""
        if self.broker is None or self.start is None or self.start.already_running:
            return "left running"
        return self.broker.stop()


def start_kafka(settings: Settings) -> KafkaRuntime:
    """Use `BRON_KAFKA_BOOTSTRAP` when set (starting nothing), else start the local broker;
    then create the declared topics."""
    if settings.kafka_bootstrap:
        admin.wait_ready(settings.kafka_bootstrap, settings.kafka_start_timeout)
        created = admin.ensure_topics(
            settings.kafka_bootstrap, TOPICS, settings.kafka_replication_factor
        )
        return KafkaRuntime(settings.kafka_bootstrap, None, None, created)
    broker = LocalBroker(settings)
    result = broker.start()
    created = admin.ensure_topics(broker.bootstrap, TOPICS, replication_factor=1)
    return KafkaRuntime(broker.bootstrap, broker, result, created)
