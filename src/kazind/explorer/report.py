"""``kazind report``: the explorer's charts as one self-contained HTML file.

For each language asked, the file holds the timeline with the record's facts, the map
at a few years, the fit report (every target: the record's value, the model's, within
tolerance or not) and the comparison of the scenarios named (paths and outcomes).
plotly's JavaScript is inlined once, in the first chart; nothing is fetched when the
file is opened. The file is written atomically.
"""

from __future__ import annotations

import html
from pathlib import Path

import plotly.io as pio

from kazind.common.atomic import atomic_write
from kazind.common.errors import KazindError
from kazind.explorer import data
from kazind.explorer.components import graph_config
from kazind.explorer.i18n import (
    LANG_NAMES,
    InputError,
    check_lang,
    fmt_sig,
    plotly_locales_js,
    translator,
)
from kazind.explorer.pages import map as map_page
from kazind.explorer.pages import scenarios as scenario_page
from kazind.explorer.pages import timeline as timeline_page

MAP_YEARS = (1913, 1926, 1932, 1940)

CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;margin:0 auto;
 max-width:1400px;padding:0 20px 40px;color:#222;line-height:1.4}
h1{border-bottom:3px solid #1f5f99;padding-bottom:.3em}h2{margin-top:1.6em;color:#1f5f99}
nav a{margin-right:1em}table{border-collapse:collapse;font-size:13px;width:100%}
td,th{border:1px solid #d0d7de;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eef2f6}.ok{background:#e8f5e9}.miss{background:#ffebee}.na{color:#777}
.maps,.grid{display:grid;grid-template-columns:1fr 1fr;gap:8px}.muted{color:#444;font-size:13px}
.grid4{display:grid;grid-template-columns:repeat(4,1fr);gap:8px}h3{font-size:14px;margin:6px 0 0}
@media (max-width:760px){.maps,.grid,.grid4{grid-template-columns:1fr}}
"""


class _Charts:
    """Turns figures into divs; the first carries plotly's JavaScript."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, fig: dict, filename: str, lang: str, height: int | None = None) -> str:
        if height is not None:
            fig["layout"]["height"] = height
        self.count += 1
        chart = pio.to_html(
            fig,
            full_html=False,
            include_plotlyjs=self.count == 1,
            div_id=f"chart-{self.count}",
            config={**graph_config(filename, lang), "responsive": True},
        )
        if self.count == 1:  # plotly's texts in kk and ru, registered once plotly.js is there
            chart = chart.replace(
                "</script>",
                "</script><script>" + plotly_locales_js(page_texts=False) + "</script>",
                1,
            )
        return chart


def _fit_table(lang: str) -> str:
    _ = translator(lang)
    rows = []
    for r in data.fit_report_rows():
        fact = data.facts().get(r.fact_id)
        obs = (
            "–".join(fmt_sig(v, lang) for v in r.observed)
            if isinstance(r.observed, list)
            else fmt_sig(r.observed, lang)
        )
        scored = r.role in ("fit", "holdout")
        cls = ("ok" if r.within_tolerance else "miss") if scored else "na"
        verdict = (_("yes") if r.within_tolerance else _("no")) if scored else _(r.role)
        rows.append(
            f'<tr class="{cls}"><td>{html.escape(getattr(fact.statement, lang))}<br>'
            f'<span class="muted">{html.escape(r.fact_id)}</span></td>'
            f"<td><code>{html.escape(r.variable + (f'[{r.element}]' if r.element else ''))}</code> "
            f"({html.escape(r.measure)}), {r.at:g}</td><td>{obs}</td><td>{fmt_sig(r.simulated, lang)}</td>"
            f"<td>{html.escape(verdict)}{' †' if r.held_out else ''}</td></tr>"
        )
    head = "".join(
        f"<th>{html.escape(h)}</th>"
        for h in (
            _("statement"),
            _("variable"),
            _("record"),
            _("model"),
            _("reproduced by the model"),
        )
    )
    return (
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        f'<p class="muted">† {html.escape(_("held out of the calibration"))}</p>'
    )


def _outcome_table(lang: str, runs: dict) -> str:
    cols, rows = scenario_page.outcome_rows(lang, runs)
    head = "".join(f"<th>{html.escape(c['name'])}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(r[c['id']]))}</td>" for c in cols) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _titled(title: str, chart: str) -> str:
    return f"<figure><h3>{html.escape(title)}</h3>{chart}</figure>"


def _section(lang: str, names: tuple[str, ...], chart: _Charts) -> str:
    _ = translator(lang)
    runs = {n: (data.scenario_title(n, lang), data.scenario_run(n)) for n in names}
    ds, points, facts = data.historical_run(), data.fact_points(), data.facts()
    gaz, rails, outline, waters = data.gazetteer(), data.railways(), data.outline(), data.waters()
    # charts are made in the order they appear: the first one carries plotly's JavaScript
    timeline = [
        _titled(
            _(title),
            chart(
                timeline_page.panel_figure(lang, series, scale, kind, ds, points, facts),
                f"kazind-timeline-{key}",
                lang,
            ),
        )
        for key, title, series, scale, kind in timeline_page.PANELS
    ]
    maps = [
        f"<div>{chart(map_page.map_figure(lang, y, ds, gaz, rails, outline, waters), f'kazind-map-{y}', lang, height=460)}</div>"
        for y in MAP_YEARS
    ]
    scenarios = [
        _titled(
            _(title),
            chart(
                scenario_page.panel_figure(lang, v, scale, kind, runs),
                f"kazind-scenario-{key}",
                lang,
            ),
        )
        for key, v, title, scale, kind in scenario_page.PANELS
    ]
    key = "".join(f"<li>{html.escape(label)}</li>" for label, _ds in runs.values())
    parts = [
        f'<section id="{lang}" lang="{lang}">',
        f"<h1>{html.escape(_('Industrialization of Kazakhstan, 1913-1940'))}</h1>",
        "<p class='muted'>"
        + html.escape(
            _(
                "Kazakhstan's industrialization, 1913-1940: the record of a Kazakh-language history "
                "and a calibrated model of the economy built on it."
            )
        )
        + "</p>",
        f"<h2>{html.escape(_('Timeline'))}</h2>",
        "<p class='muted'>"
        + html.escape(
            _("The lines are the model's historical run; the points are facts of the record. ")
        )
        + "</p>",
        "<div class='grid'>",
        *timeline,
        "</div>",
        f"<h2>{html.escape(_('Map'))}</h2>",
        "<div class='maps'>",
        *maps,
        "</div>",
        f"<h2>{html.escape(_('The record'))}: {html.escape(_('reproduced by the model'))}</h2>",
        _fit_table(lang),
        f"<h2>{html.escape(_('Scenarios'))}</h2>",
        f"<ul>{key}</ul>",
        "<div class='grid4'>",
        *scenarios,
        "</div>",
        f"<h2>{html.escape(_('Outcomes'))}</h2>",
        _outcome_table(lang, runs),
        "</section>",
    ]
    return "\n".join(parts)


def build_report(scenarios: list[str], langs: list[str]) -> str:
    """The report's HTML text (see the module docstring)."""
    try:
        langs = [check_lang(x) for x in langs]
        names = data.check_scenarios(list(scenarios))
    except InputError as err:
        raise KazindError(str(err)) from None
    if not names:
        raise KazindError("report: name at least one scenario")
    chart = _Charts()
    nav = " ".join(f'<a href="#{x}">{LANG_NAMES[x]}</a>' for x in langs) if len(langs) > 1 else ""
    sections = "\n".join(_section(x, names, chart) for x in langs)
    return (
        f'<!DOCTYPE html>\n<html lang="{langs[0]}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>kazind: {html.escape(translator(langs[0])('Industrialization of Kazakhstan, 1913-1940'))}</title>"
        f"<style>{CSS}</style></head><body><nav>{nav}</nav>\n{sections}\n</body></html>\n"
    )


def write_report(scenarios: list[str], out: str | Path, langs: list[str]) -> int:
    """Write the report to ``out`` atomically; return its size in bytes."""
    text = build_report(scenarios, langs)
    try:
        with atomic_write(out) as fh:
            fh.write(text)
    except OSError as exc:
        raise KazindError(f"cannot write {out}: {exc.strerror or exc}") from None
    return len(text.encode("utf-8"))
