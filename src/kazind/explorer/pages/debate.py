"""The debate tab: Goloshchekin's and Sadvakasov's lines explained, and tried in the model.

The two lines in plain words with the text's own sentences; each shipped scenario with
what it assumes beside its checkbox, and its description, what it rests on and what it
leaves out in a fold (all read from the scenario's file) (the debate's scenarios ticked
when the tab opens); the charts of the ticked scenarios (the scenarios tab's chart
builder) with a dotted line where each departs from history; and the levers in a
teacher's steps (×0.5, ×1, ×2, ×3) acting on the scenario chosen for them, each with a
tooltip saying what it stands for historically. The ticked scenarios, the scenario the
levers act on and the lever steps are in the URL (``scenarios``, ``on``, ``levers``).
"""

from __future__ import annotations

import json

from dash import Input, Output, Patch, State, dcc, html, no_update

from kazind.explorer import charts, data, state
from kazind.explorer import ids as I
from kazind.explorer.components import chart_block, message_line, muted
from kazind.explorer.guard import problem
from kazind.explorer.i18n import check_lang, fmt_number, translator
from kazind.explorer.lesson import load_lesson
from kazind.explorer.lesson.runs import (
    FACTORS,
    check_factors,
    lever_changes,
    lever_run,
    scenario_departure,
)
from kazind.explorer.page import Page
from kazind.explorer.pages.start import with_ids

PICK = "debate-pick"
ON = "debate-on"
KEY = "debate-key"
MESSAGE = "debate-message"
GRAPH = "debate-graph"
LEVER_PREFIX = "debate-lever-"
LEVER_NOTE = "debate-lever-note"
RESET = "debate-reset"
RENDERED = "debate-rendered"  # the controls the charts were drawn for
#: The scenarios tab's charts that the debate shows: (key in scenarios.PANELS).
PANEL_KEYS = ("industry", "processing", "workers", "kazakh-workers", "famine", "migration")
#: The slider's positions: index -> factor.
POSITIONS = dict(enumerate(FACTORS))


def lever_id(name: str) -> str:
    return LEVER_PREFIX + name


def panel_id(key: str) -> str:
    return f"debate-{key}"


def _default_scenarios() -> str:
    names = set(data.scenario_names())
    return ",".join(n for n in load_lesson("kk").debate.default_scenarios if n in names)


def _scenario_list(value: str) -> list[str]:
    return [n for n in value.split(",") if n]


def _ok_scenarios(value: str) -> bool:
    names = _scenario_list(value)
    return (
        bool(names) and set(names) <= set(data.scenario_names()) and len(names) == len(set(names))
    )


def _ok_factors(value: str) -> bool:
    try:
        check_factors([float(x) for x in value.split(",")])
    except (ValueError, Exception):  # noqa: BLE001 - any bad token: not admitted
        return False
    return True


#: The debate's scenarios ticked by default: the lesson's, among those that load and run
#: (found on first use, not when this module is imported).
SCENARIOS = state.declare("scenarios", _default_scenarios, check=_ok_scenarios)
ON_KEY = state.declare("on", "integrated-development", check=lambda v: v in data.scenario_names())
LEVERS = state.declare("levers", ",".join("1" for _n in I.LEVERS), check=_ok_factors)


def factor_text(factor: float, lang: str) -> str:
    return "×" + fmt_number(factor, lang, 1 if factor < 1 else 0)


# ---------------------------------------------------------------- chart builders


#: The levers' run's slot on a chart when no lever is moved (a hidden trace).
NO_LEVER_RUN = charts.EMPTY_TRACE


def _shipped(runs: dict) -> dict:
    return {k: v for k, v in runs.items() if k != data.LEVERS_RUN}


def lever_trace(lang: str, key: str, runs: dict) -> dict:
    """The line of the levers' run on chart ``key`` (:data:`NO_LEVER_RUN` without it)."""
    from kazind.explorer.pages import scenarios

    if data.LEVERS_RUN not in runs:
        return NO_LEVER_RUN
    variable, scale, _kind = _panels()[key]
    label, ds = runs[data.LEVERS_RUN]
    if variable not in ds:
        return NO_LEVER_RUN
    return scenarios._run_traces(lang, data.LEVERS_RUN, label, ds, variable, scale, len(runs))[-1]


def _panels() -> dict:
    from kazind.explorer.pages import scenarios

    return {k: (v, scale, kind) for k, v, _t, scale, kind in scenarios.PANELS}


def debate_figures(lang: str, runs: dict, departures: dict[str, float | None]) -> list[dict]:
    """The scenarios tab's charts for ``runs`` (label, dataset by key), with a dotted line
    at the year each departs from history, in the run's colour. The levers' run (if any)
    is each chart's last trace, and its place is kept (hidden) without it, so that a lever
    moved changes that trace alone (:func:`lever_patches`)."""
    from kazind.explorer.pages import scenarios

    shipped = _shipped(runs)
    figs = []
    for key in PANEL_KEYS:
        variable, scale, kind = _panels()[key]
        fig = scenarios.panel_figure(lang, variable, scale, kind, shipped)
        fig["data"].append(lever_trace(lang, key, runs))
        shapes = []
        for j, name in enumerate(shipped):
            year = departures.get(name)
            if year is not None:
                colour, _dash = scenarios.run_style(j, name)
                shapes.append(
                    {
                        "type": "line",
                        "xref": "x",
                        "yref": "paper",
                        "x0": year,
                        "x1": year,
                        "y0": 0,
                        "y1": 1,
                        "line": {"color": colour, "width": 1.5, "dash": "dot"},
                    }
                )
        fig["layout"]["shapes"] = shapes
        figs.append(fig)
    return figs


def lever_patches(lang: str, runs: dict) -> list[Patch]:
    """The change of each chart of :func:`debate_figures` drawn for the same ticked
    scenarios to ``runs``: its last trace, the levers' run, alone (the scenarios' lines,
    the departures and the axes stay as they are on the page)."""
    from kazind.explorer.pages import scenarios

    shipped = _shipped(runs)
    out = []
    for key in PANEL_KEYS:
        variable, scale, kind = _panels()[key]
        n = len(scenarios.panel_figure(lang, variable, scale, kind, shipped)["data"])
        patch = Patch()
        patch["data"][n] = lever_trace(lang, key, runs)
        out.append(patch)
    return out


# ---------------------------------------------------------------- layout


def scenario_option(name: str, lang: str) -> dict:
    """A checkbox's label: the scenario's title and what it assumes, and in a fold its
    description, the record's facts and claims it rests on and what it leaves out, all
    read from the scenario's file (:func:`kazind.explorer.data.scenario_texts`)."""
    _ = translator(lang)
    texts = data.scenario_texts(name, lang)
    details = [
        html.Summary(_("The scenario file's description")),
        html.P(with_ids(data.scenario_description(name, lang)), className="kz-help"),
    ]
    if texts.rests_on:
        details += [
            html.Div(_("What it rests on"), className="kz-label"),
            html.Ul(
                [html.Li(html.Code(i, lang="en", className="kz-fact-id")) for i in texts.rests_on],
                className="kz-rests-on",
            ),
        ]
    if texts.leaves_out:
        details += [
            html.Div(_("What it leaves out"), className="kz-label"),
            html.Ul([html.Li(with_ids(x)) for x in texts.leaves_out], className="kz-leaves-out"),
        ]
    label = html.Div(
        [
            html.B(data.scenario_title(name, lang)),
            html.Ul([html.Li(with_ids(a)) for a in texts.assumptions], className="kz-assumes")
            if texts.assumptions
            else None,
            html.Details(details, className="kz-details"),
        ],
        className="kz-scenario-option",
        id=f"debate-option-{name}",
    )
    return {"label": label, "value": name}


def lever_control(name: str, lang: str, factor: float) -> html.Div:
    d = load_lesson(lang).debate
    text = d.levers.get(name)
    label = text.label if text else name
    tooltip = text.tooltip if text else ""
    index = FACTORS.index(factor) if factor in FACTORS else 1
    return html.Div(
        [
            html.Label(
                label,
                htmlFor=lever_id(name),
                id=lever_id(name) + "-label",
                className="kz-lever-label",
                title=tooltip,
            ),
            dcc.Slider(
                id=lever_id(name),
                min=0,
                max=len(FACTORS) - 1,
                step=1,
                value=index,
                included=False,
                marks={i: factor_text(f, lang) for i, f in POSITIONS.items()},
                allow_direct_input=False,
            ),
            html.Div(tooltip, id=lever_id(name) + "-help", className="kz-help", role="note"),
        ],
        className="kz-lever",
        title=tooltip,
    )


def line_block(line, lang: str) -> html.Section:
    from kazind.explorer.pages.story import quote_block

    return html.Section(
        [
            html.H3(line.name),
            *[html.P(p) for p in line.paragraphs],
            *[quote_block(q, lang) for q in line.quotes],
        ],
        className="kz-debate-line",
        id=f"debate-line-{line.id}",
    )


def layout(lang: str) -> list:
    from kazind.explorer.pages import scenarios
    from kazind.explorer.state import url_state

    _ = translator(lang)
    d = load_lesson(lang).debate
    st = url_state()
    ticked = _scenario_list(st.get("scenarios", SCENARIOS.default))
    factors = [float(x) for x in st.get("levers", LEVERS.default).split(",")]
    names = data.scenario_names()
    titles = {k: t for k, _v, t, *_r in scenarios.PANELS}
    controls = [
        html.Div(_("Scenarios to compare"), id=PICK + "-label", className="kz-label"),
        dcc.Checklist(
            id=PICK,
            options=[scenario_option(n, lang) for n in names],
            value=ticked,
            className="kz-checklist",
            labelClassName="kz-check",
        ),
        html.H3(_("Levers")),
        html.Label(_("The levers act on"), htmlFor=ON, className="kz-label"),
        dcc.Dropdown(
            id=ON,
            options=[{"label": data.scenario_title(n, lang), "value": n} for n in names],
            value=st.get("on", ON_KEY.default),
            clearable=False,
            searchable=False,
            className="kz-dropdown",
        ),
        muted(
            _(
                "Each lever multiplies the chosen scenario's own value: ×1 leaves it as the scenario has it."
            )
        ),
        *[lever_control(n, lang, f) for n, f in zip(I.LEVERS, factors, strict=True)],
        html.Div(id=LEVER_NOTE, className="kz-help", **{"aria-live": "polite"}),
        html.Button(
            _("Reset the levers"), id=RESET, n_clicks=0, className="kz-button", type="button"
        ),
    ]
    return [
        html.Div(
            [html.H2(d.title, className="kz-lesson-title"), *[html.P(p) for p in d.paragraphs]],
            className="kz-lesson",
        ),
        html.Div([line_block(line, lang) for line in d.lines], className="kz-debate-lines"),
        message_line(MESSAGE),
        html.Div(
            [
                html.Div(controls, className="kz-controls"),
                html.Div(
                    [
                        html.Div(id=KEY, className="kz-key", **{"aria-live": "polite"}),
                        muted(
                            _(
                                "A dotted vertical line marks the year a scenario departs from history."
                            )
                        ),
                        html.Div(
                            [
                                chart_block(
                                    panel_id(k),
                                    _(titles[k]),
                                    lang,
                                    f"kazind-debate-{k}",
                                    height=280,
                                )
                                for k in PANEL_KEYS
                            ],
                            id=GRAPH,
                            className="kz-grid",
                        ),
                    ],
                    className="kz-results",
                ),
            ],
            className="kz-controls-and-results",
        ),
        dcc.Store(id=RENDERED, data=None),
    ]


# ---------------------------------------------------------------- callbacks


def view(names, on, positions, lang, patch=False):
    """(figures..., key, lever note, message) for the ticked scenarios and the levers.
    With ``patch``, the charts on the page were drawn for the same scenarios and
    language, and each figure is the change of its levers' run alone (a Patch)."""
    from kazind.explorer.pages.scenarios import run_key

    try:
        lang = check_lang(lang)
        _ = translator(lang)
        names = list(data.check_scenarios(names))
        on = data.check_scenarios([on])[0]
        factors = check_factors(
            [POSITIONS.get(p, p) if isinstance(p, int) else p for p in positions]
        )
        runs = {n: (data.scenario_title(n, lang), data.scenario_run(n)) for n in names}
        departures = {n: scenario_departure(n) for n in names}
        note = ""
        if any(f != 1.0 for f in factors):
            title = data.scenario_title(on, lang)
            runs[data.LEVERS_RUN] = (
                _("{scenario} with your levers").format(scenario=title),
                lever_run(on, factors),
            )
            capped = [n for n, c in lever_changes(on, factors)[2].items() if c]
            if capped:
                d = load_lesson(lang).debate
                note = _("Held at the model's limit: {levers}.").format(
                    levers=", ".join(d.levers[n].label if n in d.levers else n for n in capped)
                )
        figs = lever_patches(lang, runs) if patch else debate_figures(lang, runs, departures)
        return [*figs, run_key(lang, runs), note, ""]
    except Exception as err:  # noqa: BLE001 - every failure becomes a visible message
        return [*[charts.empty_figure() for _k in PANEL_KEYS], [], "", problem(lang, err)]


def reset(n_clicks):
    return [1 for _n in I.LEVERS]


#: The debate's controls into the URL state (in the browser: no request).
SYNC_JS = """
function(names, on, ...rest) {
    const st = Object.assign({}, rest[rest.length - 1] || {});
    const positions = rest.slice(0, rest.length - 1), FACTORS = __FACTORS__, DEFAULTS = __DEFAULTS__;
    if (!Array.isArray(names) || !names.length) { return [window.dash_clientside.no_update, window.dash_clientside.no_update]; }
    st.scenarios = names.join(','); st.on = on;
    st.levers = positions.map(p => String(FACTORS[p] !== undefined ? FACTORS[p] : 1)).join(',');
    const p = new URLSearchParams();
    for (const [k, d] of Object.entries(DEFAULTS)) { if (st[k] !== undefined && st[k] !== d) { p.set(k, st[k]); } }
    const s = p.toString();
    return [st, s ? '?' + s : ''];
}
"""


def sync_js() -> str:
    defaults = {k.name: k.default for k in state.keys().values()}
    factors = [float(f) if f != int(f) else int(f) for f in FACTORS]
    return SYNC_JS.replace("__FACTORS__", json.dumps(factors)).replace(
        "__DEFAULTS__", json.dumps(defaults)
    )


def register(app) -> None:
    sliders = [Input(lever_id(n), "value") for n in I.LEVERS]

    def _view(names, on, *rest):
        *positions, language, rendered = rest
        key = [names, on, positions, language]
        if key == rendered:
            return [no_update] * (len(PANEL_KEYS) + 4)
        # the same scenarios in the same language on the page: only the levers' run changes
        same = isinstance(rendered, list) and rendered[0] == names and rendered[3] == language
        out = view(names, on, positions, language, patch=same)
        return [*out, key if out[-1] == "" else None]

    app.callback(
        *[Output(panel_id(k), "figure") for k in PANEL_KEYS],
        Output(KEY, "children"),
        Output(LEVER_NOTE, "children"),
        Output(MESSAGE, "children"),
        Output(RENDERED, "data"),
        Input(PICK, "value"),
        Input(ON, "value"),
        *sliders,
        Input(I.panel_lang("debate"), "data"),
        State(RENDERED, "data"),
    )(_view)
    app.callback(
        [Output(lever_id(n), "value") for n in I.LEVERS],
        Input(RESET, "n_clicks"),
        prevent_initial_call=True,
    )(reset)
    app.clientside_callback(
        sync_js(),
        Output(I.STATE, "data", allow_duplicate=True),
        Output(I.URL, "search", allow_duplicate=True),
        Input(PICK, "value"),
        Input(ON, "value"),
        *sliders,
        State(I.STATE, "data"),
        prevent_initial_call=True,
    )


PAGE = Page(key="debate", label="The debate", layout=layout, register=register)
