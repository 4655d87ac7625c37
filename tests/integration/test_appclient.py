"""The Kafka client helper on the real broker, reading per-app records in the workers' exact
format (key, JSON value, CloudEvents headers and record ids as `streams.pipeline` writes them):
duplicates and older records are passed over, a failed handler is resumed at its record, and
the versies kept in SQLite survive a restart."""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Producer

from bron import fastjson
from bron.appclient import AppClientError, AppConsumer
from bron.contracts.envelope import Attributes, to_headers
from bron.notices import Notice, notice_id
from services.outbox.testing import create_topic
from streams.pipeline import EVENT_TYPE, record_id
from streams.projector import AppRecord

pytestmark = pytest.mark.kafka

DOEL = "parkeervergunning"
VIEW: dict[str, Any] = {"persoon": {"naam": {"geslachtsnaam": "Jansen"}}}
SOURCE = "urn:nld:oin:00000001234567890000:systeem:streams"


def send(producer: Producer, record: AppRecord) -> None:
    """What `streams.pipeline.Pipeline._send` writes for one AppRecord."""
    topic = f"bron.app.{record.app_id}"
    body = {"persoonId": record.persoon_id, "versie": record.versie,
            "doelen": record.doelen or {}, "wijzigingen": record.wijzigingen}  # fmt: skip
    parts: list[tuple[str, bytes | None]] = []
    if record.doelen is not None or record.wijzigingen:
        parts.append(("", fastjson.dumpb(body)))
    if record.doelen is None:
        parts.append(("tombstone", None))
    for part, value in parts:
        headers = to_headers(Attributes(source=SOURCE, type=EVENT_TYPE,
                                        sequence=max(record.versie, 1),
                                        dataschema="urn:bron:projectie",
                                        datacontenttype="application/json",
                                        id=record_id(record, part)))  # fmt: skip
        producer.produce(topic, key=record.persoon_id.encode(), value=value,
                         headers=[(k, v) for k, v in headers])  # fmt: skip
    assert producer.flush(10) == 0


def change(soort: str, *velden: str) -> dict[str, Any]:
    return {"soort": soort, "velden": list(velden)}


def collect(app: AppConsumer, count: int, timeout: float = 30.0) -> list[Notice]:
    """Notices through `run` until `count` arrived, then what else comes within a second."""
    seen: list[Notice] = []
    stop = threading.Event()

    def handler(notice: Notice) -> None:
        seen.append(notice)
        if len(seen) >= count:
            stop.set()

    timer = threading.Timer(timeout, stop.set)
    timer.start()
    try:
        app.run(handler, stop)
    finally:
        timer.cancel()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        seen += app.poll(0.2)
    return seen


def test_the_handler_sees_each_change_once_in_order_per_person(
    bootstrap: str, tmp_path: Path
) -> None:
    app_id = create_topic(bootstrap, prefix="bron.app.t", partitions=3).removeprefix("bron.app.")
    p1, p2, p3 = (str(uuid.uuid4()) for _ in range(3))
    producer = Producer({"bootstrap.servers": bootstrap})
    first = AppRecord(app_id, p1, 1, {DOEL: VIEW}, {DOEL: change("nieuw", "persoon.naam")})
    for record in [
        first,
        first,  # sent again (a worker that crashed before its commit)
        AppRecord(app_id, p2, 1, {"afvalpas": VIEW}, {"afvalpas": change("nieuw")}),
        AppRecord(app_id, p1, 3, {DOEL: VIEW},
                  {DOEL: change("gewijzigd", "adres", "persoon.verblijfplaats")}),
        AppRecord(app_id, p1, 2, {DOEL: VIEW}, {DOEL: change("gewijzigd", "persoon.naam")}),
        AppRecord(app_id, p3, 1, {DOEL: VIEW}, {DOEL: change("nieuw", "persoon.naam")}),
        AppRecord(app_id, p3, 2, None, {DOEL: change("verwijderd")}),  # removal + tombstone
        AppRecord(app_id, p2, 2, {"afvalpas": VIEW, DOEL: VIEW},
                  {"afvalpas": change("gewijzigd", "adres"), DOEL: change("nieuw")}),
    ]:  # fmt: skip
        send(producer, record)
    state = tmp_path / "versies.db"
    with AppConsumer(bootstrap, app_id, f"g-{uuid.uuid4().hex[:8]}", doelen={DOEL},
                     consent_doelen={DOEL}, state_path=state) as app:  # fmt: skip
        seen = collect(app, 10)
    per_person = {p: [(n.versie, n.kind, n.status) for n in seen if n.persoon_id == p]
                  for p in (p1, p2, p3)}  # fmt: skip
    assert per_person == {
        p1: [(1, "in-beeld", None), (1, "toestemming-gewijzigd", "actief"),
             (3, "persoon-gewijzigd", None), (3, "adres-gewijzigd", None)],
        p2: [(2, "in-beeld", None), (2, "toestemming-gewijzigd", "actief")],
        p3: [(1, "in-beeld", None), (1, "toestemming-gewijzigd", "actief"),
             (2, "uit-beeld", None), (2, "toestemming-gewijzigd", "beeindigd")],
    }  # fmt: skip
    assert len({n.id for n in seen}) == len(seen) == 10
    assert seen[[n.persoon_id for n in seen].index(p1)].id == notice_id(
        record_id(first), "in-beeld", DOEL)  # fmt: skip
    assert {n.doel_id for n in seen} == {DOEL}
    assert [n.data for n in seen if n.persoon_id == p3][2:] == [None, None]
    with closing(sqlite3.connect(state)) as db:
        rows = db.execute("SELECT persoon_id, versie FROM versies WHERE app_id = ?", (app_id,))
        assert dict(rows.fetchall()) == {p1: 3, p2: 2, p3: 2}
    with AppConsumer(bootstrap, app_id, f"g-{uuid.uuid4().hex[:8]}",
                     kinds={"in-beeld", "uit-beeld"}) as app:  # fmt: skip
        kinds = sorted((n.persoon_id, n.versie, n.doel_id, n.kind) for n in collect(app, 5))
    assert kinds == sorted([(p1, 1, DOEL, "in-beeld"), (p2, 1, "afvalpas", "in-beeld"),
                            (p2, 2, DOEL, "in-beeld"), (p3, 1, DOEL, "in-beeld"),
                            (p3, 2, DOEL, "uit-beeld")])  # fmt: skip


def test_after_a_failed_handler_a_restart_resumes_at_that_record(
    bootstrap: str, tmp_path: Path
) -> None:
    app_id = create_topic(bootstrap, prefix="bron.app.t", partitions=1).removeprefix("bron.app.")
    p1, p2, p3 = (str(uuid.uuid4()) for _ in range(3))
    producer = Producer({"bootstrap.servers": bootstrap})
    for persoon, versie, soort in [(p1, 1, "nieuw"), (p2, 1, "nieuw"), (p1, 2, "gewijzigd"),
                                   (p3, 1, "nieuw")]:  # fmt: skip
        send(producer, AppRecord(app_id, persoon, versie, {DOEL: VIEW},
                                 {DOEL: change(soort, "persoon.naam")}))  # fmt: skip
    group, state = f"g-{uuid.uuid4().hex[:8]}", tmp_path / "versies.db"
    seen: list[tuple[str, str]] = []

    def handler(notice: Notice) -> None:
        if len(seen) == 2:
            raise ConnectionError("the app's database is down")
        seen.append((notice.persoon_id, notice.kind))

    with (
        pytest.raises(ConnectionError),
        AppConsumer(bootstrap, app_id, group, state_path=state) as app,
    ):
        app.run(handler, threading.Event())
    assert seen == [(p1, "in-beeld"), (p2, "in-beeld")]
    with AppConsumer(bootstrap, app_id, group, state_path=state) as app:
        again = [(n.persoon_id, n.kind) for n in collect(app, 2)]
    assert again == [(p1, "persoon-gewijzigd"), (p3, "in-beeld")]
    # a new group replays the topic from the beginning: the versies handled are passed over
    send(producer, AppRecord(app_id, p3, 2, {DOEL: VIEW}, {DOEL: change("gewijzigd", "adres")}))
    with AppConsumer(bootstrap, app_id, f"g-{uuid.uuid4().hex[:8]}", state_path=state) as app:
        replayed = [(n.persoon_id, n.versie, n.kind) for n in collect(app, 1)]
    assert replayed == [(p3, 2, "adres-gewijzigd")]


def test_a_record_that_is_not_the_workers_is_named_and_stops_the_consumer(
    bootstrap: str,
) -> None:
    app_id = create_topic(bootstrap, prefix="bron.app.t", partitions=1).removeprefix("bron.app.")
    persoon = str(uuid.uuid4())
    producer = Producer({"bootstrap.servers": bootstrap})
    headers: list[tuple[str, str | bytes | None]] = [(k, v) for k, v in to_headers(Attributes(
        source=SOURCE, type=EVENT_TYPE, sequence=1, dataschema="urn:bron:projectie",
        datacontenttype="application/json"))]  # fmt: skip
    producer.produce(f"bron.app.{app_id}", key=persoon.encode(), value=b'{"bsn": "99999',
                     headers=headers)  # fmt: skip
    send(producer, AppRecord(app_id, persoon, 1, {DOEL: VIEW}, {DOEL: change("nieuw")}))
    group = f"g-{uuid.uuid4().hex[:8]}"
    with AppConsumer(bootstrap, app_id, group) as app:
        for _ in range(2):  # rewound: it stays at the record
            with pytest.raises(AppClientError) as caught:
                app.run(lambda n: None, threading.Event())
            assert str(caught.value).startswith(f"bron.app.{app_id} [0] @ 0: ")
            assert "99999" not in str(caught.value)
    errors: list[AppClientError] = []
    with AppConsumer(bootstrap, app_id, group, on_bad_record=errors.append) as app:
        seen = [(n.persoon_id, n.kind) for n in collect(app, 1)]
    assert ([e.offset for e in errors], seen) == ([0], [(persoon, "in-beeld")])
