"""Command-line commands, one module per layer; each defines ``register(app)``."""

from __future__ import annotations

__all__ = ["plain_console"]


def plain_console(**options):
    """The rich Console every command prints with: text is printed literally.

    Titles, names and descriptions come from users' files (a scenario title may hold
    ``[/bogus]``), so rich's markup, emoji codes and highlighting are off: a table is
    drawn by rich, every string in it is shown as it is.
    """
    from rich.console import Console

    return Console(markup=False, emoji=False, highlight=False, **options)
