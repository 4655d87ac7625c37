"""The gateway's side of the projection store (docs/adr/0009): reads by key and by index, never
a write, and no copy kept. Every method is one query per `CHUNK` keys, so that a DataLoader
batch costs one round trip; `calls` counts them, for tests that bound the store calls. The
connections are read-only (`streams.store_engine`)."""

from __future__ import annotations

import threading
from collections.abc import Collection
from typing import Any, cast

from bron.policy import Policy
from streams import store_sql as sql
from streams.store import find_many
from streams.store_engine import store_engine
from streams.store_tables import CHUNK, chunks


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
        from streams.projector import _app, _doel

        doelen = list(self.states("doel").values())
        apps = list(self.states("app").values())
        known = {d["doelId"] for d in doelen}
        return Policy.model_validate(
            {"doelen": [_doel(d) for d in doelen], "apps": [_app(a, known) for a in apps]}
        )

    def close(self) -> None:
        self._engine.dispose()
