"""The table of facts the rest of kazind queries: load, validate, look up, filter.

:class:`FactTable` loads ``facts_seed.yaml`` and ``facts_external.yaml``, runs every
check of :mod:`kazind.record.validate` and answers queries by kind, topic, year, place
and id. The record classes live in :mod:`kazind.record.schema` and are re-exported here
for the callers that import them from this module; a reader's formatting of a fact is
:mod:`kazind.record.display` (``format_value`` below is the compact developer form).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from kazind.common.errors import KazindError
from kazind.common.suggest import did_you_mean, suggest
from kazind.record.places import DATA_DIR
from kazind.record.schema import (
    BORDERS,
    KINDS,
    POPULATION_TOPICS,
    TOPICS,
    ExternalSource,
    Fact,
    Range,
    SeedSource,
    Statement,
)
from kazind.record.validate import load_facts

__all__ = [
    "BORDERS",
    "FACT_FILES",
    "KINDS",
    "POPULATION_TOPICS",
    "TOPICS",
    "ExternalSource",
    "Fact",
    "FactTable",
    "Range",
    "SeedSource",
    "Statement",
    "default_table",
    "format_value",
    "format_when",
]

FACT_FILES = (DATA_DIR / "facts_seed.yaml", DATA_DIR / "facts_external.yaml")


class FactTable:
    """All facts of the record, in file order, with lookup and filters."""

    def __init__(
        self,
        facts: list[Fact],
        origins: dict[str, tuple[str, int | None]] | None = None,
        notes: list[str] | None = None,
    ):
        self.facts = list(facts)
        self.by_id = {f.id: f for f in self.facts}
        self.origins = origins or {}
        self.notes = notes or []  # checks that were skipped, and why

    @classmethod
    def load(cls, files: tuple[Path, ...] | list[Path] = FACT_FILES, **kwargs) -> FactTable:
        """Read and validate fact files (see :func:`kazind.record.validate.load_facts`)."""
        facts, origins, notes = load_facts(files, **kwargs)
        return cls(facts, origins, notes)

    def __iter__(self) -> Iterator[Fact]:
        return iter(self.facts)

    def __len__(self) -> int:
        return len(self.facts)

    def get(self, fact_id: str) -> Fact:
        """The fact ``fact_id``; an unknown id is an error that suggests the nearest ids."""
        if fact_id in self.by_id:
            return self.by_id[fact_id]
        raise KazindError(
            f"unknown fact id {fact_id!r}{did_you_mean(fact_id, self.by_id, cutoff=0.5)}"
        )

    def topics(self) -> list[str]:
        return sorted({f.topic for f in self.facts})

    def places(self) -> list[str]:
        return sorted({p for f in self.facts for p in f.places})

    def filter(
        self,
        topic: str | None = None,
        year: int | None = None,
        place: str | None = None,
        kind: str | None = None,
    ) -> list[Fact]:
        """Facts of ``topic`` and ``kind``, covering ``year`` and naming ``place`` (each optional).

        An unknown topic or place is an error listing the valid ones, so that a typo is
        not mistaken for "no facts".
        """
        if topic is not None and topic not in TOPICS:
            raise KazindError(f"unknown topic {topic!r}; valid topics: {', '.join(TOPICS)}")
        if place is not None and place not in self.places():
            hint = (
                f"; did you mean {', '.join(near)}?"
                if (near := suggest(place, self.places()))
                else ""
            )
            raise KazindError(f"no fact names place {place!r}{hint}")
        if kind is not None and kind not in KINDS:
            raise KazindError(f"unknown kind {kind!r}; valid kinds: {', '.join(KINDS)}")
        return [
            f
            for f in self.facts
            if (kind is None or f.kind == kind)
            and (topic is None or f.topic == topic)
            and (year is None or f.matches_year(year))
            and (place is None or place in f.places)
        ]


@lru_cache(maxsize=1)
def default_table() -> FactTable:
    """The project's facts, loaded and validated once per process."""
    return FactTable.load()


def format_value(fact: Fact) -> str:
    """The value as text for people: ``559 thousand person``, ``1444-1452 km``, ``-``."""
    if fact.value is None:
        return "-"
    if isinstance(fact.value, Range):
        number = f"{_num(fact.value.low)}-{_num(fact.value.high)}"
    else:
        number = _num(fact.value)
    mark = {
        "about": "~",
        "more_than": ">",
        "less_than": "<",
        "up_to": "<=",
        "at_least": ">=",
        "nearly": "~",
    }.get(fact.qualifier, "")
    unit = {"percent": "%", "dimensionless": "", "times": "x"}.get(fact.unit, f" {fact.unit}")
    return f"{mark}{number}{unit}"


def format_when(fact: Fact) -> str:
    if fact.date:
        return fact.date
    if fact.period:
        return f"{fact.period[0]}-{fact.period[1]}"
    return str(fact.year) if fact.year is not None else ""


def _num(x: float) -> str:
    return re.sub(r"\.0$", "", repr(x)) if isinstance(x, float) else str(x)
