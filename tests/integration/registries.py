"""Shared set-up for registry tests: a fresh schema registry with every contract registered,
and settings that point a registry at it, the session broker and a given database."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bron.contracts.registry_client import RegistryClient, compact
from bron.contracts.schemafiles import load_schema_files
from bron.http.auth import KeyPair, issue
from bron.kafka.admin import ensure_topics
from bron.settings import Settings, load_settings
from bron.testing import serving
from bron.topics import TOPICS
from services.schema_registry.app import create_app


@contextmanager
def contracts_registry(bootstrap: str) -> Iterator[str]:
    ensure_topics(bootstrap, TOPICS)
    settings = load_settings(
        kafka_bootstrap=bootstrap, schema_registry_topic=f"_schemas-{uuid.uuid4().hex[:8]}"
    )
    app, _ = create_app(settings)
    with serving(app) as url, RegistryClient(url) as client:
        for f in load_schema_files():
            client.register(f.subject, compact(f.schema))
        yield url


def registry_settings(
    tmp_path: Path, bootstrap: str, registry_url: str, **overrides: Any
) -> Settings:
    return load_settings(
        data_dir=tmp_path / "var",
        kafka_bootstrap=bootstrap,
        schema_registry_url=registry_url,
        **overrides,
    )


def operator_header(settings: Settings, registry: str) -> dict[str, str]:
    keys = KeyPair(settings.data_dir / "keys")
    token = issue(keys, subject="test-operator", audience=f"bron:{registry}", roles=["operator"])
    return {"Authorization": f"Bearer {token}"}


def app_header(settings: Settings, registry: str, app_id: str) -> dict[str, str]:
    keys = KeyPair(settings.data_dir / "keys")
    token = issue(keys, subject=f"client-{app_id}", audience=f"bron:{registry}", app_id=app_id)
    return {"Authorization": f"Bearer {token}"}


def citizen_header(settings: Settings, registry: str, persoon_id: str) -> dict[str, str]:
    """A signed-in citizen as the gateway presents one: role `burger`, subject their persoonId."""
    keys = KeyPair(settings.data_dir / "keys")
    token = issue(keys, subject=persoon_id, audience=f"bron:{registry}", roles=["burger"])
    return {"Authorization": f"Bearer {token}"}
