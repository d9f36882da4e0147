"""The Dash app of the explorer and the server that runs it.

:func:`create_app` compiles the model and builds the page once; :func:`serve` runs it
with Flask's server on 127.0.0.1 unless told otherwise. Nothing is fetched from the
network: Dash serves its own JavaScript, and the map draws the outline as a line trace
on longitude/latitude axes (no tiles, no topojson).
"""

from __future__ import annotations

import dash

from kazind.explorer import callbacks, data, layout

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050


def warm_up() -> None:
    """Compile the model and run what every page shows, so the first request is quick."""
    data.historical_run()
    data.fact_points()
    for name in data.scenario_names():
        data.scenario_run(name)


def create_app(warm: bool = True) -> dash.Dash:
    """The explorer app, its layout and callbacks."""
    if warm:
        warm_up()
    app = dash.Dash(
        __name__,
        title="kazind",
        update_title=None,
        serve_locally=True,
        suppress_callback_exceptions=True,
    )
    app.layout = layout.page
    callbacks.register(app)
    return app


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, debug: bool = False) -> None:
    """Build the app and serve it until interrupted."""
    app = create_app()
    app.run(host=host, port=port, debug=debug, use_reloader=False)
