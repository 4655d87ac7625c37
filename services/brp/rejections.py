"""Why a command is refused: the field (a dotted path in the API body, which mirrors the event
record, e.g. `verblijfplaats.nummeraanduidingIdentificatie`) and a stable rule id."""

from __future__ import annotations

from enum import StrEnum

from bron.registry import rejection as registry


class Rule(StrEnum):
    persoon_bestaat_al = "persoon.bestaat-al"
    persoon_onbekend = "persoon.onbekend"
    persoon_overleden = "persoon.overleden"
    uuid_formaat = "uuid.formaat"
    bsn_elfproef = "bsn.elfproef"
    bsn_ongewijzigd = "bsn.ongewijzigd"
    a_nummer_formaat = "a-nummer.formaat"
    a_nummer_ongewijzigd = "a-nummer.ongewijzigd"
    verplicht = "veld.verplicht"
    datum_in_toekomst = "datum.in-toekomst"
    datum_voor_geboorte = "datum.voor-geboorte"
    gemeentecode_formaat = "gemeentecode.formaat"
    naam_ongewijzigd = "naam.ongewijzigd"
    immigratie_bij_geboorte = "immigratie.bij-geboorte"
    bag_id_formaat = "bag-id.formaat"
    postcode_formaat = "postcode.formaat"
    huisnummer_bereik = "huisnummer.bereik"
    huisletter_formaat = "huisletter.formaat"
    huisnummertoevoeging_formaat = "huisnummertoevoeging.formaat"
    adres_onbekend = "adres.onbekend"
    adres_ongewijzigd = "adres.ongewijzigd"
    verhuizing_voor_vorige = "verhuizing.voor-vorige-adreshouding"
    partnerschap_bestaat_al = "partnerschap.bestaat-al"
    partner_bestaat_al = "partnerschap.partner-heeft-partnerschap"
    partner_overleden = "partnerschap.partner-overleden"
    partner_is_persoon_zelf = "partnerschap.met-zichzelf"
    partner_verwijzing = "partnerschap.partner-verwijzing"
    geen_partnerschap = "partnerschap.geen"
    ontbinding_voor_aangaan = "partnerschap.ontbinding-voor-aangaan"
    al_overleden = "overlijden.al-overleden"
    geheimhouding_bereik = "geheimhouding.bereik"
    geheimhouding_ongewijzigd = "geheimhouding.ongewijzigd"


class Rejection(registry.Rejection):
    """A BRP rejection: the shared registry rejection (a 422 problem) with a typed rule."""

    def __init__(self, field: str, rule: Rule, message: str) -> None:
        super().__init__(field, rule.value, message)
        self.rule_id = rule
