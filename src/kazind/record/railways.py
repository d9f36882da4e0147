"""Railway lines of the record and the network open in a given year.

``record/data/railways.yaml`` lists each line of docs/record.md as ordered stations
(place ids) and sections with their opening years. :class:`RailwayNetwork` answers
"which sections were open in year Y" and "how long was the network", and writes GeoJSON.

Lengths. A section's length is, in order of preference: its own sourced ``length_km``;
its share of the line's sourced total (shared out in proportion to great-circle length,
e.g. Turksib's 1,444-1,452 km); otherwise the great-circle distance between its stations
times :data:`CURVATURE_FACTOR`. That factor, 1.15, is an assumption fixed in advance:
steppe main lines run some 10-20 % longer than the straight line between their stations.
Every figure says which basis it used. Sections joining the same two stations in two
lines are counted once.

Inside today's Kazakhstan. A line may carry ``inside_km``, a sourced length of the line
inside today's borders (the Trans-Siberian's 190 km through Petropavlovsk); measured
against the outline, the line then gives exactly that, shared out over its sections in
proportion to the part of each that lies inside. Otherwise a section counts for the
share of its straight line that lies inside the outline.

Gauge. A line is ``broad`` (the Russian 1,524 mm, the default) or ``narrow`` (the
Ekibastuz - Ermak coal line); network lengths count the broad-gauge lines unless asked.

Years. A section counts from ``opened``; when no source gives a year it counts from
``opened_by``, the year by which the sources imply it was open, so the network before
that year is, if anything, understated. A section with neither never counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kazind.common.validation import located_error
from kazind.common.yamlio import load_yaml
from kazind.record.places import DATA_DIR, Gazetteer, Outline, load_gazetteer

RAILWAYS_FILE = DATA_DIR / "railways.yaml"
CURVATURE_FACTOR = 1.15
EARTH_RADIUS_KM = 6371.0088
SECTION_YEARS = (1890, 1950)
_SAMPLES = 100  # points per section when measuring the part inside the outline


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _check_year(year: int | None, name: str) -> None:
    lo, hi = SECTION_YEARS
    if year is not None and not lo <= year <= hi:
        raise ValueError(f"{name} {year} is outside {lo}..{hi}")


class Section(_Strict):
    """Two consecutive stations of a line and when the track between them opened."""

    from_: str = Field(alias="from")
    to: str
    opened: int | None
    opened_range: tuple[int, int] | None = None
    opened_by: int | None = None
    opened_note: str | None = None
    length_km: float | None = Field(default=None, gt=0)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _years(self) -> Section:
        for name in ("opened", "opened_by"):
            _check_year(getattr(self, name), name)
        if self.opened_range is not None:
            low, high = self.opened_range
            _check_year(low, "opened_range")
            _check_year(high, "opened_range")
            if low > high:
                raise ValueError(f"opened_range {low}-{high} runs backwards")
            if self.opened != high:
                raise ValueError(f"opened must be the last year of opened_range ({high})")
        if self.opened is None and not self.opened_note:
            raise ValueError("a section without an opening year needs an opened_note")
        if self.opened is not None and self.opened_by is not None:
            raise ValueError("give opened or opened_by, not both")
        return self

    @property
    def year(self) -> int | None:
        """The year from which the section counts as open (see the module docstring)."""
        return self.opened if self.opened is not None else self.opened_by


class LineLength(_Strict):
    low: float = Field(gt=0)
    high: float = Field(gt=0)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> LineLength:
        if self.low > self.high:
            raise ValueError("length low is above high")
        return self


class InsideLength(_Strict):
    """A sourced length of a line inside today's Kazakhstan."""

    km: float = Field(gt=0)
    source: str = Field(min_length=1)


class Line(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    names: dict[str, str]
    gauge: Literal["broad", "narrow"] = "broad"
    stations: tuple[str, ...] = Field(min_length=2)
    length_km: LineLength | None = None
    inside_km: InsideLength | None = None
    seed_says: str = Field(min_length=1)
    note: str | None = None
    sections: tuple[Section, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _sections_follow_stations(self) -> Line:
        pairs = list(zip(self.stations, self.stations[1:], strict=False))
        got = [(s.from_, s.to) for s in self.sections]
        if got != pairs:
            raise ValueError(f"sections must join consecutive stations in order: expected {pairs}")
        return self


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance on a sphere of the mean Earth radius."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class OpenSection:
    """A section with its line and its length as used by the network."""

    line: Line
    section: Section
    length_km: float
    basis: str  # "section source" | "share of line total" | "great circle x 1.15"


@dataclass(frozen=True)
class RailwayNetwork:
    lines: tuple[Line, ...]
    gazetteer: Gazetteer
    file: str

    @cached_property
    def by_id(self) -> dict[str, Line]:
        return {line.id: line for line in self.lines}

    def _gc(self, s: Section) -> float:
        a, b = self.gazetteer[s.from_], self.gazetteer[s.to]
        return great_circle_km(a.lat, a.lon, b.lat, b.lon)

    def section_length_km(self, line: Line, section: Section) -> tuple[float, str]:
        """The length used for ``section`` and its basis (see the module docstring)."""
        if section.length_km is not None:
            return section.length_km, "section source"
        if line.length_km is not None:
            total = (line.length_km.low + line.length_km.high) / 2
            own = sum(s.length_km for s in line.sections if s.length_km is not None)
            rest = [s for s in line.sections if s.length_km is None]
            share = self._gc(section) / sum(self._gc(s) for s in rest)
            return (total - own) * share, "share of line total"
        return self._gc(section) * CURVATURE_FACTOR, f"great circle x {CURVATURE_FACTOR}"

    @cached_property
    def all_sections(self) -> tuple[OpenSection, ...]:
        """Every section once (a station pair shared by two lines is kept at its first)."""
        out, seen = [], set()
        for line in self.lines:
            for s in line.sections:
                key = frozenset((s.from_, s.to))
                if key in seen:
                    continue
                seen.add(key)
                length, basis = self.section_length_km(line, s)
                out.append(OpenSection(line, s, length, basis))
        return tuple(out)

    def sections_open(self, year: int | None = None) -> list[OpenSection]:
        """Sections open in ``year`` (every dated section if None)."""
        return [
            o
            for o in self.all_sections
            if o.section.year is not None and (year is None or o.section.year <= year)
        ]

    def inside_fraction(self, section: Section, outline: Outline) -> float:
        """Share of the straight section (in lat/lon) that lies inside ``outline``."""
        key = (section.from_, section.to, id(outline))
        if key not in self._fractions:
            a, b = self.gazetteer[section.from_], self.gazetteer[section.to]
            hits = 0
            for k in range(_SAMPLES):
                t = (k + 0.5) / _SAMPLES
                hits += outline.contains(a.lat + t * (b.lat - a.lat), a.lon + t * (b.lon - a.lon))
            self._fractions[key] = hits / _SAMPLES
        return self._fractions[key]

    @cached_property
    def _fractions(self) -> dict[tuple, float]:
        return {}

    def inside_km(self, o: OpenSection, outline: Outline) -> float:
        """The part of section ``o`` inside ``outline`` (see the module docstring)."""
        line = o.line
        if line.inside_km is None:
            return o.length_km * self.inside_fraction(o.section, outline)
        weights = {id(s): self._gc(s) * self.inside_fraction(s, outline) for s in line.sections}
        if not sum(weights.values()):  # the straight lines miss the outline: share by length
            weights = {id(s): self._gc(s) for s in line.sections}
        return line.inside_km.km * weights[id(o.section)] / sum(weights.values())

    def length_open_km(
        self, year: int, outline: Outline | None = None, gauge: str | None = "broad"
    ) -> float:
        """Route length open in ``year`` (broad gauge unless ``gauge`` says otherwise, None
        for all); only the part inside ``outline`` if given."""
        total = 0.0
        for o in self.sections_open(year):
            if gauge is not None and o.line.gauge != gauge:
                continue
            total += o.length_km if outline is None else self.inside_km(o, outline)
        return total

    def to_geojson(self, year: int | None = None) -> dict[str, Any]:
        """Sections open in ``year`` (all dated ones if None) as LineString features."""
        features = []
        for o in self.sections_open(year):
            s = o.section
            a, b = self.gazetteer[s.from_], self.gazetteer[s.to]
            props = {
                "kind": "railway",
                "line": o.line.id,
                "line_name_en": o.line.names.get("en", o.line.id),
                "gauge": o.line.gauge,
                "from": s.from_,
                "to": s.to,
                "opened": s.opened,
                "opened_by": s.opened_by,
                "length_km": round(o.length_km, 1),
                "length_basis": o.basis,
                "source": s.source,
            }
            features.append(
                {
                    "type": "Feature",
                    "id": f"{o.line.id}:{s.from_}-{s.to}",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [[a.lon, a.lat], [b.lon, b.lat]],
                    },
                    "properties": props,
                }
            )
        return {"type": "FeatureCollection", "features": features}


def load_railways(
    path: str | Path | None = None, gazetteer: Gazetteer | None = None
) -> RailwayNetwork:
    """Read and check railways.yaml against the gazetteer (the shipped ones by default).

    Checks: the schema, unique line ids, sections joining consecutive stations, every
    station a place id, years within 1890-1950 with ranges in order, and the same opening
    year wherever two lines share a section.
    """
    gazetteer = gazetteer or load_gazetteer()
    doc = load_yaml(RAILWAYS_FILE if path is None else path)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("lines"), list):
        raise doc.error("expected a mapping with a 'lines' list")
    lines: list[Line] = []
    shared: dict[frozenset, tuple[str, int | None]] = {}
    for i, raw in enumerate(data["lines"]):
        where = str(raw.get("id")) if isinstance(raw, dict) and "id" in raw else f"lines[{i}]"
        if not isinstance(raw, dict):
            raise doc.error("each line must be a mapping", ("lines", i), where=where)
        try:
            line = Line.model_validate(raw)
        except ValidationError as exc:
            raise located_error(doc, exc, ("lines", i), where) from None
        if any(other.id == line.id for other in lines):
            raise doc.error("duplicate line id", ("lines", i, "id"), where=where)
        for k, station in enumerate(line.stations):
            if station not in gazetteer:
                raise doc.error(
                    f"station {station!r} is not a place id",
                    ("lines", i, "stations", k),
                    where=where,
                )
            if gazetteer[station].kind == "region":
                raise doc.error(
                    f"{station!r} is a region, not a station",
                    ("lines", i, "stations", k),
                    where=where,
                )
        for k, s in enumerate(line.sections):
            key = frozenset((s.from_, s.to))
            if key in shared and shared[key][1] != s.year:
                raise doc.error(
                    f"{s.from_}-{s.to} opens in {s.year} here but in {shared[key][1]} in line {shared[key][0]}",
                    ("lines", i, "sections", k),
                    where=where,
                )
            shared.setdefault(key, (line.id, s.year))
        lines.append(line)
    return RailwayNetwork(lines=tuple(lines), gazetteer=gazetteer, file=doc.file)
