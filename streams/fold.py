"""Events → the current state of an entity, as plain JSON-ready dicts (pure).

Persons keep the shape of the BRP's event records (what `bron.views.persoon` renders), plus
`partnerschappen` and `overlijden`; BAG objects the fields of their last voorkomen; a WOZ object
its values per peildatum, belanghebbenden and bezwaren; a consent its status and end; purposes
and apps the register's fields; a processing-log record (`verwerking`) as it was logged. Dates
stay as the codec decodes them and become ISO strings through `jsonable`, so a state read back
from the store folds on the same way."""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Mapping
from typing import Any

import orjson

from streams.incoming import UnknownEvent
from streams.index import moment

State = dict[str, Any]


class FoldError(ValueError):
    """The events do not fold (e.g. a change before the creation): dead-lettered."""


_BAG_OBJECTS = {"woonplaats": "woonplaats", "openbare_ruimte": "openbare-ruimte",
                "nummeraanduiding": "nummeraanduiding", "verblijfsobject": "verblijfsobject",
                "pand": "pand"}  # fmt: skip
# kind → the stems of the event types its fold knows (`schemas/avro/<registry>/<stem>.avsc`)
STEMS: dict[str, frozenset[str]] = {
    "persoon": frozenset(f"persoon-{verb}" for verb in (
        "ingeschreven", "naam-gewijzigd", "verhuisd", "partnerschap-aangegaan",
        "partnerschap-ontbonden", "overleden", "geheimhouding-gewijzigd",
        "burgerservicenummer-gewijzigd")),
    "woz_object": frozenset(("woz-object-aangemaakt", "woz-object-gewijzigd",
                             "waarde-vastgesteld", "belanghebbende-gewijzigd",
                             "bezwaar-ingediend", "bezwaar-afgehandeld")),
    "toestemming": frozenset(f"toestemming-{verb}"
                             for verb in ("verleend", "ingetrokken", "verlopen")),
    "doel": frozenset(("doel-vastgesteld", "doel-gewijzigd")),
    "app": frozenset(("app-geregistreerd", "app-gewijzigd")),
    "verwerking": frozenset(("verwerking-vastgelegd",)),
    **{kind: frozenset(f"{name}-{verb}" for verb in ("aangemaakt", "gewijzigd", "ingetrokken"))
       for kind, name in _BAG_OBJECTS.items()},
}  # fmt: skip


def fold(kind: str, state: State | None, event_type: str, data: Mapping[str, Any]) -> State:
    """UnknownEvent for a type this kind's fold does not know (never guessed at); FoldError
    for a known one that does not fold onto `state` (a change before the creation)."""
    if _stem(event_type) not in STEMS.get(kind, frozenset()):
        raise UnknownEvent(f"no projection folds {event_type} into a {kind}")
    record: State = jsonable(dict(data))
    if kind == "persoon":
        return _persoon(state, event_type, record)
    if kind == "woz_object":
        return _woz(state, event_type, record)
    if kind == "toestemming":
        return _toestemming(state, event_type, record)
    if kind in ("doel", "app"):
        return record
    if kind == "verwerking":
        return _verwerking(record)
    return _bag(state, event_type, record)


def jsonable(value: Any) -> Any:
    """Dates, datetimes and UUIDs as ISO strings and strings, a `Decimal` as its string: one
    orjson round trip (a profile of the worker had the recursive walk at a tenth of its time),
    with the walk kept for what orjson does not write (an integer past 64 bits, bytes)."""
    try:
        return orjson.loads(orjson.dumps(value, default=_decimal))
    except orjson.JSONEncodeError:
        return _walk(value)


def _decimal(value: Any) -> str:
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def _walk(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _walk(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_walk(v) for v in value]
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _persoon(state: State | None, event_type: str, d: State) -> State:
    stem = _stem(event_type)
    if stem == "persoon-ingeschreven":
        return {**d, "partnerschappen": [], "overlijden": None}
    if state is None:
        raise FoldError(f"{event_type} before the person was ingeschreven")
    new = dict(state)
    if stem == "persoon-naam-gewijzigd":
        new["naam"] = d["naam"]
    elif stem == "persoon-verhuisd":
        new["verblijfplaats"] = d["verblijfplaats"]
        new["gemeenteVanInschrijving"] = d["gemeenteVanInschrijving"]
        if d.get("vorigeGemeenteVanInschrijving") is not None:
            new["datumInschrijvingInGemeente"] = d["verblijfplaats"].get("datumAanvangAdreshouding")
    elif stem == "persoon-partnerschap-aangegaan":
        partnerschap = {k: d.get(k) for k in ("partner", "soortVerbintenis",
                                              "aangaanHuwelijkPartnerschap")}  # fmt: skip
        partnerschap["ontbindingHuwelijkPartnerschap"] = None
        new["partnerschappen"] = [*state["partnerschappen"], partnerschap]
    elif stem == "persoon-partnerschap-ontbonden":
        current = [
            p for p in state["partnerschappen"] if p["ontbindingHuwelijkPartnerschap"] is None
        ]
        if not current:
            raise FoldError(f"{event_type} without a current partnership")
        ended = {
            **current[0],
            "ontbindingHuwelijkPartnerschap": d["ontbindingHuwelijkPartnerschap"],
        }
        new["partnerschappen"] = [ended if p is current[0] else p for p in state["partnerschappen"]]
    elif stem == "persoon-overleden":
        new["overlijden"] = d["overlijden"]
    elif stem == "persoon-geheimhouding-gewijzigd":
        new["geheimhoudingPersoonsgegevens"] = d["geheimhoudingPersoonsgegevens"]
    elif stem == "persoon-burgerservicenummer-gewijzigd":
        new["burgerservicenummer"] = d["nieuwBurgerservicenummer"]
        new["aNummer"] = d.get("nieuwANummer") or state.get("aNummer")
    else:
        raise FoldError(f"{event_type} is not a person event")
    return new


def _bag(state: State | None, event_type: str, d: State) -> State:
    stem = _stem(event_type)
    if stem.endswith("-aangemaakt"):
        return d
    if state is None:
        raise FoldError(f"{event_type} before the object was aangemaakt")
    if stem.endswith("-gewijzigd"):
        return d  # the complete new voorkomen: a field it leaves out (null) is gone
    return {**state, **d}  # ingetrokken: the last voorkomen, with its end


def _woz(state: State | None, event_type: str, d: State) -> State:
    stem = _stem(event_type)
    if stem == "woz-object-aangemaakt":
        return {**d, "waarden": [], "belanghebbenden": [], "bezwaren": []}
    if state is None:
        raise FoldError(f"{event_type} before the WOZ object was aangemaakt")
    new = dict(state)
    if stem == "woz-object-gewijzigd":
        new.update({k: v for k, v in d.items() if k != "wozObjectnummer"})
    elif stem == "waarde-vastgesteld":
        others = [w for w in state["waarden"] if w["waardepeildatum"] != d["waardepeildatum"]]
        waarde = {k: v for k, v in d.items() if k != "wozObjectnummer"}
        new["waarden"] = sorted([*others, waarde], key=lambda w: w["waardepeildatum"])
    elif stem == "belanghebbende-gewijzigd":
        others = [b for b in state["belanghebbenden"]
                  if (b["persoonId"], b["soort"]) != (d["persoonId"], d["soort"])]  # fmt: skip
        entry = {k: v for k, v in d.items() if k != "wozObjectnummer"}
        new["belanghebbenden"] = [*others, entry]
    elif stem == "bezwaar-ingediend":
        entry = {k: v for k, v in d.items() if k != "wozObjectnummer"}
        new["bezwaren"] = [*state["bezwaren"], {**entry, "uitkomst": None}]
    elif stem == "bezwaar-afgehandeld":
        new["bezwaren"] = [{**b, "uitkomst": d["uitkomst"], "datumUitspraak": d["datumUitspraak"],
                            "nieuweWaarde": d.get("nieuweWaarde")}
                           if b["bezwaarnummer"] == d["bezwaarnummer"] else b
                           for b in state["bezwaren"]]  # fmt: skip
    else:
        raise FoldError(f"{event_type} is not a WOZ event")
    return new


def _toestemming(state: State | None, event_type: str, d: State) -> State:
    stem = _stem(event_type)
    if stem == "toestemming-verleend":
        return {**d, "status": "verleend"}
    if state is None:
        # a revocation whose grant was compacted away: remember it, it ends nothing else
        return {**d, "status": stem.removeprefix("toestemming-"), "geldigTot": None}
    if stem in ("toestemming-ingetrokken", "toestemming-verlopen"):
        return {**state, **d, "status": stem.removeprefix("toestemming-")}
    raise FoldError(f"{event_type} is not a consent event")


def _verwerking(d: State) -> State:
    """A processing-log record is never changed: kept as logged, its `tijdstip` in one fixed
    UTC format so that records compare (newest first) as strings."""
    if d.get("tijdstip") is not None:
        d["tijdstip"] = moment(d["tijdstip"])
    return d


def _stem(event_type: str) -> str:
    """`nl.brp.persoon-verhuisd.v1` → `persoon-verhuisd`."""
    return event_type.rsplit(".", 1)[0].split(".", 2)[-1]
