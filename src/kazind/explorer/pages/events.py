"""The period's events on the timeline: labelled markers on a strip of 1913-1940, and a list.

Many statements of the text have no number (the NEP, the XIV congress, the famine,
Turksib) and so no point on a chart: here they appear in time. Each event is a marker
by its kind (a shape and a colour), a period drawn as a bar; clicking a marker, or an
event in the list, shows what happened and the record's facts that hold it (or the
outside source, where the record has none). The events are the lesson's
(:mod:`kazind.explorer.lesson`, ``events.yaml``).
"""

from __future__ import annotations

from functools import lru_cache

from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from kazind.explorer import charts, data
from kazind.explorer.components import graph_config
from kazind.explorer.i18n import check_lang, fmt_date, translator
from kazind.explorer.lesson import Event, load_lesson

GRAPH = "events-graph"
DETAIL = "events-detail"
ITEM = "events-item"  # pattern id of the list's buttons: {"type": ITEM, "index": event id}
#: kind -> (lane, marker symbol, colour, message id of its name)
KINDS = {
    "war": (6, "x", "#555555", "wars and uprisings"),
    "state": (5, "square", "#1f5f99", "the republic"),
    "policy": (4, "diamond", "#6a4c93", "policy and plans"),
    "economy": (3, "circle", "#2e7d32", "economy"),
    "industry": (3, "triangle-up", "#b5651d", "industry"),
    "transport": (2, "star", "#c0392b", "railways"),
    "population": (1, "hexagon", "#00798c", "censuses"),
    "famine": (0, "circle", "#111111", "famines, collectivisation"),
    "repression": (0, "cross", "#8b0000", "repression and deportation"),
}


def when(e: Event, lang: str) -> str:
    if e.date.is_period:
        return f"{e.date.first}-{e.date.last}"
    if e.date.day is not None:
        return fmt_date(e.date.time, lang)
    return str(e.date.first)


def events_figure(lang: str, events: tuple[Event, ...]) -> dict:
    """The strip of events: periods as bars, each event a labelled marker in its kind's lane."""
    _ = translator(lang)
    layout = charts.base_layout(lang, 300)
    layout["xaxis"] = charts.time_axis()
    layout["yaxis"] = {"visible": False, "range": [-0.8, 6.8], "fixedrange": True}
    layout["showlegend"] = True
    layout["legend"] = charts.legend_below(2)
    layout["margin"].update({"t": 10, "b": 70})
    traces = []
    for kind, (lane, symbol, colour, name) in KINDS.items():
        mine = [e for e in events if e.kind == kind]
        if not mine:
            continue
        for e in mine:
            if e.date.is_period:
                traces.append(
                    {
                        "type": "scatter",
                        "mode": "lines",
                        "x": [e.date.first, e.date.last + 1],
                        "y": [lane, lane],
                        "line": {"color": colour, "width": 7},
                        "opacity": 0.35,
                        "hoverinfo": "skip",
                        "showlegend": False,
                    }
                )
        # labels alternate above and below the marker so that neighbours do not collide
        positions = ["top center" if i % 2 == 0 else "bottom center" for i in range(len(mine))]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "name": _(name),
                "x": [e.date.time for e in mine],
                "y": [lane] * len(mine),
                "text": [e.label for e in mine],
                "textposition": positions,
                "textfont": {"size": 10},
                "marker": {
                    "symbol": symbol,
                    "color": colour,
                    "size": 12,
                    "line": {"width": 1, "color": "white"},
                },
                "customdata": [e.id for e in mine],
                "hovertext": [
                    f"<b>{e.label}</b> ({when(e, lang)})<br>{charts.wrap(e.text, 50)}" for e in mine
                ],
                "hoverinfo": "text",
            }
        )
    return {"data": traces, "layout": layout}


def event_detail(e: Event, lang: str) -> list:
    """What happened, and the record's facts (or the outside sources) that hold it."""
    _ = translator(lang)
    lesson = load_lesson(lang)
    facts = data.facts()
    items = []
    for fid in e.facts:
        fact = facts.get(fid)
        items.append(
            html.Li(
                [
                    getattr(fact.statement, lang),
                    " ",
                    html.Span(fid, className="kz-fact-id", lang="en"),
                ]
            )
        )
    for sid in e.sources:
        items.append(html.Li(lesson.sources[sid].citation, className="kz-help"))
    return [
        html.H4([e.label, " ", html.Span(f"({when(e, lang)})", className="kz-period")]),
        html.P(e.text),
        html.P(_("In the record") if e.facts else _("Sources"), className="kz-label")
        if items
        else None,
        html.Ul(items) if items else None,
    ]


@lru_cache(maxsize=8)
def _figure(lang: str) -> dict:
    return events_figure(lang, load_lesson(lang).events)


def events_block(lang: str) -> html.Section:
    """The events' strip, their list and the detail of the one chosen (for the timeline tab)."""
    _ = translator(lang)
    lesson = load_lesson(lang)
    listing = html.Ol(
        [
            html.Li(
                html.Button(
                    [
                        html.Span(when(e, lang), className="kz-period"),
                        " ",
                        html.B(e.label),
                        " — ",
                        e.text,
                    ],
                    id={"type": ITEM, "index": e.id},
                    n_clicks=0,
                    type="button",
                    className="kz-event-item",
                    **{"data-event": e.id},
                )
            )
            for e in lesson.events
        ],
        className="kz-events",
    )
    return html.Section(
        [
            html.H3(_("Events of the period"), id=GRAPH + "-title"),
            html.P(
                _("Click an event to read what happened and where the record holds it."),
                className="kz-muted",
            ),
            html.Div(
                [
                    html.Figure(
                        dcc.Graph(
                            id=GRAPH,
                            figure=_figure(lang),
                            config=graph_config("kazind-events", lang),
                            className="kz-graph",
                            style={"height": "300px"},
                        ),
                        className="kz-chart kz-events-chart",
                        **{"aria-labelledby": GRAPH + "-title"},
                    ),
                    html.Aside(id=DETAIL, className="kz-fact-panel", **{"aria-live": "polite"}),
                ],
                className="kz-with-panel",
            ),
            html.Details(
                [html.Summary(_("The list of events")), listing], className="kz-details", open=False
            ),
        ],
        className="kz-events-block",
    )


def show(click, item_clicks, lang):
    lang = check_lang(lang)
    try:
        trig = ctx.triggered_id
    except Exception:  # noqa: BLE001 - called outside a request (tests): no trigger
        trig = None
    event_id = None
    if isinstance(trig, dict) and trig.get("type") == ITEM:
        event_id = trig.get("index")
    elif isinstance(click, dict):
        for point in click.get("points") or []:
            if isinstance(point, dict) and isinstance(point.get("customdata"), str):
                event_id = point["customdata"]
    by_id = {e.id: e for e in load_lesson(lang).events}
    if event_id not in by_id:
        return no_update
    return event_detail(by_id[event_id], lang)


def register(app) -> None:
    from kazind.explorer import ids as I

    app.callback(
        Output(DETAIL, "children"),
        Input(GRAPH, "clickData"),
        Input({"type": ITEM, "index": ALL}, "n_clicks"),
        State(I.panel_lang("timeline"), "data"),
        prevent_initial_call=True,
    )(show)
