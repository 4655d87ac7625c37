"""The demo's fictitious household (pure): a parent and a newborn in Amsterdam, their first
and their next address, and the WOZ object of the next one, with the bodies of the registries'
change requests.

Everything is drawn from one seed, new for each run, so a second run on the same stack meets
nothing of the first: BSNs pass the 11-proef but start with 1-8 (the RvIG test persons are in
the 9-range), the BAG ids are numbered from 9,900,000,000 (above the generator's and the real
Amsterdam numbers) and the WOZ-objectnummers from 90,000,000. Only the woonplaats and the two
streets are the same in every run (created once; "already there" is fine)."""

from __future__ import annotations

import datetime
import random
import uuid
from dataclasses import dataclass
from typing import Any

GEMEENTE = "0363"
WOONPLAATS = ("9363", "Amsterdam")  # the generator's synthetic woonplaatscode for Amsterdam
STRATEN = {"Bronstraat": "0363309900000001", "Stroomweg": "0363309900000002"}
LAND_NEDERLAND = "6030"
NEDERLANDSE = "0001"
BAG_NUMBERS = 9_900_000_000  # the BAG ids' 10-digit numbers start here
RUNS = 40_000_000  # seeds below this keep the numbers at 10 digits
WOZ_NUMBERS = 90_000_000
LETTERS = tuple(
    a + b
    for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    if a + b not in ("SA", "SD", "SS")  # never issued (PostNL)
)
_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def bsn(rng: random.Random) -> str:
    """A BSN that passes the 11-proef, outside the RvIG test set's 9-range."""
    while True:
        prefix = str(rng.randrange(10_000_000, 90_000_000))
        check = sum(int(d) * w for d, w in zip(prefix, _BSN_WEIGHTS, strict=False)) % 11
        if check != 10:
            return f"{prefix}{check}"


def bag_id(typecode: str, number: int) -> str:
    """16 digits: the gemeente, the objecttype (01, 10, 20, 30), a 10-digit number."""
    return f"{GEMEENTE}{typecode}{number:010d}"


@dataclass(frozen=True, slots=True)
class Adres:
    straat: str
    huisnummer: int
    postcode: str
    nummeraanduiding: str
    verblijfsobject: str
    pand: str

    @property
    def openbare_ruimte(self) -> str:
        return STRATEN[self.straat]

    @property
    def regel(self) -> str:
        return f"{self.straat} {self.huisnummer}, {self.postcode} {WOONPLAATS[1]}"


@dataclass(frozen=True, slots=True)
class Persoon:
    persoon_id: str
    bsn: str
    voornamen: str
    geslachtsnaam: str
    geboortedatum: datetime.date
    geslacht: str

    @property
    def naam(self) -> str:
        return f"{self.voornamen} {self.geslachtsnaam}"


@dataclass(frozen=True, slots=True)
class Scenario:
    seed: int
    today: datetime.date
    now: datetime.datetime
    ouder: Persoon
    kind: Persoon
    eerste: Adres  # where the child is born
    volgende: Adres  # where they move to
    woz_objectnummer: str
    woz_waarde: int
    toestemming_id: str


def _adres(rng: random.Random, straat: str, number: int) -> Adres:
    postcode = f"{rng.randrange(1011, 1110)}{rng.choice(LETTERS)}"
    return Adres(straat, rng.randrange(1, 300), postcode, bag_id("20", number),
                 bag_id("01", number), bag_id("10", number))  # fmt: skip


def scenario(seed: int, now: datetime.datetime) -> Scenario:
    """The household of run `seed` (0 <= seed < RUNS); `now` is an aware moment."""
    if not 0 <= seed < RUNS:
        raise ValueError(f"seed {seed} is not in 0..{RUNS - 1}")
    rng = random.Random(seed)  # noqa: S311 - fictitious test data, not secrets
    today = now.date()
    ouder_bsn = bsn(rng)
    kind_bsn = bsn(rng)
    while kind_bsn == ouder_bsn:
        kind_bsn = bsn(rng)
    ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(3)]
    ouder = Persoon(ids[0], ouder_bsn, "Noor", "Bronsma", datetime.date(1994, 5, 17), "vrouw")
    kind = Persoon(ids[1], kind_bsn, "Daan", "Bronsma", today, "man")
    number = BAG_NUMBERS + 2 * seed
    return Scenario(
        seed=seed,
        today=today,
        now=now,
        ouder=ouder,
        kind=kind,
        eerste=_adres(rng, "Bronstraat", number),
        volgende=_adres(rng, "Stroomweg", number + 1),
        woz_objectnummer=f"{GEMEENTE}{WOZ_NUMBERS + seed % 10_000_000:08d}",
        woz_waarde=rng.randrange(300, 900) * 1000,
        toestemming_id=ids[2],
    )


# -- the registries' change requests ---------------------------------------------------------

Call = tuple[str, str, dict[str, Any]]  # registry, path, body


def _mutatie(s: Scenario, datum: datetime.date) -> dict[str, Any]:
    return {"documentdatum": datum.isoformat(), "documentnummer": f"bron-demo-{s.seed}",
            "tijdstipRegistratie": s.now.isoformat()}  # fmt: skip


def straten(s: Scenario) -> list[Call]:
    """The woonplaats and the two streets: the same in every run."""
    mutatie = _mutatie(s, datetime.date(2009, 7, 1))
    woonplaats, naam = WOONPLAATS
    calls: list[Call] = [("bag", "/woonplaatsen", {**mutatie, "identificatie": woonplaats,
                          "naam": naam, "status": "woonplaats_aangewezen"})]  # fmt: skip
    for straat, identificatie in STRATEN.items():
        calls.append(("bag", "/openbareruimten", {**mutatie, "identificatie": identificatie,
                      "naam": straat, "type": "weg", "status": "naamgeving_uitgegeven",
                      "ligtIn": woonplaats, "gemeentecode": GEMEENTE}))  # fmt: skip
    return calls


def woning(s: Scenario, a: Adres) -> list[Call]:
    """The pand, nummeraanduiding and verblijfsobject of an address of this run."""
    mutatie = {**_mutatie(s, datetime.date(1998, 7, 1)), "gemeentecode": GEMEENTE}
    return [
        ("bag", "/panden", {**mutatie, "identificatie": a.pand, "oorspronkelijkBouwjaar": 1998,
         "status": "pand_in_gebruik"}),
        ("bag", "/nummeraanduidingen", {**mutatie, "identificatie": a.nummeraanduiding,
         "huisnummer": a.huisnummer, "postcode": a.postcode,
         "typeAdresseerbaarObject": "verblijfsobject", "status": "naamgeving_uitgegeven",
         "ligtAan": a.openbare_ruimte, "ligtIn": WOONPLAATS[0]}),
        ("bag", "/verblijfsobjecten", {**mutatie, "identificatie": a.verblijfsobject,
         "heeftAlsHoofdadres": a.nummeraanduiding, "gebruiksdoelen": ["woonfunctie"],
         "oppervlakte": 85, "status": "verblijfsobject_in_gebruik",
         "maaktDeelUitVan": [a.pand]}),
    ]  # fmt: skip


def verblijfplaats(a: Adres, sinds: datetime.date) -> dict[str, Any]:
    return {
        "verblijfadres": {"officieleStraatnaam": a.straat, "korteStraatnaam": a.straat,
                          "huisnummer": a.huisnummer, "postcode": a.postcode,
                          "woonplaats": WOONPLAATS[1]},
        "datumAanvangAdreshouding": sinds.isoformat(),
        "nummeraanduidingIdentificatie": a.nummeraanduiding,
        "adresseerbaarObjectIdentificatie": a.verblijfsobject,
    }  # fmt: skip


def inschrijving(
    p: Persoon, a: Adres, sinds: datetime.date, ouder: Persoon | None = None
) -> dict[str, Any]:
    """A registration by birth in Amsterdam (the parent too, long ago), at address `a`."""
    body: dict[str, Any] = {
        "reden": "geboorte",
        "persoonId": p.persoon_id,
        "burgerservicenummer": p.bsn,
        "naam": {"voornamen": p.voornamen, "geslachtsnaam": p.geslachtsnaam},
        "geboorte": {"datum": p.geboortedatum.isoformat(), "plaats": GEMEENTE,
                     "land": LAND_NEDERLAND},
        "geslacht": p.geslacht,
        "gemeenteVanInschrijving": GEMEENTE,
        "datumInschrijvingInGemeente": p.geboortedatum.isoformat(),
        "verblijfplaats": verblijfplaats(a, sinds),
        "nationaliteiten": [{"nationaliteit": NEDERLANDSE}],
    }  # fmt: skip
    if ouder is not None:
        body["ouders"] = [{"ouderAanduiding": "ouder1", "persoonId": ouder.persoon_id}]
    return body


def verhuizing(s: Scenario) -> dict[str, Any]:
    return {
        "verblijfplaats": verblijfplaats(s.volgende, s.today),
        "gemeenteVanInschrijving": GEMEENTE,
    }


def woz_object(s: Scenario) -> list[Call]:
    """The WOZ object of the next address, with the parent as eigenaar."""
    nummer, path = s.woz_objectnummer, f"/wozobjecten/{s.woz_objectnummer}"
    moment = s.now.isoformat()
    return [
        ("woz", "/wozobjecten", {"wozObjectnummer": nummer, "gemeentecode": GEMEENTE,
         "soortObjectcode": "1010", "ingangsdatum": "1998-07-01",
         "verblijfsobjectIdentificaties": [s.volgende.verblijfsobject],
         "tijdstipRegistratie": moment}),
        ("woz", f"{path}/belanghebbenden", {"wozObjectnummer": nummer,
         "persoonId": s.ouder.persoon_id, "soort": "eigenaar", "ingangsdatum": s.today.isoformat(),
         "tijdstipRegistratie": moment}),
    ]  # fmt: skip


def woz_waarde(s: Scenario) -> Call:
    """The value of the next belastingjaar, as of 1 January of this year."""
    peildatum = datetime.date(s.today.year, 1, 1).isoformat()
    body = {
        "wozObjectnummer": s.woz_objectnummer,
        "vastgesteldeWaarde": s.woz_waarde,
        "waardepeildatum": peildatum,
        "toestandspeildatum": peildatum,
        "belastingjaar": s.today.year + 1,
        "tijdstipRegistratie": s.now.isoformat(),
    }
    return ("woz", f"/wozobjecten/{s.woz_objectnummer}/waarden", body)


def toestemming(s: Scenario) -> dict[str, Any]:
    return {"toestemmingId": s.toestemming_id, "persoonId": s.ouder.persoon_id,
            "appId": "parkeren", "doelId": "parkeervergunning"}  # fmt: skip
