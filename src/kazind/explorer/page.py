"""What a tab of the explorer is: :class:`Page` (the registry of tabs is :mod:`kazind.explorer.pages`).

Its own module so that each tab's module can name the type without importing the
registry that imports every tab.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Page"]


@dataclass(frozen=True)
class Page:
    """One tab of the explorer."""

    key: str  # lower-case, the URL's ?tab= value
    label: str  # message id of the tab's label (translated through the .po files)
    layout: Callable[[str], list]  # lang -> the tab's children
    register: Callable[[object], None]  # app -> None: attach the tab's callbacks
