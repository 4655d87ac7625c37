"""The deployment files (deploy/) agree with the code they run.

deploy/Dockerfile builds the one image; deploy/compose/compose.yaml runs it on Docker; deploy/k8s/
runs it on Kubernetes with Strimzi. These tests read those files and hold them against the code:
the CLI commands, the settings (`Settings`, BRON_*), the ports and health routes the apps serve,
the declared topics, and who must be able to reach whom. They change nothing and need no Docker,
cluster or broker.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from starlette.testclient import TestClient

from bron.cli import main
from bron.cli.registries import SERVED
from bron.kafka.jars import kafka_version
from bron.policy import load_policy
from bron.settings import Settings, load_settings
from bron.topics import TOPICS, TopicSpec, topic_config
from streams.worker import app_topic_spec

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE_FILE = DEPLOY / "compose" / "compose.yaml"
K8S = DEPLOY / "k8s"
NAMESPACE = "bron"
REPLICAS = 3  # Kafka nodes, and the replicas of every topic on Kubernetes
LOCAL_HOSTS = ("0.0.0.0", "127.0.0.1", "localhost")
# what `bron up` runs (deploy/kafka/pom.xml)
KAFKA_VERSION = kafka_version(Settings.model_fields["kafka_pom"].default)

Obj = dict[str, Any]


@dataclass(frozen=True)
class Component:
    """A Bron process: its name (the k8s label app.kubernetes.io/component and the compose
    service), the `bron` words that start it, the setting of its port, the route that tells it
    is up, the setting of the address it listens on, and the databases it keeps."""

    name: str
    command: tuple[str, ...]
    port_field: str
    health: str
    host_field: str
    stores: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()
    ready: str = ""  # its readiness route, when it has one apart from its health route

    @property
    def readiness(self) -> str:
        return self.ready or self.health


SIGNING_KEY = "signing-key.pem"
PSEUDONYM_KEY = "verwerkingslog-pseudoniem.key"
REGISTRIES = ("bag", "brp", "woz", "toestemming")
COMPONENTS = (
    Component("schema-registry", ("schema-registry", "serve"), "schema_registry_port", "/health",
              "schema_registry_host"),
    *(
        Component(r, ("registry", "serve", r), f"{r}_port", "/health", "registry_host", (r,),
                  (SIGNING_KEY,), "/ready")
        for r in REGISTRIES
    ),
    # The worker serves /metrics (prometheus_client answers any path): streams/metrics.py.
    Component("streams", ("streams", "worker"), "streams_port", "/metrics", "streams_host",
              ("projections",)),
    Component("gateway", ("gateway", "serve"), "gateway_port", "/health", "gateway_host",
              ("projections",), (SIGNING_KEY, PSEUDONYM_KEY), "/ready"),
    Component("webhooks", ("webhooks", "dispatch"), "webhooks_port", "/health", "webhooks_host",
              ("webhooks",), (SIGNING_KEY, PSEUDONYM_KEY)),
)  # fmt: skip
BY_NAME = {c.name: c for c in COMPONENTS}

# The registries each component's code asks, by Settings.registry_base_url (BRON_REGISTRY_URLS):
# test_the_registry_calls_are_the_codes holds this against the source.
REGISTRY_CALLS: dict[str, tuple[str, ...]] = {
    "brp": ("bag",),  # services/brp/bag_client.py
    "woz": ("bag",),  # services/woz/ports.py
    "gateway": ("bag", "toestemming"),  # graphql/bron_gateway/app.py
}
# The source of each component's process (bron/ and services/common/ take URLs as arguments).
SOURCES = {
    "schema-registry": "services/schema_registry",
    **{r: f"services/{r}" for r in REGISTRIES},
    "streams": "streams",
    "gateway": "graphql/bron_gateway",
    "webhooks": "services/webhooks",
}
# Where else the code may ask a registry by name: the operator's commands (`bron import`,
# `bron token`, `bron status`, ...), the demo, and the settings themselves.
OPERATOR_SOURCES = ("bron/cli/", "bron/demo/", "bron/probes.py", "bron/settings.py")


def default_port(component: Component) -> int:
    value = Settings.model_fields[component.port_field].default
    assert isinstance(value, int)
    return value


# -- reading the files ---------------------------------------------------------------------------


@functools.cache
def documents(path: Path) -> list[Obj]:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    for d in docs:
        assert isinstance(d, dict), f"{path.name}: a document that is no mapping"
    return docs


K8S_FILES = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")
SECRETS_EXAMPLE = K8S / "secrets.example.yaml"


@functools.cache
def applied() -> list[Obj]:
    """The objects kustomization.yaml applies (read once; a broken file fails its tests)."""
    return [d for p in K8S_FILES if p != SECRETS_EXAMPLE for d in documents(p)]


@functools.cache
def secrets() -> dict[str, Obj]:
    """The Secrets of secrets.example.yaml, which the operator creates with real values."""
    return {d["metadata"]["name"]: d for d in documents(SECRETS_EXAMPLE) if d["kind"] == "Secret"}


def of_kind(kind: str) -> list[Obj]:
    return [d for d in applied() if d["kind"] == kind]


def named(kind: str) -> dict[str, Obj]:
    return {d["metadata"]["name"]: d for d in of_kind(kind)}


def pod_labels(deployment: Obj) -> dict[str, str]:
    labels: dict[str, str] = deployment["spec"]["template"]["metadata"]["labels"]
    return labels


def deployments() -> dict[str, Obj]:
    found: dict[str, Obj] = {}
    for d in of_kind("Deployment"):
        component = pod_labels(d)["app.kubernetes.io/component"]
        assert component not in found, f"two Deployments of {component}"
        found[component] = d
    return found


def main_container(deployment: Obj) -> Obj:
    component = pod_labels(deployment)["app.kubernetes.io/component"]
    containers = [c for c in deployment["spec"]["template"]["spec"]["containers"]]
    found: list[Obj] = [c for c in containers if c["name"] == component]
    assert len(found) == 1, f"{component}: one container must be named after the component"
    return found[0]


def all_containers(deployment: Obj) -> list[Obj]:
    spec = deployment["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


@functools.cache
def compose() -> Obj:
    loaded = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(loaded, dict)
    return loaded


def compose_services() -> dict[str, Obj]:
    services: dict[str, Obj] = compose()["services"]
    return services


def assert_cli(argv: Sequence[str]) -> None:
    """`bron <argv>` is a real command with real options and arguments (click parses them all
    before it answers --help); a registry's name is one `bron registry serve` knows."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main([*argv, "--help"])
    assert code == 0, f"bron {' '.join(argv)}: {out.getvalue()}"
    if tuple(argv[:2]) == ("registry", "serve"):
        assert argv[2] in SERVED, argv


def matches(component: Component, argv: Sequence[str]) -> bool:
    return tuple(argv[: len(component.command)]) == component.command


def compose_component(service: Obj) -> Component | None:
    argv = service.get("command") or []
    found = [c for c in COMPONENTS if matches(c, argv)]
    return found[0] if found else None


def settings_from(env: Mapping[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings a process with this environment reads (BRON_* only; others unset)."""
    for name in list(os.environ):
        if name.startswith("BRON_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        if name.startswith("BRON_"):
            monkeypatch.setenv(name, value)
    return load_settings()


def compose_env(service: Obj) -> dict[str, str]:
    environment = service.get("environment") or {}
    assert isinstance(environment, dict), "compose environments are mappings"
    return {k: str(v) for k, v in environment.items()}


def k8s_env(container: Obj) -> dict[str, str]:
    """A container's environment: its ConfigMaps, literal values, and the example Secrets."""
    env: dict[str, str] = {}
    config_maps = named("ConfigMap")
    for source in container.get("envFrom", []):
        name = source["configMapRef"]["name"]
        assert name in config_maps, f"{container['name']}: no ConfigMap {name}"
        env.update({k: str(v) for k, v in config_maps[name]["data"].items()})
    for entry in container.get("env", []):
        if "value" in entry:
            env[entry["name"]] = str(entry["value"])
            continue
        source = entry["valueFrom"]
        if "secretKeyRef" in source:
            ref = source["secretKeyRef"]
            assert ref["name"] in secrets(), f"no Secret {ref['name']} in {SECRETS_EXAMPLE.name}"
            data = secrets()[ref["name"]]["stringData"]
            assert ref["key"] in data, f"Secret {ref['name']} has no key {ref['key']}"
            env[entry["name"]] = data[ref["key"]]
        else:
            env[entry["name"]] = f"<{source['fieldRef']['fieldPath']}>"
    return env


# -- every file parses ---------------------------------------------------------------------------


def test_every_yaml_file_parses() -> None:
    files = [*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml")]
    assert COMPOSE_FILE in files
    assert len(files) >= len(K8S_FILES) + 2
    for path in files:
        assert list(yaml.safe_load_all(path.read_text())), path


def test_every_kubernetes_object_names_its_api_kind_and_name() -> None:
    for path in K8S_FILES:
        for doc in documents(path):
            assert isinstance(doc.get("apiVersion"), str), path.name
            assert isinstance(doc.get("kind"), str), path.name
            assert re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", doc["metadata"]["name"]), (
                f"{path.name}: {doc['metadata'].get('name')!r} is no DNS-1123 name"
            )
            assert "namespace" not in doc["metadata"], "kustomization.yaml sets the namespace"


def test_the_kustomization_applies_every_file_but_the_secrets_example() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert kustomization["namespace"] == NAMESPACE
    expected = sorted(p.name for p in K8S_FILES if p != SECRETS_EXAMPLE)
    assert sorted(kustomization["resources"]) == expected
    assert SECRETS_EXAMPLE.name not in kustomization["resources"]
    images = {i["name"] for i in kustomization["images"]}
    for deployment in of_kind("Deployment"):
        for container in all_containers(deployment):
            assert container["image"] in images, container["name"]


STANDARD_KINDS = {
    "Namespace", "ConfigMap", "Secret", "Deployment", "Service", "PodDisruptionBudget",
    "NetworkPolicy", "Ingress",
}  # fmt: skip


def test_standard_objects_match_the_kubernetes_json_schemas() -> None:
    """Strict (no unknown fields) against the Kubernetes API's schemas, when the package
    kubernetes-validate (which ships them) is installed."""
    validator = pytest.importorskip("kubernetes_validate")
    objects = [d for p in K8S_FILES for d in documents(p)]
    kinds = {d["kind"] for d in objects}
    assert kinds - STANDARD_KINDS == {"Kafka", "KafkaNodePool", "KafkaTopic"}
    for doc in objects:
        if doc["kind"] in STANDARD_KINDS:
            try:
                validator.validate(doc, "1.31", strict=True)
            except validator.ValidationError as exc:
                where = ".".join(str(p) for p in exc.path)
                pytest.fail(f"{doc['kind']}/{doc['metadata']['name']}: {where}: {exc.message}")


# -- the image -----------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def test_the_image_runs_the_bron_console_script() -> None:
    instructions = dockerfile_instructions()
    entrypoints = [json.loads(rest) for word, rest in instructions if word == "ENTRYPOINT"]
    assert entrypoints == [["bron"]]
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["bron"] == "bron.cli:main"
    assert_cli([])


def test_the_image_is_python_311_slim_with_the_exact_versions() -> None:
    instructions = dockerfile_instructions()
    assert ("FROM", "python:3.11-slim") in instructions
    installs = [rest for word, rest in instructions if word == "RUN" and "pip install" in rest]
    assert installs, "no pip install"
    for rest in installs:
        for command in re.findall(r"pip install[^&]*", rest):
            assert "-c constraints.txt" in command, command
    assert any("-e ." in rest for rest in installs), "editable: Bron reads files beside its code"


def test_the_image_holds_every_package_and_the_files_read_at_run_time() -> None:
    copied = set()
    for word, rest in dockerfile_instructions():
        if word == "COPY":
            *sources, _dest = rest.split()
            for source in sources:
                assert (REPO / source).exists(), f"COPY {source}: not in the repository"
                copied.add(source.rstrip("/"))
    # the packages (pyproject's find: where = [".", "graphql"]) and what PROJECT_ROOT reads
    needed = {"bron", "services", "streams", "graphql", "schemas", "policy", "docs",
              "pyproject.toml", "constraints.txt", "README.md"}  # fmt: skip
    assert needed <= copied


def test_the_image_runs_as_the_user_the_pods_run_as() -> None:
    users = [rest for word, rest in dockerfile_instructions() if word == "USER"]
    assert users, "the image must not run as root"
    uid = int(users[-1].split(":")[0])
    assert uid != 0
    for deployment in of_kind("Deployment"):
        assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == uid
    env = " ".join(rest for word, rest in dockerfile_instructions() if word == "ENV")
    assert "BRON_DATA_DIR=/data" in env


# -- settings ------------------------------------------------------------------------------------


def bron_variables() -> set[tuple[str, str]]:
    """Every BRON_* variable named anywhere in deploy/, with where."""
    found: set[tuple[str, str]] = set()
    for name, service in compose_services().items():
        found |= {(v, f"compose {name}") for v in compose_env(service)}
    for path in K8S_FILES:
        for doc in documents(path):
            if doc["kind"] == "ConfigMap":
                found |= {(k, path.name) for k in doc["data"] if k.startswith("BRON_")}
            if doc["kind"] == "Secret":
                found |= {(k, path.name) for k in doc["stringData"] if k.startswith("BRON_")}
            if doc["kind"] == "Deployment":
                for container in all_containers(doc):
                    found |= {(e["name"], path.name) for e in container.get("env", [])}
    for path in (DOCKERFILE, *DEPLOY.rglob("*.md")):
        found |= {(v, path.name) for v in re.findall(r"\bBRON_[A-Z0-9_]+", path.read_text())}
    return {(name, where) for name, where in found if name.startswith("BRON_")}


def test_every_bron_variable_is_a_setting() -> None:
    variables = bron_variables()
    assert len(variables) > 20
    for name, where in variables:
        assert name.removeprefix("BRON_").lower() in Settings.model_fields, f"{where}: {name}"


def test_every_environment_validates_through_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every container's and every compose service's BRON_* values load as Settings (a bad
    JSON mapping, port or choice would fail here), init containers and one-shots included."""
    environments = [
        (f"k8s {d['metadata']['name']}/{c['name']}", k8s_env(c))
        for d in of_kind("Deployment")
        for c in all_containers(d)
    ]
    environments += [
        (f"compose {name}", compose_env(service))
        for name, service in compose_services().items()
        if name != "kafka"
    ]
    for where, env in environments:
        try:
            settings_from(env, monkeypatch)
        except Exception as exc:  # SettingsError, or pydantic-settings' own for bad JSON
            pytest.fail(f"{where}: {exc}")


def assert_registry_urls(settings: Settings, where: str) -> None:
    """BRON_REGISTRY_URLS names every registry, each at an http://host:port of its own port:
    nothing falls back to BRON_REGISTRY_HOST, which is where a registry listens."""
    assert set(settings.registry_urls) == set(REGISTRIES), f"{where}: BRON_REGISTRY_URLS"
    for registry in REGISTRIES:
        url = urlsplit(settings.registry_base_url(registry))
        assert url.scheme == "http", f"{where}: {registry}"
        assert url.hostname not in (None, *LOCAL_HOSTS), f"{where}: {registry} at {url.hostname}"
        assert url.port == default_port(BY_NAME[registry]), f"{where}: {registry}"
        assert url.path in ("", "/"), f"{where}: {registry}"


def test_the_registry_calls_are_the_codes() -> None:
    """REGISTRY_CALLS is what each component's source asks `registry_base_url` for, with a
    literal name; no other served code asks a registry by name."""
    call = re.compile(r"registry_base_url\(")
    literal = re.compile(r"registry_base_url\(\s*[\"']([a-z]+)[\"']\s*\)")
    found: dict[str, set[str]] = {}
    elsewhere = []
    for package in ("bron", "services", "graphql", "streams"):
        for path in sorted((REPO / package).rglob("*.py")):
            relative = path.relative_to(REPO).as_posix()
            text = path.read_text()
            calls = len(call.findall(text))
            if not calls or "/tests/" in relative:
                continue
            owner = [c for c, source in SOURCES.items() if relative.startswith(source + "/")]
            if not owner:
                if not relative.startswith(OPERATOR_SOURCES):
                    elsewhere.append(relative)
                continue
            names = literal.findall(text)
            assert len(names) == calls, f"{relative}: a registry asked by a name not literal"
            found.setdefault(owner[0], set()).update(names)
    assert elsewhere == [], "code that asks a registry: whose process is it?"
    assert found == {c: set(r) for c, r in REGISTRY_CALLS.items()}
    assert all(set(r) <= set(REGISTRIES) for r in REGISTRY_CALLS.values())


# Ports of processes these files do not run (yet), each with the reason.
NOT_DEPLOYED = {
    "kafka_port": "Kafka is Strimzi's / the apache/kafka image's",
    "kafka_controller_port": "Kafka is Strimzi's / the apache/kafka image's",
    "catalog_port": "the data stewards' catalog (`bron catalog serve`) came after deploy/",
}


def test_every_served_port_belongs_to_a_deployed_component() -> None:
    """A new process with a port of its own (a new `*_port` setting) needs its place in deploy/
    (or a reason here)."""
    ports = {name for name in Settings.model_fields if name.endswith("_port")}
    assert ports == {c.port_field for c in COMPONENTS} | set(NOT_DEPLOYED)


# -- what the apps serve -------------------------------------------------------------------------


class _NoLog:
    async def write(self, records: Sequence[dict[str, Any]]) -> None:
        return None

    def close(self) -> None:
        return None


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, TestClient]]:
    """A test client of each HTTP component's real app (built as its `serve` command builds it,
    without starting it: no Kafka needed)."""
    from bron_gateway.app import create_app as gateway_app

    from bron.cli.registries import build_app
    from services.schema_registry.app import create_app as schema_registry_app
    from services.webhooks.app import create_app as webhooks_app

    settings = load_settings(data_dir=tmp_path_factory.mktemp("deploy-apps"))
    clients = {name: TestClient(build_app(name, settings, run_relay=False)) for name in REGISTRIES}
    clients["schema-registry"] = TestClient(schema_registry_app(settings)[0])
    clients["gateway"] = TestClient(gateway_app(settings, log=_NoLog()))
    clients["webhooks"] = TestClient(webhooks_app(settings, processing_log=_NoLog()))
    yield clients
    for client in clients.values():
        client.close()


def assert_served(served: Mapping[str, TestClient], component: Component, path: str) -> None:
    if component.name == "streams":
        # prometheus_client's exposition answers every path; the worker's is /metrics
        assert path == component.health
        return
    status = served[component.name].get(path).status_code
    assert status not in (404, 405), f"{component.name} serves no GET {path} ({status})"


# -- Docker compose ------------------------------------------------------------------------------


def compose_targets(services: Mapping[str, Obj], caller: str, url: str) -> set[str]:
    """The components that answer `url` when service `caller` asks it. Every service has a
    network namespace of its own (test_compose_gives_every_service_its_own_network), so a
    loopback address is the caller itself and any other host is a service's name."""
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port
    assert host is not None, url
    target = caller if host in LOCAL_HOSTS else host
    assert target in services, f"{caller}: no service {host!r} ({url})"
    component = compose_component(services[target])
    if component is None or port != default_port(component):
        return set()
    return {component.name}


def compose_component_services() -> dict[str, tuple[str, Obj]]:
    found: dict[str, tuple[str, Obj]] = {}
    for name, service in compose_services().items():
        component = compose_component(service)
        if component is not None:
            assert component.name not in found, f"two compose services run {component.name}"
            found[component.name] = (name, service)
    return found


def healthcheck_url(test: Sequence[str]) -> str:
    command = " ".join(test)
    urls: list[str] = re.findall(r"https?://[^'\"\s)]+", command)
    assert len(urls) == 1, command
    return urls[0]


def test_compose_runs_kafka_of_the_pom_version_and_every_component_once() -> None:
    services = compose_services()
    assert services["kafka"]["image"] == f"apache/kafka:{KAFKA_VERSION}"
    assert set(compose_component_services()) == set(BY_NAME)
    for name, service in services.items():
        argv = service.get("command")
        if argv is not None and name != "kafka":
            assert_cli(argv)
    assert services["topics"]["command"] == ["kafka", "topics"]
    assert services["schemas"]["command"] == ["schemas", "register"]


def test_compose_gives_every_service_its_own_network() -> None:
    """No service shares another's network namespace or answers to another name: a component
    is reached by its own service name, and listens on its own container's 0.0.0.0."""
    for name, service in compose_services().items():
        assert "network_mode" not in service, name
        for network in (service.get("networks") or {}).values():
            assert not (network or {}).get("aliases"), f"{name}: an alias"


def test_compose_builds_one_image_from_the_dockerfile() -> None:
    for name, service in compose_services().items():
        if name == "kafka":
            continue
        assert service["image"] == "bron:local", name
        build = service["build"]
        context = (COMPOSE_FILE.parent / build["context"]).resolve()
        assert context == REPO, name
        assert (context / build["dockerfile"]).resolve() == DOCKERFILE, name


def test_the_keys_are_made_where_the_code_reads_them(tmp_path: Path) -> None:
    from bron_gateway.verwerkingslog import PSEUDONYM_KEY_FILE

    from bron.http.auth import KeyPair

    keys = compose_services()["keys"]
    data_dir = compose_env(keys)["BRON_DATA_DIR"]
    assert keys["entrypoint"][:2] == ["python", "-c"]
    code = keys["entrypoint"][2]
    assert f"'{data_dir}" in code
    exec(compile(code.replace(f"'{data_dir}", f"'{tmp_path}"), "keys", "exec"), {})  # noqa: S102
    assert KeyPair(tmp_path / "keys").private_file == tmp_path / "keys" / SIGNING_KEY
    assert (tmp_path / "keys" / SIGNING_KEY).stat().st_size > 0
    assert PSEUDONYM_KEY_FILE == PSEUDONYM_KEY
    assert len((tmp_path / "keys" / PSEUDONYM_KEY).read_bytes()) >= 32


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.name)
def test_compose_service_settings_ports_and_healthcheck(
    component: Component, monkeypatch: pytest.MonkeyPatch, served: Mapping[str, TestClient]
) -> None:
    services = compose_services()
    name, service = compose_component_services()[component.name]
    settings = settings_from(compose_env(service), monkeypatch)
    port = getattr(settings, component.port_field)
    assert port == default_port(component)
    # the healthcheck asks the component's own route on its own port, from inside
    url = urlsplit(healthcheck_url(service["healthcheck"]["test"]))
    assert (url.hostname, url.port) == ("127.0.0.1", port)
    assert url.path == component.health
    assert_served(served, component, url.path)
    # every component listens on every interface and is published on this machine's loopback
    assert getattr(settings, component.host_field) == "0.0.0.0"
    assert service.get("ports") == [f"127.0.0.1:{port}:{port}"], name
    # Kafka, the schema registry, the shared data volume
    assert settings.bootstrap_servers == "kafka:9092"
    advertised = services["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert f"PLAINTEXT://{settings.bootstrap_servers}" in advertised.split(",")
    if component.name != "schema-registry":
        assert compose_targets(services, name, settings.registry_url) == {"schema-registry"}
    assert f"bron-data:{settings.data_dir}" in service["volumes"]


def compose_readme_exec(command: str) -> str:
    """The service deploy/compose/README.md runs `bron <command>` in (docker compose exec)."""
    text = (COMPOSE_FILE.parent / "README.md").read_text()
    (service,) = re.findall(rf" exec (\S+) bron {re.escape(command)}\b", text)
    assert isinstance(service, str)
    return service


def test_compose_wires_the_components_to_each_other(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every call the code makes (REGISTRY_CALLS, the gateway's webhook service) arrives at the
    right service, by BRON_REGISTRY_URLS; so do the README's `bron import` and `bron token`."""
    services = compose_services()
    running = compose_component_services()

    def settings_of(component: str) -> tuple[str, Settings]:
        name, service = running[component]
        return name, settings_from(compose_env(service), monkeypatch)

    calls: list[tuple[str, str, str]] = []
    for component in BY_NAME:
        name, settings = settings_of(component)
        assert_registry_urls(settings, f"compose {name}")
        asked = REGISTRY_CALLS.get(component, ())
        calls += [(name, settings.registry_base_url(r), r) for r in asked]
    name, gateway = settings_of("gateway")
    calls.append((name, f"http://{gateway.webhooks_host}:{gateway.webhooks_port}", "webhooks"))
    # operators' commands in a running container: bron/cli/imports.py, bron/cli/token.py
    operators = (("import brp-testset", ("bag", "brp")), ("token app", ("toestemming",)))
    for command, registries in operators:
        caller = compose_readme_exec(command)
        settings = settings_from(compose_env(services[caller]), monkeypatch)
        calls += [(caller, settings.registry_base_url(r), r) for r in registries]
    for caller, url, component in calls:
        reached = compose_targets(services, caller, url)
        assert reached == {component}, f"{caller} → {url}: {reached or 'nothing'}, not {component}"
    # the gateway reads the projections the worker writes: the same SQLite file
    _, streams = settings_of("streams")
    assert streams.projections_database_url is None
    assert gateway.projections_database_url is None
    assert streams.data_dir == gateway.data_dir
    # receivers of webhooks fetch data from the gateway as published on this machine
    _, hooks = settings_of("webhooks")
    assert hooks.webhooks_gateway_url == f"http://localhost:{gateway.gateway_port}/graphql"


def test_compose_starts_things_in_order() -> None:
    services = compose_services()
    setup = {"keys", "topics", "schemas"}
    for name in setup:
        assert services[name]["restart"] == "no"
    assert services["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services["schema-registry"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert services["schemas"]["depends_on"]["schema-registry"]["condition"] == "service_healthy"
    for component in COMPONENTS:
        name, service = compose_component_services()[component.name]
        if component.name == "schema-registry":
            continue
        depends = service["depends_on"]
        for step in setup:
            assert depends[step]["condition"] == "service_completed_successfully", (name, step)
        # the registries it asks are up before it asks them
        for registry in REGISTRY_CALLS.get(component.name, ()):
            called, _ = compose_component_services()[registry]
            assert depends[called]["condition"] == "service_healthy", (name, called)


def test_compose_keeps_its_data_in_named_volumes() -> None:
    spec = compose()
    volumes = set(spec["volumes"])
    kafka = spec["services"]["kafka"]
    assert f"kafka-data:{kafka['environment']['KAFKA_LOG_DIRS']}" in kafka["volumes"]
    for name, service in spec["services"].items():
        for mount in service.get("volumes", []):
            assert mount.split(":")[0] in volumes, f"{name}: {mount}"


# -- Kubernetes: Kafka and topics ----------------------------------------------------------------


def kafka_cluster() -> Obj:
    (kafka,) = of_kind("Kafka")
    return kafka


def test_strimzi_runs_kraft_on_three_dual_role_nodes() -> None:
    kafka = kafka_cluster()
    name = kafka["metadata"]["name"]
    assert kafka["metadata"]["annotations"] == {
        "strimzi.io/node-pools": "enabled",
        "strimzi.io/kraft": "enabled",
    }
    assert kafka["spec"]["kafka"]["version"] == KAFKA_VERSION
    (pool,) = of_kind("KafkaNodePool")
    assert pool["metadata"]["labels"]["strimzi.io/cluster"] == name
    assert pool["spec"]["replicas"] == REPLICAS
    assert set(pool["spec"]["roles"]) == {"controller", "broker"}
    config = kafka["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] == REPLICAS
    assert config["min.insync.replicas"] == 2
    assert config["offsets.topic.replication.factor"] == REPLICAS
    assert config["transaction.state.log.replication.factor"] == REPLICAS
    assert config["transaction.state.log.min.isr"] == 2
    assert config["auto.create.topics.enable"] is False
    assert "topicOperator" in kafka["spec"]["entityOperator"]


def expected_topics() -> dict[str, TopicSpec]:
    topics: dict[str, TopicSpec] = {spec.name: spec for spec in TOPICS}
    for app in load_policy().apps:
        spec = app_topic_spec(f"bron.app.{app.id}")
        topics[spec.name] = spec
    return topics


def test_every_declared_topic_has_a_kafka_topic_as_the_code_declares_it() -> None:
    cluster = kafka_cluster()["metadata"]["name"]
    declared = {t["spec"].get("topicName", t["metadata"]["name"]): t for t in of_kind("KafkaTopic")}
    expected = expected_topics()
    assert set(declared) == set(expected)
    for name, spec in expected.items():
        topic = declared[name]
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == cluster
        assert topic["spec"]["partitions"] == spec.partitions, name
        assert topic["spec"]["replicas"] == REPLICAS, name
        config = {k: str(v) for k, v in topic["spec"]["config"].items()}
        assert config == topic_config(spec, REPLICAS), name
        assert config["cleanup.policy"] == spec.cleanup.value


def test_topics_bron_creates_itself_get_three_replicas(monkeypatch: pytest.MonkeyPatch) -> None:
    (config,) = [c for c in of_kind("ConfigMap") if c["metadata"]["name"] == "bron-config"]
    settings = settings_from({k: str(v) for k, v in config["data"].items()}, monkeypatch)
    assert settings.kafka_replication_factor == REPLICAS
    kafka = kafka_cluster()
    (plain,) = [x for x in kafka["spec"]["kafka"]["listeners"] if x["name"] == "plain"]
    assert plain["tls"] is False
    bootstrap = f"{kafka['metadata']['name']}-kafka-bootstrap:{plain['port']}"
    assert settings.bootstrap_servers == bootstrap


# -- Kubernetes: the components ------------------------------------------------------------------


def test_every_component_has_a_deployment_running_its_command() -> None:
    found = deployments()
    assert set(found) == set(BY_NAME)
    for name, deployment in found.items():
        component = BY_NAME[name]
        argv = main_container(deployment)["args"]
        assert matches(component, argv), f"{name}: {argv}"
        containers = deployment["spec"]["template"]["spec"]["containers"]
        assert len(containers) == 1, f"{name}: no sidecars (forwarders, proxies)"
        assert_cli(argv)
        for container in all_containers(deployment):
            if "command" not in container:  # the image's entrypoint, bron
                assert_cli(container["args"])
    assert found["streams"]["spec"]["replicas"] >= 2
    assert found["gateway"]["spec"]["replicas"] >= 2


def container_port(container: Obj, port: int | str) -> int:
    for declared in container.get("ports", []):
        if port in (declared.get("name"), declared["containerPort"]):
            number: int = declared["containerPort"]
            return number
    raise AssertionError(f"{container['name']}: no port {port!r}")


def probe_url(container: Obj, probe: Obj) -> tuple[int, str]:
    """The port and path a probe asks: the kubelet's GET at the pod's address, which only a
    component listening on 0.0.0.0 answers (no probe runs a command inside the container)."""
    assert set(probe) & {"exec", "tcpSocket", "grpc"} == set(), container["name"]
    get = probe["httpGet"]
    return container_port(container, get["port"]), get["path"]


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.name)
def test_deployment_ports_probes_and_settings_are_the_codes(
    component: Component, monkeypatch: pytest.MonkeyPatch, served: Mapping[str, TestClient]
) -> None:
    deployment = deployments()[component.name]
    container = main_container(deployment)
    settings = settings_from(k8s_env(container), monkeypatch)
    port = getattr(settings, component.port_field)
    assert port == default_port(component)
    assert [p["containerPort"] for p in container["ports"]] == [port]
    assert getattr(settings, component.host_field) == "0.0.0.0"
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert kind in container, f"{component.name}: no {kind}"
        probed, path = probe_url(container, container[kind])
        assert probed == port, f"{component.name} {kind}"
        assert_served(served, component, path)
    ready = probe_url(container, container["readinessProbe"])[1]
    assert ready == component.readiness, "the readiness probe asks the component's /ready"
    # production: PostgreSQL for every store, never SQLite in an emptyDir
    assert settings.env.value == "production"
    for store in component.stores:
        url = getattr(settings, f"{store}_database_url")
        assert url is not None, f"{component.name} {store}"
        assert url.startswith("postgresql://"), f"{component.name} {store}"


def settings_of(name: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The settings of a component's main container on Kubernetes."""
    return settings_from(k8s_env(main_container(deployments()[name])), monkeypatch)


def k8s_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, str]]:
    """Every call one component's code makes to another (caller, URL, callee), by the
    settings its Deployment gets: the schema registry, REGISTRY_CALLS by BRON_REGISTRY_URLS,
    the gateway's webhook service."""
    calls = [
        (n, settings_of(n, monkeypatch).registry_url, "schema-registry")
        for n in BY_NAME
        if n != "schema-registry"
    ]
    for caller, registries in REGISTRY_CALLS.items():
        settings = settings_of(caller, monkeypatch)
        calls += [(caller, settings.registry_base_url(r), r) for r in registries]
    gateway = settings_of("gateway", monkeypatch)  # bron_gateway/app.py
    calls.append(("gateway", f"http://{gateway.webhooks_host}:{gateway.webhooks_port}", "webhooks"))
    return calls


def test_the_components_find_and_may_reach_each_other(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every call the code makes (by the settings each Deployment gets) arrives at the right
    component's pods, and the NetworkPolicies let it through."""
    for name in BY_NAME:
        assert_registry_urls(settings_of(name, monkeypatch), f"k8s {name}")
    for caller, url, component in k8s_calls(monkeypatch):
        targets = k8s_targets(url)
        assert set(targets) == {component}, f"{caller} → {url}: {targets}"
        assert allowed(pod(caller), pod(component), targets[component]), f"{caller} → {url}"
    # back-office systems and `bron import` jobs in other namespaces: each registry's Service by
    # its full name, as BRON_REGISTRY_URLS of the ConfigMap names it
    data = named("ConfigMap")["bron-config"]["data"]
    config = settings_from({k: str(v) for k, v in data.items()}, monkeypatch)
    for registry in REGISTRIES:
        short = urlsplit(config.registry_base_url(registry))
        full = f"http://{short.hostname}.{NAMESPACE}.svc.cluster.local:{short.port}"
        targets = k8s_targets(full)
        assert set(targets) == {registry}, f"{full}: {targets}"
        assert allowed(BACK_OFFICE, pod(registry), targets[registry]), full
    # Prometheus scrapes the workers' /metrics through their Service
    streams = settings_of("streams", monkeypatch)
    metrics = f"http://bron-streams.{NAMESPACE}.svc:{streams.streams_port}/metrics"
    targets = k8s_targets(metrics)
    assert set(targets) == {"streams"}, f"{metrics}: {targets}"
    assert allowed(PROMETHEUS, pod("streams"), targets["streams"]), metrics
    # receivers of webhooks fetch the data at the gateway's public address
    hooks = settings_of("webhooks", monkeypatch)
    assert hooks.webhooks_gateway_url is not None
    public = urlsplit(hooks.webhooks_gateway_url)
    (ingress,) = of_kind("Ingress")
    (rule,) = [r for r in ingress["spec"]["rules"] if r["host"] == public.hostname]
    (path,) = [p for p in rule["http"]["paths"] if p["path"] == public.path]
    backend = path["backend"]["service"]
    targets = k8s_targets(f"http://{backend['name']}:{service_port(backend)}")
    assert set(targets) == {"gateway"}
    assert allowed(INGRESS_CONTROLLER, pod("gateway"), targets["gateway"])
    assert hooks.webhooks_origin == public.hostname


def service_port(backend: Obj) -> int:
    service = named("Service")[backend["name"]]
    wanted = backend["port"]
    for port in service["spec"]["ports"]:
        if wanted.get("name") == port.get("name") or wanted.get("number") == port["port"]:
            number: int = port["port"]
            return number
    raise AssertionError(f"Service {backend['name']} has no port {wanted}")


def k8s_targets(url: str) -> dict[str, int]:
    """The components whose pods receive what is sent to `url` (a Service's short name from
    inside the namespace, or its full name from anywhere), with the container port it arrives
    at."""
    parts = urlsplit(url)
    assert parts.hostname is not None, url
    host, *domain = parts.hostname.split(".")
    full = [NAMESPACE, "svc", "cluster", "local"]
    assert domain == full[: len(domain)], f"{url}: not a Service of the namespace {NAMESPACE}"
    port = parts.port
    services = named("Service")
    assert host in services, f"no Service {host} ({url})"
    entries = [p for p in services[host]["spec"]["ports"] if p["port"] == port]
    assert len(entries) == 1, f"Service {host} has no port {port} ({url})"
    target = entries[0].get("targetPort", port)
    selector = services[host]["spec"]["selector"]
    found: dict[str, int] = {}
    for name, deployment in deployments().items():
        labels = pod_labels(deployment)
        if any(labels.get(k) != v for k, v in selector.items()):
            continue
        for container in deployment["spec"]["template"]["spec"]["containers"]:
            for declared in container.get("ports", []):
                if target in (declared.get("name"), declared["containerPort"]):
                    assert name not in found, f"{name}: two ports for {url}"
                    found[name] = declared["containerPort"]
    return found


def test_every_service_reaches_pods_that_listen() -> None:
    """Each Service is one component's, bron-<component>, and each of its ports reaches a port
    that component's pods declare (no Service shared by several components)."""
    for name, service in named("Service").items():
        reached = set()
        for port in service["spec"]["ports"]:
            targets = k8s_targets(f"http://{name}:{port['port']}")
            assert len(targets) == 1, f"Service {name} port {port['port']}: {targets}"
            assert list(targets.values()) == [port["port"]], "Service and pod ports are equal"
            reached |= set(targets)
        assert [f"bron-{c}" for c in reached] == [name], f"Service {name} reaches {reached}"


def test_the_keys_are_mounted_where_the_code_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, deployment in deployments().items():
        component = BY_NAME[name]
        container = main_container(deployment)
        settings = settings_from(k8s_env(container), monkeypatch)
        spec = deployment["spec"]["template"]["spec"]
        volumes = {v["name"]: v for v in spec["volumes"]}
        mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
        data = mounts[str(settings.data_dir)]
        assert "emptyDir" in volumes[data["name"]], "the data directory is the writable one"
        keys = mounts.get(str(settings.data_dir / "keys"))
        if not component.keys:
            assert keys is None, f"{name} needs no keys"
            continue
        assert keys is not None, name
        assert keys.get("readOnly") is True, name
        secret = volumes[keys["name"]]["secret"]
        assert {i["path"] for i in secret["items"]} == set(component.keys), name
        example = secrets()[secret["secretName"]]["stringData"]
        assert {i["key"] for i in secret["items"]} <= set(example), name


def test_every_container_is_locked_down_and_sized() -> None:
    for deployment in of_kind("Deployment"):
        name = deployment["metadata"]["name"]
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault", name
        assert pod["automountServiceAccountToken"] is False, name
        mounted = {v["name"] for v in pod["volumes"]}
        for container in all_containers(deployment):
            where = f"{name}/{container['name']}"
            assert container["image"], where
            security = container["securityContext"]
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            assert "add" not in security["capabilities"], where
            for kind in ("requests", "limits"):
                assert set(container["resources"][kind]) == {"cpu", "memory"}, where
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in mounted, where
            mounts = container.get("volumeMounts", [])
            assert any(m["mountPath"] == "/tmp" for m in mounts), f"{where}: a writable /tmp"


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    if selector is None:
        return True
    assert "matchExpressions" not in selector, "these tests read matchLabels only"
    return all(labels.get(k) == v for k, v in (selector.get("matchLabels") or {}).items())


def test_every_deployment_has_its_own_pdb_and_network_policy() -> None:
    found = deployments()
    for kind, field in (("PodDisruptionBudget", "selector"), ("NetworkPolicy", "podSelector")):
        for name, deployment in found.items():
            own = [
                o for o in of_kind(kind)
                if o["spec"][field].get("matchLabels")
                and selects(o["spec"][field], pod_labels(deployment))
            ]  # fmt: skip
            assert own, f"no {kind} selects {name}"
            for o in own:
                others = [n for n, d in found.items() if selects(o["spec"][field], pod_labels(d))]
                assert others == [name], f"{kind} {o['metadata']['name']} selects {others}"
            if kind == "PodDisruptionBudget":
                (pdb,) = own
                assert 0 < pdb["spec"]["minAvailable"] < deployment["spec"]["replicas"], name


# -- Kubernetes: who may talk to whom ------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    """A pod (namespace and labels), or an address outside the cluster (namespace None)."""

    namespace: str | None
    labels: Mapping[str, str]


OUTSIDE = Endpoint(None, {})
DNS = Endpoint("kube-system", {"k8s-app": "kube-dns"})
INGRESS_CONTROLLER = Endpoint("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
BACK_OFFICE = Endpoint("burgerzaken", {"bron/registry-client": "true"})
# Prometheus, in the namespace streams.yaml's NetworkPolicy assumes (`monitoring`)
PROMETHEUS = Endpoint("monitoring", {"app.kubernetes.io/name": "prometheus"})
STRANGER = Endpoint(NAMESPACE, {"app": "debug"})


def broker() -> Endpoint:
    """A Kafka pod as Strimzi labels it."""
    name = kafka_cluster()["metadata"]["name"]
    (pool,) = of_kind("KafkaNodePool")
    return Endpoint(NAMESPACE, {
        "strimzi.io/cluster": name, "strimzi.io/kind": "Kafka",
        "strimzi.io/name": f"{name}-kafka", "strimzi.io/pool-name": pool["metadata"]["name"],
        "strimzi.io/broker-role": "true", "strimzi.io/controller-role": "true",
    })  # fmt: skip


def pod(component: str) -> Endpoint:
    return Endpoint(NAMESPACE, pod_labels(deployments()[component]))


def network_policies() -> list[Obj]:
    """The manifests' policies and the one Strimzi generates for the brokers (the listeners'
    networkPolicyPeers, replication and control plane among its own pods)."""
    kafka = kafka_cluster()
    name = kafka["metadata"]["name"]
    ingress = [
        {"from": x.get("networkPolicyPeers", []), "ports": [{"port": x["port"]}]}
        for x in kafka["spec"]["kafka"]["listeners"]
    ]
    internal = {"podSelector": {"matchLabels": {"strimzi.io/cluster": name}}}
    ingress.append({"from": [internal], "ports": [{"port": 9090}, {"port": 9091}]})
    strimzi = {
        "metadata": {"name": f"{name}-network-policy-kafka"},
        "spec": {
            "podSelector": {"matchLabels": {"strimzi.io/name": f"{name}-kafka"}},
            "policyTypes": ["Ingress"],
            "ingress": ingress,
        },
    }
    return [*of_kind("NetworkPolicy"), strimzi]


def peer_matches(peer: Mapping[str, Any], endpoint: Endpoint) -> bool:
    if "ipBlock" in peer:
        return endpoint.namespace is None
    if endpoint.namespace is None:
        return False
    namespaces = peer.get("namespaceSelector")
    if namespaces is None:
        in_namespace = endpoint.namespace == NAMESPACE
    else:
        in_namespace = selects(namespaces, {"kubernetes.io/metadata.name": endpoint.namespace})
    return in_namespace and selects(peer.get("podSelector"), endpoint.labels)


def allowed(source: Endpoint, target: Endpoint, port: int, protocol: str = "TCP") -> bool:
    policies = network_policies()

    def side(owner: Endpoint, other: Endpoint, kind: str) -> bool:
        if owner.namespace != NAMESPACE:
            return True  # not governed by these policies
        mine = [
            p for p in policies
            if kind in p["spec"]["policyTypes"] and selects(p["spec"]["podSelector"], owner.labels)
        ]  # fmt: skip
        if not mine:
            return True
        rules_key, peers_key = ("egress", "to") if kind == "Egress" else ("ingress", "from")
        for policy in mine:
            for rule in policy["spec"].get(rules_key) or []:
                peers = rule.get(peers_key)
                ports = rule.get("ports")
                peer_ok = not peers or any(peer_matches(p, other) for p in peers)
                port_ok = not ports or any(
                    p.get("port") == port and p.get("protocol", "TCP") == protocol for p in ports
                )
                if peer_ok and port_ok:
                    return True
        return False

    return side(source, target, "Egress") and side(target, source, "Ingress")


def test_there_is_a_default_deny() -> None:
    deny = [
        p for p in of_kind("NetworkPolicy")
        if p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress") and not p["spec"].get("egress")
    ]  # fmt: skip
    assert deny
    assert not allowed(STRANGER, pod("gateway"), default_port(BY_NAME["gateway"]))
    assert not allowed(pod("streams"), OUTSIDE, 443)


def test_each_component_may_reach_kafka_postgresql_and_the_outside_it_needs() -> None:
    kafka = broker()
    (plain,) = kafka_cluster()["spec"]["kafka"]["listeners"]
    for component in COMPONENTS:
        me = pod(component.name)
        assert allowed(me, kafka, plain["port"]), f"{component.name} → Kafka"
        assert allowed(me, DNS, 53, "UDP"), f"{component.name} → DNS"
        for store in component.stores:
            assert allowed(me, OUTSIDE, 5432), f"{component.name} → PostgreSQL ({store})"
    assert allowed(pod("gateway"), OUTSIDE, 443), "the issuers' JWKS"
    assert allowed(pod("webhooks"), OUTSIDE, 443), "the apps' callback URLs"
    for registry in REGISTRIES:
        assert allowed(BACK_OFFICE, pod(registry), default_port(BY_NAME[registry])), registry
    assert allowed(kafka, kafka, 9091), "replication"


def test_nothing_else_is_reachable() -> None:
    port = {c.name: default_port(c) for c in COMPONENTS}
    refused = [
        (pod("streams"), pod("bag"), port["bag"]),
        (pod("webhooks"), pod("brp"), port["brp"]),
        (pod("gateway"), pod("brp"), port["brp"]),
        (pod("schema-registry"), OUTSIDE, 5432),
        (INGRESS_CONTROLLER, pod("bag"), port["bag"]),
        (INGRESS_CONTROLLER, pod("schema-registry"), port["schema-registry"]),
        (INGRESS_CONTROLLER, pod("webhooks"), port["webhooks"]),
        (STRANGER, broker(), 9092),
        (BACK_OFFICE, pod("gateway"), port["gateway"]),
        (BACK_OFFICE, pod("streams"), port["streams"]),
        (OUTSIDE, pod("toestemming"), port["toestemming"]),
        (STRANGER, pod("streams"), port["streams"]),
        (PROMETHEUS, pod("gateway"), port["gateway"]),
        (PROMETHEUS, pod("bag"), port["bag"]),
    ]
    for source, target, number in refused:
        assert not allowed(source, target, number), (source, target, number)


def test_between_components_the_policies_allow_exactly_the_calls_made(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One component may reach another's port if and only if its code calls it (k8s_calls)."""
    made = {(caller, callee) for caller, _, callee in k8s_calls(monkeypatch)}
    for caller in BY_NAME:
        for callee, component in BY_NAME.items():
            if caller != callee:
                may = allowed(pod(caller), pod(callee), default_port(component))
                assert may == ((caller, callee) in made), f"{caller} → {callee}: {may}"


def test_the_readme_of_kubernetes_says_postgresql_is_external() -> None:
    text = (K8S / "README.md").read_text()
    assert "PostgreSQL, external" in text
    for secret in secrets():
        assert secret in text, f"README.md: how to create the Secret {secret}"


def test_the_monitoring_namespace_is_a_marked_assumption() -> None:
    """The namespace Prometheus scrapes from is this example's guess: streams.yaml says so
    where it names it, and README.md lists it among the values to change."""
    (rule,) = named("NetworkPolicy")["bron-streams"]["spec"]["ingress"]
    (peer,) = rule["from"]
    namespace = peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
    assert PROMETHEUS.namespace == namespace
    text = (K8S / "streams.yaml").read_text()
    before = text[: text.index(f"kubernetes.io/metadata.name: {namespace}")]
    comment = before.rsplit("ingress:", 1)[1]
    assert "ASSUMPTION" in comment
    assert "CHANGE" in comment
    assert f"`{namespace}`" in (K8S / "README.md").read_text()
