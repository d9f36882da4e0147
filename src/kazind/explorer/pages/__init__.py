"""The explorer's tabs, in order: one module per tab, each with its layout and callbacks.

A tab is a :class:`~kazind.explorer.page.Page`: a short key (its ``?tab=`` value in the URL and the suffix of
its element ids ``tab-<key>`` and ``panel-<key>``), the message id of its label, a
``layout(lang)`` that returns the tab's content in a language, and a
``register(app)`` that attaches its callbacks. Chart builders live in the same module
and take their data as arguments, so that :mod:`kazind.explorer.report` draws the same
charts offline.

To add a tab, write its module and put its ``PAGE`` into :data:`PAGES` where it belongs
(the first one is the tab a bare URL opens); the frame, the URL state and the browser
tests follow the registry, nothing else needs an edit.
"""

from __future__ import annotations

from kazind.explorer.page import Page

__all__ = ["Page", "PAGES", "page_keys", "get"]


def _pages() -> tuple[Page, ...]:
    from kazind.explorer.pages import debate, model, record, scenarios, start, story, timeline
    from kazind.explorer.pages import map as map_page

    # the lesson's tabs first (a bare URL opens the start tab), then the explorer's
    return (
        start.PAGE,
        story.PAGE,
        debate.PAGE,
        timeline.PAGE,
        map_page.PAGE,
        scenarios.PAGE,
        record.PAGE,
        model.PAGE,
    )


PAGES: tuple[Page, ...] = _pages()


def page_keys() -> list[str]:
    return [p.key for p in PAGES]


def get(key: str) -> Page:
    for p in PAGES:
        if p.key == key:
            return p
    raise KeyError(key)
