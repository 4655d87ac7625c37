"""Databases of the registries: SQLite by default (one file per registry under the data
directory), PostgreSQL by URL in production. Same SQLAlchemy Core code for both."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event

from bron.settings import Settings

REGISTRIES = ("brp", "bag", "woz", "toestemming")
STORES = (*REGISTRIES, "projections", "webhooks")


def database_url(settings: Settings, registry: str) -> str:
    """`BRON_<REGISTRY>_DATABASE_URL`, else `sqlite:///<data dir>/<registry>.db`."""
    configured: str | None = getattr(settings, f"{registry}_database_url")
    if configured:
        return configured
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(settings.data_dir / f'{registry}.db').resolve()}"


def make_engine(url: str, *, writer: bool = True, **options: Any) -> Engine:
    """An engine; on SQLite a `writer` engine takes the write lock when a transaction begins
    (so two writers queue instead of failing on upgrade), a reader engine does not."""
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate if writer else _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **options)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL: readers never block the writer; the driver's own transaction handling is switched
    # off so that BEGIN IMMEDIATE below takes the write lock at the start of a transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")
