"""The explorer's callbacks as plain functions, then wired to the app by :func:`register`.

Every function checks its inputs (language, year, scenario names, lever values,
ensemble size) and answers bad input with a message for the page, never an exception:
the message goes to the tab's alert line and the chart is left blank.
"""

from __future__ import annotations

import csv
import io
import logging
from functools import wraps

from dash import Input, Output, State, html, no_update

from kazind.explorer import data, figures, layout
from kazind.explorer import ids as I
from kazind.explorer.i18n import (
    InputError,
    check_lang,
    fmt_date,
    fmt_sig,
    safe_lang,
    translator,
)

log = logging.getLogger("kazind.explorer")


def _problem(lang: object, err: Exception) -> str:
    _ = translator(safe_lang(lang))
    if isinstance(err, InputError):
        return _("Cannot show this:") + f" {err}"
    log.exception("explorer callback failed")
    return _("Something went wrong; the message was logged.") + f" ({type(err).__name__})"


def guarded(blank):
    """Turn any exception of the callback into ``blank(message)`` (the page's answer)."""

    def deco(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as err:  # noqa: BLE001 - every failure becomes a visible message
                lang = kwargs.get("lang", args[-1] if args else None)
                return blank(_problem(lang, err))

        return wrapper

    return deco


# ---------------------------------------------------------------- frame


@guarded(lambda msg: ([html.Div(msg, role="alert", style=layout.CSS["msg"])], "kazind"))
def render_body(lang):
    """The body of the page and its title in ``lang``."""
    lang = check_lang(lang)
    _ = translator(lang)
    return layout.body(lang), _("Industrialization of Kazakhstan, 1913-1940")


# ---------------------------------------------------------------- timeline


@guarded(lambda msg: (figures.empty_figure(), msg))
def timeline(lang):
    lang = check_lang(lang)
    return figures.timeline_figure(lang), ""


@guarded(lambda msg: (figures.empty_figure(), msg))
def timeline_extra(variable, lang):
    lang = check_lang(lang)
    known = figures.extra_variables()
    if variable not in known:
        raise InputError(f"unknown variable {variable!r}")
    return figures.variable_figure(lang, variable), ""


def _clicked_fact(click) -> str | None:
    if not isinstance(click, dict):
        return None
    for point in click.get("points") or []:
        if isinstance(point, dict) and isinstance(point.get("customdata"), str):
            return point["customdata"]
    return None


def fact_detail(fact_id: str, lang: str) -> list:
    """The fact in full: statement, source sentence in Kazakh, translations, source, fit."""
    from kazind.record.documents import default_store, sentence_around
    from kazind.record.facts import SeedSource, format_when

    _ = translator(lang)
    try:
        fact = data.facts().get(fact_id)
    except Exception:  # noqa: BLE001 - KazindError for an unknown id
        raise InputError(f"unknown fact {fact_id!r}") from None
    muted = layout.CSS["muted"]
    out = [
        html.H4(getattr(fact.statement, lang), style={"marginTop": "0"}),
        html.P([html.B(_("value") + ": "), _local_value(fact, lang), "  ", html.B(_("when") + ": "),
                format_when(fact) or "–"]),  # fmt: skip
    ]
    src = fact.source
    if isinstance(src, SeedSource):
        store = default_store()
        try:
            text = store.text(src.document)
            start = text.find(src.quote)
            left, right = sentence_around(text, start, start + len(src.quote)) if start >= 0 else (0, 0)
            before, after = text[left:start].strip(), text[start + len(src.quote) : right].strip()
        except Exception:  # noqa: BLE001 - the quote alone will do
            before = after = ""
        out += [
            html.H5(_("Source sentence (Kazakh)")),
            html.Blockquote(
                [before + " ", html.Mark(src.quote), " " + after],
                lang="kk",
                style={"borderLeft": "3px solid #1f5f99", "margin": "0", "paddingLeft": "8px"},
            ),
            html.P(
                [_("Source") + ": ", html.I(getattr(store.get(src.document).title, lang))], style=muted
            ),
        ]
    else:
        confidence = {"high": _("high"), "medium-high": _("medium-high"), "medium": _("medium"),
                      "low": _("low")}.get(src.confidence, src.confidence)  # fmt: skip
        out += [
            html.H5(_("Outside source")),
            html.P(src.citation),
            html.P([_("confidence") + ": ", html.B(confidence)], style=muted),
        ]
    out.append(html.H5(_("Translations")))
    for other in ("kk", "ru", "en"):
        if other != lang:
            out.append(html.P([html.B(f"{other}: "), getattr(fact.statement, other)], lang=other))
    rows = [r for r in data.fit_by_target().values() if r.fact_id == fact_id]
    out.append(html.H5(_("The model")))
    if not rows:
        out.append(html.P(_("This fact is not a target of the model."), style=muted))
    for r in rows:
        obs = "–".join(fmt_sig(v, lang) for v in r.observed) if isinstance(r.observed, list) else fmt_sig(r.observed, lang)
        verdict = (
            (_("reproduced by the model") if r.within_tolerance else _("not reproduced by the model"))
            if r.role in ("fit", "holdout")
            else _("not scored (sets a parameter)") if r.role == "input"
            else _("not scored (restates another target)")
        )  # fmt: skip
        colour = figures.OK if r.within_tolerance else figures.MISS
        var = r.variable + (f"[{r.element}]" if r.element else "")
        out.append(
            html.P(
                [
                    html.Span(verdict, style={"color": colour if r.role in ("fit", "holdout") else "#555",
                                              "fontWeight": "600"}),  # fmt: skip
                    html.Br(),
                    html.Code(var), f" ({r.measure}), {fmt_date(r.at, lang)}: ",
                    _("record") + f" {obs}, " + _("model") + f" {fmt_sig(r.simulated, lang)}",
                    html.Br(),
                    _("held out of the calibration") if r.held_out else "",
                ]
            )
        )
    out.append(html.P(html.Code(fact.id), style=muted))
    return out


def _local_value(fact, lang: str) -> str:
    """The fact's value as format_value gives it, with the number in the locale's convention."""
    from kazind.record.facts import format_value

    text = format_value(fact)
    if isinstance(fact.value, int | float) and not isinstance(fact.value, bool):
        from babel.numbers import format_decimal

        number = repr(fact.value).removesuffix(".0") if isinstance(fact.value, float) else str(fact.value)
        return text.replace(number, format_decimal(fact.value, locale=lang), 1)
    return text


@guarded(lambda msg: [html.Div(msg, role="alert", style=layout.CSS["msg"])])
def show_fact(click, click_extra, lang):
    """The fact panel for the last clicked point (of either timeline chart)."""
    lang = check_lang(lang)
    _ = translator(lang)
    fact_id = _clicked_fact(click_extra) or _clicked_fact(click)
    if click is not None and click_extra is not None:
        from dash import ctx

        trig = getattr(ctx, "triggered_id", None)
        fact_id = _clicked_fact(click if trig == I.TIMELINE_GRAPH else click_extra) or fact_id
    if fact_id is None:
        return [html.P(_("Click a point to read the fact and its source."), style=layout.CSS["muted"])]
    return fact_detail(fact_id, lang)


# ---------------------------------------------------------------- map


@guarded(lambda msg: (figures.empty_figure(), msg))
def map_view(year, lang):
    lang = check_lang(lang)
    return figures.map_figure(lang, data.check_year(year)), ""


def toggle_play(n_clicks, disabled, lang):
    """The play button: start or stop the interval; the button says what it will do."""
    _ = translator(safe_lang(lang))
    if not isinstance(n_clicks, int) or n_clicks <= 0:
        return True, _("Play")
    running = bool(disabled)  # it was stopped: start it
    return (not running), (_("Pause") if running else _("Play"))


def next_year(n_intervals, year):
    """One tick of the play button: the next year, back to 1913 after 1940."""
    try:
        year = data.check_year(year)
    except InputError:
        return data.YEARS[0]
    return data.YEARS[0] if year >= data.YEARS[1] else year + 1


# ---------------------------------------------------------------- scenarios


def _runs(names: tuple[str, ...], levers: tuple[float, ...], lang: str) -> dict:
    _ = translator(lang)
    runs = {n: (data.scenario_title(n, lang), data.scenario_run(n)) for n in names}
    defaults = tuple(lever.default for lever in data.levers().values())
    if levers != defaults or not names:
        runs[data.LEVERS_RUN] = (_("your levers"), data.lever_run(levers))
    return runs


def scenarios_view(names, lever_values, ensemble, size, lang):
    """(figure, outcome columns, outcome rows, message) for the scenarios tab."""
    try:
        lang = check_lang(lang)
        names = data.check_scenarios(names)
        levers = data.check_levers(lever_values)
        fans = None
        message = ""
        if ensemble and "on" in ensemble:
            n = data.check_ensemble_size(size)
            if not data.ensemble_available():
                raise InputError("ensembles are not available in this installation")
            fans = {name: data.ensemble_quantiles(name, n, figures.FAN_VARIABLES) for name in names}
        runs = _runs(names, levers, lang)
        fig = figures.scenario_figure(lang, runs, fans)
        # outcomes from the caches: a scenario's never change, the levers' by their values
        outcomes = {n: data.scenario_outcomes(n) for n in names}
        if data.LEVERS_RUN in runs:
            outcomes[data.LEVERS_RUN] = data.lever_outcomes(levers)
        cols, rows = figures.outcome_rows(lang, runs, outcomes)
        return fig, cols, rows, message
    except Exception as err:  # noqa: BLE001
        return figures.empty_figure(), [], [], _problem(lang, err)


def reset_levers(n_clicks):
    return [lever.default for lever in data.levers().values()]


# ---------------------------------------------------------------- the record


def _fact_row(fact, lang: str) -> dict:
    from kazind.record.facts import SeedSource, format_value

    _ = translator(lang)
    src = fact.source
    if isinstance(src, SeedSource):
        source = _document_title(src.document, lang)
    else:
        source = f"{src.citation} ({_('confidence')}: {_(src.confidence)})"
    verdict = {"yes": _("yes"), "no": _("no"), "input": _("input"), "check": _("check"),
               "none": "–"}[data.reproduced(fact.id)]  # fmt: skip
    return {
        "id": fact.id,
        "topic": _(fact.topic),
        "year": fact.first_year,
        "places": ", ".join(_place_name(p, lang) for p in fact.places),
        "value": format_value(fact),
        "statement": getattr(fact.statement, lang),
        "quote": src.quote if isinstance(src, SeedSource) else "",
        "source": source,
        "reproduced": verdict,
    }


def _document_title(doc_id: str, lang: str) -> str:
    from kazind.record.documents import default_store

    try:
        return getattr(default_store().get(doc_id).title, lang)
    except Exception:  # noqa: BLE001 - the id will do
        return doc_id


def _place_name(place_id: str, lang: str) -> str:
    gaz = data.gazetteer()
    return getattr(gaz[place_id].names, lang) if place_id in gaz else place_id


def record_rows(search, lang):
    """(rows, message): the facts as table rows, those matching ``search`` if given."""
    try:
        lang = check_lang(lang)
        if search is not None and not isinstance(search, str):
            raise InputError("search: expected text")
        if search is not None and len(search) > 200:
            raise InputError("search: at most 200 characters")
        rows = [_fact_row(f, lang) for f in data.facts()]
        words = (search or "").casefold().split()
        if words:
            rows = [r for r in rows if all(w in " ".join(str(v) for v in r.values()).casefold() for w in words)]
        return rows, ""
    except Exception as err:  # noqa: BLE001
        return [], _problem(lang, err)


@guarded(lambda msg: [html.Div(msg, role="alert", style=layout.CSS["msg"])])
def record_detail(active_cell, lang):
    lang = check_lang(lang)
    _ = translator(lang)
    if not isinstance(active_cell, dict) or not isinstance(active_cell.get("row_id"), str):
        return [html.P(_("Click a row to read the fact and its source."), style=layout.CSS["muted"])]
    return fact_detail(active_cell["row_id"], lang)


# ---------------------------------------------------------------- the model


def diagram(sector):
    """(data: URI of the sector's SVG, message)."""
    try:
        if not isinstance(sector, str) or sector not in layout.model_doc().sectors:
            raise InputError(f"unknown sector {sector!r}")
        return layout.diagram_src(sector), ""
    except Exception as err:  # noqa: BLE001
        return "", _problem("en", err)


# ---------------------------------------------------------------- downloads


def _csv(rows: list[dict], filename: str) -> dict:
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return {"content": buf.getvalue(), "filename": filename, "type": "text/csv"}


def _path_rows(runs: dict, variables) -> list[dict]:
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


def download_timeline(n_clicks, lang):
    if not n_clicks:
        return no_update
    lang = safe_lang(lang)
    variables = sorted(figures.PANEL_VARIABLES)
    rows = _path_rows({"historical": ("historical", data.historical_run())}, variables)
    facts = [
        {"run": "fact", "title": p.fact_id, "time": p.at, f"{p.variable}" + (f"[{p.element}]" if p.element else ""): p.y}
        for p in data.fact_points()
    ]
    keys = list(dict.fromkeys(k for r in rows + facts for k in r))
    full = [{k: r.get(k, "") for k in keys} for r in rows + facts]
    return _csv(full, "kazind-timeline.csv")


def download_map(n_clicks, year, lang):
    if not n_clicks:
        return no_update
    try:
        return _csv(figures.map_rows(safe_lang(lang), data.check_year(year)), f"kazind-map-{year}.csv")
    except InputError:
        return no_update


def download_scenarios(n_clicks, names, lever_values, lang):
    if not n_clicks:
        return no_update
    try:
        lang = check_lang(lang)
        runs = _runs(data.check_scenarios(names), data.check_levers(lever_values), lang)
    except InputError:
        return no_update
    return _csv(_path_rows(runs, [v for v, *_r in figures.SCENARIO_PANELS]), "kazind-scenarios.csv")


def download_record(n_clicks, rows):
    if not n_clicks or not isinstance(rows, list):
        return no_update
    return _csv([r for r in rows if isinstance(r, dict)], "kazind-record.csv")


def download_model(n_clicks):
    if not n_clicks:
        return no_update
    return _csv(layout.model_rows(), "kazind-model.csv")


#: A lever's value as the reader moves it, in the page's language: runs in the browser
#: (no request per step of the drag). Formats with the decimal and group signs Babel gives
#: each language (``SEPARATORS``) and the lever's decimals (``DIGITS``).
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
    """:data:`LEVER_READOUT_JS` for the lever ``name``."""
    import json

    from kazind.explorer.i18n import LANGS, separators

    seps = {lang: separators(lang) for lang in LANGS}
    return LEVER_READOUT_JS.replace("SEPARATORS", json.dumps(seps)).replace("DIGITS", str(layout.lever_digits(name)))


# ---------------------------------------------------------------- wiring


def register(app) -> None:
    """Attach every callback to ``app``."""
    lang = Input(I.LANG, "value")
    lever_inputs = [Input(I.LEVER_IDS[n], "value") for n in I.LEVERS]

    app.callback(Output(I.BODY, "children"), Output(I.TITLE, "children"), lang)(render_body)
    app.callback(Output(I.TIMELINE_GRAPH, "figure"), Output(I.TIMELINE_MESSAGE, "children"), lang)(timeline)
    app.callback(
        Output(I.TIMELINE_EXTRA_GRAPH, "figure"),
        Output(I.TIMELINE_MESSAGE, "children", allow_duplicate=True),
        Input(I.TIMELINE_VAR, "value"),
        lang,
        prevent_initial_call="initial_duplicate",
    )(timeline_extra)
    app.callback(
        Output(I.FACT_PANEL, "children"),
        Input(I.TIMELINE_GRAPH, "clickData"),
        Input(I.TIMELINE_EXTRA_GRAPH, "clickData"),
        lang,
    )(show_fact)
    app.callback(Output(I.MAP_GRAPH, "figure"), Output(I.MAP_MESSAGE, "children"), Input(I.YEAR_SLIDER, "value"), lang)(
        map_view
    )
    app.callback(
        Output(I.MAP_INTERVAL, "disabled"),
        Output(I.PLAY, "children"),
        Input(I.PLAY, "n_clicks"),
        State(I.MAP_INTERVAL, "disabled"),
        State(I.LANG, "value"),
    )(toggle_play)
    app.callback(
        Output(I.YEAR_SLIDER, "value"), Input(I.MAP_INTERVAL, "n_intervals"), State(I.YEAR_SLIDER, "value"),
        prevent_initial_call=True,
    )(next_year)

    def _scenarios(names, *rest):
        *levers, ensemble, size, language = rest
        return scenarios_view(names, levers, ensemble, size, language)

    app.callback(
        Output(I.SCENARIO_GRAPH, "figure"),
        Output(I.OUTCOME_TABLE, "columns"),
        Output(I.OUTCOME_TABLE, "data"),
        Output(I.SCENARIO_MESSAGE, "children"),
        Input(I.SCENARIO_PICK, "value"),
        *lever_inputs,
        Input(I.ENSEMBLE_TOGGLE, "value"),
        Input(I.ENSEMBLE_SIZE, "value"),
        lang,
    )(_scenarios)
    for n in I.LEVERS:
        app.clientside_callback(
            lever_readout_js(n),
            Output(I.READOUT_IDS[n], "children"),
            Input(I.LEVER_IDS[n], "value"),
            Input(I.LEVER_IDS[n], "drag_value"),
            lang,
        )
    app.callback(
        [Output(I.LEVER_IDS[n], "value") for n in I.LEVERS], Input(I.LEVER_RESET, "n_clicks"),
        prevent_initial_call=True,
    )(reset_levers)
    app.callback(
        Output(I.FACT_TABLE, "data"), Output(I.RECORD_MESSAGE, "children"), Input(I.FACT_SEARCH, "value"), lang
    )(record_rows)
    app.callback(Output(I.RECORD_FACT_PANEL, "children"), Input(I.FACT_TABLE, "active_cell"), lang)(record_detail)
    app.callback(Output(I.DIAGRAM, "src"), Output(I.MODEL_MESSAGE, "children"), Input(I.SECTOR_PICK, "value"))(
        diagram
    )
    app.callback(
        Output(I.DOWNLOAD_TIMELINE_DATA, "data"), Input(I.DOWNLOAD_TIMELINE, "n_clicks"), State(I.LANG, "value"),
        prevent_initial_call=True,
    )(download_timeline)
    app.callback(
        Output(I.DOWNLOAD_MAP_DATA, "data"), Input(I.DOWNLOAD_MAP, "n_clicks"), State(I.YEAR_SLIDER, "value"),
        State(I.LANG, "value"), prevent_initial_call=True,
    )(download_map)

    def _download_scenarios(n_clicks, names, *rest):
        *levers, language = rest
        return download_scenarios(n_clicks, names, levers, language)

    app.callback(
        Output(I.DOWNLOAD_SCENARIOS_DATA, "data"), Input(I.DOWNLOAD_SCENARIOS, "n_clicks"),
        State(I.SCENARIO_PICK, "value"), *[State(I.LEVER_IDS[n], "value") for n in I.LEVERS],
        State(I.LANG, "value"), prevent_initial_call=True,
    )(_download_scenarios)
    app.callback(
        Output(I.DOWNLOAD_RECORD_DATA, "data"), Input(I.DOWNLOAD_RECORD, "n_clicks"),
        State(I.FACT_TABLE, "derived_virtual_data"), prevent_initial_call=True,
    )(download_record)
    app.callback(
        Output(I.DOWNLOAD_MODEL_DATA, "data"), Input(I.DOWNLOAD_MODEL, "n_clicks"), prevent_initial_call=True
    )(download_model)

