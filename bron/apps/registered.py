"""The apps registered in this installation whose guarantee the data stewards keep: their
manifests are listed in `policy/apps.yaml` (paths relative to the project). Every change to a
contract is checked against all of them (`bron apps check --registered`, and `bron schemas
check` for the Avro contracts), so that a change that would break a registered app fails in CI,
naming the app, the operation and the field, before it lands."""

from __future__ import annotations

from pathlib import Path

import yaml

from bron.apps.manifest import ManifestError
from bron.settings import PROJECT_ROOT

REGISTERED_FILE = PROJECT_ROOT / "policy" / "apps.yaml"


def registered_manifests(path: Path = REGISTERED_FILE) -> list[Path]:
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ManifestError(f"cannot read the registered apps {path}: {exc}") from None
    listed = raw.get("manifesten") if isinstance(raw, dict) else None
    if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
        raise ManifestError(f"{path}: `manifesten` is a list of manifest paths",
                            suggestion="list each registered app's bron-app.yaml")  # fmt: skip
    found = [PROJECT_ROOT / p for p in listed]
    missing = [str(p) for p in found if not p.is_file()]
    if missing:
        raise ManifestError(f"{path}: no manifest at {', '.join(missing)}",
                            suggestion="fix the path or remove the entry")  # fmt: skip
    return found
