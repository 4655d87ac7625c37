"""`bron generate`'s bulk load through the registries' use cases, against bare SQLite writes of
the same rows measured in the same run.

Figure: N synthetic persons (households, BAG objects, partnerships, WOZ objects and values,
consents) through `services.importer.generate` — every command decided, folded, saved with its
lookups and its events encoded (Avro, schema ids from the real schema registry) into the
outbox, in batches of 5,000 commands per transaction — as commands committed per second; the
relays are not running (publishing is the relay benchmark's figure). Baseline: the rows that
run wrote (every entity's final state row and every outbox row, same bytes) inserted into
SQLite tables of the same shape with plain `sqlite3` `executemany`, same journal settings,
5,000 rows per transaction: the storage work alone, without domain, SQLAlchemy or encoding."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from services.importer.generate import ORDER, Loader, generate
from tests.bench.harness import BenchContext, Measurement
from tests.integration.registries import contracts_registry, registry_settings

CHUNK = 5000


def bench_generate(ctx: BenchContext) -> list[Measurement]:
    persons = 300 if ctx.quick else 3000
    figure: list[float] = []
    bare: list[float] = []
    with contracts_registry(ctx.bootstrap) as registry_url:
        for repeat in range(ctx.repeats):
            with tempfile.TemporaryDirectory(prefix="bron-bench-generate-") as folder:
                settings = registry_settings(Path(folder), ctx.bootstrap, registry_url)
                loader = Loader(settings)
                try:
                    summary = generate(loader, persons, seed=repeat + 1, chunk=CHUNK)
                    figure.append(summary.changes / summary.seconds)
                    states, outbox = _rows(loader)
                finally:
                    loader.close()
                seconds = _bare_write(Path(folder) / "bare.db", states, outbox)
                bare.append(summary.changes / seconds)
    note = (f"{persons} persons ≈ {persons * 4.25:.0f} changes per repeat; the bare writes "
            "insert the same state and outbox rows")  # fmt: skip
    return [
        Measurement("generate.bare", "bare SQLite writes of the same rows", "changes/s",
                    tuple(bare)),
        Measurement("generate.load", "bron generate: commands through the registries' use "
                    "cases, batched", "changes/s", tuple(figure), baseline="generate.bare",
                    note=note),
    ]  # fmt: skip


def _rows(loader: Loader) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    states: list[tuple[Any, ...]] = []
    outbox: list[tuple[Any, ...]] = []
    for name in ORDER:
        runtime = loader.runtimes[name]
        with runtime.engine.connect() as conn:
            for table in runtime.outbox.table.metadata.sorted_tables:
                if table.name.startswith("outbox"):
                    continue
                if {"id", "version", "state"} <= set(table.c.keys()):
                    query = select(table.c.id, table.c.version, table.c.state)
                    states += [(r.id, r.version, _json(r.state)) for r in conn.execute(query)]
            t = runtime.outbox.table
            query = select(t.c.event_id, t.c.aggregate_type, t.c.aggregate_id, t.c.sequence,
                           t.c.event_type, t.c.topic, t.c.key, t.c.value, t.c.headers)  # fmt: skip
            outbox += [tuple(r) for r in conn.execute(query)]
    return states, outbox


def _json(value: Any) -> str:
    return json.dumps(value)


def _bare_write(path: Path, states: list[tuple[Any, ...]], outbox: list[tuple[Any, ...]]) -> float:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE state (id TEXT PRIMARY KEY, version INTEGER, state TEXT)")
    db.execute("CREATE TABLE outbox (position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT "
               "UNIQUE, aggregate_type TEXT, aggregate_id TEXT, sequence INTEGER, event_type "
               "TEXT, topic TEXT, key BLOB, value BLOB, headers TEXT, created_at TEXT, sent_at "
               "TEXT, UNIQUE (aggregate_type, aggregate_id, sequence))")  # fmt: skip
    started = time.perf_counter()
    for i in range(0, max(len(states), len(outbox)), CHUNK):
        db.execute("BEGIN IMMEDIATE")
        db.executemany("INSERT INTO state VALUES (?, ?, ?)", states[i : i + CHUNK])
        db.executemany(
            "INSERT INTO outbox (event_id, aggregate_type, aggregate_id, sequence, event_type, "
            "topic, key, value, headers, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "datetime('now'))",
            outbox[i : i + CHUNK],
        )
        db.execute("COMMIT")
    seconds = time.perf_counter() - started
    db.close()
    return seconds
