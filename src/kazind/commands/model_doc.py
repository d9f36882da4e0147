"""``kazind model-doc``: write the model's documentation page.

The page lists every variable of the built model (the equations of ``kazakhstan.yaml``
with the record's schedules filled in) with its equation, unit, description and
source, and draws a stock-and-flow diagram of each sector of the model file. HTML is
one self-contained file; Markdown writes its diagrams as ``<stem>-<sector>.svg``
beside it. Every file is written atomically, so an interrupted run leaves no partial
page.
"""

from __future__ import annotations

from pathlib import Path

import typer

from kazind.common import atomic_write
from kazind.common.errors import KazindError

FORMATS = ("html", "markdown")


def write_model_doc(out: Path, fmt: str) -> dict[str, int]:
    """Write the documentation of the Kazakhstan model to ``out``; return the counts."""
    from kazind.engine.document import describe, to_html, to_markdown
    from kazind.model.build import build_spec
    from kazind.model.sectors import variable_sectors

    if fmt not in FORMATS:
        raise KazindError(f"unknown format {fmt!r}; valid formats: {', '.join(FORMATS)}")
    from kazind.common.atomic import check_output_file

    check_output_file(out)
    spec = build_spec()
    sectors = variable_sectors()
    try:
        if fmt == "html":
            with atomic_write(out) as fh:
                fh.write(to_html(spec, sectors))
        else:
            text, files = to_markdown(spec, sectors, stem=out.stem)
            for name, svg in files.items():  # diagrams first: the page refers to them
                with atomic_write(out.parent / name) as fh:
                    fh.write(svg)
            with atomic_write(out) as fh:
                fh.write(text)
    except OSError as exc:
        raise KazindError(f"cannot write {out}: {exc.strerror or exc}") from None
    return describe(spec, sectors).counts()


def model_doc_command(
    out: Path = typer.Option(Path("model-doc.html"), "--out", help="file to write"),
    fmt: str = typer.Option("html", "--format", help="html or markdown"),
) -> None:
    """Write a page listing every model variable, with stock-and-flow diagrams of the sectors."""
    counts = write_model_doc(out, fmt)
    typer.echo(
        f"wrote {out}: {counts['variables']} variables, {counts['stocks']} stocks, "
        f"{counts['flows']} flows, {counts['sectors']} sectors"
    )


def register(app: typer.Typer) -> None:
    """Add ``model-doc`` to the ``kazind`` command line."""
    app.command("model-doc")(model_doc_command)
