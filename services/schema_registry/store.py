"""The port through which the registry reads its state and appends records."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, TypeVar

from services.schema_registry.records import Record
from services.schema_registry.state import State, apply

T = TypeVar("T")
Plan = Callable[[State], tuple[list[Record], T]]


class Store(Protocol):
    def reading(self) -> AbstractContextManager[State]:
        """The state as this instance has applied it, unchanged while the block runs (reads
        may trail another instance's writes by the time it takes to consume them)."""
        ...

    def write(self, plan: Plan[T]) -> T:
        """As the single writer: bring the state up to date, let `plan` decide the records
        (it may raise to refuse), append them, and return once they are applied here."""
        ...


class MemoryStore:
    """The fast adapter: the same semantics in one process, for the contract tests."""

    def __init__(self) -> None:
        self._state = State()
        self._offset = -1
        self.log: list[Record] = []

    @contextmanager
    def reading(self) -> Iterator[State]:
        yield self._state

    def write(self, plan: Plan[T]) -> T:
        records, result = plan(self._state)
        for record in records:
            self._offset += 1
            self.log.append(record)
            apply(self._state, record, self._offset)
        return result
