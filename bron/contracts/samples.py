"""Deterministic sample data for any Avro schema, as the Python values fastavro writes and reads
back: `datetime.date`, UTC `datetime.datetime`, `decimal.Decimal`, uuid as `str`, ..."""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from bron.contracts.schemafiles import (
    NAMED_KINDS,
    PRIMITIVES,
    RECORD_KINDS,
    TypeNode,
    named_types,
    qualify,
    record_fields,
    resolve,
)

# Beyond this depth optional branches become null and arrays/maps empty, so recursive schemas end.
SOFT_DEPTH = 6
HARD_DEPTH = 64
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_TIMESTAMP_MS = 2**41  # about 69 years after 1970


def sample_datum(schema: Any, seed: int = 0) -> Any:
    """A valid datum for `schema`; the same seed always gives the same datum."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    return _Sampler(rng, named_types(schema)).datum(schema, "", 0)


@dataclass(frozen=True, slots=True)
class _Sampler:
    rng: random.Random
    names: Mapping[str, TypeNode]

    def datum(self, type_: Any, namespace: str, depth: int) -> Any:
        if depth > HARD_DEPTH:
            raise ValueError("the schema has no finite datum (a record requires itself)")
        if isinstance(type_, list):
            return self.union(type_, namespace, depth)
        if isinstance(type_, str):
            if type_ in PRIMITIVES:
                return self.primitive(type_, {})
            return self.named(self.lookup(type_, namespace), depth)
        if not isinstance(type_, dict):
            raise ValueError(f"not an Avro type: {type_!r}")
        kind = type_.get("type")
        if isinstance(kind, dict | list):
            return self.datum(kind, namespace, depth)
        if kind in NAMED_KINDS:
            return self.named(self.lookup(qualify(type_, namespace)[0], namespace), depth)
        if kind == "array":
            return [
                self.datum(type_["items"], namespace, depth + 1) for _ in range(self.count(depth))
            ]
        if kind == "map":
            return {
                f"{self.word()}{i}": self.datum(type_["values"], namespace, depth + 1)
                for i in range(self.count(depth))
            }
        if kind in PRIMITIVES:
            return self.primitive(str(kind), type_)
        return self.named(self.lookup(str(kind), namespace), depth)

    def lookup(self, reference: str, namespace: str) -> TypeNode:
        node = resolve(reference, namespace, self.names)
        if node is None:
            raise ValueError(f"unknown type {reference!r}")
        return node

    def union(self, branches: list[Any], namespace: str, depth: int) -> Any:
        # The first non-null branch: fastavro picks the first branch a value fits when writing,
        # so a later branch (say double after float) would not read back equal.
        others = [branch for branch in branches if branch != "null"]
        if not others or ("null" in branches and depth >= SOFT_DEPTH):
            return None
        return self.datum(others[0], namespace, depth)

    def named(self, node: TypeNode, depth: int) -> Any:
        schema = node.schema
        if node.kind in RECORD_KINDS:
            return {
                str(field["name"]): self.datum(field["type"], node.namespace, depth + 1)
                for field in record_fields(schema)
            }
        if node.kind == "enum":
            return self.rng.choice(list(schema["symbols"]))
        size = int(schema["size"])
        if schema.get("logicalType") == "decimal":
            return self.decimal(schema, max_digits=len(str(2 ** (8 * size - 1) - 1)) - 1)
        return self.rng.randbytes(size)

    def primitive(self, kind: str, schema: Mapping[str, Any]) -> Any:
        logical = _LOGICAL.get((kind, str(schema.get("logicalType"))))
        if logical is not None:
            return logical(self, schema)
        return _PRIMITIVE[kind](self)

    def count(self, depth: int) -> int:
        return 0 if depth >= SOFT_DEPTH else self.rng.randint(1, 3)

    def word(self) -> str:
        return "".join(self.rng.choices(string.ascii_lowercase, k=self.rng.randint(4, 12)))

    def decimal(self, schema: Mapping[str, Any], max_digits: int = 38) -> Decimal:
        digits = min(int(schema.get("precision", 1)), max_digits)
        unscaled = self.rng.randint(-(10**digits - 1), 10**digits - 1)
        return Decimal(unscaled).scaleb(-int(schema.get("scale", 0)))

    def moment(self, micros: bool, tz: bool) -> datetime:
        offset = self.rng.randrange(MAX_TIMESTAMP_MS) * 1000
        moment = EPOCH + timedelta(
            microseconds=offset + (self.rng.randrange(1000) if micros else 0)
        )
        return moment if tz else moment.replace(tzinfo=None)

    def time_of_day(self, unit_us: int) -> time:
        micros = self.rng.randrange(86_400_000_000) // unit_us * unit_us
        seconds, micro = divmod(micros, 1_000_000)
        return time(seconds // 3600, seconds // 60 % 60, seconds % 60, micro)


_PRIMITIVE: dict[str, Callable[[_Sampler], Any]] = {
    "null": lambda s: None,
    "boolean": lambda s: s.rng.random() < 0.5,
    "int": lambda s: s.rng.randint(-(2**31), 2**31 - 1),
    "long": lambda s: s.rng.randint(-(2**63), 2**63 - 1),
    # Eighths are exact in float32, so a float reads back equal.
    "float": lambda s: s.rng.randint(-(2**20), 2**20) / 8,
    "double": lambda s: s.rng.random(),
    "bytes": lambda s: s.rng.randbytes(s.rng.randint(0, 16)),
    "string": lambda s: s.word(),
}
_LOGICAL: dict[tuple[str, str], Callable[[_Sampler, Mapping[str, Any]], Any]] = {
    ("int", "date"): lambda s, _: date(1970, 1, 1) + timedelta(days=s.rng.randint(-25_000, 25_000)),
    ("int", "time-millis"): lambda s, _: s.time_of_day(1000),
    ("long", "time-micros"): lambda s, _: s.time_of_day(1),
    ("long", "timestamp-millis"): lambda s, _: s.moment(micros=False, tz=True),
    ("long", "timestamp-micros"): lambda s, _: s.moment(micros=True, tz=True),
    ("long", "local-timestamp-millis"): lambda s, _: s.moment(micros=False, tz=False),
    ("long", "local-timestamp-micros"): lambda s, _: s.moment(micros=True, tz=False),
    ("string", "uuid"): lambda s, _: str(uuid.UUID(int=s.rng.getrandbits(128), version=4)),
    ("bytes", "decimal"): lambda s, schema: s.decimal(schema),
}
