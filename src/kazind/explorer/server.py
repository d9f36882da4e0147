"""``kazind serve``: the explorer on gunicorn, the app preloaded and shared by N workers.

The app is built and warmed up once in gunicorn's master process (``preload_app``:
the model compiled, the shipped scenarios run, the record loaded); the workers are
forked from it and so start with every cache warm. Each worker runs a few threads
(``gthread``): a lever change holds one Python interpreter while it runs, so N workers
answer up to N at once on N cores. gunicorn's master watches the workers: one that dies
(even by SIGKILL) is logged and replaced, and one that hangs past the timeout is killed
and replaced.

A request is refused before it is read when it is too large: the request line and
headers by gunicorn's limits, the body by :class:`BodyLimit` (413 for a declared
length above :data:`~kazind.explorer.app.MAX_BODY_BYTES`; Flask's
``MAX_CONTENT_LENGTH`` stops a body sent in chunks). The server binds 127.0.0.1
unless told otherwise.
"""

from __future__ import annotations

import logging
import sys

from gunicorn.app.base import BaseApplication

from kazind.explorer.app import MAX_BODY_BYTES, create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8050
#: Threads per worker: readers waiting on the network do not hold up a lever change.
THREADS = 4
#: Seconds a worker may take for one request before the master replaces it.
TIMEOUT_S = 120


class BodyLimit:
    """WSGI middleware: answer 413 at once to a body declared larger than ``limit``, unread."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    def __call__(self, environ, start_response):
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > self.limit:
            body = b"Request too large\n" if length > self.limit else b"Bad Content-Length\n"
            start_response(
                "413 Request Entity Too Large" if length > self.limit else "400 Bad Request",
                [
                    ("Content-Type", "text/plain; charset=utf-8"),
                    ("Content-Length", str(len(body))),
                    ("Connection", "close"),
                ],
            )
            return [body]
        return self.app(environ, start_response)


class ExplorerServer(BaseApplication):
    """gunicorn running the explorer app, built once in the master (``preload_app``)."""

    def __init__(self, host: str, port: int, workers: int) -> None:
        self.options = {
            "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": THREADS,
            "preload_app": True,
            "timeout": TIMEOUT_S,
            "graceful_timeout": 10,
            "keepalive": 5,
            # request line and headers: gunicorn refuses longer ones with 400/431 unread
            "limit_request_line": 4094,
            "limit_request_fields": 100,
            "limit_request_field_size": 8190,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "info",
            "proc_name": "kazind-serve",
            # no control socket in the home directory: nothing to manage from outside, and
            # several servers (tests, a classroom's second port) must not share one
            "control_socket_disable": True,
        }
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        logging.basicConfig(
            level=logging.INFO,
            stream=sys.stderr,
            format="%(asctime)s %(name)s %(levelname)s %(message)s",
        )
        app = create_app()
        return BodyLimit(app.server)


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, workers: int = 1) -> None:
    """Build the app and serve it with ``workers`` processes until interrupted (Ctrl+C)."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    ExplorerServer(host, port, workers).run()
