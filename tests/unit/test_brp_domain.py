"""The BRP person domain: every command's events validate against its `.avsc` and fold back
into the state the command described; every rejection names its field and rule."""

from __future__ import annotations

import datetime
import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import fastavro
import fastavro.validation
import pytest

from bron.contracts.models import EVENT_MODELS
from bron.contracts.schemafiles import load_schema_files
from services.brp import events
from services.brp.domain import (
    Aangaan,
    BurgerservicenummerWijzigen,
    Command,
    Event,
    EventStreamError,
    Geboorte,
    GeheimhoudingWijzigen,
    Immigratie,
    Inschrijven,
    KnownAddresses,
    Naam,
    NaamWijzigen,
    Nationaliteit,
    Ontbinding,
    Ouder,
    Overlijden,
    Overlijdensgegevens,
    Partner,
    PartnerschapAangaan,
    PartnerschapOntbinden,
    Persoon,
    Rejection,
    Rule,
    Verblijfadres,
    Verblijfplaats,
    Verhuizen,
    decide,
    evolve,
)

TODAY = datetime.date(2024, 6, 1)
PERSOON = "0b6a3c1e-5d2f-4c8b-9a7e-1f2d3c4b5a69"
PARTNER = "7f3e2d1c-0b9a-4877-8665-544332211000"
OUDER = "11111111-2222-4333-8444-555555555555"
ANDER = "22222222-3333-4444-8555-666666666666"

# Two real BAG addresses from the RvIG test set (Lg01_838 and Lg01_716).
AALBERSESTRAAT = Verblijfplaats(
    verblijfadres=Verblijfadres(
        officiele_straatnaam="Aalbersestraat",
        korte_straatnaam="Aalbersestraat",
        huisnummer=275,
        postcode="1067MD",
        woonplaats="Amsterdam",
    ),
    datum_aanvang_adreshouding=datetime.date(2019, 11, 5),
    nummeraanduiding_identificatie="0363200000483472",
    adresseerbaar_object_identificatie="0363010001004477",
)
BOTERDIEP = Verblijfplaats(
    verblijfadres=Verblijfadres(
        officiele_straatnaam="Boterdiep",
        korte_straatnaam="Boterdiep",
        huisnummer=31,
        huisletter="A",
        huisnummertoevoeging="bis",
        aanduiding_bij_huisnummer="tegenover",
        postcode="3077AW",
        woonplaats="Rotterdam",
    ),
    datum_aanvang_adreshouding=datetime.date(2023, 3, 1),
    nummeraanduiding_identificatie="0599200000219678",
    adresseerbaar_object_identificatie="0599010000208579",
)
WOONBOOT = Verblijfplaats(
    verblijfadres=Verblijfadres(locatiebeschrijving="Woonboot in de Grote Sloot"),
    datum_aanvang_adreshouding=datetime.date(2023, 3, 1),
    type="locatie",
)
ADDRESSES = KnownAddresses(
    {
        "0363200000483472": "0363010001004477",
        "0599200000219678": "0599010000208579",
    }
)
SCHEMAS = {f.event_type: f.schema for f in load_schema_files() if f.registry == "brp"}


def inschrijven(**changes: Any) -> Inschrijven:
    command = Inschrijven(
        reden="geboorte",
        persoon_id=PERSOON,
        burgerservicenummer="999996824",
        a_nummer="2468471606",
        naam=Naam("Almenkinders", voornamen="Esther"),
        geboorte=Geboorte(datetime.date(2019, 11, 5), "0363", "6030"),
        geslacht="vrouw",
        gemeente_van_inschrijving="0363",
        datum_inschrijving_in_gemeente=datetime.date(2019, 11, 5),
        verblijfplaats=AALBERSESTRAAT,
        nationaliteiten=(Nationaliteit("0001", "017", datetime.date(2019, 11, 5)),),
        ouders=(Ouder("ouder1", OUDER), Ouder("ouder2")),
    )
    return replace(command, **changes)


def validated(event: Event) -> Event:
    """Valid by fastavro, and unchanged by an Avro round trip: fastavro's `validate` takes an
    ISO date string for a date, the round trip does not give it back."""
    event_type, data = event
    schema = fastavro.parse_schema(SCHEMAS[event_type], named_schemas={})
    fastavro.validation.validate(data, schema, raise_errors=True)
    assert roundtrip(event_type, data) == data
    return event


def roundtrip(event_type: str, data: dict[str, Any]) -> Any:
    schema = fastavro.parse_schema(SCHEMAS[event_type], named_schemas={})
    buffer = io.BytesIO()
    fastavro.schemaless_writer(buffer, schema, data)
    buffer.seek(0)
    return plain(fastavro.schemaless_reader(buffer, schema, schema))


def plain(value: Any) -> Any:
    """fastavro reads a uuid back as `uuid.UUID`; the events carry it as a string."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def run(command: Command, state: Persoon | None, **kwargs: Any) -> tuple[list[Event], Persoon]:
    """decide, validate every event against its contract, and fold the events into the state."""
    found = decide(command, state, today=TODAY, addresses=ADDRESSES, **kwargs)
    for event_type, data in found:
        validated((event_type, data))
        state = evolve(state, event_type, data)
    assert state is not None
    return found, state


def ingeschreven(**changes: Any) -> Persoon:
    return run(inschrijven(**changes), None)[1]


def gehuwd(persoon: Persoon) -> Persoon:
    command = PartnerschapAangaan(
        persoon.persoon_id,
        Partner(naam=Naam("Hoogenboezem", voornamen="Hillegonda")),
        "huwelijk",
        Aangaan(datetime.date(2020, 1, 1), "0363", "6030"),
    )
    return run(command, persoon)[1]


def overleden(persoon: Persoon) -> Persoon:
    command = Overlijden(persoon.persoon_id, Overlijdensgegevens(datetime.date(2024, 1, 2)))
    return run(command, persoon)[1]


def test_the_event_types_are_the_brp_contracts() -> None:
    assert set(events.ALL) == set(SCHEMAS) == {t for t in EVENT_MODELS if t.startswith("nl.brp.")}


def test_inschrijven_by_birth() -> None:
    found, state = run(inschrijven(), None)
    assert found == [
        (
            events.INGESCHREVEN,
            {
                "persoonId": PERSOON,
                "reden": "geboorte",
                "burgerservicenummer": "999996824",
                "aNummer": "2468471606",
                "naam": {
                    "voornamen": "Esther",
                    "adellijkeTitelPredicaat": None,
                    "voorvoegsel": None,
                    "geslachtsnaam": "Almenkinders",
                },
                "geboorte": {"datum": datetime.date(2019, 11, 5), "plaats": "0363", "land": "6030"},
                "geslacht": "vrouw",
                "nationaliteiten": [
                    {
                        "nationaliteit": "0001",
                        "redenOpname": "017",
                        "datumIngangGeldigheid": datetime.date(2019, 11, 5),
                    }
                ],
                "ouders": [
                    {"persoonId": OUDER, "ouderAanduiding": "ouder1"},
                    {"persoonId": None, "ouderAanduiding": "ouder2"},
                ],
                "verblijfplaats": {
                    "type": "adres",
                    "functieAdres": "woonadres",
                    "nummeraanduidingIdentificatie": "0363200000483472",
                    "adresseerbaarObjectIdentificatie": "0363010001004477",
                    "verblijfadres": {
                        "officieleStraatnaam": "Aalbersestraat",
                        "korteStraatnaam": "Aalbersestraat",
                        "huisnummer": 275,
                        "huisletter": None,
                        "huisnummertoevoeging": None,
                        "aanduidingBijHuisnummer": None,
                        "postcode": "1067MD",
                        "woonplaats": "Amsterdam",
                        "locatiebeschrijving": None,
                    },
                    "datumAanvangAdreshouding": datetime.date(2019, 11, 5),
                },
                "gemeenteVanInschrijving": "0363",
                "datumInschrijvingInGemeente": datetime.date(2019, 11, 5),
                "immigratie": None,
                "geheimhoudingPersoonsgegevens": 0,
            },
        )
    ]
    command = inschrijven()
    assert state == Persoon(
        persoon_id=PERSOON,
        reden_inschrijving="geboorte",
        burgerservicenummer="999996824",
        a_nummer="2468471606",
        naam=command.naam,
        geboorte=command.geboorte,
        geslacht="vrouw",
        nationaliteiten=command.nationaliteiten,
        ouders=command.ouders,
        verblijfplaats=AALBERSESTRAAT,
        gemeente_van_inschrijving="0363",
        datum_inschrijving_in_gemeente=datetime.date(2019, 11, 5),
        immigratie=None,
        geheimhouding_persoonsgegevens=0,
        version=1,
    )
    assert not state.overleden
    assert state.partnerschap is None


def test_inschrijven_by_immigration_without_an_address_yet() -> None:
    immigratie = Immigratie("5002", datetime.date(2023, 2, 1))
    _, state = run(
        inschrijven(
            reden="immigratie",
            verblijfplaats=None,
            immigratie=immigratie,
            ouders=(),
            geboorte=Geboorte(None, "Thann", "5001"),
            geheimhouding_persoonsgegevens=2,
        ),
        None,
    )
    assert (state.reden_inschrijving, state.immigratie, state.verblijfplaats) == (
        "immigratie",
        immigratie,
        None,
    )
    assert (state.geboorte.datum, state.geheimhouding_persoonsgegevens) == (None, 2)


def test_inschrijven_on_a_houseboat() -> None:
    _, state = run(inschrijven(verblijfplaats=WOONBOOT), None)
    assert state.verblijfplaats == WOONBOOT


def test_naam_wijzigen() -> None:
    naam = Naam("Serooskerke", voornamen="Esther", voorvoegsel="van", adellijke_titel_predicaat="B")
    found, state = run(NaamWijzigen(PERSOON, naam, datetime.date(2024, 5, 1)), ingeschreven())
    assert [t for t, _ in found] == [events.NAAM_GEWIJZIGD]
    assert found[0][1]["datumIngangGeldigheid"] == datetime.date(2024, 5, 1)
    assert (state.naam, state.version) == (naam, 2)


def test_verhuizen_to_another_gemeente() -> None:
    found, state = run(Verhuizen(PERSOON, BOTERDIEP, "0599"), ingeschreven())
    assert found == [
        (
            events.VERHUISD,
            {
                "persoonId": PERSOON,
                "verblijfplaats": BOTERDIEP.record(),
                "gemeenteVanInschrijving": "0599",
                "vorigeGemeenteVanInschrijving": "0363",
            },
        )
    ]
    assert found[0][1]["verblijfplaats"]["verblijfadres"]["aanduidingBijHuisnummer"] == "tegenover"
    assert (state.verblijfplaats, state.gemeente_van_inschrijving) == (BOTERDIEP, "0599")
    assert state.datum_inschrijving_in_gemeente == BOTERDIEP.datum_aanvang_adreshouding


def test_verhuizen_within_the_gemeente() -> None:
    found, state = run(Verhuizen(PERSOON, WOONBOOT, "0363"), ingeschreven())
    assert found[0][1]["vorigeGemeenteVanInschrijving"] is None
    assert state.verblijfplaats == WOONBOOT
    assert state.datum_inschrijving_in_gemeente == datetime.date(2019, 11, 5)


def test_partnerschap_aangaan_with_a_person_in_the_brp() -> None:
    partner = ingeschreven(persoon_id=PARTNER, burgerservicenummer="999996812")
    aangaan = Aangaan(datetime.date(2024, 2, 29), "0363", "6030")
    command = PartnerschapAangaan(PERSOON, Partner(PARTNER), "geregistreerd_partnerschap", aangaan)
    found, state = run(command, ingeschreven(), partner=partner)
    assert found[0][1]["partner"] == {"persoonId": PARTNER, "naam": None, "geboorte": None}
    assert state.partnerschap is not None
    assert (state.partnerschap.partner, state.partnerschap.soort_verbintenis) == (
        Partner(PARTNER),
        "geregistreerd_partnerschap",
    )
    assert state.partnerschap.aangaan == aangaan


def test_partnerschap_aangaan_with_someone_outside_the_brp() -> None:
    outside = Partner(naam=Naam("Beaudelaire", "Jean Marie"), geboorte=Geboorte(None, "Thann"))
    command = PartnerschapAangaan(PERSOON, outside, "huwelijk", Aangaan(datetime.date(2021, 1, 1)))
    found, state = run(command, ingeschreven())
    assert found[0][1]["partner"]["naam"]["geslachtsnaam"] == "Beaudelaire"
    assert state.partnerschap is not None
    assert state.partnerschap.partner == outside


def test_partnerschap_ontbinden_and_a_new_one() -> None:
    ontbinding = Ontbinding(datetime.date(2023, 6, 1), "echtscheiding", "0363", "6030")
    found, state = run(PartnerschapOntbinden(PERSOON, ontbinding), gehuwd(ingeschreven()))
    assert found == [
        (
            events.PARTNERSCHAP_ONTBONDEN,
            {
                "persoonId": PERSOON,
                "partner": {
                    "persoonId": None,
                    "naam": Naam("Hoogenboezem", "Hillegonda").record(),
                    "geboorte": None,
                },
                "soortVerbintenis": "huwelijk",
                "ontbindingHuwelijkPartnerschap": {
                    "datum": datetime.date(2023, 6, 1),
                    "plaats": "0363",
                    "land": "6030",
                    "reden": "echtscheiding",
                },
            },
        )
    ]
    assert state.partnerschap is None
    assert [p.ontbinding for p in state.partnerschappen] == [ontbinding]
    again = gehuwd(state)
    assert again.partnerschap is not None
    assert len(again.partnerschappen) == 2


def test_overlijden() -> None:
    gegevens = Overlijdensgegevens(datetime.date(2024, 1, 2), "0363", "6030")
    found, state = run(Overlijden(PERSOON, gegevens), ingeschreven())
    assert found[0] == (
        events.OVERLEDEN,
        {
            "persoonId": PERSOON,
            "overlijden": {"datum": datetime.date(2024, 1, 2), "plaats": "0363", "land": "6030"},
        },
    )
    assert state.overleden
    assert state.overlijden == gegevens


def test_overlijden_on_an_unknown_date() -> None:
    _, state = run(Overlijden(PERSOON, Overlijdensgegevens(None)), ingeschreven())
    assert state.overleden


def test_geheimhouding_wijzigen() -> None:
    command = GeheimhoudingWijzigen(PERSOON, 7, datetime.date(2024, 5, 1))
    found, state = run(command, ingeschreven())
    assert found[0][1] == {
        "persoonId": PERSOON,
        "geheimhoudingPersoonsgegevens": 7,
        "datumIngangGeldigheid": datetime.date(2024, 5, 1),
    }
    assert state.geheimhouding_persoonsgegevens == 7


def test_burgerservicenummer_wijzigen() -> None:
    command = BurgerservicenummerWijzigen(PERSOON, "999993653", datetime.date(2024, 5, 1))
    found, state = run(command, ingeschreven())
    assert found[0][1] == {
        "persoonId": PERSOON,
        "oudBurgerservicenummer": "999996824",
        "nieuwBurgerservicenummer": "999993653",
        "oudANummer": None,
        "nieuwANummer": None,
        "datumIngangGeldigheid": datetime.date(2024, 5, 1),
    }
    assert (state.persoon_id, state.burgerservicenummer, state.a_nummer) == (
        PERSOON,
        "999993653",
        "2468471606",
    )


def test_burgerservicenummer_and_a_nummer_wijzigen() -> None:
    command = BurgerservicenummerWijzigen(
        PERSOON, "999993653", datetime.date(2024, 5, 1), nieuw_a_nummer="8940402024"
    )
    found, state = run(command, ingeschreven())
    assert (found[0][1]["oudANummer"], found[0][1]["nieuwANummer"]) == ("2468471606", "8940402024")
    assert state.a_nummer == "8940402024"


def test_a_life_folds_into_one_state_with_a_version_per_event() -> None:
    state = ingeschreven()
    state = run(Verhuizen(PERSOON, BOTERDIEP, "0599"), state)[1]
    state = gehuwd(state)
    state = run(GeheimhoudingWijzigen(PERSOON, 1, datetime.date(2024, 4, 1)), state)[1]
    state = overleden(state)
    assert state.version == 5
    assert (state.gemeente_van_inschrijving, state.geheimhouding_persoonsgegevens) == ("0599", 1)
    assert state.overleden
    assert state.partnerschap is not None


def test_events_decoded_by_fastavro_fold_into_the_same_state() -> None:
    """fastavro reads a uuid back as `uuid.UUID`; evolve must not care."""
    state: Persoon | None = None
    direct: Persoon | None = None
    commands: list[Command] = [
        inschrijven(),
        Verhuizen(PERSOON, BOTERDIEP, "0599"),
        PartnerschapAangaan(PERSOON, Partner(PARTNER), "huwelijk", Aangaan(TODAY)),
    ]
    for command in commands:
        for event_type, data in decide(
            command, state, today=TODAY, addresses=ADDRESSES, partner=partner()
        ):
            schema = fastavro.parse_schema(SCHEMAS[event_type], named_schemas={})
            buffer = io.BytesIO()
            fastavro.schemaless_writer(buffer, schema, data)
            buffer.seek(0)
            decoded = fastavro.schemaless_reader(buffer, schema, schema)
            assert isinstance(decoded, dict)
            assert isinstance(decoded["persoonId"], uuid.UUID)
            state = evolve(state, event_type, decoded)
            direct = evolve(direct, event_type, data)
    assert state == direct
    assert state is not None
    assert state.partnerschap is not None
    assert state.partnerschap.partner.persoon_id == PARTNER


def test_evolve_refuses_a_stream_that_does_not_fold() -> None:
    event_type, data = decide(inschrijven(), None, today=TODAY, addresses=ADDRESSES)[0]
    state = evolve(None, event_type, data)
    with pytest.raises(EventStreamError):
        evolve(state, event_type, data)
    with pytest.raises(EventStreamError):
        evolve(None, events.VERHUISD, {})
    with pytest.raises(EventStreamError):
        evolve(state, "nl.bag.pand-aangemaakt.v1", {})
    with pytest.raises(EventStreamError):
        evolve(state, events.PARTNERSCHAP_ONTBONDEN, {"ontbindingHuwelijkPartnerschap": {}})


def test_the_contract_check_catches_a_wrong_record() -> None:
    event_type, data = decide(inschrijven(), None, today=TODAY, addresses=ADDRESSES)[0]
    with pytest.raises(fastavro.validation.ValidationError):
        validated((event_type, {**data, "geslacht": "V"}))
    as_text = {**data, "geboorte": {**data["geboorte"], "datum": "20191105"}}
    fastavro.validation.validate(as_text, fastavro.parse_schema(SCHEMAS[event_type]))
    assert roundtrip(event_type, as_text) != as_text
    assert roundtrip(event_type, data) == data


def test_a_state_of_someone_else_is_a_bug_not_a_rejection() -> None:
    with pytest.raises(ValueError, match="the state is of"):
        decide(geheim(3), partner(), today=TODAY, addresses=ADDRESSES)
    with pytest.raises(ValueError, match="the partner's state is of"):
        decide(aangaan(), living(), today=TODAY, addresses=ADDRESSES, partner=married())


@dataclass(frozen=True)
class Case:
    """A command on a state that decide must refuse, with the field and rule it names."""

    command: Command
    state: Callable[[], Persoon | None]
    field: str
    rule: Rule
    partner: Callable[[], Persoon | None] = lambda: None


def nobody() -> Persoon | None:
    return None


def dead() -> Persoon:
    return overleden(ingeschreven())


def married() -> Persoon:
    return gehuwd(ingeschreven())


def partner() -> Persoon:
    return ingeschreven(persoon_id=PARTNER, burgerservicenummer="999996812")


living = ingeschreven
LATER = datetime.date(2024, 6, 2)
EARLY = datetime.date(2019, 11, 4)
ESTHER = Naam("Almenkinders", voornamen="Esther")
VP = "verblijfplaats"


def verhuizen(**verblijfplaats: Any) -> Verhuizen:
    return Verhuizen(PERSOON, replace(BOTERDIEP, **verblijfplaats), "0599")


def verhuizen_naar(**adres: Any) -> Verhuizen:
    return verhuizen(verblijfadres=replace(BOTERDIEP.verblijfadres, **adres))


def aangaan(with_partner: Partner | None = None, datum: datetime.date = TODAY) -> Command:
    return PartnerschapAangaan(
        PERSOON, with_partner or Partner(PARTNER), "huwelijk", Aangaan(datum)
    )


def ontbinden(datum: datetime.date) -> Command:
    return PartnerschapOntbinden(PERSOON, Ontbinding(datum))


def overlijden(datum: datetime.date | None) -> Command:
    return Overlijden(PERSOON, Overlijdensgegevens(datum))


def bsn(nieuw: str, a_nummer: str | None = None) -> Command:
    return BurgerservicenummerWijzigen(PERSOON, nieuw, TODAY, a_nummer)


def geheim(value: int) -> Command:
    return GeheimhoudingWijzigen(PERSOON, value, TODAY)


def ander_adres(nummeraanduiding: str) -> Verblijfplaats:
    return replace(AALBERSESTRAAT, nummeraanduiding_identificatie=nummeraanduiding)


MUTATIONS: list[Command] = [
    NaamWijzigen(PERSOON, ESTHER, TODAY),
    verhuizen(),
    aangaan(),
    ontbinden(TODAY),
    overlijden(TODAY),
    geheim(1),
    bsn("999993653"),
]
R = Rule
CASES = {
    "double registration": Case(inschrijven(), living, "persoonId", R.persoon_bestaat_al),
    "persoonId no uuid": Case(
        inschrijven(persoon_id="Lg01_838"), nobody, "persoonId", R.uuid_formaat
    ),
    "bsn 11-proef": Case(
        inschrijven(burgerservicenummer="999996825"), nobody, "burgerservicenummer", R.bsn_elfproef
    ),
    "bsn all zeros": Case(
        inschrijven(burgerservicenummer="000000000"), nobody, "burgerservicenummer", R.bsn_elfproef
    ),
    "a-nummer": Case(inschrijven(a_nummer="2468471607"), nobody, "aNummer", R.a_nummer_formaat),
    "no geslachtsnaam": Case(
        inschrijven(naam=Naam(" ")), nobody, "naam.geslachtsnaam", R.verplicht
    ),
    "born tomorrow": Case(
        inschrijven(geboorte=Geboorte(LATER)), nobody, "geboorte.datum", R.datum_in_toekomst
    ),
    "gemeentecode 363": Case(
        inschrijven(gemeente_van_inschrijving="363"),
        nobody,
        "gemeenteVanInschrijving",
        R.gemeentecode_formaat,
    ),
    "ingeschreven tomorrow": Case(
        inschrijven(datum_inschrijving_in_gemeente=LATER),
        nobody,
        "datumInschrijvingInGemeente",
        R.datum_in_toekomst,
    ),
    "inschrijven geheimhouding 8": Case(
        inschrijven(geheimhouding_persoonsgegevens=8),
        nobody,
        "geheimhoudingPersoonsgegevens",
        R.geheimhouding_bereik,
    ),
    "ouder id no uuid": Case(
        inschrijven(ouders=(Ouder("ouder1", "999991425"),)),
        nobody,
        "ouders[0].persoonId",
        R.uuid_formaat,
    ),
    "immigratie at birth": Case(
        inschrijven(immigratie=Immigratie("5002")), nobody, "immigratie", R.immigratie_bij_geboorte
    ),
    "inschrijven at an address the BAG lacks": Case(
        inschrijven(verblijfplaats=ander_adres("0363200000000001")),
        nobody,
        f"{VP}.nummeraanduidingIdentificatie",
        R.adres_onbekend,
    ),
    **{
        f"{type(command).__name__} of nobody": Case(
            command, nobody, "persoonId", R.persoon_onbekend
        )
        for command in MUTATIONS
    },
    "moving a deceased person": Case(verhuizen(), dead, "persoonId", R.persoon_overleden),
    "moving to an address the BAG lacks": Case(
        verhuizen(nummeraanduiding_identificatie="0599200000000001"),
        living,
        f"{VP}.nummeraanduidingIdentificatie",
        R.adres_onbekend,
    ),
    "nummeraanduiding of another object": Case(
        verhuizen(adresseerbaar_object_identificatie="0363010001004477"),
        living,
        f"{VP}.nummeraanduidingIdentificatie",
        R.adres_onbekend,
    ),
    "a verblijfsobject id as nummeraanduiding": Case(
        verhuizen(nummeraanduiding_identificatie="0599010000208579"),
        living,
        f"{VP}.nummeraanduidingIdentificatie",
        R.bag_id_formaat,
    ),
    "a pand id as adresseerbaar object": Case(
        verhuizen(adresseerbaar_object_identificatie="0599100000208579"),
        living,
        f"{VP}.adresseerbaarObjectIdentificatie",
        R.bag_id_formaat,
    ),
    "an adres without nummeraanduiding": Case(
        verhuizen(nummeraanduiding_identificatie=None),
        living,
        f"{VP}.nummeraanduidingIdentificatie",
        R.verplicht,
    ),
    "an adres without adresseerbaar object": Case(
        verhuizen(adresseerbaar_object_identificatie=None),
        living,
        f"{VP}.adresseerbaarObjectIdentificatie",
        R.verplicht,
    ),
    "verblijfplaats type onbekend": Case(
        verhuizen(type="onbekend"), living, f"{VP}.type", R.verplicht
    ),
    "a locatie without description": Case(
        Verhuizen(PERSOON, replace(WOONBOOT, verblijfadres=Verblijfadres()), "0363"),
        living,
        f"{VP}.verblijfadres.locatiebeschrijving",
        R.verplicht,
    ),
    "postcode 0123AB": Case(
        verhuizen_naar(postcode="0123AB"),
        living,
        f"{VP}.verblijfadres.postcode",
        R.postcode_formaat,
    ),
    "huisnummer 0": Case(
        verhuizen_naar(huisnummer=0),
        living,
        f"{VP}.verblijfadres.huisnummer",
        R.huisnummer_bereik,
    ),
    "huisletter AB": Case(
        verhuizen_naar(huisletter="AB"),
        living,
        f"{VP}.verblijfadres.huisletter",
        R.huisletter_formaat,
    ),
    "huisnummertoevoeging hoog2": Case(
        verhuizen_naar(huisnummertoevoeging="hoog2"),
        living,
        f"{VP}.verblijfadres.huisnummertoevoeging",
        R.huisnummertoevoeging_formaat,
    ),
    "adreshouding from tomorrow": Case(
        verhuizen(datum_aanvang_adreshouding=LATER),
        living,
        f"{VP}.datumAanvangAdreshouding",
        R.datum_in_toekomst,
    ),
    "adreshouding before the current one": Case(
        verhuizen(datum_aanvang_adreshouding=EARLY),
        living,
        f"{VP}.datumAanvangAdreshouding",
        R.verhuizing_voor_vorige,
    ),
    "the same address": Case(
        Verhuizen(PERSOON, replace(AALBERSESTRAAT, datum_aanvang_adreshouding=TODAY), "0363"),
        living,
        VP,
        R.adres_ongewijzigd,
    ),
    "gemeentecode Rotterdam": Case(
        Verhuizen(PERSOON, BOTERDIEP, "Rotterdam"),
        living,
        "gemeenteVanInschrijving",
        R.gemeentecode_formaat,
    ),
    "marrying a deceased person": Case(aangaan(), dead, "persoonId", R.persoon_overleden, partner),
    "marrying while married": Case(
        aangaan(), married, "persoonId", R.partnerschap_bestaat_al, partner
    ),
    "marrying someone married": Case(
        aangaan(), living, "partner.persoonId", R.partner_bestaat_al, lambda: gehuwd(partner())
    ),
    "marrying someone who died": Case(
        aangaan(), living, "partner.persoonId", R.partner_overleden, lambda: overleden(partner())
    ),
    "marrying oneself": Case(
        aangaan(Partner(PERSOON)), living, "partner.persoonId", R.partner_is_persoon_zelf, living
    ),
    "marrying an unknown persoonId": Case(
        aangaan(Partner(ANDER)), living, "partner.persoonId", R.persoon_onbekend
    ),
    "partner id no uuid": Case(
        aangaan(Partner("999996812")), living, "partner.persoonId", R.uuid_formaat
    ),
    "partner without id or naam": Case(aangaan(Partner()), living, "partner", R.partner_verwijzing),
    "partner with id and naam": Case(
        aangaan(Partner(PARTNER, ESTHER)), living, "partner", R.partner_verwijzing, partner
    ),
    "partner outside the BRP without geslachtsnaam": Case(
        aangaan(Partner(naam=Naam(""))), living, "partner.naam.geslachtsnaam", R.verplicht
    ),
    "aangaan tomorrow": Case(
        aangaan(datum=LATER),
        living,
        "aangaanHuwelijkPartnerschap.datum",
        R.datum_in_toekomst,
        partner,
    ),
    "aangaan before birth": Case(
        aangaan(datum=EARLY),
        living,
        "aangaanHuwelijkPartnerschap.datum",
        R.datum_voor_geboorte,
        partner,
    ),
    "ontbinden without a partnership": Case(
        ontbinden(TODAY), living, "persoonId", R.geen_partnerschap
    ),
    "ontbinden before aangaan": Case(
        ontbinden(datetime.date(2019, 12, 31)),
        married,
        "ontbindingHuwelijkPartnerschap.datum",
        R.ontbinding_voor_aangaan,
    ),
    "ontbinden tomorrow": Case(
        ontbinden(LATER), married, "ontbindingHuwelijkPartnerschap.datum", R.datum_in_toekomst
    ),
    "overlijden twice": Case(overlijden(TODAY), dead, "persoonId", R.al_overleden),
    "died tomorrow": Case(overlijden(LATER), living, "overlijden.datum", R.datum_in_toekomst),
    "died before birth": Case(overlijden(EARLY), living, "overlijden.datum", R.datum_voor_geboorte),
    "geheimhouding -1": Case(
        geheim(-1), living, "geheimhoudingPersoonsgegevens", R.geheimhouding_bereik
    ),
    "geheimhouding 8": Case(
        geheim(8), living, "geheimhoudingPersoonsgegevens", R.geheimhouding_bereik
    ),
    "geheimhouding unchanged": Case(
        geheim(0), living, "geheimhoudingPersoonsgegevens", R.geheimhouding_ongewijzigd
    ),
    "new bsn 11-proef": Case(bsn("999993654"), living, "nieuwBurgerservicenummer", R.bsn_elfproef),
    "new bsn is the old one": Case(
        bsn("999996824"), living, "nieuwBurgerservicenummer", R.bsn_ongewijzigd
    ),
    "new a-nummer invalid": Case(
        bsn("999993653", "8940402025"), living, "nieuwANummer", R.a_nummer_formaat
    ),
    "new a-nummer is the old one": Case(
        bsn("999993653", "2468471606"), living, "nieuwANummer", R.a_nummer_ongewijzigd
    ),
    "naam unchanged": Case(
        NaamWijzigen(PERSOON, ESTHER, TODAY), living, "naam", R.naam_ongewijzigd
    ),
    "naam without geslachtsnaam": Case(
        NaamWijzigen(PERSOON, Naam(""), TODAY), living, "naam.geslachtsnaam", R.verplicht
    ),
    "renaming a deceased person": Case(
        NaamWijzigen(PERSOON, Naam("Jansen"), TODAY), dead, "persoonId", R.persoon_overleden
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_rejections_name_the_field_and_rule(case: Case) -> None:
    with pytest.raises(Rejection) as raised:
        decide(case.command, case.state(), today=TODAY, addresses=ADDRESSES, partner=case.partner())
    assert (raised.value.field, raised.value.rule) == (case.field, case.rule)
    assert raised.value.message


def test_every_rule_has_a_rejection_case() -> None:
    assert {case.rule for case in CASES.values()} == set(Rule)


def test_the_rule_ids_are_stable() -> None:
    assert Rule.adres_onbekend.value == "adres.onbekend"
    assert Rule.bsn_elfproef.value == "bsn.elfproef"
    assert str(Rejection("x", Rule.verplicht, "y")) == "x: y [veld.verplicht]"
