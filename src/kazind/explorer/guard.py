"""How a callback answers what it cannot do: a message for the page, never a traceback.

A reader's bad input (:class:`~kazind.explorer.i18n.InputError`, raised by the checks
in :mod:`kazind.explorer.data`) becomes a line in the reader's language saying what was
wrong; anything else is logged with its traceback on the server and the reader sees
only that something went wrong.
"""

from __future__ import annotations

import logging
from functools import wraps

from kazind.explorer.i18n import InputError, safe_lang, translator

log = logging.getLogger("kazind.explorer")

__all__ = ["problem", "guarded", "log"]


def problem(lang: object, err: Exception) -> str:
    """The page's line for ``err`` in ``lang`` (the default language if ``lang`` is bad)."""
    _ = translator(safe_lang(lang))
    if isinstance(err, InputError):
        return _("Cannot show this:") + " " + err.text(safe_lang(lang))
    log.exception("explorer callback failed")
    return _("Something went wrong; the message was logged.")


def guarded(blank):
    """Turn any exception of the callback into ``blank(message)`` (the page's answer).
    The language is the callback's last argument (or its ``lang`` keyword)."""

    def deco(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except Exception as err:  # noqa: BLE001 - every failure becomes a visible message
                lang = kwargs.get("lang", args[-1] if args else None)
                return blank(problem(lang, err))

        return wrapper

    return deco
