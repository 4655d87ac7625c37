"""Which fields of a purpose's view the Avro contracts carry (pure): the lineage of an entity's
field path (`persoon` naam.voorletters, `adres` straat) back to the event fields it is computed
from (brp `naam.voornamen`, bag openbare-ruimte `naam`). The app store's conformance check
tells an app, before it runs, that a field it reads would always be absent: Bron does not
compute it, or a contract change dropped what it is computed from.

A path is carried when, after the aliases below, the longest prefix of it that a contract has
is the path itself or a leaf (a primitive, enum or logical type, or an array or map of those):
the Haal Centraal view adds value shapes below a leaf (`geboorte.datum`, an int date, becomes
`geboorte.datum.datum` and `.langFormaat`; the enum `geslacht` becomes `geslacht.code`). With
`geboorte.datum` gone from the contracts, `geboorte.datum.langFormaat` stops at the record
`geboorte`: not carried. A path with several sources needs all of them.

The aliases follow how the views are built: a person by `bron.views.persoon` from the fold of
the brp events (its top-level fields only; `gezag`, `verblijfstitel`, `adressering`, ... are
not computed, so not carried), `adres`, `verblijfsobject` and `wozObject` by `streams.compose`
from the bag and woz states, a pand read from the BAG registry (the state of the pand events).
The contracts are grouped by event file name (`bag` `nummeraanduiding-*`): all the fields of
the events of one object, as the fold keeps them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bron.contracts.schemafiles import (
    SCHEMAS_DIR,
    iter_fields,
    load_schema_files,
    named_types,
    qualify,
    record_types,
)

Source = tuple[str, str]  # registry and an event file name, or its prefix ending in "-"
Target = tuple[Source, str]  # a source and a dotted path in it ("": the event itself)

BRP: Source = ("brp", "persoon-")
NUMMERAANDUIDING: Source = ("bag", "nummeraanduiding-")
OPENBARE_RUIMTE: Source = ("bag", "openbare-ruimte-")
WOONPLAATS: Source = ("bag", "woonplaats-")
VERBLIJFSOBJECT: Source = ("bag", "verblijfsobject-")
PAND: Source = ("bag", "pand-")
WOZ_OBJECT: Source = ("woz", "woz-object-")
REGISTRIES = ("brp", "bag", "woz")

# The fields `bron.views.persoon.persoon` renders (its top level); anything else is not there.
PERSOON_FIELDS = frozenset({
    "persoonId", "burgerservicenummer", "aNummer", "naam", "geboorte", "geslacht", "leeftijd",
    "nationaliteiten", "verblijfplaats", "gemeenteVanInschrijving", "datumInschrijvingInGemeente",
    "immigratie", "partners", "ouders", "kinderen", "overlijden", "geheimhoudingPersoonsgegevens",
})  # fmt: skip
# What the renderer derives from other fields of the person's record (longest prefix first).
DERIVED: Mapping[str, tuple[str, ...]] = {
    "leeftijd": ("geboorte.datum",),
    "naam.voorletters": ("naam.voornamen",),
    "naam.volledigeNaam": ("naam.voornamen", "naam.voorvoegsel", "naam.geslachtsnaam"),
    "nationaliteiten.type": ("nationaliteiten",),
    "verblijfplaats.datumVan": ("verblijfplaats.datumAanvangAdreshouding",),
    "verblijfplaats.datumIngangGeldigheid": ("verblijfplaats.datumAanvangAdreshouding",),
    "immigratie.indicatieVestigingVanuitBuitenland": ("immigratie",),
}
# Partners, parents and children: their fields ("" the list itself) and where each comes
# from. A partner in the BRP shows their own record's name and birth, one outside it those of
# the partnership event (`partner`); parents and children show their own records'.
RELATED: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "partners": {
        "": ("partner",),
        "burgerservicenummer": ("burgerservicenummer",),
        "naam": ("partner.naam", "naam"),
        "geboorte": ("partner.geboorte", "geboorte"),
        "geslacht": ("geslacht",),
        "soortVerbintenis": ("soortVerbintenis",),
        "aangaanHuwelijkPartnerschap": ("aangaanHuwelijkPartnerschap",),
        "ontbindingHuwelijkPartnerschap": ("ontbindingHuwelijkPartnerschap",),
    },
    "ouders": {
        "": ("ouders",),
        "burgerservicenummer": ("burgerservicenummer",),
        "naam": ("naam",),
        "geboorte": ("geboorte",),
        "geslacht": ("geslacht",),
        "ouderAanduiding": ("ouders.ouderAanduiding",),
    },
    "kinderen": {
        "": ("",),
        "burgerservicenummer": ("burgerservicenummer",),
        "naam": ("naam",),
        "geboorte": ("geboorte",),
    },
}


def _as_is(source: Source, *names: str) -> dict[str, Target]:
    return {"": (source, ""), **{name: (source, name) for name in names}}


# The other entities by their top-level field ("" the entity itself); None: any field, as is.
OBJECTS: Mapping[str, Mapping[str, Target] | None] = {
    "adres": {  # streams.compose.adres
        **_as_is(NUMMERAANDUIDING, "identificatie", "postcode", "huisnummer", "huisletter",
                 "huisnummertoevoeging"),
        "straat": (OPENBARE_RUIMTE, "naam"),
        "woonplaats": (WOONPLAATS, "naam"),
    },
    "verblijfsobject": _as_is(  # streams.compose.verblijfsobject
        VERBLIJFSOBJECT, "identificatie", "oppervlakte", "gebruiksdoelen", "status",
        "heeftAlsHoofdadres", "maaktDeelUitVan",
    ),
    "pand": None,  # read from the BAG registry: the state of the pand events
    "wozObject": {  # streams.compose.woz_object, of the state streams.fold keeps
        **_as_is(WOZ_OBJECT, "wozObjectnummer", "gemeentecode", "verblijfsobjectIdentificaties",
                 "soortObjectcode", "grondoppervlakte"),
        "waarden": (("woz", "waarde-vastgesteld"), ""),
        "belanghebbenden": (("woz", "belanghebbende-gewijzigd"), ""),
        "bezwaren": (("woz", "bezwaar-"), ""),
    },
}  # fmt: skip
ENTITIES = ("persoon", *OBJECTS)


@dataclass(frozen=True, slots=True)
class Lineage:
    """The dotted field paths of the contracts, per event (`bag/pand-gewijzigd`), each with
    whether it is a leaf."""

    fields: Mapping[str, Mapping[str, bool]]

    def carried(self, entity: str, path: str) -> bool:
        """Whether the contracts carry what Bron computes `entity`'s `path` from ("" or "*":
        the entity itself). False for a field Bron does not compute or an unknown entity."""
        targets = _targets(entity, _whole(path))
        return bool(targets) and all(self._carrier(t) is not None for t in targets)

    def source(self, entity: str, path: str) -> str | None:
        """Where Bron computes the path from, for messages: the event field that carries it
        (`brp persoon-*: geboorte.datum` for geboorte.datum.langFormaat), or the one it would
        be computed from when the contracts do not carry it; None when Bron does not compute
        it at all."""
        targets = _targets(entity, _whole(path))
        found = [(source, self._carrier((source, at)) or at) for source, at in targets]
        return " + ".join(_describe(t) for t in found) if found else None

    def _carrier(self, target: Target) -> str | None:
        """The path of the event field that carries the target ("" the events themselves),
        or None."""
        source, path = target
        events = [self.fields[e] for e in self.fields if _of(source, e)]
        if not events:
            return None
        leaves: dict[str, bool] = {}
        for paths in events:
            for name, leaf in paths.items():
                leaves[name] = leaves.get(name, True) and leaf
        parts = path.split(".") if path else []
        for n in range(len(parts), 0, -1):
            prefix = ".".join(parts[:n])
            if prefix in leaves:
                return prefix if n == len(parts) or leaves[prefix] else None
        return "" if not parts else None


def lineage(schemas: Mapping[str, Iterable[Mapping[str, Any]]]) -> Lineage:
    """The lineage of parsed `.avsc` files, by registry (`brp`, `bag`, `woz`; others are not
    read)."""
    fields: dict[str, dict[str, bool]] = {}
    for registry in REGISTRIES:
        for schema in schemas.get(registry, ()):
            event = f"{registry}/{_file_name(schema)}"
            names = named_types(dict(schema))
            paths = fields.setdefault(event, {})
            for ref in iter_fields(dict(schema)):
                leaf = not record_types(ref.type, ref.namespace, names)
                paths[ref.path] = paths.get(ref.path, True) and leaf
    return Lineage(fields)


def current_lineage(root: Path = SCHEMAS_DIR) -> Lineage:
    """The lineage of the contracts in `schemas/avro` (reads the files)."""
    schemas: dict[str, list[dict[str, Any]]] = {}
    for found in load_schema_files(root):
        schemas.setdefault(found.registry, []).append(found.schema)
    return lineage(schemas)


def _targets(entity: str, path: str) -> tuple[Target, ...]:
    if entity == "persoon":
        return tuple((BRP, at) for at in _persoon(path))
    if entity not in OBJECTS:
        return ()
    table = OBJECTS[entity]
    if table is None:
        return ((PAND, path),)
    head, _, rest = path.partition(".")
    if head not in table:
        return ()
    source, at = table[head]
    return ((source, _join(at, rest)),)


def _persoon(path: str) -> tuple[str, ...]:
    """The brp paths a person's path is computed from; () when it is not computed."""
    head, _, rest = path.partition(".")
    if not path:
        return ("",)
    if head not in PERSOON_FIELDS:
        return ()
    related = RELATED.get(head)
    if related is None:
        return _derived(path)
    if rest.partition(".")[0] not in related:
        return ()
    found: list[str] = []
    for own in _derived(rest) if rest else ("",):
        field, _, below = own.partition(".")
        found += [_join(at, below) for at in related.get(field, ())]
    return tuple(found)


def _derived(path: str) -> tuple[str, ...]:
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        targets = DERIVED.get(".".join(parts[:n]))
        if targets is not None:
            rest = ".".join(parts[n:])
            return tuple(_join(t, rest) for t in targets)
    return (path,)


def _whole(path: str) -> str:
    return "" if path == "*" else path


def _join(prefix: str, rest: str) -> str:
    return f"{prefix}.{rest}" if prefix and rest else prefix or rest


def _of(source: Source, event: str) -> bool:
    registry, name = source
    prefix = f"{registry}/{name}"
    return event.startswith(prefix) if name.endswith("-") else event == prefix


def _describe(target: Target) -> str:
    (registry, name), path = target
    events = f"{registry} {name}*" if name.endswith("-") else f"{registry} {name}"
    return f"{events}: {path}" if path else events


def _file_name(schema: Mapping[str, Any]) -> str:
    """`PersoonVerhuisd` → `persoon-verhuisd` (the file name of the event, README)."""
    name = qualify(schema, "")[0].rsplit(".", 1)[-1]
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()
