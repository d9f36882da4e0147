"""The languages of kazind's readers, in the order the project serves them.

Kazakh first (the language of the source text), then Russian and English. Every layer
that shows text to a reader takes its ``lang`` from here and checks it with
:func:`check_lang`, so that a typo is one clear error and not an English fallback.
"""

from __future__ import annotations

from kazind.common.errors import KazindError

LANGS: tuple[str, ...] = ("kk", "ru", "en")


def check_lang(lang: str, what: str = "language") -> str:
    """``lang`` if it is one of :data:`LANGS`, else a :class:`KazindError` naming the valid ones."""
    if lang not in LANGS:
        raise KazindError(f"unknown {what} {lang!r}; valid: {', '.join(LANGS)}")
    return lang
