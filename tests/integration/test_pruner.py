"""The pruner deletes sent rows past the retention, and only those."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import MetaData, update

from bron.db import make_engine
from services.outbox import Outbox, OutboxMessage
from services.outbox.pruner import Pruner


def message(i: int) -> OutboxMessage:
    return OutboxMessage(f"e{i}", "pand", f"p{i}", 1, "nl.bag.pand-aangemaakt.v1", "t",
                         f"p{i}".encode(), b"v", [])  # fmt: skip


def test_sent_rows_past_the_retention_are_pruned(database_url: str) -> None:
    engine = make_engine(database_url)
    metadata = MetaData()
    outbox = Outbox(metadata)
    metadata.create_all(engine)
    with engine.begin() as conn:
        outbox.append(conn, [message(i) for i in range(4)])
        old = datetime.now(UTC) - timedelta(days=10)
        table = outbox.table
        conn.execute(update(table).where(table.c.event_id.in_(["e0", "e1"]))
                     .values(sent_at=old, created_at=old))  # fmt: skip
        conn.execute(update(table).where(table.c.event_id == "e2").values(created_at=old))
    pruner = Pruner(engine, outbox, timedelta(days=7), interval=0.05)
    pruner.start()
    deadline = time.monotonic() + 10
    while pruner.pruned < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    pruner.stop()
    assert pruner.pruned == 2, "only the two old sent rows"
    assert outbox.pending(engine) == 2, "unsent rows stay, however old"
    engine.dispose()
