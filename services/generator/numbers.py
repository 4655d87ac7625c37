"""Numbering for the synthetic data set: BSN, A-nummer, BAG identificaties, WOZ-objectnummers,
uuids and postcode letters.

Every number is a bijection of a counter, so uniqueness needs no memory: the generator keeps
one cursor per sequence, never a set of the numbers it issued. The person numbers walk the
8-digit prefixes in a seed-scrambled order (an affine map modulo the prefix count is a
permutation) and derive the check digits from the prefix; distinct prefixes give distinct
numbers, and a prefix without a valid completion is skipped.
"""

from __future__ import annotations

import hashlib
import math
import uuid

NAMESPACE = uuid.UUID("0d5c1f9e-4b7a-4e2b-9c61-3f8a2d7e5b10")
PREFIX_LOW = 10_000_000
# BSNs start with 1-8: the 9-range holds the RvIG test persons (999990019 ...), whom a synthetic
# set must never shadow.
BSN_PREFIXES = 80_000_000
A_NUMMER_PREFIXES = 90_000_000
# A postcode's letters; SA, SD and SS are never issued (PostNL).
LETTER_PAIRS = tuple(
    a + b
    for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if a + b not in ("SA", "SD", "SS")
)


def seeded(label: str, seed: int, modulus: int) -> int:
    """A seed-dependent number below `modulus`, stable across runs and Python versions."""
    digest = hashlib.sha256(f"bron-generator:{label}:{seed}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % modulus


def coprime_step(size: int) -> int:
    """A step coprime to `size` near size / golden ratio, so consecutive counters land far apart."""
    a = int(size / 1.618034)
    while math.gcd(a, size) != 1:
        a += 1
    return a


def _half_table(weights: tuple[int, int, int, int]) -> tuple[int, ...]:
    return tuple(
        sum(int(d) * w for d, w in zip(f"{n:04d}", weights, strict=True)) for n in range(10_000)
    )


# The weighted digit sums of the high and low halves of an 8-digit prefix, so a check needs two
# lookups instead of eight multiplications.
_BSN_HIGH = _half_table((9, 8, 7, 6))
_BSN_LOW = _half_table((5, 4, 3, 2))


class BsnSequence:
    """Valid, distinct BSNs: prefix p gets check digit (weighted sum of p) mod 11, unless that
    is 10 (then p has no BSN and is skipped); about 72.7 million BSNs per seed."""

    __slots__ = ("_a", "_b", "_i")

    def __init__(self, seed: int) -> None:
        self._a = coprime_step(BSN_PREFIXES)
        self._b = seeded("bsn", seed, BSN_PREFIXES)
        self._i = 0

    def __next__(self) -> str:
        while True:
            prefix = PREFIX_LOW + (self._a * self._i + self._b) % BSN_PREFIXES
            self._i += 1
            check = (_BSN_HIGH[prefix // 10_000] + _BSN_LOW[prefix % 10_000]) % 11
            if check != 10:
                return f"{prefix}{check}"


# A-nummer: position i (from the left) weighs 2**i mod 11; positions 8 and 9 complete a prefix.
_A_WEIGHTS = tuple(pow(2, i, 11) for i in range(10))


def _a_half(weights: tuple[int, ...]) -> tuple[tuple[int, int, int, int, bool], ...]:
    """Per 4 digits: digit sum, weighted sum, first digit, last digit, equal neighbours."""
    rows = []
    for n in range(10_000):
        d = [int(c) for c in f"{n:04d}"]
        rows.append(
            (
                sum(d),
                sum(x * w for x, w in zip(d, weights, strict=True)),
                d[0],
                d[3],
                d[0] == d[1] or d[1] == d[2] or d[2] == d[3],
            )
        )
    return tuple(rows)


_A_HIGH = _a_half(_A_WEIGHTS[0:4])
_A_LOW = _a_half(_A_WEIGHTS[4:8])


def _a_completions() -> dict[tuple[int, int, int], str]:
    """(digit sum mod 11, weighted sum mod 11, last prefix digit) → the lowest two digits that
    make a valid A-nummer: digit sum mod 11 in {0, 5}, weighted sum divisible by 11, and no
    digit equal to its neighbour."""
    found: dict[tuple[int, int, int], str] = {}
    for d8 in range(10):
        for d9 in range(10):
            if d9 == d8:
                continue
            w = -(_A_WEIGHTS[8] * d8 + _A_WEIGHTS[9] * d9) % 11
            for s in ((-d8 - d9) % 11, (5 - d8 - d9) % 11):
                for last in range(10):
                    if last != d8:
                        found.setdefault((s, w, last), f"{d8}{d9}")
    return found


_A_COMPLETE = _a_completions()


def a_nummer_tail(prefix: int) -> str | None:
    """The two digits that complete an 8-digit prefix to a valid A-nummer, or None."""
    hi, lo = _A_HIGH[prefix // 10_000], _A_LOW[prefix % 10_000]
    if hi[4] or lo[4] or hi[3] == lo[2]:
        return None
    return _A_COMPLETE.get(((hi[0] + lo[0]) % 11, (hi[1] + lo[1]) % 11, lo[3]))


class ANummerSequence:
    """Valid, distinct A-nummers: each prefix gives at most one (its first completion)."""

    __slots__ = ("_a", "_b", "_i")

    def __init__(self, seed: int) -> None:
        self._a = coprime_step(A_NUMMER_PREFIXES)
        self._b = seeded("a-nummer", seed, A_NUMMER_PREFIXES)
        self._i = 0

    def __next__(self) -> str:
        while True:
            prefix = PREFIX_LOW + (self._a * self._i + self._b) % A_NUMMER_PREFIXES
            self._i += 1
            tail = a_nummer_tail(prefix)
            if tail is not None:
                return f"{prefix}{tail}"


class Uuids:
    """uuid5 over (seed, kind, counter): stable ids that differ per seed."""

    __slots__ = ("_persons", "_seed", "_toestemmingen")

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._persons = 0
        self._toestemmingen = 0

    def persoon(self) -> str:
        self._persons += 1
        return str(uuid.uuid5(NAMESPACE, f"{self._seed}:persoon:{self._persons}"))

    def toestemming(self) -> uuid.UUID:
        self._toestemmingen += 1
        return uuid.uuid5(NAMESPACE, f"{self._seed}:toestemming:{self._toestemmingen}")


def bag_id(gemeentecode: str, typecode: str, number: int) -> str:
    """16 digits: the issuing gemeente, the objecttype (01, 10, 20, 30), a 10-digit number."""
    return f"{gemeentecode}{typecode}{number:010d}"


def woz_objectnummer(gemeentecode: str, number: int) -> str:
    """12 digits: the gemeentecode and an 8-digit volgnummer."""
    return f"{gemeentecode}{number:08d}"
