import pytest

from bron.topics import (
    ERASURE_DEADLINE_MS,
    TOPICS,
    Cleanup,
    TopicSpec,
    by_name,
    topic_config,
)
from bron.types import TopicName


def test_topic_names_are_unique() -> None:
    names = [t.name for t in TOPICS]
    assert len(names) == len(set(names))


def test_compacted_topics_with_personal_data_have_an_erasure_deadline() -> None:
    spec = TopicSpec(TopicName("x.personen"), 3, Cleanup.compact, personal_data=True)
    config = topic_config(spec)
    assert config["cleanup.policy"] == "compact"
    assert int(config["max.compaction.lag.ms"]) == ERASURE_DEADLINE_MS
    assert int(config["segment.ms"]) <= ERASURE_DEADLINE_MS
    for declared in TOPICS:
        if declared.cleanup is Cleanup.compact and declared.personal_data:
            assert "max.compaction.lag.ms" in topic_config(declared)


def test_personal_data_on_a_delete_topic_needs_a_retention() -> None:
    with pytest.raises(ValueError, match="needs a retention"):
        TopicSpec(TopicName("x"), 1, Cleanup.delete, personal_data=True)
    for declared in TOPICS:
        if declared.cleanup is Cleanup.delete and declared.personal_data:
            assert int(topic_config(declared)["retention.ms"]) > 0


def test_replicated_clusters_require_two_in_sync_replicas() -> None:
    spec = by_name("bron.brp.events")
    assert "min.insync.replicas" not in topic_config(spec, replication_factor=1)
    assert topic_config(spec, replication_factor=3)["min.insync.replicas"] == "2"


def test_the_schema_registry_topic_has_one_compacted_partition() -> None:
    spec = by_name("_schemas")
    assert (spec.partitions, spec.cleanup) == (1, Cleanup.compact)


def test_partitions_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        TopicSpec(TopicName("x"), 0, Cleanup.compact, personal_data=False)
