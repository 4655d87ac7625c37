"""`bron generate`: a synthetic data set through the registries' own commands, in bulk.

Over HTTP a change costs a few milliseconds, which makes a million persons (about four million
changes) a matter of hours. So the generator runs each registry's use cases in this process,
on that registry's own database, many commands per transaction: a `Batch` turns every
command's transaction into a savepoint, so a refused command still rolls back alone, and the
code that decides, evolves, saves and appends to the outbox is the code the HTTP API runs.
The registries' relays publish the outbox as always (ours, started here, or those of a running
`bron up`: the lease lets only one publish).

Order across registries: per chunk of the plan, BAG commits first, then BRP, WOZ and the
consent register. The BRP and WOZ check addresses and verblijfsobjecten against the BAG's
committed state (read through the BAG's use case, shown as its API shows it), not against the
generator's knowledge."""

from __future__ import annotations

import datetime
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from bron.policy import Policy, load_policy
from bron.registry.database import Batch, batch
from bron.registry.rejection import Rejection
from bron.settings import Settings
from services.bag import store as bag_store
from services.bag.api import as_json
from services.bag.service import BagRegistry
from services.brp import store as brp_store
from services.brp.bag_client import BagAddresses
from services.brp.service import BrpRegistry
from services.common.runtime import RegistryRuntime, build_runtime
from services.generator import Step, plan
from services.outbox import Relay
from services.toestemming import store as toestemming_store
from services.toestemming.service import ToestemmingRegistry
from services.woz import store as woz_store
from services.woz.ports import BagVerblijfsobjecten
from services.woz.service import WozRegistry

ORDER = ("bag", "brp", "woz", "toestemming")
STORES: dict[str, Any] = {
    "bag": bag_store, "brp": brp_store, "woz": woz_store, "toestemming": toestemming_store,
}  # fmt: skip
COLLECTIONS = {"woonplaatsen": "woonplaats", "openbareruimten": "openbare_ruimte",
               "nummeraanduidingen": "nummeraanduiding", "verblijfsobjecten": "verblijfsobject",
               "panden": "pand"}  # fmt: skip


@dataclass(slots=True)
class Summary:
    persons: int = 0
    created: Counter[str] = field(default_factory=Counter)  # per command kind
    refused: Counter[str] = field(default_factory=Counter)  # per rule
    examples: list[str] = field(default_factory=list)  # the first refusals, field and rule
    seconds: float = 0.0
    published_seconds: float = 0.0

    def add(self, other: Summary) -> None:
        self.persons += other.persons
        self.created.update(other.created)
        self.refused.update(other.refused)
        self.examples.extend(other.examples[: 10 - len(self.examples)])

    @property
    def changes(self) -> int:
        return sum(self.created.values())


class CommittedBag:
    """The BAG's committed objects as its read API shows them, read through its use case."""

    def __init__(self, registry: BagRegistry) -> None:
        self.registry = registry

    def get(self, collection: str, identificatie: str) -> dict[str, Any] | None:
        state = self.registry.get(COLLECTIONS[collection], identificatie)  # type: ignore[arg-type]
        return None if state is None else as_json(state)


class Loader:
    """The four registries' use cases over their databases, one batch per registry at a time."""

    def __init__(self, settings: Settings, policy: Policy | None = None) -> None:
        self.policy = policy or load_policy()
        self.runtimes: dict[str, RegistryRuntime] = {}
        for name in ORDER:
            store = STORES[name]
            self.runtimes[name] = build_runtime(name, settings, store.metadata, store.outbox)
        bag = CommittedBag(BagRegistry(self.runtimes["bag"].engine, self._publisher("bag")))
        self.addresses = BagAddresses(bag)
        self.verblijfsobjecten = BagVerblijfsobjecten(bag)
        self.relays: list[Relay] = []
        self.settings = settings

    def _publisher(self, name: str, aggregate: str | None = None) -> Any:
        types = {"bag": "bag-object", "brp": "persoon", "woz": "woz-object",
                 "toestemming": "toestemming"}  # fmt: skip
        return self.runtimes[name].publisher(aggregate or types[name])

    def registry(self, name: str, db: Batch) -> Any:
        if name == "bag":
            return BagRegistry(db, self._publisher("bag"))
        if name == "brp":
            return BrpRegistry(db, self._publisher("brp"), self.addresses, datetime.date.today)
        if name == "woz":
            return WozRegistry(db, self._publisher("woz"), self.verblijfsobjecten)
        return ToestemmingRegistry(db, self.policy, self._publisher("toestemming"),
                                   self._publisher("toestemming", "app"),
                                   self._publisher("toestemming", "doel"))  # fmt: skip

    def load(self, steps: Iterable[Step], summary: Summary) -> None:
        by_registry: dict[str, list[Step]] = {name: [] for name in ORDER}
        for step in steps:
            by_registry[step.registry].append(step)
        for name in ORDER:
            if by_registry[name]:
                self._load(name, by_registry[name], summary)

    def _load(self, name: str, steps: list[Step], summary: Summary) -> None:
        """Optimistically without savepoints; when a command is refused (or fails otherwise)
        the batch rolls back and runs again with a savepoint per command, so that only the
        refused commands are left out."""
        engine = self.runtimes[name].engine
        done = Summary()
        try:
            with batch(engine, savepoints=False) as db:
                registry = self.registry(name, db)
                for step in steps:
                    _execute(registry, step, done, refusals=False)
        except Exception:
            done = Summary()
            with batch(engine) as db:
                registry = self.registry(name, db)
                for step in steps:
                    _execute(registry, step, done)
        summary.add(done)

    def start_relays(self) -> None:
        for runtime in self.runtimes.values():
            relay = Relay(runtime.engine, runtime.outbox, self.settings.bootstrap_servers)
            relay.start()
            self.relays.append(relay)

    def pending(self) -> int:
        return sum(r.outbox.pending(r.reader) for r in self.runtimes.values())

    def close(self) -> None:
        """Every relay stopped and every engine closed, even when one of them fails (the first
        failure is raised after the rest were closed)."""
        with ExitStack() as stack:
            for runtime in self.runtimes.values():
                stack.callback(runtime.dispose)
                stack.callback(runtime.codec.registry.close)
            for relay in self.relays:
                stack.callback(relay.stop)


def _execute(registry: Any, step: Step, summary: Summary, refusals: bool = True) -> None:
    kind = type(step.command).__name__
    try:
        registry.execute(step.command)
    except Rejection as refused:
        if not refusals:
            raise
        summary.refused[refused.rule] += 1
        if len(summary.examples) < 10:
            summary.examples.append(f"{kind}: {refused.field} [{refused.rule}] {refused.message}")
        return
    summary.created[kind] += 1
    if kind == "Inschrijven":
        summary.persons += 1


def generate(
    loader: Loader,
    persons: int,
    *,
    seed: int = 1,
    chunk: int = 5000,
    advance: Callable[[int], None] = lambda _: None,
) -> Summary:
    """Runs the plan for `persons` through the registries; `advance` gets the persons done."""
    summary = Summary()
    started = time.perf_counter()
    for steps in _chunks(plan(persons, seed), chunk):
        before = summary.persons
        loader.load(steps, summary)
        advance(summary.persons - before)
    summary.seconds = time.perf_counter() - started
    return summary


def wait_published(
    loader: Loader, summary: Summary, timeout: float, tick: Callable[[int], None]
) -> bool:
    """Until every outbox is empty (True) or the timeout passed (False)."""
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    while (left := loader.pending()) and time.monotonic() < deadline:
        tick(left)
        time.sleep(0.5)
    summary.published_seconds = time.perf_counter() - started
    return loader.pending() == 0


def _chunks(steps: Iterator[Step], size: int) -> Iterator[list[Step]]:
    while chunk := list(islice(steps, size)):
        yield chunk
