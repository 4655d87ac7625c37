"""The BRP person domain in one import: commands, `decide` (commands → events or a
`Rejection`), `Persoon` and `evolve` (events → state), and the address port."""

from services.brp.commands import (
    BurgerservicenummerWijzigen,
    Command,
    GeheimhoudingWijzigen,
    Inschrijven,
    NaamWijzigen,
    Overlijden,
    PartnerschapAangaan,
    PartnerschapOntbinden,
    Verhuizen,
)
from services.brp.decide import Event, decide
from services.brp.partnerschap import Aangaan, Ontbinding, Partner, Partnerschap
from services.brp.ports import AddressLookup, KnownAddresses
from services.brp.rejections import Rejection, Rule
from services.brp.state import EventStreamError, Persoon, evolve
from services.brp.values import (
    Geboorte,
    Immigratie,
    Naam,
    Nationaliteit,
    Ouder,
    Overlijdensgegevens,
)
from services.brp.verblijfplaats import Verblijfadres, Verblijfplaats

__all__ = [
    "Aangaan",
    "AddressLookup",
    "BurgerservicenummerWijzigen",
    "Command",
    "Event",
    "EventStreamError",
    "Geboorte",
    "GeheimhoudingWijzigen",
    "Immigratie",
    "Inschrijven",
    "KnownAddresses",
    "Naam",
    "NaamWijzigen",
    "Nationaliteit",
    "Ontbinding",
    "Ouder",
    "Overlijden",
    "Overlijdensgegevens",
    "Partner",
    "Partnerschap",
    "PartnerschapAangaan",
    "PartnerschapOntbinden",
    "Persoon",
    "Rejection",
    "Rule",
    "Verblijfadres",
    "Verblijfplaats",
    "Verhuizen",
    "decide",
    "evolve",
]
