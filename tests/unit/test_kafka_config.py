import base64
from pathlib import Path

import pytest

from bron.kafka.config import (
    is_cluster_id,
    log4j2_properties,
    new_cluster_id,
    parse_properties,
    render_properties,
    server_properties,
)
from bron.kafka.tools import parse_java_major


def test_cluster_ids_are_22_base64url_characters_of_16_random_bytes() -> None:
    ids = {new_cluster_id() for _ in range(200)}
    assert len(ids) == 200
    for cluster_id in ids:
        assert len(cluster_id) == 22
        assert "=" not in cluster_id
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
        assert is_cluster_id(cluster_id)
    assert not is_cluster_id("too-short")


def test_server_properties_make_a_single_node_kraft_cluster() -> None:
    props = server_properties("127.0.0.1", 19092, 19093, Path("/data/kafka"))
    assert props["process.roles"] == "broker,controller"
    assert props["controller.quorum.voters"] == "1@127.0.0.1:19093"
    assert props["advertised.listeners"] == "PLAINTEXT://127.0.0.1:19092"
    assert props["auto.create.topics.enable"] == "false"
    for key in (
        "offsets.topic.replication.factor",
        "transaction.state.log.replication.factor",
        "transaction.state.log.min.isr",
        "share.coordinator.state.topic.replication.factor",
    ):
        assert props[key] == "1", key


def test_properties_render_and_parse_back() -> None:
    props = server_properties("127.0.0.1", 1, 2, Path("/x"))
    assert parse_properties(render_properties(props)) == props
    assert parse_properties("# comment\n\ncluster.id=abc\nversion = 1\n") == {
        "cluster.id": "abc",
        "version": "1",
    }


def test_the_broker_log_goes_to_a_file_not_the_console() -> None:
    text = log4j2_properties(Path("/logs/server.log"))
    assert "fileName = /logs/server.log" in text
    assert "Console" not in text


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('java version "1.8.0_402"', 8),
        ('openjdk version "21" 2023-09-19', 21),
        ("something else", None),
    ],
)
def test_java_major_version_is_read_from_java_version(output: str, major: int | None) -> None:
    assert parse_java_major(output) == major
