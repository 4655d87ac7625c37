"""The gateway's side of the projection store (docs/adr/0009): reads by key and by index, never
a write, and no copy kept. Every method is one query per `CHUNK` keys, so that a DataLoader
batch costs one round trip; `calls` counts them, for tests that bound the store calls. The
connections are read-only (`streams.store_engine`)."""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import bindparam, func, select

from bron.policy import Policy
from streams import store_sql as sql
from streams.store import find_many
from streams.store_engine import store_engine
from streams.store_tables import CHUNK, chunks, entity, entity_index, projection_view


class ProjectionReader:
    def __init__(self, url: str) -> None:
        self._engine = store_engine(url, writer=False)
        self._calls = 0
        self._lock = threading.Lock()

    @property
    def calls(self) -> int:
        """Queries made so far."""
        return self._calls

    def _count(self, queries: int = 1) -> None:
        with self._lock:
            self._calls += queries

    def view(self, app_id: str, doel_id: str, persoon_id: str) -> dict[str, Any] | None:
        key = {"app_id": app_id, "doel_id": doel_id, "persoon_id": persoon_id}
        self._count()
        with self._engine.connect() as conn:
            row = conn.execute(sql.VIEW, key).first()
        return None if row is None else cast(dict[str, Any], row.view)

    def views(
        self, app_id: str, doel_id: str, persoon_ids: Collection[str]
    ) -> dict[str, dict[str, Any]]:
        """persoonId -> view, for those of `persoon_ids` that have one."""
        found: dict[str, dict[str, Any]] = {}
        with self._engine.connect() as conn:
            for chunk in chunks(persoon_ids):
                self._count()
                params = {"app_id": app_id, "doel_id": doel_id, "ids": chunk}
                found.update((r.persoon_id, r.view) for r in conn.execute(sql.VIEWS, params))
        return found

    def find(self, kind: str, name: str, values: Collection[str]) -> dict[str, list[str]]:
        """Every value asked for -> the sorted ids indexed by it (an empty list when none):
        ("persoon", "bsn", bsns) -> persoonIds, ("persoon", "nummeraanduiding", ids) -> the
        residents of those addresses."""
        self._count(-(-len(set(values)) // CHUNK))
        with self._engine.connect() as conn:
            return find_many(conn, kind, name, values)

    def entities(self, kind: str, ids: Collection[str]) -> dict[str, dict[str, Any]]:
        """id -> state, for those of `ids` that are stored (BAG and WOZ objects are public)."""
        found: dict[str, dict[str, Any]] = {}
        with self._engine.connect() as conn:
            for chunk in chunks(ids):
                self._count()
                rows = conn.execute(sql.ENTITIES, {"kind": kind, "ids": chunk})
                found.update((r.id, r.state) for r in rows)
        return found

    def states(self, kind: str) -> dict[str, dict[str, Any]]:
        """id -> state of every entity of a kind (for the small ones: `doel`, `app`), one query
        per page of ids and one per `CHUNK` states."""
        ids: list[str] = []
        with self._engine.connect() as conn:
            while True:
                self._count()
                params: dict[str, Any] = {"kind": kind, "limit": 1000}
                if ids:
                    rows = conn.execute(sql.IDS_AFTER, {**params, "after": ids[-1]}).all()
                else:
                    rows = conn.execute(sql.IDS, params).all()
                ids += [r.id for r in rows]
                if len(rows) < 1000:
                    break
        return self.entities(kind, ids) if ids else {}

    def policy(self) -> Policy:
        """The register of apps and purposes as the policy events left it in the store, read
        the way the stream workers read it (`streams.projector`)."""
        from streams.projector import _app, _doel, current_doelen

        doelen = current_doelen(self.states("doel").values())
        apps = list(self.states("app").values())
        known = {d["doelId"] for d in doelen}
        # an app's browser origins (CORS) and registered operations matter to the gateway
        # only, not to the workers
        return Policy.model_validate({
            "doelen": [_doel(d) for d in doelen],
            "apps": [{**_app(a, known), "origins": a.get("origins") or [],
                      "operaties": a.get("operaties") or [], "versie": a.get("versie"),
                      "contact": a.get("contact")} for a in apps],
        })  # fmt: skip

    # -- searches (the gateway's zoekPersonen, adres, bewoners) -----------------------------
    #
    # The index holds ids, never names or postcodes (`streams.index`), so a search by field
    # values compares the stored JSON states: a scan of one kind's states, not an index lookup.
    # A search that ends in persons joins the purpose's live views in the same query, so it
    # only ever returns persons the app may see for that purpose, a page at a time.

    def matching(
        self,
        kind: str,
        fields: Mapping[str, Value],
        limit: int = 100,
        indexed: tuple[str, str] | None = None,
    ) -> list[str]:
        """Ids (sorted, at most `limit`) of the entities of a kind whose state holds these
        values at these dotted paths (None: absent or null): ("nummeraanduiding",
        {"postcode": "1011AB", "huisnummer": 12}). One query: with `indexed` (an index row's
        name and value, e.g. `streams.index.address_key`) only among the entities that have
        it, else a scan of the kind's states."""
        query = select(e.id).where(e.kind == kind, *_conditions(e.state, fields, ()))
        if indexed is not None:
            query = query.where(_having(e.id, kind, indexed[0], [indexed[1]]))
        query = query.order_by(e.id).limit(limit)
        self._count()
        with self._engine.connect() as conn:
            return [r.id for r in conn.execute(query)]

    def search_in_scope(
        self,
        app_id: str,
        doel_id: str,
        fields: Mapping[str, Value],
        *,
        ignore_case: Collection[str] = (),
        offset: int = 0,
        limit: int,
        indexed: tuple[str, str] | None = None,
    ) -> list[str]:
        """One page (`offset`, `limit`), in persoonId order, of the persons whose state holds
        these values at these dotted paths and who have a view for this purpose of this app.
        One query; with `indexed` (e.g. `streams.index.name_key`) only among the persons with
        that index row, instead of every view of the purpose."""
        query = (
            select(v.persoon_id)
            .join(entity, (e.kind == "persoon") & (e.id == v.persoon_id))
            .where(v.app_id == app_id, v.doel_id == doel_id, _live,
                   *_conditions(e.state, fields, ignore_case))
        )  # fmt: skip
        if indexed is not None:
            query = query.where(_having(v.persoon_id, "persoon", indexed[0], [indexed[1]]))
        self._count()
        with self._engine.connect() as conn:
            return [r.persoon_id for r in conn.execute(_page(query, offset, limit))]

    def indexed_in_scope(
        self,
        app_id: str,
        doel_id: str,
        name: str,
        values: Collection[str],
        *,
        offset: int = 0,
        limit: int,
    ) -> list[str]:
        """One page, in persoonId order, of the persons indexed by (`name`, any of `values`)
        who have a view for this purpose of this app: ("nummeraanduiding", [adres id]) are the
        residents of an address. One query (`values`: a handful of ids)."""
        if not values:
            return []
        query = select(v.persoon_id).where(
            v.app_id == app_id, v.doel_id == doel_id, _live,
            _having(v.persoon_id, "persoon", name, sorted(set(values))),
        )  # fmt: skip
        self._count()
        with self._engine.connect() as conn:
            return [r.persoon_id for r in conn.execute(_page(query, offset, limit))]

    def verwerkingen(
        self, betrokkene: str, *, offset: int = 0, limit: int, hidden: Collection[str] = ()
    ) -> list[dict[str, Any]]:
        """One page, newest first, of the processing-log records (`verwerking` states) about
        the citizen with this pseudonym, leaving out those whose `vertrouwelijkheid` is one of
        `hidden`. One query."""
        query = select(e.state).where(
            e.kind == "verwerking", _having(e.id, "verwerking", "betrokkene", [betrokkene])
        )
        if hidden:
            shown = e.state["vertrouwelijkheid"].as_string()
            query = query.where(shown.is_(None) | shown.not_in(sorted(hidden)))
        query = (
            query.order_by(e.state["tijdstip"].as_string().desc(), e.id.desc())
            .limit(limit)
            .offset(offset)
        )
        self._count()
        with self._engine.connect() as conn:
            return [cast(dict[str, Any], r.state) for r in conn.execute(query)]

    def close(self) -> None:
        self._engine.dispose()


Value = str | int | None
e, i, v = entity.c, entity_index.c, projection_view.c
_live = v.digest.is_not(None)  # a NULL digest marks a removed view


def _conditions(
    column: Any, fields: Mapping[str, Value], ignore_case: Collection[str]
) -> list[Any]:
    """`column` (JSON) holds the value at each dotted path: None means absent or null; the
    strings of the paths in `ignore_case` compare lowercased."""
    out: list[Any] = []
    for n, (dotted, value) in enumerate(sorted(fields.items())):
        at = column[tuple(dotted.split("."))]
        if value is None:
            out.append(at.as_string().is_(None))
        elif isinstance(value, int):
            out.append(at.as_integer() == bindparam(f"f{n}", value))
        elif dotted in ignore_case:
            out.append(func.lower(at.as_string()) == bindparam(f"f{n}", value.lower()))
        else:
            out.append(at.as_string() == bindparam(f"f{n}", value))
    return out


def _having(column: Any, kind: str, name: str, values: Sequence[str]) -> Any:
    """`column` (an entity id) is among the ids with an index row (`name`, one of `values`).
    Written as `IN (subquery)` rather than a join: the planner then starts from the index rows
    and looks the few ids up by key, instead of walking every view of a purpose (or every
    entity of a kind) and joining the index to each (seen in SQLite's query plans)."""
    ids = select(i.id).where(i.kind == kind, i.name == name, i.value.in_(values))
    return column.in_(ids.scalar_subquery())


def _page(query: Any, offset: int, limit: int) -> Any:
    return query.order_by(v.persoon_id).limit(limit).offset(offset)
