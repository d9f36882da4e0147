"""The page: a top bar with the language, and a body re-rendered in the chosen language.

The controls keep the reader's choices across a change of language through Dash's
``persistence`` (same id, same default: the edited value is restored).
"""

from __future__ import annotations

import base64
import math
from functools import lru_cache

from dash import dash_table, dcc, html

from kazind.explorer import data, figures
from kazind.explorer import ids as I
from kazind.explorer.i18n import LANG_NAMES, LANGS, fmt_number, translator

PNG = {"format": "png", "scale": 2, "height": None, "width": None}
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'DejaVu Sans', sans-serif"
CSS = {
    "page": {"fontFamily": FONT, "margin": "0 auto", "maxWidth": "1500px", "padding": "0 16px", "color": "#222"},
    "bar": {"display": "flex", "alignItems": "center", "gap": "16px", "borderBottom": "3px solid #1f5f99",
            "padding": "8px 0"},
    "muted": {"color": "#555", "fontSize": "13px"},
    "msg": {"color": "#b00020", "fontWeight": "600", "minHeight": "1em"},
    "panel": {"border": "1px solid #d0d7de", "borderRadius": "6px", "padding": "10px 14px",
              "background": "#fbfbfd", "fontSize": "14px", "overflowY": "auto"},
    "button": {"padding": "6px 14px", "fontSize": "14px", "cursor": "pointer"},
}  # fmt: skip

MODEL_COLUMNS = (
    ("name", "variable"), ("kind", "kind"), ("sector", "sector"), ("unit", "unit"),
    ("definition", "equation or value"), ("description", "description"), ("source", "source"),
)  # fmt: skip

#: The kinds of model variable as the model table names them (message ids).
KIND_LABELS = {"stock": "stock", "flow": "flow", "aux": "auxiliary", "constant": "constant", "series": "time series"}

LEVER_LABELS = {
    "investment_scale": "Investment in industry (× historical)",
    "processing_priority": "Priority of the processing branches (× historical)",
    "organised_recruitment_level": "Organised recruitment from outside, 1931-1940 (persons a year)",
    "local_training_capacity": "Training of local workers (× historical)",
    "local_hiring_priority": "Share of vacancies reserved for local people",
    "collectivisation_intensity": "Pace of forced collectivisation (1 = historical, 0 = none)",
}


def dropdown_labels(lang: str) -> dict:
    """The texts Dash's dropdown shows of its own (search box, counts, empty list), translated."""
    _ = translator(lang)
    return {
        "select_all": _("Select all"),
        "deselect_all": _("Deselect all"),
        "selected_count": _("{num_selected} selected"),
        "search": _("Search"),
        "clear_search": _("Clear search"),
        "clear_selection": _("Clear selection"),
        "no_options_found": _("No options found"),
    }


def table_filter_options(lang: str) -> dict:
    """A DataTable's filter row in ``lang``: a translated placeholder, case-insensitive
    matching (its "Aa" case toggle, drawn with an icon font the page does not load, is
    hidden by :data:`TABLE_CSS`)."""
    _ = translator(lang)
    return {"placeholder_text": _("filter..."), "case": "insensitive"}


#: Rules for the DataTables: hide the case-sensitivity toggle of the filter row.
TABLE_CSS = [{"selector": ".dash-filter--case", "rule": "display: none;"}]


def graph_config(filename: str) -> dict:
    return {
        "displaylogo": False,
        "toImageButtonOptions": {**PNG, "filename": filename},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


def top_bar() -> html.Div:
    return html.Div(
        [
            html.Div(id=I.TITLE, style={"flex": "1", "fontSize": "20px", "fontWeight": "700"}),
            dcc.Dropdown(
                id=I.LANG,
                options=[{"label": LANG_NAMES[lang], "value": lang} for lang in LANGS],
                value="kk",
                clearable=False,
                searchable=False,
                style={"width": "160px"},
            ),
        ],
        style=CSS["bar"],
    )


def page() -> html.Div:
    """The whole layout: the top bar and the body (rendered in Kazakh at first)."""
    return html.Div([top_bar(), html.Div(id=I.BODY, children=body("kk"))], style=CSS["page"])


def body(lang: str) -> list:
    _ = translator(lang)
    return [
        html.P(
            _(
                "Kazakhstan's industrialization, 1913-1940: the record of a Kazakh-language "
                "history and a calibrated model of the economy built on it."
            ),
            style=CSS["muted"],
        ),
        dcc.Tabs(
            id=I.TABS,
            value=I.TAB_TIMELINE,
            persistence=True,
            persistence_type="session",
            children=[
                dcc.Tab(label=_("Timeline"), value=I.TAB_TIMELINE, id=I.TAB_TIMELINE, children=timeline_tab(lang)),
                dcc.Tab(label=_("Map"), value=I.TAB_MAP, id=I.TAB_MAP, children=map_tab(lang)),
                dcc.Tab(label=_("Scenarios"), value=I.TAB_SCENARIOS, id=I.TAB_SCENARIOS, children=scenario_tab(lang)),
                dcc.Tab(label=_("The record"), value=I.TAB_RECORD, id=I.TAB_RECORD, children=record_tab(lang)),
                dcc.Tab(label=_("The model"), value=I.TAB_MODEL, id=I.TAB_MODEL, children=model_tab(lang)),
            ],
        ),
    ]


def download_button(button_id: str, download_id: str, lang: str) -> html.Span:
    _ = translator(lang)
    return html.Span(
        [
            html.Button(_("Download CSV"), id=button_id, n_clicks=0, style=CSS["button"]),
            dcc.Download(id=download_id),
        ]
    )


def timeline_tab(lang: str) -> list:
    _ = translator(lang)
    return [
        html.P(
            [
                _("The lines are the model's historical run; the points are facts of the record. "),
                html.Span("●", style={"color": figures.OK}), " " + _("reproduced by the model") + "  ",
                html.Span("●", style={"color": figures.MISS}), " " + _("not reproduced") + "  ",
                html.Span("●", style={"color": figures.NEUTRAL}), " " + _("not scored") + "  ",
                html.Span("○"), " " + _("placed through a ratio or change") + ". ",
                _("Click a point to read the fact and its source."),
            ],
            style=CSS["muted"],
        ),
        html.Div(id=I.TIMELINE_MESSAGE, role="alert", style=CSS["msg"]),
        html.Div(
            [
                html.Div(
                    dcc.Graph(id=I.TIMELINE_GRAPH, config=graph_config("kazind-timeline")),
                    style={"flex": "3", "minWidth": "0"},
                ),
                html.Div(
                    id=I.FACT_PANEL,
                    children=html.P(_("Click a point to read the fact and its source."), style=CSS["muted"]),
                    style={**CSS["panel"], "flex": "1", "maxHeight": "1200px", "position": "sticky", "top": "0"},
                ),
            ],
            style={"display": "flex", "gap": "12px", "alignItems": "flex-start"},
        ),
        html.H4(_("More model variables with facts")),
        dcc.Dropdown(
            id=I.TIMELINE_VAR,
            options=[{"label": figures.variable_label(v, lang), "value": v} for v in figures.extra_variables()],
            value=(figures.extra_variables() or [None])[0],
            clearable=False,
            persistence=True,
            persistence_type="session",
            placeholder=_("Choose a variable"),
            labels=dropdown_labels(lang),
            style={"maxWidth": "720px"},
        ),
        dcc.Graph(id=I.TIMELINE_EXTRA_GRAPH, config=graph_config("kazind-variable")),
        download_button(I.DOWNLOAD_TIMELINE, I.DOWNLOAD_TIMELINE_DATA, lang),
    ]


def map_tab(lang: str) -> list:
    _ = translator(lang)
    lo, hi = data.YEARS
    return [
        html.P(
            _(
                "Railways by opening year, cities sized by their population in the model, "
                "enterprises coloured by branch (a star: started that year). The outline is "
                "today's border of Kazakhstan."
            ),
            style=CSS["muted"],
        ),
        html.Div(id=I.MAP_MESSAGE, role="alert", style=CSS["msg"]),
        html.Div(
            [
                html.Button(_("Play"), id=I.PLAY, n_clicks=0, style={**CSS["button"], "width": "110px"}),
                html.Div(
                    # the year's bubble above the track, the year labels below it
                    dcc.Slider(
                        id=I.YEAR_SLIDER, min=lo, max=hi, step=1, value=1926,
                        marks={y: str(y) for y in range(lo, hi + 1) if (y % 5 == 0 and y - lo > 3) or y in (lo, hi)},
                        tooltip={"placement": "top", "always_visible": True},
                        persistence=True, persistence_type="session", updatemode="drag",
                    ),  # fmt: skip
                    style={"flex": "1", "paddingTop": "34px"},
                ),
                dcc.Interval(id=I.MAP_INTERVAL, interval=900, disabled=True, n_intervals=0),
            ],
            style={"display": "flex", "alignItems": "center", "gap": "12px", "margin": "8px 0"},
        ),
        dcc.Graph(id=I.MAP_GRAPH, config=graph_config("kazind-map")),
        download_button(I.DOWNLOAD_MAP, I.DOWNLOAD_MAP_DATA, lang),
    ]


def _lever_meaning(name: str, lang: str) -> str:
    """A lever's meaning in ``lang`` from the model's data, for a lever without a label here."""
    from kazind.model import LEVERS

    return {lever.name: lever for lever in LEVERS}[name].meaning[lang]


def lever_digits(name: str) -> int:
    """Decimals that show a lever's value to its step (0.01 -> 2, 1000 -> 0)."""
    step = data.levers()[name].step
    return max(0, -math.floor(math.log10(step) + 1e-9))


def lever_control(name: str, lang: str) -> html.Div:
    _ = translator(lang)
    lever = data.levers()[name]
    marks = {lever.low: fmt_number(lever.low, lang, 1 if lever.high <= 10 else 0),
             lever.high: fmt_number(lever.high, lang, 1 if lever.high <= 10 else 0)}  # fmt: skip
    marks[lever.default] = {"label": "▲", "style": {"color": "#1f5f99"}}
    # the label on its own line above the slider, the value at its end in the locale's
    # convention (written in the browser, callbacks.LEVER_READOUT_JS): no bubble over the
    # track that could cover this or the next lever's label
    return html.Div(
        [
            html.Label(
                [_(LEVER_LABELS[name]) if name in LEVER_LABELS else _lever_meaning(name, lang), ": ",
                 html.B(fmt_number(lever.default, lang, lever_digits(name)), id=I.READOUT_IDS[name])],
                htmlFor=I.LEVER_IDS[name], style={"fontSize": "13px", "display": "block", "marginBottom": "10px"},
            ),
            dcc.Slider(
                id=I.LEVER_IDS[name], min=lever.low, max=lever.high, step=lever.step,
                value=lever.default, marks=marks,
                persistence=True, persistence_type="session", allow_direct_input=False,
            ),  # fmt: skip
        ],
        style={"marginBottom": "22px", "padding": "0 8px"},  # the end labels not cut at the edges
    )


def scenario_tab(lang: str) -> list:
    _ = translator(lang)
    options = [{"label": data.scenario_title(n, lang), "value": n} for n in data.scenario_names()]
    ensemble_note = (
        _("Uncertainty: runs drawn from the calibrated parameters' uncertainty; at most")
        + f" {data.MAX_ENSEMBLE} "
        + _("runs per scenario.")
    )
    controls = [
        html.Label(_("Scenarios to compare"), htmlFor=I.SCENARIO_PICK, style={"fontWeight": "600"}),
        # every title in full, one per line (no "n selected" summary of Dash's dropdown)
        dcc.Checklist(
            id=I.SCENARIO_PICK, options=options, value=[data.HISTORICAL],
            persistence=True, persistence_type="session",
            labelStyle={"display": "flex", "alignItems": "flex-start", "gap": "6px", "fontSize": "13px",
                        "margin": "3px 0", "cursor": "pointer"},
            inputStyle={"marginTop": "2px", "flex": "0 0 auto"},
            style={"margin": "4px 0 8px"},
        ),  # fmt: skip
        html.H4(_("Levers")),
        html.P(
            _("The levers change the historical run; the result is the dashed black line "
              "'your levers'. ▲ marks the historical value."),
            style=CSS["muted"],
        ),  # fmt: skip
        *[lever_control(name, lang) for name in I.LEVERS],
        html.Button(_("Reset the levers"), id=I.LEVER_RESET, n_clicks=0, style=CSS["button"]),
        html.H4(_("Uncertainty")),
        dcc.Checklist(
            id=I.ENSEMBLE_TOGGLE,
            options=[{"label": " " + _("show fan charts"), "value": "on",
                      "disabled": not data.ensemble_available()}],  # fmt: skip
            value=[],
            persistence=True,
            persistence_type="session",
        ),
        html.Label(_("Ensemble size"), htmlFor=I.ENSEMBLE_SIZE, style={"fontSize": "13px"}),
        dcc.Input(
            id=I.ENSEMBLE_SIZE, type="number", min=10, max=data.MAX_ENSEMBLE, step=10, value=200,
            debounce=True, persistence=True, persistence_type="session", style={"width": "90px"},
        ),  # fmt: skip
        html.P(ensemble_note, style=CSS["muted"]),
    ]
    return [
        html.Div(id=I.SCENARIO_MESSAGE, role="alert", style=CSS["msg"]),
        html.Div(
            [
                html.Div(controls, style={"flex": "0 0 330px"}),
                html.Div(
                    [
                        dcc.Loading(dcc.Graph(id=I.SCENARIO_GRAPH, config=graph_config("kazind-scenarios"))),
                        html.H4(_("Outcomes")),
                        dash_table.DataTable(
                            id=I.OUTCOME_TABLE,
                            style_cell={"fontFamily": FONT, "fontSize": "13px", "textAlign": "left",
                                        "whiteSpace": "normal", "height": "auto", "padding": "4px"},
                            style_header={"fontWeight": "600", "background": "#eef2f6"},
                        ),  # fmt: skip
                        download_button(I.DOWNLOAD_SCENARIOS, I.DOWNLOAD_SCENARIOS_DATA, lang),
                    ],
                    style={"flex": "1", "minWidth": "0"},
                ),
            ],
            style={"display": "flex", "gap": "16px", "alignItems": "flex-start"},
        ),
    ]


def record_columns(lang: str) -> list[dict]:
    _ = translator(lang)
    return [
        {"name": _("fact"), "id": "id"},
        {"name": _("topic"), "id": "topic"},
        {"name": _("year"), "id": "year", "type": "numeric"},
        {"name": _("places"), "id": "places"},
        {"name": _("value"), "id": "value"},
        {"name": _("statement"), "id": "statement"},
        {"name": _("source sentence (Kazakh)"), "id": "quote"},
        {"name": _("source"), "id": "source"},
        {"name": _("reproduced by the model"), "id": "reproduced"},
    ]


def record_tab(lang: str) -> list:
    _ = translator(lang)
    return [
        html.P(
            _("Every fact of the record. Type in the boxes under the headers to filter a column "
              "(e.g. 1926, or >1930 for years); the search box looks in every column."),
            style=CSS["muted"],
        ),  # fmt: skip
        html.Div(id=I.RECORD_MESSAGE, role="alert", style=CSS["msg"]),
        dcc.Input(
            id=I.FACT_SEARCH, type="search", placeholder=_("Search the record"), debounce=True,
            style={"width": "360px", "marginBottom": "8px", "padding": "4px"},
        ),  # fmt: skip
        dash_table.DataTable(
            id=I.FACT_TABLE,
            columns=record_columns(lang),
            data=[],
            filter_action="native",
            filter_options=table_filter_options(lang),
            css=TABLE_CSS,
            sort_action="native",
            page_action="native",
            page_size=12,
            style_table={"overflowX": "auto"},
            style_cell={"fontFamily": FONT, "fontSize": "13px", "textAlign": "left", "whiteSpace": "normal",
                        "height": "auto", "maxWidth": "420px", "padding": "4px", "verticalAlign": "top"},
            style_header={"fontWeight": "600", "background": "#eef2f6"},
            style_cell_conditional=[
                {"if": {"column_id": "id"}, "minWidth": "160px", "maxWidth": "180px", "fontSize": "11px",
                 "wordBreak": "break-all"},
                {"if": {"column_id": "topic"}, "minWidth": "120px", "maxWidth": "140px"},
                {"if": {"column_id": "statement"}, "minWidth": "260px"},
                {"if": {"column_id": "quote"}, "minWidth": "220px"},
                {"if": {"column_id": "source"}, "maxWidth": "200px", "fontSize": "12px"},
                {"if": {"column_id": "year"}, "width": "60px"},
            ],
            style_data_conditional=[
                {"if": {"filter_query": '{reproduced} = "' + _("yes") + '"', "column_id": "reproduced"},
                 "color": figures.OK, "fontWeight": "600"},
                {"if": {"filter_query": '{reproduced} = "' + _("no") + '"', "column_id": "reproduced"},
                 "color": figures.MISS, "fontWeight": "600"},
            ],
        ),  # fmt: skip
        html.Div(id=I.RECORD_FACT_PANEL, style={**CSS["panel"], "marginTop": "10px"}),
        download_button(I.DOWNLOAD_RECORD, I.DOWNLOAD_RECORD_DATA, lang),
    ]


@lru_cache(maxsize=1)
def model_doc():
    from kazind.engine.document import describe
    from kazind.model.sectors import variable_sectors

    return describe(data.historical_model().spec, variable_sectors())


def model_rows(lang: str | None = None) -> list[dict]:
    """The model table's rows; with ``lang``, the kind and the sector in that language
    (the CSV download keeps the model file's English names)."""
    _ = translator(lang) if lang else (lambda text: text)
    doc = model_doc()
    rows = []
    for v in doc.variables.values():
        definition = "; ".join(f"{label}: {text}" if label else text for label, text in v.definition)
        kind = _(KIND_LABELS.get(v.kind, v.kind)) if lang else v.kind
        sector = _(v.sector) if lang else v.sector
        rows.append({"name": v.name, "kind": kind, "sector": sector, "dims": ", ".join(v.dims),
                     "unit": v.unit, "definition": definition, "description": v.description,
                     "source": v.source})  # fmt: skip
    return rows


@lru_cache(maxsize=64)
def diagram_src(sector: str) -> str:
    from kazind.engine.document import sector_diagram

    svg = sector_diagram(model_doc(), sector, link=False).svg
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def model_tab(lang: str) -> list:
    _ = translator(lang)
    doc = model_doc()
    sectors = list(doc.sectors)
    # open on the first sector with a stock: a diagram of constants alone says little
    first = next((s for s in sectors if any(doc.variables[v].kind == "stock" for v in doc.sectors[s])), None)
    return [
        html.P(
            _("Every variable of the model with its equation, unit and source (in English, as in the "
              "model file), and a stock-and-flow diagram of each sector."),
            style=CSS["muted"],
        ),  # fmt: skip
        html.Div(id=I.MODEL_MESSAGE, role="alert", style=CSS["msg"]),
        html.Label(_("Sector"), htmlFor=I.SECTOR_PICK),
        dcc.Dropdown(
            id=I.SECTOR_PICK, options=[{"label": _(s), "value": s} for s in sectors],
            value=first or (sectors[0] if sectors else None), clearable=False, persistence=True,
            persistence_type="session", labels=dropdown_labels(lang), style={"maxWidth": "480px"},
        ),  # fmt: skip
        html.Div(
            html.Img(id=I.DIAGRAM, alt=_("stock-and-flow diagram"), style={"maxWidth": "100%"}),
            style={"overflowX": "auto", "border": "1px solid #eee", "margin": "8px 0"},
        ),
        dash_table.DataTable(
            id=I.MODEL_TABLE,
            columns=[{"name": _(label), "id": key} for key, label in MODEL_COLUMNS],
            data=model_rows(lang),
            filter_action="native",
            filter_options=table_filter_options(lang),
            css=TABLE_CSS,
            sort_action="native",
            page_size=15,
            style_table={"overflowX": "auto"},
            style_cell={"fontFamily": FONT, "fontSize": "12px", "textAlign": "left", "whiteSpace": "normal",
                        "height": "auto", "maxWidth": "380px", "padding": "4px", "verticalAlign": "top"},
            style_header={"fontWeight": "600", "background": "#eef2f6"},
        ),  # fmt: skip
        download_button(I.DOWNLOAD_MODEL, I.DOWNLOAD_MODEL_DATA, lang),
    ]
