"""Parkeervergunning voor bewoners: an example app on Bron's GraphQL gateway.

    python app.py vergunning --bsn 999993653     # the address the resident's permit is for
    python app.py volg [--cursors volg.json]     # follow moves and ends of the permits

The app sends only the GraphQL of its manifest's .graphql files, read from them here: what runs
is exactly what `bron apps register` registered (under production settings the gateway runs
nothing else). The gateway's URL and the app's token come from --gateway and --token, or from
BRON_GATEWAY_URL and BRON_APP_TOKEN. Needs httpx, PyYAML and gql[websockets]."""

from __future__ import annotations

import argparse
import asyncio
import json
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
BEWONER = "operations/bewoner.graphql"
VERHUIZINGEN = "operations/verhuizingen.graphql"
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


def naam(persoon: Data) -> str:
    found = persoon.get("naam") or {}
    parts = (found.get("voorletters"), found.get("voorvoegsel"), found.get("geslachtsnaam"))
    return " ".join(p for p in parts if p)


def adresregel(adres: Data) -> str:
    """Dorpsstraat 12a-2, 1011AB Amsterdam."""
    nummer = f"{adres.get('huisnummer')}{adres.get('huisletter') or ''}"
    if adres.get("huisnummertoevoeging"):
        nummer += f"-{adres['huisnummertoevoeging']}"
    return f"{adres.get('straat')} {nummer}, {adres.get('postcode')} {adres.get('woonplaats')}"


def verhuisd(notice: Data) -> str:
    who = naam(notice["persoon"] or {}) or notice["persoonId"]
    return f"verhuisd: {who} ({notice['persoonId']}) -> {adresregel(notice['adres'] or {})}"


def beeindigd(notice: Data) -> str:
    """The resident left the purpose's view: consent ended, or moved out of the municipality."""
    return f"vergunning vervalt: {notice['persoonId']} (geen toestemming of woont er niet meer)"


# -- the commands ----------------------------------------------------------------------------


def vergunning(gateway: str, token: str, bsn: str) -> str | None:
    """The permit's line for a resident: name and address; None when the gateway shows no
    one (unknown, no consent, or not living in a municipality of the purpose)."""
    persoon = query(gateway, token, BEWONER, "Bewoner", {"bsn": bsn})["persoon"]
    if persoon is None or not persoon.get("adres"):
        return None
    return f"parkeervergunning voor {naam(persoon)}: {adresregel(persoon['adres'])}"


async def volg(
    gateway: str, token: str, cursors: Path | None = None, show: Callable[[str], None] = print
) -> None:
    """Follow the permits until stopped: each move and each end, shown as it comes. With
    `cursors`, the last cursor of each subscription is kept in that file, so that a restart
    resumes where the app stopped and misses nothing."""
    kept: dict[str, str] = json.loads(cursors.read_text()) if cursors and cursors.exists() else {}
    text = operations(VERHUIZINGEN)
    transport = WebsocketsTransport(
        url=gateway.replace("http", "ws", 1),
        init_payload={"Authorization": f"Bearer {token}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],  # graphql-transport-ws
    )
    async with Client(transport=transport) as session:

        async def follow(operation: str, line: Callable[[Data], str]) -> None:
            request = GraphQLRequest(text, operation_name=operation,
                                     variable_values={"na": kept.get(operation)})  # fmt: skip
            async for result in session.subscribe(request):
                [notice] = result.values()  # a subscription has one root field
                show(line(notice))
                if cursors is not None:
                    kept[operation] = notice["cursor"]
                    cursors.write_text(json.dumps(kept))

        await asyncio.gather(follow("Verhuizingen", verhuisd), follow("Uitgeschreven", beeindigd))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Parkeervergunning voor bewoners (Bron)")
    parser.add_argument("--gateway", default=os.environ.get("BRON_GATEWAY_URL", DEFAULT_GATEWAY),
                        help="the gateway's /graphql URL (BRON_GATEWAY_URL)")  # fmt: skip
    parser.add_argument("--token", default=os.environ.get("BRON_APP_TOKEN"),
                        help="the app's token for the gateway (BRON_APP_TOKEN)")  # fmt: skip
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("vergunning", help="the address a resident's permit is for")
    one.add_argument("--bsn", required=True, help="the resident's BSN")
    follow = commands.add_parser("volg", help="follow moves and ends of permits")
    follow.add_argument("--cursors", type=Path, help="a file to keep the cursors in (resume)")
    args = parser.parse_args(argv)
    if not args.token:
        parser.error("give the app's token: --token or BRON_APP_TOKEN")
    try:
        if args.command == "vergunning":
            line = vergunning(args.gateway, args.token, args.bsn)
            print(line or f"geen bewoner met toestemming gevonden voor BSN {args.bsn}")
            return 0 if line else 1
        asyncio.run(volg(args.gateway, args.token, args.cursors, lambda s: print(s, flush=True)))
    except (GatewayError, TransportError, OSError) as exc:
        parser.exit(2, f"gateway: {exc}\n")
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
