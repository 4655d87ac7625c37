"""The catalog's pages, from what `gather` found (pure: no I/O, the same data gives the same
page). Every text is escaped (`services.catalog.html`); a section whose component did not
answer says so (`Unavailable`) and the rest of the page stands. Labels are Dutch, for the
municipalities' data stewards."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from urllib.parse import quote

from bron.policy import App, Doel, Policy
from bron.probes import Component, Group
from bron.topics import DAY_MS, HOUR_MS, TopicSpec
from services.catalog.html import Content, Markup, el, render
from services.catalog.model import (
    BrokerTopics,
    Conformance,
    DeadLetterRow,
    DeadLetters,
    Schemas,
    SubjectInfo,
    Unavailable,
)

TITLE = "Bron catalogus"
NAV = (
    ("/", "Overzicht"),
    ("/topics", "Topics"),
    ("/schemas", "Schema's"),
    ("/doelen", "Wie ziet wat"),
    ("/apps", "Apps"),
    ("/lag", "Achterstand"),
    ("/dead-letters", "Dead letters"),
)
DESCRIPTIONS = {
    "/topics": "De Kafka-topics: partities, opruimbeleid, bewaartermijn en aantal berichten.",
    "/schemas": "De Avro-contracten in het schemaregister: versies, compatibiliteitsniveau en "
    "per veld de classificatie en omschrijving.",
    "/doelen": "Per doel de toegestane velden, grondslag en gemeenten; per app de doelen, "
    "gemeenten, versie en origins.",
    "/apps": "De apps met hun doelen, velden, gemeenten en of ze voldoen aan de contracten.",
    "/lag": "Hoe ver elke consumer group achterloopt, per app en per topic.",
    "/dead-letters": "De laatste berichten die niet verwerkt konden worden: waar ze stonden en "
    "waarom (nooit hun inhoud).",
}
CLASSIFICATIONS = (
    "openbaar",
    "intern",
    "pseudoniem",
    "persoonsgegeven",
    "bijzonder-persoonsgegeven",
    "bsn",
)
APP_TOPICS = "bron.app."
LONG_NAME = 32  # characters of a name shown on one line whatever the width
# A 9- or 10-digit run (a BSN, an A-nummer) in a free text is masked, should one ever slip into
# a reason: the catalog shows no personal data, whatever a component says.
_PERSONAL_NUMBER = re.compile(r"(?<!\d)\d{9,10}(?!\d)")
MASK = "•••"


def mask(text: str) -> str:
    return _PERSONAL_NUMBER.sub(MASK, text)


# -- the frame -------------------------------------------------------------------------------


def page(path: str, title: str, *body: Content, generated: datetime) -> str:
    """A whole page: the navigation (the current page marked), the title, the body."""
    nav = el("nav", [
        el("a", label, href=href, aria_current="page" if _current(href, path) else None)
        for href, label in NAV
    ], aria_label="Catalogus")  # fmt: skip
    document = Markup("<!doctype html>\n") + el(
        "html",
        el("head",
           el("meta", charset="utf-8"),
           el("meta", name="viewport", content="width=device-width, initial-scale=1"),
           el("title", f"{title} — {TITLE}"),
           el("link", rel="stylesheet", href="/catalog.css")),
        el("body",
           el("header", el("a", TITLE, href="/", class_="brand"), nav),
           el("main", el("h1", title), body),
           el("footer", f"Opgesteld {_time(generated)} · zonder persoonsgegevens: alleen "
                        "namen, aantallen en beschrijvingen")),
        lang="nl",
    )  # fmt: skip
    return str(document)


def _current(href: str, path: str) -> bool:
    return path == href or (href != "/" and path.startswith(href + "/"))


def unavailable(section: str, missing: Unavailable) -> Markup:
    return el(
        "p",
        el("strong", "Niet beschikbaar"),
        f": {missing.component} ({mask(missing.reason)})",
        class_="unavailable",
        data_section=section,
        role="status",
    )


def section(name: str, heading: str, *body: Content) -> Markup:
    return el("section", el("h2", heading), body, id=name, data_section=name)


def table(headers: Sequence[str], rows: Iterable[Sequence[Content]], **attributes: str) -> Markup:
    head = el("thead", el("tr", [el("th", h, scope="col") for h in headers]))
    body = el("tbody", [el("tr", [el("td", cell) for cell in row]) for row in rows])
    return el("table", head, body, **attributes)


def empty(text: str) -> Markup:
    return el("p", text, class_="empty")


def badge(classification: str | None, count: int | None = None) -> Markup:
    """A field's classification, coloured by how sensitive it is (with a count: how many)."""
    label = classification or "geen classificatie"
    text = label if count is None else f"{label} {count}"
    if classification is None:
        return el("span", text, class_="badge missing")
    known = classification if classification in CLASSIFICATIONS else "unknown"
    return el("span", text, class_=f"badge c-{known}")


def name(value: str) -> Markup:
    """A topic, group or app name as code, on one line; a long one (an app id may have 63
    characters) may break after its dots and dashes, so that a table keeps to the window."""
    if len(value) <= LONG_NAME:
        return el("code", value)
    pieces = re.split(r"(?<=[.-])", value)
    return el("code", _join([render(p) for p in pieces if p], Markup("<wbr>")), class_="long")


def codes(values: Iterable[str]) -> Markup:
    """Values as code, separated by spaces (where a line may break); "—" when none."""
    return _join([el("code", v) for v in values], " ") or render("—")


# -- overview --------------------------------------------------------------------------------


def overview_page(
    components: list[Component] | Unavailable,
    where: Mapping[str, str],
    *,
    generated: datetime,
) -> str:
    links = el("ul", [
        el("li", el("a", label, href=href), " — ", DESCRIPTIONS[href])
        for href, label in NAV[1:]
    ], class_="pages")  # fmt: skip
    if isinstance(components, Unavailable):
        state: Markup = unavailable("components", components)
    else:
        state = table(["component", "adres", "status", "ms"], [
            (c.name, el("code", c.url), _state(c), f"{c.ms:.0f}") for c in components
        ])  # fmt: skip
    settings = el(
        "dl", [(el("dt", k), el("dd", el("code", v))) for k, v in where.items()], class_="facts"
    )
    return page("/", "Overzicht",
                el("p", "De catalogus van deze Bron-installatie voor datastewards: wat er is, "
                   "wie wat ziet, en hoe het ervoor staat.", class_="lead"),
                section("pages", "Pagina's", links),
                section("components", "Componenten", state),
                section("settings", "Waar", settings),
                generated=generated)  # fmt: skip


def _state(c: Component) -> Markup:
    if c.up:
        return el("span", "bereikbaar" + (f" ({c.detail})" if c.detail else ""), class_="ok")
    return el("span", f"niet bereikbaar ({mask(c.reason or '?')})", class_="bad")


# -- topics ----------------------------------------------------------------------------------


def topics_page(
    specs: Sequence[TopicSpec],
    app_spec: TopicSpec,
    broker: BrokerTopics | Unavailable,
    *,
    generated: datetime,
) -> str:
    """The declared topics and the per-app topics the broker has (declared by the stream
    workers as `app_spec`), with what the broker says; other topics by name only."""
    known = isinstance(broker, BrokerTopics)
    declared = {s.name: s for s in specs}
    on_broker = broker.partitions if isinstance(broker, BrokerTopics) else {}
    apps = sorted(t for t in on_broker if t.startswith(APP_TOPICS) and t not in declared)
    rows = [_topic_row(s.name, s, broker) for s in specs]
    rows += [_topic_row(t, app_spec, broker) for t in apps]
    headers = ["topic", "partities", "opruimen", "bewaartermijn", "persoonsgegevens",
               "berichten", "omschrijving"]  # fmt: skip
    body: list[Content] = []
    if not known:
        assert isinstance(broker, Unavailable)
        body.append(unavailable("broker", broker))
    body.append(table(headers, rows, class_="topics"))
    body.append(el("p", "Berichten: hoogste min laagste offset per partitie, opgeteld; bij "
                   "compacte topics een bovengrens. Een afwijking van wat bron/topics.py "
                   "declareert is rood.", class_="note"))  # fmt: skip
    others = sorted(t for t in on_broker if t not in declared and t not in apps)
    if others:
        body.append(el("details", el("summary", f"Andere topics op de broker ({len(others)})"),
                       el("p", codes(others))))  # fmt: skip
    return page("/topics", "Topics", section("topics", "Topics", body), generated=generated)


def _topic_row(topic: str, spec: TopicSpec, broker: BrokerTopics | Unavailable) -> list[Content]:
    if not isinstance(broker, BrokerTopics):
        return [name(topic), str(spec.partitions), spec.cleanup.value,
                _retention(spec.cleanup.value, str(spec.retention_ms), None),
                _yes_no(spec.personal_data), "—", spec.doc]  # fmt: skip
    if topic not in broker.partitions:
        missing = el("span", "ontbreekt op de broker", class_="bad")
        return [name(topic), missing, spec.cleanup.value, "—",
                _yes_no(spec.personal_data), "—", spec.doc]  # fmt: skip
    config = broker.configs.get(topic, {})
    partitions = broker.partitions[topic]
    cleanup = config.get("cleanup.policy", "?")
    retention = _retention(cleanup, config.get("retention.ms"),
                           config.get("max.compaction.lag.ms"))  # fmt: skip
    messages = broker.messages.get(topic)
    return [
        name(topic),
        _compare(str(partitions), str(spec.partitions)),
        _compare(cleanup, spec.cleanup.value),
        retention,
        _yes_no(spec.personal_data),
        "—" if messages is None else f"{messages:,}".replace(",", "."),
        spec.doc,
    ]


def _compare(actual: str, declared: str) -> Markup:
    if actual == declared:
        return render(actual)
    return el("span", f"{actual} (gedeclareerd: {declared})", class_="bad")


def _retention(cleanup: str, retention_ms: str | None, compaction_lag_ms: str | None) -> str:
    if "delete" not in cleanup:
        if compaction_lag_ms and compaction_lag_ms != str(2**63 - 1):
            return f"laatste waarde per key; oude binnen {duration(int(compaction_lag_ms))} weg"
        return "laatste waarde per key"
    if retention_ms is None:
        return "?"
    return duration(int(retention_ms))


def duration(ms: int) -> str:
    if ms < 0:
        return "onbeperkt"
    if ms and ms % DAY_MS == 0:
        days = ms // DAY_MS
        return f"{days} dag" if days == 1 else f"{days} dagen"
    if ms and ms % HOUR_MS == 0:
        return f"{ms // HOUR_MS} uur"
    return f"{ms} ms"


def _yes_no(value: bool) -> Markup:
    return el("span", "ja", class_="personal") if value else render("nee")


# -- schemas ---------------------------------------------------------------------------------


def schemas_page(schemas: Schemas, *, generated: datetime) -> str:
    body: list[Content] = []
    if schemas.registry is not None:
        body.append(unavailable("registry", schemas.registry))
        body.append(el("p", "De velden hieronder komen uit de bestanden in schemas/avro; "
                       "versies en niveaus zijn onbekend.", class_="note"))  # fmt: skip
    else:
        body.append(el("p", "Schemaregister ", el("code", schemas.registry_url),
                       "; globaal compatibiliteitsniveau ",
                       el("strong", schemas.global_level or "?"), "."))  # fmt: skip
    rows = [
        (el("a", s.subject, href=subject_href(s.subject)),
         el("code", s.event_type) if s.event_type else "—",
         ", ".join(str(v) for v in s.versions) if s.versions is not None else "—",
         s.level or "—", str(len(s.fields)), _classification_summary(s), _source(s))
        for s in schemas.subjects
    ]  # fmt: skip
    headers = ["subject", "gebeurtenis", "versies", "niveau", "velden", "classificaties", "bron"]
    body.append(table(headers, rows, class_="subjects"))
    return page("/schemas", "Schema's", section("schemas", "Subjects", body),
                generated=generated)  # fmt: skip


def subject_href(subject: str) -> str:
    return "/schemas/" + quote(subject, safe="")


def _source(s: SubjectInfo) -> Content:
    label = "register" if s.source == "register" else "bestand"
    return [label, el("br"), el("small", s.note)] if s.note else label


def _classification_summary(s: SubjectInfo) -> Markup:
    counts: dict[str | None, int] = {}
    for f in s.fields:
        counts[f.classification] = counts.get(f.classification, 0) + 1
    order = [*CLASSIFICATIONS, *sorted(k for k in counts if k and k not in CLASSIFICATIONS)]
    shown = [(c, counts[c]) for c in [*order, None] if c in counts]
    return render([[badge(c, n), " "] for c, n in shown])


def subject_page(info: SubjectInfo | Unavailable, subject: str, *, generated: datetime) -> str:
    if isinstance(info, Unavailable):
        return page(f"/schemas/{subject}", subject, unavailable("subject", info),
                    generated=generated)  # fmt: skip
    facts = el("dl", [
        (el("dt", k), el("dd", v)) for k, v in (
            ("gebeurtenis", el("code", info.event_type) if info.event_type else "—"),
            ("versies", ", ".join(map(str, info.versions)) if info.versions else "—"),
            ("compatibiliteitsniveau", info.level or "—"),
            ("schema-id (laatste versie)", str(info.latest_id) if info.latest_id else "—"),
            ("velden uit", "het schemaregister (laatste versie)" if info.source == "register"
             else "het bestand" + (f" ({info.note})" if info.note else "")),
            ("bestand", el("code", info.file) if info.file else "—"),
        )
    ], class_="facts")  # fmt: skip
    rows = [
        (el("code", f.path, class_="path"), el("code", f.type), badge(f.classification),
         f.doc or el("span", "geen omschrijving", class_="bad"))
        for f in info.fields
    ]  # fmt: skip
    fields = table(["veld", "type", "classificatie", "omschrijving"], rows, class_="fields")
    return page(f"/schemas/{subject}", info.subject,
                el("p", info.doc or "", class_="lead"), facts,
                section("fields", "Velden", fields), generated=generated)  # fmt: skip


# -- who sees what ---------------------------------------------------------------------------


def access_page(policy: Policy | Unavailable, *, generated: datetime) -> str:
    if isinstance(policy, Unavailable):
        missing = unavailable("policy", policy)
        return page("/doelen", "Wie ziet wat", section("doelen", "Doelen", missing),
                    section("apps", "Apps", missing), generated=generated)  # fmt: skip
    doelen = [_doel(d, policy) for d in policy.doelen] or [empty("Geen doelen.")]
    apps = table(
        ["app", "naam", "organisatie (OIN)", "overheid", "doelen", "gemeenten", "versie",
         "origins"],
        [_app_row(a, policy) for a in policy.apps],
        class_="apps",
    )  # fmt: skip
    return page("/doelen", "Wie ziet wat",
                el("p", "Uit het register van apps en doelen zoals de stream workers het nu "
                   "hebben (de projectie-opslag).", class_="lead"),
                section("doelen", "Doelen", doelen), section("apps", "Apps", apps),
                generated=generated)  # fmt: skip


def _doel(d: Doel, policy: Policy) -> Markup:
    grondslag = d.grondslag.value.replace("_", " ")
    basis = f" — {d.wettelijkeBasis}" if d.wettelijkeBasis else ""
    users = [a for a in policy.apps if d.id in a.doelen]
    facts = el("dl", [
        (el("dt", "grondslag"), el("dd", el("strong", grondslag), basis)),
        (el("dt", "gemeenten"), el("dd", codes(d.gemeenten))),
        (el("dt", "apps"), el("dd", render([
            el("span", el("code", a.id), f" in {', '.join(a.gemeenten_of(d)) or 'geen gemeente'}",
               class_="app-in")
            for a in users
        ] or "geen"))),
    ], class_="facts")  # fmt: skip
    return el("article", el("h3", d.naam, " ", el("code", d.id)), el("p", d.omschrijving),
              facts, _velden(d), class_="doel", id=f"doel-{d.id}")  # fmt: skip


def _velden(d: Doel) -> Markup:
    if not d.velden:
        return empty("Geen velden.")
    return table(["entiteit", "toegestane velden"],
                 [(el("strong", e), codes(paths)) for e, paths in d.velden.items()],
                 class_="velden")  # fmt: skip


def _gemeenten(a: App, policy: Policy) -> Content:
    """Where the app is on: None is every municipality of its purposes (named)."""
    if a.gemeenten is None:
        doelen = [policy.doel_by_id[d] for d in a.doelen if d in policy.doel_by_id]
        every = sorted({g for d in doelen for g in d.gemeenten})
        named = f" ({', '.join(every)})" if every else ""
        return el("span", f"alle gemeenten van zijn doelen{named}", class_="muted")
    return codes(a.gemeenten) if a.gemeenten else el("span", "nog geen", class_="muted")


def _app_row(a: App, policy: Policy) -> list[Content]:
    doelen = [el("a", d, href=f"/doelen#doel-{d}") for d in a.doelen]
    return [el("code", a.id), a.naam, el("code", a.organisatie), _yes_no_plain(a.overheid),
            _join(doelen) if doelen else "—", _gemeenten(a, policy), a.versie or "—",
            codes(a.origins)]  # fmt: skip


def _yes_no_plain(value: bool) -> str:
    return "ja" if value else "nee"


def _join(items: Sequence[Markup], separator: str = ", ") -> Markup:
    out: list[Content] = []
    for i, item in enumerate(items):
        out += [separator, item] if i else [item]
    return render(out)


# -- apps (the app store's view) -------------------------------------------------------------


def apps_page(
    policy: Policy | Unavailable,
    conformance: Sequence[Conformance] | Unavailable,
    *,
    generated: datetime,
) -> str:
    body: list[Content] = []
    checked = {c.app_id: c for c in conformance} if isinstance(conformance, list) else {}
    if isinstance(conformance, Unavailable):
        body.append(unavailable("conformance", conformance))
    if isinstance(policy, Unavailable):
        body.append(unavailable("policy", policy))
        registered: set[str] = set()
    else:
        registered = {a.id for a in policy.apps}
        body += [_app_card(a, policy, checked, conformance) for a in policy.apps]
    elsewhere = [c for c in checked.values() if c.app_id not in registered]
    if elsewhere:
        body.append(el("h2", "Manifesten die (hier) niet geregistreerd zijn"))
        body += [el("article", el("h3", el("code", c.app_id), " ", c.versie or ""),
                    el("p", "manifest ", el("code", c.manifest)), _conformance(c),
                    class_="app", id=f"app-{c.app_id}", data_app=c.app_id)
                 for c in elsewhere]  # fmt: skip
    if not body:
        body.append(empty("Geen apps."))
    return page("/apps", "Apps",
                el("p", "Elke app met zijn doelen, de velden die die doelen toestaan, de "
                   "gemeenten waar hij aanstaat en of zijn manifest (policy/apps.yaml) voldoet "
                   "aan de huidige contracten.", class_="lead"),
                section("apps", "Apps", body), generated=generated)  # fmt: skip


def _app_card(
    a: App,
    policy: Policy,
    checked: Mapping[str, Conformance],
    conformance: Sequence[Conformance] | Unavailable,
) -> Markup:
    doelen = [policy.doel_by_id[d] for d in a.doelen if d in policy.doel_by_id]
    rows = [
        (el("a", d.naam, href=f"/doelen#doel-{d.id}"), d.grondslag.value.replace("_", " "),
         codes(a.gemeenten_of(d)) if a.gemeenten_of(d) else el("span", "geen", class_="muted"),
         render([[el("strong", e), " ", codes(p), el("br")] for e, p in d.velden.items()]))
        for d in doelen
    ]  # fmt: skip
    found = checked.get(a.id)
    if found is not None:
        status: Markup = _conformance(found)
    elif isinstance(conformance, Unavailable):
        status = el("p", "conformiteit onbekend", class_="muted conformance")
    else:
        status = el("p", "geen manifest", class_="muted conformance", data_status="no-manifest")
    head = el("h3", a.naam, " ", el("code", a.id), " ", el("span", a.versie or "", class_="muted"))
    enabled = el("p", "Aan in: ", _gemeenten(a, policy))
    doel_table = (
        table(["doel", "grondslag", "gemeenten", "velden"], rows, class_="app-doelen")
        if rows else empty("Geen doelen.")
    )  # fmt: skip
    return el("article", head, enabled, doel_table, status, class_="app", id=f"app-{a.id}",
              data_app=a.id)  # fmt: skip


def _conformance(c: Conformance) -> Markup:
    if c.error is not None:
        return el("p", f"manifest niet te controleren: {mask(c.error)}", class_="bad conformance",
                  data_status="error")  # fmt: skip
    if c.ok:
        return el("p", "✓ conform", " ", el("small", f"({c.manifest})"),
                  class_="ok conformance", data_status="conform")  # fmt: skip
    items = [
        el("li", el("code", f.rule), " ", f.where, f" — {f.path}" if f.path else "",
           f" ({f.doel})" if f.doel else "", ": ", f.message, el("br"),
           el("small", "→ ", f.fix))
        for f in c.findings
    ]  # fmt: skip
    count = len(c.findings)
    return el("div", el("p", f"✗ {count} {'overtreding' if count == 1 else 'overtredingen'} ",
                        el("small", f"({c.manifest})"), class_="bad"),
              el("ul", items, class_="violations"), class_="conformance",
              data_status="violations")  # fmt: skip


# -- consumer lag ----------------------------------------------------------------------------


def lag_page(groups: Sequence[Group] | Unavailable, *, generated: datetime) -> str:
    if isinstance(groups, Unavailable):
        missing = unavailable("lag", groups)
        return page("/lag", "Achterstand", section("per-app", "Per app", missing),
                    generated=generated)  # fmt: skip
    per_app = [
        (t.removeprefix(APP_TOPICS), t, g, lag)
        for g in groups
        for t, lag in g.topics.items()
        if t.startswith(APP_TOPICS)
    ]
    own = [g for g in groups if not g.role.startswith("app")]
    per_app.sort(key=lambda row: (row[0], row[2].group))
    rows = [
        (name(app), name(topic), name(g.group), g.role, _lag(lag, g),
         g.offsets)
        for app, topic, g, lag in per_app
    ]  # fmt: skip
    headers = ["app", "topic", "consumer group", "rol", "achterstand", "offsets uit"]
    apps = table(headers, rows, class_="lag") if rows else empty("Geen per-app topics.")
    workers = [_group(g) for g in own] or [empty("Geen.")]
    return page("/lag", "Achterstand",
                el("p", "Achterstand: berichten tussen waar een consumer group verdergaat en "
                   "het einde van het topic (zoals bron status het meet).", class_="lead"),
                section("per-app", "Per app", apps),
                section("workers", "Bron's eigen verwerking", workers),
                generated=generated)  # fmt: skip


def _lag(lag: int | None, g: Group) -> Content:
    if lag is None:
        return el("span", "onbekend", class_="bad")
    shown = f"{lag:,}".replace(",", ".")
    text = shown if g.committed else f"{shown} (nog niets vastgelegd)"
    return el("span", text, class_="ok" if lag == 0 else "warn")


def _group(g: Group) -> Markup:
    topics = [(el("code", t), _lag(n, g)) for t, n in g.topics.items()
              if not t.startswith(APP_TOPICS)]  # fmt: skip
    apps = sum(1 for t in g.topics if t.startswith(APP_TOPICS))
    note = el("p", mask(g.note), class_="bad") if g.note else ""
    more = f"; {apps} per-app topic{'' if apps == 1 else 's'} (zie Per app)" if apps else ""
    return el("article",
              el("h3", el("code", g.group), f" — {g.role}"),
              el("p", "offsets uit ", g.offsets, "; totaal ", _lag(g.lag, g), more), note,
              table(["topic", "achterstand"], topics) if topics else "",
              class_="group", data_group=g.group)  # fmt: skip


# -- dead letters ----------------------------------------------------------------------------


def dead_letters_page(found: DeadLetters | Unavailable, limit: int, *, generated: datetime) -> str:
    if isinstance(found, Unavailable):
        body: list[Content] = [unavailable("dead-letters", found)]
    else:
        total = f"{found.total:,}".replace(",", ".")
        body = [
            el(
                "p",
                "Topic ",
                el("code", found.topic),
                f": {total} {'bericht' if found.total == 1 else 'berichten'}; de laatste "
                f"{min(limit, len(found.rows))}, nieuwste eerst. De inhoud van het "
                "oorspronkelijke bericht (key en value) wordt nooit gelezen of getoond.",
            )
        ]
        if found.rows:
            headers = ["tijd", "topic", "partitie", "offset", "gebeurtenis", "fout", "reden",
                       "pogingen", "consumer group"]  # fmt: skip
            body.append(table(headers, [_dead_letter(r) for r in found.rows],
                              class_="dead-letters"))  # fmt: skip
        else:
            body.append(empty("Geen dead letters."))
    return page("/dead-letters", "Dead letters", section("dead-letters", "Recent", body),
                generated=generated)  # fmt: skip


def _dead_letter(r: DeadLetterRow) -> list[Content]:
    when = _time(r.timestamp) if r.timestamp else "—"
    if r.unreadable is not None:
        where = f"dead letter {r.partition}/{r.offset}"
        return [when, el("span", f"onleesbaar ({where}): {mask(r.unreadable)}", class_="bad"),
                "", "", "", "", "", "", ""]  # fmt: skip
    return [when, el("code", r.topic or "?"), _number(r.source_partition),
            _number(r.source_offset), el("code", r.event_type) if r.event_type else "—",
            el("code", r.error_type or "?"), mask(r.reason or ""), _number(r.attempts),
            el("code", r.consumer_group or "?")]  # fmt: skip


def _number(value: int | None) -> str:
    return "—" if value is None else str(value)


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


# -- errors ----------------------------------------------------------------------------------


def not_found_page(path: str, *, generated: datetime) -> str:
    return page(path, "Niet gevonden", el("p", "Deze pagina bestaat niet. ",
                                         el("a", "Naar het overzicht", href="/")),
                generated=generated)  # fmt: skip


def error_page(path: str, *, generated: datetime) -> str:
    return page(path, "Fout", el("p", "Deze pagina kon niet worden opgesteld; zie het log van "
                                "de catalogus.", class_="bad"), generated=generated)  # fmt: skip
