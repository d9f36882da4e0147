"""The record as a reader sees it: values, units, qualifiers, sources in kk, ru and en.

Ids, quantity names and pint units (``thousand person``) are for developers; a teacher
in Karaganda reads "115,5 мыңнан астам адам", a Russian reader "более 115,5 тыс. чел.",
an English one "more than 115.5 thousand people". The explorer, the offline report and
``kazind facts`` all format through here, so the three say the same thing.

- :func:`unit_label` ("мың адам", "млн руб.", "млн кВт·сағ", "km");
- :func:`format_value` (numbers by Babel in the reader's locale, "29,9 %", the
  qualifier as words of the language: "шамамен", "более", the text's own vague words
  "жүздеген" / "сотни" / "hundreds");
- :func:`citation_label` (the full citation, labelled as English for kk and ru readers)
  and :func:`source_label` (compact, for tables), with :func:`confidence_label`,
  :func:`borders_label`, :func:`kind_label` and :func:`when_label`.

Kazakh qualifiers follow the number with a case ending (``50 мыңға жуық``, ``60 %-дан
астам``): :func:`kk_suffix` picks the ending by vowel harmony and the last sound, which
is all the record's units need; it is not a general Kazakh morphology.
"""

from __future__ import annotations

import math

from babel.numbers import format_decimal

from kazind.common.langs import check_lang
from kazind.record.facts import BORDERS, Fact, Range, SeedSource

__all__ = [
    "UNIT_LABELS",
    "borders_label",
    "citation_label",
    "confidence_label",
    "format_number",
    "format_value",
    "kind_label",
    "kk_suffix",
    "source_label",
    "topic_label",
    "unit_label",
    "when_label",
]

NBSP = "\u00a0"

#: Every unit of the record in the reader's language (kk, ru, en). A unit missing here is
#: shown as written (a test keeps the table complete for the record's own units).
UNIT_LABELS: dict[str, tuple[str, str, str]] = {
    "person": ("адам", "чел.", "people"),
    "thousand person": ("мың адам", "тыс. чел.", "thousand people"),
    "million person": ("млн адам", "млн чел.", "million people"),
    "percent": ("%", "%", "%"),
    "dimensionless": ("", "", ""),
    "times": ("есе", "раз", "times"),
    "km": ("км", "км", "km"),
    "Mt": ("млн т", "млн т", "million t"),
    "million kWh": ("млн кВт·сағ", "млн кВт·ч", "million kWh"),
    "kW": ("кВт", "кВт", "kW"),
    "MW": ("МВт", "МВт", "MW"),
    "million rouble": ("млн сом", "млн руб.", "million roubles"),
    "1/year": ("жылына", "в год", "a year"),
    "million head": ("млн бас", "млн голов", "million head"),
    "thousand head": ("мың бас", "тыс. голов", "thousand head"),
    "head/household": ("бас (бір шаруашылыққа)", "голов на хозяйство", "head per household"),
    "household": ("шаруашылық", "хозяйств", "households"),
    "thousand household": ("мың шаруашылық", "тыс. хозяйств", "thousand households"),
    "million ha": ("млн га", "млн га", "million ha"),
}
_LANG_INDEX = {"kk": 0, "ru": 1, "en": 2}

# Qualifiers: (kk word, kk case ending it needs or None, position), ru prefix, en prefix.
_KK_QUALIFIER = {
    "about": ("шамамен", None, "before"),
    "at_least": ("кемінде", None, "before"),
    "more_than": ("астам", "abl", "after"),
    "less_than": ("кем", "abl", "after"),
    "up_to": ("дейін", "dat", "after"),
    "nearly": ("жуық", "dat", "after"),
}
_RU_QUALIFIER = {
    "about": "около",
    "at_least": "не менее",
    "more_than": "более",
    "less_than": "менее",
    "up_to": "до",
    "nearly": "почти",
}
_EN_QUALIFIER = {
    "about": "about",
    "at_least": "at least",
    "more_than": "more than",
    "less_than": "less than",
    "up_to": "up to",
    "nearly": "nearly",
}
# The text's vague counts by order of magnitude (of the value in base units).
_VAGUE = {
    1: ("ондаған", "десятки", "tens"),
    2: ("жүздеген", "сотни", "hundreds"),
    3: ("мыңдаған", "тысячи", "thousands"),
    4: ("ондаған мың", "десятки тысяч", "tens of thousands"),
    5: ("жүздеген мың", "сотни тысяч", "hundreds of thousands"),
    6: ("миллиондаған", "миллионы", "millions"),
}
_VAGUE_UNIT = {"person": ("адам", "человек", "of people")}

_CONFIDENCE = {
    "high": ("жоғары", "высокая", "high"),
    "medium-high": ("орташадан жоғары", "выше средней", "medium-high"),
    "medium": ("орташа", "средняя", "medium"),
    "low-medium": ("орташадан төмен", "ниже средней", "low-medium"),
    "low": ("төмен", "низкая", "low"),
}
_CONFIDENCE_WORD = ("сенімділігі", "надёжность", "confidence")
_KINDS = {
    "quantity": ("сан", "величина", "quantity"),
    "entity": ("оқиға немесе нысан", "событие или объект", "event or entity"),
    "claim": ("мәтіннің тұжырымы", "утверждение текста", "claim of the text"),
}
_TOPICS = {
    "industry": ("өнеркәсіп", "промышленность", "industry"),
    "transport": ("көлік", "транспорт", "transport"),
    "energy": ("энергетика", "энергетика", "energy"),
    "labour": ("еңбек", "труд", "labour"),
    "population": ("халық", "население", "population"),
    "urbanisation": ("урбанизация", "урбанизация", "urbanisation"),
    "policy": ("саясат", "политика", "policy"),
    "ownership": ("меншік", "собственность", "ownership"),
    "agriculture": ("ауыл шаруашылығы", "сельское хозяйство", "agriculture"),
}
_IN_ENGLISH = ("ағылшын тілінде", "на английском языке", "")
_IN_ENGLISH_SHORT = ("ағылш.", "англ.", "")
_SOURCE_TEXT = ("бастапқы мәтін", "исходный текст", "source text")


def _pick(table: tuple[str, str, str], lang: str) -> str:
    return table[_LANG_INDEX[check_lang(lang)]]


def unit_label(unit: str | None, lang: str) -> str:
    """The unit as a reader of ``lang`` writes it: ``thousand person`` is ``мың адам``."""
    if not unit:
        return ""
    labels = UNIT_LABELS.get(unit)
    return unit if labels is None else _pick(labels, lang)


def format_number(x: float, lang: str) -> str:
    """A number in the locale of ``lang`` (``6 151 102``, ``29,9`` for kk and ru)."""
    check_lang(lang)
    if isinstance(x, float) and x.is_integer() and abs(x) >= 1000:
        x = int(x)
    return format_decimal(x, locale=lang, decimal_quantization=False)


# Abbreviations are declined as read, after a hyphen: "км-ден" (километр), "%-дан" (пайыз).
_KK_READ = {
    "%": "пайыз",
    "км": "километр",
    "т": "тонна",
    "кВт": "киловатт",
    "МВт": "мегаватт",
    "га": "гектар",
    "млн": "миллион",
    "кВт·сағ": "сағат",
}


def kk_suffix(word: str, case: str) -> str:
    """The Kazakh ablative (``abl``: -дан/-нан/-тан…) or dative (``dat``: -ға/-қа…) ending
    for the last word of ``word``, by vowel harmony and its last sound; an abbreviation
    (``%``, ``км``) is declined as read, after a hyphen (``%-дан``, ``км-ден``)."""
    last_word = word.split()[-1] if word.split() else word
    if last_word in _KK_READ:
        return "-" + kk_suffix(_KK_READ[last_word], case)
    letters = [c for c in word.lower() if c.isalpha()]
    vowels = [c for c in letters if c in "аоұыәөүіеиуэюя"]
    front = bool(vowels) and vowels[-1] in "әөүіеи"
    last = letters[-1] if letters else "а"
    hyphen = "" if word[-1:].isalpha() else "-"  # after a digit: "100-ден"
    voiceless = last in "кқпстфхцчшщ"
    if case == "abl":
        head = "н" if last in "нмң" else ("т" if voiceless else "д")
        return hyphen + head + ("ен" if front else "ан")
    head = ("к" if front else "қ") if voiceless else ("г" if front else "ғ")
    return hyphen + head + ("е" if front else "а")


def _number_text(fact: Fact, lang: str) -> str:
    if isinstance(fact.value, Range):
        return f"{format_number(fact.value.low, lang)}–{format_number(fact.value.high, lang)}"
    return format_number(fact.value, lang)


def _vague(fact: Fact, lang: str) -> str:
    base = fact.base_value()
    magnitude = (
        float(base.magnitude) if base is not None and not isinstance(base, tuple) else float("nan")
    )
    order = int(round(math.log10(magnitude))) if magnitude > 0 else 0
    words = _pick(_VAGUE.get(order, _VAGUE[2]), lang)
    if fact.unit and "person" in fact.unit:
        return f"{words} {_pick(_VAGUE_UNIT['person'], lang)}"
    return words


def format_value(fact: Fact, lang: str) -> str:
    """The fact's value as a reader of ``lang`` reads it, or ``–`` when it has none.

    ``format_value(workers_1939, "kk")`` is ``115,5 мыңнан астам адам``; in ru
    ``более 115,5 тыс. чел.``; in en ``more than 115.5 thousand people``. Percentages
    read ``29,9 %`` (kk, ru) and ``29.9%`` (en); a multiple ``486 есе`` / ``в 486 раз``.
    """
    check_lang(lang)
    if fact.value is None:
        return "–"
    if fact.qualifier == "vague":
        return _vague(fact, lang)
    number = _number_text(fact, lang)
    unit = unit_label(fact.unit, lang)
    if fact.unit == "percent":
        body = number + ("%" if lang == "en" else NBSP + "%")
    elif fact.unit == "times":
        body = f"в {number} раз" if lang == "ru" else f"{number} {unit}"
    else:
        body = f"{number}{NBSP}{unit}" if unit else number
    q = fact.qualifier
    if q == "exact":
        return body
    if lang == "ru":
        return f"{_RU_QUALIFIER[q]} {body}"
    if lang == "en":
        return f"{_EN_QUALIFIER[q]} {body}"
    word, case, position = _KK_QUALIFIER[q]
    if position == "before":
        return f"{word} {body}"
    return f"{body}{kk_suffix(body, case)} {word}"


def when_label(fact: Fact, lang: str) -> str:
    """The fact's date, year or period as text (``1931-1940``, ``17.12.1926``)."""
    check_lang(lang)
    if fact.date:
        parts = fact.date.split("-")
        return ".".join(reversed(parts)) if lang in ("kk", "ru") else fact.date
    if fact.period:
        return f"{fact.period[0]}–{fact.period[1]}"
    return "" if fact.year is None else str(fact.year)


def confidence_label(confidence: str, lang: str) -> str:
    """``high`` as ``жоғары`` / ``высокая`` / ``high``."""
    return _pick(_CONFIDENCE[confidence], lang)


def borders_label(borders: str | None, lang: str) -> str:
    """The territory a count covers, in the reader's language (``""`` when not a count)."""
    return "" if borders is None else getattr(BORDERS[borders], check_lang(lang))


def kind_label(kind: str, lang: str) -> str:
    """``claim`` as ``мәтіннің тұжырымы`` / ``утверждение текста`` / ``claim of the text``."""
    return _pick(_KINDS[kind], lang)


def topic_label(topic: str, lang: str) -> str:
    """``labour`` as ``еңбек`` / ``труд`` / ``labour``."""
    return _pick(_TOPICS[topic], lang)


def citation_label(fact: Fact, lang: str, title: str | None = None) -> str:
    """The full source for a reader: the citation, labelled as English for kk and ru,
    with its confidence; for a seed fact, ``title`` (the document's title in ``lang``)
    or "source text"."""
    if isinstance(fact.source, SeedSource):
        return title or _pick(_SOURCE_TEXT, lang)
    src = fact.source
    in_english = _pick(_IN_ENGLISH, lang)
    label = f"{src.citation} ({in_english})" if in_english else src.citation
    return f"{label}; {_pick(_CONFIDENCE_WORD, lang)}: {confidence_label(src.confidence, lang)}"


def source_label(fact: Fact, lang: str) -> str:
    """A compact source for tables: "бастапқы мәтін", or the citation's first part with
    its confidence (``Great Soviet Encyclopedia · жоғары``)."""
    if isinstance(fact.source, SeedSource):
        return _pick(_SOURCE_TEXT, lang)
    src = fact.source
    short = src.citation.split(";")[0].split(", as ")[0].split(" (")[0].strip()
    if len(short) > 60:
        short = short[:57].rstrip() + "…"
    in_english = _pick(_IN_ENGLISH_SHORT, lang)
    if in_english:
        short = f"{short} ({in_english})"
    return f"{short} · {confidence_label(src.confidence, lang)}"
