"""GraphQL subscriptions (ADR 11): `persoonGewijzigd`, `adresGewijzigd`, `wozWaardeVastgesteld`,
`toestemmingGewijzigd`, `inBeeld` and `uitBeeld`, each for one purpose (doel) of the calling app,
over a WebSocket at `/graphql` (graphql-transport-ws; `bron_gateway.app` authenticates the
connection with the app's token from `connection_init`).

- Before anything is read, as for a query: the purpose must be one of the app's and every field
  selected under `persoon` (and the top `adres`, `wozObjecten`) must be allowed by it.
- The source is the app's own topic `bron.app.<appId>`, which holds only its purposes' views of
  the citizens in scope. Each subscription has a consumer of its own (`Tail`), in a thread of
  its own: no consumer group and no commits, every partition assigned, from the client's cursor
  (`na`) or else from the end (only what happens from now on).
- Each record becomes notices (`bron.notices`, shared with the webhooks and the Kafka helper);
  those of the subscription's purpose and kind (and person, with `persoonId`) are delivered.
  Before they are delivered the register is read again (`PolicySource.current()`): when the
  app lost the purpose or the fields, the subscription ends with that error; so it does after
  `RECHECK` seconds without records (an app withdrawn from the register gets no records after
  its last tombstones, which may arrive while the register is still cached). Then a processing
  log record per notice (actie `abonnement bezorgen`) is written and acknowledged, for all the
  notices of a batch of records at once: when the log does not confirm, the subscription ends
  with PROCESSING_LOG_UNAVAILABLE and none of them is sent.
- A notice's `cursor` is the position after its record (per partition, the next offset), the
  same for every notice of that record. A client that subscribes again with `na` set to the
  last cursor it received misses nothing, and the notices of that last record are not repeated
  (a record gives one subscription at most one notice: one per purpose and kind; a client with
  several subscriptions keeps a cursor per subscription). The topic is compacted: from an old
  cursor the latest record of each person is there, not necessarily every one before it.
- A revocation is an `uitBeeld` and `toestemmingGewijzigd` (beeindigd) without `persoon`;
  after it the person's records hold no view for the purpose, so nothing more comes for them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import strawberry
import structlog

from bron.notices import Notice, Record, notices
from bron.policy import App, Doel, Policy
from bron_gateway.access import check_fields, purpose
from bron_gateway.auth import Caller
from bron_gateway.errors import (
    CallerNotAllowed,
    ProcessingLogUnavailable,
    PurposeNotAllowed,
)
from bron_gateway.gebeurtenis_types import (
    Gebeurtenis,
    asked_of,
    decode_cursor,
    encode_cursor,
    gebeurtenis,
    wanted,
)
from bron_gateway.resolve import check_persoon_id
from bron_gateway.selection import Requested, read_paths
from bron_gateway.tail import Item, SubscriptionService
from bron_gateway.trace import Trace, trace_from
from bron_gateway.verwerkingslog import Read, records
from bron_gateway.websocket import SocketContext

log = structlog.get_logger("bron.gateway")
Info = strawberry.Info[SocketContext, None]

ACTIE = "abonnement bezorgen"
RECHECK = 1.0  # seconds without records after which the (cached) register is read again


def still_allowed(
    policy: Policy, caller: Caller, doel_id: str, asked: Requested
) -> tuple[App, Doel]:
    """The app and purpose as the register is now; the same errors as a query's."""
    app = policy.app_by_id.get(caller.app_id)
    if app is None:
        raise PurposeNotAllowed(f"app {caller.app_id!r} is no longer in the register",
                                suggestion="ask the data steward")  # fmt: skip
    goal = purpose(policy, app, doel_id)
    check_fields(goal, asked)
    return app, goal


@dataclass(frozen=True, slots=True)
class Subscriber:
    """One subscription: whose, for what, and how it is told."""

    service: SubscriptionService
    caller: Caller
    trace: Trace
    doel_id: str
    kind: str
    persoon_id: str | None
    asked: Requested

    async def deliver(self, items: Sequence[Item], positions: dict[int, int]) -> list[Gebeurtenis]:
        """The notices of these records (in the order read) for this subscription, each with
        the cursor after its record; `positions` (partition -> next offset) move past every
        record. Before they are returned the register is read again and one processing-log
        record per notice is written and acknowledged, in one write (one round trip for a
        batch, not one per notice). Raises to end the subscription: nothing of the batch is
        delivered then."""
        found: list[tuple[Notice, str, datetime]] = []
        for item in items:
            positions[item.partition] = item.offset + 1
            for notice in self._notices(item.record):
                found.append((notice, encode_cursor(positions), item.tijdstip))
        if not found:
            return []
        policy = await self.service.policy.current()
        app, goal = still_allowed(policy, self.caller, self.doel_id, self.asked)
        # toestemming-gewijzigd only for a purpose on consent, by the register as it is now
        found = [f for f in found if f[0].status is None or goal.needs_consent]
        await self._log([notice for notice, _, _ in found], app, goal)
        return [gebeurtenis(notice, cursor, tijdstip) for notice, cursor, tijdstip in found]

    def _notices(self, record: Record | None) -> list[Notice]:
        if record is None or (self.persoon_id is not None and record.persoon_id != self.persoon_id):
            return []
        # Told as if the purpose rested on consent; `deliver` keeps toestemming-gewijzigd only
        # when the register says it does.
        return [n for n in notices(record, (self.doel_id,))
                if wanted(n, self.doel_id, self.kind, self.persoon_id)]  # fmt: skip

    async def _log(self, told: Sequence[Notice], app: App, goal: Doel) -> None:
        """One record per notice (each delivery is a processing of its own, in a span of its
        own in the connection's trace), never merged."""
        services = self.service.services
        batch: list[dict[str, Any]] = []
        for notice in told:
            shown = notice.data is not None
            fields = ("persoonId", *read_paths(self.asked)) if shown else ("persoonId",)
            batch += records([Read(ACTIE, goal, notice.persoon_id, fields)], caller=self.caller,
                             app=app, uitvoerder=services.uitvoerder,
                             trace=trace_from(self.trace.traceparent),
                             pseudonym=services.pseudonym, now=datetime.now(UTC))  # fmt: skip
        try:
            await services.log.write(batch)
        except ProcessingLogUnavailable as exc:
            log.error("processing log unavailable, subscription ended",
                      trace_id=self.trace.trace_id, reason=exc.message)  # fmt: skip
            raise

    async def stream(self, start: Mapping[int, int] | None) -> AsyncIterator[Gebeurtenis]:
        """Until the client completes or goes away, or an error. The tail is made here, on
        the first iteration, so a stream that never starts leaves no consumer behind."""
        tail = self.service.tail(self.caller.app_id, start)
        waiting: asyncio.Future[list[Item]] | None = None
        try:
            positions = await tail.open()
            while True:
                if waiting is None:
                    waiting = asyncio.ensure_future(tail.next())
                done, _ = await asyncio.wait({waiting}, timeout=RECHECK)
                if not done:
                    await self.recheck()
                    continue
                items, waiting = waiting.result(), None
                for found in await self.deliver(items, positions):
                    yield found
        finally:
            if waiting is not None:
                waiting.cancel()
            tail.close()

    async def recheck(self) -> None:
        """While no record comes: raises, as `deliver` does, when the app lost the purpose or
        the fields (or was withdrawn), so that the subscription does not wait for a record
        that never comes."""
        still_allowed(await self.service.policy.current(), self.caller, self.doel_id, self.asked)


async def subscribe(
    info: Info, kind: str, doel: str, persoon_id: object | None, na: str | None
) -> AsyncIterator[Gebeurtenis]:
    """Everything is checked here, before anything is read; the stream starts reading."""
    context = info.context
    if not isinstance(context, SocketContext) or context.caller is None:
        raise CallerNotAllowed("subscriptions are over the WebSocket at /graphql "
                               "(graphql-transport-ws), with an app's token in connection_init",
                               suggestion="connect with a graphql-transport-ws client")  # fmt: skip
    asked = asked_of([s for f in info.selected_fields for s in f.selections])
    policy = await context.service.policy.current()
    still_allowed(policy, context.caller, doel, asked)
    subscriber = Subscriber(context.service, context.caller, context.trace, doel, kind,
                            None if persoon_id is None else check_persoon_id(persoon_id),
                            asked)  # fmt: skip
    start = None if na is None else decode_cursor(na)
    return subscriber.stream(start)


# -- the Subscription type -------------------------------------------------------------------


async def _persoon_gewijzigd(info: Info, doel: str, persoonId: strawberry.ID | None = None,
                             na: str | None = None) -> AsyncIterator[Gebeurtenis]:  # fmt: skip
    return await subscribe(info, "persoon-gewijzigd", doel, persoonId, na)


async def _adres_gewijzigd(info: Info, doel: str, persoonId: strawberry.ID | None = None,
                           na: str | None = None) -> AsyncIterator[Gebeurtenis]:  # fmt: skip
    return await subscribe(info, "adres-gewijzigd", doel, persoonId, na)


async def _woz_waarde_vastgesteld(info: Info, doel: str, persoonId: strawberry.ID | None = None,
                                  na: str | None = None) -> AsyncIterator[Gebeurtenis]:  # fmt: skip
    return await subscribe(info, "woz-waarde-vastgesteld", doel, persoonId, na)


async def _toestemming_gewijzigd(info: Info, doel: str, persoonId: strawberry.ID | None = None,
                                 na: str | None = None) -> AsyncIterator[Gebeurtenis]:  # fmt: skip
    return await subscribe(info, "toestemming-gewijzigd", doel, persoonId, na)


async def _in_beeld(info: Info, doel: str, persoonId: strawberry.ID | None = None,
                    na: str | None = None) -> AsyncIterator[Gebeurtenis]:  # fmt: skip
    return await subscribe(info, "in-beeld", doel, persoonId, na)


async def _uit_beeld(info: Info, doel: str, persoonId: strawberry.ID | None = None,
                     na: str | None = None) -> AsyncIterator[Gebeurtenis]:  # fmt: skip
    return await subscribe(info, "uit-beeld", doel, persoonId, na)


ARGUMENTS = (" `persoonId`: only this person. `na`: a cursor received before, to resume after "
             "it; left out: from now on.")  # fmt: skip


@strawberry.type
class Subscription:
    persoonGewijzigd: AsyncIterator[Gebeurtenis] = strawberry.subscription(
        resolver=_persoon_gewijzigd,
        description="A field of a person the purpose shows changed." + ARGUMENTS,
    )
    adresGewijzigd: AsyncIterator[Gebeurtenis] = strawberry.subscription(
        resolver=_adres_gewijzigd,
        description="The address (verblijfplaats, adres or verblijfsobject) of a person the "
        "purpose shows changed." + ARGUMENTS,
    )
    wozWaardeVastgesteld: AsyncIterator[Gebeurtenis] = strawberry.subscription(
        resolver=_woz_waarde_vastgesteld,
        description="A value of a WOZ object the purpose shows for a person was set." + ARGUMENTS,
    )
    toestemmingGewijzigd: AsyncIterator[Gebeurtenis] = strawberry.subscription(
        resolver=_toestemming_gewijzigd,
        description="A purpose on consent: a person gave it (status actief; with `persoon`) "
        "or it ended (beeindigd; without, and nothing more comes for them)." + ARGUMENTS,
    )
    inBeeld: AsyncIterator[Gebeurtenis] = strawberry.subscription(
        resolver=_in_beeld,
        description="A person came into the purpose's scope (consent, a move, a policy "
        "change)." + ARGUMENTS,
    )
    uitBeeld: AsyncIterator[Gebeurtenis] = strawberry.subscription(
        resolver=_uit_beeld,
        description="A person left the purpose's scope; `persoon` is null and nothing more "
        "comes for them." + ARGUMENTS,
    )


# -- schema extensions -----------------------------------------------------------------------
