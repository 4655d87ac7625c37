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
    keep = ("identificatie", "oppervlakte", "gebruiksdoelen", "status", "heeftAlsHoofdadres")
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
    if velden.get("wozObject") and woz:
        out["wozObjecten"] = [project(w, list(velden["wozObject"])) for w in woz]
    return out


def digest(document: Document) -> str:
    return hashlib.sha256(fastjson.canonical(document)).hexdigest()[:32]
