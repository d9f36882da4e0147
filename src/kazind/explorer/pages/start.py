"""The start tab, the one a bare URL opens: what the page is, before anything else.

It says what the source text is (with the whole text one click away, the sentences the
lesson quotes marked), what a model is and is not, what a scenario is (a thought
experiment, not a fact), how to read the charts, and a glossary of the words the page
uses. Every text comes from the lesson's data files (:mod:`kazind.explorer.lesson`);
the tab has no callbacks.
"""

from __future__ import annotations

import re

from dash import html

from kazind.explorer.i18n import translator
from kazind.explorer.lesson import load_lesson
from kazind.explorer.lesson.source import marked_paragraphs
from kazind.explorer.page import Page

#: The record's ids and the model's constant names inside a text: set as code, in English.
IDENTIFIER = re.compile(r"\b((?:seed|ext)\.[a-z_]+\.[a-z0-9_]+|ext\.…|[a-z]+(?:_[a-z0-9]+)+)")

SOURCE_TEXT = "start-source-text"  # the whole source text (a <details> that opens in place)
GLOSSARY = "start-glossary"


def with_ids(text: str) -> list:
    """``text`` with each id of the record or name of a model constant in it as
    ``<code lang="en">`` (an id, not a word of the reader's language)."""
    parts, pos = [], 0
    for m in IDENTIFIER.finditer(text):
        if m.start() > pos:
            parts.append(text[pos : m.start()])
        parts.append(html.Code(m.group(1), lang="en", className="kz-fact-id"))
        pos = m.end()
    parts.append(text[pos:])
    return [p for p in parts if p != ""]


def section(sec, lang: str) -> html.Section:
    _ = translator(lang)
    children = [html.H2(sec.title, className="kz-lesson-h2")]
    for i, p in enumerate(sec.paragraphs):
        children.append(html.P(with_ids(p)))
        if sec.id == "source" and i == len(sec.paragraphs) - 1:
            children.append(source_text(lang))
    return html.Section(children, className="kz-lesson-section", id=f"start-{sec.id}")


def source_text(lang: str) -> html.Details:
    """The whole source text, in Kazakh, with the quoted sentences marked."""
    _ = translator(lang)
    lesson = load_lesson(lang)
    paragraphs = []
    for parts in marked_paragraphs(lesson):
        paragraphs.append(
            html.P([html.Mark(text) if marked else text for text, marked in parts], lang="kk")
        )
    return html.Details(
        [
            html.Summary(_("Read the whole source text")),
            html.Div(paragraphs, className="kz-source-text"),
        ],
        id=SOURCE_TEXT,
        className="kz-details kz-source",
    )


def glossary(lang: str) -> html.Section:
    s = load_lesson(lang).start
    items = [
        html.Div([html.Dt(t.term), html.Dd(with_ids(t.definition))], id=f"term-{t.id}")
        for t in s.glossary
    ]
    return html.Section(
        [
            html.H2(s.glossary_title, className="kz-lesson-h2"),
            html.Dl(items, className="kz-glossary"),
        ],
        id=GLOSSARY,
        className="kz-lesson-section",
    )


def layout(lang: str) -> list:
    s = load_lesson(lang).start
    return [
        html.Div(
            [
                html.H2(s.title, className="kz-lesson-title"),
                html.P(s.lead, className="kz-lead"),
                *[section(sec, lang) for sec in s.sections],
                glossary(lang),
            ],
            className="kz-lesson",
        )
    ]


def register(app) -> None:
    """The start tab has nothing to compute."""


PAGE = Page(key="start", label="Start", layout=layout, register=register)
