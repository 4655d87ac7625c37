"""LO-GBA table 33 (gemeenten, code → name, including municipalities that no longer exist): the
omschrijving every renderer of a gemeente shows, the registry's and the stream workers' alike."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "data" / "tabel33-gemeenten.csv"


def read_gemeenten(path: Path = TABLE) -> dict[str, str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle)
        next(rows)
        return {row[0]: row[1] for row in rows if row}


@cache
def gemeenten() -> dict[str, str]:
    return read_gemeenten()
