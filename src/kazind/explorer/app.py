"""The Dash app of the explorer.

:func:`create_app` compiles the model, runs what the page shows once (so the first
reader waits for nothing) and builds the app: the frame and its tabs
(:mod:`kazind.explorer.frame`, :mod:`kazind.explorer.pages`), the page's style and
keyboard script (``assets/``), and plotly's texts in the page's language (a locale
script served by the app itself). Nothing is fetched from the network: Dash serves
its own JavaScript, and the map draws its outline and waters as line traces on
longitude/latitude axes (no tiles, no topojson). :mod:`kazind.explorer.server` serves
it.
"""

from __future__ import annotations

import html
from pathlib import Path

import dash
from flask import Response

from kazind.explorer import data, frame, state
from kazind.explorer.i18n import DEFAULT_LANG, plotly_locales_js, translator

ASSETS = Path(__file__).resolve().parent / "assets"
#: Where the app serves plotly's locales (kk from the .po files, ru from plotly.js-locales)
#: and the texts of the page's own script.
LOCALES_URL = "/_kazind/locales.js"
#: The largest request body the app accepts (a callback's JSON is a few kB).
MAX_BODY_BYTES = 2 * 1024 * 1024


def warm_up() -> None:
    """Compile the model, run what every page shows and build every tab once in every
    language, so that no reader waits for a first time: the first visit of a tab costs
    its own request, not an import, a model run or a chart built for the first time."""
    data.historical_run()
    data.fact_points()
    for name in data.scenario_names():  # a broken user scenario is left out and logged here
        data.scenario_run(name)
    data.ensemble_available()  # imports the ensemble's packages (dask: about 2 s)
    from kazind.explorer.i18n import LANGS
    from kazind.explorer.pages import PAGES, story, timeline

    story.warm_up()
    for lang in LANGS:
        timeline.panels(lang)
        for p in PAGES:
            p.layout(lang)


class ExplorerDash(dash.Dash):
    """Dash with the first HTML in the reader's language: ``<html lang>``, the title and
    the loading line follow the URL's ``?lang=`` before any script runs."""

    def interpolate_index(self, **kwargs):
        lang = state.url_state().get("lang", DEFAULT_LANG)
        _ = translator(lang)
        kwargs["title"] = html.escape(frame.title(lang))
        kwargs["app_entry"] = kwargs.get("app_entry", "").replace(
            "Loading...", html.escape(_("Loading..."))
        )
        page = super().interpolate_index(**kwargs)
        return page.replace("<html>", f'<html lang="{lang}">', 1)


def create_app(warm: bool = True) -> dash.Dash:
    """The explorer app, its layout and callbacks."""
    if warm:
        warm_up()
    app = ExplorerDash(
        __name__,
        title=frame.title(DEFAULT_LANG),
        update_title=None,
        serve_locally=True,
        suppress_callback_exceptions=True,
        assets_folder=str(ASSETS),
        external_scripts=[LOCALES_URL],
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    script = plotly_locales_js()

    @app.server.route(LOCALES_URL)
    def _plotly_locales():  # the same text for every request: cached by the browser for a day
        return Response(
            script, mimetype="application/javascript", headers={"Cache-Control": "max-age=86400"}
        )

    app.layout = frame.page
    frame.register(app)
    return app
