"""The check rules of the two person numbers: the BSN's 11-proef and the A-nummer's rules."""

from __future__ import annotations

import itertools

_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def is_valid_bsn(value: str) -> bool:
    """Nine ASCII digits, not all zeros, whose weighted sum (9..2, then -1) divides by 11."""
    if len(value) != 9 or not _digits(value) or value == "000000000":
        return False
    return sum(int(d) * w for d, w in zip(value, _BSN_WEIGHTS, strict=True)) % 11 == 0


def is_valid_a_nummer(value: str) -> bool:
    """LO-GBA: ten digits, no leading zero, no equal neighbours, digit sum mod 11 in {0, 5},
    and the sum of digit * 2**position (from the left, starting at 0) divisible by 11."""
    if len(value) != 10 or not _digits(value) or value[0] == "0":
        return False
    if any(a == b for a, b in itertools.pairwise(value)):
        return False
    if sum(int(d) for d in value) % 11 not in (0, 5):
        return False
    return sum(int(d) << i for i, d in enumerate(value)) % 11 == 0


def _digits(value: str) -> bool:
    return value.isascii() and value.isdigit()
