"""A documented model as one self-contained HTML page or as Markdown with SVG files."""

from __future__ import annotations

import html
from collections.abc import Mapping

from kazind.engine.document.data import IDENT, ModelDoc, VariableDoc, describe, fmt_number, slug
from kazind.engine.document.layout import overview_diagram, sector_diagram
from kazind.engine.spec import ModelSpec

# ---------------------------------------------------------------------------------------
# HTML and Markdown
# ---------------------------------------------------------------------------------------


def _linked(text: str, names: set[str]) -> str:
    """Equation text, HTML-escaped, each variable name a link to its row."""
    out = []
    last = 0
    for m in IDENT.finditer(text):
        out.append(html.escape(text[last : m.start()]))
        word = m.group(0)
        if word in names:
            out.append(f'<a href="#var-{word}">{word}</a>')
        else:
            out.append(html.escape(word))
        last = m.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px;color:#222;
 line-height:1.4;max-width:1500px}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:2px solid #2f5d8a;
 padding-bottom:.2em}
table{border-collapse:collapse;width:100%;font-size:13px;margin:1em 0}
th,td{border:1px solid #d0d7de;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#eef2f6;position:sticky;top:0}
tr:target{background:#fff3c4}
code,.eq{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:12px}
.eq{white-space:pre-wrap;word-break:break-word}
.name{font-weight:600;white-space:nowrap}
.kind{white-space:nowrap;color:#555}
.refs{font-size:12px}
.refs a,.eq a{color:#1f5d99;text-decoration:none}.refs a:hover,.eq a:hover{text-decoration:underline}
.diagram{overflow-x:auto;border:1px solid #d0d7de;background:#fff;margin:1em 0;padding:4px}
.muted{color:#666;font-size:13px}
nav ul{columns:3;font-size:14px}
.legend{font-size:13px;color:#444}
"""

_LEGEND = (
    '<p class="legend">Boxes are stocks; double-line pipes with a valve are flows (from or to '
    "a cloud when the other end lies outside the model or in another sector, named in grey); "
    "circles are auxiliaries, diamonds constants, double circles lookups and time series; "
    "grey italic names belong to other sectors; thin red arrows are information links from a "
    "variable to the variables that use it. Click a name to go to its row.</p>"
)


def _definition_html(doc: VariableDoc, names: set[str]) -> str:
    rows = []
    for label, text in doc.definition:
        body = _linked(text, names) if doc.kind in ("stock", "flow", "aux") else html.escape(text)
        rows.append(f"<b>{html.escape(label)}:</b> {body}" if label else body)
    out = '<div class="eq">' + "<br>".join(rows) + "</div>"
    if doc.bounds:
        out += f'<div class="muted">bounds {html.escape(doc.bounds)}</div>'
    return out


def _refs_html(items: list[str]) -> str:
    return ", ".join(f'<a href="#var-{n}">{n}</a>' for n in items)


def _variable_table(model: ModelDoc, names_in: list[str]) -> str:
    names = set(model.variables)
    head = ("Variable", "Kind", "Unit", "Definition", "Description", "Source", "Uses", "Used by")
    out = ["<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr></thead><tbody>"]
    for n in names_in:
        d = model.variables[n]
        kind = d.kind + (f" [{', '.join(d.dims)}]" if d.dims else "")
        out.append(
            f'<tr id="var-{n}"><td class="name"><a href="#var-{n}">{n}</a></td>'
            f'<td class="kind">{html.escape(kind)}</td><td><code>{html.escape(d.unit)}</code></td>'
            f"<td>{_definition_html(d, names)}</td><td>{html.escape(d.description)}</td>"
            f'<td>{html.escape(d.source)}</td><td class="refs">{_refs_html(d.uses)}</td>'
            f'<td class="refs">{_refs_html(d.used_by)}</td></tr>'
        )
    out.append("</tbody></table>")
    return "".join(out)


def to_html(spec: ModelSpec, sectors: Mapping[str, str] | None = None) -> str:
    """A self-contained HTML page documenting ``spec`` (see the module docstring)."""
    model = describe(spec, sectors)
    t = spec.time
    counts = model.counts()
    title = f"{spec.name}: model documentation"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{html.escape(spec.name)}</h1>",
        f"<p>{html.escape(spec.description.strip())}</p>" if spec.description.strip() else "",
        f'<p class="muted">Time {fmt_number(t.start)} to {fmt_number(t.stop)} {html.escape(t.unit)}, '
        f"dt {fmt_number(t.dt)}, method {t.method}. {counts['variables']} variables: "
        f"{counts['stocks']} stocks, {counts['flows']} flows, "
        f"{len(spec.auxes())} auxiliaries, {len(spec.constants())} constants, "
        f"{len(spec.lookups())} lookups, {len(spec.series())} time series; "
        f"{counts['sectors']} sectors.</p>",
    ]
    if spec.dimensions:
        parts.append("<table><thead><tr><th>Dimension</th><th>Elements</th></tr></thead><tbody>")
        for dim, elems in spec.dimensions.items():
            parts.append(
                f"<tr><td><code>{dim}</code></td><td><code>{', '.join(elems)}</code></td></tr>"
            )
        parts.append("</tbody></table>")
    parts.append("<nav><h2>Sectors</h2><ul>")
    for s, members in model.sectors.items():
        parts.append(f'<li><a href="#sector-{slug(s)}">{html.escape(s)}</a> ({len(members)})</li>')
    parts.append("</ul></nav>")
    if len(model.sectors) > 1:
        parts.append(
            '<p class="muted">Arrows run from a sector to the sectors that use its '
            "variables, thicker for more links; dashed arrows run against the order of "
            "the sectors (feedback).</p>"
        )
        parts.append(f'<div class="diagram">{overview_diagram(model)}</div>')
    parts.append(_LEGEND)
    for s, members in model.sectors.items():
        diagram = sector_diagram(model, s)
        parts.append(f'<section id="sector-{slug(s)}"><h2>{html.escape(s)}</h2>')
        parts.append(f'<div class="diagram">{diagram.svg}</div>')
        if diagram.not_drawn:
            parts.append(
                '<p class="muted">Not drawn, to keep the diagram legible: '
                + _refs_html(diagram.not_drawn)
                + ".</p>"
            )
        parts.append(_variable_table(model, members))
        parts.append("</section>")
    parts.append("</body></html>\n")
    return "\n".join(p for p in parts if p)


def _md_cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def to_markdown(
    spec: ModelSpec, sectors: Mapping[str, str] | None = None, stem: str = "model-doc"
) -> tuple[str, dict[str, str]]:
    """Markdown documenting ``spec``, and its diagrams as ``{file name: SVG text}``.

    The Markdown refers to each diagram as ``<stem>-<sector>.svg`` (and the overview as
    ``<stem>-sectors.svg``), to be written beside it.
    """
    model = describe(spec, sectors)
    counts = model.counts()
    files: dict[str, str] = {}
    lines = [f"# {spec.name}", ""]
    if spec.description.strip():
        lines += [_md_cell(spec.description), ""]
    lines += [
        f"{counts['variables']} variables ({counts['stocks']} stocks, {counts['flows']} flows) "
        f"in {counts['sectors']} sectors; time {fmt_number(spec.time.start)} to "
        f"{fmt_number(spec.time.stop)} {spec.time.unit}, dt {fmt_number(spec.time.dt)}.",
        "",
    ]
    if len(model.sectors) > 1:
        name = f"{stem}-sectors.svg"
        files[name] = overview_diagram(model, link=False)
        lines += ["![Sectors and the links between them](" + name + ")", ""]
    lines += ["## Sectors", ""]
    lines += [f"- [{s}](#sector-{slug(s)}) ({len(m)})" for s, m in model.sectors.items()]
    lines.append("")
    used_names = set(files)
    for s, members in model.sectors.items():
        diagram = sector_diagram(model, s, link=False)
        name = f"{stem}-{slug(s)}.svg"
        k = 2
        while name in used_names:
            name = f"{stem}-{slug(s)}-{k}.svg"
            k += 1
        used_names.add(name)
        files[name] = diagram.svg
        lines += [f'<a id="sector-{slug(s)}"></a>', "", f"## {s}", "", f"![{s}]({name})", ""]
        if diagram.not_drawn:
            lines += ["Not drawn: " + ", ".join(f"`{n}`" for n in diagram.not_drawn) + ".", ""]
        lines += [
            "| Variable | Kind | Unit | Definition | Description | Source | Uses | Used by |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for n in members:
            d = model.variables[n]
            kind = d.kind + (f" [{', '.join(d.dims)}]" if d.dims else "")
            defn = "<br>".join(
                (f"{label}: " if label else "") + f"`{_md_cell(text)}`"
                for label, text in d.definition
            )
            if d.bounds:
                defn += f"<br>bounds {d.bounds}"
            lines.append(
                f'| <a id="var-{n}"></a>**{n}** | {kind} | `{_md_cell(d.unit)}` | {defn} | '
                f"{_md_cell(d.description)} | {_md_cell(d.source)} | "
                + ", ".join(f"[{u}](#var-{u})" for u in d.uses)
                + " | "
                + ", ".join(f"[{u}](#var-{u})" for u in d.used_by)
                + " |"
            )
        lines.append("")
    return "\n".join(lines), files
