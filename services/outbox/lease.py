"""One relay per outbox: a lease row taken and renewed by compare-and-set.

The row holds the owner, a token that grows with every change of hands, and an expiry by the
database's clock. Taking over needs the token read a moment earlier and an expired (or
released, or own) lease; renewing needs the token this relay took. A relay whose renewal
fails has lost the lease to another and must neither mark rows nor continue the batch.
"""

from __future__ import annotations

import time

from sqlalchemy import ColumnElement, Connection, Engine, Table, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from services.outbox.sql import epoch_now

LEASE_NAME = "relay"


class Lease:
    def __init__(self, table: Table, owner: str, seconds: float) -> None:
        self.table = table
        self.owner = owner
        self.seconds = seconds
        self.token: int | None = None
        self._ever_held = False
        self._row_ready = False
        self._valid_until = 0.0  # by this process's monotonic clock, conservatively

    @property
    def held(self) -> bool:
        return self.token is not None and self.remaining() > 0

    def remaining(self) -> float:
        return self._valid_until - time.monotonic() if self.token is not None else 0.0

    def ensure_row(self, engine: Engine) -> None:
        if self._row_ready:
            return
        try:
            with engine.begin() as conn:
                if conn.execute(select(self.table.c.name).where(self._this)).first() is None:
                    conn.execute(
                        insert(self.table).values(
                            name=LEASE_NAME, owner=None, token=0, expires_at=0.0
                        )
                    )
        except IntegrityError:
            pass  # another relay inserted it first
        self._row_ready = True

    def hold(self, conn: Connection) -> bool:
        """Renew the lease, or take it when it is free or expired; in conn's transaction. A
        relay starting afresh also takes a lease left under its own owner name (a restart
        with a stable name resumes at once). True when this relay holds it afterwards."""
        started = time.monotonic()
        if self.token is not None and self._renew(conn):
            self._valid_until = started + self.seconds
            return True
        self.token = None
        t = self.table.c
        token = conn.execute(select(t.token).where(self._this)).scalar()
        if token is None:
            return False
        # Tested in the statement: a renewal by the holder since the read must make it fail.
        free = or_(t.owner.is_(None), t.expires_at < epoch_now())
        if not self._ever_held:  # once taken from us under our name, a duplicate name: wait
            free = or_(free, t.owner == self.owner)
        taken = conn.execute(
            update(self.table)
            .where(self._this, t.token == token, free)
            .values(owner=self.owner, token=token + 1, expires_at=epoch_now() + self.seconds)
        )
        if taken.rowcount != 1:
            return False
        self.token = token + 1
        self._ever_held = True
        self._valid_until = started + self.seconds
        return True

    def confirm(self, conn: Connection) -> bool:
        """Renew in conn's transaction, so whatever else it writes commits only while nobody
        else has taken the lease (on PostgreSQL the row lock holds a taker off until then)."""
        started = time.monotonic()
        if self.token is not None and self._renew(conn):
            self._valid_until = started + self.seconds
            return True
        self.token = None
        return False

    def release(self, engine: Engine) -> None:
        if self.token is None:
            return
        with engine.begin() as conn:
            conn.execute(
                update(self.table)
                .where(
                    self._this, self.table.c.owner == self.owner, self.table.c.token == self.token
                )
                .values(owner=None, expires_at=0.0)
            )
        self.token = None

    def _renew(self, conn: Connection) -> bool:
        t = self.table.c
        result = conn.execute(
            update(self.table)
            .where(self._this, t.owner == self.owner, t.token == self.token)
            .values(expires_at=epoch_now() + self.seconds)
        )
        return result.rowcount == 1

    @property
    def _this(self) -> ColumnElement[bool]:
        return self.table.c.name == LEASE_NAME
