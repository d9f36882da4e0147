"""The schema of the fact records (docs/record.md, "Fact records"): pydantic classes only.

A fact is a number (``quantity``), a dated event or named thing (``entity``) or a
judgement of the text (``claim``), either stated by the source text (``seed.*``, with a
verbatim quote) or taken from an outside source (``ext.*``, with a citation and a
confidence). Population counts say which ``borders`` they count (:data:`BORDERS`).
The checks that need the documents or the gazetteer are in :mod:`kazind.record.validate`;
the table that loads and queries the facts is :mod:`kazind.record.facts`.
"""

from __future__ import annotations

from typing import Literal

import pint
from pydantic import BaseModel, ConfigDict, Field, model_validator

from kazind.common.errors import KazindError
from kazind.common.units import parse_unit, ureg

Topic = Literal[
    "industry",
    "transport",
    "energy",
    "labour",
    "population",
    "urbanisation",
    "policy",
    "ownership",
    "agriculture",
]
Branch = Literal[
    "non_ferrous",
    "coal",
    "oil",
    "chemicals",
    "power",
    "machine_building",
    "light",
    "food",
    "printing",
]
Qualifier = Literal[
    "exact", "about", "more_than", "less_than", "up_to", "at_least", "nearly", "vague"
]
#: quantity: a number; entity: a dated event or a named thing, without a number;
#: claim: a judgement of the text (a cause, an assessment, a position it reports).
Kind = Literal["quantity", "entity", "claim"]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
Confidence = Literal["high", "medium-high", "medium", "low-medium", "low"]
Borders = Literal[
    "kazakh_assr_1926_without_karakalpak",
    "kazakh_assr_1926_with_karakalpak",
    "today",
    "not_stated",
]
TOPICS: tuple[str, ...] = Topic.__args__  # type: ignore[attr-defined]
#: Topics whose quantities count people in a territory: each such fact names its borders.
POPULATION_TOPICS = ("population", "urbanisation")
ID_PATTERN = r"^(seed|ext)\.[a-z][a-z0-9_]*\.[a-z0-9_]+$"
DATE_PATTERN = r"^(19\d\d)(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(_Strict):
    """A value the source gives as a range, e.g. 1,444-1,452 km."""

    low: int | float
    high: int | float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        return self


class Statement(_Strict):
    """The fact as one sentence in Kazakh (the text's language), Russian and English."""

    kk: str = Field(min_length=1)
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)


#: What each value of ``borders`` counts, for readers (kk, ru, en). The Karakalpak
#: autonomous region belonged to the Kazakh ASSR from 1925 until July 1930; the republic
#: without it is the territory of the 1939 census and of the model.
BORDERS: dict[str, Statement] = {
    "kazakh_assr_1926_without_karakalpak": Statement(
        kk="1926 жылғы Қазақ АКСР-і Қарақалпақ облысынсыз (1930 жылдан кейінгі республика, 1939 жылғы санақ аумағы)",
        ru="Казакская АССР 1926 года без Каракалпакской области (республика после 1930 года, территория переписи 1939 года)",
        en="the Kazakh ASSR of 1926 without the Karakalpak region (the republic after 1930, the territory of the 1939 census)",
    ),
    "kazakh_assr_1926_with_karakalpak": Statement(
        kk="1926 жылғы шекарадағы Қазақ АКСР-і Қарақалпақ автономиялы облысымен бірге",
        ru="Казакская АССР в границах 1926 года вместе с Каракалпакской автономной областью",
        en="the Kazakh ASSR in its 1926 borders, with the Karakalpak autonomous region",
    ),
    "today": Statement(
        kk="Қазақстанның қазіргі шекарасы",
        ru="современные границы Казахстана",
        en="Kazakhstan's present-day borders",
    ),
    "not_stated": Statement(
        kk="дереккөз шекараны көрсетпейді",
        ru="источник не указывает границы",
        en="the source does not say which borders",
    ),
}


class SeedSource(_Strict):
    """Where a seed fact stands in its document: a verbatim quote."""

    document: str = Field(min_length=1)
    quote: str = Field(min_length=1)


class ExternalSource(_Strict):
    """An outside source: its citation, the reference document and how corroborated it is."""

    citation: str = Field(min_length=1)
    reference: str = Field(min_length=1)
    confidence: Confidence


class Fact(_Strict):
    """One record of ``facts_*.yaml`` (see docs/record.md, "Fact records")."""

    id: str = Field(pattern=ID_PATTERN)
    kind: Kind
    topic: Topic
    branch: Branch | None = None
    quantity: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    value: int | float | Range | None = None
    qualifier: Qualifier = "exact"
    unit: str | None = None
    year: int | None = None
    period: tuple[int, int] | None = None
    date: str | None = Field(default=None, pattern=DATE_PATTERN)
    places: tuple[str, ...] = ()
    statement: Statement
    source: SeedSource | ExternalSource
    borders: Borders | None = None
    note: Statement | None = None
    attributed_to: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    measure: str | None = None  # what exactly the value measures, when a model must match it
    alternatives: tuple[str, ...] = ()
    model_use: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _derive_kind(cls, data: object) -> object:
        """``kind`` may be left out: a fact with a value is a quantity, one without an entity.
        A claim is always stated."""
        if isinstance(data, dict) and "kind" not in data:
            data = {**data, "kind": "quantity" if data.get("value") is not None else "entity"}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Fact:
        if sum(x is not None for x in (self.year, self.period, self.date)) > 1:
            raise ValueError("give one of year, period or date, not several")
        self._check_kind()
        if self.period is not None and self.period[0] > self.period[1]:
            raise ValueError(f"period {list(self.period)} runs backwards")
        if self.value is not None and not self.unit:
            raise ValueError("a fact with a value needs a unit")
        kind = "seed" if isinstance(self.source, SeedSource) else "ext"
        if not self.id.startswith(kind + "."):
            raise ValueError(f"a {kind} source needs an id starting with {kind!r}.")
        if self.alternatives and not self.model_use:
            raise ValueError("a fact with alternatives needs model_use (which one the model uses)")
        if self.borders is None and self.counts_people:
            raise ValueError("a population fact needs borders: one of " + ", ".join(BORDERS))
        if self.borders == "not_stated" and self.note is None:
            raise ValueError("borders not_stated needs a note saying why the borders are unknown")
        return self

    def _check_kind(self) -> None:
        if self.kind == "quantity" and self.value is None:
            raise ValueError(
                "a quantity needs a value (a fact without one is an entity or a claim)"
            )
        if self.kind != "quantity" and self.value is not None:
            raise ValueError(f"a {self.kind} has no value (a fact with a value is a quantity)")
        if self.kind != "claim" and self.quantity is None:
            raise ValueError(f"a {self.kind} needs a quantity (what is measured or dated)")
        if self.kind == "claim":
            if not isinstance(self.source, SeedSource):
                raise ValueError(
                    "a claim is the text's own: it needs a verbatim quote (a seed source)"
                )
            if self.first_year is None:
                raise ValueError("a claim needs the year, period or date it is about")
            if self.qualifier != "exact" or self.unit or self.measure:
                raise ValueError("a claim has no qualifier, unit or measure")
        elif self.attributed_to is not None:
            raise ValueError("only a claim is attributed_to someone")

    @property
    def counts_people(self) -> bool:
        """True for a quantity of people of the republic as a whole (``places`` holds
        ``kazakhstan``): a value of a population topic, or a count of persons in any topic.
        Such a fact must say which borders it counts; a city's count needs none."""
        if self.value is None or "kazakhstan" not in self.places:
            return False
        if self.topic in POPULATION_TOPICS:
            return True
        try:
            unit = parse_unit(self.unit or "")
        except KazindError:  # reported, with its line, by the unit check of validate.py
            return False
        return unit.dimensionality == ureg.person.dimensionality

    @property
    def is_seed(self) -> bool:
        return isinstance(self.source, SeedSource)

    @property
    def is_quantitative(self) -> bool:
        """A fact with a value (a dated event, a named entity or a claim has none)."""
        return self.value is not None

    @property
    def is_claim(self) -> bool:
        return self.kind == "claim"

    @property
    def first_year(self) -> int | None:
        """The year the fact is dated by: its year, its period's start or its date's year."""
        if self.year is not None:
            return self.year
        if self.period is not None:
            return self.period[0]
        return int(self.date[:4]) if self.date else None

    def years(self) -> tuple[int, int] | None:
        """The first and last year the fact covers, or None when it is undated."""
        if self.period is not None:
            return self.period
        first = self.first_year
        return None if first is None else (first, first)

    def matches_year(self, year: int) -> bool:
        """True if the fact's year (or date's year) is ``year`` or its period contains it."""
        span = self.years()
        return span is not None and span[0] <= year <= span[1]

    def base_value(self) -> pint.Quantity | tuple[pint.Quantity, pint.Quantity] | None:
        """The value in base units (``559 thousand person`` -> ``559000 person``).

        A range gives (low, high); a fact without a value gives None.
        """
        if self.value is None or not self.unit:
            return None
        unit = parse_unit(self.unit)
        if isinstance(self.value, Range):
            return (
                ureg.Quantity(self.value.low, unit).to_base_units(),
                ureg.Quantity(self.value.high, unit).to_base_units(),
            )
        return ureg.Quantity(self.value, unit).to_base_units()
