"""Check the lesson against what it cites: the source text, the record, the model, the scenarios.

:func:`lesson_problems` lists every problem as one line (empty when all is well):

- each quote is a verbatim substring of the source text, names a fact or claim of the
  record, and overlaps that fact's own quote (one contains the other), so that a quote
  cannot carry the wrong id;
- each event's facts and places exist in the record;
- each chart series is a variable of the model (and an element of its dimension);
- the debate's scenarios are shipped scenarios, and every shipped scenario's file gives
  its assumptions in every language (the lesson reads them from there);
- every policy lever of the model has a text, and a lever that is not (yet) one of the
  model's is marked ``planned`` (and one that has become a lever no longer is).
"""

from __future__ import annotations

from pathlib import Path

from kazind.explorer.lesson.content import (
    LANGS,
    LESSON_DIR,
    Lesson,
    Quote,
    load_lesson,
    shipped_scenarios,
)


def _quote_problems(where: str, quote: Quote, text: str, facts) -> list[str]:
    out = []
    if quote.quote not in text:
        out.append(f"{where}: the quote {quote.quote[:60]!r}... is not in the source text")
    if quote.fact not in facts.by_id:
        out.append(f"{where}: unknown fact {quote.fact!r}")
        return out
    own = getattr(facts.by_id[quote.fact].source, "quote", None)
    if own is None:
        out.append(f"{where}: {quote.fact} is not a fact of the source text (it has no quote)")
    elif own not in quote.quote and quote.quote not in own:
        out.append(f"{where}: the quote does not contain {quote.fact}'s own quote {own!r}")
    return out


def lesson_problems(
    langs: tuple[str, ...] = LANGS, directory: str | Path = LESSON_DIR
) -> list[str]:
    """Every problem of the lesson in ``langs``, one line each (none: the lesson is sound).

    A file that cannot be read as a lesson at all raises :class:`KazindError` instead."""
    from kazind.model import POLICY_LEVERS, build_spec
    from kazind.record.documents import document_text
    from kazind.record.facts import default_table
    from kazind.record.places import load_gazetteer

    lessons: dict[str, Lesson] = {lang: load_lesson(lang, directory) for lang in langs}
    lesson = next(iter(lessons.values()))
    text = document_text(lesson.document)
    facts = default_table()
    gazetteer = load_gazetteer()
    spec = build_spec()
    variables = {v.name: v for v in spec.variables}
    dimensions = spec.dimensions
    shipped = set(shipped_scenarios())
    out: list[str] = []

    for c in lesson.chapters:
        for f in c.cites:
            if f not in facts.by_id:
                out.append(f"chapter {c.id}: cites an unknown fact {f!r}")
        for q in c.quotes:
            out += _quote_problems(f"chapter {c.id}", q, text, facts)
        for series in c.chart:
            var = variables.get(series.variable)
            if var is None:
                out.append(
                    f"chapter {c.id}: chart: {series.variable!r} is not a variable of the model"
                )
            elif series.element is not None:
                elements = [e for d in var.dims for e in dimensions.get(d, [])]
                if series.element not in elements:
                    out.append(
                        f"chapter {c.id}: chart: {series} is not an element of {series.variable}"
                    )
            elif var.dims:
                out.append(f"chapter {c.id}: chart: {series.variable} is arrayed; name an element")
    for line in lesson.debate.lines:
        for q in line.quotes:
            out += _quote_problems(f"debate line {line.id}", q, text, facts)
        if line.scenario not in shipped:
            out.append(f"debate line {line.id}: {line.scenario!r} is not a shipped scenario")
    for name in lesson.debate.default_scenarios:
        if name not in shipped:
            out.append(f"debate: default scenario {name!r} is not a shipped scenario")
    for lang, lsn in lessons.items():
        missing = sorted(shipped - set(lsn.debate.assumptions))
        extra = sorted(set(lsn.debate.assumptions) - shipped)
        if missing:
            out.append(f"scenario files give no assumptions in {lang}: {', '.join(missing)}")
        if extra:
            out.append(
                f"{lang}: assumptions for scenarios that are not shipped: {', '.join(extra)}"
            )
    levers = lesson.debate.levers
    for name in POLICY_LEVERS:
        if name not in levers:
            out.append(f"debate: no text for the model's lever {name!r}")
        elif levers[name].planned:
            out.append(f"debate: {name!r} is now a lever of the model; remove `planned`")
    for name, lever in levers.items():
        if name not in POLICY_LEVERS and not lever.planned:
            out.append(
                f"debate: {name!r} is not a lever of the model; mark it `planned` or remove it"
            )
    for e in lesson.events:
        for f in e.facts:
            if f not in facts.by_id:
                out.append(f"event {e.id}: unknown fact {f!r}")
        for p in e.places:
            if p not in gazetteer:
                out.append(f"event {e.id}: unknown place {p!r}")
    return out
