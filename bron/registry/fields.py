"""Data minimisation: keep only the requested dotted field paths of a document (pure).

`naam.geslachtsnaam` keeps `{"naam": {"geslachtsnaam": ...}}`; a parent path keeps the whole
subtree; through lists the path applies to every element (`kinderen.naam`)."""

from __future__ import annotations

from typing import Any


def project(document: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path in fields:
        node = tree
        parts = path.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if child is True:
                break
            node = node.setdefault(part, {})
        else:
            node[parts[-1]] = True
    projected: dict[str, Any] = _apply(document, tree)
    return projected


def _apply(value: Any, tree: dict[str, Any]) -> Any:
    if isinstance(value, list):
        return [_apply(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, sub in tree.items():
        if key not in value or value[key] is None:
            continue
        out[key] = value[key] if sub is True else _apply(value[key], sub)
    return out
