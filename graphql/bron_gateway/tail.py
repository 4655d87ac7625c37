"""The Kafka side of the gateway's subscriptions (ADR 11): a `Tail` reads an app's own topic
`bron.app.<appId>` for one subscription, with a consumer of its own in a thread of its own (no
consumer group and no commits; every partition assigned, from the client's cursor or from the
end), and hands batches of records to the event loop through a small queue that holds the
consumer back while the client is slow. `SubscriptionService` keeps the open tails, to close
them at shutdown."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaException, Message, TopicPartition

from bron.kafka.clients import consumer_config
from bron.notices import Record, RecordError, decode
from bron_gateway.access import PolicySource
from bron_gateway.auth import Authenticator
from bron_gateway.context import Services
from bron_gateway.errors import (
    GatewayError,
)

log = structlog.get_logger("bron.gateway")

TOPIC_PREFIX = "bron.app."
GROUP = "bron-gateway-abonnementen"  # librdkafka wants one; it never joins nor commits
POLL = 0.2  # seconds a consume() waits; also how soon a closed subscription's thread ends
BATCH = 500  # records per consume()
QUEUE_BATCHES = 4  # batches waiting for a slow subscriber before its consumer holds back
OPEN_TIMEOUT = 10.0  # seconds for the topic's metadata and end offsets
REFRESH = 5.0  # seconds between looks for partitions (or a topic) that were not there


class EventsUnavailable(GatewayError):
    code = "EVENTS_UNAVAILABLE"

    def __init__(self, reason: str) -> None:
        super().__init__(f"the app's events cannot be read ({reason})",
                         suggestion="subscribe again later, with the last cursor")  # fmt: skip


def end_reason(exc: Exception) -> str:
    """Why a subscription ended, in words for the app builder: not the exception's class, and
    not the broker's message (it names hosts and internals; the gateway's log has the class)."""
    if isinstance(exc, KafkaException):
        return "Kafka stopped serving the app's topic"
    return "the gateway could not go on reading them"


# -- the Kafka tail --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Item:
    """One record of the topic: where it was, when it was made, and what it says (None: not
    what the workers write; logged by its place, never its data)."""

    partition: int
    offset: int
    tijdstip: datetime
    record: Record | None


class Tail:
    """One subscription's reader of its app's topic: a consumer of its own, polled in a thread
    of its own so the event loop never waits for Kafka (nor takes a thread of the default
    executor, which the store reads need). Batches reach the loop through a small queue that
    holds the consumer back while the subscriber is slow. The thread closes the consumer when
    `close()` is called (the client completed or went away, or the gateway stops), within
    `POLL` seconds; then, or when the consumer fails, `next()` raises once the queue is empty."""

    def __init__(
        self,
        config: dict[str, Any],
        topic: str,
        start: Mapping[int, int] | None,
        on_exit: Callable[[Tail], None] = lambda _: None,
    ) -> None:
        self.topic = topic
        self._config = config
        self._start = None if start is None else dict(start)
        self._on_exit = on_exit
        self._stop = threading.Event()
        self._queue: asyncio.Queue[list[Item] | EventsUnavailable] = asyncio.Queue(QUEUE_BATCHES)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready: asyncio.Future[dict[int, int]] | None = None
        self._end: EventsUnavailable | None = None  # set on the loop when the thread ended

    async def open(self) -> dict[int, int]:
        """Start reading; the start positions (partition -> next offset) once assigned."""
        self._loop = asyncio.get_running_loop()
        self._ready = self._loop.create_future()
        threading.Thread(target=self._run, name=f"abonnement {self.topic}", daemon=True).start()
        try:
            return await asyncio.wait_for(self._ready, OPEN_TIMEOUT * 2)
        except TimeoutError:
            raise EventsUnavailable("the broker did not answer in time") from None

    async def next(self) -> list[Item]:
        """The next batch of records; EventsUnavailable when the tail has ended."""
        if self._end is not None and self._queue.empty():
            raise self._end
        got = await self._queue.get()
        if isinstance(got, EventsUnavailable):
            raise got
        return got

    def close(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        consumer: Consumer | None = None
        end = EventsUnavailable("the subscription was closed")
        try:
            consumer = Consumer(self._config)
            assignment, positions = self._positions(consumer)
            consumer.assign(assignment)
            self._settle(positions)
            known = {tp.partition for tp in assignment}
            refresh = time.monotonic() + REFRESH
            while not self._stop.is_set():
                # poll() returns at the first record; consume(…, 0) takes what else is there
                # without waiting for a full batch (it would wait out its timeout for one).
                first = consumer.poll(POLL)
                found = [] if first is None else [first, *consumer.consume(BATCH - 1, 0)]
                items = [_item(m) for m in found if _good(m)]
                if items:
                    self._hand(items)
                if time.monotonic() >= refresh:
                    known |= self._grow(consumer, known)
                    refresh = time.monotonic() + REFRESH
        except Exception as exc:  # the broker, or a fatal consumer error: the subscription ends
            log.error("subscription consumer failed", topic=self.topic, error=type(exc).__name__)
            end = EventsUnavailable(end_reason(exc))
            self._settle(end)
        finally:
            self._stop.set()
            if consumer is not None:
                consumer.close()
            self._on_exit(self)
            self._finish(end)

    def _positions(self, consumer: Consumer) -> tuple[list[TopicPartition], dict[int, int]]:
        """Where to start: the cursor's positions (a partition it does not name, from its
        beginning), or the current end of every partition."""
        partitions = _partitions(consumer, self.topic)
        if self._start is None:
            ends = {p: consumer.get_watermark_offsets(TopicPartition(self.topic, p),
                                                      timeout=OPEN_TIMEOUT, cached=False)[1]
                    for p in partitions}  # fmt: skip
            return [TopicPartition(self.topic, p, o) for p, o in ends.items()], ends
        start = self._start
        assignment = [TopicPartition(self.topic, p, start.get(p, OFFSET_BEGINNING))
                      for p in partitions]  # fmt: skip
        return assignment, {p: o for p, o in start.items() if p in partitions}

    def _grow(self, consumer: Consumer, known: set[int]) -> set[int]:
        """Partitions (or the whole topic) that appeared since: from the cursor's position,
        else from their beginning (all of it came after the subscription started)."""
        new = [p for p in _partitions(consumer, self.topic) if p not in known]
        start = self._start or {}
        if new:
            consumer.incremental_assign(
                [TopicPartition(self.topic, p, start.get(p, OFFSET_BEGINNING)) for p in new]
            )
        return set(new)

    def _settle(self, outcome: dict[int, int] | EventsUnavailable) -> None:
        ready, loop = self._ready, self._loop
        if ready is None or loop is None:
            return

        def settle() -> None:
            if ready.done():
                return
            if isinstance(outcome, EventsUnavailable):
                ready.set_exception(outcome)
            else:
                ready.set_result(outcome)

        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
            loop.call_soon_threadsafe(settle)

    def _finish(self, end: EventsUnavailable) -> None:
        """Tell the subscriber the tail ended: in the queue if there is room, else `next()`
        sees `_end` once it emptied the queue (both on the loop's thread: no race)."""
        loop = self._loop
        if loop is None:
            return

        def finish() -> None:
            self._end = end
            with contextlib.suppress(asyncio.QueueFull):
                self._queue.put_nowait(end)

        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody listens
            loop.call_soon_threadsafe(finish)

    def _hand(self, got: list[Item]) -> None:
        """To the subscriber; waits while its queue is full, until the tail is closed."""
        loop = self._loop
        if loop is None:
            return
        try:
            future = asyncio.run_coroutine_threadsafe(self._queue.put(got), loop)
        except RuntimeError:  # the loop is closed: nobody listens
            return
        while True:
            try:
                future.result(timeout=POLL)
                return
            except concurrent.futures.TimeoutError:
                if self._stop.is_set():
                    future.cancel()
                    return
            except (concurrent.futures.CancelledError, RuntimeError):
                return


def _partitions(consumer: Consumer, topic: str) -> list[int]:
    """The topic's partitions; none while it does not exist (the app has had no records)."""
    found = consumer.list_topics(topic, timeout=OPEN_TIMEOUT).topics.get(topic)
    if found is None or found.error is not None:
        return []
    return sorted(found.partitions)


def _good(message: Message) -> bool:
    error = message.error()
    if error is None:
        return True
    if error.fatal():
        raise KafkaException(error)
    log.debug("subscription consumer error", topic=message.topic(), error=error.name())
    return False


def _item(message: Message) -> Item:
    partition, offset = message.partition() or 0, message.offset() or 0
    try:
        record = decode(message.topic(), message.key(), message.value(), message.headers())
    except RecordError as exc:
        log.warning("subscription skipped a bad record", topic=message.topic(),
                    partition=partition, offset=offset, reason=str(exc))  # fmt: skip
        record = None
    return Item(partition, offset, _made(message), record)


def _made(message: Message) -> datetime:
    """The record's CloudEvents `time`, else its Kafka timestamp."""
    headers = message.headers() or []
    value = dict(headers.items() if isinstance(headers, dict) else headers).get("ce_time")
    if value:
        text = value.decode() if isinstance(value, bytes) else value
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
    _kind, millis = message.timestamp()
    return datetime.fromtimestamp(max(millis, 0) / 1000, UTC)


# -- the service and the connection ----------------------------------------------------------


@dataclass(slots=True)
class SubscriptionService:
    """What every WebSocket connection shares: the broker, the register, the token check and
    the processing log; and the tails now open (closed at shutdown)."""

    bootstrap: str
    policy: PolicySource
    authenticator: Authenticator
    services: Services
    tails: set[Tail] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def tail(self, app_id: str, start: Mapping[int, int] | None) -> Tail:
        config = consumer_config(self.bootstrap, GROUP, **{
            "enable.auto.commit": False,
            "enable.auto.offset.store": False,
            "auto.offset.reset": "earliest",  # a cursor past retention: the oldest kept
            "client.id": "bron-gateway-abonnement",
        })  # fmt: skip
        tail = Tail(config, TOPIC_PREFIX + app_id, start, self._forget)
        with self._lock:
            self.tails.add(tail)
        return tail

    @property
    def open_tails(self) -> int:
        with self._lock:
            return len(self.tails)

    def _forget(self, tail: Tail) -> None:
        with self._lock:
            self.tails.discard(tail)

    def close(self) -> None:
        with self._lock:
            for tail in self.tails:
                tail.close()
