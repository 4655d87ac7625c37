"""The two places where SQLite and PostgreSQL need different SQL: the database's clock, and
serialising the appends of concurrent transactions (SQLite already has one writer at a time)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Float, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class epoch_now(FunctionElement[float]):
    """Seconds since 1970 by the database's clock, so relays on hosts with skewed clocks
    still agree on when a lease expires."""

    type = Float()
    inherit_cache = True


@compiles(epoch_now, "postgresql")
def _epoch_now_postgresql(_element: epoch_now, _compiler: Any, **_kw: Any) -> str:
    return "CAST(extract(epoch from clock_timestamp()) AS double precision)"


@compiles(epoch_now, "sqlite")
def _epoch_now_sqlite(_element: epoch_now, _compiler: Any, **_kw: Any) -> str:
    return "((julianday('now') - 2440587.5) * 86400.0)"


def serialise_appends(conn: Connection, table_name: str) -> None:
    """On PostgreSQL, hold a transaction-scoped advisory lock per outbox table until commit, so
    that positions (taken at insert) are committed in ascending order: the committed rows are
    always a prefix of the positions. SQLite writers are serialised by BEGIN IMMEDIATE."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            select(
                func.pg_advisory_xact_lock(func.hashtext("bron.outbox"), func.hashtext(table_name))
            )
        )
