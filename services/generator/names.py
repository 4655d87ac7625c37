"""Names that look Dutch (and those of the larger immigrant groups): persons and streets.

Street names are a bijection of a per-woonplaats counter (stem x suffix, then with a
qualifier such as "Tweede" or "Korte"), so no woonplaats gets the same street twice and the
generator needs no set of used names.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from services.brp.domain import Naam
from services.generator.numbers import coprime_step


@dataclass(frozen=True, slots=True)
class NameSet:
    mannen: tuple[str, ...]
    vrouwen: tuple[str, ...]
    achternamen: tuple[tuple[str | None, str], ...]  # (voorvoegsel, geslachtsnaam)


def _plain(*names: str) -> tuple[tuple[str | None, str], ...]:
    return tuple((None, n) for n in names)


_NL = NameSet(
    mannen=(
        "Jan", "Pieter", "Kees", "Hendrik", "Willem", "Johannes", "Cornelis", "Gerrit", "Dirk",
        "Bas", "Daan", "Sem", "Lucas", "Levi", "Finn", "Noah", "Milan", "Luuk", "Thijs", "Jesse",
        "Ruben", "Thomas", "Tim", "Lars", "Bram", "Jeroen", "Mark", "Sander", "Martijn", "Erik",
        "Joost", "Wouter", "Niels", "Rik", "Stijn", "Koen", "Jasper", "Maarten", "Frank", "Peter",
    ),
    vrouwen=(
        "Anna", "Maria", "Johanna", "Cornelia", "Wilhelmina", "Emma", "Julia", "Mila", "Tess",
        "Sophie", "Zoë", "Sara", "Eva", "Lotte", "Lisa", "Anne", "Fleur", "Sanne", "Iris",
        "Femke", "Linda", "Marieke", "Esther", "Ingrid", "Petra", "Monique", "Marloes", "Nicole",
        "Saskia", "Annelies", "Ellen", "Karin", "Yvonne", "Noor", "Liv", "Nina", "Evi", "Roos",
        "Lieke", "Isa",
    ),
    achternamen=(
        *_plain("Jansen", "Bakker", "Visser", "Smit", "Meijer", "Mulder", "Bos", "Vos", "Peters",
                "Hendriks", "Dekker", "Brouwer", "Dijkstra", "Smits", "Kok", "Jacobs",
                "Vermeulen", "Schouten", "Willems", "Hoekstra", "Maas", "Verhoeven", "Koster",
                "Prins", "Blom", "Huisman", "Peeters", "Kuipers", "Postma", "Kramer", "Bosman",
                "Vink", "Timmermans", "Wolters", "Janssen", "Gerritsen", "Scholten", "Hermans",
                "Molenaar", "Kuiper"),
        ("de", "Vries"), ("van", "Dijk"), ("van den", "Berg"), ("van der", "Meer"),
        ("de", "Jong"), ("de", "Boer"), ("de", "Groot"), ("van", "Leeuwen"), ("de", "Wit"),
        ("de", "Graaf"), ("van der", "Linden"), ("de", "Haan"), ("van den", "Heuvel"),
        ("van der", "Veen"), ("van den", "Broek"), ("de", "Bruijn"), ("van der", "Heijden"),
        ("van", "Beek"), ("van", "Vliet"), ("van de", "Ven"), ("van", "Dam"),
        ("van der", "Wal"), ("de", "Lange"), ("van", "Wijk"), ("van den", "Bosch"),
        ("ter", "Horst"), ("van 't", "Hof"), ("in 't", "Veld"),
    ),
)  # fmt: skip

NAMEN: dict[str, NameSet] = {
    "nl": _NL,
    "tr": NameSet(
        ("Mehmet", "Mustafa", "Ahmet", "Ali", "Hüseyin", "Emre", "Murat", "Burak", "Kerem"),
        ("Ayşe", "Fatma", "Emine", "Zeynep", "Elif", "Hatice", "Merve", "Esra", "Büşra"),
        _plain("Yilmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yildiz", "Öztürk", "Aydin",
               "Arslan", "Doğan", "Koç", "Kurt"),
    ),
    "ma": NameSet(
        ("Mohamed", "Ahmed", "Youssef", "Said", "Mustapha", "Karim", "Rachid", "Bilal", "Hamza"),
        ("Fatima", "Khadija", "Naima", "Malika", "Samira", "Nadia", "Houda", "Loubna", "Salma"),
        _plain("El Idrissi", "Bouzid", "Benali", "El Khatib", "Ait Taleb", "Ouali", "Haddou",
               "Boukhari", "Tahiri", "El Amrani", "Azzouzi", "Chaouch"),
    ),
    "pl": NameSet(
        ("Piotr", "Krzysztof", "Tomasz", "Paweł", "Marcin", "Michał", "Łukasz", "Jakub"),
        ("Anna", "Katarzyna", "Agnieszka", "Małgorzata", "Joanna", "Magdalena", "Ewa", "Monika"),
        _plain("Nowak", "Wójcik", "Kowalczyk", "Woźniak", "Mazur", "Krawczyk", "Zając", "Król",
               "Wieczorek", "Kaczmarek"),
    ),
    "es": NameSet(
        ("Javier", "Carlos", "David", "José", "Miguel", "Alejandro", "Pablo"),
        ("María", "Lucía", "Carmen", "Laura", "Elena", "Marta", "Paula"),
        _plain("García", "Martínez", "López", "Sánchez", "Fernández", "Romero", "Navarro"),
    ),
    "en": NameSet(
        ("James", "Oliver", "Thomas", "Daniel", "Matthew", "George", "Harry"),
        ("Emma", "Sophie", "Charlotte", "Hannah", "Lucy", "Olivia", "Grace"),
        _plain("Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Walker", "Wright"),
    ),
}  # fmt: skip


def voornamen(rng: random.Random, names: NameSet, vrouw: bool) -> str:
    """One to three given names, as the BRP records them: separated by a space."""
    pool = names.vrouwen if vrouw else names.mannen
    count = 1 if (r := rng.random()) < 0.45 else 2 if r < 0.87 else 3
    return " ".join(rng.sample(pool, count))


def naam(rng: random.Random, names: NameSet, vrouw: bool) -> Naam:
    voorvoegsel, geslachtsnaam = rng.choice(names.achternamen)
    return Naam(geslachtsnaam, voornamen(rng, names, vrouw), voorvoegsel)


_STEMS = (
    "Rembrandt", "Vondel", "Jan Steen", "Frans Hals", "Vermeer", "Van Gogh", "Mondriaan",
    "Hobbema", "Ruysdael", "Bredero", "Hooft", "Huygens", "Erasmus", "Spinoza", "Multatuli",
    "Thorbecke", "De Ruyter", "Tromp", "Piet Hein", "Willem Barentsz", "Oranje", "Nassau",
    "Juliana", "Wilhelmina", "Beatrix", "Prins Hendrik", "Burgemeester Visser",
    "Koningin Emma", "Eiken", "Beuken", "Linden", "Kastanje", "Berken", "Essen", "Iepen",
    "Populieren", "Wilgen", "Platanen", "Esdoorn", "Elzen", "Hazelaar", "Meidoorn", "Vlier",
    "Acacia", "Magnolia", "Seringen", "Jasmijn", "Hulst", "Rozen", "Tulpen", "Narcissen",
    "Krokus", "Hyacinten", "Lelie", "Anjer", "Dahlia", "Zonnebloem", "Klaproos", "Korenbloem",
    "Madelief", "Boterbloem", "Lavendel", "Iris", "Violieren", "Goudsbloem", "Akelei", "Merel",
    "Lijster", "Vinken", "Mezen", "Spreeuwen", "Zwaluw", "Kievit", "Reiger", "Ooievaar",
    "Buizerd", "Valken", "Havik", "Uilen", "Specht", "Roodborst", "Koekoek", "Nachtegaal",
    "Leeuwerik", "Grutto", "Wielewaal", "Amstel", "Maas", "Rijn", "Waal", "IJssel", "Lek",
    "Vecht", "Dommel", "Schelde", "Dinkel", "Berkel", "Regge", "Zaan", "Linge", "Merwede",
    "Eem", "Hunze", "Reest", "Bakkers", "Smids", "Molenaars", "Kuipers", "Wevers", "Brouwers",
    "Schippers", "Vissers", "Timmermans", "Kerk", "School", "Molen", "Dorps", "Markt", "Haven",
    "Sluis", "Brug", "Utrechtse", "Haarlemmer", "Leidse", "Amersfoortse", "Zwolse", "Groninger",
    "Friese", "Brabantse", "Zeeuwse", "Gelderse", "Hollandse", "Drentse",
)  # fmt: skip
_SUFFIXES = (
    "straat", "laan", "weg", "plein", "gracht", "kade", "singel", "hof", "dreef", "pad",
    "dijk", "steeg", "park", "erf", "plantsoen",
)  # fmt: skip
_QUALIFIERS = (
    "Eerste", "Tweede", "Derde", "Vierde", "Vijfde", "Korte", "Lange", "Oude", "Nieuwe",
    "Kleine", "Grote", "Hoge", "Lage",
)  # fmt: skip
_ABBREVIATIONS = (
    ("Eerste ", "1e "), ("Tweede ", "2e "), ("Derde ", "3e "), ("Vierde ", "4e "),
    ("Vijfde ", "5e "), ("Burgemeester ", "Burg. "), ("Koningin ", "Kon. "), ("Prins ", "Pr. "),
)  # fmt: skip
_BASE = len(_STEMS) * len(_SUFFIXES)
STREET_NAMES = _BASE * (1 + len(_QUALIFIERS))
VERKORTE_NAAM_MAX = 24


_A = coprime_step(_BASE)


def street_name(k: int, offset: int) -> tuple[str, str | None]:
    """The k-th street of a woonplaats (0-based), scrambled by `offset`: the official name and
    the verkorte naam (None when the name fits in 24 characters)."""
    if not 0 <= k < STREET_NAMES:
        raise ValueError(f"a woonplaats has at most {STREET_NAMES} street names")
    rest, i = divmod(k, _BASE)
    stem, suffix = divmod((_A * i + offset) % _BASE, len(_SUFFIXES))
    naam = _STEMS[stem] + _SUFFIXES[suffix]
    if rest:
        naam = f"{_QUALIFIERS[rest - 1]} {naam}"
    if len(naam) <= VERKORTE_NAAM_MAX:
        return naam, None
    kort = naam
    for long, short in _ABBREVIATIONS:
        kort = kort.replace(long, short)
    return naam, kort[:VERKORTE_NAAM_MAX].rstrip()
