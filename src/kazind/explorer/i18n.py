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

from kazind.common.langs import LANGS

DEFAULT_LANG = LANGS[0]
LANG_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "kazind"


class Term(str):
    """A model variable's name in an :class:`InputError`: shown as its label in the reader's
    language (from the model's catalogue, :mod:`kazind.model.labels`)."""


class InputError(ValueError):
    """A value from the page that is not acceptable; the page shows it in the reader's language.

    ``message`` is an English message id with ``{name}`` fields (translated through the
    .po files); ``fields`` fill them, numbers written in the reader's convention.
    ``str(err)`` is the English text (for logs and the command line)."""

    def __init__(self, message: str, **fields: object) -> None:
        self.message = message
        self.fields = fields
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        _ = translator(safe_lang(lang))

        def show(v: object) -> str:
            if isinstance(v, Term):
                from kazind.model.labels import label

                return label(str(v), safe_lang(lang))
            if isinstance(v, bool) or not isinstance(v, int | float) or not _finite(v):
                text = v if isinstance(v, str) else repr(v)
                return text if len(text) <= 60 else text[:57] + "..."
            return format_decimal(v, format="#,##0.######", locale=safe_lang(lang))

        try:
            return _(self.message).format(**{k: show(v) for k, v in self.fields.items()})
        except (KeyError, IndexError, ValueError):  # a translation with a broken field
            return self.message.format(**{k: show(v) for k, v in self.fields.items()})


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
        raise InputError("unknown language {lang}; choose kk, ru or en", lang=lang)
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


def _finite(x: object) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (OverflowError, TypeError, ValueError):  # an int too large for a float, or not a number
        return False


def fmt_number(x: float | None, lang: str, digits: int = 0) -> str:
    """``x`` with the locale's grouping and decimal sign, ``digits`` after it; '–' if missing."""
    if not _finite(x):
        return "–"
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(round(float(x), digits), format=pattern, locale=lang)


def fmt_sig(x: float | None, lang: str, sig: int = 3) -> str:
    """``x`` to about ``sig`` significant figures, in the locale's convention."""
    if not _finite(x):
        return "–"
    x = float(x)
    if x == 0:
        return fmt_number(0, lang)
    digits = max(0, sig - 1 - int(math.floor(math.log10(abs(x)))))
    return fmt_number(x, lang, min(digits, 6))


def fmt_percent(x: float | None, lang: str, digits: int = 1) -> str:
    """A fraction as a percentage in the locale's convention (``0.253`` -> ``25,3 %``)."""
    if not _finite(x):
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


# ---------------------------------------------------------------- plotly's own texts

#: plotly.js texts a reader of the page can see (toolbar tooltips, notices), as message
#: ids of the .po files: kk is translated there; ru takes plotly.js-locales' texts
#: (shipped in data/plotly-locale-ru.json), overridden by any translation in the .po file.
PLOTLY_MESSAGES = (
    "Autoscale",
    "Download plot as a PNG",
    "Download plot",
    "Pan",
    "Reset axes",
    "Zoom",
    "Zoom in",
    "Zoom out",
    "Double-click to zoom back out",
    "Double-click on legend to isolate one trace",
    "Click to enter Plot title",
    "Taking snapshot - this may take a few seconds",
    "Snapshot succeeded",
    "Sorry, there was a problem downloading your snapshot!",
    "Produced with Plotly.js",
    "Reset",
    "Reset view",
    "Toggle show closest data on hover",
)
PLOTLY_RU = Path(__file__).resolve().parent / "data" / "plotly-locale-ru.json"


def plotly_locale(lang: str) -> dict:
    """plotly's locale object for ``lang``: its texts and its number and date format."""
    import json

    from babel.dates import get_day_names, get_month_names

    base = json.loads(PLOTLY_RU.read_text(encoding="utf-8")) if lang == "ru" else {"dictionary": {}}
    table = catalog(lang) if lang != "en" else {}
    dictionary = dict(base.get("dictionary", {}))
    dictionary.update({m: table[m] for m in PLOTLY_MESSAGES if m in table})
    months = get_month_names("wide", locale=lang)
    short_months = get_month_names("abbreviated", locale=lang)
    days = get_day_names("wide", locale=lang)
    short_days = get_day_names("abbreviated", locale=lang)
    sep = separators(lang)
    fmt = {
        "days": [days[(i + 6) % 7] for i in range(7)],  # plotly's week starts on Sunday
        "shortDays": [short_days[(i + 6) % 7] for i in range(7)],
        "months": [months[i] for i in range(1, 13)],
        "shortMonths": [short_months[i] for i in range(1, 13)],
        "date": "%d.%m.%Y" if lang != "en" else "%m/%d/%Y",
        "decimal": sep[0],
        "thousands": sep[1],
    }
    return {"moduleType": "locale", "name": lang, "dictionary": dictionary, "format": fmt}


#: Texts the page's own script (assets/kazind.js) writes into Dash's controls.
SCRIPT_MESSAGES = ("First page", "Previous page", "Next page", "Last page", "Match case", "Page")


def plotly_locales_js(page_texts: bool = True) -> str:
    """A script that registers the kk and ru locales with plotly.js, before or after it
    loads, and (``page_texts``) gives the page's script its texts in each language."""
    import json

    parts = []
    for lang in LANGS:
        if lang == "en":
            continue
        parts.append(json.dumps(plotly_locale(lang), ensure_ascii=False))
    texts = {lang: {m: translator(lang)(m) for m in SCRIPT_MESSAGES} for lang in LANGS}
    return (
        "(function(){var ls=[" + ",".join(parts) + "];"
        "if(typeof Plotly!=='undefined'&&Plotly.register){ls.forEach(function(l){Plotly.register(l);});}"
        "else{window.PlotlyLocales=(window.PlotlyLocales||[]).concat(ls);}"
        + (
            "window.KAZIND_TEXTS=" + json.dumps(texts, ensure_ascii=False) + ";"
            if page_texts
            else ""
        )
        + "})();\n"
    )
