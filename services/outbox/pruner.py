"""Sent outbox rows are deleted after the retention period, by a thread beside the relay."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from services.outbox.outbox import Outbox

log = logging.getLogger("bron.outbox.pruner")


class Pruner:
    def __init__(
        self, engine: Engine, outbox: Outbox, retention: timedelta, interval: float = 600.0
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.retention = retention
        self.interval = interval
        self.pruned = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-pruner", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.pruned += self.outbox.prune(self.engine, self.retention)
            except SQLAlchemyError as exc:  # retried next round; the statement's values stay out
                log.warning("outbox.prune_failed", extra={"error": type(exc).__name__})
            self._stop.wait(self.interval)
