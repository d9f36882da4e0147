"""One "did you mean" for every unknown name a user can type (ids, places, options).

``did_you_mean("karagandy", place_ids)`` gives ``"; did you mean karaganda?"`` (or ``""``),
ready to append to an error message. Close spellings come from :mod:`difflib`; a short
or partial name falls back to the choices that contain it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def suggest(word: str, choices: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Up to ``n`` choices close to ``word``: by spelling, else those containing it."""
    pool = [str(c) for c in choices]
    near = difflib.get_close_matches(word, pool, n=n, cutoff=cutoff)
    if not near and word:
        near = [c for c in pool if word.lower() in c.lower()][:n]
    return near


def did_you_mean(word: str, choices: Iterable[str], n: int = 3, cutoff: float = 0.6) -> str:
    """``"; did you mean a, b?"`` for the choices :func:`suggest` finds, or ``""``."""
    near = suggest(word, choices, n=n, cutoff=cutoff)
    return f"; did you mean {', '.join(near)}?" if near else ""
