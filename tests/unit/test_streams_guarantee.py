"""The stream worker runs at-least-once (ADR 9): faust's environment variable
PROCESSING_GUARANTEE outranks what the code passes to `faust.App`, so a worker whose faust
resolved anything else refuses to start, saying what to unset."""

from __future__ import annotations

from pathlib import Path

import faust
import pytest
from faust.types.enums import ProcessingGuarantee

from bron.errors import BronError
from bron.settings import Settings
from streams.worker import at_least_once, faust_options, guarantee


def _app(tmp_path: Path) -> faust.App:
    settings = Settings(data_dir=tmp_path, kafka_bootstrap="127.0.0.1:9")
    return faust.App("guarantee-test", **faust_options(settings, tmp_path, "t"))


def test_the_worker_is_at_least_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PROCESSING_GUARANTEE", raising=False)
    app = at_least_once(_app(tmp_path))
    assert guarantee(app) is ProcessingGuarantee.AT_LEAST_ONCE


def test_faust_asked_by_its_environment_for_another_guarantee_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROCESSING_GUARANTEE", ProcessingGuarantee.EXACTLY_ONCE.value)
    app = _app(tmp_path)
    assert guarantee(app) is ProcessingGuarantee.EXACTLY_ONCE  # env outranks code
    with pytest.raises(BronError) as refused:
        at_least_once(app)
    assert "unset PROCESSING_GUARANTEE" in str(refused.value)
