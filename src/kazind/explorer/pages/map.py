"""The map tab: the republic year by year, 1913-1940.

Seas, lakes and the main rivers (Natural Earth, shipped with the package) orient the
reader; today's border is drawn thin. For the year chosen: every railway open by then
(colour by the period it opened in), the towns that existed (named as they were called
that year), sized by the model's population where the model has them, and the
enterprises, mines, oil fields and power stations working by then, each branch with its
own shape and colour. What opened that very year is ringed, and a caption says what
opened or happened. Play runs the years once, from the year shown to 1940, and stops.
"""

from __future__ import annotations

import math
from functools import lru_cache

import xarray as xr
from dash import Input, Output, Patch, State, dcc, html, no_update

from kazind.explorer import charts, data
from kazind.explorer import ids as I
from kazind.explorer.components import chart_block, download_button, message_line, muted
from kazind.explorer.guard import guarded
from kazind.explorer.i18n import InputError, check_lang, fmt_number, safe_lang, translator
from kazind.explorer.page import Page

RAIL_PERIODS = (
    (1890, 1917, "before 1917", "#8d6a48", "solid"),
    (1918, 1927, "1918-1927", "#6a4c93", "solid"),
    (1928, 1932, "1928-1932 (Turksib)", "#c0392b", "solid"),
    (1933, 1940, "1933-1940", "#1f5f99", "solid"),
)
HIGHLIGHT = "#ff8c00"
LAT_SCALE = 1 / math.cos(
    math.radians(48.0)
)  # a degree of latitude against one of longitude at 48° N
PRODUCING = ("enterprise", "mine", "oil_field", "power_station")
TOWN_KINDS = ("city", "town")
WATER = "#a9cfe8"
WATER_LINE = "#5b9bd5"


def _water_traces(waters: dict, lang: str) -> list[dict]:
    _ = translator(lang)
    traces = []
    lx, ly = [], []
    rx, ry = [], []
    labels = {"lake": ([], [], []), "river": ([], [], [])}
    for f in waters["features"]:
        props, geom = f["properties"], f["geometry"]
        if props["layer"] == "label":
            xs, ys, names = labels[props["kind"]]
            xs.append(geom["coordinates"][0])
            ys.append(geom["coordinates"][1])
            names.append(_(props["name"]))
            continue
        if geom["type"] in ("Polygon", "MultiPolygon"):
            polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
            for poly in polys:
                ring = poly[0]
                lx += [p[0] for p in ring] + [None]
                ly += [p[1] for p in ring] + [None]
        else:
            parts = [geom["coordinates"]] if geom["type"] == "LineString" else geom["coordinates"]
            for part in parts:
                rx += [p[0] for p in part] + [None]
                ry += [p[1] for p in part] + [None]
    traces.append(
        {
            "type": "scatter",
            "mode": "lines",
            "x": rx,
            "y": ry,
            "hoverinfo": "skip",
            "showlegend": False,
            "line": {"color": WATER_LINE, "width": 1},
            "name": _("rivers"),
        }
    )
    traces.append(
        {
            "type": "scatter",
            "mode": "lines",
            "x": lx,
            "y": ly,
            "fill": "toself",
            "fillcolor": WATER,
            "line": {"color": WATER_LINE, "width": 0.6},
            "hoverinfo": "skip",
            "showlegend": False,
            "name": _("seas and lakes"),
        }
    )
    for kind, (xs, ys, names) in labels.items():
        if xs:
            traces.append(
                {
                    "type": "scatter",
                    "mode": "text",
                    "x": xs,
                    "y": ys,
                    "text": names,
                    "textfont": {
                        "size": 11 if kind == "lake" else 10,
                        "color": "#1d4f7a",
                        "family": "Georgia, 'DejaVu Serif', serif",
                    },
                    "hoverinfo": "skip",
                    "showlegend": False,
                }
            )
    return traces


def openings(year: int, gazetteer, railways) -> tuple[list, list]:
    """(railway sections, producing places) that opened in ``year``."""
    rails = [o for o in railways.sections_open(year) if o.section.year == year]
    places = [p for p in gazetteer.places if p.kind in PRODUCING and p.first_year == year]
    return rails, places


def _town_exists(place, year: int) -> bool:
    return place.exists_in(year)


#: The map's scale for placing labels: its 42 degrees of longitude drawn about 900 px wide
#: (a laptop), a label's letter about 6 px wide and its line 13 px high at size 10.
PX_PER_DEGREE = 900 / 42.0
CHAR_PX, LINE_PX, GAP_PX = 6.0, 13.0, 4.0
#: Where a town's name may go, in order of preference: above, below, right, left.
LABEL_POSITIONS = ("top center", "bottom center", "middle right", "middle left")


def label_positions(
    points: list[tuple[float, float, str]], marker_px: list[float]
) -> list[str | None]:
    """Each town's label position, or None where every position overlaps a label already
    placed (the south's crowd: its name stays in the tooltip). ``points`` are (lon, lat,
    name), most important first; boxes are in pixels on the map's nominal scale."""
    placed: list[tuple[float, float, float, float]] = []
    out: list[str | None] = []
    for (lon, lat, name), marker in zip(points, marker_px, strict=True):
        x, y = lon * PX_PER_DEGREE, -lat * PX_PER_DEGREE * LAT_SCALE
        w, h, r = CHAR_PX * len(name), LINE_PX, marker / 2 + GAP_PX / 2
        boxes = {
            "top center": (x - w / 2, y - r - h, x + w / 2, y - r),
            "bottom center": (x - w / 2, y + r, x + w / 2, y + r + h),
            "middle right": (x + r, y - h / 2, x + r + w, y + h / 2),
            "middle left": (x - r - w, y - h / 2, x - r, y + h / 2),
        }
        chosen = None
        for pos in LABEL_POSITIONS:
            a = boxes[pos]
            if all(a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1] for b in placed):
                chosen = pos
                placed.append(a)
                break
        out.append(chosen)
    return out


def static_traces(lang: str, outline, waters: dict) -> list[dict]:
    """The map's layer that no year changes: today's border, seas, lakes, rivers and their
    names. A page sends it once; a change of year replaces only :func:`year_traces`."""
    _ = translator(lang)
    traces = []
    for outer, *_holes in outline.polygons:
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": [p[0] for p in outer],
                "y": [p[1] for p in outer],
                "fill": "toself",
                "fillcolor": "#f7f4ec",
                "line": {"color": "#9a9a9a", "width": 1, "dash": "dot"},
                "hoverinfo": "skip",
                "showlegend": False,
                "name": _("Kazakhstan (today's borders)"),
            }
        )
    return traces + _water_traces(waters, lang)


#: An empty slot of :func:`year_traces` (nothing of its kind that year; a hidden trace).
EMPTY_SLOT = charts.EMPTY_TRACE
#: The map's year layer has this many traces every year, in this order, so that a change
#: of year replaces them one by one (:func:`year_patch`): what opened that year (a band
#: under the new lines), the railways of each period, the towns, the producing places of
#: each branch, and the ring round places that opened that year.
YEAR_SLOTS = 1 + len(RAIL_PERIODS) + 1 + len(charts.BRANCHES) + 1 + 1


def _rail_traces(lang: str, year: int, gaz, railways) -> tuple[list[dict], float]:
    """A trace of the railways open in ``year`` for each period they opened in (an empty
    slot for a period with none), and the kilometres open."""
    _ = translator(lang)
    traces, open_km = [], 0.0
    for lo, hi, label, colour, dash in RAIL_PERIODS:
        xs, ys, hover = [], [], []
        for o in railways.sections_open(year):
            y = o.section.year
            if y is None or not lo <= y <= hi:
                continue
            a, b = gaz[o.section.from_], gaz[o.section.to]
            open_km += o.length_km
            text = (
                f"{o.line.names.get(lang, o.line.id)}: {data.place_name(a, lang, year)} – "
                f"{data.place_name(b, lang, year)}<br>{_('opened in {year}').format(year=y)}"
                f" · {fmt_number(o.length_km, lang)} {_('km')}"
            )
            xs += [a.lon, (a.lon + b.lon) / 2, b.lon, None]
            ys += [a.lat, (a.lat + b.lat) / 2, b.lat, None]
            hover += [text, text, text, ""]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": xs,
                "y": ys,
                "hovertext": hover,
                "hoverinfo": "text",
                "line": {"color": colour, "width": 3, "dash": dash},
                "name": _("railways") + " " + _(label),
                "legendgroup": "rail",
            }
            if xs
            else EMPTY_SLOT
        )
    return traces, open_km


def _town_trace(lang: str, year: int, ds: xr.Dataset, gaz) -> dict:
    """The towns that existed in ``year``, named as they were called that year and sized
    by the model's population where it has them."""
    _ = translator(lang)
    pops = (
        ds["city_population"].sel(time=float(year)).to_series() if "city_population" in ds else {}
    )
    cx, cy, size, text, labels = [], [], [], [], []
    towns = [p for p in gaz.places if p.kind in TOWN_KINDS and _town_exists(p, year)]
    # the largest towns are named first, so a crowded corner keeps its largest names
    towns.sort(
        key=lambda p: (p.kind_at(year) != "city", -float(pops[p.id]) if p.id in pops else 0.0)
    )
    for p in towns:
        name = data.place_name(p, lang, year)
        pop = float(pops[p.id]) if p.id in pops else None
        cx.append(p.lon)
        cy.append(p.lat)
        size.append(round(max(7.0, math.sqrt(max(pop, 0.0)) / 18), 1) if pop is not None else 6.0)
        labels.append(name)
        settlement = p.kind_at(year) == "settlement"  # not yet a town in that year
        text.append(
            f"<b>{data.place_label(p, lang, year)}</b>"
            + (f"<br>{_('a settlement, not yet a town')}" if settlement else "")
            + (f"<br>{_('population (model)')}: {fmt_number(pop, lang)}" if pop else "")
        )
    positions = label_positions(list(zip(cx, cy, labels, strict=True)), size)
    return {
        "type": "scatter",
        "mode": "markers+text",
        "x": cx,
        "y": cy,
        "text": [n if pos else "" for n, pos in zip(labels, positions, strict=True)],
        "textposition": [pos or "top center" for pos in positions],
        "textfont": {"size": 10, "color": "#333"},
        "hovertext": text,
        "hoverinfo": "text",
        "cliponaxis": False,
        "marker": {
            "size": size,
            "color": "rgba(31,95,153,0.2)",
            "line": {"color": "#1f5f99", "width": 1},
        },
        "name": _("towns (size: population in the model)"),
    }


def _branch_traces(lang: str, year: int, gaz) -> list[dict]:
    """The enterprises, mines, oil fields and power stations working in ``year``, a trace
    (its own shape and colour) per branch, an empty slot for a branch with none."""
    _ = translator(lang)
    traces = []
    for branch in (*charts.BRANCHES, "printing"):
        ex, ey, et = [], [], []
        for p in gaz.places:
            if p.kind not in PRODUCING or p.branch != branch or not p.exists_in(year):
                continue
            ex.append(p.lon)
            ey.append(p.lat)
            et.append(
                f"<b>{data.place_label(p, lang, year)}</b><br>{charts.branch_label(branch, lang)}"
                + ("<br>" + _("from {year}").format(year=p.first_year) if p.first_year else "")
            )
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": ex,
                "y": ey,
                "hovertext": et,
                "hoverinfo": "text",
                "name": charts.branch_label(branch, lang),
                "marker": {
                    "color": charts.BRANCH_COLOURS.get(branch, "#555"),
                    "size": 11,
                    "symbol": charts.BRANCH_SYMBOLS.get(branch, "circle"),
                    "line": {"color": "white", "width": 1},
                },
                "legendgroup": "enterprises",
            }
            if ex
            else EMPTY_SLOT
        )
    return traces


def year_traces(lang: str, year: int, ds: xr.Dataset, gazetteer, railways) -> tuple[list, float]:
    """The :data:`YEAR_SLOTS` traces of ``year`` (see there), and the railway kilometres
    of the record open that year."""
    _ = translator(lang)
    gaz = gazetteer
    rails, open_km = _rail_traces(lang, year, gaz, railways)
    rails_new, places_new = openings(year, gaz, railways)
    # what opened this year: a wide orange band under the new lines, a ring round new places
    hx, hy = [], []
    for o in rails_new:
        a, b = gaz[o.section.from_], gaz[o.section.to]
        hx += [a.lon, b.lon, None]
        hy += [a.lat, b.lat, None]
    band = (
        {
            "type": "scatter",
            "mode": "lines",
            "x": hx,
            "y": hy,
            "hoverinfo": "skip",
            "line": {"color": HIGHLIGHT, "width": 9},
            "opacity": 0.55,
            "name": _("opened this year"),
            "legendgroup": "new",
        }
        if hx
        else EMPTY_SLOT
    )
    ring = (
        {
            "type": "scatter",
            "mode": "markers",
            "x": [p.lon for p in places_new],
            "y": [p.lat for p in places_new],
            "hoverinfo": "skip",
            "marker": {
                "symbol": "circle-open",
                "size": 24,
                "color": HIGHLIGHT,
                "line": {"width": 3},
            },
            "name": _("opened this year"),
            "legendgroup": "new",
            "showlegend": not hx,
        }
        if places_new
        else EMPTY_SLOT
    )
    traces = [band, *rails, _town_trace(lang, year, ds, gaz), *_branch_traces(lang, year, gaz)]
    traces.append(ring)
    assert len(traces) == YEAR_SLOTS
    return traces, open_km


def map_title(lang: str, year: int, ds: xr.Dataset, open_km: float) -> str:
    """The map's title: the year, the record's railway kilometres and the model's."""
    _ = translator(lang)
    model_km = float(ds["railway_length"].sel(time=float(year))) if "railway_length" in ds else None
    return (
        f"<b>{year}</b> · {_('railways of the record')}: {fmt_number(open_km, lang)} {_('km')}"
        + (
            f"<br>{_('model')}: {fmt_number(model_km, lang)} {_('km')}"
            if model_km is not None
            else ""
        )
    )


def map_figure(
    lang: str, year: int, ds: xr.Dataset, gazetteer, railways, outline, waters: dict
) -> dict:
    """The map of ``year`` (see the module docstring): :func:`static_traces`, then
    :func:`year_traces`."""
    traces, open_km = year_traces(lang, year, ds, gazetteer, railways)
    layout = charts.base_layout(lang)
    layout.update(
        {
            "title": {
                "text": map_title(lang, year, ds, open_km),
                "x": 0.01,
                "xanchor": "left",
                "font": {"size": 14},
            },
            "xaxis": {
                "range": [46.0, 88.0],
                "showgrid": False,
                "zeroline": False,
                "visible": False,
            },
            "yaxis": {
                "range": [39.8, 56.2],
                "scaleanchor": "x",
                "scaleratio": LAT_SCALE,
                "showgrid": False,
                "zeroline": False,
                "visible": False,
            },
            "legend": {
                "orientation": "h",
                "x": 0,
                "y": -0.02,
                "xanchor": "left",
                "yanchor": "top",
                "font": {"size": 11},
                "bgcolor": "rgba(255,255,255,0)",
            },
            "margin": {"l": 4, "r": 4, "t": 52, "b": 4},
            "plot_bgcolor": "#eef3f7",
            "dragmode": "pan",
        }
    )
    return {"data": static_traces(lang, outline, waters) + traces, "layout": layout}


def year_patch(lang: str, year: int, ds: xr.Dataset, gazetteer, railways, n_static: int) -> Patch:
    """The change from a map of :func:`map_figure` (whose static layer has ``n_static``
    traces) to the map of ``year``: its year layer and title, not the static layer (about
    a third of the map's bytes, and the same every year)."""
    traces, open_km = year_traces(lang, year, ds, gazetteer, railways)
    patch = Patch()
    for k, trace in enumerate(traces):
        patch["data"][n_static + k] = trace
    patch["layout"]["title"]["text"] = map_title(lang, year, ds, open_km)
    return patch


#: At most this many of the record's events of a year in the caption (the record tab has all).
CAPTION_EVENTS = 3


def year_events(year: int, facts) -> list:
    """The source text's own statements dated to ``year`` alone (not to a longer period)."""
    out = []
    for f in facts:
        if f.is_seed and f.first_year == year and not f.period and f.kind in ("entity", "claim"):
            out.append(f)
    return out[:CAPTION_EVENTS]


def year_caption(lang: str, year: int, gazetteer, railways, facts=None) -> list:
    """What opened (railway sections, enterprises) in ``year``, and what the source text
    says happened that year, as lists."""
    _ = translator(lang)
    rails, places = openings(year, gazetteer, railways)
    events = year_events(year, facts) if facts is not None else []
    tail = (
        [
            html.B(_("The source text on this year") + ":"),
            html.Ul([html.Li(getattr(f.statement, lang)) for f in events]),
        ]
        if events
        else []
    )
    items = []
    for o in rails:
        a, b = gazetteer[o.section.from_], gazetteer[o.section.to]
        items.append(
            html.Li(
                f"{o.line.names.get(lang, o.line.id)}: {data.place_name(a, lang, year)} – "
                f"{data.place_name(b, lang, year)}"
            )
        )
    for p in places:
        items.append(
            html.Li(f"{data.place_name(p, lang, year)} ({charts.branch_label(p.branch, lang)})")
        )
    if not items:
        return [
            html.P(
                [
                    html.B(str(year) + ": "),
                    _("no railway or enterprise of the record opened this year."),
                ]
            ),
            *tail,
        ]
    return [html.B(str(year) + ": " + _("opened this year") + ":"), html.Ul(items), *tail]


def year_summary(lang: str, year: int, ds: xr.Dataset, gazetteer, railways) -> html.Table:
    """The map's numbers: railways open (record and model), towns, enterprises by branch."""
    from kazind.explorer.components import data_table

    _ = translator(lang)
    rows = []
    km = sum(o.length_km for o in railways.sections_open(year))
    model_km = float(ds["railway_length"].sel(time=float(year))) if "railway_length" in ds else None
    rows.append([_("railways of the record"), f"{fmt_number(km, lang)} {_('km')}"])
    if model_km is not None:
        rows.append(
            [_("railways") + " (" + _("model") + ")", f"{fmt_number(model_km, lang)} {_('km')}"]
        )
    towns = [p for p in gazetteer.places if p.kind in TOWN_KINDS and p.exists_in(year)]
    rows.append([_("towns (size: population in the model)"), fmt_number(len(towns), lang)])
    for branch in (*charts.BRANCHES, "printing"):
        n = sum(
            1
            for p in gazetteer.places
            if p.kind in PRODUCING and p.branch == branch and p.exists_in(year)
        )
        if n:
            rows.append([charts.branch_label(branch, lang), fmt_number(n, lang)])
    return data_table(str(year), [_("on the map"), _("number")], rows)


def map_rows(lang: str, year: int, ds: xr.Dataset, gazetteer, railways) -> list[dict]:
    """What the map shows in ``year``, as rows for a CSV."""
    rows = []
    pops = (
        ds["city_population"].sel(time=float(year)).to_series() if "city_population" in ds else {}
    )
    for p in gazetteer.places:
        if p.kind in TOWN_KINDS and p.exists_in(year):
            rows.append(
                {
                    "year": year,
                    "kind": p.kind_at(year),
                    "id": p.id,
                    "name": data.place_name(p, lang, year),
                    "lat": p.lat,
                    "lon": p.lon,
                    "branch": "",
                    "population_model": round(float(pops[p.id])) if p.id in pops else "",
                    "opened": "",
                }
            )
    for p in gazetteer.places:
        if p.kind in PRODUCING and p.exists_in(year):
            rows.append(
                {
                    "year": year,
                    "kind": p.kind,
                    "id": p.id,
                    "name": data.place_name(p, lang, year),
                    "lat": p.lat,
                    "lon": p.lon,
                    "branch": p.branch,
                    "population_model": "",
                    "opened": p.first_year,
                }
            )
    for o in railways.sections_open(year):
        rows.append(
            {
                "year": year,
                "kind": "railway",
                "id": f"{o.line.id}:{o.section.from_}-{o.section.to}",
                "name": o.line.names.get(lang, o.line.id),
                "lat": "",
                "lon": "",
                "branch": "",
                "population_model": "",
                "opened": o.section.year,
            }
        )
    return rows


# ---------------------------------------------------------------- layout


def layout(lang: str) -> list:
    _ = translator(lang)
    lo, hi = data.YEARS
    return [
        muted(
            _(
                "Railways by the period they opened in, towns sized by their population in the model, "
                "enterprises by branch (each branch its own shape and colour); what opened in the year "
                "shown is ringed in orange. The dotted outline is today's border of Kazakhstan."
            )
        ),
        message_line(I.MAP_MESSAGE),
        html.Div(
            [
                html.Button(
                    _("Play"),
                    id=I.PLAY,
                    n_clicks=0,
                    className="kz-play",
                    **{"aria-controls": I.MAP_GRAPH},
                ),
                html.Div(
                    [
                        html.Label(
                            _("Year"),
                            htmlFor=I.YEAR_SLIDER,
                            id=I.YEAR_SLIDER + "-label",
                            className="kz-visually-hidden",
                        ),
                        dcc.Slider(
                            id=I.YEAR_SLIDER,
                            min=lo,
                            max=hi,
                            step=1,
                            value=1926,
                            marks={
                                y: str(y)
                                for y in range(lo, hi + 1)
                                if (y % 5 == 0 and y - lo > 3) or y in (lo, hi)
                            },
                            tooltip={"placement": "top", "always_visible": True},
                            persistence=True,
                            persistence_type="session",
                            updatemode="drag",
                        ),
                    ],
                    className="kz-year-slider",
                ),
                dcc.Interval(id=I.MAP_INTERVAL, interval=1200, disabled=True, n_intervals=0),
            ],
            className="kz-play-row",
        ),
        html.Div(id=I.MAP_CAPTION, className="kz-caption", **{"aria-live": "polite"}),
        chart_block(
            I.MAP_GRAPH,
            _("The republic in the year shown"),
            lang,
            "kazind-map",
            I.MAP_TABLE,
            height=660,
            class_name="kz-map",
        ),
        download_button(I.DOWNLOAD_MAP, I.DOWNLOAD_MAP_DATA, lang),
        dcc.Store(id=DRAWN, data=None),
    ]


# ---------------------------------------------------------------- callbacks


@guarded(lambda msg: (charts.empty_figure(), [], [], msg))
def view(year, lang, drawn=None):
    """The map, its caption and its numbers for ``year``. ``drawn`` is the language of a
    map already on the page (:data:`DRAWN`): then only its year layer is sent
    (:func:`year_patch`), not the seas, rivers and border again."""
    lang = check_lang(lang)
    year = data.check_year(year)
    gaz, rails, ds = data.gazetteer(), data.railways(), data.historical_run()
    if drawn == lang:
        fig = year_patch(lang, year, ds, gaz, rails, n_static())
    else:
        fig = map_figure(lang, year, ds, gaz, rails, data.outline(), data.waters())
    caption = year_caption(lang, year, gaz, rails, data.facts())
    return fig, caption, year_summary(lang, year, ds, gaz, rails), ""


@lru_cache(maxsize=1)
def n_static() -> int:
    """How many traces the map's static layer has (the same in every language)."""
    return len(static_traces("en", data.outline(), data.waters()))


#: The language of the map drawn on the map tab (None when a message replaced it).
DRAWN = "map-drawn"


def toggle_play(n_clicks, disabled, year, lang):
    """The play button: start (from 1913 if the year shown is 1940) or stop."""
    _ = translator(safe_lang(lang))
    if not isinstance(n_clicks, int) or n_clicks <= 0:
        return True, _("Play"), no_update
    start = bool(disabled)  # it was stopped: start it
    restart = start and year == data.YEARS[1]
    return (
        (not start),
        (_("Pause") if start else _("Play")),
        (data.YEARS[0] if restart else no_update),
    )


def next_year(n_intervals, year, lang):
    """One tick of play: the next year; at 1940 play stops (interval off, button says Play)."""
    _ = translator(safe_lang(lang))
    try:
        year = data.check_year(year)
    except InputError:
        return data.YEARS[0], no_update, no_update
    if year >= data.YEARS[1]:
        return no_update, True, _("Play")
    nxt = year + 1
    if nxt >= data.YEARS[1]:
        return nxt, True, _("Play")
    return nxt, no_update, no_update


def download(n_clicks, year, lang):
    from kazind.explorer.components import csv_download

    if not n_clicks:
        return no_update
    try:
        year = data.check_year(year)
    except InputError:
        return no_update
    return csv_download(
        map_rows(safe_lang(lang), year, data.historical_run(), data.gazetteer(), data.railways()),
        f"kazind-map-{year}.csv",
    )


def register(app) -> None:
    lang = Input(I.panel_lang("map"), "data")

    def _view(year, language, drawn):
        out = view(year, language, drawn)
        return (*out, language if out[-1] == "" else None)

    app.callback(
        Output(I.MAP_GRAPH, "figure"),
        Output(I.MAP_CAPTION, "children"),
        Output(I.MAP_TABLE, "children"),
        Output(I.MAP_MESSAGE, "children"),
        Output(DRAWN, "data"),
        Input(I.YEAR_SLIDER, "value"),
        lang,
        State(DRAWN, "data"),
    )(_view)
    app.callback(
        Output(I.MAP_INTERVAL, "disabled"),
        Output(I.PLAY, "children"),
        Output(I.YEAR_SLIDER, "value", allow_duplicate=True),
        Input(I.PLAY, "n_clicks"),
        State(I.MAP_INTERVAL, "disabled"),
        State(I.YEAR_SLIDER, "value"),
        State(I.panel_lang("map"), "data"),
        prevent_initial_call=True,
    )(toggle_play)
    app.callback(
        Output(I.YEAR_SLIDER, "value"),
        Output(I.MAP_INTERVAL, "disabled", allow_duplicate=True),
        Output(I.PLAY, "children", allow_duplicate=True),
        Input(I.MAP_INTERVAL, "n_intervals"),
        State(I.YEAR_SLIDER, "value"),
        State(I.panel_lang("map"), "data"),
        prevent_initial_call=True,
    )(next_year)
    app.callback(
        Output(I.DOWNLOAD_MAP_DATA, "data"),
        Input(I.DOWNLOAD_MAP, "n_clicks"),
        State(I.YEAR_SLIDER, "value"),
        State(I.panel_lang("map"), "data"),
        prevent_initial_call=True,
    )(download)


PAGE = Page(key="map", label="Map", layout=layout, register=register)
