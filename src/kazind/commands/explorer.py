"""``kazind serve`` (the explorer web page) and ``kazind report`` (the same as one HTML file).

``kazind serve [--host 127.0.0.1] [--port 8050] [--workers 1]`` compiles the model, runs the shipped
scenarios once and serves the explorer; it binds 127.0.0.1 unless told otherwise.
``kazind report SCENARIO... --out FILE.html [--lang kk|ru|en]`` writes the timeline, the
map at a few years, the fit report and the scenario comparison as one self-contained
HTML file (plotly's JavaScript inlined once), atomically.
"""

from __future__ import annotations

from pathlib import Path

import typer

from kazind.common.errors import KazindError

LANGS = ("kk", "ru", "en")


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="address to bind (default: this machine only)"),
    port: int = typer.Option(8050, "--port", help="port to listen on"),
    workers: int = typer.Option(
        1, "--workers", help="processes answering requests at once (1: one threaded process; more use more cores)"
    ),
) -> None:
    """Serve the explorer (timeline, map, scenarios, record, model) in Kazakh, Russian and English."""
    if not 1 <= port <= 65535:
        raise KazindError(f"--port must be 1-65535, got {port}")
    if not host.strip():
        raise KazindError("--host must not be empty")
    if not 1 <= workers <= 64:
        raise KazindError(f"--workers must be 1-64, got {workers}")
    from kazind.explorer.app import serve

    typer.echo(f"kazind explorer: open http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    try:
        serve(host=host, port=port, workers=workers)
    except OSError as exc:
        raise KazindError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


def report_command(
    scenarios: list[str] = typer.Argument(None, help="scenario names to compare (historical first is usual)"),
    out: Path = typer.Option(None, "--out", help="HTML file to write"),
    lang: str = typer.Option("kk", "--lang", help="kk, ru or en (several: kk,ru,en)"),
) -> None:
    """Write the explorer's charts, the fit report and a scenario comparison as one offline HTML file."""
    from kazind.explorer.report import write_report

    langs = [part.strip() for part in lang.split(",") if part.strip()]
    bad = [x for x in langs if x not in LANGS]
    if not langs or bad:
        raise KazindError(f"unknown language {(bad or [lang])[0]!r}; choose kk, ru or en")
    if not scenarios:
        raise KazindError("report: name at least one scenario, e.g. 'kazind report historical --out report.html'")
    if out is None:
        raise KazindError("report: --out FILE.html is required")
    from kazind.common.atomic import check_output_file

    check_output_file(out)
    size = write_report(scenarios, out, langs)
    typer.echo(f"wrote {out} ({size / 1e6:.1f} MB, {', '.join(langs)})")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``report`` to the ``kazind`` command line."""
    app.command("serve")(serve_command)
    app.command("report")(report_command)
