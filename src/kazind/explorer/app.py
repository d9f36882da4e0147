"""The Dash app of the explorer and the server that runs it.

:func:`create_app` compiles the model and builds the page once; :func:`serve` runs it
with Flask's server on 127.0.0.1 unless told otherwise. Nothing is fetched from the
network: Dash serves its own JavaScript, and the map draws the outline as a line trace
on longitude/latitude axes (no tiles, no topojson).
"""

from __future__ import annotations

import os
import signal
import threading
import time

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


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, debug: bool = False, workers: int = 1) -> None:
    """Build the app and serve it until interrupted.

    ``workers`` = 1: Flask's threaded server in this process. ``workers`` = N > 1: the app
    is built and warmed up once, the listening socket opened, then N - 1 copies of the
    process are forked; all N accept connections on the same socket (the kernel hands each
    connection to one of them), each with its own threads and caches. A lever change holds
    one Python interpreter while it runs, so N processes answer up to N at once on N cores.
    (Werkzeug's own ``processes=N`` forks a process per request, which pays for the fork
    and loses the caches every time: slower than one process.)"""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    app = create_app()
    if workers == 1 or not hasattr(os, "fork"):
        app.run(host=host, port=port, debug=debug, use_reloader=False)
        return
    _serve_forked(app, host, port, workers)


def _serve_forked(app: dash.Dash, host: str, port: int, workers: int) -> None:
    from werkzeug.serving import make_server

    server = make_server(host, port, app.server, threaded=True)  # binds and listens
    parent = os.getpid()
    children: list[int] = []
    for _ in range(workers - 1):
        pid = os.fork()
        if pid == 0:  # a worker: serve until the parent goes away
            threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
            try:
                server.serve_forever()
            finally:
                os._exit(0)
        children.append(pid)

    def stop(signum, frame):  # noqa: ARG001 - signal handler signature
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid in children:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        server.server_close()


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)
