"""Every check of the fact files, run on every load and by the tests.

A broken record fails loudly: a :class:`KazindError` naming the file, the line (from
:func:`kazind.common.load_yaml`), the fact id and the reason. The checks: the schema;
unique, well-formed ids; seed quotes verbatim in their document; each value written in
its quote (in the text's own number formats, see :func:`numbers_in`); places known to
the gazetteer; units pint can read; years within 1890-1960; alternatives that exist and
name each other back.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from kazind.common.errors import KazindError
from kazind.common.units import parse_unit
from kazind.common.validation import located_error
from kazind.common.yamlio import YamlDocument, load_yaml
from kazind.record.documents import DocumentStore, default_store
from kazind.record.places import DATA_DIR
from kazind.record.schema import ExternalSource, Fact, Range, SeedSource

YEAR_RANGE = (1890, 1960)  # the 1897 census to Karlag's 1959
PLACE_FILES = (DATA_DIR / "places.yaml", DATA_DIR / "railways.yaml")

# Kazakh number words of the source text, matched against whole words (case-insensitive):
# (regex for the word and its inflected forms, value, whether it is a fraction). A fraction
# may stand for a percentage: "жартысы" (half) supports 0.5 or 50 percent.
NUMBER_WORDS: tuple[tuple[str, float, bool], ...] = (
    (r"жартыс\w*", 0.5, True),  # half: жартысы, жартысынан, жартысына
    (r"бір", 1, False),  # one
    (r"екі", 2, False),  # two (the bare word, not екінші)
    (r"жетеу\w*", 7, False),  # seven of them: жетеуі
    (r"бірінші\w*", 1, False),  # first
    (r"екінші\w*", 2, False),  # second: екінші орынға
    (r"үшінші\w*", 3, False),  # third
    (r"төртінші\w*", 4, False),  # fourth
    (r"бесінші\w*", 5, False),  # fifth
    (r"ондаған", 10, False),  # tens (of): ондаған мың = tens of thousands
    (r"жүздеген", 100, False),  # hundreds (of)
    (r"миллиондаған", 1_000_000, False),  # millions (of)
)
_DIGITS = re.compile(r"(?<![\d,])\d+(?:,\d+)?(?!\d)")
_FRACTION = re.compile(r"(?<!\d)(\d+)\s*/\s*(\d+)(?!\d)")
_WORD = re.compile(r"\w+")


def numbers_in(text: str) -> list[tuple[float, bool]]:
    """The numbers written in ``text``, each with whether it is a fraction.

    Reads the source text's formats: decimal commas (``97,2% - ке``, ``115,5 мыңнан``,
    ``1,8 млн.``), numbers glued to dashes or suffixes (``61—ге``, ``6581 км-ге``),
    fractions (``3/4``) and the number words of :data:`NUMBER_WORDS`.
    """
    found: list[tuple[float, bool]] = []
    for m in _DIGITS.finditer(text):
        found.append((float(m.group().replace(",", ".")), False))
    for m in _FRACTION.finditer(text):
        if int(m.group(2)):
            found.append((int(m.group(1)) / int(m.group(2)), True))
    for word in _WORD.findall(text.lower()):
        for pattern, value, fraction in NUMBER_WORDS:
            if re.fullmatch(pattern, word):
                found.append((float(value), fraction))
    return found


def value_in_quote(value: float, quote: str, unit: str | None) -> bool:
    """True if ``value`` is written in ``quote`` (a fraction may be given as a percentage)."""
    for number, fraction in numbers_in(quote):
        if math.isclose(value, number, rel_tol=1e-9, abs_tol=1e-12):
            return True
        if fraction and unit == "percent" and math.isclose(value, number * 100, rel_tol=1e-9):
            return True
    return False


def load_facts(
    files: Iterable[str | Path],
    documents: DocumentStore | None = None,
    place_files: Iterable[str | Path] = PLACE_FILES,
) -> tuple[list[Fact], dict[str, tuple[str, int | None]], list[str]]:
    """Read, parse and check fact files.

    Returns the facts, each id's (file, line), and notes on checks that had to be
    skipped (only the place check, while the gazetteer files do not exist yet).
    """
    documents = documents or default_store()
    facts: list[Fact] = []
    origins: dict[str, tuple[str, int | None]] = {}
    docs: dict[str, YamlDocument] = {}
    paths: dict[str, tuple[int, ...]] = {}
    for file in files:
        doc = load_yaml(file)
        if not isinstance(doc.data, list):
            raise doc.error("expected a list of fact records")
        for i, item in enumerate(doc.data):
            fact = _parse(doc, i, item)
            if fact.id in origins:
                first = origins[fact.id]
                raise doc.error(
                    f"duplicate id (first defined at {first[0]}:{first[1]})", (i, "id"), fact.id
                )
            origins[fact.id] = (doc.file, doc.line_of((i,)))
            docs[fact.id], paths[fact.id] = doc, (i,)
            facts.append(fact)
    by_id = {f.id: f for f in facts}
    for fact in facts:
        doc, path = docs[fact.id], paths[fact.id]
        _check_source(fact, doc, path, documents)
        _check_value(fact, doc, path)
        _check_years(fact, doc, path)
        _check_alternatives(fact, by_id, doc, path)
    notes = _check_places(facts, docs, paths, place_files)
    return facts, origins, notes


def _parse(doc: YamlDocument, i: int, item: object) -> Fact:
    where = (
        item.get("id")
        if isinstance(item, dict) and isinstance(item.get("id"), str)
        else f"record {i + 1}"
    )
    try:
        return Fact.model_validate(item)
    except ValidationError as exc:
        raise located_error(doc, exc, (i,), where) from None


def _check_source(fact: Fact, doc: YamlDocument, path: tuple, documents: DocumentStore) -> None:
    src = fact.source
    try:
        if isinstance(src, SeedSource):
            if src.quote not in documents.text(src.document):
                raise doc.error(
                    f"quote is not verbatim in document {src.document!r}: {src.quote!r}",
                    (*path, "source", "quote"),
                    fact.id,
                )
        elif isinstance(src, ExternalSource) and documents.get(src.reference).kind != "reference":
            raise doc.error(
                f"{src.reference!r} is not a reference document", (*path, "source"), fact.id
            )
    except KazindError as exc:
        if exc.file:
            raise
        raise doc.error(exc.message, (*path, "source"), fact.id) from None


def _check_value(fact: Fact, doc: YamlDocument, path: tuple) -> None:
    if fact.unit:
        try:
            parse_unit(fact.unit)
        except KazindError as exc:
            raise doc.error(exc.message, (*path, "unit"), fact.id) from None
    if fact.value is None or not isinstance(fact.source, SeedSource):
        return
    values = [fact.value.low, fact.value.high] if isinstance(fact.value, Range) else [fact.value]
    for value in values:
        if not value_in_quote(value, fact.source.quote, fact.unit):
            seen = sorted({n for n, _ in numbers_in(fact.source.quote)})
            raise doc.error(
                f"value {value} does not appear in its quote {fact.source.quote!r} "
                f"(numbers there: {', '.join(f'{n:g}' for n in seen) or 'none'})",
                (*path, "value"),
                fact.id,
            )


def _check_years(fact: Fact, doc: YamlDocument, path: tuple) -> None:
    low, high = YEAR_RANGE
    span = fact.years()
    if span and not (low <= span[0] and span[1] <= high):
        key = "year" if fact.year is not None else "period" if fact.period else "date"
        shown = f"{span[0]}-{span[1]}" if span[0] != span[1] else str(span[0])
        raise doc.error(f"{key} {shown} is outside {low}-{high}", (*path, key), fact.id)


def _check_alternatives(fact: Fact, by_id: dict[str, Fact], doc: YamlDocument, path: tuple) -> None:
    for alt in fact.alternatives:
        where = (*path, "alternatives")
        if alt == fact.id:
            raise doc.error("a fact cannot be its own alternative", where, fact.id)
        if alt not in by_id:
            raise doc.error(f"alternative {alt!r} is not a fact", where, fact.id)
        if fact.id not in by_id[alt].alternatives:
            raise doc.error(f"alternative {alt!r} does not name {fact.id!r} back", where, fact.id)


def known_place_ids(place_files: Iterable[str | Path]) -> tuple[set[str], list[str]]:
    """Ids of the gazetteer files that exist, and the names of those that do not."""
    ids: set[str] = set()
    missing: list[str] = []
    for file in place_files:
        if not Path(file).exists():
            missing.append(Path(file).name)
            continue
        ids |= _ids_in(load_yaml(file).data)
    return ids, missing


def _ids_in(data: object) -> set[str]:
    """Ids of a gazetteer file: a list of records, or a mapping of such lists."""
    if isinstance(data, list):
        return {
            item["id"]
            for item in data
            if isinstance(item, dict) and isinstance(item.get("id"), str)
        }
    if isinstance(data, dict):
        return set().union(*(_ids_in(v) for v in data.values() if isinstance(v, list)))
    return set()


def _check_places(facts: list[Fact], docs: dict, paths: dict, place_files: Iterable) -> list[str]:
    known, missing = known_place_ids(place_files)
    unknown = [(f, p) for f in facts for p in f.places if p not in known]
    if missing:
        names = sorted({p for _, p in unknown})
        return [
            f"place check skipped: {', '.join(missing)} not found; "
            f"{len(names)} place ids not yet checkable: {', '.join(names)}"
        ]
    if unknown:
        fact, place = unknown[0]
        raise docs[fact.id].error(
            f"unknown place {place!r} (not in places.yaml or railways.yaml)",
            (*paths[fact.id], "places"),
            fact.id,
        )
    return []
