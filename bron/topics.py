"""Every Kafka topic Bron uses, declared in one place.

Topics are created explicitly with their partition count before anything produces to them (the
broker's auto-creation is off): faust tables need their changelogs co-partitioned with their
sources, and per-key order depends on a stable partition count.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bron.types import TopicName

HOUR_MS = 60 * 60 * 1000
DAY_MS = 24 * HOUR_MS


class Cleanup(StrEnum):
    delete = "delete"
    compact = "compact"


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: TopicName
    partitions: int
    cleanup: Cleanup
    personal_data: bool
    retention_ms: int = -1
    doc: str = ""

    def __post_init__(self) -> None:
        if self.partitions < 1:
            raise ValueError(f"{self.name}: partitions must be at least 1")
        if self.cleanup is Cleanup.delete and self.retention_ms == -1 and self.personal_data:
            raise ValueError(f"{self.name}: personal data on a delete topic needs a retention")


# Erasure deadline on compacted topics with personal data (KIP-354): a tombstone or newer value
# makes the older ones unreadable within max.compaction.lag.ms, and segments roll often enough
# for the cleaner to reach them.
ERASURE_DEADLINE_MS = DAY_MS
PERSONAL_SEGMENT_MS = 6 * HOUR_MS
TOMBSTONE_RETENTION_MS = DAY_MS


def topic_config(spec: TopicSpec, replication_factor: int = 1) -> dict[str, str]:
    """The broker configs for a declared topic (pure, so it can be checked without a broker)."""
    config = {"cleanup.policy": spec.cleanup.value}
    if spec.cleanup is Cleanup.delete:
        config["retention.ms"] = str(spec.retention_ms)
    if spec.cleanup is Cleanup.compact and spec.personal_data:
        config["max.compaction.lag.ms"] = str(ERASURE_DEADLINE_MS)
        config["segment.ms"] = str(PERSONAL_SEGMENT_MS)
        config["delete.retention.ms"] = str(TOMBSTONE_RETENTION_MS)
    if replication_factor >= 3:
        config["min.insync.replicas"] = "2"
    return config


REGISTRY_PARTITIONS = 6

SCHEMAS = TopicSpec(
    TopicName("_schemas"),
    1,
    Cleanup.compact,
    personal_data=False,
    doc="The schema registry's state (Confluent/Karapace layout); one partition keeps order.",
)
DEAD_LETTER = TopicSpec(
    TopicName("bron.dead-letter"),
    1,
    Cleanup.delete,
    personal_data=True,
    retention_ms=30 * DAY_MS,
    doc="Messages that could not be processed after retries, with the reason.",
)
REGISTRY_EVENTS = tuple(
    TopicSpec(
        TopicName(f"bron.{registry}.events"),
        REGISTRY_PARTITIONS,
        Cleanup.delete,
        personal_data=registry != "bag",
        retention_ms=-1 if registry == "bag" else 365 * DAY_MS,
        doc=f"Every change in the {registry.upper()} registry, keyed by entity id.",
    )
    for registry in ("brp", "bag", "woz", "toestemming")
)
POLICY_EVENTS = TopicSpec(
    TopicName("bron.policy.events"),
    1,
    Cleanup.compact,
    personal_data=False,
    doc="The register of apps and purposes; every change, followed by workers and gateway.",
)
VERWERKINGSLOG = TopicSpec(
    TopicName("bron.verwerkingslog"),
    REGISTRY_PARTITIONS,
    Cleanup.delete,
    personal_data=True,
    retention_ms=2 * 365 * DAY_MS,
    doc="The processing log: who read which citizen's data, when, for which purpose.",
)

TOPICS: tuple[TopicSpec, ...] = (
    SCHEMAS,
    DEAD_LETTER,
    *REGISTRY_EVENTS,
    POLICY_EVENTS,
    VERWERKINGSLOG,
)


def by_name(name: str) -> TopicSpec:
    for spec in TOPICS:
        if spec.name == name:
            return spec
    raise KeyError(name)
