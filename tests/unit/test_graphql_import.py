"""The `graphql/` folder holds the gateway but must never shadow graphql-core."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PROBE = "import graphql, strawberry; print(graphql.__file__); print(graphql.version)"


def test_import_graphql_gives_graphql_core() -> None:
    import graphql

    assert "site-packages" in graphql.__file__
    assert graphql.version_info.major == 3
    assert hasattr(graphql, "build_schema")


def test_the_gateway_is_importable_under_its_own_name() -> None:
    import bron_gateway

    assert Path(bron_gateway.__file__).parent == REPO / "graphql" / "bron_gateway"
    assert not (REPO / "graphql" / "__init__.py").exists()


@pytest.mark.parametrize(
    "argv",
    [
        [sys.executable, "-c", PROBE],  # '' (the repo root) first on sys.path
        [sys.executable, "-m", "graphql_probe"],  # -m puts the working directory first too
    ],
)
def test_graphql_core_wins_even_from_the_repository_root(argv: list[str], tmp_path: Path) -> None:
    (tmp_path / "graphql_probe.py").write_text(PROBE)
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    path, version = result.stdout.split()
    assert "site-packages" in path
    assert version.startswith("3.")
