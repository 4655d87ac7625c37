"""What a subscription delivers: a `Gebeurtenis`, one notice of `bron.notices` (so it agrees
with the webhooks and the Kafka client helper), with the purpose's view of the person as the
same `Persoon` type the queries return, and its cursor. Pure: no Kafka, no policy, no log.

The cursor is opaque to clients: base64url (unpadded) of JSON {partition: next offset} of the
app's topic, the position after the notice's record. It names no person and no app; a cursor
of another app's subscription only positions the reader in the caller's own topic."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import cast

import strawberry
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from bron.notices import Notice
from bron_gateway.errors import InvalidArgument
from bron_gateway.objecten_types import WozObject
from bron_gateway.persoon_types import Adres, Persoon
from bron_gateway.resolve import document
from bron_gateway.selection import Requested, requested

# The fields of a Gebeurtenis that show the purpose's view: `persoon` (everything under it),
# and the view's `adres` and `wozObjecten` at the top for convenience (entities of the policy).
VIEW_FIELDS = frozenset({"adres", "wozObjecten"})
MAX_CURSOR = 4096  # characters: a few hundred partitions


@strawberry.type(
    description="Something that happened to a person the purpose (doel) shows, as the "
    "subscription's kind names it. `cursor` resumes after it: subscribe again with `na` set "
    "to the last cursor received to miss nothing (ADR 11)."
)
class Gebeurtenis:
    id: strawberry.ID = strawberry.field(
        description="The notice's id, the same on every channel and on redelivery."
    )
    type: str = strawberry.field(description="The CloudEvents type, `nl.bron.<kind>.v1`.")
    cursor: str = strawberry.field(
        description="Opaque: the position after this notice's record, for `na`."
    )
    tijdstip: str = strawberry.field(description="When the record was made (RFC 3339, UTC).")
    persoonId: strawberry.ID
    doel: str
    velden: list[str] = strawberry.field(
        description="What changed in the purpose's view: `persoon.<field>`, `adres`, "
        "`verblijfsobject`, `wozObjecten.waarden`, ..."
    )
    status: str | None = strawberry.field(
        default=None, description="toestemmingGewijzigd only: actief or beeindigd."
    )
    persoon: Persoon | None = strawberry.field(
        default=None,
        description="The person as the purpose shows them now; null when they left its scope "
        "(uitBeeld, toestemming beeindigd).",
    )
    adres: Adres | None = strawberry.field(
        default=None, description="The person's address as the purpose shows it."
    )
    wozObjecten: list[WozObject] | None = strawberry.field(
        default=None, description="The WOZ objects as the purpose shows them."
    )


def gebeurtenis(notice: Notice, cursor: str, tijdstip: datetime) -> Gebeurtenis:
    """The notice as the subscriber sees it; the view documents are read by the schema's
    default resolver, as the queries' are."""
    view = notice.data
    return Gebeurtenis(
        id=strawberry.ID(notice.id),
        type=notice.type,
        cursor=cursor,
        tijdstip=tijdstip.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        persoonId=strawberry.ID(notice.persoon_id),
        doel=notice.doel_id,
        velden=list(notice.velden),
        status=notice.status,
        persoon=None if view is None else cast(Persoon, document(view)),
        adres=None if view is None else cast(Adres | None, view.get("adres")),
        wozObjecten=None if view is None else cast(list[WozObject] | None, view.get("wozObjecten")),
    )


def asked_of(selections: Sequence[Selection]) -> Requested:
    """What a subscription asks of the purpose's view, per entity (as `selection.requested`
    gives it for a query): the selections under `persoon`, and the top `adres` and
    `wozObjecten`. The other fields (id, cursor, velden, ...) show no data of the view."""
    of_view: list[Selection] = []
    for field in _fields(selections):
        if field.name == "persoon":
            of_view += field.selections
        elif field.name in VIEW_FIELDS:
            of_view.append(field)
    return requested(of_view)


def wanted(notice: Notice, doel_id: str, kind: str, persoon_id: str | None) -> bool:
    """The subscription's filter: its purpose, its kind and (if given) its person."""
    return (
        notice.doel_id == doel_id
        and notice.kind == kind
        and (persoon_id is None or notice.persoon_id == persoon_id)
    )


def encode_cursor(positions: Mapping[int, int]) -> str:
    """The cursor of these positions (partition -> next offset)."""
    body = json.dumps({str(p): o for p, o in sorted(positions.items())}, separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).rstrip(b"=").decode()


def decode_cursor(text: str) -> dict[int, int]:
    """The positions of a cursor this gateway gave, or InvalidArgument (before anything is
    read)."""
    bad = InvalidArgument(
        "`na` is not a cursor of this gateway",
        suggestion="use the `cursor` of a Gebeurtenis, or leave `na` out",
    )
    if len(text) > MAX_CURSOR:
        raise bad
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
        data = json.loads(raw)
    except (ValueError, binascii.Error):
        raise bad from None
    if not isinstance(data, dict):
        raise bad
    positions: dict[int, int] = {}
    for key, value in data.items():
        if not key.isdigit() or type(value) is not int or value < 0:
            raise bad
        positions[int(key)] = value
    return positions


def _fields(selections: Iterable[Selection]) -> Iterable[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, FragmentSpread | InlineFragment):
            yield from _fields(selection.selections)
