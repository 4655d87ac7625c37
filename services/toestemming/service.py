"""The consent register's use cases: run a command, read consents, expire those due, publish
the register of apps and purposes (withdrawing the file's apps that left it), and register,
enable and withdraw apps from their manifests (the app store)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from bron.policy import Policy
from bron.registry.aggregates import ConcurrentChange
from bron.registry.commands import Change, Publish, execute
from bron.registry.database import Database
from bron.registry.rejection import Rejection
from services.toestemming.apps import AppRegistratie, current_policy, enable, register, withdraw
from services.toestemming.domain import (
    APP_EVENTS,
    Command,
    Events,
    Gepubliceerd,
    Toestemming,
    ToestemmingVerlopen,
    decide,
    evolve,
    publish_policy,
)
from services.toestemming.state import MANIFEST, REGISTER, herkomst
from services.toestemming.store import APPS, DOELEN, TOESTEMMINGEN, due_ids, is_active, lookups

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class ToestemmingRegistry:
    def __init__(
        self,
        engine: Database,
        policy: Policy,
        publish: Publish,
        publish_app: Publish,
        publish_doel: Publish,
        clock: Clock = utc_now,
    ) -> None:
        self.engine = engine
        self.policy = policy
        self.publish = publish
        self.publish_app = publish_app
        self.publish_doel = publish_doel
        self.clock = clock

    def execute(self, command: Command, now: datetime | None = None) -> Change[Toestemming]:
        moment = now or self.clock()

        def decide_in(conn: Connection, state: Toestemming | None) -> Events:
            def actief(persoon: str, app: str, doel: str) -> bool:
                return is_active(conn, persoon, app, doel)

            policy = self._current(conn)
            return decide(command, state, policy=policy, now=moment, actief=actief)

        return execute(self.engine, TOESTEMMINGEN, str(command.toestemmingId), decide_in,
                       evolve, lookups, self.publish)  # fmt: skip

    def get(self, toestemming_id: str) -> Toestemming | None:
        with self.engine.connect() as conn:
            loaded = TOESTEMMINGEN.load(conn, toestemming_id)
        return loaded.state if loaded else None

    def of_person(self, persoon_id: str) -> list[Toestemming]:
        with self.engine.connect() as conn:
            loaded = [TOESTEMMINGEN.load(conn, i)
                      for i in TOESTEMMINGEN.find_ids(conn, persoon=persoon_id)]  # fmt: skip
        return [item.state for item in loaded if item is not None]

    def expire_due(self, now: datetime | None = None) -> list[Change[Toestemming]]:
        """Issue ToestemmingVerlopen for every active consent whose geldigTot has passed."""
        moment = now or self.clock()
        with self.engine.connect() as conn:
            due = due_ids(conn, moment)
        changes = []
        for toestemming_id in due:
            try:
                command = ToestemmingVerlopen(toestemmingId=UUID(toestemming_id))
                changes.append(self.execute(command, moment))
            except Rejection:
                continue  # revoked meanwhile
        return changes

    # -- the app store: apps registered from their manifests ---------------------------------

    def current_policy(self) -> Policy:
        """The register file and the apps registered from manifests."""
        with self.engine.connect() as conn:
            return self._current(conn)

    def _current(self, conn: Connection) -> Policy:
        return current_policy(self.policy, self._published_apps(conn))

    def register_app(self, app_id: str, registratie: AppRegistratie) -> Events:
        """Register (or update) an app from its checked manifest; the events published."""
        return self._change_app(app_id, lambda before: register(app_id, registratie, before,
                                                                self.policy))  # fmt: skip

    def enable_app(self, app_id: str, gemeente: str, on: bool) -> Events:
        """A municipality turns a registered app on or off for its residents."""
        return self._change_app(app_id, lambda before: enable(app_id, gemeente, on, before,
                                                              self.policy))  # fmt: skip

    def withdraw_app(self, app_id: str) -> Events:
        """Withdraw a registered app as a whole (none when it was already): every view of it is
        deleted, its topic tombstoned, and the gateway refuses it."""
        return self._change_app(app_id, lambda before: withdraw(app_id, before, self.policy))

    def app(self, app_id: str) -> dict[str, Any] | None:
        """An app as last published (from the file or a manifest)."""
        with self.engine.connect() as conn:
            loaded = APPS.load(conn, app_id)
        return dict(loaded.state.data) if loaded else None

    def apps(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(data) for _, data in sorted(self._published_apps(conn).items())]

    def _published_apps(self, conn: Connection) -> dict[str, dict[str, Any]]:
        found = {i: APPS.load(conn, i) for i in APPS.find_ids(conn)}
        return {i: loaded.state.data for i, loaded in found.items() if loaded}

    def _change_app(
        self, app_id: str, decide_app: Callable[[dict[str, Any] | None], Events], attempts: int = 5
    ) -> Events:
        """Decide on the app as last published and publish the events, in one transaction;
        what the app store writes is the app store's (MANIFEST) from then on."""
        for attempt in range(1, attempts + 1):
            try:
                with self.engine.begin() as conn:
                    loaded = APPS.load(conn, app_id)
                    events = decide_app(loaded.state.data if loaded else None)
                    before = loaded.version if loaded else None
                    for event_type, data in events:
                        version = (before or 0) + 1
                        state = Gepubliceerd(data=data, version=version, bron=MANIFEST)
                        APPS.save(conn, app_id, state, version, before, {})
                        self.publish_app(conn, app_id, version, [(event_type, data)])
                    return events
            except (ConcurrentChange, IntegrityError):
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    def sync_policy(self, attempts: int = 5) -> Events:
        """Publish the register's apps and purposes that are new or changed since the last
        publication (stored per appId / doelId), and withdraw the apps the file published that
        are no longer in it (never an app of a manifest); returns the events published."""
        for attempt in range(1, attempts + 1):
            try:
                with self.engine.begin() as conn:
                    return self._sync(conn)
            except (ConcurrentChange, IntegrityError):
                if attempt == attempts:
                    raise
        raise AssertionError("unreachable")

    def _sync(self, conn: Connection) -> Events:
        apps = {i: APPS.load(conn, i) for i in APPS.find_ids(conn)}
        doelen = {i: DOELEN.load(conn, i) for i in DOELEN.find_ids(conn)}
        events = publish_policy(
            self.policy,
            {i: loaded.state.data for i, loaded in apps.items() if loaded},
            {i: loaded.state.data for i, loaded in doelen.items() if loaded},
            from_file={
                i for i, loaded in apps.items() if loaded and herkomst(loaded.state) == REGISTER
            },
        )
        for event_type, data in events:
            is_app = event_type in APP_EVENTS
            table, publish = (APPS, self.publish_app) if is_app else (DOELEN, self.publish_doel)
            key = str(data["appId"] if is_app else data["doelId"])
            loaded = (apps if is_app else doelen).get(key)
            before = loaded.version if loaded else None
            version = (before or 0) + 1
            state = Gepubliceerd(data=data, version=version, bron=REGISTER)
            table.save(conn, key, state, version, before, {})
            publish(conn, key, version, [(event_type, data)])
        return events
