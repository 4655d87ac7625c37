"""An event as a stream worker sees it: where it came from (topic, partition, offset), what it
is (CloudEvents type, per-entity sequence, id) and its data, decoded by the project's codec.
Also which entity it is about: the kind and id every fold, index and store row uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# event type stem (without "nl." and ".vN") → entity kind
_KINDS = {
    "bag.woonplaats": "woonplaats",
    "bag.openbare-ruimte": "openbare_ruimte",
    "bag.nummeraanduiding": "nummeraanduiding",
    "bag.verblijfsobject": "verblijfsobject",
    "bag.pand": "pand",
    "brp.persoon": "persoon",
    "woz": "woz_object",
    "toestemming.toestemming": "toestemming",
    "toestemming.doel": "doel",
    "toestemming.app": "app",
    "platform.verwerking": "verwerking",
}
_ID_FIELD = {
    "persoon": "persoonId",
    "woz_object": "wozObjectnummer",
    "toestemming": "toestemmingId",
    "doel": "doelId",
    "app": "appId",
    "verwerking": "verwerkingId",
}


class UnknownEvent(ValueError):
    """A type no fold knows: dead-lettered, never guessed at."""


@dataclass(frozen=True, slots=True)
class Incoming:
    """`kind` and `entity_id` are worked out once, when the event is made: an unknown type or
    a missing id fails there (and the message is dead-lettered)."""

    topic: str
    partition: int
    offset: int
    event_id: str
    event_type: str
    sequence: int
    data: dict[str, Any]
    kind: str = field(init=False)
    entity_id: str = field(init=False)

    def __post_init__(self) -> None:
        kind = kind_of(self.event_type)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "entity_id", str(self.data[_ID_FIELD.get(kind, "identificatie")]))

    @property
    def verb(self) -> str:
        """`aangemaakt`, `ingeschreven`, `verleend`, …: the last word of the type's stem."""
        return self.event_type.rsplit(".", 1)[0].rsplit("-", 1)[-1]


def kind_of(event_type: str) -> str:
    stem = event_type.removeprefix("nl.").rsplit(".", 1)[0]
    for prefix, kind in _KINDS.items():
        if stem.startswith(prefix + "-") or stem.startswith(prefix + "."):
            return kind
    raise UnknownEvent(f"no projection folds events of type {event_type}")
