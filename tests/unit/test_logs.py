"""Logged exceptions show code, not data: no frame's local variables reach the log."""

from __future__ import annotations

import pytest
import structlog

from bron.logs import configure_logging
from bron.settings import LogFormat, load_settings


@pytest.mark.parametrize("log_format", [LogFormat.console, LogFormat.json])
def test_a_logged_exception_does_not_print_local_variables(
    log_format: LogFormat, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(load_settings(log_format=log_format))
    burgerservicenummer = "999993653"  # a local a rich traceback would print

    def fails(bsn: str) -> None:
        raise RuntimeError("projection failed")

    try:
        fails(burgerservicenummer)
    except RuntimeError:
        structlog.get_logger("test").exception("streams.worker_failed")
    err = capsys.readouterr().err
    assert "projection failed" in err
    assert "999993653" not in err
