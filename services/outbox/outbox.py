"""The outbox tables on a registry's metadata, and what a registry does with them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    delete,
    func,
    select,
)

from services.outbox.message import OutboxMessage, check_sequences, encode_headers
from services.outbox.sql import serialise_appends

# SQLite only aliases the rowid for a column typed exactly INTEGER.
Position = BigInteger().with_variant(Integer(), "sqlite")


class Outbox:
    def __init__(self, metadata: MetaData, name: str = "outbox") -> None:
        self.name = name
        self.table = Table(
            name,
            metadata,
            Column("position", Position, primary_key=True, autoincrement=True),
            Column("event_id", String(64), nullable=False, unique=True),
            Column("aggregate_type", String(100), nullable=False),
            Column("aggregate_id", String(200), nullable=False),
            Column("sequence", BigInteger, nullable=False),
            Column("event_type", String(200), nullable=False),
            Column("topic", String(249), nullable=False),
            Column("key", LargeBinary, nullable=False),
            Column("value", LargeBinary, nullable=False),
            Column("headers", Text, nullable=False),
            Column("created_at", DateTime(timezone=True), nullable=False),
            Column("sent_at", DateTime(timezone=True), nullable=True),
            UniqueConstraint("aggregate_type", "aggregate_id", "sequence"),
            # positions are never reused after a prune deleted the highest one
            sqlite_autoincrement=True,
        )
        # Partial: holds only the unsent rows, already in position order; an index led by
        # sent_at is not used for the ORDER BY by PostgreSQL, which then filters every sent row.
        unsent = self.table.c.sent_at.is_(None)
        Index(
            f"ix_{name}_unsent", self.table.c.position, postgresql_where=unsent, sqlite_where=unsent
        )
        self.lease_table = Table(
            f"{name}_lease",
            metadata,
            Column("name", String(100), primary_key=True),
            Column("owner", String(200), nullable=True),
            Column("token", BigInteger, nullable=False),
            Column("expires_at", Float, nullable=False),  # epoch seconds, database clock
        )

    def append(self, conn: Connection, messages: Sequence[OutboxMessage]) -> None:
        """Insert the messages in the caller's transaction; make this the transaction's last
        write on PostgreSQL, because it holds the append lock until commit."""
        if not messages:
            return
        check_sequences(messages)
        serialise_appends(conn, self.name)
        now = datetime.now(UTC)
        conn.execute(
            self.table.insert(),
            [
                {
                    "event_id": m.event_id,
                    "aggregate_type": m.aggregate_type,
                    "aggregate_id": m.aggregate_id,
                    "sequence": m.sequence,
                    "event_type": m.event_type,
                    "topic": m.topic,
                    "key": m.key,
                    "value": m.value,
                    "headers": encode_headers(m.headers),
                    "created_at": now,
                }
                for m in messages
            ],
        )

    def pending(self, engine: Engine) -> int:
        query = select(func.count()).select_from(self.table).where(self.table.c.sent_at.is_(None))
        with engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def prune(self, engine: Engine, older_than: timedelta) -> int:
        """Delete rows that were sent and were written more than `older_than` ago."""
        cutoff = datetime.now(UTC) - older_than
        query = delete(self.table).where(
            self.table.c.sent_at.is_not(None), self.table.c.created_at < cutoff
        )
        with engine.begin() as conn:
            return conn.execute(query).rowcount
