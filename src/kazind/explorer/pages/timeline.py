"""The timeline tab: the model's historical paths 1913-1940 with the record's facts on them.

Eight small charts (one graph each, so that they reflow into one column on a phone),
each with its heading and the table of its numbers, then one chart of a further model
variable chosen from a list, and the fact panel: a click on a fact's point shows its
statement, its Kazakh source sentence, translations, source and the model's verdict.

Facts are drawn over the lines and the lines take no hover, so that a click on a dot
on a line always reaches the fact.
"""

from __future__ import annotations

import textwrap
from functools import lru_cache

import xarray as xr
from dash import Input, Output, State, ctx, dcc, html, no_update

from kazind.explorer import charts, data, factview
from kazind.explorer import ids as I
from kazind.explorer.charts import VERDICT_STYLE, legend_below, value_text
from kazind.explorer.components import (
    CSS,
    chart_block,
    data_table,
    download_button,
    dropdown_labels,
    message_line,
    muted,
)
from kazind.explorer.guard import guarded
from kazind.explorer.i18n import InputError, check_lang, translator
from kazind.explorer.page import Page
from kazind.explorer.pages import events
from kazind.explorer.shown import EXTRA_VARIABLES, PANEL_SERIES, PANEL_VARIABLES, PANELS
from kazind.model.labels import label as variable_name


def panel_id(key: str) -> str:
    return f"{I.TIMELINE_PANEL_PREFIX}{key}"


def panel_table_id(key: str) -> str:
    return f"{I.TIMELINE_PANEL_PREFIX}{key}-table"


def drawn_by_panels(variable: str, element: str | None) -> bool:
    """Whether the main panels draw this series (the whole variable, or this element of it)."""
    return (variable, None) in PANEL_SERIES or (variable, element) in PANEL_SERIES


def fact_variables_outside_panels(points) -> list[str]:
    """Variables with facts that the main panels do not draw (a city outside the largest
    towns' panel leaves its variable here)."""
    return sorted({p.variable for p in points if not drawn_by_panels(p.variable, p.element)})


def extra_variables(points=None) -> list[str]:
    """The variables offered in the 'more' chart: those with facts outside the main panels
    that the chart knows how to draw (:data:`EXTRA_VARIABLES`)."""
    points = data.fact_points() if points is None else points
    return [v for v in fact_variables_outside_panels(points) if v in EXTRA_VARIABLES]


def variable_title(variable: str, lang: str) -> str:
    """The heading of the 'more' chart: the variable's name with its unit."""
    _ = translator(lang)
    name = variable_name(variable, lang)
    unit = EXTRA_VARIABLES.get(variable, (1.0, "", ""))[2]
    return f"{name} ({_(unit)})" if unit else name


#: The year whose names a chart of 1913-1940 gives its towns: the 1939 census (with
#: today's name beside it where it differs).
TOWN_NAME_YEAR = 1939


def series_label(element: str | None, label: str, lang: str) -> str:
    _ = translator(lang)
    if element is not None and label == element:
        gaz = data.gazetteer()
        if element in gaz:
            return data.place_label(gaz[element], lang, TOWN_NAME_YEAR)
        return charts.element_label(element, lang, gaz)
    return _(label)


# ---------------------------------------------------------------- chart builders


def fact_trace(points: list, facts, scale: float, kind: str, lang: str) -> dict:
    """The facts on one chart, by verdict with a shape and a colour; hollow when placed
    through a ratio or change. The tooltip gives the statement and the same record and
    model values as the fact panel."""
    xs, ys, colours, symbols, texts, ids, lo, hi = [], [], [], [], [], [], [], []
    for p in points:
        fact = facts.get(p.fact_id)
        verdict = (
            ("reproduced" if p.within else "missed") if p.role in ("fit", "holdout") else "unscored"
        )
        symbol, colour, _name = VERDICT_STYLE[verdict]
        xs.append(p.at)
        ys.append(p.y * scale)
        colours.append(colour)
        symbols.append(symbol + ("-open" if p.implied else ""))
        ids.append(p.fact_id)
        lo.append(0 if p.low is None else (p.y - p.low) * scale)
        hi.append(0 if p.high is None else (p.high - p.y) * scale)
        fit = factview.fit_lines(p.fact_id, lang)
        detail = f"{fit[0][1]}<br>{fit[0][0]}" if fit else factview.fact_value(fact, lang)
        texts.append(f"<b>{charts.wrap(getattr(fact.statement, lang), 48)}</b><br>{detail}")
    trace = {
        "type": "scatter",
        "mode": "markers",
        "x": xs,
        "y": ys,
        "marker": {
            "color": colours,
            "symbol": symbols,
            "size": 11,
            "line": {"width": 2, "color": colours},
        },
        "customdata": ids,
        "hovertext": texts,
        "hoverinfo": "text",
        "showlegend": False,
        "name": translator(lang)("facts of the record"),
    }
    if any(lo) or any(hi):
        trace["error_y"] = {
            "type": "data",
            "array": hi,
            "arrayminus": lo,
            "symmetric": False,
            "color": "#999",
            "thickness": 1,
        }
    return trace


def _line_traces(series, scale: float, ds: xr.Dataset, lang: str) -> list[dict]:
    times = ds["time"].values.tolist()
    traces = []
    for j, (variable, element, label) in enumerate(series):
        if variable not in ds:
            continue
        name = series_label(element, label, lang)
        colour = charts.BRANCH_COLOURS.get(element, charts.PALETTE[j % len(charts.PALETTE)])
        ys = (charts.series(ds, variable, element) * scale).tolist()
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": times,
                "y": ys,
                "name": "<br>".join(textwrap.wrap(name, 22, break_long_words=False)) or name,
                "line": {
                    "color": colour,
                    "width": 2.2 if j == 0 else 1.6,
                    "dash": charts.DASHES[j % len(charts.DASHES)] if len(series) > 1 else "solid",
                },
                "hoverinfo": "skip",  # the facts take the hover and the click
            }
        )
    return traces


def panel_figure(
    lang: str, series, scale: float, kind: str, ds: xr.Dataset, points, facts, height: int = 300
) -> dict:
    """One chart of the timeline: the model's paths of ``series`` and the facts on them."""
    layout = charts.base_layout(lang, height)
    layout["xaxis"] = charts.time_axis()
    layout["yaxis"] = charts.value_axis(kind)
    if kind == "log":
        layout["yaxis"].update(log_axis(lang))
    traces = _line_traces(series, scale, ds, lang)
    mine = [
        p
        for p in points
        if any(p.variable == v and (e is None or p.element == e) for v, e, _l in series)
    ]
    if mine:
        traces.append(fact_trace(mine, facts, scale, kind, lang))
    n_lines = sum(1 for t in traces if t.get("mode") == "lines")
    layout["showlegend"] = n_lines > 1
    if n_lines > 1:
        layout["legend"] = legend_below(n_lines // 3)
        layout["height"] = height + 24 * ((n_lines + 2) // 3)
        layout["margin"]["b"] = 30 + 24 * ((n_lines + 2) // 3)
    return {"data": traces, "layout": layout}


#: Ticks of the log-scale chart (branch output, 1913 = 1).
LOG_TICKS = (0.1, 1.0, 10.0, 100.0, 1000.0)


def log_axis(lang: str) -> dict:
    """A log axis with ticks at powers of ten only, written in the locale's convention."""
    from kazind.explorer.i18n import fmt_number

    return {
        "type": "log",
        "rangemode": "normal",
        "tickmode": "array",
        "tickvals": list(LOG_TICKS),
        "ticktext": [fmt_number(v, lang, 1 if v < 1 else 0) for v in LOG_TICKS],
        "minor": {"showgrid": False},
    }


def panel_table(
    lang: str, series, scale: float, kind: str, ds: xr.Dataset, caption: str
) -> html.Table:
    """The chart's numbers: each line at a few years."""
    _ = translator(lang)
    times = ds["time"].values
    idx = charts.sample_years(times)
    header = [_("year")] + [str(int(times[i])) for i in idx]
    rows = []
    for variable, element, label in series:
        if variable not in ds:
            continue
        ys = charts.series(ds, variable, element) * scale
        rows.append(
            [series_label(element, label, lang)]
            + [value_text(float(ys[i]), kind, lang) for i in idx]
        )
    return data_table(caption, header, rows)


def extra_series(variable: str, ds: xr.Dataset, points) -> tuple:
    da = ds[variable]
    dims = [d for d in da.dims if d != "time"]
    elements = [str(e) for e in ds[dims[0]].values] if dims else [None]
    if dims:
        with_facts = {p.element for p in points if p.variable == variable}
        if len(elements) > 8:  # only the elements the record speaks of
            elements = [e for e in elements if e in with_facts] or elements[:8]
    return tuple((variable, e, e if e is not None else "model") for e in elements)


def variable_figure(lang: str, variable: str, ds: xr.Dataset, points, facts) -> dict:
    """One further model variable (every element if arrayed) with its facts."""
    if variable not in ds:
        return charts.empty_figure()
    scale, kind, _unit = EXTRA_VARIABLES.get(variable, (1.0, "", ""))
    return panel_figure(
        lang, extra_series(variable, ds, points), scale, kind, ds, points, facts, height=340
    )


# ---------------------------------------------------------------- layout


def layout(lang: str) -> list:
    _ = translator(lang)
    legend = []
    for key in ("reproduced", "missed", "unscored"):
        symbol, colour, name = VERDICT_STYLE[key]
        mark = {"circle": "●", "x": "✕", "square": "■"}[symbol]
        legend += [
            html.Span(
                mark, style={"color": colour, "fontWeight": "700"}, **{"aria-hidden": "true"}
            ),
            " " + _(name) + "   ",
        ]
    legend += [
        html.Span("○", **{"aria-hidden": "true"}),
        " " + _("placed through a ratio or change") + ". ",
    ]
    offered = extra_variables()
    return [
        muted(_("The lines are the model's historical run; the points are facts of the record. ")),
        html.P(legend, className="kz-key"),
        muted(_("Click a point to read the fact and its source.")),
        message_line(I.TIMELINE_MESSAGE),
        html.Div(
            [
                html.Div(
                    [
                        chart_block(
                            panel_id(k),
                            _(t),
                            lang,
                            f"kazind-timeline-{k}",
                            panel_table_id(k),
                            height=360 if len(series) > 3 else 320,
                        )
                        for k, t, series, *_r in PANELS
                    ],
                    id=I.TIMELINE_GRAPH,
                    className="kz-grid",
                ),
                html.Aside(
                    id=I.FACT_PANEL,
                    className="kz-fact-panel",
                    style=CSS["panel"],
                    children=muted(_("Click a point to read the fact and its source.")),
                    **{"aria-live": "polite", "aria-label": _("The fact")},
                ),
            ],
            className="kz-with-panel",
        ),
        events.events_block(lang),
        html.H3(_("More model variables with facts")),
        html.Label(_("Choose a variable"), htmlFor=I.TIMELINE_VAR, className="kz-label"),
        dcc.Dropdown(
            id=I.TIMELINE_VAR,
            options=[{"label": variable_title(v, lang), "value": v} for v in offered],
            value=(offered or [None])[0],
            clearable=False,
            persistence=True,
            persistence_type="session",
            placeholder=_("Choose a variable"),
            labels=dropdown_labels(lang),
            className="kz-dropdown-wide",
        ),
        chart_block(
            I.TIMELINE_EXTRA_GRAPH, "", lang, "kazind-variable", I.TIMELINE_EXTRA_TABLE, height=400
        ),
        download_button(I.DOWNLOAD_TIMELINE, I.DOWNLOAD_TIMELINE_DATA, lang),
    ]


# ---------------------------------------------------------------- callbacks


def _blank_panels(msg):
    return [charts.empty_figure() for _p in PANELS] + [[] for _p in PANELS] + [msg]


@guarded(_blank_panels)
def panels(lang):
    """Every chart of the timeline and its table, in ``lang``."""
    return list(_panels(check_lang(lang)))


@lru_cache(maxsize=4)
def _panels(lang: str) -> tuple:
    """The timeline's charts and tables in ``lang``, built once (the historical run never
    changes in a process); the page is sent the same figures every time."""
    _ = translator(lang)
    ds, points, facts = data.historical_run(), data.fact_points(), data.facts()
    figs, tables = [], []
    for _k, title, series, scale, kind in PANELS:
        figs.append(panel_figure(lang, series, scale, kind, ds, points, facts))
        tables.append(panel_table(lang, series, scale, kind, ds, _(title)))
    return (*figs, *tables, "")


@guarded(lambda msg: (charts.empty_figure(), "", [], msg))
def extra(variable, lang):
    lang = check_lang(lang)
    if variable not in extra_variables():
        raise InputError("unknown variable {name}", name=variable)
    ds, points = data.historical_run(), data.fact_points()
    scale, kind, _u = EXTRA_VARIABLES[variable]
    title = variable_title(variable, lang)
    fig = variable_figure(lang, variable, ds, points, data.facts())
    return (
        fig,
        title,
        panel_table(lang, extra_series(variable, ds, points), scale, kind, ds, title),
        "",
    )


def clicked_fact(click) -> str | None:
    if not isinstance(click, dict):
        return None
    for point in click.get("points") or []:
        if isinstance(point, dict) and isinstance(point.get("customdata"), str):
            return point["customdata"]
    return None


def _panel_message(msg):
    return [html.Div(msg, role="alert", style={"color": "#b00020"})], no_update


@guarded(_panel_message)
def show_fact(clicks, lang):
    """The fact panel for the last clicked point of any timeline chart."""
    lang = check_lang(lang)
    _ = translator(lang)
    clicks = clicks if isinstance(clicks, list) else []
    fact_id = None
    try:
        trig = ctx.triggered_id
    except Exception:  # noqa: BLE001 - called outside a request (tests): no trigger
        trig = None
    order = list(range(len(clicks)))
    if trig is not None:
        ids = [panel_id(k) for k, *_r in PANELS] + [I.TIMELINE_EXTRA_GRAPH]
        if trig in ids:
            order = [ids.index(trig)] + order
    for i in order:
        fact_id = clicked_fact(clicks[i]) if i < len(clicks) else None
        if fact_id:
            break
    if fact_id is None:
        return [muted(_("Click a point to read the fact and its source."))], None
    return factview.fact_panel(fact_id, lang), fact_id


def _download_rows(runs: dict, variables) -> list[dict]:
    rows = []
    for key, (label, ds) in runs.items():
        for i, t in enumerate(ds["time"].values):
            row = {"run": key, "title": label, "time": float(t)}
            for v in variables:
                if v not in ds:
                    continue
                da = ds[v]
                dims = [d for d in da.dims if d != "time"]
                if dims:
                    for e in ds[dims[0]].values:
                        row[f"{v}[{e}]"] = float(da.sel({dims[0]: e}).values[i])
                else:
                    row[v] = float(da.values[i])
            rows.append(row)
    return rows


def download(n_clicks, lang):
    from kazind.explorer.components import csv_download

    if not n_clicks:
        return no_update
    rows = _download_rows(
        {"historical": ("historical", data.historical_run())}, sorted(PANEL_VARIABLES)
    )
    facts = [
        {
            "run": "fact",
            "title": p.fact_id,
            "time": p.at,
            f"{p.variable}" + (f"[{p.element}]" if p.element else ""): p.y,
        }
        for p in data.fact_points()
    ]
    keys = list(dict.fromkeys(k for r in rows + facts for k in r))
    return csv_download(
        [{k: r.get(k, "") for k in keys} for r in rows + facts], "kazind-timeline.csv"
    )


def register(app) -> None:
    events.register(app)
    lang = Input(I.panel_lang("timeline"), "data")
    graphs = [panel_id(k) for k, *_r in PANELS]
    app.callback(
        *[Output(g, "figure") for g in graphs],
        *[Output(panel_table_id(k), "children") for k, *_r in PANELS],
        Output(I.TIMELINE_MESSAGE, "children"),
        lang,
    )(panels)
    app.callback(
        Output(I.TIMELINE_EXTRA_GRAPH, "figure"),
        Output(I.TIMELINE_EXTRA_GRAPH + "-title", "children"),
        Output(I.TIMELINE_EXTRA_TABLE, "children"),
        Output(I.TIMELINE_MESSAGE, "children", allow_duplicate=True),
        Input(I.TIMELINE_VAR, "value"),
        lang,
        prevent_initial_call="initial_duplicate",
    )(extra)

    def _show(*args):
        *clicks, language = args
        return show_fact(list(clicks), language)

    app.callback(
        Output(I.FACT_PANEL, "children"),
        Output(I.FACT_PANEL, "data-fact"),
        *[Input(g, "clickData") for g in [*graphs, I.TIMELINE_EXTRA_GRAPH]],
        lang,
    )(_show)
    app.callback(
        Output(I.DOWNLOAD_TIMELINE_DATA, "data"),
        Input(I.DOWNLOAD_TIMELINE, "n_clicks"),
        State(I.panel_lang("timeline"), "data"),
        prevent_initial_call=True,
    )(download)


PAGE = Page(key="timeline", label="Timeline", layout=layout, register=register)

__all__ = [
    "PAGE",
    "PANELS",
    "EXTRA_VARIABLES",
    "panel_figure",
    "variable_figure",
    "fact_trace",
    "panel_table",
    "extra_variables",
]
