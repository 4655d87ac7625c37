"""Helpers for tests and benchmarks that run against the real broker."""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from bron.kafka.broker import LocalBroker
from bron.kafka.clients import end_offsets, make_consumer
from bron.settings import Settings, load_settings


def eventually(
    check: Callable[[], Any], timeout: float = 60.0, what: str = "", *, every: float = 0.05
) -> Any:
    """The first truthy value of `check`, asked every `every` seconds; AssertionError naming
    `what` when none came within `timeout` seconds (the tests' and benchmarks' one wait)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what or check}")
        time.sleep(every)


def topic_ends(
    bootstrap: str, topics: Iterable[str] | Callable[[str], bool]
) -> dict[tuple[str, int], int]:
    """(topic, partition) → its end offset now, for the named topics or for every topic whose
    name the predicate accepts (a throwaway consumer that joins no group)."""
    consumer = make_consumer(bootstrap, f"ends-{uuid.uuid4().hex[:8]}")
    try:
        if callable(topics):
            topics = [t for t in consumer.list_topics(timeout=10).topics if topics(t)]
        return end_offsets(consumer, topics)
    finally:
        consumer.close()


def free_ports(count: int, host: str = "127.0.0.1") -> list[int]:
    """Ports that were free a moment ago (held together so they differ)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in sockets:
            s.bind((host, 0))
        return [s.getsockname()[1] for s in sockets]


def broker_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a local broker of its own: free ports, its own data directory."""
    port, controller = free_ports(2)
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "kafka_port": port,
        "kafka_controller_port": controller,
        "kafka_bootstrap": None,
        "kafka_heap": "384m",
        **overrides,
    }
    return load_settings(**values)


@contextmanager
def running_broker(settings: Settings) -> Iterator[LocalBroker]:
    broker = LocalBroker(settings)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@contextmanager
def serving(app: Any, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:
    """Run an ASGI app on a real uvicorn server in a thread; yield its base URL."""
    import threading
    import time

    import uvicorn

    port = port or free_ports(1)[0]
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the server on port {port} did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
