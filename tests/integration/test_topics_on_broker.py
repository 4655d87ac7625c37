"""Declared topics are created idempotently and their configs reach the broker."""

import pytest

from bron.errors import TopicError
from bron.kafka.admin import admin_client, describe_configs, ensure_topics
from bron.topics import TOPICS, Cleanup, TopicSpec, topic_config
from bron.types import TopicName


def test_declared_topics_are_created_once_with_their_configs(bootstrap: str) -> None:
    ensure_topics(bootstrap, TOPICS)
    assert ensure_topics(bootstrap, TOPICS) == [], "a second run creates nothing"
    metadata = admin_client(bootstrap).list_topics(timeout=10).topics
    for spec in TOPICS:
        assert len(metadata[spec.name].partitions) == spec.partitions
        on_broker = describe_configs(bootstrap, spec.name)
        for key, value in topic_config(spec).items():
            assert on_broker[key] == value, (spec.name, key)


def test_a_changed_config_is_aligned_on_the_next_run(bootstrap: str, unique: str) -> None:
    first = TopicSpec(TopicName(unique), 2, Cleanup.delete, False, retention_ms=60_000)
    assert ensure_topics(bootstrap, [first]) == [unique]
    second = TopicSpec(TopicName(unique), 2, Cleanup.compact, personal_data=True)
    assert ensure_topics(bootstrap, [second]) == []
    on_broker = describe_configs(bootstrap, unique)
    assert on_broker["cleanup.policy"] == "compact"
    assert on_broker["max.compaction.lag.ms"] == topic_config(second)["max.compaction.lag.ms"]


def test_another_partition_count_is_refused(bootstrap: str, unique: str) -> None:
    ensure_topics(bootstrap, [TopicSpec(TopicName(unique), 2, Cleanup.compact, False)])
    with pytest.raises(TopicError, match="has 2 partitions, 4 are declared"):
        ensure_topics(bootstrap, [TopicSpec(TopicName(unique), 4, Cleanup.compact, False)])


def test_the_broker_creates_no_topic_by_accident(bootstrap: str, unique: str) -> None:
    from bron.kafka.clients import make_producer

    producer = make_producer(bootstrap, **{"message.timeout.ms": 3000})
    errors: list[object] = []
    producer.produce(unique, b"v", on_delivery=lambda err, _m: errors.append(err))
    producer.flush(10)
    assert len(errors) == 1
    assert errors[0] is not None, "delivery to an undeclared topic must fail"
    assert unique not in admin_client(bootstrap).list_topics(timeout=10).topics
