"""The relay as a real process, killed with SIGKILL at random moments while a registry writes:
nothing is lost, per-entity order holds, and duplicates are only repeats."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, MetaData, select

from bron.db import make_engine
from services.outbox import Outbox, OutboxMessage
from services.outbox.testing import audit, create_topic, read_topic

REPO = Path(__file__).resolve().parents[2]
KILLS = 20
CHANGES = 10_000
ENTITIES = 200
WRITE_SECONDS = 20.0
LEASE_SECONDS = 1.5
BATCH_SIZE = 100  # more rounds in a catch-up, so more kills land between publish and mark


def relay_process(url: str, bootstrap: str, owner: str, log: Path) -> subprocess.Popen[bytes]:
    code = (
        "from services.outbox.process import run_relay_process; "
        f"run_relay_process({url!r}, {bootstrap!r}, owner={owner!r}, "
        f"lease_seconds={LEASE_SECONDS}, batch_size={BATCH_SIZE})"
    )
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", code],
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )


def write_changes(engine: Engine, outbox: Outbox, topic: str, rng: random.Random) -> dict[str, int]:
    """CHANGES changes over ENTITIES entities, one to four per transaction, paced to take
    about WRITE_SECONDS so that the kills fall while rows keep arriving."""
    last: dict[str, int] = {}
    entities = [f"e{i:03d}" for i in range(ENTITIES)]
    started, written = time.monotonic(), 0
    while written < CHANGES:
        batch = []
        for entity in rng.sample(entities, min(rng.randint(1, 4), CHANGES - written)):
            last[entity] = sequence = last.get(entity, 0) + 1
            batch.append(
                OutboxMessage(
                    str(uuid.uuid4()),
                    "persoon",
                    entity,
                    sequence,
                    "nl.brp.persoon-gewijzigd.v1",
                    topic,
                    entity.encode(),
                    f"{entity}:{sequence}".encode(),
                    [("ce_sequence", str(sequence).encode())],
                )
            )
        with engine.begin() as conn:
            outbox.append(conn, batch)
        written += len(batch)
        ahead = started + WRITE_SECONDS * written / CHANGES - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
    return last


def kill_delay(rng: random.Random) -> float:
    """Half of the kills fall in the catch-up right after a takeover, when batches are full
    and a kill between publishing and marking is most likely."""
    return rng.uniform(0.0, 0.15) if rng.random() < 0.5 else rng.uniform(0.15, 0.8)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.005)


def test_a_relay_killed_at_random_moments_loses_nothing(
    database_url: str, bootstrap: str, tmp_path: Path
) -> None:
    seed = random.randrange(1 << 30)
    rng, writer_rng = random.Random(seed), random.Random(seed + 1)
    metadata = MetaData()
    outbox = Outbox(metadata)
    writer_engine, reader = make_engine(database_url), make_engine(database_url, writer=False)
    metadata.create_all(writer_engine)
    topic = create_topic(bootstrap, "outbox-crash")
    log = tmp_path / "relay.log"
    written: dict[str, int] = {}
    writer = threading.Thread(
        target=lambda: written.update(write_changes(writer_engine, outbox, topic, writer_rng))
    )

    def owner_is(name: str) -> bool:
        with reader.connect() as conn:
            return conn.execute(select(outbox.lease_table.c.owner)).scalar() == name

    started = time.monotonic()
    try:
        writer.start()
        for kill in range(KILLS):
            owner = f"relay-{kill}"
            process = relay_process(database_url, bootstrap, owner, log)
            try:
                wait_for(partial(owner_is, owner), 30, f"{owner} never took the lease")
                time.sleep(kill_delay(rng))
            finally:
                process.kill()
                process.wait()
        last = relay_process(database_url, bootstrap, "relay-last", log)
        try:
            wait_for(partial(owner_is, "relay-last"), 30, "the last relay never took the lease")
            writer.join(60)
            wait_for(lambda: outbox.pending(reader) == 0, 60, "the outbox did not drain")
        finally:
            last.send_signal(signal.SIGTERM)
            assert last.wait(30) == 0, log.read_text()[-3000:]
    finally:
        writer.join(60)
        writer_engine.dispose()
        reader.dispose()

    arrived = [
        (r.key.decode(), int(r.headers["ce_sequence"])) for r in read_topic(bootstrap, topic)
    ]
    result = audit(written, arrived)
    print(
        f"\nkills={KILLS} changes={sum(written.values())} lost={result.lost} "
        f"duplicates={result.duplicates} seconds={time.monotonic() - started:.1f} seed={seed}"
    )
    assert sum(written.values()) == CHANGES
    assert result.lost == 0
    assert result.disorder == []
    assert len(arrived) == CHANGES + result.duplicates
