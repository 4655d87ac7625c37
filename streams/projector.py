"""A batch of events → entity states, purpose views and the per-app records to send, inside one
store transaction (the worker commits it with the offsets; ADR 9).

Idempotent: an event below the stored offset of its partition, or with a per-entity sequence at
or below the entity's, changes nothing. Which persons to look at again follows from what
changed: a person and those whose view shows them (partners, parents, children); the residents
of an address or verblijfsobject; the belanghebbenden and residents of a WOZ object; the person
of a consent; for a purpose or an app, everyone who has a view for it or may get one."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from bron.policy import Policy, is_withdrawn_doel
from streams import compose
from streams.fold import fold
from streams.incoming import Incoming
from streams.index import birthdays, index_of, moment
from streams.scope import consent_active, scope
from streams.store import Entity, StoredView

Render = Callable[..., dict[str, Any]]
LEEFTIJD_DAY = "leeftijd-dag"  # the last day whose birthdays were applied (date ordinal)
GENERATION = 1_000_000  # versie = the store's generation (epoch ms) * this + the views' versions


class Port(Protocol):
    """What the projector needs of a store transaction (`streams.store.StoreTx`)."""

    def offsets(self, consumer: str, topic: str) -> dict[int, int]: ...
    def set_offsets(self, consumer: str, topic: str, offsets: Mapping[int, int]) -> None: ...
    def entities(
        self, kind: str, ids: Collection[str], with_index: bool = True
    ) -> dict[str, Entity]: ...
    def put_many(self, entities: Sequence[Entity]) -> None: ...
    def find(self, kind: str, name: str, value: str) -> list[str]: ...
    def find_many(self, kind: str, name: str, values: Collection[str]) -> dict[str, list[str]]: ...
    def find_range(self, kind: str, name: str, upto: str) -> list[tuple[str, str]]: ...
    def ids(self, kind: str, after: str | None = None, limit: int = 1000) -> list[str]: ...
    def views_of(self, persoon_ids: Collection[str]) -> list[StoredView]: ...
    def generation(self) -> int: ...
    def meta(self, name: str) -> int | None: ...
    def set_meta(self, name: str, value: int) -> None: ...
    def put_view(self, app_id: str, doel_id: str, persoon_id: str, digest: str,
                 view: dict[str, Any]) -> int | None: ...  # fmt: skip
    def put_views(
        self, views: Sequence[tuple[str, str, str, str, dict[str, Any]]]
    ) -> dict[tuple[str, str, str], int]: ...
    def delete_view(self, app_id: str, doel_id: str, persoon_id: str) -> int | None: ...
    def views_of_doel(self, app_id: str, doel_id: str, after: str | None = None,
                      limit: int = 1000) -> list[str]: ...  # fmt: skip


@dataclass(frozen=True, slots=True)
class AppRecord:
    """What goes to `bron.app.<appId>` under the key persoonId: every view of the app's purposes
    for the person (`doelen`), or None (a tombstone) when no purpose covers them any more.
    `versie` only grows, across rebuilds too: the store's generation (when it was built, epoch
    ms) times a million, plus the sum of the versions of the app's views of the person."""

    app_id: str
    persoon_id: str
    versie: int
    doelen: dict[str, dict[str, Any]] | None
    wijzigingen: dict[str, dict[str, Any]] = field(default_factory=dict)  # `compose.changes`


@dataclass(slots=True)
class Result:
    applied: int = 0
    duplicates: int = 0
    persons: int = 0
    records: list[AppRecord] = field(default_factory=list)


class Projector:
    def __init__(self, consumer: str, render: Render | None = None) -> None:
        self.consumer = consumer
        if render is None:
            from bron.views.persoon import persoon

            render = persoon
        self.render: Render = render

    def apply(
        self,
        tx: Port,
        batch: Sequence[Incoming],
        now: datetime.datetime,
        skipped: Sequence[tuple[str, int, int]] = (),
    ) -> Result:
        """`skipped`: (topic, partition, offset) of messages dead-lettered in this batch; the
        stored offsets move past them too."""
        result = Result()
        fresh = self._new_events(tx, batch, result, skipped)
        before: dict[tuple[str, str], Entity | None] = {}
        after: dict[tuple[str, str], Entity] = {}
        wanted: dict[str, set[str]] = {}
        for event in fresh:
            wanted.setdefault(event.kind, set()).add(event.entity_id)
        loaded = {(kind, i): e for kind, ids in wanted.items()
                  for i, e in tx.entities(kind, ids).items()}  # fmt: skip
        for event in fresh:
            key = (event.kind, event.entity_id)
            current = after.get(key) or loaded.get(key)
            if key not in before:
                before[key] = loaded.get(key)
            if current is not None and event.sequence <= current.seq:
                result.duplicates += 1
                continue
            state = fold(event.kind, current.state if current else None, event.event_type,
                         event.data)  # fmt: skip
            after[key] = Entity(event.kind, event.entity_id, event.sequence, state,
                                index_of(event.kind, state))  # fmt: skip
            result.applied += 1
        tx.put_many(list(after.values()))
        policy = self.policy(tx)
        persons = self._affected(tx, policy, before, after)
        result.records = self.recompute(tx, policy, persons, now)
        result.persons = len(persons)
        return result

    def expire(self, tx: Port, now: datetime.datetime) -> Result:
        """What time alone changes, without waiting for an event: the consents whose
        `geldigTot` passed end, and on a new day the views of those whose age changed."""
        result = self._expire_consents(tx, now)
        aged = self._birthdays(tx, now.date())
        if aged:
            result.records += self.recompute(tx, self.policy(tx), aged, now)
            result.persons += len(aged)
        return result

    def _birthdays(self, tx: Port, today: datetime.date) -> set[str]:
        """The persons whose `leeftijd` changed since the last day seen (every day since, after
        a worker was down; on a store's first day none: its views were made that day)."""
        last = tx.meta(LEEFTIJD_DAY)
        if last == today.toordinal():
            return set()
        tx.set_meta(LEEFTIJD_DAY, today.toordinal())
        if last is None or last > today.toordinal():
            return set()
        days = range(max(last + 1, today.toordinal() - 366), today.toordinal() + 1)
        keys = {k for d in days for k in birthdays(datetime.date.fromordinal(d))}
        found = tx.find_many("persoon", "verjaardag", keys)
        return {p for ids in found.values() for p in ids}

    def _expire_consents(self, tx: Port, now: datetime.datetime) -> Result:
        result = Result()
        due = [i for _, i in tx.find_range("toestemming", "verloopt", moment(now))]
        ended = []
        for consent in tx.entities("toestemming", due, with_index=False).values():
            if consent.state.get("status") == "verleend":
                state = {**consent.state, "status": "verlopen"}
                ended.append(Entity("toestemming", consent.id, consent.seq, state,
                                    index_of("toestemming", state)))  # fmt: skip
        if not ended:
            return result
        tx.put_many(ended)
        persons = {e.state["persoonId"] for e in ended}
        result.applied, result.persons = len(ended), len(persons)
        result.records = self.recompute(tx, self.policy(tx), persons, now)
        return result

    def policy(self, tx: Port) -> Policy:
        """The register of apps and purposes as the policy events left it in the store."""
        doelen = current_doelen(_all(tx, "doel"))
        apps = _all(tx, "app")
        return Policy.model_validate({
            "doelen": [_doel(d) for d in doelen],
            "apps": [_app(a, {d["doelId"] for d in doelen}) for a in apps],
        })  # fmt: skip

    def _new_events(
        self,
        tx: Port,
        batch: Sequence[Incoming],
        result: Result,
        skipped: Sequence[tuple[str, int, int]],
    ) -> list[Incoming]:
        """Events at or past the stored offset of their partition; the offsets move on."""
        stored: dict[str, dict[int, int]] = {}
        moved: dict[str, dict[int, int]] = {}
        for topic_name, partition, offset in skipped:
            passed = moved.setdefault(topic_name, {})
            passed[partition] = max(passed.get(partition, 0), offset + 1)
        fresh = []
        for event in batch:
            offsets = stored.get(event.topic)
            if offsets is None:
                offsets = stored[event.topic] = tx.offsets(self.consumer, event.topic)
            if event.offset < offsets.get(event.partition, 0):
                result.duplicates += 1
                continue
            fresh.append(event)
            seen = moved.setdefault(event.topic, {})
            seen[event.partition] = max(seen.get(event.partition, 0), event.offset + 1)
        for name, offsets in moved.items():
            known = stored.get(name) or tx.offsets(self.consumer, name)
            ahead = {p: o for p, o in offsets.items() if o > known.get(p, 0)}
            if ahead:
                tx.set_offsets(self.consumer, name, ahead)
        return fresh

    def _affected(
        self,
        tx: Port,
        policy: Policy,
        before: Mapping[tuple[str, str], Entity | None],
        after: Mapping[tuple[str, str], Entity],
    ) -> set[str]:
        persons: set[str] = set()
        by_kind: dict[str, set[str]] = {}
        places: set[str] = set()  # verblijfsobjecten of the changed WOZ objects, before and after
        for (kind, entity_id), entity in after.items():
            old = before.get((kind, entity_id))
            by_kind.setdefault(kind, set()).add(entity_id)
            if kind == "persoon":
                persons.add(entity_id)
                for state in (entity.state, old.state if old else None):
                    persons |= _related_ids(state)
            elif kind == "woz_object":
                for state in (entity.state, old.state if old else None):
                    index = index_of(kind, state) if state else frozenset()
                    persons |= {v for n, v in index if n == "belanghebbende"}
                    places |= {v for n, v in index if n == "verblijfsobject"}
            elif kind == "toestemming":
                persons.add(entity.state["persoonId"])
            elif kind in ("doel", "app") and _shapes_views(kind, entity, old):
                persons |= self._policy_scope(tx, policy, kind, entity, old)
        persons |= _children(tx, by_kind.get("persoon", set()))
        persons |= _residents(tx, by_kind, places)
        return persons

    def _policy_scope(
        self, tx: Port, policy: Policy, kind: str, entity: Entity, old: Entity | None
    ) -> set[str]:
        """Everyone who has a view for the changed purpose (or the app's purposes) or may get
        one now: residents of its municipalities (statutory) or those with a consent for it."""
        pairs: set[tuple[str, str]] = set()
        if kind == "doel":
            doel_id = entity.id
            pairs |= {(a, doel_id) for a in apps_naming(_all(tx, "app"), doel_id)}
        else:
            doelen = set(entity.state.get("doelen", [])) | set(
                old.state.get("doelen", []) if old else []
            )
            pairs |= {(entity.id, d) for d in doelen}
        persons: set[str] = set()
        for app_id, doel_id in pairs:
            persons |= _paged(_views_of_doel(tx, app_id, doel_id))
            doel = policy.doel_by_id.get(doel_id)
            if doel is None:
                continue
            if doel.needs_consent:
                consents = tx.find("toestemming", "doel", f"{app_id}|{doel_id}")
                persons |= {
                    c.state["persoonId"]
                    for c in tx.entities("toestemming", consents, with_index=False).values()
                }
            else:
                app = policy.app_by_id.get(app_id)
                gemeenten = app.gemeenten_of(doel) if app else doel.gemeenten
                found = tx.find_many("persoon", "gemeente", gemeenten) if gemeenten else {}
                persons |= {p for ids in found.values() for p in ids}
        return persons

    def recompute(
        self, tx: Port, policy: Policy, persons: Iterable[str], now: datetime.datetime
    ) -> list[AppRecord]:
        ids = sorted(set(persons))
        if not ids:
            return []
        context = _Context.load(tx, ids)
        # (app, purpose, person) -> (version, view or None): what the store holds, kept up to
        # date below, so that the records need no second read of the views
        known = {(v.app_id, v.doel_id, v.persoon_id): (v.version, v.view)
                 for views in context.views.values() for v in views}  # fmt: skip
        before = {key: view for key, (_, view) in known.items()}
        touched: set[tuple[str, str]] = set()
        writes: dict[tuple[str, str, str], tuple[str, dict[str, Any]]] = {}
        allowed = {(a.id, d) for a in policy.apps for d in a.doelen}

        def delete(app_id: str, doel_id: str, persoon_id: str) -> None:
            version = tx.delete_view(app_id, doel_id, persoon_id)
            if version is not None:
                known[(app_id, doel_id, persoon_id)] = (version, None)
                touched.add((app_id, persoon_id))

        for persoon_id in ids:
            persoon = context.persons.get(persoon_id)
            stored = {(v.app_id, v.doel_id): v.digest for v in context.views.get(persoon_id, [])
                      if v.view is not None}  # fmt: skip
            documents: dict[bool, dict[str, Any]] = {}  # by the app being government or not
            for app in policy.apps:
                for doel_id in app.doelen:
                    doel = policy.doel_by_id[doel_id]
                    active = context.consent(persoon_id, app.id, doel_id, now)
                    if persoon is not None and scope(persoon.state, app, doel, active).allowed:
                        document = documents.get(app.overheid)
                        if document is None:
                            document = documents[app.overheid] = context.render(
                                self.render, persoon.state, now.date(), app.overheid
                            )
                        view = compose.view(doel, document, *context.places(persoon.state),
                                            context.woz_of(persoon_id, persoon.state))  # fmt: skip
                        digest = compose.digest(view)
                        if stored.get((app.id, doel_id)) != digest:
                            writes[(app.id, doel_id, persoon_id)] = (digest, view)
                    elif (app.id, doel_id) in stored:
                        delete(app.id, doel_id, persoon_id)
            # purposes the app no longer has, or apps that are gone
            for app_id, doel_id in set(stored) - allowed:
                delete(app_id, doel_id, persoon_id)
        if writes:
            rows = [(a, d, p, digest, view) for (a, d, p), (digest, view) in writes.items()]
            for key, version in tx.put_views(rows).items():
                known[key] = (version, writes[key][1])
                touched.add((key[0], key[2]))
        return _records(tx.generation(), known, before, touched)


@dataclass(slots=True)
class _Context:
    """Everything the views of a set of persons need, loaded with a bounded number of queries."""

    persons: dict[str, Entity]
    related: dict[str, Entity]
    children: dict[str, list[Entity]]
    consents: dict[str, list[Entity]]
    nummeraanduidingen: dict[str, Entity]
    openbare_ruimten: dict[str, Entity]
    woonplaatsen: dict[str, Entity]
    verblijfsobjecten: dict[str, Entity]
    woz: dict[str, list[Entity]]
    views: dict[str, list[StoredView]]

    @classmethod
    def load(cls, tx: Port, ids: list[str]) -> _Context:
        persons = tx.entities("persoon", ids, with_index=False)
        related_ids = set().union(*(_related_ids(p.state) for p in persons.values())) - set(persons)
        related = {**persons, **tx.entities("persoon", related_ids, with_index=False)}
        by_parent = tx.find_many("persoon", "ouder", ids)
        child_ids = {c for cs in by_parent.values() for c in cs}
        children_states = {
            **related,
            **tx.entities("persoon", child_ids - set(related), with_index=False),
        }
        children = {p: [children_states[c] for c in cs if c in children_states]
                    for p, cs in by_parent.items()}  # fmt: skip
        consent_ids = tx.find_many("toestemming", "persoon", ids)
        consent_states = tx.entities(
            "toestemming", {c for cs in consent_ids.values() for c in cs}, with_index=False
        )
        consents = {p: [consent_states[c] for c in cs if c in consent_states]
                    for p, cs in consent_ids.items()}  # fmt: skip
        plaatsen = [(p.state.get("verblijfplaats") or {}) for p in persons.values()]
        na_ids = {v["nummeraanduidingIdentificatie"] for v in plaatsen
                  if v.get("nummeraanduidingIdentificatie")}  # fmt: skip
        vbo_ids = {v["adresseerbaarObjectIdentificatie"] for v in plaatsen
                   if v.get("adresseerbaarObjectIdentificatie")}  # fmt: skip
        nummeraanduidingen = tx.entities("nummeraanduiding", na_ids, with_index=False)
        straat_ids = {n.state["ligtAan"] for n in nummeraanduidingen.values()
                      if n.state.get("ligtAan")}  # fmt: skip
        openbare_ruimten = tx.entities("openbare_ruimte", straat_ids, with_index=False)
        plaats_ids = {e.state["ligtIn"] for e in [*openbare_ruimten.values(),
                                                  *nummeraanduidingen.values()]
                      if e.state.get("ligtIn")}  # fmt: skip
        woonplaatsen = tx.entities("woonplaats", plaats_ids, with_index=False)
        verblijfsobjecten = tx.entities("verblijfsobject", vbo_ids, with_index=False)
        woz_by_person = tx.find_many("woz_object", "belanghebbende", ids)
        woz_by_vbo = tx.find_many("woz_object", "verblijfsobject", vbo_ids)
        woz_ids = {w for ws in [*woz_by_person.values(), *woz_by_vbo.values()] for w in ws}
        woz_states = tx.entities("woz_object", woz_ids, with_index=False)
        woz: dict[str, list[Entity]] = {}
        for key, found in [*woz_by_person.items(), *woz_by_vbo.items()]:
            woz.setdefault(key, []).extend(woz_states[w] for w in found if w in woz_states)
        views: dict[str, list[StoredView]] = {}
        for v in tx.views_of(ids):
            views.setdefault(v.persoon_id, []).append(v)
        return cls(persons, related, children, consents, nummeraanduidingen, openbare_ruimten,
                   woonplaatsen, verblijfsobjecten, woz, views)  # fmt: skip

    def consent(self, persoon_id: str, app_id: str, doel_id: str, now: datetime.datetime) -> bool:
        return any((c.state.get("appId"), c.state.get("doelId")) == (app_id, doel_id)
                   and consent_active(c.state, now)
                   for c in self.consents.get(persoon_id, []))  # fmt: skip

    def render(
        self, render: Render, state: dict[str, Any], today: datetime.date, overheid: bool
    ) -> dict[str, Any]:
        """The person's document; for an app that is not government without anything of a
        partner, parent or child with geheimhouding (the relation stays, their data does not)."""

        def shown(other: dict[str, Any]) -> bool:
            return overheid or not other.get("geheimhoudingPersoonsgegevens", 0)

        mine = (self.related.get(i) for i in _related_ids(state))
        related = {e.id: e.state for e in mine if e is not None and shown(e.state)}
        kinderen = [c.state for c in self.children.get(state["persoonId"], []) if shown(c.state)]
        kinderen.sort(
            key=lambda k: ((k.get("geboorte") or {}).get("datum") or "9999", k["persoonId"])
        )
        return render(state, today, related, kinderen)

    def places(self, state: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        plaats = state.get("verblijfplaats") or {}
        na = self.nummeraanduidingen.get(plaats.get("nummeraanduidingIdentificatie") or "")
        vbo = self.verblijfsobjecten.get(plaats.get("adresseerbaarObjectIdentificatie") or "")
        adres_doc = None
        if na is not None and str(na.state.get("status", "")).endswith("ingetrokken"):
            na = None  # a withdrawn address no longer exists for its users
        if na is not None:
            straat = self.openbare_ruimten.get(na.state.get("ligtAan") or "")
            # the nummeraanduiding names its woonplaats only when it is not its street's
            plaats_id = na.state.get("ligtIn") or (straat.state.get("ligtIn") if straat else None)
            woonplaats = self.woonplaatsen.get(plaats_id or "")
            adres_doc = compose.adres(
                na.state,
                straat.state.get("naam") if straat else None,
                woonplaats.state.get("naam") if woonplaats else None,
            )
        return adres_doc, compose.verblijfsobject(vbo.state) if vbo else None

    def woz_of(self, persoon_id: str, state: dict[str, Any]) -> list[dict[str, Any]]:
        vbo = (state.get("verblijfplaats") or {}).get("adresseerbaarObjectIdentificatie")
        found = {e.id: e for e in [*self.woz.get(persoon_id, []), *self.woz.get(vbo or "", [])]}
        return [compose.woz_object(found[k].state) for k in sorted(found)]


def _related_ids(state: dict[str, Any] | None) -> set[str]:
    """Persons whose views show this person (partners, parents) — and this one shows them."""
    if state is None:
        return set()
    ids = {o["persoonId"] for o in state.get("ouders", []) if o.get("persoonId")}
    ids |= {p["partner"]["persoonId"] for p in state.get("partnerschappen", [])
            if (p.get("partner") or {}).get("persoonId")}  # fmt: skip
    return ids


# What of an app or a purpose no view depends on: a change of only these recomputes nobody.
_DESCRIPTIVE = {
    "app": frozenset(
        {"naam", "omschrijving", "organisatie", "origins", "versie", "contact", "operaties"}
    ),
    "doel": frozenset({"naam", "omschrijving", "wettelijkeBasis"}),
}


def _shapes_views(kind: str, entity: Entity, old: Entity | None) -> bool:
    if old is None:
        return True
    ignore = _DESCRIPTIVE[kind]
    keys = (set(entity.state) | set(old.state)) - ignore
    return any(entity.state.get(k) != old.state.get(k) for k in keys)


def _views_of_doel(tx: Port, app_id: str, doel_id: str) -> Callable[[str | None], list[str]]:
    return lambda after: tx.views_of_doel(app_id, doel_id, after)


def _children(tx: Port, persons: set[str]) -> set[str]:
    found = tx.find_many("persoon", "ouder", persons) if persons else {}
    return {c for cs in found.values() for c in cs}


def _residents(tx: Port, changed: Mapping[str, set[str]], woz_places: set[str]) -> set[str]:
    """Residents of the changed addresses, verblijfsobjecten, streets and places, and of the
    verblijfsobjecten a changed WOZ object covers or covered (`woz_places`)."""
    nummeraanduidingen = set(changed.get("nummeraanduiding", set()))
    verblijfsobjecten = set(changed.get("verblijfsobject", set())) | woz_places
    straten = set(changed.get("openbare_ruimte", set()))
    if changed.get("woonplaats"):
        found = tx.find_many("openbare_ruimte", "woonplaats", changed["woonplaats"])
        straten |= {s for ss in found.values() for s in ss}
        # a nummeraanduiding in another woonplaats than its street names its own (`ligtIn`)
        found = tx.find_many("nummeraanduiding", "woonplaats", changed["woonplaats"])
        nummeraanduidingen |= {n for ns in found.values() for n in ns}
    if straten:
        found = tx.find_many("nummeraanduiding", "openbare_ruimte", straten)
        nummeraanduidingen |= {n for ns in found.values() for n in ns}
    persons: set[str] = set()
    for name, values in (("nummeraanduiding", nummeraanduidingen),
                         ("verblijfsobject", verblijfsobjecten)):  # fmt: skip
        if values:
            persons |= {p for ps in tx.find_many("persoon", name, values).values() for p in ps}
    return persons


def _records(
    generation: int,
    known: Mapping[tuple[str, str, str], tuple[int, dict[str, Any] | None]],
    before: Mapping[tuple[str, str, str], dict[str, Any] | None],
    touched: set[tuple[str, str]],
) -> list[AppRecord]:
    """Per touched (app, person): every view of the app's purposes for the person, the
    record's `versie` from the versions of all of them (removed ones included), and per
    purpose what changed since the views the batch started from."""
    if not touched:
        return []
    mine: dict[tuple[str, str], list[tuple[str, int, dict[str, Any] | None]]] = {}
    for (app_id, doel_id, persoon_id), (version, view) in known.items():
        if (app_id, persoon_id) in touched:
            mine.setdefault((app_id, persoon_id), []).append((doel_id, version, view))
    records = []
    for app_id, persoon_id in sorted(touched):
        views = sorted(mine.get((app_id, persoon_id), []))
        doelen = {d: view for d, _, view in views if view is not None}
        versie = generation * GENERATION + sum(version for _, version, _ in views)
        wijzigingen = {}
        for doel_id, _, view in views:
            change = compose.changes(before.get((app_id, doel_id, persoon_id)), view)
            if change is not None:
                wijzigingen[doel_id] = change
        records.append(AppRecord(app_id, persoon_id, versie, doelen or None, wijzigingen))
    return records


def _all(tx: Port, kind: str) -> list[dict[str, Any]]:
    ids = _paged(lambda after: tx.ids(kind, after))
    return [e.state for e in tx.entities(kind, ids, with_index=False).values()]


def _paged(page: Callable[[str | None], list[str]]) -> set[str]:
    found: set[str] = set()
    after = None
    while batch := page(after):
        found |= set(batch)
        after = batch[-1]
    return found


def current_doelen(doelen: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The purposes of the register as stored, without the withdrawn ones: a purpose removed
    from the register file is withdrawn by `doel-gewijzigd` without municipalities, which
    `Policy` would refuse. Every reader of the register (the stream workers, the gateway, the
    catalog) reads it through here, so the apps that name such a purpose lose it with `_app`."""
    return [d for d in doelen if not is_withdrawn_doel(d)]


def apps_naming(apps: Iterable[dict[str, Any]], doel_id: str) -> set[str]:
    """The apps whose stored state names a purpose, the purpose withdrawn or not: the policy
    has dropped a withdrawn purpose from every app, yet their views of it must go."""
    return {a["appId"] for a in apps if doel_id in (a.get("doelen") or [])}


def _doel(d: dict[str, Any]) -> dict[str, Any]:
    return {"id": d["doelId"], "naam": d["naam"], "omschrijving": d["omschrijving"],
            "grondslag": d["grondslag"], "wettelijkeBasis": d.get("wettelijkeBasis"),
            "gemeenten": d["gemeenten"], "velden": d.get("velden") or {}}  # fmt: skip


def _app(a: dict[str, Any], doelen: set[str]) -> dict[str, Any]:
    """An app as the register says; a purpose the worker has not seen yet is left out."""
    return {"id": a["appId"], "naam": a["naam"], "organisatie": a["organisatie"],
            "overheid": a["overheid"],
            "doelen": [d for d in a["doelen"] if d in doelen],
            "gemeenten": a.get("gemeenten")}  # fmt: skip
