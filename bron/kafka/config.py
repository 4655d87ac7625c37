"""Pure functions that write and read the files of a single-node KRaft broker."""

from __future__ import annotations

import base64
import secrets
from pathlib import Path

from bron.types import ClusterId

NODE_ID = 1


def new_cluster_id() -> ClusterId:
    """16 random bytes, base64url without padding: the 22 characters Kafka expects."""
    raw = secrets.token_bytes(16)
    return ClusterId(base64.urlsafe_b64encode(raw).decode().rstrip("="))


def is_cluster_id(value: str) -> bool:
    if len(value) != 22:
        return False
    try:
        return len(base64.urlsafe_b64decode(value + "==")) == 16
    except ValueError:
        return False


def server_properties(host: str, port: int, controller_port: int, log_dir: Path) -> dict[str, str]:
    """Combined broker+controller on one node, replication factor 1 for internal topics."""
    return {
        "process.roles": "broker,controller",
        "node.id": str(NODE_ID),
        "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{host}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{host}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "controller.quorum.voters": f"{NODE_ID}@{host}:{controller_port}",
        "log.dirs": str(log_dir),
        "num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        # Every topic is declared in bron.topics with its partitions; none appears by accident.
        "auto.create.topics.enable": "false",
        "unclean.leader.election.enable": "false",
    }


def log4j2_properties(log_file: Path) -> str:
    """The broker's own log goes to a rolling file, never to the console."""
    return "\n".join(
        [
            "status = warn",
            "appender.file.type = RollingFile",
            "appender.file.name = file",
            f"appender.file.fileName = {log_file}",
            f"appender.file.filePattern = {log_file}.%i",
            "appender.file.layout.type = PatternLayout",
            "appender.file.layout.pattern = [%d] %p %m (%c)%n",
            "appender.file.policies.type = Policies",
            "appender.file.policies.size.type = SizeBasedTriggeringPolicy",
            "appender.file.policies.size.size = 50MB",
            "appender.file.strategy.type = DefaultRolloverStrategy",
            "appender.file.strategy.max = 3",
            "rootLogger.level = INFO",
            "rootLogger.appenderRef.file.ref = file",
            "logger.kafka.name = kafka",
            "logger.kafka.level = INFO",
            "logger.apache.name = org.apache.kafka",
            "logger.apache.level = INFO",
            "",
        ]
    )


def render_properties(values: dict[str, str]) -> str:
    return "".join(f"{key}={value}\n" for key, value in values.items())


def parse_properties(text: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "!")) or "=" not in line:
            continue
        key, _, value = line.partition("=")
        result[key.strip()] = value.strip()
    return result
