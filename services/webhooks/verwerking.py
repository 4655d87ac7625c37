"""The processing log of deliveries: every attempt to deliver a notice is a processing of the
person's data (a thin notice carries the persoonId), so it is on `bron.verwerkingslog`,
acknowledged by Kafka, before the request leaves; when the log does not confirm, nothing is
sent and the delivery is tried again later, like a failed one.

The records are the gateway's (`bron_gateway.verwerkingslog`, one shape for the whole
installation), with this system's name, the action `webhook bezorgen`, the subscription as the
`gebruiker`, and the notice id as the trace id (the same id is sent as the W3C `traceparent`,
so a receiver and an auditor can find one another's records)."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from bron_gateway.auth import Caller
from bron_gateway.trace import Trace
from bron_gateway.verwerkingslog import (
    KafkaProcessingLog,
    ProcessingLog,
    Pseudonymiser,
    Read,
    Record,
    records,
)

from bron.contracts.codec import EventCodec
from bron.contracts.registry_client import RegistryClient
from bron.settings import Settings
from services.webhooks.register import CurrentPolicy
from services.webhooks.rows import Pending

SYSTEEM = "bron-webhooks"
ACTIE = "webhook bezorgen"


def kafka_log(settings: Settings) -> KafkaProcessingLog:
    registry = RegistryClient(settings.registry_url, timeout=settings.webhooks_log_timeout)
    codec = EventCodec(registry, f"urn:nld:oin:{settings.oin}:systeem:{SYSTEEM}")
    return KafkaProcessingLog(settings.bootstrap_servers, codec, settings.webhooks_log_timeout)


def trace_of(notice_id: str) -> Trace:
    """The notice's trace (its id as trace id), with a new span per attempt."""
    return Trace(uuid.UUID(notice_id).hex, secrets.token_hex(8))


class UnknownPurpose(LookupError):
    """The delivery's purpose is no longer one of its app's: it may not be sent."""


class DeliveryLog:
    def __init__(
        self, log: ProcessingLog, policy: CurrentPolicy, pseudonym: Pseudonymiser, uitvoerder: str
    ) -> None:
        self.log = log
        self.policy = policy
        self.pseudonym = pseudonym
        self.uitvoerder = uitvoerder

    def records(self, delivery: Pending, trace: Trace, now: datetime) -> list[Record]:
        policy = self.policy()
        app = policy.app_by_id.get(delivery.app_id)
        doel = policy.doel_by_id.get(delivery.doel_id)
        if app is None or doel is None or doel.id not in app.doelen:
            raise UnknownPurpose(
                f"purpose {delivery.doel_id!r} is not one of app "
                f"{delivery.app_id!r}'s in the policy"
            )
        caller = Caller("urn:bron:webhooks", f"abonnement:{delivery.subscription_id}", app.id)
        read = Read(ACTIE, doel, delivery.persoon_id, delivery.logged_fields)
        found = records(
            [read],
            caller=caller,
            app=app,
            uitvoerder=self.uitvoerder,
            trace=trace,
            pseudonym=self.pseudonym,
            now=now,
        )
        return [{**r, "systeem": SYSTEEM} for r in found]

    async def write(self, delivery: Pending, trace: Trace, now: datetime) -> None:
        """Returns once Kafka acknowledged; raises otherwise (ProcessingLogUnavailable)."""
        await self.log.write(self.records(delivery, trace, now))

    def close(self) -> None:
        self.log.close()
