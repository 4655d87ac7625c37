"""Earlier versions of a contract come from the real git history."""

import subprocess
from pathlib import Path

from bron.contracts.history import committed_versions


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_committed_versions_are_oldest_first_without_repeats(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.email", "t@example.org")
    git(tmp_path, "config", "user.name", "t")
    schema = tmp_path / "a.avsc"
    for text in ("v1", "v2", "v2"):
        schema.write_text(text)
        (tmp_path / "other").write_text(text + "x")
        git(tmp_path, "add", "-A")
        git(tmp_path, "commit", "-q", "--allow-empty", "-m", text)
    schema.write_text("v3 (not committed)")
    assert committed_versions(schema) == ["v1", "v2"]


def test_outside_git_there_is_no_history(tmp_path: Path) -> None:
    schema = tmp_path / "a.avsc"
    schema.write_text("v1")
    assert committed_versions(schema) == []
