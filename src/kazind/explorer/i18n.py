"""Languages of the explorer: gettext catalogs and Babel formatting for kk, ru and en.

The catalogs are the ``.po`` files in ``locale/<lang>/LC_MESSAGES/kazind.po``, read
with Babel at first use (no build step, no ``.mo`` files). Message ids are English;
a missing translation falls back to the English text. Numbers and dates are formatted
by Babel for the locale, and :func:`separators` gives plotly the locale's decimal and
group symbols so that chart axes follow the same convention.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel.dates import format_date
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent, get_decimal_symbol, get_group_symbol

LANGS = ("kk", "ru", "en")
DEFAULT_LANG = "kk"
LANG_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "kazind"


class InputError(ValueError):
    """A value from the page that is not acceptable; its text is shown to the user."""


def po_file(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(LANGS))
def catalog(lang: str) -> dict[str, str]:
    """msgid -> msgstr of ``lang`` (empty translations left out)."""
    check_lang(lang)
    with po_file(lang).open("rb") as fh:
        cat = read_po(fh, locale=lang, domain=DOMAIN)
    return {m.id: m.string for m in cat if m.id and isinstance(m.id, str) and m.string}


def check_lang(lang: object) -> str:
    """``lang`` if it is one of :data:`LANGS`, else :class:`InputError` (in English)."""
    if not isinstance(lang, str) or lang not in LANGS:
        raise InputError(f"unknown language {lang!r}; choose kk, ru or en")
    return lang


def translator(lang: str) -> Callable[[str], str]:
    """The ``_`` of ``lang``: the translation of an English message id, or the id."""
    table = catalog(check_lang(lang))

    def _(message: str) -> str:
        return table.get(message, message)

    return _


def safe_lang(lang: object) -> str:
    """``lang`` if known, else the default (for rendering an error message in some language)."""
    return lang if isinstance(lang, str) and lang in LANGS else DEFAULT_LANG


# ---------------------------------------------------------------- numbers and dates


def fmt_number(x: float | None, lang: str, digits: int = 0) -> str:
    """``x`` with the locale's grouping and decimal sign, ``digits`` after it; '–' if missing."""
    if x is None or not math.isfinite(float(x)):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(round(float(x), digits), format=pattern, locale=lang)


def fmt_sig(x: float | None, lang: str, sig: int = 3) -> str:
    """``x`` to about ``sig`` significant figures, in the locale's convention."""
    if x is None or not math.isfinite(float(x)):
        return "–"
    x = float(x)
    if x == 0:
        return fmt_number(0, lang)
    digits = max(0, sig - 1 - int(math.floor(math.log10(abs(x)))))
    return fmt_number(x, lang, min(digits, 6))


def fmt_percent(x: float | None, lang: str, digits: int = 1) -> str:
    """A fraction as a percentage in the locale's convention (``0.253`` -> ``25,3 %``)."""
    if x is None or not math.isfinite(float(x)):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "") + "%"
    return format_percent(float(x), format=pattern, locale=lang)


def fmt_date(t: float, lang: str) -> str:
    """A model time (years, 1926.0 = 1 January 1926) as a long date of the locale."""
    year = int(math.floor(t))
    day = dt.date(year, 1, 1) + dt.timedelta(days=round((t - year) * 365))
    return format_date(day, format="long", locale=lang)


def separators(lang: str) -> str:
    """plotly's ``layout.separators`` for ``lang``: decimal sign, then group sign."""
    return get_decimal_symbol(lang) + get_group_symbol(lang).replace("\u202f", "\xa0")
