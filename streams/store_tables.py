"""The projection store's tables (docs/adr/0009): entity states with their lookup index, the
views per app, purpose and person, and the consumed offsets, all in one `MetaData` so that the
worker writes them in one transaction.

Key columns compare bytewise on every database ("C" collation on PostgreSQL, SQLite's BINARY):
keyset pagination, `find_range` over ISO timestamps and Python's `sorted` then agree, whatever
locale the PostgreSQL cluster was created with."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from itertools import islice

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)
from sqlalchemy.types import TypeEngine

from streams.index import VALUE_LENGTH

ID_LENGTH = 64
# Bound lists of `IN (...)` are cut at this length: long enough to amortise a round trip, short
# enough for any driver's parameter limit (SQLite's is 32766, PostgreSQL's 65535).
CHUNK = 500


def key(length: int) -> TypeEngine[str]:
    return String(length).with_variant(String(length, collation="C"), "postgresql")


metadata = MetaData()

entity = Table(
    "entity",
    metadata,
    Column("kind", key(32), primary_key=True),
    Column("id", key(ID_LENGTH), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("state", JSON, nullable=False),
)

# The primary key is also the lookup index: its leading (kind, name, value) serve `find`,
# `find_many` and the range scan of `find_range`, in id order; a second index on the same
# columns would only cost writes. (kind, id, name, value) finds an entity's rows to compare and
# replace. It must cover the rows: an index on (kind, id) alone made SQLite's planner prefer the
# covering primary key with `kind = ?` — a scan of every row of the kind, per batch — and the
# stream worker slowed from ~1,900 to ~800 events/s as 250,000 persons filled the store.
entity_index = Table(
    "entity_index",
    metadata,
    Column("kind", key(32), primary_key=True),
    Column("name", key(64), primary_key=True),
    Column("value", key(VALUE_LENGTH), primary_key=True),
    Column("id", key(ID_LENGTH), primary_key=True),
    Index("ix_entity_index_rows", "kind", "id", "name", "value"),
)
# Indexes of earlier versions, dropped when a store is opened (`streams.store`).
RETIRED_INDEXES = ("ix_entity_index_entity",)

# A removed view keeps its row as a tombstone (digest and view NULL): its version then goes on
# counting when the view comes back, so that app consumers, which drop records by version, never
# take the new view for an old one.
projection_view = Table(
    "projection_view",
    metadata,
    Column("app_id", key(ID_LENGTH), primary_key=True),
    Column("doel_id", key(ID_LENGTH), primary_key=True),
    Column("persoon_id", key(ID_LENGTH), primary_key=True),
    Column("version", BigInteger, nullable=False),
    Column("digest", String(128), nullable=True),
    Column("view", JSON(none_as_null=True), nullable=True),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("ix_projection_view_persoon", "persoon_id"),
)

consumer_offset = Table(
    "consumer_offset",
    metadata,
    Column("consumer", key(200), primary_key=True),
    Column("topic", key(249), primary_key=True),  # Kafka's longest topic name
    Column("partition", Integer, primary_key=True, autoincrement=False),
    Column("next_offset", BigInteger, nullable=False),
)

# The store's generation: when it was (re)built, in epoch milliseconds. Versions sent to apps
# lead with it, so that records of a rebuilt store outrank those of the store it replaced.
store_meta = Table(
    "store_meta",
    metadata,
    Column("name", key(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)


def chunks(values: Collection[str]) -> Iterator[list[str]]:
    """Distinct values in lists of at most `CHUNK`, in a stable order."""
    unique = iter(dict.fromkeys(values))
    while batch := list(islice(unique, CHUNK)):
        yield batch
