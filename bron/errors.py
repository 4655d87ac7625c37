"""Bron's exceptions. Every user-facing error says what to do next.

BronError
├── SettingsError          a BRON_* value is missing or malformed
└── KafkaError
    ├── ToolMissingError   java or mvn is not installed
    ├── FetchError         Maven could not fetch the broker jars
    ├── PortInUseError     a broker port is taken by another process
    ├── ClusterIdMismatch  the data directory belongs to another cluster
    ├── BrokerStartError   the broker exited or did not become ready in time
    └── TopicError         a declared topic exists with an incompatible shape
"""

from __future__ import annotations


class BronError(Exception):
    """Base of Bron's errors: a message and what the user can do about it."""

    def __init__(self, message: str, *, suggestion: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion

    def __str__(self) -> str:
        if self.suggestion:
            return f"{self.message}\n  → {self.suggestion}"
        return self.message


class SettingsError(BronError):
    pass


class KafkaError(BronError):
    pass


class ToolMissingError(KafkaError):
    pass


class FetchError(KafkaError):
    pass


class PortInUseError(KafkaError):
    pass


class ClusterIdMismatch(KafkaError):
    pass


class BrokerStartError(KafkaError):
    pass


class TopicError(KafkaError):
    pass
