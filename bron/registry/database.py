"""What a registry's use cases need of their database: transactions and read connections.

An `Engine` is one; `Engines` is one that reads on a second engine (on SQLite a read then never
queues for the write lock); a `Batch` is another: one open transaction in which every `begin()`
is a savepoint, so that a bulk load (`bron generate`) commits thousands of commands at once
while a refused command still rolls back alone and the commands themselves stay the same
code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection, Engine


class Database(Protocol):
    def begin(self) -> AbstractContextManager[Connection]: ...

    def connect(self) -> AbstractContextManager[Connection]: ...


@dataclass(frozen=True, slots=True)
class Engines:
    """Transactions on the writer engine, read connections on the reader engine. On SQLite the
    writer takes the write lock when a transaction begins (`bron.db.make_engine`), so a read
    through it would wait for every write in progress; in WAL mode a reader does not."""

    writer: Engine
    reader: Engine

    def begin(self) -> AbstractContextManager[Connection]:
        return self.writer.begin()

    def connect(self) -> AbstractContextManager[Connection]:
        return self.reader.connect()


class Batch:
    """One transaction of a bulk load; use `batch(engine)` to open and commit it.

    `savepoints=False` is the optimistic mode: no savepoint per command (compiling and running
    two statements per command costs a fifth of a bulk load), so a command that fails leaves
    the whole batch unusable: the caller must let the exception end the batch (rolled back)
    and run it again with savepoints."""

    def __init__(self, conn: Connection, savepoints: bool = True) -> None:
        self.conn = conn
        self.savepoints = savepoints

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        if not self.savepoints:
            yield self.conn
            return
        with self.conn.begin_nested():
            yield self.conn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        yield self.conn


@contextmanager
def batch(engine: Engine, savepoints: bool = True) -> Iterator[Batch]:
    """Commits when the block ends, rolls everything back when it raises."""
    with engine.begin() as conn:
        yield Batch(conn, savepoints)
