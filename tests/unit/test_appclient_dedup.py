"""The Kafka client helper without Kafka: de-duplication by versie, its SQLite state, the
filters, and poll/run/commit against a stand-in consumer fed with the workers' records."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from confluent_kafka import Message, TopicPartition

from bron import appclient, fastjson
from bron.appclient import AppClientError, AppConsumer, Versies, wanted
from bron.contracts.envelope import Attributes, to_headers
from bron.notices import Notice, Record, latest
from streams.pipeline import EVENT_TYPE, record_id
from streams.projector import AppRecord

APP = "parkeren"
TOPIC = f"bron.app.{APP}"
DOEL = "parkeervergunning"
VIEW: dict[str, Any] = {"persoon": {"naam": {"geslachtsnaam": "Jansen"}}}
SOURCE = "urn:nld:oin:00000001234567890000:systeem:streams"


def rec(persoon: str, versie: int, doelen: dict[str, Any] | None = None) -> Record:
    return Record(f"r-{persoon}-{versie}", APP, persoon, versie, {} if doelen is None else doelen)


Sent = list[tuple[bytes, bytes | None, list[tuple[str, str | bytes | None]]]]


def sent(persoon: str, versie: int, doelen: dict[str, Any] | None, **wijzigingen: Any) -> Sent:
    """What `streams.pipeline.Pipeline._send` writes for one AppRecord."""
    record = AppRecord(APP, persoon, versie, doelen, wijzigingen)
    body = {"persoonId": persoon, "versie": versie, "doelen": doelen or {},
            "wijzigingen": wijzigingen}  # fmt: skip
    parts: list[tuple[str, bytes | None]] = []
    if doelen is not None or wijzigingen:
        parts.append(("", fastjson.dumpb(body)))
    if doelen is None:
        parts.append(("tombstone", None))
    return [(persoon.encode(), value, list(to_headers(Attributes(
        source=SOURCE, type=EVENT_TYPE, sequence=max(versie, 1), dataschema="urn:bron:projectie",
        datacontenttype="application/json", id=record_id(record, part)))))
        for part, value in parts]  # fmt: skip


class FakeConsumer:
    """One partition; sets `done` when it has nothing more to give."""

    def __init__(self, records: Sent) -> None:
        self.messages = [Message(topic=TOPIC, partition=0, offset=i, key=k, value=v, headers=h)
                         for i, (k, v, h) in enumerate(records)]  # fmt: skip
        self.position = 0
        self.committed: list[int] = []
        self.seeks: list[int] = []
        self.done = threading.Event()

    def subscribe(self, topics: list[str]) -> None:
        assert topics == [TOPIC]

    def poll(self, timeout: float) -> Message | None:
        if self.position == len(self.messages):
            self.done.set()
            return None
        self.position += 1
        return self.messages[self.position - 1]

    def commit(self, *, offsets: list[TopicPartition], asynchronous: bool) -> None:
        assert not asynchronous
        self.committed += [o.offset for o in offsets]

    def seek(self, partition: TopicPartition) -> None:
        self.seeks.append(partition.offset)
        self.position = partition.offset

    def close(self) -> None:
        pass


@pytest.fixture
def configs(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def make(bootstrap: str, group: str, **config: Any) -> FakeConsumer:
        found.append(config)
        return FakeConsumer([])

    monkeypatch.setattr(appclient, "make_consumer", make)
    return found


def consumer(fake: FakeConsumer, monkeypatch: pytest.MonkeyPatch, **options: Any) -> AppConsumer:
    monkeypatch.setattr(appclient, "make_consumer", lambda bootstrap, group, **config: fake)
    return AppConsumer("localhost:1", APP, "g", consent_doelen={DOEL}, **options)


def test_a_versie_at_or_below_the_last_one_handled_is_old() -> None:
    versies = Versies(APP)
    assert latest(versies, rec("p1", 5))
    versies.handled(rec("p1", 5))
    versies.handled(rec("p1", 3))  # an older record handled later never lowers it
    assert dict(versies) == {"p1": 5}
    assert not latest(versies, rec("p1", 5))
    assert not latest(versies, rec("p1", 4))
    assert latest(versies, rec("p1", 6))
    assert latest(versies, rec("p2", 1))  # per person


def test_the_versies_survive_a_restart_in_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "versies.db"
    first = Versies(APP, path)
    first.handled(rec("p1", 7))
    first.handled(rec("p2", 2))
    first.handled(rec("p1", 6))
    first.close()
    again, other = Versies(APP, path), Versies("afval", path)
    assert (again["p1"], again.get("p2"), again.get("p3"), len(again)) == (7, 2, None, 2)
    assert dict(other) == {}  # one file may serve several apps
    again.handled(rec("p1", 8))
    again.close()
    other.close()
    last = Versies(APP, path)
    assert dict(last) == {"p1": 8, "p2": 2}
    last.close()


def test_the_filters_by_purpose_and_kind() -> None:
    notice = Notice("n", "adres-gewijzigd", APP, DOEL, "p1", 1, ("adres",), VIEW)
    assert wanted(notice, None, None)
    assert wanted(notice, {DOEL}, {"adres-gewijzigd", "in-beeld"})
    assert not wanted(notice, {"afvalpas"}, None)
    assert not wanted(notice, None, {"persoon-gewijzigd"})


def test_the_settings_keep_the_promises(configs: list[dict[str, Any]]) -> None:
    auto_commit: dict[str, Any] = {"enable.auto.commit": True}
    timeouts: dict[str, Any] = {"session.timeout.ms": 9000}
    with pytest.raises(ValueError, match="unknown notice kinds"):
        AppConsumer("localhost:1", APP, "g", kinds={"adres-verhuisd"})
    with pytest.raises(ValueError, match=r"enable\.auto\.commit"):
        AppConsumer("localhost:1", APP, "g", **auto_commit)
    assert configs == []
    AppConsumer("localhost:1", APP, "g", from_beginning=False, **timeouts)
    assert configs == [
        {"auto.offset.reset": "latest", "session.timeout.ms": 9000, **appclient.FIXED}
    ]
    assert appclient.FIXED == {"enable.auto.commit": False, "isolation.level": "read_committed"}


def test_duplicates_older_records_and_tombstones_give_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nieuw = sent("p1", 1, {DOEL: VIEW}, **{DOEL: {"soort": "nieuw", "velden": ["persoon.naam"]}})
    fake = FakeConsumer([
        *nieuw, *nieuw,  # the same record twice
        *sent("p1", 3, {DOEL: VIEW}, **{DOEL: {"soort": "gewijzigd", "velden": ["adres"]}}),
        *sent("p1", 2, {DOEL: VIEW}, **{DOEL: {"soort": "gewijzigd", "velden": ["persoon.naam"]}}),
        *sent("p2", 1, {"afvalpas": VIEW}, afvalpas={"soort": "nieuw", "velden": []}),
        *sent("p1", 4, None, **{DOEL: {"soort": "verwijderd", "velden": []}}),  # and a tombstone
    ])  # fmt: skip
    app = consumer(fake, monkeypatch, doelen={DOEL})
    seen: list[Notice] = []
    app.run(seen.append, fake.done)
    assert [(n.persoon_id, n.versie, n.kind, n.status) for n in seen] == [
        ("p1", 1, "in-beeld", None), ("p1", 1, "toestemming-gewijzigd", "actief"),
        ("p1", 3, "adres-gewijzigd", None),
        ("p1", 4, "uit-beeld", None), ("p1", 4, "toestemming-gewijzigd", "beeindigd")]  # fmt: skip
    assert fake.committed == [1, 2, 3, 4, 5, 6, 7]  # every record, after its notices
    assert dict(app.versies) == {"p1": 4, "p2": 1}
    app.close()


def test_a_failing_handler_commits_nothing_of_its_record_and_rewinds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    people = [str(uuid.uuid4()) for _ in range(3)]
    nieuw = {DOEL: {"soort": "nieuw"}}
    fake = FakeConsumer([r for p in people for r in sent(p, 1, {DOEL: VIEW}, **nieuw)])
    app = consumer(fake, monkeypatch, kinds={"in-beeld"}, state_path=tmp_path / "v.db")
    seen: list[Notice] = []

    def handler(notice: Notice) -> None:
        if len(seen) == 2:
            raise RuntimeError("downstream is down")
        seen.append(notice)

    with pytest.raises(RuntimeError, match="downstream"):
        app.run(handler, fake.done)
    assert (fake.committed, fake.seeks, set(app.versies)) == ([1, 2], [2], set(people[:2]))
    app.run(seen.append, fake.done)  # the same consumer goes on at that record
    assert [n.persoon_id for n in seen] == people
    assert fake.committed == [1, 2, 3]
    app.close()


def test_a_record_that_does_not_decode_is_named_never_quoted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [(key, _, headers)] = sent("p1", 1, {DOEL: VIEW}, **{DOEL: {"soort": "nieuw"}})
    secret = b'{"bsn": "999990019"'
    fake = FakeConsumer([(key, secret, headers), (key, b"{}", headers)])
    app = consumer(fake, monkeypatch)
    with pytest.raises(AppClientError, match=r"bron\.app\.parkeren \[0\] @ 0: ") as caught:
        app.poll()
    assert "999990019" not in str(caught.value)
    assert (caught.value.offset, fake.seeks, fake.committed) == (0, [0], [])
    with pytest.raises(AppClientError):
        app.poll()  # stuck there: nothing behind it is committed
    app.close()
    errors: list[AppClientError] = []
    fake = FakeConsumer([(key, secret, headers), (key, b"{}", headers)])
    app = consumer(fake, monkeypatch, on_bad_record=errors.append)
    app.run(lambda n: None, fake.done)
    assert ([e.offset for e in errors], fake.committed) == ([0, 1], [1, 2])
    app.close()


def test_iterating_commits_a_record_when_the_loop_asks_for_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    people = [str(uuid.uuid4()) for _ in range(3)]
    nieuw = {DOEL: {"soort": "nieuw"}}  # in-beeld and toestemming-gewijzigd: two notices
    fake = FakeConsumer([r for p in people for r in sent(p, 1, {DOEL: VIEW}, **nieuw)])
    app = consumer(fake, monkeypatch)
    seen: list[str] = []
    for notice in app:
        seen.append(notice.persoon_id)
        if len(seen) == 3:  # the first notice of the second record
            break
    assert (fake.committed, fake.seeks) == ([1], [1])  # the second record is read again
    assert [n.persoon_id for n in app.poll()] == [people[1]] * 2
    app.close()
