"""The data stewards' catalog end to end: a real uvicorn server in front of the session Kafka
broker, a real schema registry with every contract (and one subject of two versions), a SQLite
projection store written the way the stream workers write it, a dead letter whose original
message holds a BSN and a name, and an app's own consumer group behind on its topic.

Every page is read with httpx and loaded in headless Debian Chromium (selenium): the key
content is checked through the DOM, a full-page screenshot of each is kept (in a temporary
folder, and for the record in var/catalog-screenshots/) and checked to be a picture: a PNG
that decodes (stdlib zlib), of a reasonable size, with many colours. No page may show the
personal data of the dead letter, an app's contact address, or markup from a name."""

from __future__ import annotations

import base64
import os
import shutil
import struct
import subprocess
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from bron_gateway.testing import write_policy
from confluent_kafka import TopicPartition

from bron.apps.registered import registered_manifests
from bron.contracts.codec import EventCodec
from bron.contracts.registry_client import RegistryClient, compact
from bron.db import database_url
from bron.kafka.admin import ensure_topics
from bron.kafka.clients import make_consumer, make_producer
from bron.policy import App, Policy, load_policy
from bron.settings import PROJECT_ROOT, Settings, load_settings
from bron.testing import free_ports, serving
from services.catalog.app import create_app
from streams.store import ProjectionStore
from tests.integration.registries import contracts_registry

pytestmark = pytest.mark.kafka

BSN = "999993653"  # in the dead letter's original key and value: never on a page
NAME = "Zwartekous"  # the person's name in the original value
CONTACT = "j.jansen@gemeente.example.nl"  # an app's contact: not shown either
HOSTILE = '<script>document.title="pwned"</script> & <b>vet</b>'
REASON = "fold: a change before the creation (persoon-verhuisd)"
SAMPLE = "nl.bron.catalogus.Voorbeeld"
KAPOT = PROJECT_ROOT / "examples" / "kapot" / "bron-app.yaml"
PAGES = ("/", "/topics", "/schemas", f"/schemas/{SAMPLE}", "/doelen", "/apps", "/lag",
         "/dead-letters")  # fmt: skip
SHOTS = PROJECT_ROOT / "var" / "catalog-screenshots"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
WIDTH = 1280  # of the window, in CSS pixels


@dataclass(frozen=True)
class Catalog:
    url: str
    app_id: str  # the app whose topic has a consumer group of its own, behind by 2
    group: str
    dead_letter_group: str


@pytest.fixture(scope="module")
def catalog(bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    tmp = tmp_path_factory.mktemp("catalog")
    suffix = uuid.uuid4().hex[:8]
    # an app id as long as the register allows (63): its topic and group still fit the window
    app_id = (f"catalogus-{suffix}-" + "met-een-lange-naam-" * 4)[:63].rstrip("-")
    group, dead_group = f"{app_id}-app", f"dl-{suffix}"
    with contracts_registry(bootstrap) as registry_url:
        settings = load_settings(data_dir=tmp / "var", kafka_bootstrap=bootstrap,
                                 schema_registry_url=registry_url)  # fmt: skip
        _two_versions(registry_url)
        _register(settings)
        _behind(bootstrap, app_id, group)
        _dead_letter(bootstrap, registry_url, dead_group)
        manifests = [*registered_manifests(), KAPOT]
        with serving(create_app(settings, manifests=lambda: manifests)) as url:
            yield Catalog(url, app_id, group, dead_group)


def _two_versions(registry_url: str) -> None:
    """A subject of two versions, with a level of its own."""
    first = {"type": "record", "name": "Voorbeeld", "namespace": "nl.bron.catalogus",
             "doc": "Een voorbeeld.", "fields": [
                 {"name": "id", "type": "string", "doc": "De sleutel.",
                  "bron.classification": "intern"}]}  # fmt: skip
    second = {**first, "fields": [*first["fields"], {
        "name": "omschrijving", "type": ["null", "string"], "default": None,
        "doc": f"Vrije tekst {HOSTILE}", "bron.classification": "openbaar"}]}  # fmt: skip
    with RegistryClient(registry_url) as client:
        client.register(SAMPLE, compact(first))
        client.register(SAMPLE, compact(second))
        client.set_level("FULL", SAMPLE)


def _register(settings: Settings) -> None:
    """The register as the stream workers keep it, with two apps from manifests: one enabled
    in one municipality, one (with a name that is markup) in none yet."""
    base = load_policy()
    apps = (
        App(id="parkeren-bewoners", naam="Parkeervergunning voor bewoners",
            organisatie="00000001002564440000", overheid=False, doelen=("parkeervergunning",),
            origins=("https://parkeren.example.nl",), versie="1.0.0", contact=CONTACT,
            gemeenten=("0363",)),
        App(id="mijn-wijk", naam=HOSTILE, organisatie="00000003000000000002", overheid=False,
            doelen=("afvalpas",), versie="0.1.0", contact=CONTACT, gemeenten=()),
    )  # fmt: skip
    store = ProjectionStore(database_url(settings, "projections"))
    try:
        write_policy(store, Policy(doelen=base.doelen, apps=(*base.apps, *apps)))
    finally:
        store.close()


def _behind(bootstrap: str, app_id: str, group: str) -> None:
    """Three records on the app's topic (declared as the stream workers declare it), in its
    first partition; the app's consumer group committed after the first."""
    from streams.worker import app_topic_spec

    spec = app_topic_spec(f"bron.app.{app_id}")
    ensure_topics(bootstrap, [spec])
    producer = make_producer(bootstrap)
    for _ in range(3):
        producer.produce(spec.name, key=str(uuid.uuid4()).encode(), value=b"{}", partition=0)
    assert producer.flush(30) == 0
    committed = [TopicPartition(spec.name, p, 1 if p == 0 else 0) for p in range(spec.partitions)]
    consumer = make_consumer(bootstrap, group)
    try:
        consumer.commit(offsets=committed, asynchronous=False)
    finally:
        consumer.close()


def _dead_letter(bootstrap: str, registry_url: str, group: str) -> None:
    """A dead letter as the stream workers write it, of a message full of personal data."""
    now = datetime.now(UTC)
    data: dict[str, Any] = {
        "deadLetterId": str(uuid.uuid4()),
        "topic": "bron.brp.events",
        "partition": 4,
        "offset": 4711,
        "key": BSN.encode(),
        "value": f'{{"burgerservicenummer": "{BSN}", "geslachtsnaam": "{NAME}"}}'.encode(),
        "headers": [{"key": "ce_type", "value": b"nl.brp.persoon-verhuisd.v1"},
                    {"key": "ce_subject", "value": BSN.encode()}],
        "reason": REASON,
        "errorType": "FoldError",
        "attempts": 3,
        "firstFailedAt": now,
        "lastFailedAt": now,
        "consumerGroup": group,
    }  # fmt: skip
    with RegistryClient(registry_url) as client:
        codec = EventCodec(client, "urn:nld:oin:00000001001234567000:systeem:bron-streams")
        record = codec.encode("nl.platform.dead-letter.v1", data, sequence=1)
    producer = make_producer(bootstrap)
    headers: list[tuple[str, str | bytes | None]] = list(record.headers)
    producer.produce(record.topic, key=record.key, value=record.value, headers=headers)
    assert producer.flush(30) == 0


def _get(client: httpx.Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.text[:500])
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src" not in response.headers["content-security-policy"]
    return response.text


def _no_personal_data(text: str) -> None:
    for secret in (BSN, NAME, CONTACT, "<script>", "<b>vet"):
        assert secret not in text


# -- over HTTP -------------------------------------------------------------------------------


def test_every_page_answers_with_its_content(catalog: Catalog) -> None:
    with httpx.Client(base_url=catalog.url, timeout=60) as client:
        pages = {path: _get(client, path) for path in PAGES}
        assert client.get("/health").json() == {"status": "ok"}
        assert client.get("/nergens").status_code == 404
        assert client.get("/schemas/nl.bron.Bestaatniet").status_code == 404
    for text in pages.values():
        _no_personal_data(text)
        assert 'class="unavailable"' not in text
    for href in ("/topics", "/schemas", "/doelen", "/apps", "/lag", "/dead-letters"):
        assert f'href="{href}"' in pages["/"]
    topics = pages["/topics"]
    assert "bron.dead-letter" in topics
    assert "30 dagen" in topics
    assert f"bron.app.{catalog.app_id}" in topics.replace("<wbr>", "")  # long: breakable
    schemas = pages["/schemas"]
    assert "nl.bron.brp.PersoonIngeschreven" in schemas
    assert "BACKWARD" in schemas
    sample = pages[f"/schemas/{SAMPLE}"]
    assert "1, 2" in sample
    assert "FULL" in sample
    assert "omschrijving" in sample
    assert "&lt;script&gt;" in sample
    doelen = pages["/doelen"]
    assert "Participatiewet" in doelen
    assert "parkeren-bewoners" in doelen
    assert "alle gemeenten van zijn doelen" in doelen
    assert "&lt;script&gt;" in doelen
    apps = pages["/apps"]
    assert "✓ conform" in apps
    assert "geen manifest" in apps
    assert "doel-onbekend" in apps
    assert REASON in pages["/dead-letters"]
    assert "nl.brp.persoon-verhuisd.v1" in pages["/dead-letters"]


def test_a_component_that_is_down_costs_its_section_only(tmp_path: Path) -> None:
    kafka, registry = free_ports(2)  # nothing listens there
    settings = load_settings(data_dir=tmp_path / "var", kafka_bootstrap=f"127.0.0.1:{kafka}",
                             schema_registry_url=f"http://127.0.0.1:{registry}")  # fmt: skip
    with serving(create_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as client:
        pages = {path: _get(client, path) for path in PAGES if path != f"/schemas/{SAMPLE}"}
    for path in ("/topics", "/schemas", "/doelen", "/apps", "/lag", "/dead-letters"):
        assert 'class="unavailable"' in pages[path], path
        assert "Niet beschikbaar" in pages[path]
    assert "niet bereikbaar" in pages["/"]  # the components, as bron status sees them
    assert "bron.dead-letter" in pages["/topics"]  # the declared topics stand
    assert "nl.bron.brp.PersoonIngeschreven" in pages["/schemas"]  # from the files
    assert "✓ conform" in pages["/apps"]  # the manifests are files


# -- in a browser ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> None:
    """Debian's Chromium and chromedriver (installed by deploy/chromium/ensure.sh when we are
    root and they are missing)."""
    ensure = PROJECT_ROOT / "deploy" / "chromium" / "ensure.sh"
    done = subprocess.run(["bash", str(ensure)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.fail(f"Chromium is needed for the catalog's browser test:\n{done.stderr}")


@pytest.fixture(scope="module")
def browser(chromium: None) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--hide-scrollbars", f"--window-size={WIDTH},900",
                     "--lang=nl-NL"):  # fmt: skip
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def test_every_page_in_chromium(
    catalog: Catalog, browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from selenium.webdriver.common.by import By

    shots = tmp_path_factory.mktemp("screenshots")

    def load(path: str) -> str:
        browser.get(catalog.url + path)
        assert browser.find_element(By.CSS_SELECTOR, "header .brand").text == "Bron catalogus"
        assert not browser.find_elements(By.TAG_NAME, "script")
        assert not browser.find_elements(By.CSS_SELECTOR, ".unavailable")
        _no_personal_data(browser.page_source)
        name = "index" if path == "/" else path.strip("/").replace("/", "-")
        png = _screenshot(browser)
        (shots / f"{name}.png").write_bytes(png)
        _check_picture(png)
        return str(browser.find_element(By.TAG_NAME, "h1").text)

    def cells(selector: str) -> list[list[str]]:
        rows = browser.find_elements(By.CSS_SELECTOR, f"{selector} tbody tr")
        return [[td.text for td in row.find_elements(By.TAG_NAME, "td")] for row in rows]

    assert load("/") == "Overzicht"
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "ul.pages a")]
    assert [str(h).removeprefix(catalog.url) for h in links] == [
        "/topics", "/schemas", "/doelen", "/apps", "/lag", "/dead-letters"
    ]  # fmt: skip
    components = {row[0]: row[2] for row in cells("#components")}
    assert components["Kafka"].startswith("bereikbaar")
    assert components["schema registry"] == "bereikbaar"

    assert load("/topics") == "Topics"
    topics = {row[0]: row for row in cells("table.topics")}
    assert topics["bron.dead-letter"][1:5] == ["1", "delete", "30 dagen", "ja"]
    assert topics["bron.brp.events"][1] == "6"
    assert topics[f"bron.app.{catalog.app_id}"][1:3] == ["6", "compact"]
    assert topics[f"bron.app.{catalog.app_id}"][5] == "3"

    assert load("/schemas") == "Schema's"
    subjects = {row[0]: row for row in cells("table.subjects")}
    assert subjects["nl.bron.brp.PersoonIngeschreven"][2:4] == ["1", "BACKWARD"]
    assert "bsn" in subjects["nl.bron.brp.PersoonIngeschreven"][5]
    assert subjects[SAMPLE][2:5] == ["1, 2", "FULL", "2"]
    browser.find_element(By.LINK_TEXT, SAMPLE).click()
    assert browser.find_element(By.TAG_NAME, "h1").text == SAMPLE

    assert load(f"/schemas/{SAMPLE}") == SAMPLE
    fields = {row[0]: row for row in cells("table.fields")}
    assert fields["id"][1:3] == ["string", "intern"]
    assert fields["omschrijving"][1:4] == ["null | string", "openbaar", f"Vrije tekst {HOSTILE}"]

    assert load("/doelen") == "Wie ziet wat"
    bijstand = browser.find_element(By.ID, "doel-bijstand")
    assert "Participatiewet, artikelen 7 en 64" in bijstand.text
    assert "0363" in bijstand.text
    assert "burgerservicenummer" in bijstand.text
    apps = {row[0]: row for row in cells("table.apps")}
    assert apps["parkeren-bewoners"][4:8] == ["parkeervergunning", "0363", "1.0.0",
                                              "https://parkeren.example.nl"]  # fmt: skip
    assert apps["mijn-wijk"][1] == HOSTILE  # shown as text, not run as markup
    assert apps["bijstand-loket"][5] == "alle gemeenten van zijn doelen (0363, 0518, 0599)"

    assert load("/apps") == "Apps"

    def status(app_id: str) -> str:
        article = browser.find_element(By.CSS_SELECTOR, f'article[data-app="{app_id}"]')
        return str(article.find_element(By.CSS_SELECTOR, ".conformance").text)

    assert status("parkeren-bewoners").startswith("✓ conform")
    assert status("bijstand-loket") == "geen manifest"
    assert "grondslag" in status("mijn-wijk")
    assert "doel-onbekend" in status("mijn-wijk")
    assert "woz-aanslag" in browser.find_element(By.ID, "app-woz-aanslag").text

    assert load("/lag") == "Achterstand"
    lag = {(row[0], row[2]): row for row in cells("table.lag")}
    behind = lag[(catalog.app_id, catalog.group)]
    assert behind[1] == f"bron.app.{catalog.app_id}"
    assert behind[4] == "2"

    assert load("/dead-letters") == "Dead letters"
    rows = [row for row in cells("table.dead-letters") if row[-1] == catalog.dead_letter_group]
    assert len(rows) == 1
    assert rows[0][1:8] == ["bron.brp.events", "4", "4711", "nl.brp.persoon-verhuisd.v1",
                            "FoldError", REASON, "3"]  # fmt: skip

    if os.access(PROJECT_ROOT, os.W_OK):  # for the record: a person can look at them
        SHOTS.mkdir(parents=True, exist_ok=True)
        for shot in shots.iterdir():
            shutil.copy(shot, SHOTS / shot.name)


def _screenshot(browser: Any) -> bytes:
    """The whole page, not only the window (Chromium's DevTools protocol)."""
    size = browser.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = browser.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True, "optimizeForSpeed": True, "clip": clip,
    })  # fmt: skip
    return base64.b64decode(shot["data"])


# -- reading a PNG with the standard library -------------------------------------------------


def _check_picture(png: bytes) -> None:
    width, height, pixels = png_pixels(png)
    assert width == WIDTH, "the page is wider than the window"
    assert 300 <= height <= 20_000, height
    colours = {row[i : i + pixels.bpp] for row in pixels.rows[::4]
               for i in range(0, len(row), pixels.bpp)}  # fmt: skip
    assert len(colours) > 50, "the page looks blank"
    background = max(colours, key=lambda c: sum(c))
    assert sum(background) > 3 * 240, "the page is not light"


@dataclass(frozen=True)
class Pixels:
    bpp: int
    rows: list[bytes]


def png_pixels(png: bytes) -> tuple[int, int, Pixels]:
    """Width, height and the unfiltered rows of an 8-bit RGB(A) PNG, every chunk's CRC
    checked."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, [], None
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        body = png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert zlib.crc32(kind + body) == crc, f"bad CRC in {kind!r}"
        pos += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    assert header is not None, "no IHDR"
    width, height, depth, colour, _compression, _filter, interlace = header
    assert (depth, interlace) == (8, 0), header
    assert colour in (2, 6), header  # RGB or RGBA
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    raw = zlib.decompress(b"".join(idat))
    assert len(raw) == height * (stride + 1), "truncated image data"
    rows, previous = [], bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        row = _unfilter(raw[start], raw[start + 1 : start + 1 + stride], previous, bpp)
        rows.append(row)
        previous = row
    return width, height, Pixels(bpp, rows)


def _unfilter(kind: int, line: bytes, previous: bytes, bpp: int) -> bytes:
    if kind == 0:
        return line
    if kind == 2:  # Up: bytewise sum without carries, on one big integer (fast)
        n = len(line)
        low, high = int.from_bytes(b"\x7f" * n), int.from_bytes(b"\x80" * n)
        a, b = int.from_bytes(line), int.from_bytes(previous)
        return (((a & low) + (b & low)) ^ ((a ^ b) & high)).to_bytes(n)
    out = bytearray(line)
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        up = previous[i]
        if kind == 1:
            predicted = left
        elif kind == 3:
            predicted = (left + up) // 2
        elif kind == 4:
            corner = previous[i - bpp] if i >= bpp else 0
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            predicted = left if pa <= pb and pa <= pc else up if pb <= pc else corner
        else:
            raise AssertionError(f"unknown PNG filter {kind}")
        out[i] = (out[i] + predicted) & 0xFF
    return bytes(out)
