"""HTML by construction, escaped unless said otherwise (pure).

Every text that goes into a page passes through `el` or `render`, which escape it; only a
`Markup` (what `el` itself returns) is put in as it is. So a name, a doc or a reason read from a
component can never become markup, and no template language is needed for pages this small."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

_ATTRIBUTE = re.compile(r"^[a-z][a-z0-9-]*$")
_TAG = re.compile(r"^[a-z][a-z0-9]*$")
VOID = frozenset({"br", "hr", "img", "input", "link", "meta", "col"})


class Markup(str):
    """Text that is HTML already (made by `el`, `render` or a literal in this package)."""

    __slots__ = ()


Content = Markup | str | int | float | None | Iterable["Content"]
Attribute = str | int | float | bool | None


def escape(text: str) -> Markup:
    return Markup(html.escape(text, quote=True))


def render(content: Content) -> Markup:
    """Content as HTML: a `Markup` as it is, any other text escaped, numbers as text, None as
    nothing, an iterable as its items one after another."""
    if isinstance(content, Markup):
        return content
    if isinstance(content, str):
        return escape(content)
    if content is None or isinstance(content, bool):
        return Markup("")
    if isinstance(content, int | float):
        return Markup(str(content))
    return Markup("".join(render(item) for item in content))


def el(tag: str, *children: Content, **attributes: Attribute) -> Markup:
    """`<tag attributes>children</tag>`. An attribute's name is the keyword with `_` as `-`
    (`class_` is `class`, `data_x` is `data-x`); True writes the bare name, None and False
    leave it out; values are escaped."""
    if not _TAG.match(tag):
        raise ValueError(f"not a tag name: {tag!r}")
    parts = [tag]
    for key, value in attributes.items():
        name = key.rstrip("_").replace("_", "-")
        if not _ATTRIBUTE.match(name):
            raise ValueError(f"not an attribute name: {name!r}")
        if value is None or value is False:
            continue
        parts.append(name if value is True else f'{name}="{escape(str(value))}"')
    opening = f"<{' '.join(parts)}>"
    if tag in VOID:
        return Markup(opening)
    return Markup(f"{opening}{render(children)}</{tag}>")
