"""Names for the values that travel through Bron."""

from typing import NewType

TopicName = NewType("TopicName", str)
ClusterId = NewType("ClusterId", str)
BootstrapServers = NewType("BootstrapServers", str)
