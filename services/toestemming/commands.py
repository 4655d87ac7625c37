"""Commands on a consent. Field names are those of the Avro contracts, so a rejection's field
is also the path in a request and in the event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4


@dataclass(frozen=True, kw_only=True)
class ToestemmingVerlenen:
    """A citizen consents to an app using their data for one purpose, until `geldigTot`."""

    toestemmingId: UUID = field(default_factory=uuid4)
    persoonId: UUID
    appId: str
    doelId: str
    geldigTot: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class ToestemmingIntrekken:
    toestemmingId: UUID


@dataclass(frozen=True, kw_only=True)
class ToestemmingVerlopen:
    """Issued by the register itself once `geldigTot` has passed."""

    toestemmingId: UUID


Command = ToestemmingVerlenen | ToestemmingIntrekken | ToestemmingVerlopen
