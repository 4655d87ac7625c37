"""Where the synthetic persons live and come from: a bounded set of real gemeenten (codes from
LO-GBA tabel 33), the consent purposes of `policy/register.yaml`, and countries of origin.

Woonplaatscodes are synthetic (`9` and the last three digits of the gemeentecode): the real
codes are not in this repository, and a made-up code must not pass for a real one.
Postcode ranges and prices are ballpark figures for the city, enough to look plausible.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.generator.numbers import LETTER_PAIRS


@dataclass(frozen=True, slots=True)
class Gemeente:
    code: str
    naam: str  # also the name of its one woonplaats
    postcodes: range  # the 4-digit part of its postcodes
    weight: int  # share of the households: about the inhabitants in ten thousands
    m2_prijs: int  # WOZ value per m² of woonoppervlakte, peildatum 2025-01-01, in euros

    @property
    def woonplaatscode(self) -> str:
        return f"9{self.code[1:]}"


# The three policy gemeenten (bijstand, belastingen-woz, parkeren, afvalpas) come first and
# weigh most, so the first households live there even in a tiny data set.
GEMEENTEN = (
    Gemeente("0363", "Amsterdam", range(1011, 1110), 93, 7200),
    Gemeente("0599", "Rotterdam", range(3011, 3090), 67, 3900),
    Gemeente("0518", "'s-Gravenhage", range(2491, 2600), 56, 4300),
    Gemeente("0344", "Utrecht", range(3511, 3586), 37, 5200),
    Gemeente("0772", "Eindhoven", range(5611, 5659), 24, 3900),
    Gemeente("0014", "Groningen", range(9711, 9748), 24, 3500),
    Gemeente("0855", "Tilburg", range(5011, 5050), 23, 3300),
    Gemeente("0034", "Almere", range(1311, 1365), 22, 3500),
    Gemeente("0758", "Breda", range(4811, 4840), 19, 3700),
    Gemeente("0268", "Nijmegen", range(6511, 6547), 18, 3800),
    Gemeente("0202", "Arnhem", range(6811, 6847), 17, 3400),
    Gemeente("0392", "Haarlem", range(2011, 2038), 16, 5500),
    Gemeente("0153", "Enschede", range(7511, 7549), 16, 2700),
    Gemeente("0193", "Zwolle", range(8011, 8049), 13, 3400),
    Gemeente("0080", "Leeuwarden", range(8911, 8940), 13, 2800),
    Gemeente("0935", "Maastricht", range(6211, 6230), 12, 3400),
)
TOTAL_WEIGHT = sum(g.weight for g in GEMEENTEN)

# A street takes 5 to 15 postcodes of exactly this many addresses each (100 to 300 addresses).
ADDRESSES_PER_POSTCODE = 20
MIN_POSTCODES_PER_STREET = 5
MAX_POSTCODES_PER_STREET = 15


def address_capacity() -> int:
    """Addresses that fit in the postcode ranges at worst: a 4-digit code's last street may
    leave up to 14 letter pairs unused."""
    usable = len(LETTER_PAIRS) - (MAX_POSTCODES_PER_STREET - 1)
    return sum(len(g.postcodes) for g in GEMEENTEN) * usable * ADDRESSES_PER_POSTCODE


def max_streets(gemeente: Gemeente) -> int:
    return len(gemeente.postcodes) * (len(LETTER_PAIRS) // MIN_POSTCODES_PER_STREET)


@dataclass(frozen=True, slots=True)
class ConsentPurpose:
    """A purpose resting on consent, the app that has it, and the gemeenten it serves."""

    app_id: str
    doel_id: str
    gemeenten: tuple[str, ...]


# Mirrors policy/register.yaml (the generator does no I/O; a unit test keeps the two equal).
CONSENT_PURPOSES = (
    ConsentPurpose("parkeren", "parkeervergunning", ("0363",)),
    ConsentPurpose("afvalpas", "afvalpas", ("0518", "0599")),
)
CONSENTS_BY_GEMEENTE = {
    g.code: tuple(p for p in CONSENT_PURPOSES if g.code in p.gemeenten) for g in GEMEENTEN
}
# About 5% of all adults consent; only residents of a gemeente a purpose serves can.
CONSENT_SHARE = 0.05
_SERVED = sum(g.weight for g in GEMEENTEN if CONSENTS_BY_GEMEENTE[g.code])
CONSENT_RATE = CONSENT_SHARE * TOTAL_WEIGHT / _SERVED


@dataclass(frozen=True, slots=True)
class Herkomst:
    """A country of birth: LO-GBA tabel 34 landcode, cities, tabel 32 nationaliteit, names."""

    land: str
    plaatsen: tuple[str, ...]
    nationaliteit: str
    namen: str  # key into names.NAMEN
    weight: int


# Codes as the RvIG test set uses them (e.g. 7028 with Katowice and nationaliteit 0072).
HERKOMSTEN = (
    Herkomst("6043", ("Istanbul", "Ankara", "Adana", "Kayseri"), "0339", "tr", 20),
    Herkomst("5022", ("Casablanca", "Nador", "Oujda", "Tanger"), "0001", "ma", 20),
    Herkomst("5007", ("Paramaribo", "Nieuw-Nickerie", "Lelydorp"), "0001", "nl", 15),
    Herkomst("7028", ("Katowice", "Gliwice", "Lublin", "Opole"), "0072", "pl", 20),
    Herkomst("5010", ("Antwerpen", "Gent", "Brugge", "Leuven"), "0052", "nl", 10),
    Herkomst("6037", ("Madrid", "Barcelona", "Valencia"), "0077", "es", 8),
    Herkomst("6039", ("Londen", "Manchester", "Leeds"), "0060", "en", 7),
)
IMMIGRANT_SHARE = 0.13  # of the adults
LAND_NEDERLAND = "6030"
NEDERLANDSE = "0001"
