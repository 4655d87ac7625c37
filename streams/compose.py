"""A purpose's view of one person (pure): the person as Haal Centraal shows them, their address
and verblijfsobject from the BAG and the WOZ objects they have an interest in, each cut to the
fields the purpose allows (`velden` per entity in the policy). Nothing else leaves the worker.

`leeftijd` changes without an event: the worker's daily sweep renders again the persons whose
birthday it is (`streams.projector.Projector.expire`), so stored views and app topics keep it
right."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from bron import fastjson
from bron.policy import Doel
from bron.registry.fields import project

Document = dict[str, Any]


def adres(nummeraanduiding: Document, straat: str | None, woonplaats: str | None) -> Document:
    """The address fields the policy names (`adres`: postcode, huisnummer, straat, …)."""
    return {k: v for k, v in {
        "identificatie": nummeraanduiding.get("identificatie"),
        "postcode": nummeraanduiding.get("postcode"),
        "huisnummer": nummeraanduiding.get("huisnummer"),
        "huisletter": nummeraanduiding.get("huisletter"),
        "huisnummertoevoeging": nummeraanduiding.get("huisnummertoevoeging"),
        "straat": straat,
        "woonplaats": woonplaats,
    }.items() if v is not None}  # fmt: skip


def verblijfsobject(state: Document) -> Document:
    keep = ("identificatie", "oppervlakte", "gebruiksdoelen", "status", "heeftAlsHoofdadres",
            "maaktDeelUitVan")  # fmt: skip
    return {k: state[k] for k in keep if state.get(k) is not None}


def woz_object(state: Document) -> Document:
    keep = ("wozObjectnummer", "gemeentecode", "verblijfsobjectIdentificaties", "soortObjectcode",
            "grondoppervlakte", "waarden", "belanghebbenden", "bezwaren")  # fmt: skip
    return {k: state[k] for k in keep if state.get(k) is not None}


def view(
    doel: Doel,
    persoon: Document,
    adres_doc: Document | None,
    verblijfsobject_doc: Document | None,
    woz: Sequence[Document],
) -> Document:
    velden = doel.velden
    out: Document = {"persoonId": persoon["persoonId"]}
    if velden.get("persoon"):
        out["persoon"] = project(persoon, list(velden["persoon"]))
    if velden.get("adres") and adres_doc:
        out["adres"] = project(adres_doc, list(velden["adres"]))
    if velden.get("verblijfsobject") and verblijfsobject_doc:
        out["verblijfsobject"] = project(verblijfsobject_doc, list(velden["verblijfsobject"]))
        if velden.get("pand") and verblijfsobject_doc.get("maaktDeelUitVan"):
            # the ids only: the gateway reads the panden from the BAG with the fields asked
            out["verblijfsobject"]["maaktDeelUitVan"] = verblijfsobject_doc["maaktDeelUitVan"]
    if velden.get("wozObject") and woz:
        out["wozObjecten"] = [project(w, list(velden["wozObject"])) for w in woz]
    return out


def digest(document: Document) -> str:
    return hashlib.sha256(fastjson.canonical(document)).hexdigest()[:32]


def changes(old: Document | None, new: Document | None) -> Document | None:
    """What changed in one purpose's view of a person, for subscribers (GraphQL subscriptions,
    webhooks): `soort` nieuw, gewijzigd or verwijderd, and `velden`, the changed paths: a field
    of `persoon` as `persoon.<field>`, the other sections (`adres`, `verblijfsobject`,
    `wozObjecten`) by name. None when nothing a subscriber can see changed."""
    if old is None and new is None:
        return None
    if old is None:
        return {"soort": "nieuw", "velden": sorted(_paths(new or {}))}
    if new is None:
        return {"soort": "verwijderd", "velden": []}
    velden = sorted(p for p in _paths(old) | _paths(new) if _at(old, p) != _at(new, p))
    return {"soort": "gewijzigd", "velden": velden} if velden else None


def _paths(view: Document) -> set[str]:
    found = {f"persoon.{k}" for k in view.get("persoon") or {}}
    if view.get("wozObjecten"):
        found.add("wozObjecten.waarden")  # the values apart: `wozWaardeVastgesteld`
    return found | {k for k in view if k not in ("persoonId", "persoon")}


def _at(view: Document, path: str) -> Any:
    section, _, name = path.partition(".")
    if section == "wozObjecten":
        objects = view.get(section) or []
        return [o.get(name) for o in objects] if name else objects
    return (view.get(section) or {}).get(name) if name else view.get(section)
