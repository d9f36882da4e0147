"""The scenarios tab: compare scenarios, move the policy levers, show uncertainty.

Eight small charts (one graph each; one column on a phone) of the compared runs, each
run with its own colour *and* line pattern, with the table of each chart's numbers, and
the outcome table of ``kazind compare``. The levers are the model's policy levers
(:data:`kazind.model.POLICY_LEVERS`), named from the model's catalogue of labels; a
lever change runs the model (cached by the lever values) and answers in a few tens of
milliseconds. Fan charts draw up to :data:`~kazind.explorer.data.MAX_ENSEMBLE` runs
from the calibration's posterior.
"""

from __future__ import annotations

import math
from functools import lru_cache

import xarray as xr
from dash import Input, Output, State, dash_table, dcc, html, no_update

from kazind.explorer import charts, data
from kazind.explorer import ids as I
from kazind.explorer.charts import value_text
from kazind.explorer.components import (
    chart_block,
    data_table,
    datatable_style,
    download_button,
    message_line,
    muted,
)
from kazind.explorer.guard import problem
from kazind.explorer.i18n import InputError, check_lang, fmt_number, fmt_percent, translator
from kazind.explorer.page import Page
from kazind.model.labels import description as variable_description
from kazind.model.labels import label as variable_name

#: (key, variable, title, scale, kind)
PANELS = (
    ("industry", "industrial_output_index", "Industrial output (1913 = 100)", 1.0, ""),
    (
        "processing",
        "processing_share_of_industry",
        "Processing and machine building, share of industry",
        1.0,
        "%",
    ),
    ("workers", "workers_total", "Workers (thousand)", 1e-3, ""),
    ("kazakh-workers", "kazakh_share_of_workers", "Kazakh share of workers", 1.0, "%"),
    ("urban", "urban_share", "Urban share of the population", 1.0, "%"),
    ("agriculture", "agricultural_output_index", "Agricultural output (1913 = 100)", 1.0, ""),
    ("famine", "famine_deaths", "Famine deaths since 1913 (thousand)", 1e-3, ""),
    ("migration", "in_migration", "In-migrants since 1913 (thousand)", 1e-3, ""),
)
FAN_VARIABLES = tuple(v for _k, v, *_r in PANELS)

#: What a lever's number means (message ids), written after its name.
LEVER_UNITS = {
    "investment_scale": "× historical",
    "union_investment_factor": "1 = historical, 0 = none",
    "processing_priority": "× historical",
    "organised_recruitment_level": "persons a year, 1931-1940",
    "spontaneous_migration_scale": "× historical",
    "local_training_capacity": "× historical",
    "local_hiring_priority": "share of vacancies",
    "collectivisation_intensity": "1 = historical, 0 = none",
    "procurement_rate": "1 = historical, 0 = none",
}


def panel_id(key: str) -> str:
    return f"{I.SCENARIO_PANEL_PREFIX}{key}"


def panel_table_id(key: str) -> str:
    return f"{I.SCENARIO_PANEL_PREFIX}{key}-table"


# ---------------------------------------------------------------- chart builders


def run_style(index: int, key: str) -> tuple[str, str]:
    """(colour, dash) of the ``index``-th run: the levers' run black and dashed."""
    if key == data.LEVERS_RUN:
        return "#111111", "dash"
    return charts.PALETTE[index % len(charts.PALETTE)], charts.DASHES[
        (index * 2) % len(charts.DASHES)
    ]


def _run_traces(
    lang: str,
    key: str,
    label: str,
    ds: xr.Dataset,
    variable: str,
    scale: float,
    index: int,
    fan=None,
) -> list[dict]:
    """The traces of one run on one chart: its fan bands (if any) and its line."""
    colour, dash = run_style(index, key)
    times = ds["time"].values.tolist()
    traces = []
    if fan is not None:
        qs = fan.sel(time=ds["time"]).values * scale  # (quantile, time)
        for (lo, hi), alpha in (((0, 4), 0.13), ((1, 3), 0.28)):
            traces.append(
                {
                    "type": "scatter",
                    "x": times + times[::-1],
                    "y": qs[lo].tolist() + qs[hi].tolist()[::-1],
                    "fill": "toself",
                    "fillcolor": charts.rgba(colour, alpha),
                    "line": {"width": 0},
                    "hoverinfo": "skip",
                    "showlegend": False,
                    "legendgroup": key,
                }
            )
    traces.append(
        {
            "type": "scatter",
            "mode": "lines",
            "x": times,
            "y": (ds[variable].values * scale).tolist(),
            "name": label,
            "legendgroup": key,
            "line": {"color": colour, "width": 2.2, "dash": dash},
            # plotly writes the number with the layout's separators (the locale's): no
            # formatting of every point here, which would cost more than the model run
            "hovertemplate": "%{fullData.name}, %{x:d}: "
            + charts.hover_format(kind_of(variable))
            + "<extra></extra>",
        }
    )
    return traces


@lru_cache(maxsize=512)
def _scenario_traces(
    lang: str, name: str, variable: str, scale: float, index: int
) -> tuple[dict, ...]:
    """A shipped scenario's line on one chart: it never changes, so it is built once."""
    return tuple(
        _run_traces(
            lang,
            name,
            data.scenario_title(name, lang),
            data.scenario_run(name),
            variable,
            scale,
            index,
        )
    )


def kind_of(variable: str) -> str:
    return next((kind for _k, v, _t, _s, kind in PANELS if v == variable), "")


def panel_figure(
    lang: str,
    variable: str,
    scale: float,
    kind: str,
    runs: dict[str, tuple[str, xr.Dataset]],
    fans: dict | None = None,
    height: int = 280,
) -> dict:
    """One chart: the paths of ``variable`` in every run (label, dataset by key), with fan bands."""
    layout = charts.base_layout(lang, height)
    layout["xaxis"] = charts.time_axis()
    layout["yaxis"] = charts.value_axis(kind)
    layout["showlegend"] = False  # the key above the charts names the runs once
    traces = []
    for j, (key, (label, ds)) in enumerate(runs.items()):
        if variable not in ds:
            continue
        fan = (fans or {}).get(key, {}).get(variable)
        shipped = key != data.LEVERS_RUN and fan is None and key in data.scenario_names()
        if shipped and label == data.scenario_title(key, lang):
            traces += [dict(t) for t in _scenario_traces(lang, key, variable, scale, j)]
        else:
            traces += _run_traces(lang, key, label, ds, variable, scale, j, fan)
    return {"data": traces, "layout": layout}


@lru_cache(maxsize=512)
def _scenario_row(lang: str, name: str, variable: str, scale: float, kind: str) -> tuple[str, ...]:
    ds = data.scenario_run(name)
    idx = charts.sample_years(ds["time"].values)
    ys = ds[variable].values * scale
    return tuple(value_text(float(ys[i]), kind, lang) for i in idx)


def panel_table(
    lang: str, variable: str, scale: float, kind: str, runs: dict, caption: str
) -> html.Table:
    _ = translator(lang)
    header, rows = None, []
    for key, (label, ds) in runs.items():
        if variable not in ds:
            continue
        times = ds["time"].values
        idx = charts.sample_years(times)
        header = header or [_("run")] + [str(int(times[i])) for i in idx]
        if key != data.LEVERS_RUN and key in data.scenario_names():
            rows.append([label, *_scenario_row(lang, key, variable, scale, kind)])
            continue
        ys = ds[variable].values * scale
        rows.append([label] + [value_text(float(ys[i]), kind, lang) for i in idx])
    return data_table(caption, header or [_("run")], rows)


def run_key(lang: str, runs: dict) -> list:
    """The key of the runs: each one's line drawn as it is on the charts, and its name."""
    items = []
    for j, (key, (label, _ds)) in enumerate(runs.items()):
        colour, dash = run_style(j, key)
        pattern = {
            "solid": "none",
            "dash": "6,4",
            "dot": "2,3",
            "dashdot": "6,3,2,3",
            "longdash": "10,4",
            "longdashdot": "10,3,2,3",
        }[dash]
        swatch = html.Span(
            className="kz-swatch",
            style={
                "borderTop": f"3px {'solid' if dash == 'solid' else 'dashed'} {colour}",
                "borderImage": "none",
            },
            **{"aria-hidden": "true", "data-dash": pattern},
        )
        items.append(html.Li([swatch, " ", label]))
    return [html.Ul(items, className="kz-run-key")]


@lru_cache(maxsize=1024)
def outcome_column(lang: str, values: tuple[tuple[str, float | None], ...]) -> dict[str, str]:
    """The outcomes of one run (``(name, value)`` pairs) formatted for ``lang``, by
    outcome name (cached per language and values)."""
    from kazind.scenarios.outcomes import outcome

    out = {}
    for name, v in values:
        o = outcome(name)
        if v is None or not math.isfinite(v):
            out[name] = "–"
        elif "%" in o.fmt:
            out[name] = fmt_percent(v, lang)
        else:
            out[name] = fmt_number(v, lang, 1 if ".1f" in o.fmt else 0)
    return out


def _outcome_labels(lang: str) -> tuple[tuple[str, str, str], ...]:
    from kazind.scenarios.outcomes import OUTCOMES, WHEN

    return tuple(
        (o.name, o.label.get(lang, o.label["en"]), WHEN[o.how].get(lang, o.how)) for o in OUTCOMES
    )


def outcome_rows(
    lang: str, runs: dict[str, tuple[str, xr.Dataset]], outcomes: dict[str, tuple] | None = None
) -> tuple[list[dict], list[dict]]:
    """(columns, rows) of the outcome table: each outcome by run, formatted for ``lang``."""
    _ = translator(lang)
    outcomes = outcomes or {}
    columns = [{"name": _("outcome"), "id": "outcome"}, {"name": _("when"), "id": "when"}]
    columns += [{"name": label, "id": key} for key, (label, _ds) in runs.items()]
    cells = {
        key: outcome_column(lang, outcomes[key] if key in outcomes else data.run_outcomes(ds))
        for key, (_label, ds) in runs.items()
    }
    rows = []
    for name, label, when in _outcome_labels(lang):
        row = {"outcome": label, "when": when}
        for key, column in cells.items():
            row[key] = column.get(name, "–")
        rows.append(row)
    return columns, rows


# ---------------------------------------------------------------- layout


def lever_digits(name: str) -> int:
    """Decimals that show a lever's value to its step (0.01 -> 2, 1000 -> 0)."""
    step = data.levers()[name].step
    return max(0, -math.floor(math.log10(step) + 1e-9))


def lever_texts(name: str, lang: str) -> tuple[str, str, str]:
    """(label, meaning, tooltip) of a lever in ``lang``: the lesson's name and what it stands
    for historically (``lesson/<lang>/debate.yaml``), the model's one line on its scale
    (``model/data/levers.yaml``); the model's catalogue of labels where the lesson has none."""
    from kazind.explorer.lesson import load_lesson
    from kazind.model import LEVERS

    text = load_lesson(lang).debate.levers.get(name)
    meaning = next(
        (lv.meaning.get(lang) or lv.meaning.get("en", "") for lv in LEVERS if lv.name == name), ""
    )
    label = text.label if text else variable_name(name, lang)
    return label, meaning or variable_description(name, lang), text.tooltip if text else ""


def lever_label(name: str, lang: str) -> str:
    _ = translator(lang)
    label = lever_texts(name, lang)[0]
    return f"{label} ({_(LEVER_UNITS[name])})" if name in LEVER_UNITS else label


def lever_control(name: str, lang: str) -> html.Div:
    lever = data.levers()[name]
    _label, meaning, tooltip = lever_texts(name, lang)
    digits_end = 1 if lever.high <= 10 else 0
    marks = {
        lever.low: fmt_number(lever.low, lang, digits_end),
        lever.high: fmt_number(lever.high, lang, digits_end),
    }
    marks[lever.default] = {"label": "▲", "style": {"color": "#1f5f99"}}
    help_id = I.READOUT_IDS[name] + "-help"
    return html.Div(
        [
            html.Label(
                [
                    lever_label(name, lang),
                    ": ",
                    html.B(
                        fmt_number(lever.default, lang, lever_digits(name)), id=I.READOUT_IDS[name]
                    ),
                ],
                htmlFor=I.LEVER_IDS[name],
                id=I.LEVER_IDS[name] + "-label",
                className="kz-lever-label",
                title=tooltip or None,
            ),
            dcc.Slider(
                id=I.LEVER_IDS[name],
                min=lever.low,
                max=lever.high,
                step=lever.step,
                value=lever.default,
                marks=marks,
                persistence=True,
                persistence_type="session",
                allow_direct_input=False,
            ),
            html.Div(meaning, id=help_id, className="kz-help", title=tooltip or None),
        ],
        className="kz-lever",
    )


def layout(lang: str) -> list:
    _ = translator(lang)
    options = [{"label": data.scenario_title(n, lang), "value": n} for n in data.scenario_names()]
    problems = data.scenario_problems()
    controls = [
        html.Div(_("Scenarios to compare"), id=I.SCENARIO_PICK + "-label", className="kz-label"),
        dcc.Checklist(
            id=I.SCENARIO_PICK,
            options=options,
            value=[data.HISTORICAL],
            persistence=True,
            persistence_type="session",
            className="kz-checklist",
            labelClassName="kz-check",
        ),
        html.Div(
            [
                html.P(_("Left out (the file has a mistake):")),
                html.Ul([html.Li(p) for p in problems]),
            ],
            className="kz-problems",
            role="status",
        )
        if problems
        else None,
        html.H3(_("Levers")),
        muted(
            _(
                "The levers change the historical run; the result is the dashed black line "
                "'your levers'. ▲ marks the historical value."
            )
        ),
        *[lever_control(name, lang) for name in I.LEVERS],
        html.Button(_("Reset the levers"), id=I.LEVER_RESET, n_clicks=0, className="kz-button"),
        html.H3(_("Uncertainty")),
        dcc.Checklist(
            id=I.ENSEMBLE_TOGGLE,
            options=[
                {
                    "label": " " + _("show fan charts"),
                    "value": "on",
                    "disabled": not data.ensemble_available(),
                }
            ],
            value=[],
            persistence=True,
            persistence_type="session",
        ),
        html.Label(_("Ensemble size"), htmlFor=I.ENSEMBLE_SIZE, className="kz-label"),
        dcc.Input(
            id=I.ENSEMBLE_SIZE,
            type="text",
            value="200",
            debounce=True,
            persistence=True,
            persistence_type="session",
            inputMode="numeric",
            className="kz-number",
            maxLength=12,
        ),
        muted(
            _(
                "Runs drawn from the calibrated parameters' uncertainty: a whole number from {low} to {high} "
                "per scenario."
            ).format(low=data.MIN_ENSEMBLE, high=data.MAX_ENSEMBLE),
            id=I.ENSEMBLE_SIZE + "-help",
        ),
    ]
    return [
        message_line(I.SCENARIO_MESSAGE),
        html.Div(
            [
                html.Div([c for c in controls if c is not None], className="kz-controls"),
                html.Div(
                    [
                        html.Div(id=I.SCENARIO_KEY, className="kz-key", **{"aria-live": "polite"}),
                        dcc.Loading(
                            html.Div(
                                [
                                    chart_block(
                                        panel_id(k),
                                        _(t),
                                        lang,
                                        f"kazind-scenario-{k}",
                                        panel_table_id(k),
                                        height=260,
                                    )
                                    for k, _v, t, *_r in PANELS
                                ],
                                id=I.SCENARIO_GRAPH,
                                className="kz-grid kz-grid-4",
                            ),
                            delay_show=400,
                            overlay_style={"visibility": "visible", "opacity": 0.6},
                        ),
                        html.H3(_("Outcomes")),
                        html.Div(
                            [dash_table.DataTable(id=I.OUTCOME_TABLE, **datatable_style())],
                            className="kz-table-box",
                        ),
                        download_button(I.DOWNLOAD_SCENARIOS, I.DOWNLOAD_SCENARIOS_DATA, lang),
                    ],
                    className="kz-results",
                ),
            ],
            className="kz-controls-and-results",
        ),
    ]


# ---------------------------------------------------------------- callbacks


def _runs(names: tuple[str, ...], levers: tuple[float, ...], lang: str) -> dict:
    _ = translator(lang)
    runs = {n: (data.scenario_title(n, lang), data.scenario_run(n)) for n in names}
    defaults = tuple(lever.default for lever in data.levers().values())
    if levers != defaults or not names:
        runs[data.LEVERS_RUN] = (_("your levers"), data.lever_run(levers, FAN_VARIABLES))
    return runs


def view(names, lever_values, ensemble, size, lang):
    """(figures..., tables..., key, outcome columns, outcome rows, message) for the tab."""
    try:
        lang = check_lang(lang)
        _ = translator(lang)
        names = data.check_scenarios(names)
        levers = data.check_levers(lever_values)
        fans = None
        if ensemble and isinstance(ensemble, list) and "on" in ensemble:
            n = data.check_ensemble_size(size)
            if not data.ensemble_available():
                raise InputError("ensembles are not available in this installation")
            fans = {name: data.ensemble_quantiles(name, n, FAN_VARIABLES) for name in names}
        runs = _runs(names, levers, lang)
        figs = [panel_figure(lang, v, scale, kind, runs, fans) for _k, v, _t, scale, kind in PANELS]
        tables = [panel_table(lang, v, scale, kind, runs, _(t)) for _k, v, t, scale, kind in PANELS]
        outcomes = {n: data.scenario_outcomes(n) for n in names}
        if data.LEVERS_RUN in runs:
            outcomes[data.LEVERS_RUN] = data.lever_outcomes(levers, FAN_VARIABLES)
        cols, rows = outcome_rows(lang, runs, outcomes)
        return [*figs, *tables, run_key(lang, runs), cols, rows, ""]
    except Exception as err:  # noqa: BLE001 - every failure becomes a visible message
        blank = [charts.empty_figure() for _p in PANELS] + [[] for _p in PANELS]
        return [*blank, [], [], [], problem(lang, err)]


def reset_levers(n_clicks):
    return [lever.default for lever in data.levers().values()]


def download(n_clicks, names, lever_values, lang):
    from kazind.explorer.components import csv_download
    from kazind.explorer.pages.timeline import _download_rows

    if not n_clicks:
        return no_update
    try:
        lang = check_lang(lang)
        runs = _runs(data.check_scenarios(names), data.check_levers(lever_values), lang)
    except InputError:
        return no_update
    return csv_download(_download_rows(runs, list(FAN_VARIABLES)), "kazind-scenarios.csv")


#: A lever's value as the reader moves it, in the page's language: runs in the browser
#: (no request per step of the drag), with the decimal and group signs Babel gives each
#: language (``SEPARATORS``) and the lever's decimals (``DIGITS``).
LEVER_READOUT_JS = """
function(value, dragValue, lang) {
    const ctx = window.dash_clientside.callback_context;
    const dragged = ctx.triggered.some(t => t.prop_id.endsWith('.drag_value'));
    const v = (dragged && dragValue !== null && dragValue !== undefined) ? dragValue : value;
    if (v === null || v === undefined) { return '–'; }
    const sep = SEPARATORS[lang] || SEPARATORS.en;
    const [whole, frac] = Math.abs(v).toFixed(DIGITS).split('.');
    const grouped = whole.replace(/\\B(?=(\\d{3})+(?!\\d))/g, sep[1]);
    return (v < 0 ? '-' : '') + grouped + (frac ? sep[0] + frac : '');
}
"""


def lever_readout_js(name: str) -> str:
    import json

    from kazind.explorer.i18n import LANGS, separators

    seps = {lang: separators(lang) for lang in LANGS}
    return LEVER_READOUT_JS.replace("SEPARATORS", json.dumps(seps)).replace(
        "DIGITS", str(lever_digits(name))
    )


def register(app) -> None:
    lang = Input(I.panel_lang("scenarios"), "data")
    lever_inputs = [Input(I.LEVER_IDS[n], "value") for n in I.LEVERS]

    def _view(names, *rest):
        *levers, ensemble, size, language = rest
        return view(names, levers, ensemble, size, language)

    app.callback(
        *[Output(panel_id(k), "figure") for k, *_r in PANELS],
        *[Output(panel_table_id(k), "children") for k, *_r in PANELS],
        Output(I.SCENARIO_KEY, "children"),
        Output(I.OUTCOME_TABLE, "columns"),
        Output(I.OUTCOME_TABLE, "data"),
        Output(I.SCENARIO_MESSAGE, "children"),
        Input(I.SCENARIO_PICK, "value"),
        *lever_inputs,
        Input(I.ENSEMBLE_TOGGLE, "value"),
        Input(I.ENSEMBLE_SIZE, "value"),
        lang,
    )(_view)
    for n in I.LEVERS:
        app.clientside_callback(
            lever_readout_js(n),
            Output(I.READOUT_IDS[n], "children"),
            Input(I.LEVER_IDS[n], "value"),
            Input(I.LEVER_IDS[n], "drag_value"),
            lang,
        )
    app.callback(
        [Output(I.LEVER_IDS[n], "value") for n in I.LEVERS],
        Input(I.LEVER_RESET, "n_clicks"),
        prevent_initial_call=True,
    )(reset_levers)

    def _download(n_clicks, names, *rest):
        *levers, language = rest
        return download(n_clicks, names, levers, language)

    app.callback(
        Output(I.DOWNLOAD_SCENARIOS_DATA, "data"),
        Input(I.DOWNLOAD_SCENARIOS, "n_clicks"),
        State(I.SCENARIO_PICK, "value"),
        *[State(I.LEVER_IDS[n], "value") for n in I.LEVERS],
        State(I.panel_lang("scenarios"), "data"),
        prevent_initial_call=True,
    )(_download)


PAGE = Page(key="scenarios", label="Scenarios", layout=layout, register=register)
