"""Engines of the projection store: the worker's writer and the gateway's read-only reader.

On PostgreSQL every statement is planned with its values (`plan_cache_mode`): the driver
prepares a statement after a few runs, and a generic plan made while the tables were still
empty (a sequential scan) would otherwise stay, and make every lookup scan the whole table.

The reader's connections are read-only at the database (SQLite `query_only`, PostgreSQL
`default_transaction_read_only`), so a bug in the gateway cannot write. On PostgreSQL its
statements run in autocommit, without BEGIN/ROLLBACK round trips; on SQLite (in-process) a
transaction costs nothing and gives the chunks of one read one snapshot; in WAL mode it sees the
last commit and neither waits for nor blocks the writing worker."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, event

from bron import fastjson
from bron.db import make_engine


def store_engine(url: str, *, writer: bool) -> Engine:
    codec: dict[str, Any] = {"json_serializer": fastjson.dumps, "json_deserializer": fastjson.loads}
    if url.startswith("sqlite"):
        engine = make_engine(url, writer=writer, **codec)
        if not writer:
            event.listen(engine, "connect", _sqlite_query_only)
        return engine
    options = "-c plan_cache_mode=force_custom_plan"
    extra: dict[str, Any] = dict(codec)
    if not writer:
        options += " -c default_transaction_read_only=on"
        extra["isolation_level"] = "AUTOCOMMIT"
    return make_engine(url, writer=writer, connect_args={"options": options}, **extra)


def _sqlite_query_only(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()
