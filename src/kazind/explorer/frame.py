"""The page around the tabs: the title bar, the language, the tab list and the panels.

The state a reader can share (language, tab, and whatever keys the tabs declare) lives
in the URL (:mod:`kazind.explorer.state`). The page is rendered for the URL it was
opened with, so ``/?lang=ru&tab=map`` opens in Russian on the map; a change of tab
only shows another panel (in the browser, no request), a change of language renders
the body again in that language (the controls keep their values through Dash's
persistence). The tabs follow the WAI-ARIA tabs pattern: ``role="tab"`` buttons in a
``role="tablist"``, ``role="tabpanel"`` panels, arrow keys, Home and End to move
(``assets/kazind.js``).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from dash import Input, Output, State, dcc, html

from kazind.explorer import ids as I
from kazind.explorer import state
from kazind.explorer.i18n import DEFAULT_LANG, LANG_NAMES, LANGS, translator
from kazind.explorer.pages import PAGES, page_keys

#: The page's title in the reader's language (message id).
TITLE = "Industrialization of Kazakhstan, 1913-1940"

TAB = state.declare("tab", page_keys()[0], tuple(page_keys()))


def title(lang: str) -> str:
    return translator(lang)(TITLE)


def tab_bar(lang: str, selected: str) -> html.Div:
    _ = translator(lang)
    return html.Div(
        [
            html.Button(
                _(p.label), id=I.tab(p.key), n_clicks=0, role="tab", type="button",
                className="kz-tab" + (" kz-tab--selected" if p.key == selected else ""),
                tabIndex="0" if p.key == selected else "-1",
                **{"aria-selected": "true" if p.key == selected else "false", "aria-controls": I.panel(p.key),
                   "data-tab": p.key},
            )  # fmt: skip
            for p in PAGES
        ],
        id=I.TABS, role="tablist", className="kz-tablist", **{"aria-label": _("Parts of the explorer")},
    )


def body(lang: str, selected: str | None = None) -> list:
    """The body in ``lang``: the intro line, the tab list and every tab's panel."""
    _ = translator(lang)
    selected = selected if selected in page_keys() else TAB.default
    panels = [
        html.Section(
            p.layout(lang), id=I.panel(p.key), role="tabpanel", hidden=p.key != selected, className="kz-panel",
            tabIndex="0", **{"aria-labelledby": I.tab(p.key)},
        )  # fmt: skip
        for p in PAGES
    ]
    intro = html.P(
        _("Kazakhstan's industrialization, 1913-1940: the record of a Kazakh-language history and a "
          "calibrated model of the economy built on it."),
        id=I.INTRO, className="kz-intro",
    )  # fmt: skip
    return [intro, tab_bar(lang, selected), *panels]


def top_bar(lang: str) -> html.Header:
    _ = translator(lang)
    return html.Header(
        [
            html.H1(title(lang), id=I.TITLE, className="kz-title"),
            html.Div(
                [
                    html.Span(_("Language"), id=I.LANG + "-label", className="kz-visually-hidden"),
                    # each language named in itself, all three always in view (a phone too)
                    dcc.RadioItems(
                        id=I.LANG,
                        options=[{"label": html.Span(LANG_NAMES[x], lang=x), "value": x} for x in LANGS],
                        value=lang, inline=True, className="kz-lang", labelClassName="kz-lang-option",
                    ),  # fmt: skip
                ],
                className="kz-lang-box",
            ),
        ],
        className="kz-bar",
    )


def url_state() -> dict[str, str]:
    """The state of the URL being rendered: the query of the page that asks for its layout
    (Dash's layout request carries the page's address as its Referer), else the defaults."""
    try:
        from flask import request

        ref = request.referrer or ""
        query = urlsplit(ref).query if ref else request.query_string.decode("ascii", "replace")
    except (RuntimeError, UnicodeDecodeError):  # no request: building the app
        query = ""
    return state.parse(query)


def page() -> html.Div:
    """The whole layout, rendered for the URL's language and tab."""
    st = url_state()
    lang = st.get("lang", DEFAULT_LANG)
    return html.Div(
        [
            dcc.Location(id=I.URL, refresh=False),
            dcc.Store(id=I.STATE, data=st),
            dcc.Store(id=I.PAGE_LANG, data=lang),
            html.A(translator(lang)("Skip to the content"), href="#" + I.BODY, className="kz-skip"),
            top_bar(lang),
            html.Main(body(lang, st.get("tab")), id=I.BODY, className="kz-body"),
            html.Div(id=I.DOC_SYNC, hidden=True),
        ],
        className="kz-page",
    )


# ---------------------------------------------------------------- callbacks


def render_body(lang, st):
    """The body and the title in a newly chosen language."""
    from kazind.explorer.i18n import check_lang

    lang = check_lang(lang)
    tab = st.get("tab") if isinstance(st, dict) else None
    return body(lang, tab), title(lang)


SHOW_TAB_JS = """
function(st) {
    const TABS = %s;
    const tab = (st && TABS.includes(st.tab)) ? st.tab : TABS[0];
    const out = [];
    TABS.forEach(k => out.push(k === tab ? 'true' : 'false'));
    TABS.forEach(k => out.push(k === tab ? '0' : '-1'));
    TABS.forEach(k => out.push(k === tab ? 'kz-tab kz-tab--selected' : 'kz-tab'));
    TABS.forEach(k => out.push(k !== tab));
    // a tab shown for the first time: let its charts take the panel's width
    setTimeout(() => window.dispatchEvent(new Event('resize')), 0);
    return out;
}
"""

DOC_JS = """
function(lang) {
    const TITLES = %s;
    if (lang in TITLES) {
        document.documentElement.lang = lang;
        document.title = TITLES[lang];
    }
    return '';
}
"""


def register(app) -> None:
    keys = page_keys()
    app.clientside_callback(
        state.sync_js(keys),
        Output(I.STATE, "data"),
        Output(I.URL, "search"),
        Output(I.LANG, "value"),
        Output(I.PAGE_LANG, "data"),
        Input(I.URL, "search"),
        Input(I.LANG, "value"),
        *[Input(I.tab(k), "n_clicks") for k in keys],
        State(I.STATE, "data"),
        State(I.PAGE_LANG, "data"),
    )
    app.callback(
        Output(I.BODY, "children"), Output(I.TITLE, "children"), Input(I.PAGE_LANG, "data"), State(I.STATE, "data"),
        prevent_initial_call=True,
    )(render_body)
    app.clientside_callback(
        SHOW_TAB_JS % json.dumps(keys),
        *[Output(I.tab(k), "aria-selected") for k in keys],
        *[Output(I.tab(k), "tabIndex") for k in keys],
        *[Output(I.tab(k), "className") for k in keys],
        *[Output(I.panel(k), "hidden") for k in keys],
        Input(I.STATE, "data"),
    )
    app.clientside_callback(
        DOC_JS % json.dumps({x: title(x) for x in LANGS}, ensure_ascii=False),
        Output(I.DOC_SYNC, "children"),
        Input(I.PAGE_LANG, "data"),
    )
    for p in PAGES:
        p.register(app)
