"""The stream workers' projection store (docs/adr/0009): entity states, their lookup index, the
views per app, purpose and person, and the consumed offsets, written in one transaction per
batch so that a crash loses nothing and a replay repeats nothing.

The worker folds events with pure code and hands the results here; this module only stores
them, with as few round trips as it can: a batch goes out in one statement per table
(`streams.store_bulk`), an entity's index rows are only touched when its index set changed,
and a view only when its digest changed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, text

from bron.errors import BronError
from streams import store_sql as sql
from streams.store_bulk import Bulk, ViewKey, bulk
from streams.store_engine import store_engine
from streams.store_tables import (
    RETIRED_INDEXES,
    chunks,
    entity,
    entity_index,
    metadata,
    store_meta,
)

IndexSet = frozenset[tuple[str, str]]
# The layout of the stored rows; 2: the search keys of `zoekPersonen` and `adres` in the index.
FORMAT = 2
ViewWrite = tuple[str, str, str, str, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Entity:
    """A folded state. `seq` is the per-entity sequence of the last event in it, so that the
    worker can ignore an older or equal one; `index` holds the (name, value) pairs that find it."""

    kind: str
    id: str
    seq: int
    state: dict[str, Any]
    index: IndexSet = frozenset()


@dataclass(frozen=True, slots=True)
class StoredView:
    """What an app may see of a person for one purpose. `version` grows by one on every change,
    removal included, and goes on after a removal; `digest` is the caller's hash of `view`, to
    skip unchanged writes. A removed view (only `views_of` returns them) has neither: its
    version is the one its tombstone carried, which a sum of versions needs to keep growing."""

    app_id: str
    doel_id: str
    persoon_id: str
    version: int
    digest: str | None
    view: dict[str, Any] | None


_ABSENT: tuple[int, dict[str, Any]] | None = None  # an id looked up and not found


class StoreTx:
    """One open transaction of the store. It remembers every entity it read or wrote (its
    sequence and state, or that there is none) and every index set: a batch loads the
    entities it folds, writes them, then loads them again with their neighbours to render the
    views, and a profile of the worker had a tenth of its time in reading and decoding the
    same states twice. States are never changed in place (the fold makes new ones), so the
    transaction hands out the same dicts again."""

    def __init__(self, conn: Connection, upserts: sql.Upserts, bulk: Bulk) -> None:
        self._conn = conn
        self._upserts = upserts
        self._bulk = bulk
        self._index: dict[tuple[str, str], IndexSet] = {}
        self._states: dict[tuple[str, str], tuple[int, dict[str, Any]] | None] = {}
        self._generation: int | None = None

    # -- small named values (store_meta) ---------------------------------------------------

    def meta(self, name: str) -> int | None:
        row = self._conn.execute(select(store_meta.c.value).where(store_meta.c.name == name))
        found = row.first()
        return None if found is None else int(found.value)

    def set_meta(self, name: str, value: int) -> None:
        self._conn.execute(delete(store_meta).where(store_meta.c.name == name))
        self._conn.execute(insert(store_meta).values(name=name, value=value))

    # -- generation ------------------------------------------------------------------------

    def generation(self) -> int:
        """When this store was (re)built, in epoch milliseconds; set on first use."""
        if self._generation is None:
            row = self._conn.execute(
                select(store_meta.c.value).where(store_meta.c.name == "generation")
            ).first()
            if row is None:
                value = int(datetime.now(UTC).timestamp() * 1000)
                self._conn.execute(insert(store_meta).values(name="generation", value=value))
                self._generation = value
            else:
                self._generation = int(row.value)
        return self._generation

    # -- offsets ---------------------------------------------------------------------------

    def offsets(self, consumer: str, topic: str) -> dict[int, int]:
        """Partition -> next offset to read."""
        rows = self._conn.execute(sql.OFFSETS, {"consumer": consumer, "topic": topic})
        return {int(r.partition): int(r.next_offset) for r in rows}

    def set_offsets(self, consumer: str, topic: str, offsets: Mapping[int, int]) -> None:
        if offsets:
            params = [
                {"consumer": consumer, "topic": topic, "partition": p, "next_offset": n}
                for p, n in offsets.items()
            ]
            self._conn.execute(self._upserts.offsets, params)

    # -- entities --------------------------------------------------------------------------

    def entity(self, kind: str, id: str) -> Entity | None:
        return self.entities(kind, [id]).get(id)

    def entities(
        self, kind: str, ids: Collection[str], with_index: bool = True
    ) -> dict[str, Entity]:
        """The stored ones among `ids`, with their index sets (`with_index=False`: without,
        one query less, for entities that are only read)."""
        unknown = [id for id in dict.fromkeys(ids) if (kind, id) not in self._states]
        for chunk in chunks(unknown):
            self._states.update(((kind, id), _ABSENT) for id in chunk)
            for id, seq, state in self._bulk.states(self._conn, kind, chunk):
                self._states[(kind, id)] = (seq, state)
        if with_index:
            unindexed = [id for id in dict.fromkeys(ids) if (kind, id) not in self._index]
            for chunk in chunks(unindexed):
                self._load_index(kind, chunk)
        found: dict[str, Entity] = {}
        for id in ids:
            known = self._states[(kind, id)]
            if known is not None:
                index = self._index.get((kind, id), frozenset()) if with_index else frozenset()
                found[id] = Entity(kind, id, known[0], known[1], index)
        return found

    def put(self, entity: Entity) -> None:
        self.put_many([entity])

    def put_many(self, entities: Sequence[Entity]) -> None:
        """Upsert states and sequences; bring each entity's index rows to its index set."""
        latest = {(e.kind, e.id): e for e in entities}  # the last one of an entity wins
        if not latest:
            return
        unknown: defaultdict[str, list[str]] = defaultdict(list)
        for kind, id in latest:
            if (kind, id) not in self._index:
                unknown[kind].append(id)
        for kind, ids in unknown.items():
            for chunk in chunks(ids):
                self._load_index(kind, chunk)
        removed: list[dict[str, str]] = []
        added: list[dict[str, str]] = []
        for key, e in latest.items():
            stored = self._index[key]
            if stored != e.index:
                removed += _index_rows(e, stored - e.index)
                added += _index_rows(e, e.index - stored)
                self._index[key] = e.index
        states = [
            {"kind": e.kind, "id": e.id, "seq": e.seq, "state": e.state} for e in latest.values()
        ]
        self._states.update(((e.kind, e.id), (e.seq, e.state)) for e in latest.values())
        self._bulk.entities(self._conn, states)
        if removed:
            self._bulk.remove_index(self._conn, removed)
        if added:
            self._bulk.add_index(self._conn, added)

    def _load_index(self, kind: str, ids: list[str]) -> dict[str, IndexSet]:
        """The stored index sets of `ids` (one query), remembered for this transaction."""
        sets: dict[str, set[tuple[str, str]]] = {id: set() for id in ids}
        for r in self._conn.execute(sql.INDEX_OF, {"kind": kind, "ids": ids}):
            sets[r.id].add((r.name, r.value))
        frozen = {id: frozenset(pairs) for id, pairs in sets.items()}
        self._index.update(((kind, id), pairs) for id, pairs in frozen.items())
        return frozen

    # -- lookups ---------------------------------------------------------------------------

    def find(self, kind: str, name: str, value: str) -> list[str]:
        """Ids of the entities indexed by (name, value), sorted."""
        rows = self._conn.execute(sql.FIND, {"kind": kind, "name": name, "value": value})
        return [r.id for r in rows]

    def find_many(self, kind: str, name: str, values: Collection[str]) -> dict[str, list[str]]:
        """Every value asked for -> the sorted ids indexed by it (an empty list when none)."""
        return find_many(self._conn, kind, name, values)

    def find_range(self, kind: str, name: str, upto: str) -> list[tuple[str, str]]:
        """(value, id) of every index row of `name` with value <= `upto`, by value: for
        example the consents whose `verloopt` timestamp (ISO 8601, UTC) has passed."""
        params = {"kind": kind, "name": name, "upto": upto}
        return [(r.value, r.id) for r in self._conn.execute(sql.FIND_RANGE, params)]

    def ids(self, kind: str, after: str | None = None, limit: int = 1000) -> list[str]:
        """One page of the ids of a kind, in order: pass the last id as `after` for the next."""
        if after is None:
            rows = self._conn.execute(sql.IDS, {"kind": kind, "limit": limit})
        else:
            rows = self._conn.execute(sql.IDS_AFTER, {"kind": kind, "after": after, "limit": limit})
        return [r.id for r in rows]

    # -- views -----------------------------------------------------------------------------

    def view(self, app_id: str, doel_id: str, persoon_id: str) -> StoredView | None:
        """The view, or None when there is none (or it was removed)."""
        key = {"app_id": app_id, "doel_id": doel_id, "persoon_id": persoon_id}
        row = self._conn.execute(sql.VIEW, key).first()
        if row is None:
            return None
        return StoredView(app_id, doel_id, persoon_id, int(row.version), row.digest, row.view)

    def views_of(self, persoon_ids: Collection[str]) -> list[StoredView]:
        """Every app's and purpose's view of these persons (by person, app, purpose), the
        removed ones included (`view` None)."""
        found: list[StoredView] = []
        for chunk in chunks(persoon_ids):
            rows = self._conn.execute(sql.VIEWS_OF, {"ids": chunk})
            found += [
                StoredView(r.app_id, r.doel_id, r.persoon_id, int(r.version), r.digest, r.view)
                for r in rows
            ]
        return found

    def put_view(
        self, app_id: str, doel_id: str, persoon_id: str, digest: str, view: dict[str, Any]
    ) -> int | None:
        """The new version, or None when the stored view has this digest (nothing written)."""
        params = {
            "app_id": app_id,
            "doel_id": doel_id,
            "persoon_id": persoon_id,
            "version": 1,
            "digest": digest,
            "view": view,
            "changed_at": datetime.now(UTC),
        }
        row = self._conn.execute(self._upserts.view, params).first()
        return None if row is None else int(row.version)

    def put_views(self, views: Sequence[ViewWrite]) -> dict[ViewKey, int]:
        """`put_view` for a batch of (app_id, doel_id, persoon_id, digest, view), in one
        statement (SQLite: one per thousand): (app_id, doel_id, persoon_id) -> the new version
        of every view written; an unchanged one is left out. The last write of a key wins."""
        at = datetime.now(UTC)
        latest = {(a, d, p): (digest, view) for a, d, p, digest, view in views}
        if not latest:
            return {}
        rows = [
            {"app_id": a, "doel_id": d, "persoon_id": p, "digest": digest, "view": view,
             "changed_at": at}
            for (a, d, p), (digest, view) in latest.items()
        ]  # fmt: skip
        return self._bulk.views(self._conn, rows)

    def delete_view(self, app_id: str, doel_id: str, persoon_id: str) -> int | None:
        """Remove a view: the version its tombstone carries (the removed one's + 1), or None
        when there was no view. The row stays, without data, so versions keep growing."""
        at = datetime.now(UTC)
        params = {"k_app": app_id, "k_doel": doel_id, "k_persoon": persoon_id, "at": at}
        version = self._conn.execute(sql.DELETE_VIEW, params).scalar()
        return None if version is None else int(version)

    def views_of_doel(
        self, app_id: str, doel_id: str, after: str | None = None, limit: int = 1000
    ) -> list[str]:
        """One page of the persons with a view for this purpose of this app, in order."""
        params: dict[str, Any] = {"app_id": app_id, "doel_id": doel_id, "limit": limit}
        if after is None:
            rows = self._conn.execute(sql.VIEWS_OF_DOEL, params)
        else:
            rows = self._conn.execute(sql.VIEWS_OF_DOEL_AFTER, {**params, "after": after})
        return [r.persoon_id for r in rows]


def find_many(
    conn: Connection, kind: str, name: str, values: Collection[str]
) -> dict[str, list[str]]:
    """Shared with the gateway's reader: one query per `CHUNK` values."""
    found: dict[str, list[str]] = {value: [] for value in values}
    for chunk in chunks(values):
        for r in conn.execute(sql.FIND_MANY, {"kind": kind, "name": name, "values": chunk}):
            found[r.value].append(r.id)
    return found


def _check_format(conn: Connection, url: str) -> None:
    """A store built by an older Bron lacks index rows that reads now rely on (a search would
    silently find nothing): refused at start, naming the command that rebuilds it. An empty
    store is simply marked with the current format."""
    row = conn.execute(select(store_meta.c.value).where(store_meta.c.name == "format")).first()
    found = int(row.value) if row is not None else None
    if found == FORMAT:
        return
    if found is None and conn.execute(select(entity.c.id).limit(1)).first() is None:
        conn.execute(insert(store_meta).values(name="format", value=FORMAT))
        return
    raise BronError(
        f"the projection store ({url}) has format {found or 1}; this Bron needs format {FORMAT}",
        suggestion="stop the stream workers and run `bron streams rebuild` (it replays every "
        "topic into a fresh store)",
    )


def _migrate_indexes(conn: Connection) -> None:
    """An existing store gets the indexes of this version (`create_all` only makes missing
    tables) and loses retired ones; on a large store the first start takes a while."""
    for index in entity_index.indexes:
        index.create(conn, checkfirst=True)
    for name in RETIRED_INDEXES:
        conn.execute(text(f"DROP INDEX IF EXISTS {name}"))


def _index_rows(e: Entity, pairs: IndexSet) -> list[dict[str, str]]:
    return [{"kind": e.kind, "name": n, "value": v, "id": e.id} for n, v in pairs]


class ProjectionStore:
    """The worker's side: a writer engine (on SQLite it takes the write lock when a transaction
    begins, so workers queue instead of failing). Creates its tables if they are missing."""

    def __init__(self, url: str, *, rebuild: bool = False) -> None:
        """`rebuild`: for `bron streams rebuild`, which wipes the store: a store of an older
        format is then no reason to refuse."""
        self._engine = store_engine(url, writer=True)
        try:
            with self._engine.begin() as conn:
                if self._engine.dialect.name == "postgresql":
                    # Workers starting together would otherwise race to create the same tables.
                    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('bron.projections'))"))
                metadata.create_all(conn)
                _migrate_indexes(conn)
                if not rebuild:
                    _check_format(conn, self._engine.url.render_as_string(hide_password=True))
        except BaseException:
            self._engine.dispose()  # no connection left open behind a refusal
            raise
        self._upserts = sql.Upserts(self._engine.dialect.name)
        self._bulk = bulk(self._engine.dialect.name, self._upserts)

    @contextmanager
    def transaction(self) -> Iterator[StoreTx]:
        """One database transaction: committed when the block ends, rolled back if it raises."""
        with self._engine.begin() as conn:
            yield StoreTx(conn, self._upserts, self._bulk)

    def wipe(self) -> None:
        """Every table emptied: views, states, offsets (`bron streams rebuild`)."""
        with self._engine.begin() as conn:
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())
            conn.execute(insert(store_meta).values(name="format", value=FORMAT))

    def close(self) -> None:
        self._engine.dispose()
