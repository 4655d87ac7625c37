"""Disk used by a scale run's stores: each registry's SQLite database (with its -wal and -shm)
and what its outbox takes of it, the projection store by table, and the broker's log dirs by
kind of topic.

Sizes are blocks allocated, as `du` counts them, not apparent sizes: Kafka preallocates its
index files sparsely, and an apparent size would count 10 MiB per segment that is not on disk.
The parts of a SQLite file come from its `dbstat` table (pages per table, its indexes
included), when SQLite was built with it; a PostgreSQL store's from `pg_database_size` and
`pg_total_relation_size` (tables with their indexes and TOAST). The baseline's topics
(`bench.*`) are left out of Kafka's total and named apart."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bron.topics import POLICY_EVENTS, REGISTRY_EVENTS, VERWERKINGSLOG

REGISTRY_TOPICS = {spec.name for spec in (*REGISTRY_EVENTS, POLICY_EVENTS)}


@dataclass(frozen=True, slots=True)
class DiskRow:
    store: str
    bytes: int
    part: bool = False  # a part of the store in the row before it, not a store of its own

    def to_json(self, persons: int) -> dict[str, object]:
        return {"store": self.store, "bytes": self.bytes, "part": self.part,
                "bytes_per_person": self.bytes / persons if persons else 0.0}  # fmt: skip


def allocated(path: Path) -> int:
    """Bytes allocated to a file, or to every file under a folder (0 when missing)."""
    if not path.exists():
        return 0
    if path.is_file():
        return path.stat().st_blocks * 512
    return sum(p.stat().st_blocks * 512 for p in path.rglob("*") if p.is_file())


def sqlite_rows(store: str, url: str, part: Callable[[str], str]) -> list[DiskRow]:
    """A SQLite database with its write-ahead log and shared-memory index, then its tables
    (with their indexes) grouped by `part` of the table's name."""
    path = Path(url.removeprefix("sqlite:///"))
    total = sum(allocated(path.with_name(path.name + s)) for s in ("", "-wal", "-shm"))
    parts: dict[str, int] = {}
    for table, size in _table_sizes(path).items():
        parts[part(table)] = parts.get(part(table), 0) + size
    return [DiskRow(store, total), *(DiskRow(name, size, part=True)
                                     for name, size in sorted(parts.items()))]  # fmt: skip


def postgres_rows(store: str, url: str) -> list[DiskRow]:
    """A PostgreSQL database's size, then its tables with their indexes and TOAST."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            total = conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar()
            tables = conn.execute(sa.text(
                "SELECT tablename, pg_total_relation_size(quote_ident(tablename)) "
                "FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )).all()  # fmt: skip
    finally:
        engine.dispose()
    parts = [DiskRow(store_part(str(name)), int(size), part=True) for name, size in tables]
    return [DiskRow(store, int(total or 0)), *parts]


def _table_sizes(path: Path) -> dict[str, int]:
    """Bytes of pages per table, its indexes included; empty without `dbstat`."""
    query = ("SELECT m.tbl_name, sum(d.pgsize) FROM dbstat AS d "
             "JOIN sqlite_master AS m ON m.name = d.name GROUP BY m.tbl_name")  # fmt: skip
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return {str(name): int(size) for name, size in db.execute(query)}
    except sqlite3.Error:  # no dbstat in this SQLite
        return {}
    finally:
        db.close()


def registry_part(table: str) -> str:
    if table.startswith("outbox"):
        return "its outbox: events kept after sending (pruned after the retention)"
    return "its states and lookup tables"


def store_part(table: str) -> str:
    return f"table {table} (with its indexes)"


def topic_of(folder: Path) -> str | None:
    """`bron.brp.events-3` → `bron.brp.events`; None for what is not a partition's folder (a
    topic being deleted ends in `-delete`)."""
    name, _, partition = folder.name.rpartition("-")
    return name if name and partition.isdigit() else None


def kafka_group(topic: str) -> str:
    if topic in REGISTRY_TOPICS:
        return "registry and policy event topics"
    if topic.startswith("bron.app."):
        return "app view topics (the worker's output)"
    if topic == VERWERKINGSLOG.name:
        return "processing log (written by the gateway stage's reads)"
    if topic.startswith("bench."):
        return "the publish baseline's topic (not counted)"
    return "other (consumer offsets, schemas, metadata, dead letters)"


def kafka_rows(log_dirs: Path) -> list[DiskRow]:
    """The broker's log dirs without the baseline's topic, then by kind of topic."""
    groups: dict[str, int] = {}
    for folder in sorted(p for p in log_dirs.iterdir() if p.is_dir()):
        group = kafka_group(topic_of(folder) or "")
        groups[group] = groups.get(group, 0) + allocated(folder)
    total = sum(size for group, size in groups.items() if "baseline" not in group)
    return [DiskRow("Kafka log dirs (without the baseline's topic)", total),
            *(DiskRow(g, size, part=True) for g, size in sorted(groups.items()))]  # fmt: skip
