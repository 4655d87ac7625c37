"""`bron streams rebuild` as an operator runs it, on the real broker: it rebuilds the same
projections a clean replay makes; when a topic no longer holds its first events (the
registries' personal-data topics keep 365 days) it refuses before it empties anything, and
rebuilds anyway only when told to (`--incomplete`)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator

import pytest
from confluent_kafka import TopicPartition
from confluent_kafka.admin import AdminClient

from bron.db import database_url
from bron.process import bron_command
from bron.testing import topic_ends
from tests.integration.streams_support import StreamsStack, published, streams_stack
from tests.integration.test_streams_resilience import clean_rebuild, views

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamsStack]:
    with streams_stack(tmp_path_factory.mktemp("rebuild"), "rebuild") as base:
        yield published(base, 40, seed=11)


def rebuild(stack: StreamsStack, *args: str) -> subprocess.CompletedProcess[str]:
    s = stack.settings
    env = {**os.environ, "BRON_DATA_DIR": str(s.data_dir),
           "BRON_KAFKA_BOOTSTRAP": s.bootstrap_servers,
           "BRON_SCHEMA_REGISTRY_URL": str(s.schema_registry_url),
           "BRON_STREAMS_GROUP": s.streams_group,
           "BRON_PROJECTIONS_DATABASE_URL": database_url(s, "projections")}  # fmt: skip
    return subprocess.run(bron_command("streams", "rebuild", *args), env=env, text=True,
                          capture_output=True, timeout=300, check=False)  # fmt: skip


def test_rebuild_makes_the_projections_a_clean_replay_makes_and_refuses_a_cut_history(
    stack: StreamsStack,
) -> None:
    url = database_url(stack.settings, "projections")
    done = rebuild(stack)
    assert done.returncode == 0, done.stderr
    assert "dead letters: 0" in done.stdout
    built = views(url)
    assert built, "the rebuild made views"
    assert built == views(clean_rebuild(stack.settings, stack.folder))

    # retention deletes the first records of one partition of the BRP's topic
    ends = topic_ends(stack.settings.bootstrap_servers, ["bron.brp.events"])
    (topic, partition), _end = max(ends.items(), key=lambda kv: kv[1])
    admin = AdminClient({"bootstrap.servers": stack.settings.bootstrap_servers})
    futures = admin.delete_records([TopicPartition(topic, partition, 1)], request_timeout=30)
    for future in futures.values():
        future.result(timeout=30)

    refused = rebuild(stack)
    assert refused.returncode != 0
    message = " ".join(refused.stderr.split())
    assert f"bron.brp.events partition {partition} from offset 1" in message, refused.stderr
    assert "--incomplete" in message
    assert views(url) == built, "a refused rebuild leaves the store as it was"

    anyway = rebuild(stack, "--incomplete")
    assert anyway.returncode == 0, anyway.stderr
    assert views(url), "rebuilt from what the topics still hold"
