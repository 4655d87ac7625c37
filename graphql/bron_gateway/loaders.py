"""Per-request DataLoaders over the projection store: every BSN asked in one request is looked
up in one batch, every view in one batch per purpose, so N persons cost a bounded number of
store calls (`ProjectionReader` does one query per `CHUNK` keys).

An unknown BSN still costs a view lookup (of a random id): a person out of scope and one that
does not exist take the same path and give the same null."""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from streams.reads import ProjectionReader

View = dict[str, Any]
ViewKey = tuple[str, str | None]  # (doel id, persoonId or None for an unknown BSN)


class Loaders:
    def __init__(self, reader: ProjectionReader, app_id: str) -> None:
        self._reader = reader
        self._app_id = app_id
        self.persoon_ids: DataLoader[str, str | None] = DataLoader(load_fn=self._persoon_ids)
        self.views: DataLoader[ViewKey, View | None] = DataLoader(load_fn=self._views)

    async def _persoon_ids(self, bsns: Sequence[str]) -> list[str | None]:
        found = await asyncio.to_thread(self._reader.find, "persoon", "bsn", list(bsns))
        return [ids[0] if len(ids) == 1 else None for ids in (found.get(b, []) for b in bsns)]

    async def _views(self, keys: Sequence[ViewKey]) -> list[View | None]:
        asked: defaultdict[str, list[str]] = defaultdict(list)
        stand_in = {k: str(uuid.uuid4()) for k in keys if k[1] is None}
        for key in keys:
            asked[key[0]].append(key[1] or stand_in[key])
        found: dict[tuple[str, str], View] = {}
        for doel_id, ids in asked.items():
            views = await asyncio.to_thread(self._reader.views, self._app_id, doel_id, ids)
            found.update(((doel_id, pid), view) for pid, view in views.items())
        return [found.get((k[0], k[1])) if k[1] is not None else None for k in keys]
