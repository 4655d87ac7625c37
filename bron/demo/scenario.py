"""The demo's seven steps, played in order against the running stack. Each step makes its
changes through the registries' APIs, then waits (a few seconds at most) until the apps and the
citizen see them through the gateway, and reports what they saw and how long it took: from the
moment the change was sent to the registry until the app had it (an event received, a query
answered; a query's time includes the waits before it in the step).

The parkeren app's subscriptions (inBeeld, uitBeeld, toestemmingGewijzigd, adresGewijzigd for
the parent) are opened before the consent and stay open until after its revocation; they start
at the current end of the app's topic, so nothing the steps cause can slip past them."""

from __future__ import annotations

import asyncio
import datetime
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bron.demo import data
from bron.demo.data import Scenario
from bron.demo.report import (
    Failure,
    Seen,
    Step,
    StepFailed,
    event_details,
    event_line,
    flatten,
    graphql_error,
    group_verwerkingen,
    verwerking_lines,
)
from bron.demo.stack import DemoError, NotSeen, Received, Stack, Subscriptions, until

BIJSTAND, BELASTINGEN, PARKEREN = "bijstand-loket", "belastingen", "parkeren"
RVIG_BSN = "999993653"  # a person of the RvIG test set (whether imported or not)
ADRES = "adres { straat huisnummer postcode woonplaats }"
Q_BIJSTAND = """query ($bsn: String!) { persoon(bsn: $bsn, doel: "bijstand") {
  burgerservicenummer naam { voornamen geslachtsnaam } geboorte { datum { datum } }
  verblijfplaats { verblijfadres { officieleStraatnaam huisnummer postcode woonplaats } }
  kinderen { burgerservicenummer geboorte { datum { datum } } } } }"""
Q_PARKEREN = f"""query ($bsn: String!) {{ persoon(bsn: $bsn, doel: "parkeervergunning") {{
  naam {{ voorletters voorvoegsel geslachtsnaam }} {ADRES} }} }}"""
Q_WOZ = """query ($nummer: String!) {
  wozObject(doel: "belastingen-woz", wozObjectnummer: $nummer) {
    wozObjectnummer waarden { vastgesteldeWaarde waardepeildatum belastingjaar }
    belanghebbenden { soort ingangsdatum } } }"""
Q_WOZ_PERSOON = f"""query ($bsn: String!) {{ persoon(bsn: $bsn, doel: "belastingen-woz") {{
  naam {{ geslachtsnaam }} {ADRES}
  wozObjecten {{ wozObjectnummer waarden {{ vastgesteldeWaarde belastingjaar }} }} }} }}"""
Q_VERWERKINGEN = """{ mijnVerwerkingen(first: 100) { nodes {
  tijdstip actie doelId appId organisatie gegevens } } }"""
SUBSCRIBED = ("inBeeld", "uitBeeld", "toestemmingGewijzigd", "adresGewijzigd")
EVENT = "type tijdstip persoonId doel velden status"
EVENT_VIEW = f"persoon {{ naam {{ voorletters geslachtsnaam }} }} {ADRES}"
LOGGED_BY = (BIJSTAND, PARKEREN, BELASTINGEN)  # the apps whose reads step 7 waits for


class Play:
    """One run of the scenario: its household, the stack, and how long a step may wait."""

    def __init__(self, stack: Stack, s: Scenario, timeout: float, show: Callable[[Step], None]):
        self.stack = stack
        self.s = s
        self.timeout = timeout
        self.show = show
        self.current = Step(0, "Checking that the stack is up")

    async def run(self) -> None:
        """The steps in order; StepFailed names the step that did not show what it should,
        or where a registry or the gateway answered otherwise than expected."""
        try:
            await self.stack.check()
            self.show(await self.refused())
            self.show(await self.birth())
            subscriptions = self.stack.subscriptions(PARKEREN)
            async with subscriptions.opened() as subs:
                self.show(await self.consent(subs))
                self.show(await self.move(subs))
                self.show(await self.woz())
                self.show(await self.revoked(subs))
            self.show(await self.processing_log())
        except StepFailed:
            raise
        except Exception as exc:  # a refusal, a connection lost: which step, and what
            step = self.current
            reason = str(exc) if isinstance(exc, DemoError) else f"{type(exc).__name__}: {exc}"
            raise StepFailed(Failure(step.number, step.title, reason)) from exc

    # -- helpers ---------------------------------------------------------------------------

    def begin(self, number: int, title: str) -> Step:
        self.current = Step(number, title)
        return self.current

    @contextmanager
    def expect(self, step: Step, what: str) -> Iterator[None]:
        """A wait in `step` that must see `what` within the timeout."""
        try:
            yield
        except NotSeen:
            missing = f"{what} within {self.timeout:g} s"
            raise StepFailed(Failure(step.number, step.title, missing)) from None

    async def read(self, app_id: str, query: str, **variables: Any) -> dict[str, Any]:
        """The answer's `data`; StepFailed-worthy errors are the caller's to judge."""
        answer = await self.stack.graphql(self.stack.app_token(app_id), query, variables)
        error = graphql_error(answer)
        if error is not None:
            code, message = error
            raise DemoError(f"{app_id}'s query failed: {code}: {message}")
        found: dict[str, Any] = answer.get("data") or {}
        return found

    async def persoon(self, app_id: str, query: str, bsn: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = (await self.read(app_id, query, bsn=bsn)).get("persoon")
        return found

    async def event(
        self, subs: Subscriptions, step: Step, field_: str, status: str | None = None, **match: Any
    ) -> Received:
        """The first event of the parent on subscription `field_` (with that status, and
        whose adres has the `match` values), or StepFailed."""
        wanted = field_ + (f" ({status})" if status else "")

        def fits(got: Received) -> bool:
            event = got.event
            if got.field != field_ or event.get("persoonId") != self.s.ouder.persoon_id:
                return False
            if status is not None and event.get("status") != status:
                return False
            adres = event.get("adres") or {}
            return all(adres.get(k) == v for k, v in match.items())

        with self.expect(step, f"parkeren's subscription received no {wanted}"):
            return await subs.wait(fits, self.timeout)

    def received(self, step: Step, got: Received, since: float) -> None:
        ms = round((got.at - since) * 1000, 1)
        step.saw.append(Seen(PARKEREN, f"subscription {got.field}", event_line(got.event),
                             event_details(got.event), ms))  # fmt: skip

    # -- 1. an app without a purpose -------------------------------------------------------

    async def refused(self) -> Step:
        step = self.begin(1, "An app without a purpose asks for a person")
        step.did.append(f'leverancier-demo (in the register, without purposes) asks '
                        f'persoon(bsn: "{RVIG_BSN}", doel: "bijstand")')  # fmt: skip
        answer = await self.stack.graphql(self.stack.app_token("leverancier-demo"), Q_BIJSTAND,
                                          {"bsn": RVIG_BSN})  # fmt: skip
        error = graphql_error(answer)
        persoon = (answer.get("data") or {}).get("persoon")
        if error is None or persoon is not None:
            missing = "leverancier-demo was not refused"
            raise StepFailed(Failure(step.number, step.title, missing))
        code, message = error
        step.saw.append(Seen("leverancier-demo", "GraphQL", f"refused, {code}: {message}",
                             ["persoon: null"]))  # fmt: skip
        return step

    # -- 2. a birth ------------------------------------------------------------------------

    async def birth(self) -> Step:
        s = self.s
        step = self.begin(2, "A birth in Amsterdam (0363)")
        for call in data.straten(s):
            await self.stack.change(call, existing_ok=True)
        for call in data.woning(s, s.eerste):
            await self.stack.change(call)
        step.did.append(
            f"BAG: the home {s.eerste.regel} (nummeraanduiding "
            f"{s.eerste.nummeraanduiding}, verblijfsobject {s.eerste.verblijfsobject})"
        )
        ouder = data.inschrijving(s.ouder, s.eerste, s.today - datetime.timedelta(days=3 * 365))
        await self.stack.change(("brp", "/personen", ouder))
        step.did.append(f"BRP: the parent {s.ouder.naam} (BSN {s.ouder.bsn}) lives there")
        kind_ = data.inschrijving(s.kind, s.eerste, s.today, ouder=s.ouder)
        since = time.perf_counter()  # a latency counts from the request
        await self.stack.change(("brp", "/personen", kind_))
        step.did.append(
            f"BRP: {s.kind.naam} (BSN {s.kind.bsn}) is born today, "
            f"{s.today.isoformat()}, child of {s.ouder.naam}, at the same address"
        )
        with self.expect(step, "bijstand-loket did not see the newborn"):
            child, ms = await until(
                lambda: self.persoon(BIJSTAND, Q_BIJSTAND, s.kind.bsn), self.timeout, since
            )
        step.saw.append(Seen(BIJSTAND, 'GraphQL persoon(bsn, doel: "bijstand")', "the newborn",
                             flatten(child), ms))  # fmt: skip

        async def parent_with_child() -> dict[str, Any] | None:
            found = await self.persoon(BIJSTAND, Q_BIJSTAND, s.ouder.bsn)
            kinderen = (found or {}).get("kinderen") or []
            return (
                found if any(k.get("burgerservicenummer") == s.kind.bsn for k in kinderen) else None
            )

        with self.expect(
            step, "bijstand-loket did not see the newborn among the parent's kinderen"
        ):
            parent, ms = await until(parent_with_child, self.timeout, since)
        step.saw.append(Seen(BIJSTAND, 'GraphQL persoon(bsn, doel: "bijstand")',
                             "the parent, with the newborn among the kinderen",
                             flatten(parent), ms))  # fmt: skip
        return step

    # -- 3. a consent granted --------------------------------------------------------------

    async def consent(self, subs: Subscriptions) -> Step:
        s = self.s
        step = self.begin(3, "A consent granted: the parent lets parkeren use her data")
        cursor = await asyncio.to_thread(self.stack.cursor_at_end, PARKEREN)
        for field_ in SUBSCRIBED:
            subs.subscribe(field_, f'subscription {{ {field_}(doel: "parkeervergunning", '
                                   f'persoonId: "{s.ouder.persoon_id}", na: "{cursor}") '
                                   f"{{ {EVENT} {EVENT_VIEW} }} }}")  # fmt: skip
        step.did.append(f"parkeren subscribes (graphql-transport-ws) to {', '.join(SUBSCRIBED)} "
                        f"for doel parkeervergunning and the parent's persoonId "
                        f"{s.ouder.persoon_id}, from the end of its topic")  # fmt: skip
        before = await self.persoon(PARKEREN, Q_PARKEREN, s.ouder.bsn)
        step.saw.append(Seen(PARKEREN, 'GraphQL persoon(bsn, doel: "parkeervergunning")',
                             "before the consent: " + ("null" if before is None else "data!"),
                             flatten(before)))  # fmt: skip
        if before is not None:
            raise StepFailed(Failure(step.number, step.title,
                                     "parkeren saw the parent before any consent"))  # fmt: skip
        since = time.perf_counter()
        await self.stack.as_citizen(s.ouder.persoon_id, "/toestemmingen", data.toestemming(s))
        step.did.append(f"the parent (with her own citizen's token) grants parkeren consent for "
                        f"parkeervergunning in the consent register: toestemming "
                        f"{s.toestemming_id}")  # fmt: skip
        in_beeld = await self.event(subs, step, "inBeeld")
        self.received(step, in_beeld, since)
        actief = await self.event(subs, step, "toestemmingGewijzigd", "actief")
        self.received(step, actief, since)
        with self.expect(step, "parkeren's query did not show the parent"):
            found, ms = await until(
                lambda: self.persoon(PARKEREN, Q_PARKEREN, s.ouder.bsn), self.timeout, since
            )
        step.saw.append(Seen(PARKEREN, 'GraphQL persoon(bsn, doel: "parkeervergunning")',
                             "name and address, nothing more", flatten(found), ms))  # fmt: skip
        return step

    # -- 4. a move -------------------------------------------------------------------------

    async def move(self, subs: Subscriptions) -> Step:
        s = self.s
        step = self.begin(4, "A move within Amsterdam")
        for call in data.woning(s, s.volgende):
            await self.stack.change(call)
        step.did.append(f"BAG: the new home {s.volgende.regel}")
        path = f"/personen/{s.ouder.persoon_id}/verhuizing"
        since = time.perf_counter()
        await self.stack.change(("brp", path, data.verhuizing(s)))
        await self.stack.change(("brp", f"/personen/{s.kind.persoon_id}/verhuizing",
                                 data.verhuizing(s)))  # fmt: skip
        step.did.append(f"BRP: {s.ouder.naam} and {s.kind.naam} move there (verhuizing)")
        got = await self.event(subs, step, "adresGewijzigd", postcode=s.volgende.postcode)
        self.received(step, got, since)
        return step

    # -- 5. a WOZ value --------------------------------------------------------------------

    async def woz(self) -> Step:
        s = self.s
        step = self.begin(5, "A WOZ value set for the new home")
        for call in data.woz_object(s):
            await self.stack.change(call)
        step.did.append(f"WOZ: WOZ object {s.woz_objectnummer} for verblijfsobject "
                        f"{s.volgende.verblijfsobject}, {s.ouder.naam} its eigenaar")  # fmt: skip
        waarde = data.woz_waarde(s)
        since = time.perf_counter()
        await self.stack.change(waarde)
        jaar = waarde[2]["belastingjaar"]
        step.did.append(f"WOZ: value EUR {s.woz_waarde:,} set for belastingjaar {jaar} "
                        f"(waarde-vastgesteld)")  # fmt: skip

        def has_value(found: dict[str, Any] | None) -> bool:
            waarden = (found or {}).get("waarden") or []
            return any(w.get("vastgesteldeWaarde") == s.woz_waarde for w in waarden)

        async def woz_object() -> dict[str, Any] | None:
            found = (await self.read(BELASTINGEN, Q_WOZ, nummer=s.woz_objectnummer)).get(
                "wozObject"
            )
            return found if has_value(found) else None

        with self.expect(step, "belastingen did not see the value in wozObject"):
            found, ms = await until(woz_object, self.timeout, since)
        step.saw.append(Seen(BELASTINGEN, 'GraphQL wozObject(doel: "belastingen-woz")',
                             "the new value", flatten(found), ms))  # fmt: skip

        async def owner() -> dict[str, Any] | None:
            found = await self.persoon(BELASTINGEN, Q_WOZ_PERSOON, s.ouder.bsn)
            objecten = (found or {}).get("wozObjecten") or []
            return found if any(has_value(o) for o in objecten) else None

        with self.expect(step, "belastingen did not see the value among the parent's wozObjecten"):
            person, ms = await until(owner, self.timeout, since)
        step.saw.append(Seen(BELASTINGEN, 'GraphQL persoon(bsn, doel: "belastingen-woz")',
                             "the eigenaar at the new address, with the value",
                             flatten(person), ms))  # fmt: skip
        return step

    # -- 6. the consent revoked ------------------------------------------------------------

    async def revoked(self, subs: Subscriptions) -> Step:
        s = self.s
        step = self.begin(6, "The consent revoked")
        since = time.perf_counter()
        await self.stack.as_citizen(
            s.ouder.persoon_id, f"/toestemmingen/{s.toestemming_id}/intrekking"
        )
        step.did.append(f"the parent revokes toestemming {s.toestemming_id} (her own token)")
        uit = await self.event(subs, step, "uitBeeld")
        self.received(step, uit, since)
        beeindigd = await self.event(subs, step, "toestemmingGewijzigd", "beeindigd")
        self.received(step, beeindigd, since)

        async def gone() -> bool | None:
            found = await self.persoon(PARKEREN, Q_PARKEREN, s.ouder.bsn)
            return True if found is None else None

        with self.expect(step, "parkeren's query still showed the parent"):
            _, ms = await until(gone, self.timeout, since)
        step.saw.append(Seen(PARKEREN, 'GraphQL persoon(bsn, doel: "parkeervergunning")',
                             "null, the parent is out of its sight", ["persoon: null"], ms,
                             "gone"))  # fmt: skip
        return step

    # -- 7. the processing log -------------------------------------------------------------

    async def processing_log(self) -> Step:
        s = self.s
        step = self.begin(7, "The citizen's processing log")
        token = self.stack.citizen_token(s.ouder.bsn)
        step.did.append(f"{s.ouder.naam} signs in (a citizen's token for the gateway, DigiD in "
                        f"production) and asks mijnVerwerkingen")  # fmt: skip
        since = time.perf_counter()
        last: list[dict[str, Any]] = []

        async def complete() -> list[dict[str, Any]] | None:
            answer = await self.stack.graphql(token, Q_VERWERKINGEN)
            error = graphql_error(answer)
            if error is not None:
                refused = f"mijnVerwerkingen failed: {error[0]}: {error[1]}"
                raise StepFailed(Failure(step.number, step.title, refused))
            nodes: list[dict[str, Any]] = answer["data"]["mijnVerwerkingen"]["nodes"]
            last[:] = nodes
            return nodes if set(LOGGED_BY) <= {n.get("appId") for n in nodes} else None

        try:
            nodes, ms = await until(complete, self.timeout, since)
        except NotSeen:
            apps = sorted({str(n.get("appId")) for n in last if n.get("appId")})
            missing = (f"the processing log did not list reads by {', '.join(LOGGED_BY)} "
                       f"(it listed {', '.join(apps) or 'none'})")  # fmt: skip
            raise StepFailed(Failure(step.number, step.title, missing)) from None
        groups = group_verwerkingen(nodes)
        apps = sorted({g.app for g in groups})
        step.saw.append(Seen("citizen", "GraphQL mijnVerwerkingen",
                             f"{len(nodes)} entries: her data read by {', '.join(apps)}",
                             verwerking_lines(groups), ms, "complete"))  # fmt: skip
        return step


async def play(stack: Stack, s: Scenario, timeout: float, show: Callable[[Step], None]) -> None:
    """The seven steps; StepFailed when one did not show what it should."""
    try:
        await Play(stack, s, timeout, show).run()
    finally:
        await stack.close()
