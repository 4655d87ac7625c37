"""A relay as a process of its own (`bron relay <registry>`): runs until SIGTERM or SIGINT."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType
from typing import Any

from sqlalchemy import MetaData

from bron.db import make_engine
from services.outbox.outbox import Outbox
from services.outbox.relay import Relay


def run_relay_process(
    engine_url: str,
    bootstrap: str,
    metadata_name: str = "outbox",
    *,
    owner: str | None = None,
    lease_seconds: float = 10.0,
    batch_size: int = 500,
    producer_config: dict[str, Any] | None = None,
) -> None:
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    engine = make_engine(engine_url)
    stop = threading.Event()

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        metadata = MetaData()
        outbox = Outbox(metadata, metadata_name)
        metadata.create_all(engine)
        relay = Relay(
            engine,
            outbox,
            bootstrap,
            owner=owner,
            lease_seconds=lease_seconds,
            batch_size=batch_size,
            producer_config=producer_config,
        )
        relay.run(stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        engine.dispose()
