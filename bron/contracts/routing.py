"""Which topic each event type goes to, decided by where its `.avsc` file lives.

- `brp/`, `bag/`, `woz/` → that registry's `bron.<registry>.events`;
- `toestemming/app-*` and `toestemming/doel-*` (the register of apps and purposes) →
  `bron.policy.events`; the other `toestemming/` events → `bron.toestemming.events`;
- `platform/verwerking-vastgelegd` → `bron.verwerkingslog`; `platform/dead-letter` →
  `bron.dead-letter`.

A file anywhere else has no topic: `topic_for` raises, so a new contract cannot be added without
deciding where it is published.
"""

from __future__ import annotations

from collections.abc import Sequence

from bron.contracts.schemafiles import SchemaFile, load_schema_files
from bron.topics import DEAD_LETTER, POLICY_EVENTS, REGISTRY_EVENTS, VERWERKINGSLOG, TopicSpec
from bron.types import TopicName

_REGISTRY_TOPICS: dict[str, TopicSpec] = {spec.name.split(".")[1]: spec for spec in REGISTRY_EVENTS}
_OWN_TOPIC_REGISTRIES = ("brp", "bag", "woz")
_POLICY_PREFIXES = ("app-", "doel-")
_PLATFORM_TOPICS: dict[str, TopicSpec] = {
    "verwerking-vastgelegd": VERWERKINGSLOG,
    "dead-letter": DEAD_LETTER,
}


def topic_spec_for(schema_file: SchemaFile) -> TopicSpec:
    """The declared topic the event of `schema_file` is published on."""
    registry, stem = schema_file.registry, schema_file.path.stem
    if registry in _OWN_TOPIC_REGISTRIES:
        return _REGISTRY_TOPICS[registry]
    if registry == "toestemming":
        if stem.startswith(_POLICY_PREFIXES):
            return POLICY_EVENTS
        return _REGISTRY_TOPICS["toestemming"]
    if registry == "platform" and stem in _PLATFORM_TOPICS:
        return _PLATFORM_TOPICS[stem]
    raise ValueError(
        f"{schema_file.path}: no topic for {registry}/{stem}; "
        "add the event to the mapping in bron/contracts/routing.py"
    )


def topic_for(schema_file: SchemaFile) -> TopicName:
    """The name of the topic the event of `schema_file` is published on."""
    return topic_spec_for(schema_file).name


def events_on(topic: str, files: Sequence[SchemaFile] | None = None) -> list[SchemaFile]:
    """The event types published on `topic` (from `schemas/avro/` unless `files` is given)."""
    candidates = load_schema_files() if files is None else files
    return [schema_file for schema_file in candidates if topic_for(schema_file) == topic]
