"""The story tab: nine chapters through 1913-1940, one at a time, each with its own URL.

A chapter (``?tab=story&chapter=the-debate``) shows its paragraphs, the source text's own
sentences with their fact ids (and, for a Russian or English reader, the record's
translation), the model's chart of what it speaks of with the record's points on it
(the timeline's chart builder), the map at the chapter's year (the map tab's builder)
and the questions for students. Previous and next, and the list of chapters, change the
``chapter`` key of the URL state in the browser; the server builds a chapter once per
language and keeps it. The tab's panel is built with the text of the chapter of the view
in it, and its charts and map follow in one request.

A switch of chapter (or of language, or a first visit of the tab) sends what changed in
two requests: first the text and the questions (:func:`render`, or the panel itself),
which a class reads first; once they are on the page, the chapter's charts and the map
(:func:`draw`). The map stays on the page: a chapter of the
same year leaves it as it is, one of another year replaces only its year layer
(railways, towns, enterprises, the title), never its seas, rivers and border.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from dash import ALL, Input, Output, State, dcc, html, no_update

from kazind.explorer import data, state
from kazind.explorer import ids as I
from kazind.explorer.components import graph_config, message_line
from kazind.explorer.guard import guarded
from kazind.explorer.i18n import check_lang, translator
from kazind.explorer.lesson import Chapter, Series, load_lesson
from kazind.explorer.page import Page
from kazind.explorer.pages import map_year  # map_year declares its key of the URL state

CONTENT = "story-content"  # the chapter's text down to its charts
CHARTS = "story-charts"
QUESTIONS = "story-questions"
DRAWN = "story-drawn"  # the (chapter, lang, map year) whose charts and map are drawn
RENDERED = "story-rendered"  # the (chapter, lang) on the page, so a change of state renders nothing
SHOWN = (
    "story-chapter"  # dcc.Store: the chapter of the URL state (set in the browser when it changes)
)
PREV, NEXT = "story-prev", "story-next"
GOTO = "story-goto"  # pattern id of the chapter list's buttons: {"type": GOTO, "index": chapter id}
MESSAGE = "story-message"
CHAPTERS = [c.id for c in load_lesson("kk").chapters]
CHAPTER = state.declare("chapter", CHAPTERS[0], tuple(CHAPTERS))


def chart_id(i: int) -> str:
    return f"story-chart-{i}"


MAP_ID = "story-map"  # the box of the chapter's map
MAP_GRAPH = {"type": "story-map-graph", "index": "story"}  # the map in it, once drawn


# ---------------------------------------------------------------- how a series is drawn


@dataclass(frozen=True)
class Presentation:
    """A model series as a chart shows it: its title in the reader's language, scale, kind."""

    title: str
    scale: float = 1.0
    kind: str = ""  # "", "%" or "log"


def presentation(series: Series, lang: str) -> Presentation:
    """The title, scale and kind of a chapter's series: as the timeline draws it where it
    does, else from the model's catalogue of labels and the variable's unit."""
    from kazind.explorer.charts import element_label
    from kazind.explorer.pages import timeline
    from kazind.model.labels import label as variable_name

    _ = translator(lang)
    for _key, title, lines, scale, kind in timeline.PANELS:
        for variable, element, label in lines:
            if (variable, element) == (series.variable, series.element):
                name = timeline.series_label(element, label, lang)
                return Presentation(
                    f"{_(title)}: {name}" if len(lines) > 1 else _(title), scale, kind
                )
    name = variable_name(series.variable, lang)
    if series.element is not None:
        name += ": " + element_label(series.element, lang, data.gazetteer())
    if series.variable in timeline.EXTRA_VARIABLES:
        scale, kind, unit = timeline.EXTRA_VARIABLES[series.variable]
        return Presentation(f"{name} ({_(unit)})" if unit else name, scale, kind)
    unit = data.historical_model().spec.variable(series.variable).unit
    if data.is_share(series.variable):
        return Presentation(name, 1.0, "%")
    if unit == "person":
        return Presentation(f"{name} ({_('thousand')})", 1e-3, "")
    shown = data.unit_text(unit, lang)
    return Presentation(f"{name} ({shown})" if shown else name, 1.0, "")


# ---------------------------------------------------------------- chapter parts


def quote_block(q, lang: str) -> html.Blockquote:
    """A sentence of the source text, verbatim in Kazakh, with its fact id (and translation)."""
    fact = data.facts().get(q.fact)
    parts = [html.P(f"«{q.quote}»", lang="kk", className="kz-quote-kk")]
    if lang != "kk":
        parts.append(html.P(getattr(fact.statement, lang), className="kz-quote-tr"))
    parts.append(html.P(q.fact, className="kz-fact-id", lang="en"))
    return html.Blockquote(parts, className="kz-lesson-quote", **{"data-fact": q.fact})


def chapter_figures(chapter: Chapter, lang: str) -> list[tuple[str, dict]]:
    """(title, figure) of each of the chapter's series: the historical run and its facts."""
    from kazind.explorer.pages import timeline

    ds, points, facts = data.historical_run(), data.fact_points(), data.facts()
    out = []
    for s in chapter.chart:
        how = presentation(s, lang)
        label = s.element or "model"
        fig = timeline.panel_figure(
            lang,
            ((s.variable, s.element, label),),
            how.scale,
            how.kind,
            ds,
            points,
            facts,
            height=260,
        )
        out.append((how.title, fig))
    return out


@lru_cache(maxsize=64)
def chapter_text(chapter_id: str, lang: str) -> list:
    """The chapter's text in ``lang`` down to its charts: number, title, period, paragraphs
    and the source text's sentences (built once and kept)."""
    _ = translator(lang)
    lesson = load_lesson(lang)
    c = lesson.chapter(chapter_id)
    return [
        html.P(
            _("Chapter {number} of {count}").format(number=c.number, count=len(lesson.chapters)),
            className="kz-chapter-number",
        ),
        html.H2(c.title, className="kz-lesson-title", id="story-title"),
        html.P(f"{c.period[0]}-{c.period[1]}", className="kz-period"),
        html.Div([html.P(p) for p in c.paragraphs], className="kz-lesson-text"),
        html.H3(_("What the text says")),
        html.Div([quote_block(q, lang) for q in c.quotes], className="kz-quotes"),
        html.H3(_("What the model shows")),
        html.P(
            _("The lines are the model's historical run; the points are facts of the record. "),
            className="kz-muted",
        ),
    ]


def chapter_questions(chapter_id: str, lang: str) -> list:
    return [html.Li(q) for q in load_lesson(lang).chapter(chapter_id).questions]


@lru_cache(maxsize=64)
def chapter_charts(chapter_id: str, lang: str) -> list:
    """The chapter's charts in ``lang``, each a figure with its heading (built once and kept)."""
    c = load_lesson(lang).chapter(chapter_id)
    return [
        html.Figure(
            [
                html.H4(title, className="kz-chart-title", id=chart_id(i) + "-title"),
                dcc.Graph(
                    id=chart_id(i),
                    figure=fig,
                    config=graph_config(f"kazind-{c.id}-{i + 1}", lang),
                    className="kz-graph",
                    style={"height": f"{fig['layout'].get('height', 260)}px"},
                ),
            ],
            className="kz-chart",
            **{"aria-labelledby": chart_id(i) + "-title"},
        )
        for i, (title, fig) in enumerate(chapter_figures(c, lang))
    ]


@lru_cache(maxsize=32)
def year_map(year: int, lang: str) -> dict:
    """The whole map of ``year`` (its static layer and its year's), built once and kept."""
    from kazind.explorer.pages import map as map_page

    return map_page.map_figure(
        lang,
        year,
        data.historical_run(),
        data.gazetteer(),
        data.railways(),
        data.outline(),
        data.waters(),
    )


def chapter_map(chapter: Chapter, lang: str) -> dict:
    return year_map(chapter.map_year, lang)


def map_heading(year: int, lang: str) -> str:
    return translator(lang)("The map in {year}").format(year=year)


def chapter_map_block(chapter: Chapter, lang: str) -> html.Figure:
    """The map's place in the chapter: its heading, and a box that :func:`draw` fills
    with the map (:func:`map_graph`) once the text is on the page. The map then stays
    from chapter to chapter, and a chapter of another year changes only its year layer."""
    return html.Figure(
        [
            html.H4(
                map_heading(chapter.map_year, lang),
                className="kz-chart-title",
                id=MAP_ID + "-title",
            ),
            html.Div([], id=MAP_ID),
        ],
        className="kz-chart",
        **{"aria-labelledby": MAP_ID + "-title"},
    )


def map_graph(chapter: Chapter, lang: str) -> dcc.Graph:
    """The map at the chapter's year (a pattern id: the box holds it or nothing yet)."""
    return dcc.Graph(
        id=MAP_GRAPH,
        figure=chapter_map(chapter, lang),
        config=graph_config("kazind-story-map", lang),
        className="kz-graph kz-story-map",
    )


def warm_up(langs: tuple[str, ...] = ("kk", "ru", "en")) -> None:
    """Build every chapter once (its text, charts and map), so that a class's first clicks are quick."""
    for lang in langs:
        for c in load_lesson(lang).chapters:
            chapter_text(c.id, lang)
            chapter_charts(c.id, lang)
            chapter_map(c, lang)


def nav_buttons(lang: str) -> html.Div:
    _ = translator(lang)
    return html.Div(
        [
            html.Button(
                "← " + _("Previous chapter"),
                id=PREV,
                n_clicks=0,
                className="kz-button",
                type="button",
            ),
            html.Button(
                _("Next chapter") + " →", id=NEXT, n_clicks=0, className="kz-button", type="button"
            ),
        ],
        className="kz-story-nav",
    )


def layout(lang: str) -> list:
    """The story tab with the text of the chapter of the view already in it; its charts
    and map follow in one request (:func:`draw`), once the text is on the screen."""
    _ = translator(lang)
    lesson = load_lesson(lang)
    chapter = _chapter_of_view()
    contents = html.Nav(
        [
            html.H2(lesson.story_title, className="kz-toc-title"),
            html.Ol(
                [
                    html.Li(
                        html.Button(
                            c.title,
                            id={"type": GOTO, "index": c.id},
                            n_clicks=0,
                            type="button",
                            className=toc_class(c.id, chapter),
                            **{"data-chapter": c.id},
                        )
                    )
                    for c in lesson.chapters
                ],
                className="kz-toc",
            ),
        ],
        className="kz-story-toc",
        **{"aria-label": lesson.story_title},
    )
    return [
        message_line(MESSAGE),
        html.Div(
            [
                contents,
                html.Article(
                    [
                        nav_buttons(lang),
                        html.Div(
                            chapter_text(chapter, lang), id=CONTENT, **{"aria-live": "polite"}
                        ),
                        html.Div([], id=CHARTS, className="kz-grid"),
                        chapter_map_block(lesson.chapter(chapter), lang),
                        html.H3(_("Questions")),
                        html.Ol(
                            chapter_questions(chapter, lang),
                            className="kz-questions",
                            id=QUESTIONS,
                        ),
                        nav_buttons_bottom(lang),
                    ],
                    className="kz-story-chapter",
                ),
            ],
            className="kz-story",
        ),
        dcc.Store(id=RENDERED, data=[chapter, lang]),
        dcc.Store(id=DRAWN, data=None),  # nothing drawn yet: draw() draws it all
        dcc.Store(id=SHOWN, data=chapter),
    ]


def toc_class(chapter: str, current: str) -> str:
    return "kz-toc-item kz-toc-item--current" if chapter == current else "kz-toc-item"


def _chapter_of_view() -> str:
    """The chapter of the view the panel is built for (the URL's, or the browser's state)."""
    from kazind.explorer.state import url_state

    chapter = url_state().get("chapter")
    return chapter if chapter in CHAPTERS else CHAPTER.default


def nav_buttons_bottom(lang: str) -> html.Div:
    _ = translator(lang)
    return html.Div(
        [
            html.Button(
                "← " + _("Previous chapter"),
                id=PREV + "-bottom",
                n_clicks=0,
                className="kz-button",
                type="button",
            ),
            html.Button(
                _("Next chapter") + " →",
                id=NEXT + "-bottom",
                n_clicks=0,
                className="kz-button",
                type="button",
            ),
        ],
        className="kz-story-nav",
    )


# ---------------------------------------------------------------- callbacks


def _render_problem(msg):
    return no_update, no_update, no_update, msg, [no_update] * len(CHAPTERS)


@guarded(_render_problem)
def render(chapter, lang, rendered):
    """The text and questions of the chapter of the URL state, unless it is already on the
    page (its charts and map follow, :func:`draw`, once the text is on the screen)."""
    lang = check_lang(lang)
    if isinstance(chapter, dict):  # a whole state (as the tests and older callers pass it)
        chapter = chapter.get("chapter")
    chapter = chapter if chapter in CHAPTERS else CHAPTER.default
    key = [chapter, lang]
    if rendered == key:
        return no_update, no_update, no_update, no_update, [no_update] * len(CHAPTERS)
    toc = [toc_class(c, chapter) for c in CHAPTERS]
    return chapter_text(chapter, lang), chapter_questions(chapter, lang), key, "", toc


def _draw_problem(msg):
    return no_update, no_update, no_update, no_update, no_update, msg


@guarded(_draw_problem)
def draw(rendered, drawn, maps=()):
    """The charts and the map of the chapter whose text is on the page (``rendered``),
    against what is drawn (``drawn``: chapter, language, map year; ``maps``: the maps in
    the map's box, none or one): the charts when the chapter changed; the map not at all
    when its year is the same, else only its year layer
    (:func:`kazind.explorer.pages.map.year_patch`); the whole map in a new language or
    when none is drawn yet. Returns (charts, the box's map, each map's figure, heading,
    what is drawn, message)."""
    from kazind.explorer.pages import map as map_page

    maps = list(maps or [])
    nothing = (no_update, no_update, [no_update] * len(maps), no_update, no_update, "")
    if not isinstance(rendered, list) or len(rendered) != 2 or rendered[0] not in CHAPTERS:
        return nothing
    chapter, lang = rendered[0], check_lang(rendered[1])
    c = load_lesson(lang).chapter(chapter)
    drawn = drawn if isinstance(drawn, list) and len(drawn) == 3 else [None, None, None]
    if drawn == [chapter, lang, c.map_year] and maps:
        return nothing
    charts = chapter_charts(chapter, lang) if drawn[:2] != [chapter, lang] else no_update
    box, figures = no_update, [no_update] * len(maps)
    if drawn[1] != lang or not maps:
        box = [map_graph(c, lang)]
    elif drawn[2] != c.map_year:
        patch = map_page.year_patch(
            lang,
            c.map_year,
            data.historical_run(),
            data.gazetteer(),
            data.railways(),
            map_page.n_static(),
        )
        figures = [patch for _m in maps]
    changed = box is not no_update or any(f is not no_update for f in figures)
    heading = map_heading(c.map_year, lang) if changed else no_update
    return charts, box, figures, heading, [chapter, lang, c.map_year], ""


#: Previous, next and the chapter list: set ``chapter`` in the state and the URL, in the browser.
GO_JS = """
function(...args) {
    const CHAPTERS = __CHAPTERS__, DEFAULTS = __DEFAULTS__;
    const st = Object.assign({}, args[args.length - 1] || {});
    const i = Math.max(0, CHAPTERS.indexOf(st.chapter || CHAPTERS[0]));
    const trig = (window.dash_clientside.callback_context.triggered || []).filter(t => t.value);
    if (!trig.length) { return [window.dash_clientside.no_update, window.dash_clientside.no_update]; }
    const id = trig[0].prop_id.split('.n_clicks')[0];
    let next = CHAPTERS[i];
    if (id.startsWith('__PREV__')) { next = CHAPTERS[Math.max(0, i - 1)]; }
    else if (id.startsWith('__NEXT__')) { next = CHAPTERS[Math.min(CHAPTERS.length - 1, i + 1)]; }
    else { try { next = JSON.parse(id).index; } catch (e) { return [window.dash_clientside.no_update, window.dash_clientside.no_update]; } }
    st.chapter = next; st.tab = 'story';
    const p = new URLSearchParams();
    for (const [k, d] of Object.entries(DEFAULTS)) { if (st[k] !== undefined && st[k] !== d) { p.set(k, st[k]); } }
    const s = p.toString();
    window.scrollTo({top: 0});
    return [st, s ? '?' + s : ''];
}
"""


def go_js() -> str:
    defaults = {k.name: k.default for k in state.keys().values()}
    return (
        GO_JS.replace("__CHAPTERS__", json.dumps(CHAPTERS))
        .replace("__DEFAULTS__", json.dumps(defaults))
        .replace("__PREV__", PREV)
        .replace("__NEXT__", NEXT)
    )


#: The chapter of the state, only when it changes (a change of tab or year costs no request).
SHOWN_JS = """
function(st, shown) {
    const CHAPTERS = __CHAPTERS__;
    const c = (st && CHAPTERS.includes(st.chapter)) ? st.chapter : CHAPTERS[0];
    return c === shown ? window.dash_clientside.no_update : c;
}
"""


def register(app) -> None:
    map_year.register(app)  # the map's year in the links a teacher shares
    app.clientside_callback(
        SHOWN_JS.replace("__CHAPTERS__", json.dumps(CHAPTERS)),
        Output(SHOWN, "data"),
        Input(I.STATE, "data"),
        State(SHOWN, "data"),
    )
    app.callback(
        Output(CONTENT, "children"),
        Output(QUESTIONS, "children"),
        Output(RENDERED, "data"),
        Output(MESSAGE, "children"),
        Output({"type": GOTO, "index": ALL}, "className"),
        Input(SHOWN, "data"),
        Input(I.panel_lang("story"), "data"),
        State(RENDERED, "data"),
        prevent_initial_call=True,  # the panel is built with its chapter
    )(render)
    # after the text: a second request, sent once the new text is on the page
    app.callback(
        Output(CHARTS, "children"),
        Output(MAP_ID, "children"),
        Output({"type": MAP_GRAPH["type"], "index": ALL}, "figure"),
        Output(MAP_ID + "-title", "children"),
        Output(DRAWN, "data"),
        Output(MESSAGE, "children", allow_duplicate=True),
        Input(RENDERED, "data"),
        State(DRAWN, "data"),
        State({"type": MAP_GRAPH["type"], "index": ALL}, "id"),
        # also when the panel is built (a first visit, a language): its text comes first
        prevent_initial_call="initial_duplicate",
    )(draw)
    app.clientside_callback(
        go_js(),
        Output(I.STATE, "data", allow_duplicate=True),
        Output(I.URL, "search", allow_duplicate=True),
        Input(PREV, "n_clicks"),
        Input(NEXT, "n_clicks"),
        Input(PREV + "-bottom", "n_clicks"),
        Input(NEXT + "-bottom", "n_clicks"),
        Input({"type": GOTO, "index": ALL}, "n_clicks"),
        State(I.STATE, "data"),
        prevent_initial_call=True,
    )


PAGE = Page(key="story", label="Story", layout=layout, register=register)
