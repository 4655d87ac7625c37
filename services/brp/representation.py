"""A person as Haal Centraal BRP bevragen shows one (pure). The rendering itself is the core's
`bron.views.persoon`, shared with the stream processors so that a person reads the same
from the registry and from a projection; this module turns the registry's `Persoon` state
back into the record that its events fold into, and supplies the gemeenten table."""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any

from bron.views import persoon as view
from bron.views.gemeenten import gemeenten as table33
from services.brp.domain import Partnerschap, Persoon


def persoon(
    p: Persoon,
    today: datetime.date,
    related: Mapping[str, Persoon],
    kinderen: Sequence[Persoon] = (),
) -> dict[str, Any]:
    """`related`: the persons in the BRP that `p`'s partners and parents refer to;
    `kinderen`: the persons that name `p` as a parent."""
    return view.persoon(
        record(p),
        today,
        {persoon_id: record(r) for persoon_id, r in related.items()},
        [record(k) for k in kinderen],
        gemeenten(),
    )


def record(p: Persoon) -> dict[str, Any]:
    """The person as the fold of their events: the `PersoonIngeschreven` record kept current,
    with `partnerschappen` and `overlijden` (see `bron.views.persoon`)."""
    return {
        "persoonId": p.persoon_id,
        "reden": p.reden_inschrijving,
        "burgerservicenummer": p.burgerservicenummer,
        "aNummer": p.a_nummer,
        "naam": p.naam.record(),
        "geboorte": p.geboorte.record(),
        "geslacht": p.geslacht,
        "nationaliteiten": [n.record() for n in p.nationaliteiten],
        "ouders": [o.record() for o in p.ouders],
        "verblijfplaats": None if p.verblijfplaats is None else p.verblijfplaats.record(),
        "gemeenteVanInschrijving": p.gemeente_van_inschrijving,
        "datumInschrijvingInGemeente": p.datum_inschrijving_in_gemeente,
        "immigratie": None if p.immigratie is None else p.immigratie.record(),
        "geheimhoudingPersoonsgegevens": p.geheimhouding_persoonsgegevens,
        "partnerschappen": [partnerschap(ps) for ps in p.partnerschappen],
        "overlijden": None if p.overlijden is None else p.overlijden.record(),
    }


def partnerschap(p: Partnerschap) -> dict[str, Any]:
    return {
        "partner": p.partner.record(),
        "soortVerbintenis": p.soort_verbintenis,
        "aangaanHuwelijkPartnerschap": p.aangaan.record(),
        "ontbindingHuwelijkPartnerschap": None if p.ontbinding is None else p.ontbinding.record(),
    }


def gemeenten() -> Mapping[str, str]:
    """LO-GBA table 33, read once (in the core, shared with the stream workers)."""
    return table33()
