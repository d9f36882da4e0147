"""The page around the tabs: the title bar, the language, the tab list and the panels.

The state a reader can share (language, tab, and whatever keys the tabs declare) lives
in the URL (:mod:`kazind.explorer.state`). The page is rendered for the URL it was
opened with, so ``/?lang=ru&tab=map`` opens in Russian on the map.

Only the visible tab's panel is built. Another tab's panel is built on its first visit
(one request: the browser asks for it through :data:`~kazind.explorer.ids.NEED` only
when the panel is not yet built in the page's language), and from then on a change of
tab only shows and hides panels in the browser, with no request. A change of language
builds the visible panel again in the new language (and the title, intro and tab
names), and empties the others, which are built again on their next visit: the
language costs one panel, not the whole page. Each built panel carries its language in
its own store (:func:`~kazind.explorer.ids.panel_lang`), which is what its tab's
callbacks read, so a panel's charts are drawn once, by the panel's first callbacks.

The tabs follow the WAI-ARIA tabs pattern: ``role="tab"`` buttons in a
``role="tablist"``, ``role="tabpanel"`` panels, arrow keys, Home and End to move
(``assets/kazind.js``).
"""

from __future__ import annotations

import json

from dash import Input, Output, State, dcc, html, no_update

from kazind.explorer import ids as I
from kazind.explorer import state
from kazind.explorer.i18n import DEFAULT_LANG, LANG_NAMES, LANGS, translator
from kazind.explorer.pages import PAGES, page_keys
from kazind.explorer.state import url_state

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
                _(p.label),
                id=I.tab(p.key),
                n_clicks=0,
                role="tab",
                type="button",
                className="kz-tab" + (" kz-tab--selected" if p.key == selected else ""),
                tabIndex="0" if p.key == selected else "-1",
                **{
                    "aria-selected": "true" if p.key == selected else "false",
                    "aria-controls": I.panel(p.key),
                    "data-tab": p.key,
                },
            )
            for p in PAGES
        ],
        id=I.TABS,
        role="tablist",
        className="kz-tablist",
        **{"aria-label": _("Parts of the explorer")},
    )


def intro(lang: str) -> str:
    _ = translator(lang)
    return _(
        "Kazakhstan's industrialization, 1913-1940: the record of a Kazakh-language history and a "
        "calibrated model of the economy built on it."
    )


def panel_children(key: str, lang: str) -> list:
    """A tab's panel built in ``lang``: its language's store, then the tab's content."""
    from kazind.explorer.pages import get

    return [dcc.Store(id=I.panel_lang(key), data=lang), *get(key).layout(lang)]


def body(lang: str, selected: str | None = None) -> list:
    """The body in ``lang``: the intro line, the tab list and the panels, the selected one
    built, every other empty until its first visit."""
    selected = selected if selected in page_keys() else TAB.default
    panels = [
        html.Section(
            panel_children(p.key, lang) if p.key == selected else [],
            id=I.panel(p.key),
            role="tabpanel",
            hidden=p.key != selected,
            className="kz-panel",
            tabIndex="0",
            **{"aria-labelledby": I.tab(p.key)},
        )
        for p in PAGES
    ]
    return [html.P(intro(lang), id=I.INTRO, className="kz-intro"), tab_bar(lang, selected), *panels]


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
                        options=[
                            {"label": html.Span(LANG_NAMES[x], lang=x), "value": x} for x in LANGS
                        ],
                        value=lang,
                        inline=True,
                        className="kz-lang",
                        labelClassName="kz-lang-option",
                    ),
                ],
                className="kz-lang-box",
            ),
        ],
        className="kz-bar",
    )


def page() -> html.Div:
    """The whole layout, rendered for the URL's language and tab."""
    st = url_state()
    lang = st.get("lang", DEFAULT_LANG)
    tab = st.get("tab") if st.get("tab") in page_keys() else TAB.default
    return html.Div(
        [
            dcc.Location(id=I.URL, refresh=False),
            dcc.Store(id=I.STATE, data=st),
            dcc.Store(id=I.PAGE_LANG, data=lang),
            dcc.Store(id=I.RENDERED, data={"lang": lang, "tabs": [tab]}),
            dcc.Store(id=I.NEED, data=None),
            html.A(translator(lang)("Skip to the content"), href="#" + I.BODY, className="kz-skip"),
            top_bar(lang),
            html.Main(body(lang, tab), id=I.BODY, className="kz-body"),
            html.Div(id=I.DOC_SYNC, hidden=True),
        ],
        className="kz-page",
    )


# ---------------------------------------------------------------- callbacks


def render_body(lang, st):
    """The body and the title in ``lang`` for the state ``st`` (the selected tab built)."""
    from kazind.explorer.i18n import check_lang

    lang = check_lang(lang)
    tab = st.get("tab") if isinstance(st, dict) else None
    return body(lang, tab), title(lang)


def fill(need, rendered, st):
    """Build the panel the browser needs (see the module docstring): (each panel's
    children, the record of what is built, the title, the intro, each tab's name)."""
    from kazind.explorer.i18n import check_lang

    keys = page_keys()
    nothing = [no_update] * (len(keys) + 3 + len(keys))
    if not isinstance(need, dict) or need.get("tab") not in keys:
        return nothing
    try:
        lang = check_lang(need.get("lang"))
    except Exception:  # noqa: BLE001 - a page that sends a bad language gets nothing new
        return nothing
    tab = need["tab"]
    rendered = rendered if isinstance(rendered, dict) else {}
    same_lang = rendered.get("lang") == lang
    built = list(rendered.get("tabs") or []) if same_lang else []
    if tab in built:
        return nothing
    with state.building(st if isinstance(st, dict) else {}):
        children = panel_children(tab, lang)
    panels = [children if k == tab else (no_update if same_lang else []) for k in keys]
    done = {"lang": lang, "tabs": [*built, tab]}
    if same_lang:
        return [*panels, done, no_update, no_update, *[no_update] * len(keys)]
    _ = translator(lang)
    return [*panels, done, title(lang), intro(lang), *[_(p.label) for p in PAGES]]


#: Show the state's tab and hide the others, in the page itself (the DOM, through
#: ``kazindShowTab`` of assets/kazind.js, which a click on a tab also calls at once), not
#: through Dash's props: a prop change re-renders a panel's whole tree in React (hundreds
#: of milliseconds for the start tab's text or the timeline's charts), a DOM attribute
#: costs nothing. The props are never changed afterwards, so React never writes them back.
SHOW_TAB_JS = """
function(st) {
    const TABS = %s;
    const tab = (st && TABS.includes(st.tab)) ? st.tab : TABS[0];
    if (window.kazindShowTab) { window.kazindShowTab(tab); }
    return window.dash_clientside.no_update;
}
"""

#: The panel to build, if the visible one is not built in the page's language (no request
#: otherwise: a tab already visited is only shown).
NEED_JS = """
function(st, lang, rendered) {
    const TABS = %s, nu = window.dash_clientside.no_update;
    const tab = (st && TABS.includes(st.tab)) ? st.tab : TABS[0];
    const r = rendered || {};
    if (r.lang === lang && (r.tabs || []).includes(tab)) { return nu; }
    return {tab: tab, lang: lang};
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
    app.clientside_callback(
        NEED_JS % json.dumps(keys),
        Output(I.NEED, "data"),
        Input(I.STATE, "data"),
        Input(I.PAGE_LANG, "data"),
        State(I.RENDERED, "data"),
        prevent_initial_call=True,
    )
    app.callback(
        *[Output(I.panel(k), "children") for k in keys],
        Output(I.RENDERED, "data"),
        Output(I.TITLE, "children"),
        Output(I.INTRO, "children"),
        *[Output(I.tab(k), "children") for k in keys],
        Input(I.NEED, "data"),
        State(I.RENDERED, "data"),
        State(I.STATE, "data"),
        prevent_initial_call=True,
    )(fill)
    app.clientside_callback(
        SHOW_TAB_JS % json.dumps(keys),
        Output(I.TABS, "data-shown"),
        Input(I.STATE, "data"),
    )
    app.clientside_callback(
        DOC_JS % json.dumps({x: title(x) for x in LANGS}, ensure_ascii=False),
        Output(I.DOC_SYNC, "children"),
        Input(I.PAGE_LANG, "data"),
    )
    for p in PAGES:
        p.register(app)
