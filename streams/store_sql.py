"""The projection store's statements, built once: compiling and cache-keying a statement per
call costs more than running it, at tens of thousands of events per second. Lists go into
`IN` through expanding bind parameters, so one compiled statement serves every length.

Reads are the same on every database and shared by the worker (`streams.store`) and the
gateway (`streams.reads`); upserts use the dialect's `INSERT .. ON CONFLICT`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, bindparam, null, select, update
from sqlalchemy.dialects import postgresql, sqlite

from streams.store_tables import consumer_offset, entity, entity_index, projection_view

e, i, v, o = entity.c, entity_index.c, projection_view.c, consumer_offset.c

_kind, _name = e.kind == bindparam("kind"), i.name == bindparam("name")
_ids: BindParameter[list[str]] = bindparam("ids", expanding=True)
_values: BindParameter[list[str]] = bindparam("values", expanding=True)
_live = v.digest.is_not(None)  # a NULL digest marks a removed view (a tombstone row)
_doel = (v.app_id == bindparam("app_id"), v.doel_id == bindparam("doel_id"))
_view_key = (*_doel, v.persoon_id == bindparam("persoon_id"))

ENTITIES = select(e.id, e.seq, e.state).where(_kind, e.id.in_(_ids))
INDEX_OF = select(i.id, i.name, i.value).where(i.kind == bindparam("kind"), i.id.in_(_ids))
FIND = (
    select(i.id)
    .where(i.kind == bindparam("kind"), _name, i.value == bindparam("value"))
    .order_by(i.id)
)
FIND_MANY = (
    select(i.value, i.id)
    .where(i.kind == bindparam("kind"), _name, i.value.in_(_values))
    .order_by(i.value, i.id)
)
FIND_RANGE = (
    select(i.value, i.id)
    .where(i.kind == bindparam("kind"), _name, i.value <= bindparam("upto"))
    .order_by(i.value, i.id)
)
IDS = select(e.id).where(_kind).order_by(e.id).limit(bindparam("limit"))
IDS_AFTER = IDS.where(e.id > bindparam("after"))

VIEW = select(v.version, v.digest, v.view).where(*_view_key, _live)
VIEWS_OF = (  # removed views too: their versions keep a sum of versions growing
    select(v.app_id, v.doel_id, v.persoon_id, v.version, v.digest, v.view)
    .where(v.persoon_id.in_(_ids))
    .order_by(v.persoon_id, v.app_id, v.doel_id)
)
VIEWS = select(v.persoon_id, v.view).where(*_doel, v.persoon_id.in_(_ids), _live)
VIEWS_OF_DOEL = (
    select(v.persoon_id).where(*_doel, _live).order_by(v.persoon_id).limit(bindparam("limit"))
)
VIEWS_OF_DOEL_AFTER = VIEWS_OF_DOEL.where(v.persoon_id > bindparam("after"))

OFFSETS = select(o.partition, o.next_offset).where(
    o.consumer == bindparam("consumer"), o.topic == bindparam("topic")
)

# A tombstone keeps the row and its version, and drops the data: the revoked view is gone.
# (An UPDATE's bind parameters may not be named after its columns.)
DELETE_VIEW = (
    update(projection_view)
    .where(
        v.app_id == bindparam("k_app"),
        v.doel_id == bindparam("k_doel"),
        v.persoon_id == bindparam("k_persoon"),
        _live,
    )
    .values(version=v.version + 1, digest=None, view=null(), changed_at=bindparam("at"))
    .returning(v.version)
)


class Upserts:
    """The dialect's `INSERT .. ON CONFLICT` statements (SQLite and PostgreSQL) for offsets
    and views; entity and index rows go out in bulk (`streams.store_bulk`)."""

    def __init__(self, dialect: str) -> None:
        insert: Any = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
        if insert is None:
            raise ValueError(f"the projection store runs on SQLite or PostgreSQL, not {dialect}")
        offsets = insert(consumer_offset)
        self.offsets = offsets.on_conflict_do_update(
            index_elements=[o.consumer, o.topic, o.partition],
            set_={"next_offset": offsets.excluded.next_offset},
        )
        # One round trip: insert at version 1, or bump the version of a row whose digest
        # differs (or that is a tombstone); an unchanged view returns no row and writes nothing.
        # With a list of rows it becomes a multi-row INSERT (SQLAlchemy's "insertmanyvalues").
        view = insert(projection_view)
        self.view = view.on_conflict_do_update(
            index_elements=[v.app_id, v.doel_id, v.persoon_id],
            set_={
                "version": v.version + 1,
                "digest": view.excluded.digest,
                "view": view.excluded.view,
                "changed_at": view.excluded.changed_at,
            },
            where=v.digest.is_distinct_from(view.excluded.digest),
        ).returning(v.app_id, v.doel_id, v.persoon_id, v.version)
