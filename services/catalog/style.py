"""The catalog's one style sheet (served as /catalog.css): plain, readable, printable."""

CSS = """
:root {
  --ink: #1b1b1b; --muted: #5c5c5c; --line: #d0d5dd; --bg: #ffffff; --soft: #f3f5f8;
  --brand: #154273; --ok: #1e7b34; --bad: #b42318; --warn: #9a6700;
}
* { box-sizing: border-box; }
html { font-size: 15px; }
body {
  margin: 0; color: var(--ink); background: var(--bg);
  font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Arial, sans-serif;
  line-height: 1.45;
}
header {
  background: var(--brand); color: #fff; padding: 0.6rem 1.5rem;
  display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.4rem 1.5rem;
}
header .brand { color: #fff; font-weight: 700; font-size: 1.15rem; text-decoration: none; }
nav { display: flex; flex-wrap: wrap; gap: 0.2rem 1rem; }
nav a { color: #dfe8f3; text-decoration: none; padding: 0.15rem 0; }
nav a:hover { color: #fff; text-decoration: underline; }
nav a[aria-current="page"] { color: #fff; border-bottom: 2px solid #fff; font-weight: 600; }
main { max-width: 1280px; margin: 0 auto; padding: 1rem 1.5rem 2rem; }
h1 { font-size: 1.6rem; margin: 0.4rem 0 0.6rem; }
h2 { font-size: 1.25rem; margin: 1.6rem 0 0.5rem; border-bottom: 1px solid var(--line);
     padding-bottom: 0.2rem; }
h3 { font-size: 1.05rem; margin: 0 0 0.4rem; }
p.lead { color: var(--muted); max-width: 60rem; }
a { color: var(--brand); }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.86em;
       background: var(--soft); padding: 0.05rem 0.25rem; border-radius: 3px; }
td code { overflow-wrap: break-word; }
table.topics td:first-child code:not(.long), table.lag code:not(.long),
table.apps td:first-child code { white-space: nowrap; }
table.apps td:last-child code { overflow-wrap: anywhere; }
table.apps td:nth-child(6) { min-width: 12rem; }
.badge + .badge { margin-left: 0.15rem; }
table { border-collapse: collapse; width: 100%; margin: 0.4rem 0 0.8rem; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.55rem;
         border-bottom: 1px solid var(--line); }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
tbody tr:nth-child(even) td { background: #fafbfc; }
dl.facts, main > dl { display: grid; grid-template-columns: max-content 1fr;
                       gap: 0.2rem 1rem; margin: 0.4rem 0 0.8rem; }
dt { color: var(--muted); }
dd { margin: 0; }
article { border: 1px solid var(--line); border-radius: 6px; padding: 0.8rem 1rem;
          margin: 0 0 1rem; background: #fff; }
ul.pages li { margin: 0.3rem 0; }
.badge { display: inline-block; padding: 0.05rem 0.45rem; border-radius: 999px;
         font-size: 0.8em; font-weight: 600; border: 1px solid transparent; white-space: nowrap; }
.c-openbaar { background: #e6f4ea; color: #1e7b34; border-color: #b7dfc2; }
.c-intern { background: #eef1f5; color: #3d4a5c; border-color: #cfd6e0; }
.c-pseudoniem { background: #fff6d6; color: #7a5a00; border-color: #f0dc8c; }
.c-persoonsgegeven { background: #fde8d7; color: #8a3b00; border-color: #f5c49c; }
.c-bijzonder-persoonsgegeven { background: #fbd9d6; color: #912018; border-color: #f1a9a2; }
.c-bsn { background: #b42318; color: #fff; }
.c-unknown, .badge.missing { background: #fff; color: var(--bad); border-color: var(--bad); }
.ok { color: var(--ok); font-weight: 600; }
.bad { color: var(--bad); }
.warn { color: var(--warn); font-weight: 600; }
.muted, .note, footer { color: var(--muted); }
.personal { color: #8a3b00; font-weight: 600; }
.unavailable { border-left: 4px solid var(--bad); background: #fdf0ef; padding: 0.5rem 0.8rem;
               color: var(--bad); }
.empty { color: var(--muted); font-style: italic; }
ul.violations { margin: 0.3rem 0; padding-left: 1.2rem; }
ul.violations li { margin: 0.3rem 0; }
.conformance { margin: 0.4rem 0 0; }
.app-in { margin-right: 0.8rem; white-space: nowrap; }
details { margin: 0.6rem 0; }
footer { max-width: 1280px; margin: 0 auto; padding: 0.8rem 1.5rem 1.5rem; font-size: 0.85rem;
         border-top: 1px solid var(--line); }
"""
