"""The transactional outbox of a registry and the relay that publishes it (docs/adr/0006)."""

from services.outbox.message import OutboxMessage
from services.outbox.outbox import Outbox
from services.outbox.relay import Relay

__all__ = ["Outbox", "OutboxMessage", "Relay"]
