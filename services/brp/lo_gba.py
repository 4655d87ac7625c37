"""Persoonslijsten in the LO-GBA spreadsheet layout of the RvIG test set, split into
categories, occurrences and history.

A row maps `CC.GG.EE` element names to their non-empty values. A row whose first column holds
an id starts a persoonslijst; the rows after it belong to the same one. Per category, the first
row holds the current values; the `CC.H` column of a row says what the *next* row holding that
category is: `CC` itself (e.g. `09`) starts a new occurrence (another child, partner,
nationality), anything else (`5C`/`6C`, e.g. `58`) continues the history of this occurrence.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

Row = Mapping[str, str]

# Categories that can hold several occurrences, and the elements that tell two apart. Used only
# where a row lacks its `CC.H` marker (Lg01_803 and Lg01_838 in the 2022-05-02 test set).
_IDENTITY: Mapping[str, tuple[str, ...]] = {
    "04": ("04.05.10",),
    "05": ("05.01.10", "05.01.20", "05.02.40", "05.03.10"),
    "09": ("09.01.10", "09.01.20", "09.02.40", "09.03.10"),
    "11": ("11.32.10",),
    "12": ("12.35.20",),
}


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence of a category: its current values (empty if cleared) and its history."""

    current: Row
    history: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class Persoonslijst:
    id: str
    rows: tuple[Row, ...]

    def occurrences(self, category: str) -> list[Occurrence]:
        return [Occurrence(group[0], tuple(group[1:])) for group in _split(self.rows, category)]

    def current(self, category: str) -> Row:
        """The current values of the category's first occurrence: the person's first row."""
        return self.occurrences(category)[0].current


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A LO-GBA date `YYYYMMDD` in which `00` means an unknown part."""

    raw: str

    @classmethod
    def parse(cls, value: str | None) -> PartialDate | None:
        if value is None or len(value) != 8 or not (value.isascii() and value.isdigit()):
            return None
        return cls(value)

    @property
    def year(self) -> int | None:
        return int(self.raw[:4]) or None

    @property
    def month(self) -> int | None:
        return int(self.raw[4:6]) or None

    @property
    def day(self) -> int | None:
        return int(self.raw[6:]) or None

    @property
    def as_date(self) -> datetime.date | None:
        """The date if it is complete and exists, else None."""
        if self.year is None or self.month is None or self.day is None:
            return None
        try:
            return datetime.date(self.year, self.month, self.day)
        except ValueError:
            return None


def read_persoonslijsten(path: Path) -> list[Persoonslijst]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        lines = csv.reader(handle, delimiter=";")
        header = next(lines)
        return list(_group(header, lines))


def _group(header: Sequence[str], lines: Iterable[Sequence[str]]) -> Iterator[Persoonslijst]:
    pl_id = ""
    rows: list[Row] = []
    for line in lines:
        row = _row(header, line)
        if line and line[0]:
            if pl_id:
                yield Persoonslijst(pl_id, tuple(rows))
            pl_id, rows = line[0], []
        if row:
            rows.append(row)
    if pl_id:
        yield Persoonslijst(pl_id, tuple(rows))


def _row(header: Sequence[str], line: Sequence[str]) -> dict[str, str]:
    # The header names `06.88.10` twice; the second column is empty throughout, so the first wins.
    row: dict[str, str] = {}
    for name, value in zip(header, line, strict=False):
        if name and value and name not in row:
            row[name] = value
    return row


def _split(rows: Sequence[Row], category: str) -> list[list[Row]]:
    prefix, marker_key = f"{category}.", f"{category}.H"
    groups: list[list[Row]] = []
    marker = ""
    for index, row in enumerate(rows):
        data = {k: v for k, v in row.items() if k.startswith(prefix) and k != marker_key}
        if index > 0 and not data:
            continue
        if not groups or _starts_occurrence(category, marker, groups[-1][-1], data):
            groups.append([data])
        else:
            groups[-1].append(data)
        marker = row.get(marker_key, "")
    return groups


def _starts_occurrence(category: str, marker: str, previous: Row, data: Row) -> bool:
    if marker == category:
        return True
    if marker:
        return False
    for key in _IDENTITY.get(category, ()):
        if key in previous and key in data:
            return previous[key] != data[key]
    return False
