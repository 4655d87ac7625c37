"""Who lives at an address: a household of one or two adults and their children, with dates
that fit together.

The mix (of households): singles 35%, couples 30%, couples with 1-3 children 25%, single
parents with 1-2 children 10%. Children are drawn first, then the parents' ages at the oldest
child's birth, so every parent is 20 to 45 years older than each child and a couple's
partnership begins before their first child. Nothing here happens after `today`: the
registries refuse dates in the future.
"""

from __future__ import annotations

import datetime
import itertools
import random
from dataclasses import dataclass
from typing import Literal

from services.brp.domain import Naam
from services.generator.names import NAMEN, naam, voornamen
from services.generator.places import (
    GEMEENTEN,
    HERKOMSTEN,
    IMMIGRANT_SHARE,
    NEDERLANDSE,
    Gemeente,
    Herkomst,
)

Soort = Literal["alleenstaand", "paar", "gezin", "eenoudergezin"]
Geslacht = Literal["man", "vrouw"]
Verbintenis = Literal["huwelijk", "geregistreerd_partnerschap"]
GEHEIMHOUDING_SHARE = 0.01
_HERKOMST_WEIGHTS = tuple(h.weight for h in HERKOMSTEN)
_GEMEENTE_WEIGHTS = tuple(g.weight for g in GEMEENTEN)


def years(n: float) -> int:
    """Days in n years, on average."""
    return round(n * 365.2425)


# (youngest age, oldest age, weight) of adults living alone and of couples without children.
Bands = tuple[tuple[int, int, int], ...]
_ALONE: Bands = ((18, 30, 25), (30, 50, 22), (50, 70, 25), (70, 95, 28))
_COUPLE: Bands = ((20, 35, 20), (35, 55, 22), (55, 75, 38), (75, 92, 20))
_CUMULATIVE: dict[Bands, tuple[int, ...]] = {
    b: tuple(itertools.accumulate(w for *_, w in b)) for b in (_ALONE, _COUPLE)
}


@dataclass(frozen=True, slots=True)
class Lid:
    naam: Naam
    geslacht: Geslacht
    geboren: datetime.date
    geboorteplaats: str  # a gemeentecode, or a city abroad
    herkomst: Herkomst | None  # None: born in the Netherlands
    vestiging: datetime.date | None  # an immigrant's datum vestiging in Nederland
    nationaliteiten: tuple[str, ...]
    geheimhouding: int


@dataclass(frozen=True, slots=True)
class Huishouden:
    soort: Soort
    volwassenen: tuple[Lid, ...]  # the first is ouder1 of the children
    kinderen: tuple[Lid, ...]
    verbintenis: Verbintenis | None
    aangaan: datetime.date | None
    inwoning: datetime.date  # the day the adults moved in

    @property
    def size(self) -> int:
        return len(self.volwassenen) + len(self.kinderen)


def _shape(rng: random.Random, room: int) -> tuple[Soort, int, int]:
    """(soort, adults, children); at the end of the data set, one that fits exactly."""
    r = rng.random()
    if r < 0.35:
        shape: tuple[Soort, int, int] = ("alleenstaand", 1, 0)
    elif r < 0.65:
        shape = ("paar", 2, 0)
    elif r < 0.90:
        k = rng.random()
        shape = ("gezin", 2, 1 if k < 0.40 else 2 if k < 0.82 else 3)
    else:
        shape = ("eenoudergezin", 1, 1 if rng.random() < 0.6 else 2)
    if shape[1] + shape[2] <= room:
        return shape
    return (("alleenstaand", 1, 0), ("paar", 2, 0), ("gezin", 2, 1), ("gezin", 2, 2))[room - 1]


def _age(rng: random.Random, bands: Bands) -> int:
    """An age in days, at least 2 days past the band's lower birthday."""
    lo, hi, _ = rng.choices(bands, cum_weights=_CUMULATIVE[bands])[0]
    return rng.randrange(years(lo) + 2, years(hi))


class Households:
    """Draws households; `today` bounds every date."""

    __slots__ = ("_rng", "_today")

    def __init__(self, rng: random.Random, today: datetime.date) -> None:
        self._rng = rng
        self._today = today.toordinal()

    def next(self, gemeente: Gemeente, room: int) -> Huishouden:
        """A household of at most `room` persons (at least 1) for an address in `gemeente`."""
        rng, t = self._rng, self._today
        soort, adults, children = _shape(rng, room)
        kids: list[int] = []  # ages in days, youngest first
        aangaan: int | None = None
        if children:
            kids.append(rng.randrange(0, years(16)))
            for _ in range(children - 1):
                kids.append(kids[-1] + rng.randrange(years(1), years(4)))
            # Ages at the oldest child's birth; the youngest is at most 8 years younger, so a
            # parent is 20-44 years older than each child.
            first = rng.randrange(years(22), years(36))
            at_birth = [first]
            if adults == 2:
                other = first + rng.randrange(-years(5), years(5))
                at_birth.append(min(max(other, years(20) + 2), years(36)))
                before = rng.randrange(60, min(years(8), min(at_birth) - years(18)))
                aangaan = t - kids[-1] - before
            ages = [kids[-1] + a for a in at_birth]
        elif adults == 2:
            first = _age(rng, _COUPLE)
            other = first + rng.randrange(-years(7), years(7))
            ages = [first, min(max(other, years(20) + 2), years(95))]
            aangaan = t - rng.randrange(30, min(min(ages) - years(19), years(60)))
        else:
            ages = [_age(rng, _ALONE)]
        since_adult = min(ages) - years(18)
        inwoning = t - rng.randrange(0, max(1, min(since_adult, years(30))))
        ouder = self._adults(gemeente, soort, ages, inwoning, aangaan, kids)
        children_of = self._children(gemeente, ouder, kids, inwoning)
        verbintenis: Verbintenis | None = None
        if aangaan is not None:
            verbintenis = "huwelijk" if rng.random() < 0.75 else "geregistreerd_partnerschap"
        return Huishouden(
            soort,
            ouder,
            children_of,
            verbintenis,
            None if aangaan is None else datetime.date.fromordinal(aangaan),
            datetime.date.fromordinal(inwoning),
        )

    def _adults(
        self,
        gemeente: Gemeente,
        soort: Soort,
        ages: list[int],
        inwoning: int,
        aangaan: int | None,
        kids: list[int],
    ) -> tuple[Lid, ...]:
        rng, t = self._rng, self._today
        # An immigrant settled at 16 or later, before moving in, marrying, or the first child.
        settled_by = min([inwoning, *([aangaan] if aangaan else []),
                          *([t - kids[-1]] if kids else [])])  # fmt: skip
        # The first adult is ouder1: mostly the mother where there are children.
        eerste = rng.random() < {"gezin": 0.9, "eenoudergezin": 0.82}.get(soort, 0.5)
        same_sex = rng.random() < 0.03
        members = []
        herkomst: Herkomst | None = None
        for i, age in enumerate(ages):
            vrouw = eerste if i == 0 else (eerste if same_sex else not eerste)
            if i == 0 or rng.random() < 0.4:
                herkomst = None
                if rng.random() < IMMIGRANT_SHARE:
                    herkomst = rng.choices(HERKOMSTEN, weights=_HERKOMST_WEIGHTS)[0]
            born = t - age
            vestiging = None
            if herkomst is not None:
                vestiging = datetime.date.fromordinal(
                    rng.randrange(born + years(16), settled_by + 1)
                )
            members.append(
                self._lid(gemeente, herkomst, vrouw, born, vestiging, None, inwoning, False)
            )
        return tuple(members)

    def _children(
        self, gemeente: Gemeente, ouders: tuple[Lid, ...], kids: list[int], inwoning: int
    ) -> tuple[Lid, ...]:
        if not kids:
            return ()
        # The children carry the father's name where there is one; all are born here.
        drager = next((o for o in ouders if o.geslacht == "man"), ouders[0])
        names = NAMEN[drager.herkomst.namen if drager.herkomst else "nl"]
        dutch = any(NEDERLANDSE in o.nationaliteiten for o in ouders)
        nationaliteit = NEDERLANDSE if dutch else ouders[0].nationaliteiten[0]
        out = []
        for age in reversed(kids):
            vrouw = self._rng.random() < 0.5
            naam = Naam(drager.naam.geslachtsnaam, voornamen(self._rng, names, vrouw),
                        drager.naam.voorvoegsel)  # fmt: skip
            born = self._today - age
            out.append(self._lid(gemeente, None, vrouw, born, None, naam, inwoning, True,
                                 (nationaliteit,)))  # fmt: skip
        return tuple(out)

    def _lid(
        self,
        gemeente: Gemeente,
        herkomst: Herkomst | None,
        vrouw: bool,
        born: int,
        vestiging: datetime.date | None,
        given: Naam | None,
        inwoning: int,
        child: bool,
        nationaliteiten: tuple[str, ...] = (NEDERLANDSE,),
    ) -> Lid:
        rng = self._rng
        if herkomst is not None:
            plaats = rng.choice(herkomst.plaatsen)
            nationaliteiten = (herkomst.nationaliteit,)
            if herkomst.nationaliteit != NEDERLANDSE and rng.random() < 0.3:
                nationaliteiten = (NEDERLANDSE, herkomst.nationaliteit)
        elif (child and born >= inwoning) or rng.random() < 0.4:
            plaats = gemeente.code
        else:
            plaats = rng.choices(GEMEENTEN, weights=_GEMEENTE_WEIGHTS)[0].code
        if given is None:
            given = naam(rng, NAMEN[herkomst.namen if herkomst else "nl"], vrouw)
        geheim = rng.randint(1, 7) if rng.random() < GEHEIMHOUDING_SHARE else 0
        return Lid(given, "vrouw" if vrouw else "man", datetime.date.fromordinal(born), plaats,
                   herkomst, vestiging, nationaliteiten, geheim)  # fmt: skip
