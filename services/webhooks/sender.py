"""The sender: an asyncio loop with one `httpx.AsyncClient`. Each turn settles the attempts
that finished and claims the due heads of the subscriptions' queues, in one transaction
(`services.webhooks.leases`), then starts them: at most `concurrency` at a time, one per
subscription.

Per attempt: the processing-log record first (no record, no request), then the signed POST.
Outcomes: 2xx delivered (the row is deleted); 410 Gone: the receiver unsubscribes, so the
subscription and what waits for it are removed; 429: again after its `Retry-After`, else the
backoff; any other status, a redirect (not followed), a timeout or a connection error: again
after the backoff; a failure past the retry window: a dead letter, logged with the subscription
and notice ids and the reason (never the person or the data). Of a response only the status and
`Retry-After` count; its body is read (up to 64 KiB, so the connection can be kept) and
dropped."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import structlog

from services.webhooks.domain import SIGNATURE_HEADER, backoff, give_up, retry_after, sign
from services.webhooks.leases import Kind, Outcome
from services.webhooks.metrics import Metrics
from services.webhooks.rows import Pending
from services.webhooks.store import WebhookStore
from services.webhooks.verwerking import DeliveryLog, UnknownPurpose, trace_of

log = structlog.get_logger("bron.webhooks")
POLL = 0.2  # seconds between looks for due deliveries when nothing wakes the loop
MAX_BODY = 64 * 1024


@dataclass(frozen=True, slots=True)
class SenderConfig:
    owner: str  # names this dispatcher's leases
    concurrency: int
    timeout: float
    retry_window: float
    backoff_max: float
    attempt: float  # the longest one attempt can take (processing log + request)
    batch: int = 8  # deliveries of one subscription claimed at once, sent one after the other

    @property
    def lease(self) -> float:
        return self.batch * self.attempt + 5


class Sender:
    def __init__(
        self,
        store: WebhookStore,
        log_: DeliveryLog,
        metrics: Metrics,
        client: httpx.AsyncClient,
        config: SenderConfig,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.log = log_
        self.metrics = metrics
        self.client = client
        self.config = config
        self.jitter = jitter
        self.clock = clock
        self._tasks: set[asyncio.Task[None]] = set()
        self._outcomes: list[Outcome] = []
        self._wakeup = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping = False

    def wake(self) -> None:
        """Look for due deliveries now (callable from any thread)."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wakeup.set)

    async def run(self) -> None:
        """Until `stop`; then the attempts in flight may finish (up to the timeout), what
        finished is settled and the leases of the rest are freed."""
        self._loop = asyncio.get_running_loop()
        await asyncio.to_thread(self.store.release_owner, self.config.owner)
        try:
            while not self._stopping:
                for claimed in await self._settle(self.config.concurrency - len(self._tasks)):
                    task = asyncio.create_task(self._send(claimed, self.clock()))
                    self._tasks.add(task)
                    task.add_done_callback(self._done)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), POLL)
                self._wakeup.clear()
        finally:
            await self._drain()

    def stop(self) -> None:
        self._stopping = True
        self._wakeup.set()

    async def _drain(self) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=self.config.timeout + 1)
        for task in set(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._settle(0)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._wakeup.set()

    async def _settle(self, free: int) -> list[list[Pending]]:
        outcomes, self._outcomes = self._outcomes, []
        if not outcomes and free <= 0:
            return []
        try:
            return await asyncio.to_thread(
                self.store.settle,
                outcomes,
                self.clock(),
                free,
                self.config.lease,
                self.config.owner,
                self.config.batch,
            )
        except Exception as exc:  # the store is busy or away: the same outcomes next turn
            log.warning("webhooks.settle_failed", error=type(exc).__name__)
            self._outcomes[:0] = outcomes
            await asyncio.sleep(1)
            return []

    async def _send(self, claimed: list[Pending], at: float) -> None:
        """One subscription's claim, in order; after a failure the rest is released (it may
        not overtake), and so is what the lease would not cover any more."""
        last_start = at + self.config.lease - self.config.attempt - 2
        for i, p in enumerate(claimed):
            if self._stopping or self.clock() > last_start:
                self._release(claimed[i:])
                return
            try:
                outcome = await self._deliver(p)
            except asyncio.CancelledError:
                self._release(claimed[i:])
                return
            except Exception as exc:  # a bug: logged by type; retried like a failure
                error = f"not sent: internal error ({type(exc).__name__})"
                log.error(
                    "webhooks.delivery_crashed",
                    subscription=p.subscription_id,
                    notice=p.notice_id,
                    error=error,
                )
                outcome = self._failed(p, self.clock(), None, error)
            self._outcomes.append(outcome)
            self._wakeup.set()  # settled by the loop while this goes on with the next
            if outcome.kind is not Kind.delivered:
                self._release(claimed[i + 1 :])
                return

    def _release(self, rest: list[Pending]) -> None:
        self._outcomes.extend(Outcome(Kind.release, p) for p in rest)

    async def _deliver(self, p: Pending) -> Outcome:
        started = self.clock()
        trace = trace_of(p.notice_id)
        try:
            await self.log.write(p, trace, datetime.now(UTC))
        except UnknownPurpose as exc:
            return self._dead(p, started, f"not sent: {exc}", None, "not sent")
        except Exception as exc:
            self.metrics.outcome("log_unavailable")
            log.warning(
                "webhooks.log_unavailable",
                subscription=p.subscription_id,
                notice=p.notice_id,
                error=type(exc).__name__,
            )
            return self._failed(p, started, None, "processing log unavailable: not sent")
        status, error, wait = await self._post(p, trace.traceparent)
        if status is not None and 200 <= status < 300:
            self.metrics.outcome("delivered")
            self.metrics.latency.observe(max(0.0, self.clock() - p.written_at))
            return Outcome(Kind.delivered, p)
        if status == 410:
            self.metrics.outcome("gone")
            log.info("webhooks.subscription_gone", subscription=p.subscription_id, app=p.app_id)
            return Outcome(Kind.gone, p)
        self.metrics.outcome("rate_limited" if status == 429 else "retry")
        return self._failed(p, started, status, error, wait)

    async def _post(self, p: Pending, traceparent: str) -> tuple[int | None, str, float | None]:
        """(status, error, Retry-After seconds) of one signed POST."""
        signature = sign(p.secret, p.notice_id, int(self.clock()), p.payload)
        headers = {
            **p.headers,
            "traceparent": traceparent,
            SIGNATURE_HEADER: signature,
            "bron-delivery-attempt": str(p.attempts + 1),
        }
        try:
            async with asyncio.timeout(self.config.timeout):
                request = self.client.build_request(
                    "POST", p.url, content=p.payload, headers=headers
                )
                response = await self.client.send(request, stream=True)
                try:
                    read = 0
                    async for chunk in response.aiter_raw():
                        read += len(chunk)
                        if read > MAX_BODY:
                            break
                finally:
                    await response.aclose()
        except (TimeoutError, httpx.TimeoutException):
            return None, f"no answer within {self.config.timeout:g} s", None
        except httpx.HTTPError as exc:
            return None, f"connection failed ({type(exc).__name__})", None
        status = response.status_code
        if status != 429:
            return status, f"HTTP {status}", None
        return status, "HTTP 429", retry_after(response.headers.get("retry-after"), self.clock())

    def _failed(
        self, p: Pending, started: float, status: int | None, error: str, wait: float | None = None
    ) -> Outcome:
        now = self.clock()
        if give_up(p.queued_at, now, self.config.retry_window):
            reason = f"no success within the retry window ({self.config.retry_window:g} s): {error}"
            return self._dead(p, started, reason, status, error)
        delay = backoff(p.attempts + 1, wait, cap=self.config.backoff_max, jitter=self.jitter)
        return Outcome(Kind.retry, p, started, now + delay, status, error)

    def _dead(
        self, p: Pending, started: float, reason: str, status: int | None, error: str
    ) -> Outcome:
        dead_id = str(uuid.uuid4())
        self.metrics.outcome("dead_letter")
        self.metrics.dead_letters.inc()
        log.error(
            "webhooks.dead_letter",
            dead_letter=dead_id,
            subscription=p.subscription_id,
            notice=p.notice_id,
            attempts=p.attempts + 1,
            reason=reason,
        )
        return Outcome(
            Kind.dead, p, started, status=status, error=error, reason=reason, dead_id=dead_id
        )
