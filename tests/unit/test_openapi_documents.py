"""Each registry's OpenAPI document is committed, current, and honest about its errors."""

import json
from pathlib import Path

import pytest

from bron.cli.registries import OPENAPI_DIR, SERVED, openapi_document
from bron.settings import load_settings


@pytest.mark.parametrize("name", SERVED)
def test_the_committed_document_is_current(name: str, tmp_path: Path) -> None:
    current = openapi_document(name, load_settings(data_dir=tmp_path))
    committed = OPENAPI_DIR / f"{name}.json"
    assert committed.exists(), "run `bron registry openapi` and commit docs/openapi/"
    assert committed.read_text() == current, "stale: run `bron registry openapi` and commit it"


@pytest.mark.parametrize("name", SERVED)
def test_every_operation_documents_problem_json_errors(name: str) -> None:
    document = json.loads((OPENAPI_DIR / f"{name}.json").read_text())
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status in ("400", "401", "403"):
                content = operation["responses"][status]["content"]
                assert "application/problem+json" in content, (path, method, status)
