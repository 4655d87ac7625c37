"""The burgerservicenummer's 11-proef."""

from __future__ import annotations

_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def is_valid_bsn(value: str) -> bool:
    """Nine ASCII digits, not all zeros, whose weighted sum (9..2, then -1) divides by 11."""
    if len(value) != 9 or not value.isascii() or not value.isdigit():
        return False
    if value == "000000000":
        return False
    return sum(int(digit) * weight for digit, weight in zip(value, _WEIGHTS, strict=True)) % 11 == 0
