"""``kazind serve`` (the explorer web page) and ``kazind report`` (the same as one HTML file).

``kazind serve [--host 127.0.0.1] [--port 8050] [--workers 1]`` compiles the model, runs the shipped
scenarios once and serves the explorer on gunicorn (the app preloaded, N workers forked
from it); it binds 127.0.0.1 unless told otherwise (``--host 0.0.0.0`` for a classroom's
network: every machine that reaches this one can then open the page).
``kazind report SCENARIO... --out FILE [--lang kk|ru|en] [--format html|pdf|interactive]
[--chapters 1,3]`` writes the lesson's handout (:mod:`kazind.explorer.handout`) as one
offline HTML file or an A4 PDF; ``--format interactive`` writes the explorer's charts,
the map at a few years, the fit report and the scenario comparison as one
self-contained HTML file (plotly's JavaScript inlined once). Both are written atomically.
"""

from __future__ import annotations

from pathlib import Path

import typer

from kazind.common.errors import KazindError
from kazind.common.langs import LANGS


def serve_command(
    host: str = typer.Option(
        "127.0.0.1",
        "--host",
        help="address to bind (default 127.0.0.1: this machine only; 0.0.0.0: every network of this machine)",
    ),
    port: int = typer.Option(8050, "--port", help="port to listen on"),
    workers: int = typer.Option(
        1,
        "--workers",
        help="processes answering requests at once (each a few threads; at most the number of cores)",
    ),
) -> None:
    """Serve the explorer (timeline, map, scenarios, record, model) in Kazakh, Russian and English."""
    if not 1 <= port <= 65535:
        raise KazindError(f"--port must be 1-65535, got {port}")
    if not host.strip() or any(c.isspace() for c in host) or len(host) > 255:
        raise KazindError(f"--host must be an address or a host name, got {host!r}")
    if not 1 <= workers <= 64:
        raise KazindError(f"--workers must be 1-64, got {workers}")
    import socket

    from kazind.explorer.server import serve

    try:  # refuse a busy port or a foreign address in one line, before the model is built
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise KazindError(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    typer.echo(f"kazind explorer: open http://{shown}:{port}/ (Ctrl+C to stop)", err=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(
            f"kazind explorer: listening on {host}: other machines of the network can open it too",
            err=True,
        )
    serve(host=host, port=port, workers=workers)


REPORT_FORMATS = ("html", "pdf", "interactive")


def report_command(
    scenarios: list[str] = typer.Argument(
        None, help="scenario names to compare (historical first is usual)"
    ),
    out: Path = typer.Option(
        None, "--out", help="file to write (.html, or .pdf with --format pdf)"
    ),
    lang: str = typer.Option(
        "kk", "--lang", help="kk, ru or en (interactive: several, e.g. kk,ru,en)"
    ),
    fmt: str = typer.Option(
        "html",
        "--format",
        help="html: the lesson's handout; pdf: the same on A4 (needs "
        "Chromium); interactive: the explorer's charts and fit report",
    ),
    chapters: str = typer.Option(
        None,
        "--chapters",
        help="the story's chapters to include: 1,3,5 or 2-4 or ids (default: all)",
    ),
) -> None:
    """Write the lesson's handout (introduction, chapters, key, scenarios, source sentences, questions) as one
    offline HTML file or an A4 PDF, or the explorer's interactive charts (--format interactive)."""
    langs = [part.strip() for part in lang.split(",") if part.strip()]
    bad = [x for x in langs if x not in LANGS]
    if not langs or bad:
        raise KazindError(f"unknown language {(bad or [lang])[0]!r}; choose kk, ru or en")
    if fmt not in REPORT_FORMATS:
        raise KazindError(f"--format must be html, pdf or interactive, got {fmt!r}")
    if not scenarios:
        raise KazindError(
            "report: name at least one scenario, e.g. 'kazind report historical --out report.html'"
        )
    if out is None:
        raise KazindError(f"report: --out FILE.{'pdf' if fmt == 'pdf' else 'html'} is required")
    from kazind.common.atomic import check_output_file

    check_output_file(out)
    if fmt == "interactive":
        if chapters is not None:
            raise KazindError(
                "--chapters is for the handout (--format html or pdf), not --format interactive"
            )
        from kazind.explorer.report import write_report

        size = write_report(scenarios, out, langs)
        typer.echo(f"wrote {out} ({size / 1e6:.1f} MB, {', '.join(langs)})")
        return
    if len(langs) > 1:
        raise KazindError(
            "the handout is in one language: give one of kk, ru, en to --lang (run once per language)"
        )
    from kazind.explorer.handout import write_handout

    size = write_handout(scenarios, out, langs[0], fmt=fmt, chapters=chapters)
    typer.echo(f"wrote {out} ({size / 1e6:.2f} MB, {fmt}, {langs[0]})")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``report`` to the ``kazind`` command line."""
    app.command("serve")(serve_command)
    app.command("report")(report_command)
