"""The handout: the lesson as one self-contained HTML file for a class, or a PDF of it.

``kazind report SCENARIO... --format html|pdf --lang kk --chapters 1,3 --out FILE`` writes
the introduction (what the source text is, what a model and a scenario are, how to
read the charts), the key to the symbols, the glossary, the debate with each named
scenario's description, assumptions and the year it departs from history, the chosen
chapters of the story (their paragraphs, the text's own sentences with their fact ids,
the model's chart with the record's points, the questions with room to answer), the
chronology, the outside sources, and the whole source text with the quoted sentences
marked. Charts are static SVG (:mod:`kazind.explorer.handout.charts`), the stylesheet
prints on A4 (``print.css``); nothing is fetched when the file is opened. The PDF is
printed from the same HTML by Chromium (:mod:`kazind.explorer.handout.printing`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from kazind.common.atomic import atomic_write
from kazind.common.errors import KazindError
from kazind.explorer.handout.charts import PALETTE, SYMBOLS, Line, Panel, Point, panels_svg
from kazind.explorer.lesson import Chapter, Lesson, load_lesson
from kazind.explorer.lesson.runs import scenario_departure
from kazind.explorer.lesson.source import marked_paragraphs

__all__ = ["FORMATS", "build_handout", "pick_chapters", "write_handout"]

FORMATS = ("html", "pdf")
STYLESHEET = Path(__file__).with_name("print.css")
_ID = re.compile(r"\b((?:seed|ext)\.[a-z_]+\.[a-z0-9_]+)\b")


def _tr(lang: str):
    from kazind.explorer.i18n import translator

    return translator(lang)


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def with_ids(text: str) -> str:
    """Escaped text with the record's ids in it set small, as references."""
    return _ID.sub(lambda m: f'<span class="id">{m.group(1)}</span>', esc(text))


# ---------------------------------------------------------------- choosing


def pick_chapters(lesson: Lesson, spec: str | None) -> list[Chapter]:
    """The chapters named by ``spec`` ("1,3,5", "war-and-ruin,the-debate", "2-4"; all if empty)."""
    if spec is None or not spec.strip():
        return list(lesson.chapters)
    by_id = {c.id: c for c in lesson.chapters}
    out: list[Chapter] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        if re.fullmatch(r"\d+-\d+", part):
            lo, hi = (int(x) for x in part.split("-"))
            numbers = list(range(lo, hi + 1))
        elif part.isdigit():
            numbers = [int(part)]
        elif part in by_id:
            out.append(by_id[part])
            continue
        else:
            raise KazindError(
                f"--chapters: unknown chapter {part!r}; give numbers 1-{len(lesson.chapters)} "
                f"or ids: {', '.join(by_id)}"
            )
        for n in numbers:
            if not 1 <= n <= len(lesson.chapters):
                raise KazindError(
                    f"--chapters: there is no chapter {n}; the story has 1-{len(lesson.chapters)}"
                )
            out.append(lesson.chapters[n - 1])
    return list(dict.fromkeys(out))


# ---------------------------------------------------------------- the model's side


@dataclass(frozen=True)
class Run:
    name: str
    title: str
    description: str
    colour: str
    dataset: object  # xarray.Dataset
    departs: float | None  # the first year the run differs from the historical one


def model_runs(names: list[str], lang: str) -> list[Run]:
    from kazind.explorer import data
    from kazind.explorer.i18n import InputError
    from kazind.scenarios import load_scenario

    try:
        names = list(data.check_scenarios(list(names)))
    except InputError as err:
        raise KazindError(f"report: {err}") from None
    out = []
    for i, name in enumerate(names):
        ds = data.scenario_run(name)
        scenario = load_scenario(name)
        out.append(
            Run(
                name,
                data.scenario_title(name, lang),
                scenario.description.get(lang, ""),
                PALETTE[i % len(PALETTE)],
                ds,
                scenario_departure(name),
            )
        )
    return out


def chapter_panels(chapter: Chapter, runs: list[Run], lang: str) -> list[Panel]:
    from kazind.explorer import data
    from kazind.explorer.pages.story import presentation

    points = data.fact_points()
    panels = []
    for series in chapter.chart:
        how = presentation(series, lang)
        lines = []
        for run in runs:
            ds = run.dataset
            if series.variable not in ds:
                continue
            da = ds[series.variable]
            if series.element is not None:
                dim = next(d for d in da.dims if d != "time")
                da = da.sel({dim: series.element})
            lines.append(
                Line(
                    run.title,
                    tuple(ds["time"].values.tolist()),
                    tuple((da.values * how.scale).tolist()),
                    run.colour,
                )
            )
        pts = tuple(
            Point(
                p.at,
                p.y * how.scale,
                ("yes" if p.within else "no") if p.role in ("fit", "holdout") else "none",
                p.implied,
            )
            for p in points
            if (p.variable, p.element) == (series.variable, series.element)
        )
        departures = tuple((r.departs, r.colour) for r in runs if r.departs is not None)
        panels.append(
            Panel(how.title, how.kind == "%", tuple(lines), pts, how.kind == "log", departures)
        )
    return panels


# ---------------------------------------------------------------- the page's parts


def _swatch(colour: str, dashed: bool = False) -> str:
    dash = ' stroke-dasharray="4 3"' if dashed else ""
    return (
        f'<svg width="28" height="10" aria-hidden="true"><line x1="1" y1="5" x2="27" y2="5" '
        f'stroke="{colour}" stroke-width="2.2"{dash}/></svg>'
    )


def _marker(verdict: str, hollow: bool = False) -> str:
    shape, colour = SYMBOLS[verdict]
    fill = "white" if hollow else colour
    if shape == "o":
        body = f'<circle cx="9" cy="9" r="5" fill="{fill}" stroke="{colour}" stroke-width="1.6"/>'
    elif shape == "X":
        body = f'<path d="M4 4 L14 14 M14 4 L4 14" stroke="{colour}" stroke-width="3"/>'
    else:
        body = f'<path d="M9 3 L15 9 L9 15 L3 9 Z" fill="{fill}" stroke="{colour}" stroke-width="1.4"/>'
    return f'<svg width="18" height="18" aria-hidden="true">{body}</svg>'


def key_section(lang: str) -> str:
    _ = _tr(lang)
    departs = '<svg width="28" height="14" aria-hidden="true"><line x1="14" y1="0" x2="14" y2="14" stroke="#d1495b" stroke-dasharray="1.5 2" stroke-width="1.4"/></svg>'  # noqa: E501
    rows = [
        (_swatch(PALETTE[0]), _("a scenario of the model (the historical run first)")),
        (departs, _("the year a scenario departs from history")),
        (_marker("yes"), _("a fact of the record that the model reproduces")),
        (_marker("no"), _("a fact of the record that the model misses")),
        (_marker("none"), _("a fact of the record that is not scored (an input, or a check)")),
        (_marker("yes", hollow=True), _("a fact placed through a ratio or a change")),
    ]
    cells = "".join(f"<div>{icon}</div><div>{esc(text)}</div>" for icon, text in rows)
    return f'<section id="key"><h2>{esc(_("Key to the symbols"))}</h2><div class="key">{cells}</div></section>'


def intro_section(lesson: Lesson) -> str:
    s = lesson.start
    parts = [f'<section id="introduction"><p class="lead">{esc(s.lead)}</p>']
    for sec in s.sections:
        parts.append(f"<h2>{esc(sec.title)}</h2>")
        for i, p in enumerate(sec.paragraphs):
            text = with_ids(p)
            if sec.id == "source" and i == len(sec.paragraphs) - 1:
                text = f'<a href="#source-text">{text}</a>'
            parts.append(f"<p>{text}</p>")
    parts.append("</section>")
    return "".join(parts)


def glossary_section(lesson: Lesson) -> str:
    s = lesson.start
    items = "".join(
        f"<div><dt>{esc(t.term)}</dt><dd>{with_ids(t.definition)}</dd></div>" for t in s.glossary
    )
    return f'<section id="glossary"><h2>{esc(s.glossary_title)}</h2><dl class="glossary">{items}</dl></section>'


def debate_section(lesson: Lesson, runs: list[Run], lang: str) -> str:
    _ = _tr(lang)
    d = lesson.debate
    parts = [
        f'<section id="debate"><h2>{esc(d.title)}</h2>',
        *(f"<p>{esc(p)}</p>" for p in d.paragraphs),
    ]
    for line in d.lines:
        parts.append(f"<h3>{esc(line.name)}</h3>")
        parts += [f"<p>{esc(p)}</p>" for p in line.paragraphs]
        parts += [_quote(q, lang) for q in line.quotes]
    parts.append(f"<h3>{esc(_('The scenarios compared'))}</h3>")
    from kazind.explorer import data

    for run in runs:
        texts = data.scenario_texts(run.name, lang)  # the scenario file's own fields
        bullets = "".join(f"<li>{with_ids(b)}</li>" for b in texts.assumptions)
        departs = (
            f'<p class="muted">{esc(_("Departs from history in"))} {int(round(run.departs))}</p>'
            if run.departs is not None
            else ""
        )
        rests = (
            f'<p class="muted">{esc(_("What it rests on"))}: '
            + ", ".join(f'<span class="id">{esc(i)}</span>' for i in texts.rests_on)
            + "</p>"
            if texts.rests_on
            else ""
        )
        leaves = (
            f'<p class="muted">{esc(_("What it leaves out"))}:</p><ul class="muted">'
            + "".join(f"<li>{with_ids(x)}</li>" for x in texts.leaves_out)
            + "</ul>"
            if texts.leaves_out
            else ""
        )
        parts.append(
            f'<div class="scenario"><div class="swatch">{_swatch(run.colour)}<b>{esc(run.title)}</b></div>'
            f'<ul>{bullets}</ul>{departs}<p class="muted">{with_ids(run.description)}</p>{rests}{leaves}</div>'
        )
    parts.append("</section>")
    return "".join(parts)


def _quote(q, lang: str) -> str:
    from kazind.explorer import data

    fact = data.facts().get(q.fact)
    translation = "" if lang == "kk" else f"<p>{esc(getattr(fact.statement, lang))}</p>"
    return (
        f'<blockquote><p class="kk" lang="kk">«{esc(q.quote)}»</p>{translation}'
        f'<p class="id">{esc(q.fact)}</p></blockquote>'
    )


def chapter_section(chapter: Chapter, runs: list[Run], lesson: Lesson) -> str:
    lang = lesson.lang
    _ = _tr(lang)
    panels = chapter_panels(chapter, runs, lang)
    summary = "; ".join(p.title for p in panels)
    svg = panels_svg(panels, lang, description=summary)
    swatches = "".join(
        f'<span class="swatch">{_swatch(r.colour)}{esc(r.title)}</span>' for r in runs
    )
    scored = [p for panel in panels for p in panel.points if p.verdict in ("yes", "no")]
    met = sum(p.verdict == "yes" for p in scored)
    caption = (
        _("Facts of the record on these charts reproduced by the model")
        + f": {met} / {len(scored)}"
    )
    questions = "".join(
        f'<li>{esc(q)}<div class="answer"></div><div class="answer"></div></li>'
        for q in chapter.questions
    )
    return "".join(
        [
            f'<section class="chapter" id="chapter-{chapter.id}">',
            f"<h2>{chapter.number}. {esc(chapter.title)}</h2>",
            f'<p class="period">{chapter.period[0]}-{chapter.period[1]}</p>',
            *(f"<p>{esc(p)}</p>" for p in chapter.paragraphs),
            f"<h3>{esc(_('What the text says'))}</h3>",
            *(_quote(q, lang) for q in chapter.quotes),
            f"<h3>{esc(_('What the model shows'))}</h3>",
            f'<figure><div class="swatches">{swatches}</div>{svg}<figcaption>{esc(caption)}</figcaption></figure>',
            f"<h3>{esc(_('Questions'))}</h3>",
            f'<ol class="questions">{questions}</ol>',
            "</section>",
        ]
    )


def chronology_section(lesson: Lesson, chapters: list[Chapter], lang: str) -> str:
    from kazind.explorer.i18n import fmt_date

    _ = _tr(lang)
    lo = min(c.period[0] for c in chapters)
    hi = max(c.period[1] for c in chapters)
    rows = []
    for e in lesson.events:
        if e.date.last < lo or e.date.first > hi:
            continue
        if e.date.is_period:
            when = f"{e.date.first}-{e.date.last}"
        elif e.date.day is not None:
            when = fmt_date(e.date.time, lang)
        else:
            when = str(e.date.first)
        refs = ", ".join(e.facts)
        rows.append(
            f"<tr><td>{esc(when)}</td><td><b>{esc(e.label)}</b> {esc(e.text)}"
            f"{f'<br><span class=id>{esc(refs)}</span>' if refs else ''}</td></tr>"
        )
    head = f"<tr><th>{esc(_('date'))}</th><th>{esc(_('event'))}</th></tr>"
    return f'<section id="chronology"><h2>{esc(_("Chronology"))}</h2><table>{head}{"".join(rows)}</table></section>'


def sources_section(lesson: Lesson, chapters: list[Chapter], lang: str) -> str:
    from kazind.explorer import data

    _ = _tr(lang)
    table = data.facts()
    items = []
    for fid in dict.fromkeys(f for c in chapters for f in c.cites):
        fact = table.get(fid)
        citation = getattr(fact.source, "citation", None)
        if citation:
            items.append(
                f"<li>{esc(getattr(fact.statement, lang))} — {esc(citation)} <span class=id>{esc(fid)}</span></li>"
            )
    for sid in dict.fromkeys(s for c in chapters for s in c.sources):
        items.append(f"<li>{esc(lesson.sources[sid].citation)}</li>")
    if not items:
        return ""
    return f'<section id="sources"><h2>{esc(_("Other sources"))}</h2><ul>{"".join(items)}</ul></section>'


def source_section(lesson: Lesson, lang: str) -> str:
    from kazind.record.documents import default_store

    _ = _tr(lang)
    doc = default_store().get(lesson.document)
    paragraphs = "".join(
        '<p lang="kk">'
        + "".join(f"<mark>{esc(t)}</mark>" if marked else esc(t) for t, marked in parts)
        + "</p>"
        for parts in marked_paragraphs(lesson)
    )
    return (
        f'<section id="source-text" class="source-text"><h2>{esc(_("The source text"))}: '
        f"«{esc(doc.title.kk)}»</h2>"
        f'<p class="muted">{esc(_("The sentences the lesson quotes are marked."))}</p>{paragraphs}</section>'
    )


# ---------------------------------------------------------------- the whole


def build_handout(scenarios: list[str], lang: str, chapters: str | None = None) -> str:
    """The handout's HTML text (see the module docstring)."""
    from kazind.explorer.i18n import InputError, check_lang

    try:
        lang = check_lang(lang)
    except InputError as err:
        raise KazindError(str(err)) from None
    if not scenarios:
        raise KazindError(
            "report: name at least one scenario, e.g. 'kazind report historical --format html'"
        )
    lesson = load_lesson(lang)
    chosen = pick_chapters(lesson, chapters)
    runs = model_runs(scenarios, lang)
    _ = _tr(lang)
    contents = "".join(f'<li><a href="#chapter-{c.id}">{esc(c.title)}</a></li>' for c in chosen)
    body = "".join(
        [
            f"<header><h1>{esc(lesson.start.title)}</h1>",
            f'<p class="muted">{esc(_("A handout for the lesson"))}: {esc(", ".join(r.title for r in runs))}</p></header>',
            f'<nav class="contents" aria-label="{esc(_("Contents"))}"><h2>{esc(_("Contents"))}</h2><ol>{contents}</ol></nav>',
            intro_section(lesson),
            key_section(lang),
            glossary_section(lesson),
            debate_section(lesson, runs, lang),
            *(chapter_section(c, runs, lesson) for c in chosen),
            chronology_section(lesson, chosen, lang),
            sources_section(lesson, chosen, lang),
            source_section(lesson, lang),
        ]
    )
    css = STYLESHEET.read_text(encoding="utf-8")
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(lesson.start.title)}</title><style>{css}</style></head>"
        f"<body>{body}</body></html>\n"
    )


def write_handout(
    scenarios: list[str], out: str | Path, lang: str, fmt: str = "html", chapters: str | None = None
) -> int:
    """Write the handout to ``out`` (HTML, or PDF printed by Chromium), atomically; its size in bytes."""
    if fmt not in FORMATS:
        raise KazindError(f"--format must be html or pdf, got {fmt!r}")
    text = build_handout(scenarios, lang, chapters)
    if fmt == "pdf":
        from kazind.explorer.handout.printing import print_pdf

        return print_pdf(text, out)
    try:
        with atomic_write(out) as fh:
            fh.write(text)
    except OSError as exc:
        raise KazindError(f"cannot write {out}: {exc.strerror or exc}") from None
    return len(text.encode("utf-8"))
