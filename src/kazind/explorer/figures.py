"""The explorer's charts as plain plotly figure dicts (light and fast to build).

Each builder takes the language and what to draw and returns ``{"data": [...],
"layout": {...}}``; every label goes through the language's translator and numbers
in hover texts through Babel. Small multiples are laid out by hand (:func:`grid`)
rather than with ``make_subplots``, which validates every property and costs more time
than the model run itself.
"""

from __future__ import annotations

import math
import textwrap
from functools import lru_cache

import numpy as np
import xarray as xr

from kazind.explorer import data
from kazind.explorer.i18n import fmt_number, fmt_percent, fmt_sig, separators, translator

PALETTE = ("#1f5f99", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8d6a48", "#555555")
OK, MISS, NEUTRAL = "#1b8a3a", "#c62828", "#777777"
BRANCH_COLOURS = {
    "non_ferrous": "#b5651d", "coal": "#222222", "oil": "#6a4c93", "chemicals": "#00798c",
    "power": "#edae49", "machine_building": "#1f5f99", "light": "#d1495b", "food": "#2e933c",
}  # fmt: skip
BRANCHES = tuple(BRANCH_COLOURS)
WORKER_GROUPS = ("kazakh_workers", "other_workers")
POP_GROUPS = ("kazakh", "russian", "ukrainian", "other")


BRANCH_NAMES = {
    "non_ferrous": "non-ferrous metals",
    "coal": "coal",
    "oil": "oil",
    "chemicals": "chemicals",
    "power": "power",
    "machine_building": "machine building",
    "light": "light industry",
    "food": "food industry",
    "printing": "printing",
}


def branch_label(branch: str, lang: str) -> str:
    _ = translator(lang)
    return _(BRANCH_NAMES.get(branch, branch))


def element_label(element: str, lang: str) -> str:
    _ = translator(lang)
    if element in BRANCH_COLOURS or element == "printing":
        return branch_label(element, lang)
    names = {
        "kazakh_workers": "Kazakh workers",
        "other_workers": "other workers",
        "kazakh": "Kazakhs",
        "russian": "Russians",
        "ukrainian": "Ukrainians",
        "other": "others",
        "socialist": "socialist",
        "cooperative": "cooperative",
        "private": "private",
        "sheep_goats": "sheep and goats",
        "cattle": "cattle",
        "horses": "horses",
        "camels": "camels",
    }
    if element in names:
        return _(names[element])
    gaz = data.gazetteer()
    if element in gaz:
        return getattr(gaz[element].names, lang)
    return element


# ---------------------------------------------------------------- layout helpers


def _unit(x: float) -> float:
    return min(1.0, max(0.0, round(x, 6)))


def grid(
    n_rows: int, n_cols: int, titles: list[str], gap_x: float = 0.06, gap_y: float = 0.1, title_width: int = 80
) -> dict:
    """Axes and title annotations for ``n_rows`` x ``n_cols`` panels (row by row)."""
    layout: dict = {"annotations": []}
    w = (1 - gap_x * (n_cols - 1)) / n_cols
    h = (1 - gap_y * (n_rows - 1)) / n_rows
    for i, title in enumerate(titles):
        r, c = divmod(i, n_cols)
        x0 = c * (w + gap_x)
        y1 = 1 - r * (h + gap_y)
        k = "" if i == 0 else str(i + 1)
        layout[f"xaxis{k}"] = {
            "domain": [_unit(x0), _unit(x0 + w)], "anchor": f"y{k}", "range": [1912.5, 1941.5],
            "tickvals": [1913, 1920, 1926, 1932, 1940], "tickformat": "d", "showgrid": True,
            "gridcolor": "#eee", "zeroline": False,
        }  # fmt: skip
        layout[f"yaxis{k}"] = {
            "domain": [_unit(y1 - h), _unit(y1)], "anchor": f"x{k}", "gridcolor": "#eee", "zeroline": False,
            "rangemode": "tozero",
        }  # fmt: skip
        layout["annotations"].append(
            {
                "text": "<b>" + "<br>".join(textwrap.wrap(title, title_width)) + "</b>", "xref": "paper", "yref": "paper", "x": x0, "y": y1,
                "xanchor": "left", "yanchor": "bottom", "showarrow": False, "font": {"size": 12},
            }
        )  # fmt: skip
    return layout


def axis_refs(i: int) -> tuple[str, str]:
    k = "" if i == 0 else str(i + 1)
    return f"x{k}", f"y{k}"


def base_layout(lang: str, height: int) -> dict:
    return {
        "height": height,
        "margin": {"l": 50, "r": 20, "t": 40, "b": 40},
        "separators": separators(lang),
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "font": {"family": "system-ui, 'DejaVu Sans', sans-serif", "size": 11},
        "hovermode": "closest",
        "uirevision": "keep",
    }


def empty_figure(message: str = "") -> dict:
    """A blank chart (after an input error): the message is shown beside it."""
    return {
        "data": [],
        "layout": {
            "xaxis": {"visible": False}, "yaxis": {"visible": False}, "height": 300,
            "annotations": [{"text": message, "showarrow": False, "font": {"size": 14}}] if message else [],
        },
    }  # fmt: skip


def _series(ds: xr.Dataset, variable: str, element: str | None) -> np.ndarray:
    da = ds[variable]
    if element is not None:
        dim = next(d for d in da.dims if d != "time")
        da = da.sel({dim: element})
    return da.values


def wrap(text: str, width: int = 60) -> str:
    return "<br>".join(textwrap.wrap(text, width)) or text


# ---------------------------------------------------------------- the timeline

#: (title, [(variable, element, label)], scale, kind) with kind "", "%", "log"
PANELS: tuple[tuple[str, tuple[tuple[str, str | None, str], ...], float, str], ...] = (
    ("Output indices (1913 = 100)", (
        ("industrial_output_index", None, "industry"),
        ("agricultural_output_index", None, "agriculture"),
    ), 1.0, ""),
    ("Output by branch (1913 = 1, log scale)", tuple(
        ("branch_output", b, b) for b in BRANCHES
    ), 1.0, "log"),
    ("Electricity (million kWh a year)", (("electricity_output", None, "electricity"),), 1e-6, ""),
    ("Railway length (km)", (("railway_length", None, "railways"),), 1.0, ""),
    ("Population (thousand)", (
        ("population_total", None, "total"),
        ("population_urban", None, "urban"),
        *(("population_by_group", g, g) for g in POP_GROUPS),
    ), 1e-3, ""),
    ("Urban share of the population", (("urban_share", None, "urban share"),), 1.0, "%"),
    ("Workers (thousand)", (
        ("workers_total", None, "all workers"),
        *(("workers_by_group", g, g) for g in WORKER_GROUPS),
    ), 1e-3, ""),
    ("Shares", (
        ("kazakh_share_of_workers", None, "Kazakhs among workers"),
        ("kazakh_share_of_population", None, "Kazakhs in the population"),
        ("working_class_share", None, "working class in the population"),
    ), 1.0, "%"),
)  # fmt: skip

PANEL_VARIABLES = {v for _t, series, _s, _k in PANELS for v, _e, _l in series}


#: The variables of the 'more variables' chart: (English label with its unit, scale, kind).
#: Each label is a message id with kk and ru translations in the .po files.
EXTRA_VARIABLES: dict[str, tuple[str, float, str]] = {
    "cities_over_50k": ("Cities above 50 thousand people (number)", 1.0, ""),
    "collectivised_share": ("Share of peasant households in collective farms", 1.0, "%"),
    "east_slav_share": ("Russians and Ukrainians, share of the population", 1.0, "%"),
    "famine_deaths": ("Deaths from famine since 1913 (thousand)", 1e-3, ""),
    "grain_harvest": ("Grain harvest (million t)", 1.0, ""),
    "herds": ("Herds by species (million head)", 1e-6, ""),
    "herds_total": ("All livestock (million head)", 1e-6, ""),
    "kazakh_households_settled": ("Kazakh households settled by force since 1930 (thousand)", 1e-3, ""),
    "kazakhs_1897_implied": ("Kazakhs of 1897 implied by the model's start (thousand)", 1e-3, ""),
    "pastoral_share": ("Share of the rural Kazakhs living from their herds", 1.0, "%"),
    "sown_area": ("Sown area (million ha)", 1.0, ""),
    "urban_arrivals": ("Arrivals in the towns since 1913 (thousand)", 1e-3, ""),
    "city_population": ("Population of the main cities (thousand)", 1e-3, ""),
    "famine_refugees": ("People driven out of the republic by famine since 1913 (thousand)", 1e-3, ""),
    "heavy_industry_share": ("Heavy industry (producer goods), share of industrial output", 1.0, "%"),
    "industrial_workers": ("Workers in industry (thousand)", 1e-3, ""),
    "industry_share_of_output": ("Industry's share of the gross output of industry and agriculture", 1.0, "%"),
    "karaganda_coal_share": ("Karaganda basin, share of coal-mining capacity", 1.0, "%"),
    "large_socialist_share": ("Socialist (state) share of large-scale industry", 1.0, "%"),
    "ownership_share": ("State, co-operative and private shares of industrial output", 1.0, "%"),
    "population_rural": ("Rural population (thousand)", 1e-3, ""),
    "recruitment_total": ("Organised recruitment since 1913 (thousand)", 1e-3, ""),
    "rolling_stock_condition": ("Serviceable share of the rolling stock", 1.0, "%"),
    "share_of_workers_hired_since_1928": ("Share of the workers hired since 1928", 1.0, "%"),
    "urban_group_share": ("Share of each people in the urban population", 1.0, "%"),
    "urban_growth_migration": ("Urban growth since the 1926 census from migration (thousand)", 1e-3, ""),
    "urban_growth_share_migration": ("Share of migration in urban growth since the 1926 census", 1.0, "%"),
    "urban_growth_share_natural": ("Share of natural increase in urban growth since the 1926 census", 1.0, "%"),
    "urban_growth_share_reclassification": (
        "Share of settlements made towns in urban growth since the 1926 census", 1.0, "%"),
    "urban_share_in_cities_over_100k": ("Share of town dwellers living in cities above 100 thousand", 1.0, "%"),
    "urban_share_in_cities_over_50k": ("Share of town dwellers living in cities above 50 thousand", 1.0, "%"),
    "working_share": ("Share of the pre-war (1913) plant at work, by branch", 1.0, "%"),
    "working_share_all": ("Share of all pre-war (1913) industrial plant at work", 1.0, "%"),
}  # fmt: skip


def fact_variables_outside_panels() -> list[str]:
    """Variables with facts that the main panels do not draw."""
    return sorted({p.variable for p in data.fact_points()} - PANEL_VARIABLES)


def extra_variables() -> list[str]:
    """The variables offered in the 'more' chart: those with facts outside the main panels
    that have a translated label (:data:`EXTRA_VARIABLES`), so no raw name reaches the page."""
    return [v for v in fact_variables_outside_panels() if v in EXTRA_VARIABLES]


def variable_label(variable: str, lang: str) -> str:
    """The translated label of a variable of the 'more' chart."""
    _ = translator(lang)
    return _(EXTRA_VARIABLES[variable][0]) if variable in EXTRA_VARIABLES else variable


def series_label(variable: str, element: str | None, label: str, lang: str) -> str:
    _ = translator(lang)
    if element is not None and label == element:
        return element_label(element, lang)
    return _(label)


def _value_text(v: float, kind: str, lang: str) -> str:
    return fmt_percent(v, lang) if kind == "%" else fmt_sig(v, lang)


def fact_trace(points: list, scale: float, kind: str, lang: str, xref: str, yref: str) -> dict:
    """The facts on one panel: green if the model reproduces them, red if not, grey if not
    scored; hollow when placed through a ratio or change."""
    _ = translator(lang)
    table = data.facts()
    xs, ys, colours, symbols, texts, ids, lo, hi = [], [], [], [], [], [], [], []
    for p in points:
        fact = table.get(p.fact_id)
        scored = p.role in ("fit", "holdout")
        colour = (OK if p.within else MISS) if scored else NEUTRAL
        verdict = (
            _("reproduced by the model") if scored and p.within
            else _("not reproduced by the model") if scored
            else _("not scored (sets a parameter)") if p.role == "input"
            else _("not scored (restates another target)")
        )  # fmt: skip
        xs.append(p.at)
        ys.append(p.y * scale)
        colours.append(colour)
        symbols.append("circle-open" if p.implied else "circle")
        ids.append(p.fact_id)
        lo.append(0 if p.low is None else (p.y - p.low) * scale)
        hi.append(0 if p.high is None else (p.high - p.y) * scale)
        texts.append(
            f"<b>{wrap(getattr(fact.statement, lang))}</b><br>"
            + _("record")
            + f": {_value_text(p.y * scale, kind, lang)}"
            + (" (" + _("implied") + ")" if p.implied else "")
            + " · "
            + _("model")
            + f": {_value_text(p.simulated_y * scale, kind, lang)}<br>{verdict}<br><i>{p.fact_id}</i>"
        )
    trace = {
        "type": "scatter", "mode": "markers", "x": xs, "y": ys, "xaxis": xref, "yaxis": yref,
        "marker": {"color": colours, "symbol": symbols, "size": 10, "line": {"width": 2, "color": colours}},
        "customdata": ids, "hovertext": texts, "hoverinfo": "text", "showlegend": False,
        "name": _("facts of the record"),
    }  # fmt: skip
    if any(lo) or any(hi):
        trace["error_y"] = {"type": "data", "array": hi, "arrayminus": lo, "symmetric": False,
                            "color": "#999", "thickness": 1}  # fmt: skip
    return trace


def _panel_traces(i, series, scale, kind, ds, lang) -> list[dict]:
    xref, yref = axis_refs(i)
    legend = "legend" if i == 0 else f"legend{i + 1}"
    times = ds["time"].values.tolist()
    traces = []
    for j, (variable, element, label) in enumerate(series):
        if variable not in ds:
            continue
        name = series_label(variable, element, label, lang)
        colour = BRANCH_COLOURS.get(element, PALETTE[j % len(PALETTE)])
        ys = (_series(ds, variable, element) * scale).tolist()
        hover = [f"{name}, {int(t)}: {_value_text(y, kind, lang)}" for t, y in zip(times, ys, strict=True)]
        traces.append(
            {
                "type": "scatter", "mode": "lines", "x": times, "y": ys, "xaxis": xref, "yaxis": yref,
                "name": "<br>".join(textwrap.wrap(name, LEGEND_WRAP, break_long_words=False)) or name,
                "line": {"color": colour, "width": 2 if j == 0 else 1.5},
                "hovertext": hover, "hoverinfo": "text", "legend": legend,
            }
        )  # fmt: skip
    points = [
        p for p in data.fact_points()
        if any(p.variable == v and (e is None or p.element == e) for v, e, _l in series)
    ]  # fmt: skip
    if points:
        traces.append(fact_trace(points, scale, kind, lang, xref, yref))
    return traces


#: Characters per line of a legend entry (legends stand in a narrow column beside their panel).
LEGEND_WRAP = 15


def _legend_at(layout: dict, i: int) -> dict:
    """A legend in the gap to the right of panel ``i``, top-aligned with it: it never covers
    a line (plotly mis-places several horizontal legends, so they are vertical)."""
    xa = layout["xaxis" if i == 0 else f"xaxis{i + 1}"]["domain"]
    ya = layout["yaxis" if i == 0 else f"yaxis{i + 1}"]["domain"]
    return {
        "orientation": "v", "x": xa[1] + 0.01, "y": ya[1], "xanchor": "left", "yanchor": "top",
        "bgcolor": "rgba(255,255,255,0)", "font": {"size": 10}, "itemclick": "toggle", "tracegroupgap": 0,
        "itemwidth": 30,
    }  # fmt: skip


#: Ticks of the log-scale panel (branch output, 1913 = 1).
LOG_TICKS = (0.1, 1.0, 10.0, 100.0, 1000.0)


def log_axis(lang: str) -> dict:
    """A log axis with ticks at powers of ten only, written in the locale's convention."""
    return {
        "type": "log", "rangemode": "normal", "tickmode": "array", "tickvals": list(LOG_TICKS),
        "ticktext": [fmt_number(v, lang, 1 if v < 1 else 0) for v in LOG_TICKS], "minor": {"showgrid": False},
    }  # fmt: skip


def timeline_figure(lang: str, ds: xr.Dataset | None = None) -> dict:
    """The historical paths in small multiples with the record's facts on them."""
    _ = translator(lang)
    ds = data.historical_run() if ds is None else ds
    n_cols = 2
    n_rows = math.ceil(len(PANELS) / n_cols)
    layout = base_layout(lang, 300 * n_rows)
    # room right of every panel for its legend
    layout["margin"].update({"t": 30, "r": 120})
    layout.update(grid(n_rows, n_cols, [_(t) for t, *_r in PANELS], gap_x=0.24, gap_y=0.06, title_width=55))
    traces = []
    for i, (_title, series, scale, kind) in enumerate(PANELS):
        traces += _panel_traces(i, series, scale, kind, ds, lang)
        yk = "yaxis" if i == 0 else f"yaxis{i + 1}"
        if kind == "log":
            layout[yk].update(log_axis(lang))
        elif kind == "%":
            layout[yk]["tickformat"] = ".0%"
        layout["legend" if i == 0 else f"legend{i + 1}"] = _legend_at(layout, i)
    layout["showlegend"] = True
    return {"data": traces, "layout": layout}


def variable_figure(lang: str, variable: str, ds: xr.Dataset | None = None) -> dict:
    """One model variable (every element if arrayed) with its facts."""
    _ = translator(lang)
    ds = data.historical_run() if ds is None else ds
    if variable not in ds:
        return empty_figure()
    da = ds[variable]
    dims = [d for d in da.dims if d != "time"]
    elements = [str(e) for e in ds[dims[0]].values] if dims else [None]
    points = [p for p in data.fact_points() if p.variable == variable]
    if dims:
        with_facts = {p.element for p in points}
        if len(elements) > 8:  # only the elements the record speaks of
            elements = [e for e in elements if e in with_facts] or elements[:8]
    series = tuple((variable, e, e if e is not None else "model") for e in elements)
    _label, scale, kind = EXTRA_VARIABLES.get(variable, (variable, 1.0, ""))
    layout = base_layout(lang, 380)
    layout["margin"]["r"] = 160
    layout.update(grid(1, 1, [variable_label(variable, lang)], title_width=120))
    if kind == "%":
        layout["yaxis"]["tickformat"] = ".0%"
    traces = _panel_traces(0, series, scale, kind, ds, lang)
    layout["legend"] = _legend_at(layout, 0)
    return {"data": traces, "layout": layout}


# ---------------------------------------------------------------- the map

RAIL_PERIODS = (
    (1890, 1917, "before 1917", "#8d6a48"),
    (1918, 1927, "1918-1927", "#6a4c93"),
    (1928, 1932, "1928-1932 (Turksib)", "#d1495b"),
    (1933, 1940, "1933-1940", "#1f5f99"),
    (1941, 1950, "after 1940", "#bbbbbb"),
)
LAT_SCALE = 1 / math.cos(math.radians(48.0))  # a degree of latitude against one of longitude at 48° N


def map_figure(lang: str, year: int, ds: xr.Dataset | None = None) -> dict:
    """Outline, railways open by ``year``, cities sized by the model's population and
    enterprises working by ``year``, coloured by branch."""
    _ = translator(lang)
    year = data.check_year(year)
    ds = data.historical_run() if ds is None else ds
    gaz = data.gazetteer()
    traces = []
    for outer, *_holes in data.outline().polygons:
        traces.append(
            {
                "type": "scatter", "mode": "lines", "x": [p[0] for p in outer],
                "y": [p[1] for p in outer], "fill": "toself", "fillcolor": "#f6f3ea",
                "line": {"color": "#8a8a8a", "width": 1}, "hoverinfo": "skip", "showlegend": False,
                "name": _("Kazakhstan (today's borders)"),
            }
        )  # fmt: skip
    open_km = 0.0
    for lo, hi, label, colour in RAIL_PERIODS:
        xs, ys, hover = [], [], []
        for o in data.railways().sections_open(year):
            y = o.section.year
            if not lo <= y <= hi:
                continue
            a, b = gaz[o.section.from_], gaz[o.section.to]
            open_km += o.length_km
            text = (
                f"{o.line.names.get(lang, o.line.id)}: {getattr(a.names, lang)} – "
                f"{getattr(b.names, lang)}<br>{_('opened in {year}').format(year=y)} · {fmt_number(o.length_km, lang)} {_('km')}"
            )
            xs += [a.lon, (a.lon + b.lon) / 2, b.lon, None]
            ys += [a.lat, (a.lat + b.lat) / 2, b.lat, None]
            hover += [text, text, text, ""]
        if xs:
            traces.append(
                {
                    "type": "scatter", "mode": "lines", "x": xs, "y": ys, "hovertext": hover,
                    "hoverinfo": "text", "line": {"color": colour, "width": 3},
                    "name": _("railways") + " " + _(label), "legendgroup": "rail",
                }
            )  # fmt: skip
    # sections opened this very year, drawn over the others
    xs, ys = [], []
    for o in data.railways().sections_open(year):
        if o.section.year == year:
            a, b = gaz[o.section.from_], gaz[o.section.to]
            xs += [a.lon, b.lon, None]
            ys += [a.lat, b.lat, None]
    if xs:
        traces.append(
            {
                "type": "scatter", "mode": "lines", "x": xs, "y": ys, "hoverinfo": "skip",
                "line": {"color": "#ff9f1c", "width": 7}, "opacity": 0.6,
                "name": _("opened this year"),
            }
        )  # fmt: skip
    # cities: the model's city population on 1 January of the year
    pops = ds["city_population"].sel(time=float(year)).to_series() if "city_population" in ds else {}
    cx, cy, size, text, labels = [], [], [], [], []
    for city, pop in pops.items():
        if city not in gaz:
            continue
        p = gaz[city]
        name = getattr(p.names, lang)
        cx.append(p.lon)
        cy.append(p.lat)
        size.append(max(6.0, math.sqrt(max(pop, 0.0)) / 18))
        labels.append(name)
        text.append(f"<b>{name}</b><br>{_('population (model)')}: {fmt_number(pop, lang)}")
    traces.append(
        {
            "type": "scatter", "mode": "markers+text", "x": cx, "y": cy, "text": labels,
            "textposition": "top center", "textfont": {"size": 10, "color": "#333"},
            "hovertext": text, "hoverinfo": "text",
            "marker": {"size": size, "color": "rgba(31,95,153,0.25)", "line": {"color": "#1f5f99", "width": 1}},
            "name": _("cities (size: population in the model)"),
        }
    )  # fmt: skip
    # enterprises, mines, oil fields and power stations working by the year
    for branch in BRANCHES:
        ex, ey, et, sym = [], [], [], []
        for p in gaz.places:
            if p.kind not in ("enterprise", "mine", "oil_field", "power_station") or p.branch != branch:
                continue
            if not p.exists_in(year):
                continue
            ex.append(p.lon)
            ey.append(p.lat)
            sym.append("star" if p.first_year == year else "diamond")
            et.append(
                f"<b>{getattr(p.names, lang)}</b><br>{branch_label(branch, lang)}"
                + ("<br>" + _("from {year}").format(year=p.first_year) if p.first_year else "")
            )
        if ex:
            traces.append(
                {
                    "type": "scatter", "mode": "markers", "x": ex, "y": ey, "hovertext": et,
                    "hoverinfo": "text", "name": branch_label(branch, lang),
                    "marker": {"color": BRANCH_COLOURS[branch], "size": 10, "symbol": sym,
                               "line": {"color": "white", "width": 1}},
                    "legendgroup": "enterprises",
                }
            )  # fmt: skip
    layout = base_layout(lang, 640)
    model_km = float(ds["railway_length"].sel(time=float(year))) if "railway_length" in ds else None
    layout.update(
        {
            "title": {
                "text": f"<b>{year}</b> · {_('railways of the record')}: {fmt_number(open_km, lang)} {_('km')}"
                + (f" · {_('model')}: {fmt_number(model_km, lang)} {_('km')}" if model_km is not None else ""),
                "x": 0.01, "font": {"size": 15},
            },
            "xaxis": {"range": [45.5, 88.5], "showgrid": False, "zeroline": False, "visible": False},
            "yaxis": {"range": [39.5, 56.5], "scaleanchor": "x", "scaleratio": LAT_SCALE,
                      "showgrid": False, "zeroline": False, "visible": False},
            "legend": {"x": 1.0, "y": 1.0, "xanchor": "left", "bgcolor": "rgba(255,255,255,0.8)",
                       "font": {"size": 11}},
            "margin": {"l": 10, "r": 10, "t": 50, "b": 10},
            "plot_bgcolor": "#ececec",
        }
    )  # fmt: skip
    return {"data": traces, "layout": layout}


def map_rows(lang: str, year: int, ds: xr.Dataset | None = None) -> list[dict]:
    """What the map shows in ``year``, as rows for a CSV."""
    year = data.check_year(year)
    ds = data.historical_run() if ds is None else ds
    gaz = data.gazetteer()
    rows = []
    for city, pop in ds["city_population"].sel(time=float(year)).to_series().items():
        if city in gaz:
            p = gaz[city]
            rows.append({"year": year, "kind": "city", "id": city, "name": getattr(p.names, lang),
                         "lat": p.lat, "lon": p.lon, "branch": "", "population_model": round(float(pop)),
                         "opened": ""})  # fmt: skip
    for p in gaz.places:
        if p.kind in ("enterprise", "mine", "oil_field", "power_station") and p.exists_in(year):
            rows.append({"year": year, "kind": p.kind, "id": p.id, "name": getattr(p.names, lang),
                         "lat": p.lat, "lon": p.lon, "branch": p.branch, "population_model": "",
                         "opened": p.first_year})  # fmt: skip
    for o in data.railways().sections_open(year):
        rows.append({"year": year, "kind": "railway", "id": f"{o.line.id}:{o.section.from_}-{o.section.to}",
                     "name": o.line.names.get(lang, o.line.id), "lat": "", "lon": "", "branch": "",
                     "population_model": "", "opened": o.section.year})  # fmt: skip
    return rows


# ---------------------------------------------------------------- scenarios

#: (variable, title, scale, kind)
SCENARIO_PANELS = (
    ("industrial_output_index", "Industrial output (1913 = 100)", 1.0, ""),
    ("processing_share_of_industry", "Processing and machine building, share of industry", 1.0, "%"),
    ("workers_total", "Workers (thousand)", 1e-3, ""),
    ("kazakh_share_of_workers", "Kazakh share of workers", 1.0, "%"),
    ("urban_share", "Urban share of the population", 1.0, "%"),
    ("agricultural_output_index", "Agricultural output (1913 = 100)", 1.0, ""),
    ("famine_deaths", "Famine deaths since 1913 (thousand)", 1e-3, ""),
    ("in_migration", "In-migrants since 1913 (thousand)", 1e-3, ""),
)
FAN_VARIABLES = tuple(v for v, *_r in SCENARIO_PANELS)


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def scenario_figure(lang: str, runs: dict[str, tuple[str, xr.Dataset]], fans: dict | None = None) -> dict:
    """Paths of the compared runs (label, dataset by key), with fan bands where given."""
    _ = translator(lang)
    n_cols = 4
    n_rows = math.ceil(len(SCENARIO_PANELS) / n_cols)
    layout = base_layout(lang, 320 * n_rows + 60)
    layout.update(
        grid(n_rows, n_cols, [_(t) for _v, t, *_r in SCENARIO_PANELS], gap_x=0.05, gap_y=0.2, title_width=24)
    )
    layout["legend"] = {"orientation": "h", "x": 0, "y": 1.08, "yanchor": "bottom"}
    layout["margin"].update({"t": 70, "r": 40})  # room for the last panel's title
    traces = []
    for i, (variable, _title, scale, kind) in enumerate(SCENARIO_PANELS):
        xref, yref = axis_refs(i)
        if kind == "%":
            layout["yaxis" if i == 0 else f"yaxis{i + 1}"]["tickformat"] = ".0%"
        for j, (key, (label, ds)) in enumerate(runs.items()):
            if variable not in ds:
                continue
            colour = "#111111" if key == data.LEVERS_RUN else PALETTE[j % len(PALETTE)]
            times = ds["time"].values.tolist()
            fan = (fans or {}).get(key, {}).get(variable)
            if fan is not None:
                qs = fan.sel(time=ds["time"]).values * scale  # (quantile, time)
                for (lo, hi), alpha in (((0, 4), 0.15), ((1, 3), 0.3)):
                    traces.append(
                        {
                            "type": "scatter", "x": times + times[::-1],
                            "y": qs[lo].tolist() + qs[hi].tolist()[::-1], "fill": "toself",
                            "fillcolor": _rgba(colour, alpha), "line": {"width": 0},
                            "hoverinfo": "skip", "showlegend": False, "xaxis": xref, "yaxis": yref,
                            "legendgroup": key,
                        }
                    )  # fmt: skip
            ys = (ds[variable].values * scale).tolist()
            traces.append(
                {
                    "type": "scatter", "mode": "lines", "x": times, "y": ys, "xaxis": xref, "yaxis": yref,
                    "name": label, "legendgroup": key, "showlegend": i == 0,
                    "line": {"color": colour, "width": 2, "dash": "dash" if key == data.LEVERS_RUN else "solid"},
                    "hovertext": [f"{label}, {int(t)}: {_value_text(y, kind, lang)}" for t, y in zip(times, ys, strict=True)],
                    "hoverinfo": "text",
                }
            )  # fmt: skip
    return {"data": traces, "layout": layout}


@lru_cache(maxsize=1024)
def outcome_column(lang: str, values: tuple[float | None, ...]) -> tuple[str, ...]:
    """The outcomes of one run formatted for ``lang`` (cached: a scenario's column is
    formatted once per language)."""
    from kazind.scenarios.outcomes import OUTCOMES

    out = []
    for o, v in zip(OUTCOMES, values, strict=True):
        if v is None or not math.isfinite(v):
            out.append("–")
        elif "%" in o.fmt:
            out.append(fmt_percent(v, lang))
        else:
            out.append(fmt_number(v, lang, 1 if ".1f" in o.fmt else 0))
    return tuple(out)


@lru_cache(maxsize=len(("kk", "ru", "en")))
def _outcome_labels(lang: str) -> tuple[tuple[str, str], ...]:
    from kazind.scenarios.outcomes import OUTCOMES, WHEN

    return tuple((o.label.get(lang, o.label["en"]), WHEN[o.how].get(lang, o.how)) for o in OUTCOMES)


def outcome_rows(
    lang: str, runs: dict[str, tuple[str, xr.Dataset]], outcomes: dict[str, tuple] | None = None
) -> tuple[list[dict], list[dict]]:
    """(columns, rows) of the outcome table: each outcome by run, formatted for ``lang``.

    ``outcomes`` gives a run's outcome values by key (from the caches of :mod:`data`);
    a run not in it is read from its dataset."""
    _ = translator(lang)
    outcomes = outcomes or {}
    columns = [{"name": _("outcome"), "id": "outcome"}, {"name": _("when"), "id": "when"}]
    columns += [{"name": label, "id": key} for key, (label, _ds) in runs.items()]
    cells = {
        key: outcome_column(lang, outcomes[key] if key in outcomes else data.run_outcomes(ds))
        for key, (_label, ds) in runs.items()
    }
    rows = []
    for i, (label, when) in enumerate(_outcome_labels(lang)):
        row = {"outcome": label, "when": when}
        for key, column in cells.items():
            row[key] = column[i]
        rows.append(row)
    return columns, rows
