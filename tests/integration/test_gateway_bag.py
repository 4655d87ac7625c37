"""Data the projections do not hold comes from the source: a person's verblijfsobject's panden
are read by the gateway from the BAG registry's read API (a real server under uvicorn), with
only the fields the query asks and the purpose allows, once per pand per request, and logged
with the person's read."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bron_gateway.bag import BagReads
from bron_gateway.context import Services
from bron_gateway.schema import build_schema
from bron_gateway.verwerkingslog import Pseudonymiser
from structlog.testing import capture_logs

from bron.http.auth import KeyPair
from bron.http.trace import CURRENT, Trace, trace_from
from bron.settings import Settings
from bron.testing import serving
from services.bag.app import create_app
from tests.integration.registries import contracts_registry, operator_header, registry_settings
from tests.integration.test_bag_registry import MUTATIE
from tests.unit.test_gateway_queries import SECRET, Town, codes, make_town


@pytest.fixture(scope="module")
def registry_url(bootstrap: str) -> Iterator[str]:
    with contracts_registry(bootstrap) as url:
        yield url


@pytest.fixture(name="town")
def a_town(tmp_path: Path) -> Iterator[Town]:
    yield from make_town(tmp_path)


@pytest.fixture
def bag(tmp_path: Path, bootstrap: str, registry_url: str) -> Iterator[tuple[str, Settings]]:
    settings = registry_settings(tmp_path / "bag", bootstrap, registry_url)
    app, _runtime = create_app(settings)
    with serving(app) as url:
        yield url, settings


async def run(town: Town, bag: BagReads, app_id: str, query: str) -> Any:
    context = town.context(app_id)
    context.services = Services(town.log, Pseudonymiser(SECRET), "00000001002564440000", 100,
                                bag=bag)  # fmt: skip
    schema = build_schema(max_depth=10, max_aliases=5, max_tokens=5000, introspection=True)
    return await schema.execute(query, context_value=context)


def test_panden_come_from_the_bag_registry_with_the_fields_asked(
    town: Town, bag: tuple[str, Settings]
) -> None:
    url, settings = bag
    keys = KeyPair(settings.data_dir / "keys")
    pand = town.thuis.verblijfsobject[:4] + "10" + town.thuis.verblijfsobject[6:]
    operator = operator_header(settings, "bag")
    body = {**MUTATIE, "identificatie": pand, "oorspronkelijkBouwjaar": 1932,
            "status": "pand_in_gebruik"}  # fmt: skip
    created = httpx.post(f"{url}/panden", json=body, headers=operator, timeout=30)
    assert created.status_code == 201, created.text
    trace = trace_from(None)
    with capture_logs() as logs:
        asyncio.run(_panden(town, BagReads(url, keys, timeout=10), trace))
    # the gateway's trace continues into the BAG registry (W3C trace context)
    reads = [line for line in logs if line.get("event") == "request" and line["method"] == "GET"]
    assert reads
    assert {line["trace_id"] for line in reads} == {trace.trace_id}


async def _panden(town: Town, reads: BagReads, trace: Trace) -> None:
    CURRENT.set(trace)  # as the gateway's endpoint does for each request
    query = f"""{{ a: persoon(bsn: "{town.moeder.bsn}", doel: "belastingen-woz") {{
        verblijfsobject {{ oppervlakte panden {{ oorspronkelijkBouwjaar }} }} }}
        b: persoon(bsn: "{town.vader.bsn}", doel: "belastingen-woz") {{
        verblijfsobject {{ panden {{ oorspronkelijkBouwjaar status }} }} }} }}"""
    result = await run(town, reads, "belastingen", query)
    assert result.errors is None, result.errors
    assert result.data["a"]["verblijfsobject"]["panden"] == [{"oorspronkelijkBouwjaar": 1932}]
    assert result.data["b"]["verblijfsobject"]["panden"] == [
        {"oorspronkelijkBouwjaar": 1932, "status": "pand_in_gebruik"}]  # fmt: skip
    assert reads.calls == 2  # one per pand and set of fields, not per person
    logged = town.logged()
    assert all("pand.oorspronkelijkBouwjaar" in fields for fields in logged.values())
    refused = f"""{{ persoon(bsn: "{town.moeder.bsn}", doel: "bijstand") {{
        verblijfsobject {{ panden {{ oorspronkelijkBouwjaar }} }} }} }}"""
    result = await run(town, reads, "bijstand-loket", refused)
    assert codes(result) == ["FIELD_NOT_ALLOWED"]
    assert reads.calls == 2  # refused before anything was read
    await reads.close()


def test_an_unreachable_bag_registry_is_an_error_naming_it_not_a_silent_gap(
    town: Town, tmp_path: Path
) -> None:
    query = f"""{{ persoon(bsn: "{town.moeder.bsn}", doel: "belastingen-woz") {{
        verblijfsobject {{ oppervlakte panden {{ status }} }} }} }}"""

    async def unreachable() -> Any:
        reads = BagReads("http://127.0.0.1:9", KeyPair(tmp_path / "keys"), timeout=1)
        try:
            return await run(town, reads, "belastingen", query)
        finally:
            await reads.close()

    result = asyncio.run(unreachable())
    assert codes(result) == ["REGISTER_UNAVAILABLE"]
    assert "BAG registry" in result.errors[0].message
