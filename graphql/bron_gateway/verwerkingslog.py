"""The processing log (verwerkingenlogging): one `nl.platform.verwerking-vastgelegd.v1` record
per citizen read, on `bron.verwerkingslog`, acknowledged by the broker before any data leaves
the gateway. No sampling. The citizen is a pseudonym, HMAC-SHA256 of the persoonId with a
secret kept in the data directory: never the BSN, never the persoonId itself."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

import structlog
from confluent_kafka import KafkaError, Message
from prometheus_client import Counter

from bron.contracts.codec import EncodeError, EventCodec, KafkaRecord
from bron.errors import BronError
from bron.kafka.clients import make_producer
from bron.policy import App, Doel
from bron_gateway.auth import Caller
from bron_gateway.errors import ProcessingLogUnavailable
from bron_gateway.trace import Trace

EVENT_TYPE = "nl.platform.verwerking-vastgelegd.v1"
SYSTEEM = "bron-gateway"
GEGEVENSBRON = "brp"
BEWAARTERMIJN_JAREN = 2  # the retention of bron.verwerkingslog
PSEUDONYM_KEY_FILE = "verwerkingslog-pseudoniem.key"
CITIZEN = "burger"  # the gebruiker of a citizen's own reads

Record = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Read:
    """A citizen whose data a query returned, for one purpose, and the fields it asked."""

    actie: str
    doel: Doel
    persoon_id: str
    fields: tuple[str, ...]


class Pseudonymiser:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the pseudonym secret needs at least 32 bytes")
        self._secret = secret

    def __call__(self, persoon_id: str) -> str:
        return hmac.new(self._secret, persoon_id.encode(), hashlib.sha256).hexdigest()

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> Pseudonymiser:
        """The installation's secret (data dir/keys), made on first use, readable by its owner
        only. Keep it: a new secret gives every citizen a new pseudonym."""
        path = data_dir / "keys" / PSEUDONYM_KEY_FILE
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(32))
        return cls(path.read_bytes())


def records(
    reads: Sequence[Read],
    *,
    caller: Caller,
    app: App | None,
    uitvoerder: str,
    trace: Trace,
    pseudonym: Pseudonymiser,
    now: datetime,
) -> list[Record]:
    """One record per citizen and purpose; the fields of several reads of them are merged.
    A citizen reading their own data (`app` None) is the `gebruiker` `burger`, never by BSN."""
    merged: dict[tuple[str, str], tuple[Read, set[str]]] = {}
    for read in reads:
        key = (read.doel.id, read.persoon_id)
        _first, fields = merged.setdefault(key, (read, set()))
        fields.update(read.fields)
    return [
        {
            "verwerkingId": str(uuid.uuid4()),
            "actie": read.actie,
            "verwerkingsactiviteitId": read.doel.id,
            "doelId": read.doel.id,
            "grondslag": read.doel.grondslag.value,
            "vertrouwelijkheid": "normaal",
            "bewaartermijn": BEWAARTERMIJN_JAREN,
            "uitvoerder": uitvoerder,
            "systeem": SYSTEEM,
            "gebruiker": CITIZEN if caller.citizen else caller.subject,
            "gegevensbron": GEGEVENSBRON,
            "afnemer": None if app is None or app.organisatie == uitvoerder else app.organisatie,
            "appId": None if app is None else app.id,
            "tijdstip": now,
            "traceId": trace.trace_id,
            "spanId": trace.span_id,
            "statusCode": "ok",
            "verwerkteObjecten": [
                {
                    "objecttype": "persoon",
                    "soortIdentificator": "persoonId-pseudoniem",
                    "identificator": pseudonym(read.persoon_id),
                    "betrokkenheid": "betrokkene",
                    "verwerkteSoortenGegevens": sorted(fields),
                }
            ],
        }
        for read, fields in merged.values()
    ]


log = structlog.get_logger("bron.gateway")


class ProcessingLog(Protocol):
    async def write(self, records: Sequence[Record]) -> None:
        """Return once every record is acknowledged; ProcessingLogUnavailable otherwise."""
        ...

    def close(self) -> None: ...


class MeasuredLog:
    """A processing log that counts its writes: records acknowledged, or refused (no data was
    returned for them)."""

    def __init__(self, inner: ProcessingLog, writes: Counter) -> None:
        self._inner = inner
        self._writes = writes

    async def write(self, records: Sequence[Record]) -> None:
        try:
            await self._inner.write(records)
        except ProcessingLogUnavailable:
            self._writes.labels("gateway", "failed").inc(len(records))
            raise
        self._writes.labels("gateway", "acknowledged").inc(len(records))

    def close(self) -> None:
        self._inner.close()


class KafkaProcessingLog:
    """Produces with acks=all (idempotent) and waits for each record's delivery report; a
    record not acknowledged within `timeout` seconds fails the whole write."""

    def __init__(self, bootstrap: str, codec: EventCodec, timeout: float) -> None:
        self._codec = codec
        self._timeout = timeout
        self._producer = make_producer(
            bootstrap,
            **{
                "linger.ms": 0,
                "message.timeout.ms": max(1, int(timeout * 1000)),
                "socket.connection.setup.timeout.ms": max(1000, int(timeout * 1000)),
            },
        )
        self._stop = threading.Event()
        self._poller = threading.Thread(target=self._poll, name="verwerkingslog", daemon=True)
        self._poller.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self._producer.poll(0.05)

    async def write(self, records: Sequence[Record]) -> None:
        if not records:
            return
        loop = asyncio.get_running_loop()
        try:
            encoded = await asyncio.to_thread(self._encode, records)
        except EncodeError as exc:
            raise ProcessingLogUnavailable(f"cannot encode: {exc}") from None
        except BronError:  # e.g. the schema registry is unreachable: no record, so no data
            log.warning("verwerkingslog.unavailable", reason="schema registry unreachable")
            raise ProcessingLogUnavailable("the processing log's schema is unavailable") from None
        futures = [loop.create_future() for _ in encoded]
        for record, future in zip(encoded, futures, strict=True):
            self._produce(loop, record, future)
        try:
            async with asyncio.timeout(self._timeout + 1):
                for future in futures:
                    await future
        except TimeoutError:
            raise ProcessingLogUnavailable("no acknowledgement in time") from None
        finally:  # stopped early (a timeout, the request's too): late acknowledgements are moot
            for future in futures:
                if not future.done():
                    future.cancel()

    def _encode(self, batch: Sequence[Record]) -> list[KafkaRecord]:
        return [self._codec.encode(EVENT_TYPE, r, sequence=1, time=r["tijdstip"]) for r in batch]

    def _produce(
        self, loop: asyncio.AbstractEventLoop, record: KafkaRecord, future: asyncio.Future[None]
    ) -> None:
        def delivered(error: KafkaError | None, _message: Message) -> None:
            loop.call_soon_threadsafe(_settle, future, error)

        headers: list[tuple[str, str | bytes | None]] = [(k, v) for k, v in record.headers]
        try:
            self._producer.produce(
                record.topic, record.value, record.key, headers=headers, on_delivery=delivered
            )
        except (BufferError, Exception) as exc:  # librdkafka refuses: queue full, fatal error
            future.set_exception(ProcessingLogUnavailable(f"cannot produce: {exc}"))

    def close(self) -> None:
        self._stop.set()
        self._poller.join(timeout=5)
        self._producer.flush(5)
        self._codec.registry.close()


def _settle(future: asyncio.Future[None], error: KafkaError | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(ProcessingLogUnavailable(f"not acknowledged: {error.str()}"))
