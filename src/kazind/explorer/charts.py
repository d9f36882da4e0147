"""What every chart of the explorer shares: layout defaults, axes, symbols, names.

Figures are plain plotly dicts (``{"data": [...], "layout": {...}}``), light and fast to
build. Chart builders live with their tab (:mod:`kazind.explorer.pages`) and take what
they draw as arguments; this module holds only the conventions they share:

- every chart carries the locale's decimal and group signs (:func:`base_layout`);
- shares are drawn and written as percentages (``kind == "%"``), never as 0,900;
- a fact of the record is drawn by its verdict with a shape *and* a colour
  (:data:`VERDICT_STYLE`): reproduced a filled circle, missed a cross, not scored a
  square; hollow when placed through a ratio or a change.
"""

from __future__ import annotations

import textwrap

import numpy as np
import xarray as xr

from kazind.explorer.i18n import fmt_percent, fmt_sig, separators, translator
from kazind.model.labels import element_label as model_element_label

PALETTE = ("#1f5f99", "#c0392b", "#2e7d32", "#b8860b", "#6a4c93", "#00798c", "#8d6a48", "#555555")
#: Line dash of the n-th run of a comparison: lines differ by pattern as well as colour.
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
OK, MISS, NEUTRAL = "#1b7a34", "#c62828", "#666666"

#: A hidden, empty trace: a fixed slot of a chart that a later Patch fills (the levers'
#: run, a map year's layer). No legend, named "" (plotly would call it "trace 5", an
#: English word in the data of a kk or ru page). Copy it before changing it.
EMPTY_TRACE = {
    "type": "scatter",
    "x": [],
    "y": [],
    "visible": False,
    "showlegend": False,
    "name": "",
}

#: verdict -> (marker symbol, colour, message id of its name)
VERDICT_STYLE = {
    "reproduced": ("circle", OK, "reproduced by the model"),
    "missed": ("x", MISS, "not reproduced by the model"),
    "unscored": ("square", NEUTRAL, "not scored"),
}
#: The year ticks of the time axes.
YEAR_TICKS = [1913, 1920, 1926, 1932, 1940]

BRANCH_COLOURS = {
    "non_ferrous": "#b5651d",
    "coal": "#222222",
    "oil": "#6a4c93",
    "chemicals": "#00798c",
    "power": "#b8860b",
    "machine_building": "#1f5f99",
    "light": "#c0392b",
    "food": "#2e7d32",
}
#: A branch's marker on the map: shapes differ as well as colours.
BRANCH_SYMBOLS = {
    "non_ferrous": "diamond",
    "coal": "square",
    "oil": "triangle-up",
    "chemicals": "pentagon",
    "power": "star-triangle-up",
    "machine_building": "hexagon",
    "light": "triangle-down",
    "food": "circle",
    "printing": "cross",
}
BRANCHES = tuple(BRANCH_COLOURS)
WORKER_GROUPS = ("kazakh_workers", "other_workers")
POP_GROUPS = ("kazakh", "russian", "ukrainian", "other")
SPECIES = ("sheep_goats", "cattle", "horses", "camels")
#: The towns over 50 thousand people at the 1939 census, largest first (a chart of
#: thirteen lines is unreadable; the 'more variables' chart has every city).
LARGEST_CITIES = ("almaty", "karaganda", "semey", "petropavl", "shymkent", "taraz", "oral")

#: Branches of the map's enterprises that are not branches of the model (message ids).
OTHER_BRANCH_NAMES = {"printing": "printing"}


def branch_label(branch: str, lang: str) -> str:
    """A branch of industry in ``lang``: the model's catalogue of labels, else the .po files."""
    return model_element_label(branch, lang, "branch") or translator(lang)(
        OTHER_BRANCH_NAMES.get(branch, branch)
    )


def element_label(element: str, lang: str, places=None) -> str:
    """An element of a dimension (branch, group, species, city...) in ``lang``: the model's
    catalogue of labels names every element but the cities, which the gazetteer names."""
    text = model_element_label(element, lang)
    if text is not None:
        return text
    if places is not None and element in places:
        return places[element].today_name(lang)
    return translator(lang)(OTHER_BRANCH_NAMES.get(element, element))


def base_layout(lang: str, height: int | None = None) -> dict:
    """Defaults of every chart: the locale's separators, white, closest-point hover."""
    layout = {
        "margin": {"l": 52, "r": 12, "t": 30, "b": 36},
        "separators": separators(lang),
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "font": {"family": "system-ui, 'DejaVu Sans', sans-serif", "size": 12, "color": "#222"},
        "hovermode": "closest",
        "hoverdistance": 12,
        "uirevision": "keep",
        "autosize": True,
    }
    if height:
        layout["height"] = height
    return layout


def time_axis() -> dict:
    return {
        "range": [1912.5, 1941.5],
        "tickvals": YEAR_TICKS,
        "tickformat": "d",
        "showgrid": True,
        "gridcolor": "#eee",
        "zeroline": False,
        "fixedrange": False,
    }


def value_axis(kind: str) -> dict:
    axis = {
        "gridcolor": "#eee",
        "zeroline": False,
        "rangemode": "tozero",
        "separatethousands": True,
    }
    if kind == "%":
        axis["tickformat"] = ".0%"
    return axis


def legend_below(rows_hint: int = 1) -> dict:
    """A horizontal legend under the plot: it never covers a line and wraps on a phone."""
    return {
        "orientation": "h",
        "x": 0,
        "xanchor": "left",
        "y": -0.12 - 0.02 * rows_hint,
        "yanchor": "top",
        "font": {"size": 11},
        "bgcolor": "rgba(255,255,255,0)",
        "itemclick": "toggle",
    }


def empty_figure(message: str = "") -> dict:
    """A blank chart (after an input error): the message is shown beside it."""
    return {
        "data": [],
        "layout": {
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "height": 260,
            "annotations": [{"text": message, "showarrow": False, "font": {"size": 14}}]
            if message
            else [],
        },
    }


def hover_format(kind: str) -> str:
    """plotly's template for a value in a tooltip: a percentage for shares, else three
    significant figures, written with the layout's (the locale's) separators."""
    return "%{y:.1%}" if kind == "%" else "%{y:,.3~r}"


def value_text(v: float, kind: str, lang: str) -> str:
    """A value as the chart's tooltips and tables write it (percentages for shares)."""
    return fmt_percent(v, lang) if kind == "%" else fmt_sig(v, lang)


def series(ds: xr.Dataset, variable: str, element: str | None) -> np.ndarray:
    da = ds[variable]
    if element is not None:
        dim = next(d for d in da.dims if d != "time")
        da = da.sel({dim: element})
    return da.values


def wrap(text: str, width: int = 60) -> str:
    return "<br>".join(textwrap.wrap(text, width)) or text


def rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def sample_years(times, years=(1913, 1920, 1926, 1932, 1937, 1940)) -> list[int]:
    """Indexes of the saved times at the years a chart's table lists."""
    out = []
    for y in years:
        hits = [i for i, t in enumerate(times) if abs(float(t) - y) < 1e-9]
        if hits:
            out.append(hits[0])
    return out
