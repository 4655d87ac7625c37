"""Helpers for the gateway's tests: a projection store filled the way the stream workers fill
it (the register as `doel`/`app` entities, persons with their BSN index, views rendered by
`bron.views.persoon` and cut by `streams.compose`), and an in-memory processing log, the
second real adapter of the `ProcessingLog` port."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bron.policy import Policy
from bron.views.persoon import persoon as render
from bron_gateway.errors import ProcessingLogUnavailable
from bron_gateway.verwerkingslog import Record
from streams import compose
from streams.store import Entity, ProjectionStore

TODAY = datetime.date(2026, 11, 28)


def record(bsn: str, geslachtsnaam: str, voornamen: str, gemeente: str = "0363") -> dict[str, Any]:
    """A `PersoonIngeschreven`-shaped record, folded (as `streams.fold` keeps persons)."""
    return {
        "persoonId": str(uuid.uuid4()),
        "reden": "geboorte",
        "burgerservicenummer": bsn,
        "aNummer": None,
        "naam": {"voornamen": voornamen, "adellijkeTitelPredicaat": None, "voorvoegsel": "van",
                 "geslachtsnaam": geslachtsnaam},
        "geboorte": {"datum": "1980-05-17", "plaats": gemeente, "land": "6030"},
        "geslacht": "vrouw",
        "nationaliteiten": [{"nationaliteit": "0001", "redenOpname": "001",
                             "datumIngangGeldigheid": "1980-05-17"}],
        "ouders": [],
        "verblijfplaats": {
            "type": "adres", "functieAdres": "woonadres",
            "nummeraanduidingIdentificatie": f"{gemeente}200000000001",
            "adresseerbaarObjectIdentificatie": f"{gemeente}010000000001",
            "verblijfadres": {"officieleStraatnaam": "Dorpsstraat", "korteStraatnaam": "Dorpsstr",
                              "huisnummer": 12, "huisletter": "a", "huisnummertoevoeging": None,
                              "aanduidingBijHuisnummer": None, "postcode": "1011AB",
                              "woonplaats": "Amsterdam", "locatiebeschrijving": None},
            "datumAanvangAdreshouding": "2001-01-01",
        },
        "gemeenteVanInschrijving": gemeente,
        "datumInschrijvingInGemeente": "2001-01-01",
        "immigratie": None,
        "geheimhoudingPersoonsgegevens": 0,
        "partnerschappen": [],
        "overlijden": None,
    }  # fmt: skip


ADRES = {"identificatie": "0363200000000001", "postcode": "1011AB", "huisnummer": 12,
         "huisletter": "a", "straat": "Dorpsstraat", "woonplaats": "Amsterdam"}  # fmt: skip


def write_policy(store: ProjectionStore, policy: Policy, seq: int = 1) -> None:
    """The register as the stream workers keep it after the policy events."""
    entities = [
        Entity("doel", d.id, seq, {
            "doelId": d.id, "naam": d.naam, "omschrijving": d.omschrijving,
            "grondslag": d.grondslag.value, "wettelijkeBasis": d.wettelijkeBasis,
            "gemeenten": list(d.gemeenten), "velden": {k: list(v) for k, v in d.velden.items()},
        })
        for d in policy.doelen
    ] + [
        Entity("app", a.id, seq, {
            "appId": a.id, "naam": a.naam, "omschrijving": None, "organisatie": a.organisatie,
            "overheid": a.overheid, "doelen": list(a.doelen), "origins": list(a.origins),
            "versie": a.versie, "contact": a.contact,
            "gemeenten": None if a.gemeenten is None else list(a.gemeenten),
            "operaties": list(a.operaties),
        })
        for a in policy.apps
    ]  # fmt: skip
    with store.transaction() as tx:
        tx.put_many(entities)


def write_persons(
    store: ProjectionStore,
    policy: Policy,
    persons: Sequence[dict[str, Any]],
    in_scope: Sequence[tuple[str, str, str]],
) -> None:
    """Store the persons (with their BSN index) and, for each (app, doel, persoonId) in scope,
    the view that purpose allows."""
    by_id = {p["persoonId"]: p for p in persons}
    views = []
    for app_id, doel_id, persoon_id in in_scope:
        document = render(by_id[persoon_id], TODAY, {})
        doel = policy.doel_by_id[doel_id]
        view = compose.view(doel, document, dict(ADRES), None, [])
        views.append((app_id, doel_id, persoon_id, compose.digest(view), view))
    with store.transaction() as tx:
        tx.put_many([
            Entity("persoon", p["persoonId"], 1, p,
                   frozenset({("bsn", p["burgerservicenummer"])}))
            for p in persons
        ])  # fmt: skip
        tx.put_views(views)


@dataclass
class MemoryLog:
    """Keeps the records; `available=False` makes every write fail, as a broker that does not
    acknowledge would."""

    available: bool = True
    records: list[Record] = field(default_factory=list)

    async def write(self, records: Sequence[Record]) -> None:
        if not self.available:
            raise ProcessingLogUnavailable("the log is switched off")
        self.records += records

    def close(self) -> None:
        pass
