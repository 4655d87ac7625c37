"""A background thread that expires consents whose geldigTot has passed, every minute."""

from __future__ import annotations

import logging
import threading

from services.toestemming.service import ToestemmingRegistry

log = logging.getLogger(__name__)


class ExpirySweep:
    def __init__(self, registry: ToestemmingRegistry, interval: float = 60.0) -> None:
        self.registry = registry
        self.interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="toestemming-expiry", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                expired = self.registry.expire_due()
            except Exception:
                log.exception("the expiry sweep failed; retrying in %s s", self.interval)
                continue
            if expired:
                log.info("expired %d consent(s)", len(expired))
