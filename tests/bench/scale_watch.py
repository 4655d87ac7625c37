"""What a scale run watches while it runs: the memory of its processes, and life on stderr.

Memory: the kernel keeps each process's high-water mark of resident memory (`VmHWM` in
/proc/<pid>/status), the true peak, however short. A sampler thread reads it with the current
`VmRSS` once a second, so the report can show both: the sampled maximum is a check on the
high-water mark (it misses spikes between samples, never shows more). A process is read a last
time just before it is stopped, since its /proc entry goes with it.

Progress: a run of a million persons takes hours; a `Progress` prints a line at most every
30 s, so the run shows life without flooding the terminal. Lines hold counts and rates only,
never a BSN or other personal data."""

from __future__ import annotations

import resource
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType


@dataclass(slots=True)
class Peak:
    """One process's memory, in KiB."""

    process: str
    pid: int
    hwm_kb: int = 0  # VmHWM: the kernel's high-water mark of resident memory, the true peak
    sampled_kb: int = 0  # the largest VmRSS sampled (once a second)
    samples: int = 0
    source: str = "VmHWM"

    def to_json(self) -> dict[str, object]:
        return {"process": self.process, "pid": self.pid, "peak_bytes": self.hwm_kb * 1024,
                "sampled_max_bytes": self.sampled_kb * 1024, "samples": self.samples,
                "source": self.source}  # fmt: skip


def status_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a live process in KiB; empty when it is gone (or a zombie)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    found: dict[str, int] = {}
    for line in text.splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(rest.split()[0])
    return found


def own_peak_kb() -> int:
    """This process's peak resident memory so far (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class MemoryWatch:
    """Samples the watched processes once a second in a thread of its own (a context
    manager); `last` reads a process one final time and stops watching it."""

    def __init__(self, interval: float = 1.0) -> None:
        self.interval = interval
        self._live: dict[str, Peak] = {}
        self._done: list[Peak] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-watch", daemon=True)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def watch(self, process: str, pid: int) -> None:
        with self._lock:
            self._live[process] = Peak(process, pid)
        self._read(self._live[process])

    def last(self, process: str) -> None:
        """Read once more (the process must still run) and keep the figures."""
        with self._lock:
            peak = self._live.pop(process, None)
        if peak is not None:
            self._read(peak)
            with self._lock:
                self._done.append(peak)

    def record(self, peak: Peak) -> None:
        """A figure measured otherwise (this process's own, from getrusage)."""
        with self._lock:
            self._done.append(peak)

    def current_kb(self, process: str) -> int:
        """The last sampled VmRSS of a watched process (0 when unknown), for progress lines."""
        with self._lock:
            peak = self._live.get(process)
        return 0 if peak is None else status_kb(peak.pid).get("VmRSS", 0)

    def peaks(self) -> list[Peak]:
        """Every process's figures: those stopped, then those still running (read now)."""
        with self._lock:
            live = list(self._live.values())
        for peak in live:
            self._read(peak)
        with self._lock:
            return [*self._done, *live]

    def _read(self, peak: Peak) -> None:
        found = status_kb(peak.pid)
        if not found:
            return
        with self._lock:
            peak.hwm_kb = max(peak.hwm_kb, found.get("VmHWM", 0))
            peak.sampled_kb = max(peak.sampled_kb, found.get("VmRSS", 0))
            peak.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                live = list(self._live.values())
            for peak in live:
                self._read(peak)


class Progress:
    """`say` prints at once; `tick` prints the line it is given at most every `every` seconds
    (the line is only built when it is printed); `due` tells a loop when to `say`."""

    def __init__(self, stage: str, every: float = 30.0) -> None:
        self.stage = stage
        self.every = every
        self.started = time.perf_counter()
        self._last = self.started

    def say(self, text: str) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"[{self.stage} {elapsed:7.1f} s] {text}", file=sys.stderr, flush=True)

    def due(self) -> bool:
        """True at most once every `every` seconds: time for a line."""
        now = time.perf_counter()
        if now - self._last < self.every:
            return False
        self._last = now
        return True

    def tick(self, line: Callable[[], str]) -> None:
        if self.due():
            self.say(line())


def mib(kb: int) -> str:
    return f"{kb / 1024:,.0f} MiB"
