"""`bron demo` against the whole stack as `make up` starts it: `bron up` as a real process on
free ports with a fresh data dir (tests/integration/test_cli.py's `env_for`), the demo played
twice (as text, then as JSON with another household), each step's output checked, a demo whose
household is already there failing with the step and the reason, and the stack stopped by
Ctrl-C, cleanly."""

from __future__ import annotations

import datetime
import json
import re
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from bron.demo.data import scenario
from bron.settings import Settings
from bron.testing import free_ports
from tests.integration.test_cli import BRON, env_for

STARTUP = 300.0  # seconds for `bron up` on a busy machine (Kafka, four registries, ...)
DEMO = 180.0  # seconds for one demo run, of which its own waits are a few
STOP = 90.0
WAIT = 10  # the demo's own timeout per wait (its default), in seconds
SEEDS = (1234, 5678)
HEADINGS = (
    "1. An app without a purpose asks for a person",
    "2. A birth in Amsterdam (0363)",
    "3. A consent granted: the parent lets parkeren use her data",
    "4. A move within Amsterdam",
    "5. A WOZ value set for the new home",
    "6. The consent revoked",
    "7. The citizen's processing log",
)


class Stack:
    """`bron up` in the background; its output collected by a thread."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen([BRON, "up"], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)  # fmt: skip
        self.lines: list[str] = []
        self.up = threading.Event()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if "Bron is up" in line:
                self.up.set()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_up(self) -> None:
        deadline = time.monotonic() + STARTUP
        while not self.up.wait(1):
            assert self.proc.poll() is None, f"bron up exited:\n{self.output}"
            assert time.monotonic() < deadline, f"bron up did not come up:\n{self.output}"

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=STOP)
        self.reader.join(timeout=STOP)  # the output to its end
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        return code


def demo(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`bron demo`."""
    return subprocess.run([BRON, "demo", *args], env=env, capture_output=True, text=True,
                          timeout=DEMO, check=False)  # fmt: skip


def stack_env(tmp_path: Path) -> dict[str, str]:
    """test_cli's environment; a port for each component it does not name yet (the catalog)."""
    env = env_for(tmp_path)
    for name in Settings.model_fields:
        key = f"BRON_{name.upper()}"
        if name.endswith("_port") and key not in env:
            taken = set(env.values())
            env[key] = str(next(p for p in free_ports(4) if str(p) not in taken))
    return env


def section(text: str, heading: str) -> str:
    """One step's lines: from its heading to the next blank line."""
    start = text.index(heading)
    end = text.find("\n\n", start)
    return text[start : end if end >= 0 else len(text)]


def milliseconds(text: str, phrase: str) -> list[float]:
    return [float(ms) for ms in re.findall(re.escape(phrase) + r" after (\d+) ms", text)]


@pytest.mark.timeout(STARTUP + 3 * DEMO + STOP + 60)
def test_the_demo_plays_each_step_on_the_stack_of_bron_up(tmp_path: Path) -> None:
    env = stack_env(tmp_path)
    stack = Stack(env)
    try:
        stack.wait_up()
        text = demo(env, "--seed", str(SEEDS[0]))
        as_json = demo(env, "--seed", str(SEEDS[1]), "--json")
        again = demo(env, "--seed", str(SEEDS[0]))
    finally:
        code = stack.stop()
    assert text.returncode == 0, text.stdout + text.stderr
    check_text(text.stdout, SEEDS[0])
    assert as_json.returncode == 0, as_json.stdout + as_json.stderr
    check_json(json.loads(as_json.stdout), SEEDS[1])
    # the first household is there already: the BAG refuses its home, and the demo says where
    assert again.returncode == 1, again.stdout + again.stderr
    assert "error: step 2 (A birth in Amsterdam (0363)) failed: " in again.stderr
    assert "refused the request: HTTP 422 bestaat-al (identificatie)" in again.stderr
    assert "Traceback" not in again.stderr
    output = stack.output
    assert code == 0, output
    assert "Stopping Bron" in output
    assert " exited; see " not in output
    for component in ("GraphQL gateway", "stream worker", "brp registry", "toestemming registry",
                      "webhook service", "Kafka"):  # fmt: skip
        assert f"{component}: stopped" in output, output
    logs = tmp_path / "var" / "logs"
    for seed in SEEDS:
        household = scenario(seed, datetime.datetime.now().astimezone())
        for log in logs.glob("*.log"):
            content = log.read_text(errors="replace")
            for bsn in (household.ouder.bsn, household.kind.bsn):
                assert bsn not in content, f"a BSN of the demo in {log.name}"


def check_text(out: str, seed: int) -> None:
    s = scenario(seed, datetime.datetime.now().astimezone())
    assert out.startswith("Bron demo against http://127.0.0.1:"), out
    positions = [out.index(h) for h in HEADINGS]
    assert positions == sorted(positions), out

    one = section(out, HEADINGS[0])
    assert "leverancier-demo via GraphQL: refused, PURPOSE_NOT_ALLOWED: " in one
    assert "has no purpose 'bijstand'" in one
    assert "persoon: null" in one

    two = section(out, HEADINGS[1])
    assert f"BRP: Daan Bronsma (BSN {s.kind.bsn}) is born today" in two
    assert 'bijstand-loket via GraphQL persoon(bsn, doel: "bijstand"): the newborn' in two
    assert f"burgerservicenummer: {s.kind.bsn}" in two
    assert f"kinderen.0.burgerservicenummer: {s.kind.bsn}" in two
    assert f"verblijfplaats.verblijfadres.postcode: {s.eerste.postcode}" in two
    assert len(milliseconds(two, "visible to bijstand-loket")) == 2

    three = section(out, HEADINGS[2])
    assert "before the consent: null" in three
    assert "parkeren via subscription inBeeld: in-beeld for doel parkeervergunning" in three
    assert "subscription toestemmingGewijzigd: toestemming-gewijzigd (actief)" in three
    assert "name and address, nothing more" in three
    assert "naam.geslachtsnaam: Bronsma" in three
    assert f"adres.postcode: {s.eerste.postcode}" in three
    assert "burgerservicenummer" not in three.split("name and address", 1)[1]
    assert len(milliseconds(three, "visible to parkeren")) == 3

    four = section(out, HEADINGS[3])
    assert "parkeren via subscription adresGewijzigd: adres-gewijzigd" in four
    assert f"adres.postcode: {s.volgende.postcode}" in four
    assert "adres.straat: Stroomweg" in four

    five = section(out, HEADINGS[4])
    assert 'belastingen via GraphQL wozObject(doel: "belastingen-woz")' in five
    assert f"wozObjectnummer: {s.woz_objectnummer}" in five
    assert f"vastgesteldeWaarde: {s.woz_waarde}" in five
    assert "belanghebbenden.0.soort: eigenaar" in five
    assert len(milliseconds(five, "visible to belastingen")) == 2

    six = section(out, HEADINGS[5])
    assert "parkeren via subscription uitBeeld: uit-beeld" in six
    assert "toestemming-gewijzigd (beeindigd)" in six
    assert "persoon: null" in six
    [gone] = milliseconds(six, "gone for parkeren")
    assert 0 < gone < 2 * WAIT * 1000

    seven = section(out, HEADINGS[6])
    assert "citizen via GraphQL mijnVerwerkingen: " in seven
    for app, doel in [("bijstand-loket", "bijstand"), ("parkeren", "parkeervergunning"),
                      ("belastingen", "belastingen-woz")]:  # fmt: skip
        assert re.search(rf"^\s+\d\d:\d\d:\d\d\S*\s+{app}\s+{doel}\s+\S", seven, re.M), seven
    assert "abonnement bezorgen" in seven
    assert "All 7 steps showed what they should." in out
    every = [float(ms) for ms in re.findall(r" after (\d+) ms\)", out)]
    assert len(every) >= 12
    assert max(every) < 2 * WAIT * 1000  # each wait is WAIT at most; two follow one change


def check_json(report: dict[str, Any], seed: int) -> None:
    s = scenario(seed, datetime.datetime.now().astimezone())
    assert report["ok"] is True
    assert report["seed"] == seed
    assert report["failure"] is None
    steps = report["steps"]
    assert [f"{st['number']}. {st['title']}" for st in steps] == list(HEADINGS)
    for st in steps:
        assert st["did"], st
        assert st["saw"], st
    events = [seen["what"].split(" ")[0] for st in steps for seen in st["saw"]
              if seen["via"].startswith("subscription")]  # fmt: skip
    assert events == ["in-beeld", "toestemming-gewijzigd", "adres-gewijzigd", "uit-beeld",
                      "toestemming-gewijzigd"]  # fmt: skip
    details = {line for st in steps for seen in st["saw"] for line in seen["details"]}
    assert f"adres.postcode: {s.volgende.postcode}" in details
    assert f"burgerservicenummer: {s.kind.bsn}" in details
    timed = [seen["ms"] for st in steps for seen in st["saw"] if seen["ms"] is not None]
    assert all(0 < ms < 2 * WAIT * 1000 for ms in timed), timed
