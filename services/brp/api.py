"""The BRP registry's HTTP API: operators change persons, apps read them for a purpose.

Every read names its purpose (`X-Bron-Doel`) and the `fields` it needs, each allowed by that
purpose; the answer holds only those fields. Which persons a read may see:
- only persons registered in one of the purpose's `gemeenten`;
- a person with `geheimhoudingPersoonsgegevens` above 0 never reaches an app that is not
  government (`overheid: false`): such a person is answered as unknown (404);
- a purpose that rests on consent (grondslag `toestemming`) is refused here (403): whether the
  person consented lives in the Toestemming registry, which this registry does not consult.
  Consent-based reads go through the gateway's consent-filtered projections instead.
"""

# No `from __future__ import annotations`: FastAPI reads the body types at definition time.
import datetime
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Response

from bron.http.auth import KeyPair
from bron.http.problems import FieldError, Problem, not_found
from bron.policy import Policy, persoon_fields
from bron.registry.app import Reader, operator, reader
from bron.registry.commands import Change
from bron.registry.fields import project
from services.brp import bodies, representation
from services.brp.domain import Persoon
from services.brp.service import BrpRegistry, Outcome

PersoonId = Annotated[str, Path(alias="persoonId", max_length=64)]
SEARCHES = {
    frozenset({"burgerservicenummer"}): "RaadpleegMetBurgerservicenummer",
    frozenset({"geslachtsnaam", "geboortedatum"}): "ZoekMetGeslachtsnaamEnGeboortedatum",
    frozenset({"postcode", "huisnummer"}): "ZoekMetPostcodeEnHuisnummer",
}


def change_body(change: Change[Persoon]) -> dict[str, Any]:
    return {
        "persoonId": change.entity_id,
        "version": change.version,
        "events": [event_type for event_type, _ in change.events],
    }


def outcome_body(outcome: Outcome) -> dict[str, Any]:
    body = change_body(outcome.change)
    if outcome.partner is not None:
        body["partner"] = change_body(outcome.partner)
    return body


def visible(policy: Policy, read: Reader) -> Callable[[Persoon], bool]:
    """Which persons this read may see; refuses consent-based purposes outright."""
    if read.doel.needs_consent:
        raise Problem(
            403,
            "forbidden/toestemming",
            "Consent-based reads are not served here",
            f"purpose {read.doel.id!r} rests on consent (toestemming); read through the "
            "gateway's consent-filtered projections, not from the source registry",
        )
    assert read.principal.app_id is not None
    overheid = policy.app_by_id[read.principal.app_id].overheid
    gemeenten = set(read.doel.gemeenten)

    def may_see(p: Persoon) -> bool:
        hidden = p.geheimhouding_persoonsgegevens > 0 and not overheid
        return not hidden and p.gemeente_van_inschrijving in gemeenten

    return may_see


def mount(app: FastAPI, registry: BrpRegistry, keys: KeyPair, policy: Policy) -> None:
    changes = [Depends(operator("brp", keys))]
    Read = Annotated[Reader, Depends(reader("brp", keys, policy, "persoon", persoon_fields()))]
    router = APIRouter(tags=["persoon"])

    def document(p: Persoon, read: Reader) -> dict[str, Any]:
        full = representation.persoon(
            p, registry.today(), registry.related(p), registry.kinderen(p)
        )
        return project(full, read.fields)

    @router.post("/personen", status_code=201, dependencies=changes,
              summary="Inschrijven: register a person (birth or immigration)")  # fmt: skip
    def inschrijven(body: bodies.Inschrijven, response: Response) -> dict[str, Any]:
        outcome = registry.execute(body.command())
        response.headers["Location"] = f"/personen/{outcome.change.entity_id}"
        return outcome_body(outcome)

    @router.post("/personen/{persoonId}/naam", dependencies=changes,
              summary="Change the person's name")  # fmt: skip
    def naam(persoon_id: PersoonId, body: bodies.NaamWijzigen) -> dict[str, Any]:
        return outcome_body(registry.execute(body.to_domain(persoon_id=persoon_id)))

    @router.post("/personen/{persoonId}/verhuizing", dependencies=changes,
              summary="Move within the Netherlands, to an address the BAG knows")  # fmt: skip
    def verhuizing(persoon_id: PersoonId, body: bodies.Verhuizen) -> dict[str, Any]:
        return outcome_body(registry.execute(body.to_domain(persoon_id=persoon_id)))

    @router.post("/personen/{persoonId}/partnerschappen", dependencies=changes,
              summary="Enter a huwelijk or geregistreerd partnerschap (a partner in the BRP "
                      "changes in the same transaction)")  # fmt: skip
    def partnerschap(persoon_id: PersoonId, body: bodies.PartnerschapAangaan) -> dict[str, Any]:
        return outcome_body(registry.execute(body.to_domain(persoon_id=persoon_id)))

    @router.post("/personen/{persoonId}/partnerschappen/ontbinding", dependencies=changes,
              summary="End the current partnership (for both partners)")  # fmt: skip
    def ontbinding(persoon_id: PersoonId, body: bodies.PartnerschapOntbinden) -> dict[str, Any]:
        return outcome_body(registry.execute(body.to_domain(persoon_id=persoon_id)))

    @router.post("/personen/{persoonId}/overlijden", dependencies=changes,
              summary="Record the person's death")  # fmt: skip
    def overlijden(persoon_id: PersoonId, body: bodies.Overlijden) -> dict[str, Any]:
        return outcome_body(registry.execute(body.to_domain(persoon_id=persoon_id)))

    @router.post("/personen/{persoonId}/geheimhouding", dependencies=changes,
              summary="Change geheimhoudingPersoonsgegevens (0-7)")  # fmt: skip
    def geheimhouding(persoon_id: PersoonId, body: bodies.GeheimhoudingWijzigen) -> dict[str, Any]:
        return outcome_body(registry.execute(body.to_domain(persoon_id=persoon_id)))

    @router.post("/personen/{persoonId}/burgerservicenummer", dependencies=changes,
              summary="Give the person another BSN (and A-nummer)")  # fmt: skip
    def burgerservicenummer(
        persoon_id: PersoonId, body: bodies.BurgerservicenummerWijzigen
    ) -> dict[str, Any]:
        return outcome_body(registry.execute(body.to_domain(persoon_id=persoon_id)))

    @router.get("/personen/{persoonId}", summary="Read a person (only the fields asked)")
    def raadplegen(persoon_id: PersoonId, read: Read) -> dict[str, Any]:
        may_see = visible(policy, read)
        found = registry.get(persoon_id)
        if found is None or not may_see(found):
            raise not_found("persoon", f"no persoon {persoon_id}")
        return document(found, read)

    @router.get("/personen",
             summary="Search persons: by burgerservicenummer, by geslachtsnaam + geboortedatum, "
                     "or by postcode + huisnummer")  # fmt: skip
    def zoeken(
        read: Read,
        burgerservicenummer: Annotated[str | None, Query(pattern=r"^[0-9]{9}$")] = None,
        geslachtsnaam: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
        geboortedatum: datetime.date | None = None,
        postcode: Annotated[str | None, Query(pattern=r"^[1-9][0-9]{3} ?[A-Za-z]{2}$")] = None,
        huisnummer: Annotated[int | None, Query(ge=1, le=99999)] = None,
    ) -> dict[str, Any]:
        given = {
            "burgerservicenummer": burgerservicenummer,
            "geslachtsnaam": geslachtsnaam,
            "geboortedatum": geboortedatum,
            "postcode": postcode,
            "huisnummer": huisnummer,
        }
        kind = SEARCHES.get(frozenset(k for k, v in given.items() if v is not None))
        if kind is None:
            raise search_problem()
        may_see = visible(policy, read)
        if burgerservicenummer is not None:
            found = registry.find_by_bsn(burgerservicenummer)
        elif geslachtsnaam is not None and geboortedatum is not None:
            found = registry.find_by_naam(geslachtsnaam, geboortedatum)
        elif postcode is not None and huisnummer is not None:
            found = registry.find_by_adres(postcode, huisnummer)
        else:
            raise search_problem()
        return {"type": kind, "personen": [document(p, read) for p in found if may_see(p)]}

    app.include_router(router)


def search_problem() -> Problem:
    forms = ", ".join(" + ".join(sorted(form)) for form in SEARCHES)
    return Problem(
        400,
        "invalid-search",
        "One search form per request",
        f"search by exactly one of: {forms}",
        [FieldError("query", "one-search-form", f"one of: {forms}")],
    )
