"""The source text as the lesson shows it: whole, in paragraphs, with the quoted sentences marked."""

from __future__ import annotations

from functools import lru_cache

from kazind.explorer.lesson.content import Lesson


def lesson_quotes(lesson: Lesson) -> tuple[str, ...]:
    """Every sentence of the source text that the lesson quotes (chapters and debate)."""
    quotes = {q.quote for c in lesson.chapters for q in c.quotes}
    quotes |= {q.quote for line in lesson.debate.lines for q in line.quotes}
    return tuple(sorted(quotes))


@lru_cache(maxsize=4)
def _marked(doc_id: str, quotes: tuple[str, ...]) -> tuple[tuple[tuple[str, bool], ...], ...]:
    from kazind.record.documents import document_text

    text = document_text(doc_id)
    spans = []
    for q in quotes:
        i = text.find(q)
        while i >= 0:
            spans.append((i, i + len(q)))
            i = text.find(q, i + 1)
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    paragraphs, start = [], 0
    for line in text.split("\n"):
        end = start + len(line)
        parts, pos = [], start
        for a, b in merged:
            a, b = max(a, start), min(b, end)
            if a >= b:
                continue
            if a > pos:
                parts.append((text[pos:a], False))
            parts.append((text[a:b], True))
            pos = b
        if pos < end:
            parts.append((text[pos:end], False))
        if line.strip():
            paragraphs.append(tuple(parts))
        start = end + 1
    return tuple(paragraphs)


def marked_paragraphs(lesson: Lesson) -> tuple[tuple[tuple[str, bool], ...], ...]:
    """The source text's paragraphs, each a sequence of (text, quoted by the lesson)."""
    return _marked(lesson.document, lesson_quotes(lesson))
