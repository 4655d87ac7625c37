"""The webhook service's tables (SQLAlchemy Core; SQLite by default, PostgreSQL by URL).

Times are unix seconds (floats): they are compared with `now` in every query that picks due
deliveries, the same on both databases. Pending and dead deliveries hold the request as it
will be sent (payload and headers, without the signature, which is made at send time); a
delivery is deleted once delivered, so the service keeps no personal data beyond what waits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()
Seq = BigInteger().with_variant(Integer(), "sqlite")

subscription = Table(
    "webhook_subscription",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("app_id", String(64), nullable=False, index=True),
    Column("doel_id", String(64), nullable=False),
    Column("url", Text, nullable=False),
    Column("kinds", Text, nullable=False),  # JSON list; [] = every kind
    Column("gemeenten", Text, nullable=False),  # JSON list; [] = no filter
    Column("persoon_id", String(64)),
    Column("volledig", Boolean, nullable=False),
    Column("status", String(16), nullable=False),
    Column("secret", String(128), nullable=False),
    Column("created_at", Float, nullable=False),
)


def _delivery_columns() -> list[Column[Any]]:
    """The columns pending and dead deliveries share (fresh objects for each table)."""
    return [
        Column("subscription_id", String(36), nullable=False),
        Column("notice_id", String(36), nullable=False),
        Column("app_id", String(64), nullable=False),
        Column("doel_id", String(64), nullable=False),
        Column("persoon_id", String(64), nullable=False),  # for the processing log's pseudonym
        Column("type", String(100), nullable=False),
        Column("logged_fields", Text, nullable=False),  # JSON list
        Column("topic", String(249), nullable=False),
        Column("kafka_partition", Integer, nullable=False),
        Column("kafka_offset", BigInteger, nullable=False),
        Column("written_at", Float, nullable=False),  # the record's Kafka timestamp
        Column("payload", LargeBinary, nullable=False),
        Column("headers", Text, nullable=False),  # JSON object
        Column("attempts", Integer, nullable=False, default=0),
        Column("queued_at", Float, nullable=False),  # start of the retry window
        Column("first_attempt_at", Float),
        Column("last_status", Integer),
        Column("last_error", Text),
    ]


delivery = Table(
    "webhook_delivery",
    metadata,
    # the order of a subscription's deliveries: the order the consumer saw their records in
    Column("seq", Seq, primary_key=True, autoincrement=True),
    *_delivery_columns(),
    Column("next_attempt_at", Float, nullable=False),
    Column("leased_until", Float, nullable=False, default=0.0),
    Column("lease", String(140)),  # "<instance>:<uuid>" of the claim
    UniqueConstraint("subscription_id", "notice_id", name="uq_webhook_delivery_notice"),
    Index("ix_webhook_delivery_head", "subscription_id", "seq"),
)

dead_letter = Table(
    "webhook_dead_letter",
    metadata,
    Column("id", String(36), primary_key=True),
    *_delivery_columns(),
    Column("reason", Text, nullable=False),
    Column("failed_at", Float, nullable=False),
    Index("ix_webhook_dead_letter_app", "app_id", "failed_at"),
)

offset = Table(
    "webhook_offset",
    metadata,
    Column("consumer_group", String(100), primary_key=True),
    Column("topic", String(249), primary_key=True),
    Column("kafka_partition", Integer, primary_key=True),
    Column("next_offset", BigInteger, nullable=False),
)
