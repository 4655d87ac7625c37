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
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from streams import compose
from streams.reads import ProjectionReader

if TYPE_CHECKING:
    from bron_gateway.bag import BagReads

View = dict[str, Any]
ViewKey = tuple[str, str | None]  # (doel id, persoonId or None for an unknown BSN)


class Loaders:
    def __init__(self, reader: ProjectionReader, app_id: str) -> None:
        self._reader = reader
        self._app_id = app_id
        self.reader = reader  # for the searches, which are one query each and not batched
        self.app_id = app_id
        self.persoon_ids: DataLoader[str, str | None] = DataLoader(load_fn=self._persoon_ids)
        self.views: DataLoader[ViewKey, View | None] = DataLoader(load_fn=self._views)
        self.adressen: DataLoader[str, View | None] = DataLoader(load_fn=self._adressen)
        self.woz: DataLoader[str, View | None] = DataLoader(load_fn=self._woz)
        self.woz_of_adres: DataLoader[str, list[str]] = DataLoader(load_fn=self._woz_of_adres)
        self._panden: DataLoader[tuple[str, tuple[str, ...]], View | None] | None = None

    async def panden(self, bag: BagReads, ids: list[str], fields: list[str]) -> list[View | None]:
        """Panden from the BAG registry, each read once per request however many persons
        live in it (one HTTP read per distinct pand and set of fields)."""
        if self._panden is None:

            async def load(keys: Sequence[tuple[str, tuple[str, ...]]]) -> list[View | None]:
                found: dict[tuple[str, tuple[str, ...]], View | None] = {}
                for fields_asked in {f for _, f in keys}:
                    wanted = sorted({i for i, f in keys if f == fields_asked})
                    read = await bag.panden(wanted, list(fields_asked))
                    found.update(((i, fields_asked), p) for i, p in zip(wanted, read, strict=True))
                return [found[k] for k in keys]

            self._panden = DataLoader(load_fn=load)
        return list(await self._panden.load_many([(i, tuple(sorted(fields))) for i in ids]))

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

    async def _adressen(self, ids: Sequence[str]) -> list[View | None]:
        """Nummeraanduiding id -> the address as a view shows it (`streams.compose.adres`),
        None when unknown or withdrawn: three store calls for any number of ids."""
        states = await asyncio.to_thread(self._reader.entities, "nummeraanduiding", list(ids))
        live = {k: s for k, s in states.items()
                if not str(s.get("status", "")).endswith("ingetrokken")}  # fmt: skip
        straat_ids = {s["ligtAan"] for s in live.values() if s.get("ligtAan")}
        straten = await self._entities("openbare_ruimte", straat_ids)
        plaats_ids = {e["ligtIn"] for e in [*live.values(), *straten.values()] if e.get("ligtIn")}
        plaatsen = await self._entities("woonplaats", plaats_ids)
        out: list[View | None] = []
        for id in ids:
            na = live.get(id)
            if na is None:
                out.append(None)
                continue
            straat = straten.get(na.get("ligtAan") or "")
            plaats_id = na.get("ligtIn") or (straat or {}).get("ligtIn")
            plaats = plaatsen.get(plaats_id or "")
            out.append(compose.adres(na, (straat or {}).get("naam"), (plaats or {}).get("naam")))
        return out

    async def _woz(self, nummers: Sequence[str]) -> list[View | None]:
        states = await asyncio.to_thread(self._reader.entities, "woz_object", list(nummers))
        return [states.get(n) for n in nummers]

    async def _woz_of_adres(self, ids: Sequence[str]) -> list[list[str]]:
        """Nummeraanduiding id -> the WOZ objects of its verblijfsobjecten: two store calls."""
        vbos = await asyncio.to_thread(self._reader.find, "verblijfsobject", "adres", list(ids))
        every = {v for vs in vbos.values() for v in vs}
        woz = await asyncio.to_thread(self._reader.find, "woz_object", "verblijfsobject", every)
        return [sorted({w for v in vbos.get(id, []) for w in woz.get(v, [])}) for id in ids]

    async def _entities(self, kind: str, ids: set[str]) -> dict[str, View]:
        if not ids:
            return {}
        return await asyncio.to_thread(self._reader.entities, kind, ids)
