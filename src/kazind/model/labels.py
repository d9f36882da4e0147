"""What a reader calls the model's variables and sectors, in Kazakh, Russian and English.

The model file names its variables in ``snake_case`` for the engine and describes them
in English for modellers. A history teacher reads the explorer in Kazakh or Russian: the
catalogue ``model/data/labels.yaml`` gives each variable a short name and a one-line
description in kk, ru and en (with the names of the period: NEP, the five-year plans,
organised recruitment...), each sector of the model its name, and each element of the
model's dimensions (branches, groups, species...) the word a legend shows. It is owned
by the model: a variable or element added to ``kazakhstan.yaml`` needs its labels here
(:func:`missing_labels` and :func:`missing_element_labels` list those without, and a
test reports them). Cities are named by the gazetteer, with the names of the year.

``label(name, lang)``, ``description(name, lang)`` and ``element_label(element, lang)``
fall back to English, then to the name, so a page never breaks for a missing label.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from kazind.common.errors import KazindError
from kazind.common.langs import LANGS
from kazind.common.yamlio import load_yaml

__all__ = [
    "LABELS_FILE",
    "LANGS",
    "Labels",
    "load_labels",
    "label",
    "description",
    "sector_label",
    "element_label",
    "missing_labels",
    "missing_element_labels",
]

LABELS_FILE = Path(str(files("kazind.model").joinpath("data", "labels.yaml")))


@dataclass(frozen=True)
class Labels:
    """The catalogue: variable -> {lang: name}, variable -> {lang: description},
    sector -> {lang: name}, dimension -> element -> {lang: name}."""

    names: dict[str, dict[str, str]]
    descriptions: dict[str, dict[str, str]]
    sectors: dict[str, dict[str, str]]
    elements: dict[str, dict[str, dict[str, str]]]


def _texts(doc, value, path: tuple, what: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise doc.error(f"{what}: expected kk, ru and en texts", path)
    out = {}
    for lang in LANGS:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            raise doc.error(f"{what}: missing the {lang} text", path)
        out[lang] = " ".join(text.split())
    unknown = set(value) - set(LANGS)
    if unknown:
        raise doc.error(f"{what}: unknown language {sorted(unknown)[0]!r} (kk, ru, en)", path)
    return out


@lru_cache(maxsize=4)
def load_labels(path: str | Path = LABELS_FILE) -> Labels:
    """Read and check the catalogue (every text present in the three languages)."""
    doc = load_yaml(path)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("variables"), dict):
        raise KazindError(f"{path}: expected 'variables:' (and 'sectors:') mappings")
    names, descriptions = {}, {}
    for var, entry in data["variables"].items():
        base = ("variables", var)
        if not isinstance(entry, dict) or set(entry) - {"name", "description"}:
            raise doc.error(f"variable {var!r}: expected 'name' and 'description'", base)
        names[var] = _texts(doc, entry.get("name"), (*base, "name"), f"variable {var!r} name")
        descriptions[var] = _texts(
            doc, entry.get("description"), (*base, "description"), f"variable {var!r} description"
        )
    sectors = {
        s: _texts(doc, t, ("sectors", s), f"sector {s!r}")
        for s, t in (data.get("sectors") or {}).items()
    }
    elements = {}
    for dim, table in (data.get("elements") or {}).items():
        if not isinstance(table, dict):
            raise doc.error(
                f"dimension {dim!r}: expected its elements with kk, ru and en names",
                ("elements", dim),
            )
        elements[dim] = {
            e: _texts(doc, t, ("elements", dim, e), f"element {dim}.{e}") for e, t in table.items()
        }
    return Labels(names, descriptions, sectors, elements)


def _pick(table: dict[str, dict[str, str]], key: str, lang: str) -> str | None:
    texts = table.get(key)
    return (texts.get(lang) or texts.get("en")) if texts else None


def label(name: str, lang: str) -> str:
    """The reader's name of the variable ``name`` in ``lang``."""
    return _pick(load_labels().names, name, lang) or name


def description(name: str, lang: str) -> str:
    """A one-line description of the variable in ``lang`` ('' if none)."""
    return _pick(load_labels().descriptions, name, lang) or ""


def sector_label(sector: str, lang: str) -> str:
    """The reader's name of a sector of the model (the model file's header text)."""
    return _pick(load_labels().sectors, sector, lang) or sector


def element_label(element: str, lang: str, dimension: str | None = None) -> str | None:
    """The reader's word for an element of a dimension (``sheep_goats`` -> ``қой мен ешкі``),
    or None when the catalogue has none (a city: the gazetteer names it). Without
    ``dimension`` the element is looked up in every dimension (element names are unique)."""
    elements = load_labels().elements
    tables = [elements.get(dimension, {})] if dimension else list(elements.values())
    for table in tables:
        if element in table:
            return _pick(table, element, lang)
    return None


def missing_element_labels(
    dimensions: dict[str, list[str]], named_elsewhere=("city",)
) -> list[str]:
    """``dimension.element`` for each element of the model's dimensions without a label
    (dimensions in ``named_elsewhere`` are named by the gazetteer)."""
    elements = load_labels().elements
    return [
        f"{d}.{e}"
        for d, items in dimensions.items()
        if d not in named_elsewhere
        for e in items
        if e not in elements.get(d, {})
    ]


def missing_labels(variables, sectors=()) -> list[str]:
    """The variables (and sectors) of the model that have no entry in the catalogue."""
    labels = load_labels()
    out = [v for v in variables if v not in labels.names]
    out += [f"sector: {s}" for s in sectors if s not in labels.sectors]
    return out
