"""WOZ en aanslag OZB: an example app on Bron's GraphQL gateway, for a statutory purpose.

    python app.py aanslag --bsn 999993653             # the basis of a person's assessment
    python app.py object --adres 0363200000000001     # the WOZ object of an address
    python app.py volg                                # each WOZ value set, as it comes

The app sends only the GraphQL of its manifest's .graphql files, read from them here: what runs
is exactly what `bron apps register` registered (under production settings the gateway runs
nothing else). The gateway's URL and the app's token come from --gateway and --token, or from
BRON_GATEWAY_URL and BRON_APP_TOKEN. Needs httpx, PyYAML and gql[websockets]."""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import yaml
from gql import Client, GraphQLRequest
from gql.transport.exceptions import TransportError
from gql.transport.websockets import WebsocketsTransport

HERE = Path(__file__).resolve().parent
AANSLAG = "operations/aanslag.graphql"
WAARDEN = "operations/waarden.graphql"
DEFAULT_GATEWAY = "http://127.0.0.1:8120/graphql"

Data = dict[str, Any]


class GatewayError(Exception):
    """The gateway refused the operation or answered with errors."""


def operations(bestand: str) -> str:
    """The text of one of the manifest's operation files (`operaties[].bestand`)."""
    manifest = yaml.safe_load((HERE / "bron-app.yaml").read_text(encoding="utf-8"))
    if bestand not in [o["bestand"] for o in manifest.get("operaties") or []]:
        raise GatewayError(f"{bestand} is not in the manifest: the gateway would refuse it")
    return (HERE / bestand).read_text(encoding="utf-8")


def query(gateway: str, token: str, bestand: str, operation: str, variables: Data) -> Data:
    """Run one operation of a file of the manifest over HTTP; its data, or GatewayError."""
    body = {"query": operations(bestand), "operationName": operation, "variables": variables}
    try:
        response = httpx.post(gateway, json=body, timeout=30,
                              headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    except httpx.HTTPError as exc:
        raise GatewayError(f"{gateway} is not reachable: {exc}") from None
    if response.status_code >= 400 and "json" not in response.headers.get("content-type", ""):
        raise GatewayError(f"the gateway answered {response.status_code}")
    answer: Data = response.json()
    if answer.get("errors"):
        raise GatewayError("; ".join(e["message"] for e in answer["errors"]))
    data: Data = answer["data"]
    return data


# -- what the app shows ----------------------------------------------------------------------


def euro(bedrag: int | None) -> str:
    return "onbekend" if bedrag is None else "€ " + f"{bedrag:,}".replace(",", ".")


def waarde(woz: Data) -> str:
    """The value of the latest belastingjaar: the basis of this year's assessment."""
    waarden = sorted(woz.get("waarden") or [], key=lambda w: w.get("belastingjaar") or 0)
    if not waarden:
        return "nog geen waarde vastgesteld"
    laatste = waarden[-1]
    bedrag, jaar = euro(laatste.get("vastgesteldeWaarde")), laatste.get("belastingjaar")
    return f"{bedrag} (belastingjaar {jaar}, waardepeildatum {laatste.get('waardepeildatum')})"


def belanghebbenden(woz: Data) -> str:
    """In what capacity there is an interest (who is not shown): eigenaar sinds 2020-01-01."""
    found = [f"{b.get('soort')} sinds {b.get('ingangsdatum')}"
             for b in woz.get("belanghebbenden") or [] if not b.get("einddatum")]  # fmt: skip
    return ", ".join(found) or "geen belanghebbenden"


def wozregel(woz: Data) -> str:
    return f"WOZ-object {woz.get('wozObjectnummer')}: {waarde(woz)}; {belanghebbenden(woz)}"


def naam(persoon: Data) -> str:
    found = persoon.get("naam") or {}
    parts = (found.get("voorletters"), found.get("voorvoegsel"), found.get("geslachtsnaam"))
    return " ".join(p for p in parts if p)


def adresregel(adres: Data) -> str:
    nummer = f"{adres.get('huisnummer')}{adres.get('huisletter') or ''}"
    if adres.get("huisnummertoevoeging"):
        nummer += f"-{adres['huisnummertoevoeging']}"
    return f"{adres.get('straat')} {nummer}, {adres.get('postcode')} {adres.get('woonplaats')}"


# -- the commands ----------------------------------------------------------------------------


def aanslag(gateway: str, token: str, bsn: str) -> list[str] | None:
    """The basis of a person's assessment, as lines: who, then one line per WOZ object; None
    when the gateway shows no one (unknown, or not in a municipality of the purpose)."""
    persoon = query(gateway, token, AANSLAG, "Aanslaggrondslag", {"bsn": bsn})["persoon"]
    if persoon is None:
        return None
    woonadres = adresregel(persoon["adres"]) if persoon.get("adres") else "geen woonadres"
    wie = f"grondslag aanslag OZB voor {naam(persoon)} (BSN {persoon['burgerservicenummer']})"
    objecten = ["  " + wozregel(w) for w in persoon.get("wozObjecten") or []]
    return [f"{wie}, {woonadres}", *(objecten or ["  geen WOZ-objecten"])]


def woz_object(gateway: str, token: str, adres: str) -> str | None:
    """The WOZ object of an address (nummeraanduiding id); None when there is none."""
    found = query(gateway, token, AANSLAG, "WozObjectVanAdres", {"adres": adres})["wozObject"]
    return None if found is None else wozregel(found)


async def volg(gateway: str, token: str, show: Callable[[str], None] = print) -> None:
    """Each WOZ value set for someone the purpose shows, until stopped."""
    transport = WebsocketsTransport(
        url=gateway.replace("http", "ws", 1),
        init_payload={"Authorization": f"Bearer {token}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],  # graphql-transport-ws
    )
    request = GraphQLRequest(operations(WAARDEN), operation_name="WaardeVastgesteld")
    async with Client(transport=transport) as session:
        async for result in session.subscribe(request):
            notice = result["wozWaardeVastgesteld"]
            for woz in notice["wozObjecten"] or []:
                wie, nummer = notice["persoonId"], woz.get("wozObjectnummer")
                show(f"nieuwe waarde voor {wie}: WOZ-object {nummer}: {waarde(woz)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="WOZ en aanslag OZB (Bron)")
    parser.add_argument("--gateway", default=os.environ.get("BRON_GATEWAY_URL", DEFAULT_GATEWAY),
                        help="the gateway's /graphql URL (BRON_GATEWAY_URL)")  # fmt: skip
    parser.add_argument("--token", default=os.environ.get("BRON_APP_TOKEN"),
                        help="the app's token for the gateway (BRON_APP_TOKEN)")  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("aanslag", help="the basis of a person's assessment").add_argument(
        "--bsn", required=True, help="the person's BSN"
    )
    commands.add_parser("object", help="the WOZ object of an address").add_argument(
        "--adres", required=True, help="the address's nummeraanduiding id (16 digits)"
    )
    commands.add_parser("volg", help="each WOZ value set, as it comes")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("give the app's token: --token or BRON_APP_TOKEN")
    try:
        if args.command == "aanslag":
            lines = aanslag(args.gateway, args.token, args.bsn)
            print("\n".join(lines or [f"niemand gevonden voor BSN {args.bsn}"]))
            return 0 if lines else 1
        if args.command == "object":
            line = woz_object(args.gateway, args.token, args.adres)
            print(line or f"geen WOZ-object bij adres {args.adres}")
            return 0 if line else 1
        asyncio.run(volg(args.gateway, args.token, lambda s: print(s, flush=True)))
    except (GatewayError, TransportError, OSError) as exc:
        parser.exit(2, f"gateway: {exc}\n")
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
