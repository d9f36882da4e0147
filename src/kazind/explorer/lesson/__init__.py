"""The explorer as a lesson: the start tab, the story, the debate explained, the events.

The texts are data files per language (``<lang>/*.yaml``) joined with one
language-independent ``structure.yaml``; see :mod:`kazind.explorer.lesson.content`.
"""

from kazind.explorer.lesson.content import (
    LANGS,
    Chapter,
    Debate,
    Event,
    EventDate,
    Lesson,
    LeverText,
    Line,
    Quote,
    Section,
    Series,
    Source,
    Start,
    Term,
    load_lesson,
    shipped_scenarios,
)
from kazind.explorer.lesson.validate import lesson_problems

__all__ = [
    "LANGS",
    "Chapter",
    "Debate",
    "Event",
    "EventDate",
    "LeverText",
    "Lesson",
    "Line",
    "Quote",
    "Section",
    "Series",
    "Source",
    "Start",
    "Term",
    "lesson_problems",
    "load_lesson",
    "shipped_scenarios",
]
