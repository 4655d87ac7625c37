"""`bron gateway serve` runs the gateway with uvicorn from the BRON_* settings: it answers
/health and a development app token, and stops on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from bron_gateway.testing import record, write_persons, write_policy

from bron.http.auth import KeyPair, issue
from bron.policy import load_policy
from bron.testing import free_ports
from streams.store import ProjectionStore
from tests.integration.registries import contracts_registry

pytestmark = pytest.mark.kafka


@pytest.fixture
def registry_url(bootstrap: str) -> Iterator[str]:
    with contracts_registry(bootstrap) as url:
        yield url


def test_bron_gateway_serve_answers_and_stops_on_sigterm(
    tmp_path: Path, bootstrap: str, registry_url: str
) -> None:
    store_url = f"sqlite:///{tmp_path / 'projections.db'}"
    policy = load_policy()
    store = ProjectionStore(store_url)
    write_policy(store, policy)
    anna = record("999990019", "Jansen", "Anna")
    write_persons(store, policy, [anna], [("parkeren", "parkeervergunning", anna["persoonId"])])
    store.close()
    port = free_ports(1)[0]
    env = {**os.environ, "BRON_DATA_DIR": str(tmp_path / "var"), "BRON_KAFKA_BOOTSTRAP": bootstrap,
           "BRON_SCHEMA_REGISTRY_URL": registry_url, "BRON_PROJECTIONS_DATABASE_URL": store_url,
           "BRON_GATEWAY_PORT": str(port)}  # fmt: skip
    bron = Path(sys.executable).parent / "bron"
    process = subprocess.Popen([str(bron), "gateway", "serve"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "the gateway exited"
            assert time.monotonic() < deadline, "the gateway did not start in time"
            time.sleep(0.2)
        keys = KeyPair(tmp_path / "var" / "keys")
        token = issue(keys, subject="client-parkeren", audience="bron:gateway", app_id="parkeren")
        query = (
            '{ persoon(bsn: "999990019", doel: "parkeervergunning") { naam { geslachtsnaam } } }'
        )
        response = httpx.post(f"{url}/graphql", json={"query": query}, timeout=30,
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert response.json() == {"data": {"persoon": {"naam": {"geslachtsnaam": "Jansen"}}}}
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    # uvicorn shuts down cleanly, then re-raises the signal it caught
    assert process.returncode in (0, -signal.SIGTERM), output.decode()
    assert b"Application shutdown complete" in output
