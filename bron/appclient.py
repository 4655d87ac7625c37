"""Consume your app's own topic (`bron.app.<appId>`) directly, by the rules the gateway's
subscriptions and the webhooks follow (ADR 11):

    def handle(notice: Notice) -> None:  # idempotent per notice.id
        ...

    with AppConsumer(bootstrap, "parkeren", "parkeren-meldingen", doelen={"parkeervergunning"},
                     consent_doelen={"parkeervergunning"}, state_path=Path("versies.db")) as app:
        app.run(handle, stop)  # until stop (a threading.Event) is set

- Each record is decoded (`bron.notices.decode`) and turned into notices (`bron.notices.notices`),
  of the purposes (`doelen`) and `kinds` asked for (None: all).
- De-duplication by `versie` per person: a record at or below the last versie handled for its
  person (a redelivery, a replay from the beginning, an older record) is passed over. The
  versies are kept in memory, or with `state_path` in a small SQLite file that survives
  restarts (one consumer per file; each instance of a group its own file).
- At-least-once: a record's versie is stored and its offset committed only after the handler
  returned for all its notices. If the handler raises, neither happens, the consumer is rewound
  to that record and the exception propagates: the app sees the record again, at the next poll
  or, after a restart, where the group resumes. Notice ids are stable per record, so a handler
  can recognise one it has seen.
- A tombstone (after the record that says what was removed) updates nothing and gives no
  notices. A record that does not decode raises `AppClientError` (topic, partition, offset and
  what is wrong, never data), commits nothing and raises again when read again; with
  `on_bad_record` the error goes to that callback instead and the record is passed over
  (committed) — it should log the error and tell the platform team.

No schema registry here: per-app records are JSON, not Avro, since their shape depends on the
app's purposes (ADR 11: `dataschema` `urn:bron:projectie`, the views have the GraphQL types'
shapes). Apps that also consume registry topics directly (Avro in the Confluent wire format,
CloudEvents headers) decode those with `bron.contracts.codec.EventCodec`.

Not thread-safe: use an AppConsumer from one thread at a time."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from confluent_kafka import KafkaException, Message, TopicPartition

from bron.kafka.clients import make_consumer
from bron.notices import KINDS, Notice, Record, RecordError, decode, latest, notices

log = logging.getLogger("bron.appclient")

TOPIC_PREFIX = "bron.app."
FIXED: dict[str, Any] = {"enable.auto.commit": False, "isolation.level": "read_committed"}


class AppClientError(RuntimeError):
    """A record of the app's topic that is not what the workers write; says where it is and
    what is wrong, never its data."""

    def __init__(self, topic: str, partition: int, offset: int, reason: str) -> None:
        super().__init__(f"{topic} [{partition}] @ {offset}: {reason}")
        self.topic, self.partition, self.offset = topic, partition, offset


class Versies(Mapping[str, int]):
    """The last versie handled per person (persoonId -> versie), in memory and, with `path`,
    in SQLite (table `versies`, one row per app and person, written before `handled` returns)."""

    def __init__(self, app_id: str, path: Path | None = None) -> None:
        self.app_id = app_id
        self._cache: dict[str, int] = {}
        self._db: sqlite3.Connection | None = None
        if path is not None:
            self._db = sqlite3.connect(path, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            with self._db:
                self._db.execute(
                    "CREATE TABLE IF NOT EXISTS versies (app_id TEXT NOT NULL, persoon_id TEXT"
                    " NOT NULL, versie INTEGER NOT NULL, PRIMARY KEY (app_id, persoon_id))"
                )

    def __getitem__(self, persoon_id: str) -> int:
        if persoon_id not in self._cache and self._db is not None:
            row = self._db.execute(
                "SELECT versie FROM versies WHERE app_id = ? AND persoon_id = ?",
                (self.app_id, persoon_id),
            ).fetchone()
            if row is not None:
                self._cache[persoon_id] = int(row[0])
        return self._cache[persoon_id]

    def __iter__(self) -> Iterator[str]:
        if self._db is None:
            return iter(list(self._cache))
        rows = self._db.execute("SELECT persoon_id FROM versies WHERE app_id = ?", (self.app_id,))
        return iter([str(persoon_id) for (persoon_id,) in rows])

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def handled(self, record: Record) -> None:
        """`record` was handled: later records of its person at or below its versie are old."""
        if not latest(self, record):
            return
        self._cache[record.persoon_id] = record.versie
        if self._db is not None:
            with self._db:
                self._db.execute(
                    "INSERT INTO versies VALUES (?, ?, ?) ON CONFLICT (app_id, persoon_id)"
                    " DO UPDATE SET versie = max(versie, excluded.versie)",
                    (self.app_id, record.persoon_id, record.versie),
                )

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


def wanted(notice: Notice, doelen: Collection[str] | None, kinds: Collection[str] | None) -> bool:
    """The filters: a purpose and a kind asked for (None: any)."""
    return (doelen is None or notice.doel_id in doelen) and (kinds is None or notice.kind in kinds)


class AppConsumer:
    """A consumer of `bron.app.<app_id>` in consumer group `group` (see the module docstring).
    `from_beginning`: where a group without committed offsets starts. `kafka_config`: more
    librdkafka settings (security, timeouts); auto commit and read_committed are fixed."""

    def __init__(
        self,
        bootstrap: str,
        app_id: str,
        group: str,
        *,
        doelen: Collection[str] | None = None,
        kinds: Collection[str] | None = None,
        consent_doelen: Collection[str] = (),
        state_path: Path | None = None,
        from_beginning: bool = True,
        on_bad_record: Callable[[AppClientError], None] | None = None,
        **kafka_config: Any,
    ) -> None:
        unknown = sorted(set(kinds or ()) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown notice kinds {unknown}; known: {list(KINDS)}")
        for name, value in FIXED.items():
            if kafka_config.get(name, value) != value:
                raise ValueError(f"{name} must be {value!r}: the client commits after handling")
        self.topic = TOPIC_PREFIX + app_id
        self.versies = Versies(app_id, state_path)
        self._doelen = None if doelen is None else frozenset(doelen)
        self._kinds = None if kinds is None else frozenset(kinds)
        self._consent = frozenset(consent_doelen)
        self._on_bad_record = on_bad_record
        self._pending: tuple[Message, Record | None] | None = None  # returned, not committed
        reset = "earliest" if from_beginning else "latest"
        config = {"auto.offset.reset": reset, **kafka_config, **FIXED}
        self._consumer = make_consumer(bootstrap, group, **config)
        self._consumer.subscribe([self.topic])

    def poll(self, timeout: float = 1.0) -> list[Notice]:
        """The wanted notices of the next record, waiting up to `timeout` s; [] when no record
        came or it gives none (a tombstone, a duplicate, filtered out). Calling poll again, or
        `commit`, marks the record handled (versie stored, offset committed)."""
        self.commit()
        message = self._consumer.poll(timeout)
        if message is None:
            return []
        error = message.error()
        if error is not None:
            if error.fatal():
                raise KafkaException(error)
            log.warning("appclient.kafka_error topic=%s error=%s", self.topic, error.str())
            return []
        self._pending = (message, None)
        try:
            record = decode(message.topic(), message.key(), message.value(), message.headers())
        except RecordError as exc:
            bad = AppClientError(*_where(message), str(exc))
            if self._on_bad_record is None:
                self._rewind()
                raise bad from None
            self._on_bad_record(bad)
            return []
        self._pending = (message, record)
        if record.doelen is None or not latest(self.versies, record):
            return []
        found = notices(record, self._consent)
        return [n for n in found if wanted(n, self._doelen, self._kinds)]

    def __iter__(self) -> Iterator[Notice]:
        """Notices without end. A record is committed when the loop asks for the next notice
        after its last one; leaving the loop (break, exception) leaves it to be read again."""
        try:
            while True:
                yield from self.poll(1.0)
        except GeneratorExit:
            self._rewind()
            raise

    def run(
        self,
        handler: Callable[[Notice], None],
        stop: threading.Event | None = None,
        *,
        timeout: float = 0.5,
    ) -> None:
        """Call `handler` for each notice until `stop` is set; a record is committed after the
        handler returned for all its notices. When it raises: see the module docstring."""
        while stop is None or not stop.is_set():
            for notice in self.poll(timeout):
                try:
                    handler(notice)
                except BaseException:
                    self._rewind()
                    raise
        self.commit()

    def commit(self) -> None:
        """Mark the record of the last poll handled: store its versie, commit its offset."""
        if self._pending is None:
            return
        message, record = self._pending
        self._pending = None
        if record is not None and record.doelen is not None:
            self.versies.handled(record)
        topic, partition, offset = _where(message)
        try:
            self._consumer.commit(
                offsets=[TopicPartition(topic, partition, offset + 1)], asynchronous=False
            )
        except KafkaException as exc:  # e.g. the partition moved: it comes again, de-duplicated
            log.warning("appclient.commit_failed topic=%s partition=%d: %s", topic, partition, exc)

    def close(self) -> None:
        """Leave the group. A record of the last poll that was not committed is read again."""
        self._pending = None
        self._consumer.close()
        self.versies.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.commit()
        self.close()

    def _rewind(self) -> None:
        """Back to the record of the last poll, so that it is read again."""
        if self._pending is None:
            return
        topic, partition, offset = _where(self._pending[0])
        self._pending = None
        try:
            self._consumer.seek(TopicPartition(topic, partition, offset))
        except (KafkaException, RuntimeError):  # no longer assigned, or closed: not committed
            log.info("appclient.rewind_skipped topic=%s partition=%d", topic, partition)


def _where(message: Message) -> tuple[str, int, int]:
    return message.topic() or "", message.partition() or 0, message.offset() or 0
