"""Earlier versions of a contract, from git: what CI checks a changed schema against."""

from __future__ import annotations

import subprocess
from pathlib import Path


def committed_versions(path: Path) -> list[str]:
    """The file's text at each commit that changed it, oldest first, consecutive duplicates
    dropped. A renamed file starts a new history: its subject is derived from its name.
    Empty outside a git work tree or for a file git does not know."""
    folder = path.resolve().parent
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top is None:
        return []
    relative = path.resolve().relative_to(Path(top.strip())).as_posix()
    log = _git(folder, "log", "--format=%H", "--", relative) or ""
    versions: list[str] = []
    for commit in reversed(log.split()):
        text = _git(folder, "show", f"{commit}:{relative}")
        if text is not None and (not versions or versions[-1] != text):
            versions.append(text)
    return versions


def _git(cwd: Path, *args: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout if result.returncode == 0 else None
