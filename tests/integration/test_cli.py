"""The `bron` command line, run as a user runs it: a real process, real environment."""

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from bron.contracts.registry_client import RegistryClient
from bron.contracts.schemafiles import load_schema_files
from bron.settings import load_settings
from bron.testing import free_ports, serving
from services.brp.testset import TESTSET, read_testset
from services.schema_registry.app import create_app

BRON = str(Path(sys.executable).parent / "bron")


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    ports = free_ports(11)
    port, controller, registry, bag, brp, woz, toestemming, streams, gateway, webhooks = ports[:10]
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRON_")}
    env.update(
        BRON_DATA_DIR=str(tmp_path / "var"),
        BRON_KAFKA_PORT=str(port),
        BRON_KAFKA_CONTROLLER_PORT=str(controller),
        BRON_KAFKA_HEAP="384m",
        BRON_SCHEMA_REGISTRY_PORT=str(registry),
        BRON_BAG_PORT=str(bag),
        BRON_BRP_PORT=str(brp),
        BRON_WOZ_PORT=str(woz),
        BRON_TOESTEMMING_PORT=str(toestemming),
        BRON_STREAMS_PORT=str(streams),
        BRON_GATEWAY_PORT=str(gateway),
        BRON_WEBHOOKS_PORT=str(webhooks),
        BRON_CATALOG_PORT=str(ports[10]),
    )
    env.update(extra)
    return env


def bron(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [BRON, *args], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_start_status_stop(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    started = bron("kafka", "start", env=env)
    try:
        assert started.returncode == 0, started.stderr
        assert "ready at 127.0.0.1:" in started.stdout
        assert "storage formatted" in started.stdout
        status = bron("kafka", "status", env=env)
        assert status.returncode == 0
        assert ": ready" in status.stdout
    finally:
        stopped = bron("kafka", "stop", env=env)
    assert stopped.stdout.strip() == "Kafka: stopped"
    after = bron("kafka", "status", env=env)
    assert after.returncode == 3
    assert ": stopped" in after.stdout
    broker_log = tmp_path / "var" / "kafka" / "logs" / "server.log"
    assert "Kafka Server started" in broker_log.read_text()
    assert "Kafka Server started" not in started.stdout + started.stderr


def test_missing_java_names_the_debian_package(tmp_path: Path) -> None:
    result = bron("kafka", "start", env=env_for(tmp_path, PATH=str(tmp_path / "empty")))
    assert result.returncode == 1
    assert "java was not found" in result.stderr
    assert "apt-get install openjdk-17-jre-headless" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_maven_names_the_debian_package(tmp_path: Path) -> None:
    only_java = tmp_path / "bin"
    only_java.mkdir()
    java = subprocess.run(["which", "java"], capture_output=True, text=True, check=True)
    (only_java / "java").symlink_to(os.path.realpath(java.stdout.strip()))
    env = env_for(tmp_path, PATH=str(only_java), BRON_CACHE_DIR=str(tmp_path / "cache"))
    result = bron("kafka", "fetch", env=env)
    assert result.returncode == 1
    assert "mvn was not found" in result.stderr
    assert "apt-get install maven" in result.stderr


def test_a_port_in_use_is_named(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = bron("kafka", "start", env=env_for(tmp_path, BRON_KAFKA_PORT=str(port)))
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 (BRON_KAFKA_PORT) is in use" in result.stderr


def test_a_malformed_setting_is_named(tmp_path: Path) -> None:
    result = bron("kafka", "status", env=env_for(tmp_path, BRON_KAFKA_PORT="abc"))
    assert result.returncode == 1
    assert "BRON_KAFKA_PORT='abc'" in result.stderr


def test_an_external_cluster_is_used_and_nothing_is_started(tmp_path: Path, bootstrap: str) -> None:
    env = env_for(tmp_path, BRON_KAFKA_BOOTSTRAP=bootstrap)
    result = bron("kafka", "start", env=env)
    assert result.returncode == 0, result.stderr
    assert "nothing started" in result.stdout
    assert not (tmp_path / "var").exists()
    assert bron("kafka", "status", env=env).returncode == 0


def run_up(env: dict[str, str]) -> str:
    proc = subprocess.Popen(
        [BRON, "up"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "Bron is up" in line:
            break
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, "".join(lines) + rest
    return "".join(lines) + rest


def test_up_runs_until_ctrl_c_and_a_second_up_keeps_the_data(tmp_path: Path) -> None:
    env = env_for(tmp_path)
    first = run_up(env)
    assert "topics created" in first
    assert "bron.brp.events" in first
    assert f"schema registry          http://127.0.0.1:{env['BRON_SCHEMA_REGISTRY_PORT']}" in first
    assert f"contracts registered     {len(load_schema_files())} subjects" in first
    assert "schema registry: stopped" in first
    assert f"bag registry             http://127.0.0.1:{env['BRON_BAG_PORT']}/docs" in first
    assert "bag registry: stopped" in first
    assert f"brp registry             http://127.0.0.1:{env['BRON_BRP_PORT']}/docs" in first
    assert f"woz registry             http://127.0.0.1:{env['BRON_WOZ_PORT']}/docs" in first
    assert "toestemming registry     http://127.0.0.1:" in first
    assert "toestemming registry: stopped" in first
    assert f"stream worker            http://127.0.0.1:{env['BRON_STREAMS_PORT']}/metrics" in first
    assert "stream worker: stopped" in first
    assert f"GraphQL gateway          http://127.0.0.1:{env['BRON_GATEWAY_PORT']}/graphql" in first
    assert "GraphQL gateway: stopped" in first
    assert f"webhook service          http://127.0.0.1:{env['BRON_WEBHOOKS_PORT']}/docs" in first
    assert "webhook service: stopped" in first
    assert f"catalog                  http://127.0.0.1:{env['BRON_CATALOG_PORT']}/" in first
    assert "catalog: stopped" in first
    assert "token (bijstand-loket, 1 h; GraphiQL header Authorization: Bearer …): eyJ" in first
    assert "Kafka: stopped" in first
    assert "RvIG test persons" in first
    imported = next(line for line in first.splitlines() if "RvIG test persons" in line)
    assert "persoonslijsten: created" in imported
    assert "refused 0" in imported, imported
    # no personal data in the logs of the whole run: not one BSN or A-nummer of the test set
    logs = {p.name: p.read_text(errors="replace") for p in (tmp_path / "var" / "logs").glob("*")}
    assert {"brp.log", "bag.log", "streams.log", "gateway.log"} <= set(logs), sorted(logs)
    numbers = {n for p in read_testset(TESTSET) for n in (p.burgerservicenummer, p.a_nummer) if n}
    assert len(numbers) > 1000
    leaked = sorted(name for name, text in logs.items() for n in numbers if n in text)
    assert not leaked, f"BSNs or A-nummers in {set(leaked)}"
    second = run_up(env)
    assert "RvIG test persons        imported before" in second
    assert "topics created" not in second, "the topics of the first run are still there"
    assert "Kafka: stopped" in second
    log = (tmp_path / "var" / "logs" / "schema-registry.log").read_text()
    assert "Traceback" not in log


def test_up_uses_an_external_registry_when_one_is_named(tmp_path: Path, bootstrap: str) -> None:
    settings = load_settings(kafka_bootstrap=bootstrap, schema_registry_topic=f"_s-{tmp_path.name}")
    app, _ = create_app(settings)
    with serving(app) as url:
        env = env_for(tmp_path, BRON_SCHEMA_REGISTRY_URL=url, BRON_KAFKA_BOOTSTRAP=bootstrap)
        output = run_up(env)
        assert f"schema registry          {url} (external)" in output
        with RegistryClient(url) as registry:
            assert len(registry.subjects()) == len(load_schema_files())
        checked = bron("schemas", "check", env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "INCOMPATIBLE" not in checked.stdout
