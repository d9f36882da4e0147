"""The lesson's content: the structure (``structure.yaml``) joined with one language's texts.

The texts a reader sees are data files per language, ``<lang>/start.yaml``,
``story.yaml``, ``debate.yaml`` and ``events.yaml``, which a translator edits like the
scenario files' titles: plain YAML strings under the same ids in every language. What
does not depend on the language (which fact a chapter quotes and the verbatim Kazakh
quote itself, the chart's variables, the map's year, an event's date and its facts)
is written once, in ``structure.yaml``, so that a translation cannot change it.

Why data files rather than ``.po`` entries: a chapter is several paragraphs, a list of
questions and a title, in an order; a ``.po`` file keys each string by its English
text, so rewording one English sentence would orphan its translations, and it has no
lists. The interface's short labels stay in the ``.po`` files of :mod:`kazind.explorer.i18n`.

:func:`load_lesson` checks the shape of the files (each mistake a
:class:`~kazind.common.errors.KazindError` naming the file and line) and that every
language has the same ids; :mod:`kazind.explorer.lesson.validate` checks the content
against the source text, the record and the model.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from kazind.common.errors import KazindError
from kazind.common.yamlio import YamlDocument, load_yaml

LESSON_DIR = Path(__file__).resolve().parent
STRUCTURE_FILE = "structure.yaml"
LANGS = ("kk", "ru", "en")
#: The text files of each language, by what they hold.
TEXT_FILES = ("start", "story", "debate", "events")
EVENT_KINDS = (
    "war",
    "state",
    "policy",
    "economy",
    "population",
    "transport",
    "industry",
    "famine",
    "repression",
)
YEARS = (1913, 1940)

_SERIES = re.compile(r"^([a-z][a-z0-9_]*)(?:\[([a-z][a-z0-9_]*)\])?$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


# ---------------------------------------------------------------- what the structure holds


@dataclass(frozen=True)
class Quote:
    """A sentence (or the part of one) of the source text, and the fact that holds it."""

    fact: str
    quote: str


@dataclass(frozen=True)
class Series:
    """A model output drawn in a chapter's chart: a variable, and an element of an arrayed one."""

    variable: str
    element: str | None = None

    def __str__(self) -> str:
        return self.variable if self.element is None else f"{self.variable}[{self.element}]"


@dataclass(frozen=True)
class Source:
    """An outside source the lesson's texts cite (for what the record does not hold)."""

    id: str
    citation: str
    confidence: str
    url: str | None = None


@dataclass(frozen=True)
class EventDate:
    """When an event happened: a first and a last year, and the month and day when known."""

    first: int
    last: int
    month: int | None = None
    day: int | None = None

    @property
    def time(self) -> float:
        """The event's place on a time axis in years (1 January of a year = the year)."""
        if self.month is None:
            return float(self.first)
        start = dt.date(self.first, self.month, self.day or 1)
        return self.first + (start - dt.date(self.first, 1, 1)).days / 365.0

    @property
    def is_period(self) -> bool:
        return self.last > self.first


# ---------------------------------------------------------------- what a reader sees


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Term:
    id: str
    term: str
    definition: str


@dataclass(frozen=True)
class Start:
    """The start tab: what the page is, its sections and the glossary."""

    title: str
    lead: str
    sections: tuple[Section, ...]
    glossary_title: str
    glossary: tuple[Term, ...]


@dataclass(frozen=True)
class Chapter:
    id: str
    number: int  # 1-based, in story order
    period: tuple[int, int]
    map_year: int
    chart: tuple[Series, ...]
    cites: tuple[str, ...]  # the record's facts whose figures the paragraphs use
    sources: tuple[str, ...]  # outside sources (:attr:`Lesson.sources`) the paragraphs rely on
    quotes: tuple[Quote, ...]
    title: str
    paragraphs: tuple[str, ...]
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Line:
    """A line of the debate: who, what in plain words, the text's sentences, the scenario."""

    id: str
    scenario: str
    quotes: tuple[Quote, ...]
    name: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class LeverText:
    name: str  # the model constant
    planned: bool  # not (yet) a lever of the model
    label: str
    tooltip: str


@dataclass(frozen=True)
class Debate:
    title: str
    paragraphs: tuple[str, ...]
    lines: tuple[Line, ...]
    default_scenarios: tuple[str, ...]
    #: what each shipped scenario assumes, in plain words (bullets), by scenario name: read
    #: from the scenario files (:func:`scenario_assumptions`), not written twice
    assumptions: dict[str, tuple[str, ...]]
    levers: dict[str, LeverText]


@dataclass(frozen=True)
class Event:
    id: str
    date: EventDate
    kind: str
    facts: tuple[str, ...]
    sources: tuple[str, ...]
    places: tuple[str, ...]
    label: str  # short, for a marker on the timeline
    text: str


@dataclass(frozen=True)
class Lesson:
    """Everything of the lesson in one language."""

    lang: str
    document: str
    start: Start
    story_title: str
    chapters: tuple[Chapter, ...]
    debate: Debate
    events: tuple[Event, ...]
    sources: dict[str, Source]

    def chapter(self, chapter_id: str) -> Chapter:
        for c in self.chapters:
            if c.id == chapter_id:
                return c
        known = ", ".join(c.id for c in self.chapters)
        raise KazindError(f"unknown chapter {chapter_id!r}; chapters: {known}")

    def chapter_ids(self) -> list[str]:
        return [c.id for c in self.chapters]


# ---------------------------------------------------------------- alphabetical order

#: The alphabets in their order (Kazakh Cyrillic as taught in schools since 1940; Russian).
ALPHABETS = {
    "kk": "аәбвгғдеёжзийкқлмнңоөпрстуұүфхһцчшщъыіьэюя",
    "ru": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
}


def collation_key(text: str, lang: str) -> tuple:
    """A sort key that orders words as the language's dictionaries do (Python's own
    order puts the Kazakh letters ә, ғ, қ, ң, ө, ұ, ү, һ, і after я)."""
    alphabet = ALPHABETS.get(lang)
    folded = text.casefold()
    if alphabet is None:
        return (folded,)
    return tuple(
        (alphabet.index(ch) if ch in alphabet else len(alphabet) + ord(ch)) for ch in folded
    )


# ---------------------------------------------------------------- reading


class _Reader:
    """Typed access to one YAML document, each mistake an error at its line."""

    def __init__(self, doc: YamlDocument):
        self.doc = doc

    def get(
        self,
        data: Any,
        key: str,
        path: tuple,
        kind: type | tuple[type, ...],
        optional: bool = False,
    ) -> Any:
        if not isinstance(data, dict):
            raise self.doc.error("expected a mapping", path)
        if key not in data:
            if optional:
                return None
            raise self.doc.error(f"missing key {key!r}", path)
        value = data[key]
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            raise self.doc.error(f"{key}: expected {_NAMES.get(names, names)}", path + (key,))
        return value

    def text(self, data: Any, key: str, path: tuple) -> str:
        value = self.get(data, key, path, str)
        if not value.strip():
            raise self.doc.error(f"{key}: empty text", path + (key,))
        return value.strip()

    def texts(self, data: Any, key: str, path: tuple) -> tuple[str, ...]:
        values = self.get(data, key, path, list)
        if not values:
            raise self.doc.error(f"{key}: empty list", path + (key,))
        for i, v in enumerate(values):
            if not isinstance(v, str) or not v.strip():
                raise self.doc.error(f"{key}[{i}]: expected a non-empty text", path + (key, i))
        return tuple(v.strip() for v in values)

    def ids(self, data: Any, key: str, path: tuple) -> tuple[str, ...]:
        values = self.get(data, key, path, list, optional=True) or []
        for i, v in enumerate(values):
            if not isinstance(v, str):
                raise self.doc.error(f"{key}[{i}]: expected an id", path + (key, i))
        return tuple(values)

    def unknown_keys(self, data: dict, allowed: tuple[str, ...], path: tuple) -> None:
        for key in data:
            if key not in allowed:
                raise self.doc.error(
                    f"unknown key {key!r} (expected: {', '.join(allowed)})", path + (key,)
                )


_NAMES = {"str": "a text", "list": "a list", "dict": "a mapping", "int": "a whole number"}


def _quotes(r: _Reader, data: Any, path: tuple) -> tuple[Quote, ...]:
    items = r.get(data, "quotes", path, list)
    out = []
    for i, item in enumerate(items):
        p = path + ("quotes", i)
        r.unknown_keys(r.get({"q": item}, "q", p, dict), ("fact", "quote"), p)
        out.append(Quote(fact=r.text(item, "fact", p), quote=r.get(item, "quote", p, str)))
    return tuple(out)


def _series(r: _Reader, value: Any, path: tuple) -> Series:
    m = _SERIES.match(value) if isinstance(value, str) else None
    if m is None:
        raise r.doc.error(f"chart: {value!r} is not a variable or variable[element]", path)
    return Series(m.group(1), m.group(2))


def _year(r: _Reader, value: Any, path: tuple, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 1950:
        raise r.doc.error(f"{what}: expected a year, got {value!r}", path)
    return value


def _event_date(r: _Reader, value: Any, path: tuple) -> EventDate:
    if isinstance(value, list):
        if len(value) != 2:
            raise r.doc.error("date: a period is [first, last]", path)
        first, last = (_year(r, v, path, "date") for v in value)
        if last <= first:
            raise r.doc.error(f"date: the period {first}-{last} does not run forward", path)
        return EventDate(first, last)
    if isinstance(value, dt.date):  # YAML reads 1926-12-17 as a date
        return EventDate(value.year, value.year, value.month, value.day)
    m = (
        _DATE.match(str(value))
        if isinstance(value, int | str) and not isinstance(value, bool)
        else None
    )
    if m is None:
        raise r.doc.error(
            f"date: expected YYYY, YYYY-MM, YYYY-MM-DD or [first, last], got {value!r}", path
        )
    year = _year(r, int(m.group(1)), path, "date")
    month = int(m.group(2)) if m.group(2) else None
    day = int(m.group(3)) if m.group(3) else None
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        raise r.doc.error(f"date: {value!r} is not a date", path) from None
    return EventDate(year, year, month, day)


@dataclass(frozen=True)
class _Structure:
    document: str
    sources: dict[str, Source]
    chapters: tuple[dict, ...]  # id, period, map_year, chart, quotes
    lines: tuple[dict, ...]  # id, scenario, quotes
    default_scenarios: tuple[str, ...]
    levers: dict[str, bool]  # name -> planned
    events: tuple[dict, ...]  # id, date, kind, facts, sources, places


def _unique(r: _Reader, ids: list[str], path: tuple, what: str) -> None:
    seen = set()
    for i, x in enumerate(ids):
        if x in seen:
            raise r.doc.error(f"duplicate {what} id {x!r}", path + (i,))
        seen.add(x)


@lru_cache(maxsize=4)
def _structure(directory: Path) -> _Structure:
    r = _Reader(load_yaml(directory / STRUCTURE_FILE))
    top = r.doc.data
    r.unknown_keys(
        r.get({"top": top}, "top", (), dict),
        ("document", "sources", "chapters", "debate", "events"),
        (),
    )
    sources = {}
    for sid, item in r.get(top, "sources", (), dict).items():
        p = ("sources", sid)
        r.unknown_keys(r.get({"s": item}, "s", p, dict), ("citation", "confidence", "url"), p)
        sources[sid] = Source(
            sid,
            r.text(item, "citation", p),
            r.text(item, "confidence", p),
            r.get(item, "url", p, str, optional=True),
        )

    chapters = []
    for i, item in enumerate(r.get(top, "chapters", (), list)):
        p = ("chapters", i)
        r.unknown_keys(
            r.get({"c": item}, "c", p, dict),
            ("id", "period", "map_year", "chart", "cites", "sources", "quotes"),
            p,
        )
        period = r.get(item, "period", p, list)
        if len(period) != 2:
            raise r.doc.error("period: expected [first, last]", p + ("period",))
        first, last = (_year(r, y, p + ("period",), "period") for y in period)
        map_year = _year(r, r.get(item, "map_year", p, int), p + ("map_year",), "map_year")
        if not YEARS[0] <= map_year <= YEARS[1]:
            raise r.doc.error(
                f"map_year: {map_year} is outside {YEARS[0]}-{YEARS[1]}", p + ("map_year",)
            )
        chart = tuple(
            _series(r, v, p + ("chart", k)) for k, v in enumerate(r.get(item, "chart", p, list))
        )
        if not chart:
            raise r.doc.error("chart: empty list", p + ("chart",))
        srcs = r.ids(item, "sources", p)
        for k, sid in enumerate(srcs):
            if sid not in sources:
                raise r.doc.error(f"unknown source {sid!r} (see `sources:`)", p + ("sources", k))
        chapters.append(
            {
                "id": r.text(item, "id", p),
                "period": (first, last),
                "map_year": map_year,
                "chart": chart,
                "cites": r.ids(item, "cites", p),
                "sources": srcs,
                "quotes": _quotes(r, item, p),
            }
        )
    _unique(r, [c["id"] for c in chapters], ("chapters",), "chapter")

    debate = r.get(top, "debate", (), dict)
    r.unknown_keys(debate, ("default_scenarios", "lines", "levers"), ("debate",))
    lines = []
    for i, item in enumerate(r.get(debate, "lines", ("debate",), list)):
        p = ("debate", "lines", i)
        lines.append(
            {
                "id": r.text(item, "id", p),
                "scenario": r.text(item, "scenario", p),
                "quotes": _quotes(r, item, p),
            }
        )
    _unique(r, [x["id"] for x in lines], ("debate", "lines"), "line")
    levers = {}
    for name, item in r.get(debate, "levers", ("debate",), dict).items():
        p = ("debate", "levers", name)
        item = item or {}
        r.unknown_keys(r.get({"l": item}, "l", p, dict), ("planned",), p)
        levers[name] = bool(r.get(item, "planned", p, bool, optional=True))

    events = []
    for i, item in enumerate(r.get(top, "events", (), list)):
        p = ("events", i)
        r.unknown_keys(
            r.get({"e": item}, "e", p, dict),
            ("id", "date", "kind", "facts", "sources", "places"),
            p,
        )
        kind = r.text(item, "kind", p)
        if kind not in EVENT_KINDS:
            raise r.doc.error(
                f"kind: {kind!r} is not one of {', '.join(EVENT_KINDS)}", p + ("kind",)
            )
        facts, srcs = r.ids(item, "facts", p), r.ids(item, "sources", p)
        if not facts and not srcs:
            raise r.doc.error("an event needs facts of the record or outside sources", p)
        for k, s in enumerate(srcs):
            if s not in sources:
                raise r.doc.error(f"unknown source {s!r} (see `sources:`)", p + ("sources", k))
        events.append(
            {
                "id": r.text(item, "id", p),
                "date": _event_date(
                    r, r.get(item, "date", p, (int, str, list, dt.date)), p + ("date",)
                ),
                "kind": kind,
                "facts": facts,
                "sources": srcs,
                "places": r.ids(item, "places", p),
            }
        )
    _unique(r, [e["id"] for e in events], ("events",), "event")
    return _Structure(
        r.text(top, "document", ()),
        sources,
        tuple(chapters),
        tuple(lines),
        r.ids(debate, "default_scenarios", ("debate",)),
        levers,
        tuple(events),
    )


def text_file(lang: str, name: str, directory: Path = LESSON_DIR) -> Path:
    return directory / lang / f"{name}.yaml"


def _check_lang(lang: object) -> str:
    if lang not in LANGS:
        raise KazindError(f"unknown language {lang!r}; choose kk, ru or en")
    return lang  # type: ignore[return-value]


def _same_ids(r: _Reader, data: dict, expected: list[str], path: tuple, what: str) -> None:
    """The keys of ``data`` are exactly ``expected`` (the structure's or Kazakh file's ids)."""
    missing = [x for x in expected if x not in data]
    extra = [x for x in data if x not in expected]
    if missing:
        raise r.doc.error(f"missing {what} {', '.join(map(repr, missing))}", path)
    if extra:
        raise r.doc.error(
            f"unknown {what} {', '.join(map(repr, extra))} (expected: {', '.join(expected)})",
            path + (extra[0],),
        )


def _same_shape(r: _Reader, data: Any, kk: Any, path: tuple) -> None:
    """``data`` has the Kazakh file's ids and as many items in each list (texts may differ)."""
    if isinstance(kk, dict):
        if not isinstance(data, dict):
            raise r.doc.error("expected a mapping, as in the Kazakh file", path)
        _same_ids(r, data, list(kk), path, "keys (as in the Kazakh file)")
        for key, value in kk.items():
            _same_shape(r, data[key], value, path + (key,))
    elif isinstance(kk, list):
        if not isinstance(data, list) or len(data) != len(kk):
            n = len(data) if isinstance(data, list) else "no"
            raise r.doc.error(f"{n} items where the Kazakh file has {len(kk)}", path)
        for i, (a, b) in enumerate(zip(data, kk, strict=True)):
            _same_shape(r, a, b, path + (i,))


def load_lesson(lang: str, directory: str | Path = LESSON_DIR) -> Lesson:
    """The lesson in ``lang``, every text file checked against the structure and, for
    Russian and English, against the Kazakh file's ids (``directory``: for tests)."""
    return _load(_check_lang(lang), Path(directory).resolve())


@lru_cache(maxsize=4 * len(LANGS))
def _load(lang: str, directory: Path) -> Lesson:
    s = _structure(directory)
    readers = {name: _Reader(load_yaml(text_file(lang, name, directory))) for name in TEXT_FILES}
    if lang != "kk":
        for name, r in readers.items():
            _same_shape(r, r.doc.data, load_yaml(text_file("kk", name, directory)).data, ())
    return Lesson(
        lang,
        s.document,
        _start(readers["start"], lang),
        *_story(readers["story"], s),
        _debate(readers["debate"], s, lang),
        _events(readers["events"], s),
        s.sources,
    )


def _start(r: _Reader, lang: str) -> Start:
    top = r.doc.data
    r.unknown_keys(
        r.get({"top": top}, "top", (), dict),
        ("title", "lead", "sections", "glossary_title", "glossary"),
        (),
    )
    sections = []
    for sid, item in r.get(top, "sections", (), dict).items():
        p = ("sections", sid)
        r.unknown_keys(r.get({"s": item}, "s", p, dict), ("title", "paragraphs"), p)
        sections.append(Section(sid, r.text(item, "title", p), r.texts(item, "paragraphs", p)))
    terms = []
    for tid, item in r.get(top, "glossary", (), dict).items():
        p = ("glossary", tid)
        r.unknown_keys(r.get({"t": item}, "t", p, dict), ("term", "definition"), p)
        terms.append(Term(tid, r.text(item, "term", p), r.text(item, "definition", p)))
    terms.sort(key=lambda t: collation_key(t.term, lang))
    return Start(
        r.text(top, "title", ()),
        r.text(top, "lead", ()),
        tuple(sections),
        r.text(top, "glossary_title", ()),
        tuple(terms),
    )


def _story(r: _Reader, s: _Structure) -> tuple[str, tuple[Chapter, ...]]:
    top = r.doc.data
    r.unknown_keys(r.get({"top": top}, "top", (), dict), ("title", "chapters"), ())
    texts = r.get(top, "chapters", (), dict)
    _same_ids(r, texts, [c["id"] for c in s.chapters], ("chapters",), "chapters")
    out = []
    for n, c in enumerate(s.chapters, start=1):
        p = ("chapters", c["id"])
        item = texts[c["id"]]
        r.unknown_keys(r.get({"c": item}, "c", p, dict), ("title", "paragraphs", "questions"), p)
        questions = r.texts(item, "questions", p)
        if not 2 <= len(questions) <= 4:
            raise r.doc.error(
                f"questions: {len(questions)} questions; a chapter asks two to four",
                p + ("questions",),
            )
        out.append(
            Chapter(
                c["id"],
                n,
                c["period"],
                c["map_year"],
                c["chart"],
                c["cites"],
                c["sources"],
                c["quotes"],
                r.text(item, "title", p),
                r.texts(item, "paragraphs", p),
                questions,
            )
        )
    return r.text(top, "title", ()), tuple(out)


def _debate(r: _Reader, s: _Structure, lang: str) -> Debate:
    top = r.doc.data
    r.unknown_keys(
        r.get({"top": top}, "top", (), dict), ("title", "paragraphs", "lines", "levers"), ()
    )
    texts = r.get(top, "lines", (), dict)
    _same_ids(r, texts, [x["id"] for x in s.lines], ("lines",), "lines")
    lines = []
    for x in s.lines:
        p = ("lines", x["id"])
        item = texts[x["id"]]
        r.unknown_keys(r.get({"l": item}, "l", p, dict), ("name", "paragraphs"), p)
        lines.append(
            Line(
                x["id"],
                x["scenario"],
                x["quotes"],
                r.text(item, "name", p),
                r.texts(item, "paragraphs", p),
            )
        )
    assumptions = scenario_assumptions(lang)
    lever_texts = r.get(top, "levers", (), dict)
    _same_ids(r, lever_texts, list(s.levers), ("levers",), "levers")
    levers = {}
    for name, planned in s.levers.items():
        p = ("levers", name)
        item = lever_texts[name]
        r.unknown_keys(r.get({"l": item}, "l", p, dict), ("label", "tooltip"), p)
        levers[name] = LeverText(
            name, planned, r.text(item, "label", p), r.text(item, "tooltip", p)
        )
    return Debate(
        r.text(top, "title", ()),
        r.texts(top, "paragraphs", ()),
        tuple(lines),
        s.default_scenarios,
        assumptions,
        levers,
    )


def scenario_assumptions(lang: str) -> dict[str, tuple[str, ...]]:
    """What each shipped scenario assumes, in ``lang``: read from the scenario files (their
    ``assumptions``), the one home of what a scenario stands on; a scenario whose file
    gives none is left out (the lesson's checks then name it)."""
    from kazind.scenarios import load_scenario

    out = {}
    for name in shipped_scenarios():
        texts = load_scenario(name).assumptions.get(lang)
        if texts:
            out[name] = tuple(texts)
    return out


def shipped_scenarios() -> list[str]:
    """The scenarios shipped with kazind (not a user's own from ./scenarios or the search path)."""
    from kazind.scenarios.loader import SHIPPED_DIR

    return sorted(p.stem for p in SHIPPED_DIR.glob("*.yaml"))


def _events(r: _Reader, s: _Structure) -> tuple[Event, ...]:
    top = r.doc.data
    r.unknown_keys(r.get({"top": top}, "top", (), dict), ("events",), ())
    texts = r.get(top, "events", (), dict)
    _same_ids(r, texts, [e["id"] for e in s.events], ("events",), "events")
    out = []
    for e in s.events:
        p = ("events", e["id"])
        item = texts[e["id"]]
        r.unknown_keys(r.get({"e": item}, "e", p, dict), ("label", "text"), p)
        out.append(
            Event(
                e["id"],
                e["date"],
                e["kind"],
                e["facts"],
                e["sources"],
                e["places"],
                r.text(item, "label", p),
                r.text(item, "text", p),
            )
        )
    return tuple(sorted(out, key=lambda ev: ev.date.time))
