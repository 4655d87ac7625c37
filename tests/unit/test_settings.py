from pathlib import Path

import pytest

from bron.errors import SettingsError
from bron.settings import Environment, load_settings


def test_defaults_run_a_local_broker_under_var() -> None:
    settings = load_settings(_env_file=None)
    assert settings.data_dir == Path("var")
    assert settings.kafka_bootstrap is None
    assert settings.bootstrap_servers == "127.0.0.1:9092"
    assert settings.env is Environment.development


def test_values_are_read_from_bron_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRON_KAFKA_PORT", "19092")
    monkeypatch.setenv("BRON_DATA_DIR", "/tmp/elsewhere")
    settings = load_settings()
    assert settings.kafka_port == 19092
    assert settings.kafka_data_dir == Path("/tmp/elsewhere/kafka")


def test_external_bootstrap_replaces_the_local_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRON_KAFKA_BOOTSTRAP", "kafka-0:9092,kafka-1:9092")
    assert load_settings().bootstrap_servers == "kafka-0:9092,kafka-1:9092"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BRON_KAFKA_PORT", "abc"),
        ("BRON_KAFKA_PORT", "70000"),
        ("BRON_KAFKA_HEAP", "lots"),
        ("BRON_KAFKA_BOOTSTRAP", "no-port-here"),
        ("BRON_ENV", "staging"),
        ("BRON_LOG_LEVEL", "loud"),
    ],
)
def test_a_bad_value_is_named_with_what_was_given(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert f"{name}={value!r}" in str(caught.value)
    assert "fix the BRON_*" in str(caught.value)


def test_broker_and_controller_need_different_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRON_KAFKA_PORT", "9500")
    monkeypatch.setenv("BRON_KAFKA_CONTROLLER_PORT", "9500")
    with pytest.raises(SettingsError, match="both 9500"):
        load_settings()


def test_json_logs_are_one_object_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    import json
    import logging

    from bron.logs import configure_logging, get_logger

    configure_logging(load_settings(log_format="json", log_level="debug"))
    try:
        get_logger("bron.test").info("kafka.ready", seconds=1.5)
        logging.getLogger("confluent").warning("from the standard library")
        lines = capsys.readouterr().err.strip().splitlines()
        first, second = (json.loads(line) for line in lines[-2:])
        assert first["event"] == "kafka.ready"
        assert first["seconds"] == 1.5
        assert first["level"] == "info"
        assert second["logger"] == "confluent"
    finally:
        logging.getLogger().handlers.clear()


def test_a_registry_is_reached_where_registry_urls_say_else_on_the_registry_host() -> None:
    from bron.settings import load_settings

    default = load_settings()
    assert default.registry_base_url("bag") == "http://127.0.0.1:8102"
    split = load_settings(registry_urls={"bag": "http://bron-bag:8102/"})
    assert split.registry_base_url("bag") == "http://bron-bag:8102"
    assert split.registry_base_url("brp") == "http://127.0.0.1:8101"
