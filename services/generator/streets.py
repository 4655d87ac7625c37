"""Addresses, street by street: the gemeente of the next household and the next free address on
that gemeente's current street.

Gemeenten take turns by weight (a smooth weighted round robin, so the largest come first and
every gemeente appears early); each fills one street at a time. A street is 5 to 15 postcodes
of 20 addresses, numbered from 1 with the odd huisletter (12, 12A); its postcodes share their
digits, so a postcode belongs to one street. Only one open street per gemeente is kept.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from services.generator.names import street_name
from services.generator.numbers import LETTER_PAIRS, bag_id, seeded
from services.generator.places import (
    ADDRESSES_PER_POSTCODE,
    GEMEENTEN,
    MAX_POSTCODES_PER_STREET,
    MIN_POSTCODES_PER_STREET,
    Gemeente,
)

HUISLETTER_SHARE = 0.04


@dataclass(frozen=True, slots=True)
class Straat:
    gemeente: Gemeente
    identificatie: str
    naam: str
    verkorte_naam: str | None
    postcodecijfers: int
    eerste_paar: int
    adressen: int


@dataclass(frozen=True, slots=True)
class Adres:
    straat: Straat
    volgnummer: int  # the gemeente's n-th address; numbers its BAG objects and WOZ-object
    huisnummer: int
    huisletter: str | None
    postcode: str
    nieuwe_woonplaats: bool
    nieuwe_straat: bool


class _Gemeente:
    """One gemeente's cursor: its open street and the next free postcode letters."""

    __slots__ = ("code", "gemeente", "huisletter", "huisnummer", "index", "offset", "paar",
                 "straat", "straten", "volgnummer")  # fmt: skip

    def __init__(self, gemeente: Gemeente, seed: int) -> None:
        self.gemeente = gemeente
        self.offset = seeded(f"straten-{gemeente.code}", seed, 1 << 30)
        self.straten = self.volgnummer = self.code = self.paar = 0
        self.straat: Straat | None = None
        self.index = self.huisnummer = 0
        self.huisletter: str | None = None

    def next(self, rng: random.Random) -> Adres | None:
        """The next address, or None when the gemeente's postcodes are used up."""
        nieuw = self.straat is None or self.index == self.straat.adressen
        if nieuw and not self._new_street(rng):
            return None
        straat = self.straat
        assert straat is not None
        if self.index and self.huisletter != "C" and rng.random() < HUISLETTER_SHARE:
            self.huisletter = "A" if self.huisletter is None else chr(ord(self.huisletter) + 1)
        else:
            self.huisnummer += 1
            self.huisletter = None
        paar = LETTER_PAIRS[straat.eerste_paar + self.index // ADDRESSES_PER_POSTCODE]
        self.index += 1
        self.volgnummer += 1
        return Adres(straat, self.volgnummer, self.huisnummer, self.huisletter,
                     f"{straat.postcodecijfers}{paar}", self.volgnummer == 1, nieuw)  # fmt: skip

    def _new_street(self, rng: random.Random) -> bool:
        postcodes = rng.randint(MIN_POSTCODES_PER_STREET, MAX_POSTCODES_PER_STREET)
        if self.paar + postcodes > len(LETTER_PAIRS):
            self.code, self.paar = self.code + 1, 0
        if self.code >= len(self.gemeente.postcodes):
            return False
        naam, kort = street_name(self.straten, self.offset)
        self.straten += 1
        self.straat = Straat(
            self.gemeente,
            bag_id(self.gemeente.code, "30", self.straten),
            naam,
            kort,
            self.gemeente.postcodes[self.code],
            self.paar,
            postcodes * ADDRESSES_PER_POSTCODE,
        )
        self.paar += postcodes
        self.index = self.huisnummer = 0
        self.huisletter = None
        return True


def _turns() -> tuple[int, ...]:
    """One cycle of the smooth weighted round robin over GEMEENTEN (sum of weights long)."""
    current = [0] * len(GEMEENTEN)
    total = sum(g.weight for g in GEMEENTEN)
    order = []
    for _ in range(total):
        for i, g in enumerate(GEMEENTEN):
            current[i] += g.weight
        best = max(range(len(GEMEENTEN)), key=lambda i: current[i])
        current[best] -= total
        order.append(best)
    return tuple(order)


_TURNS = _turns()


class Addresses:
    """The next household's address; a gemeente whose postcodes are used up is passed over."""

    __slots__ = ("_gemeenten", "_rng", "_turn")

    def __init__(self, rng: random.Random, seed: int) -> None:
        self._rng = rng
        self._gemeenten = [_Gemeente(g, seed) for g in GEMEENTEN]
        self._turn = 0

    def next(self) -> Adres:
        for _ in _TURNS:
            gemeente = self._gemeenten[_TURNS[self._turn % len(_TURNS)]]
            self._turn += 1
            adres = gemeente.next(self._rng)
            if adres is not None:
                return adres
        raise RuntimeError("every gemeente's postcodes are used up")
