"""The HTTP request of a delivery: a CloudEvent in binary mode (pure).

Headers carry the context attributes (`ce-specversion`, `ce-id` = the notice id, `ce-source`,
`ce-type`, `ce-time`, `ce-dataref`) and never personal data: intermediaries log headers (NL GOV
profile), so the persoonId is in the body only, and there is no `ce-subject`. The body is thin
by default ("informatiearm": who, which purpose, what kind of change, which fields; fetch the
data at `ce-dataref`, the gateway); a `volledig` subscription gets the purpose's view in `data`
as well. A person who left the purpose's scope (`uit-beeld`) never comes with data."""

from __future__ import annotations

from typing import Any

from bron import fastjson
from bron.notices import Notice
from bron.policy import Doel

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"


def body(notice: Notice, volledig: bool) -> bytes:
    out: dict[str, Any] = {
        "persoonId": notice.persoon_id,
        "doel": notice.doel_id,
        "soort": notice.kind,
        "status": notice.status,
        "velden": list(notice.velden),
        "versie": notice.versie,
    }
    if volledig and notice.data is not None:
        out["data"] = notice.data
    return fastjson.dumpb(out)


def headers(notice: Notice, source: str, dataref: str, time: str) -> dict[str, str]:
    """`time`: RFC 3339, when the change was recorded (the per-app record's `ce_time`)."""
    return {
        "ce-specversion": SPECVERSION,
        "ce-id": notice.id,
        "ce-source": source,
        "ce-type": notice.type,
        "ce-time": time,
        "ce-dataref": dataref,
        "content-type": CONTENT_TYPE,
    }


def source(oin: str) -> str:
    return f"urn:nld:oin:{oin}:systeem:bron-webhooks"


def logged_fields(doel: Doel, volledig: bool) -> list[str]:
    """What the processing log names as processed: the persoonId always (thin deliveries carry
    it), and with `volledig` every field the purpose shows."""
    fields = ["persoonId"]
    if volledig:
        fields += [
            f"{entity}.{path}" for entity, paths in sorted(doel.velden.items()) for path in paths
        ]
    return fields
