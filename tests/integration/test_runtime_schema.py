"""A registry database made by an older Bron (a column added since is missing) is refused at
start with what to do, not on the first command. Real SQLite."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bron.errors import BronError
from bron.settings import load_settings
from services.brp.store import metadata, outbox
from services.common.runtime import build_runtime


def test_an_older_database_is_refused_at_start_with_the_missing_columns(tmp_path: Path) -> None:
    (tmp_path / "var").mkdir()
    db = sqlite3.connect(tmp_path / "var" / "brp.db")
    db.execute("CREATE TABLE persoon (id VARCHAR(64) PRIMARY KEY, version INTEGER NOT NULL, "
               "state JSON NOT NULL, changed_at DATETIME NOT NULL, bsn VARCHAR(64), "
               "geslachtsnaam VARCHAR(64), geboortedatum VARCHAR(64), postcode VARCHAR(64), "
               "huisnummer VARCHAR(64))")  # fmt: skip
    db.close()
    settings = load_settings(data_dir=tmp_path / "var")
    with pytest.raises(BronError, match=r"without column\(s\) ouder1, ouder2") as refused:
        build_runtime("brp", settings, metadata, outbox)
    assert "make clean" in refused.value.suggestion
