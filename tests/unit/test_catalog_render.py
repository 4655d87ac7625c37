"""The catalog's pages, rendered from data made here (no broker, registry or store): every text
is escaped, each section shows what it was given or says its component is unavailable, and no
page has a place for personal data."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

import pytest

from bron.policy import App, Policy, load_policy
from bron.probes import Component, Group
from bron.topics import DAY_MS, DEAD_LETTER, TOPICS, Cleanup, TopicSpec
from bron.types import TopicName
from services.catalog import render
from services.catalog.gather import type_label
from services.catalog.html import Markup, el, escape
from services.catalog.html import render as to_html
from services.catalog.model import (
    BrokerTopics,
    Conformance,
    DeadLetterRow,
    DeadLetters,
    FieldInfo,
    Finding,
    Schemas,
    SubjectInfo,
    Unavailable,
)

NOW = datetime(2026, 11, 28, 12, 30, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script> & <b>'
DOWN = Unavailable("Kafka", "connection refused")
APP_SPEC = TopicSpec(TopicName("bron.app.*"), 6, Cleanup.compact, personal_data=True,
                     doc="An app's purpose-filtered views, keyed by persoonId.")  # fmt: skip


def text_of(html: str) -> str:
    """What a reader sees: the tags gone, the entities as characters."""
    import html as stdlib

    return " ".join(stdlib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


def sections(html: str, kind: str) -> list[str]:
    return re.findall(rf'<(?:section|p)[^>]*class="{kind}"[^>]*data-section="([^"]+)"', html)


# -- html ------------------------------------------------------------------------------------


def test_text_and_attributes_are_escaped_and_markup_is_not_escaped_twice() -> None:
    made = el("a", HOSTILE, el("b", "vet"), href='/x?a=1&b="2"', title=None, hidden=True)
    assert str(made) == (
        '<a href="/x?a=1&amp;b=&quot;2&quot;" hidden>'
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;<b>vet</b></a>"
    )
    assert to_html(["a", 1, None, [Markup("<br>"), "<"]]) == "a1<br>&lt;"
    assert escape("'") == "&#x27;"
    assert el("br") == "<br>"
    assert el("td", class_="x", data_app="y") == '<td class="x" data-app="y"></td>'


@pytest.mark.parametrize(("tag", "attribute"), [("a onclick", "x"), ("a", "on click")])
def test_names_of_tags_and_attributes_are_checked(tag: str, attribute: str) -> None:
    with pytest.raises(ValueError, match="not a"):
        el(tag, **{attribute: "1"})


def test_the_frame_marks_the_current_page_and_has_no_script() -> None:
    html = render.page("/apps", f"Titel {HOSTILE}", "inhoud", generated=NOW)
    assert html.startswith('<!doctype html>\n<html lang="nl">')
    assert '<a href="/apps" aria-current="page">Apps</a>' in html
    assert html.count('aria-current="page"') == 1
    assert "<title>Titel &lt;script&gt;" in html
    assert "<script" not in html
    assert '<link rel="stylesheet" href="/catalog.css">' in html
    assert "2026-11-28 12:30:00 UTC" in html


# -- overview --------------------------------------------------------------------------------


def test_the_overview_links_every_page_and_shows_the_components() -> None:
    components = [Component("Kafka", "127.0.0.1:9092", True, 3.0, detail="1 broker"),
                  Component("GraphQL gateway", "http://127.0.0.1:8120/health", False, 1.0,
                            "connection refused")]  # fmt: skip
    html = render.overview_page(components, {"Kafka": "127.0.0.1:9092"}, generated=NOW)
    for href, _label in render.NAV[1:]:
        assert f'<a href="{href}">' in html
    assert "bereikbaar (1 broker)" in html
    assert "niet bereikbaar (connection refused)" in html
    down = render.overview_page(DOWN, {}, generated=NOW)
    assert sections(down, "unavailable") == ["components"]


# -- topics ----------------------------------------------------------------------------------


def test_topics_show_what_the_broker_says_and_where_it_differs() -> None:
    names = [s.name for s in TOPICS]
    broker = BrokerTopics(
        partitions={**{n: 6 for n in names}, "bron.dead-letter": 1, "bron.app.parkeren": 6,
                    "_schemas": 1, "bron.policy.events": 1, "andere-topic": 3},
        configs={"bron.dead-letter": {"cleanup.policy": "delete", "retention.ms": "2592000000"},
                 "bron.brp.events": {"cleanup.policy": "compact"},
                 "bron.app.parkeren": {"cleanup.policy": "compact",
                                       "max.compaction.lag.ms": "86400000"}},
        messages={"bron.dead-letter": 1234, "bron.app.parkeren": 7},
    )  # fmt: skip
    html = render.topics_page(TOPICS, APP_SPEC, broker, generated=NOW)
    seen = text_of(html)
    assert "30 dagen" in seen
    assert "1.234" in seen
    assert "compact (gedeclareerd: delete)" in seen  # bron.brp.events
    assert "oude binnen 1 dag weg" in seen
    assert "bron.app.parkeren" in seen
    assert "Andere topics op de broker (1)" in seen
    assert not sections(html, "unavailable")


def test_topics_without_a_broker_still_list_the_declared_ones() -> None:
    html = render.topics_page(TOPICS, APP_SPEC, DOWN, generated=NOW)
    assert sections(html, "unavailable") == ["broker"]
    assert "Kafka (connection refused)" in text_of(html)
    for spec in TOPICS:
        assert spec.name in html
    assert f"{DEAD_LETTER.retention_ms // DAY_MS} dagen" in text_of(html)


@pytest.mark.parametrize(
    ("ms", "shown"),
    [(-1, "onbeperkt"), (86_400_000, "1 dag"), (2 * 86_400_000, "2 dagen"),
     (6 * 3_600_000, "6 uur"), (1500, "1500 ms")],
)  # fmt: skip
def test_durations_read_as_words(ms: int, shown: str) -> None:
    assert render.duration(ms) == shown


# -- schemas ---------------------------------------------------------------------------------


def _subject(**overrides: object) -> SubjectInfo:
    values: dict[str, object] = {
        "subject": "nl.bron.brp.PersoonVerhuisd", "versions": (1, 2), "level": "BACKWARD",
        "latest_id": 7, "source": "register", "file": "schemas/avro/brp/persoon-verhuisd.avsc",
        "event_type": "nl.brp.persoon-verhuisd.v1", "doc": "Een persoon is verhuisd.",
        "fields": (FieldInfo("persoonId", "string (uuid)", "pseudoniem", "Stabiele id."),
                   FieldInfo("bsn", "string", "bsn", "Het BSN."),
                   FieldInfo("opmerking", "null | string", None, HOSTILE)),
    }  # fmt: skip
    return SubjectInfo(**{**values, **overrides})  # type: ignore[arg-type]


def test_schemas_list_versions_levels_and_classifications() -> None:
    html = render.schemas_page(Schemas("http://registry", (_subject(),), None, "FULL"),
                               generated=NOW)  # fmt: skip
    assert '<a href="/schemas/nl.bron.brp.PersoonVerhuisd">' in html
    seen = text_of(html)
    assert "1, 2" in seen
    assert "BACKWARD" in seen
    assert "FULL" in seen
    assert '<span class="badge c-bsn">bsn 1</span>' in html
    assert '<span class="badge missing">geen classificatie 1</span>' in html


def test_schemas_without_a_registry_come_from_the_files() -> None:
    files = (_subject(versions=None, level=None, source="bestand"),)
    html = render.schemas_page(Schemas("http://registry", files, DOWN), generated=NOW)
    assert sections(html, "unavailable") == ["registry"]
    assert "uit de bestanden in schemas/avro" in html


def test_a_subject_shows_each_field_escaped() -> None:
    html = render.subject_page(_subject(), "nl.bron.brp.PersoonVerhuisd", generated=NOW)
    assert "&lt;script&gt;alert" in html
    assert "<script" not in html
    assert '<span class="badge c-pseudoniem">pseudoniem</span>' in html
    assert "string (uuid)" in html
    odd = render.subject_href("a/b c")
    assert odd == "/schemas/a%2Fb%20c"


def test_avro_types_in_a_few_words() -> None:
    assert type_label(["null", "string"]) == "null | string"
    assert type_label({"type": "long", "logicalType": "timestamp-millis"}) == (
        "long (timestamp-millis)"
    )
    assert type_label({"type": "array", "items": "nl.bron.platform.Header"}) == "array<Header>"
    assert type_label({"type": "enum", "name": "Soort", "symbols": ["a", "b"]}) == (
        "Soort (enum: a, b)"
    )
    assert type_label({"type": "map", "values": "int"}) == "map<int>"


# -- who sees what and apps ------------------------------------------------------------------


def _policy() -> Policy:
    base = load_policy()
    extra = (
        App(id="mijn-wijk", naam=HOSTILE, organisatie="00000003000000000002", overheid=False,
            doelen=("afvalpas",), versie="0.1.0", contact="j.jansen@example.nl", gemeenten=()),
        App(id="parkeren-bewoners", naam="Parkeren", organisatie="00000001002564440000",
            overheid=False, doelen=("parkeervergunning",), versie="1.0.0",
            contact="j.jansen@example.nl", gemeenten=("0363",),
            origins=("https://parkeren.example.nl",)),
    )  # fmt: skip
    return Policy(doelen=base.doelen, apps=(*base.apps, *extra))


def test_who_sees_what_per_purpose_and_per_app() -> None:
    policy = _policy()
    html = render.access_page(policy, generated=NOW)
    seen = text_of(html)
    for doel in policy.doelen:
        assert f'id="doel-{doel.id}"' in html
        assert doel.naam in seen
    assert "Participatiewet, artikelen 7 en 64" in seen
    assert "partners.burgerservicenummer" in seen
    assert "alle gemeenten van zijn doelen (0363, 0518, 0599)" in seen  # bijstand-loket
    assert "nog geen" in seen  # mijn-wijk, enabled nowhere
    assert "https://parkeren.example.nl" in seen
    assert "&lt;script&gt;" in html
    assert "<script" not in html
    assert "j.jansen" not in html  # a contact is a person's address: never shown


def test_who_sees_what_without_a_store() -> None:
    html = render.access_page(Unavailable("projectie-opslag", "nog niet aangemaakt"),
                              generated=NOW)  # fmt: skip
    assert sections(html, "unavailable") == ["policy", "policy"]


def test_apps_show_conformance_per_app() -> None:
    checked = [
        Conformance("parkeren-bewoners", "examples/parkeervergunning/bron-app.yaml", "1.0.0"),
        Conformance("mijn-wijk", "examples/kapot/bron-app.yaml", "0.1.0", (
            Finding("doel-onbekend", "doelen[1]", None, "wijkberichten",
                    "not a purpose in the register", "name an existing purpose"),
            Finding("veld-niet-toegestaan", "operaties[0]", "geboorte.datum", "afvalpas",
                    f"not allowed {HOSTILE}", "drop it"),
        )),
        Conformance("woz-aanslag", "examples/woz-aanslag/bron-app.yaml", "1.0.0"),
        Conformance("stuk", "examples/stuk/bron-app.yaml", None, error="cannot read it"),
    ]  # fmt: skip
    html = render.apps_page(_policy(), checked, generated=NOW)
    statuses = dict(re.findall(r'data-app="([^"]+)".*?data-status="([^"]+)"', html, re.S))
    assert statuses["parkeren-bewoners"] == "conform"
    assert statuses["mijn-wijk"] == "violations"
    assert statuses["bijstand-loket"] == "no-manifest"
    assert statuses["woz-aanslag"] == "conform"  # a manifest not (yet) registered here
    assert statuses["stuk"] == "error"
    seen = text_of(html)
    assert "✗ 2 overtredingen" in seen
    assert "doel-onbekend doelen[1] (wijkberichten)" in seen
    assert "→ drop it" in seen
    assert "<script" not in html
    assert "j.jansen" not in html


def test_apps_when_a_component_is_unavailable() -> None:
    html = render.apps_page(DOWN, Unavailable("contracten", "SyntaxError"), generated=NOW)
    assert sections(html, "unavailable") == ["conformance", "policy"]
    only_store = render.apps_page(_policy(), Unavailable("contracten", "x"), generated=NOW)
    assert "conformiteit onbekend" in only_store


# -- lag -------------------------------------------------------------------------------------


def test_lag_per_app_and_for_bron_s_own_workers() -> None:
    groups = [
        Group("bron-projecties", "stream workers", "projection store", True, 5,
              {"bron.brp.events": 5, "bron.bag.events": 0}),
        Group("bron-webhooks", "webhook dispatchers", "Kafka", False, 3,
              {"bron.app.parkeren": 3}),
        Group("parkeren-meldingen", "app (eigen consumer)", "Kafka", True, 1_234,
              {"bron.app.parkeren": 1_234}),
        Group("kapot", "app (eigen consumer)", "Kafka", True, None, {},
              "offsets unavailable (timeout)"),
    ]  # fmt: skip
    html = render.lag_page(groups, generated=NOW)
    rows = re.findall(r"<tr><td><code>([^<]+)</code></td><td><code>([^<]+)</code></td>"
                      r"<td><code>([^<]+)</code></td><td>[^<]*</td><td><span[^>]*>([^<]+)<",
                      html)  # fmt: skip
    assert rows == [
        ("parkeren", "bron.app.parkeren", "bron-webhooks", "3 (nog niets vastgelegd)"),
        ("parkeren", "bron.app.parkeren", "parkeren-meldingen", "1.234"),
    ]
    assert 'data-group="bron-projecties"' in html
    assert "1 per-app topic (zie Per app)" in html
    assert render.lag_page(DOWN, generated=NOW).count('class="unavailable"') == 1


# -- dead letters ----------------------------------------------------------------------------


def test_a_dead_letter_has_no_place_for_the_original_message() -> None:
    names = {f.name for f in dataclasses.fields(DeadLetterRow)}
    assert not names & {"key", "value", "headers", "data"}


def test_dead_letters_show_where_and_why_never_a_personal_number() -> None:
    rows = (
        DeadLetterRow(0, 12, NOW, "bron.brp.events", 3, 41, "fold failed for 999993653 <x>",
                      "FoldError", "nl.brp.persoon-verhuisd.v1", 3, "bron-projecties"),
        DeadLetterRow(0, 11, None, unreadable="schema 9 is geen dead letter"),
    )  # fmt: skip
    html = render.dead_letters_page(DeadLetters("bron.dead-letter", 2, rows), 50, generated=NOW)
    seen = text_of(html)
    assert "999993653" not in html
    assert f"fold failed for {render.MASK} <x>" in seen
    assert "&lt;x&gt;" in html
    assert "nl.brp.persoon-verhuisd.v1" in seen
    assert "2026-11-28 12:30:00 UTC" in seen
    assert "onleesbaar (dead letter 0/11): schema 9 is geen dead letter" in seen
    assert "2 berichten" in seen
    empty = render.dead_letters_page(DeadLetters("bron.dead-letter", 0), 50, generated=NOW)
    assert "Geen dead letters." in empty
    down = render.dead_letters_page(DOWN, 50, generated=NOW)
    assert sections(down, "unavailable") == ["dead-letters"]


def test_a_reason_from_a_component_is_masked_too() -> None:
    html = str(render.unavailable("x", Unavailable("Kafka", "broker 1234567890 down")))
    assert "1234567890" not in html
    assert render.mask("OIN 00000001002564440000, gemeente 0363") == (
        "OIN 00000001002564440000, gemeente 0363"
    )


def test_a_long_name_may_break_after_its_dots_and_dashes_a_short_one_does_not() -> None:
    from services.catalog.render import name

    assert name("bron.brp.events") == "<code>bron.brp.events</code>"
    long = name("bron.app.een-app-met-een-naam-van-<veel>-tekens")
    assert long.startswith('<code class="long">bron.<wbr>app.<wbr>een-<wbr>app-<wbr>')
    assert "&lt;veel&gt;" in long
    assert "<veel>" not in long
    assert long.replace("<wbr>", "").endswith("een-naam-van-&lt;veel&gt;-tekens</code>")
