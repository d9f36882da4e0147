"""The gazetteer of the record: every place the facts and the model refer to.

``record/data/places.yaml`` holds one entry per place id of docs/record.md (cities,
stations, enterprises, mines, oil fields, power stations and ``kazakhstan``), each with
its names through time (the name of each period in kk, ru and en, with its source),
coordinates and where they come from, when a settlement was founded or became a town,
and for enterprises when they started and on what authority. A reader of 1939 sees
"Алма-Ата" and "Семипалатинск": :meth:`Place.name_at` gives the name of a year,
:meth:`Place.today_name` today's, :meth:`Place.label_at` both together. :func:`load_gazetteer` reads and checks it; a broken entry fails with
a :class:`~kazind.common.KazindError` naming the file, the line and the place id.

The outline of the republic (``kazakhstan_outline.geojson``, Natural Earth) and a small
point-in-polygon test live here too, so that places and railways can be checked against
it without any GIS dependency.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError, model_validator

from kazind.common.errors import KazindError
from kazind.common.langs import LANGS, check_lang
from kazind.common.suggest import did_you_mean
from kazind.common.units import parse_unit, ureg
from kazind.common.validation import located_error
from kazind.common.yamlio import load_yaml
from kazind.record.schema import Branch, Confidence

DATA_DIR = Path(__file__).resolve().parent / "data"
PLACES_FILE = DATA_DIR / "places.yaml"
OUTLINE_FILE = DATA_DIR / "kazakhstan_outline.geojson"

Kind = Literal[
    "city", "town", "station", "enterprise", "mine", "oil_field", "power_station", "region"
]
KINDS: tuple[str, ...] = Kind.__args__  # type: ignore[attr-defined]
SETTLEMENT_KINDS = frozenset({"city", "town", "station", "region"})
PRODUCING_KINDS = frozenset({"enterprise", "mine", "oil_field", "power_station"})
# The region the record is about, generously: any coordinate outside is a typo.
BBOX = {"lat": (35.0, 60.0), "lon": (45.0, 90.0)}
YEAR_RANGE = (1700, 1960)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NamePeriod(_Strict):
    """The place's name in kk, ru and en from year ``from`` up to (not including) ``to``.

    ``from: null`` means since the place was first named; ``to: null`` means still today.
    A renaming year belongs to the new name (Dzhambul from 1938, so 1938 reads Dzhambul).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: int | None = Field(default=None, alias="from")
    to: int | None = None
    kk: str = Field(min_length=1)
    ru: str = Field(min_length=1)
    en: str = Field(min_length=1)
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _ordered(self) -> NamePeriod:
        for year in (self.from_, self.to):
            if year is not None and not YEAR_RANGE[0] <= year <= 2100:
                raise ValueError(f"name year {year} is outside {YEAR_RANGE[0]}..2100")
        if self.from_ is not None and self.to is not None and self.from_ >= self.to:
            raise ValueError(f"name period {self.from_}-{self.to} is empty or runs backwards")
        return self

    def holds(self, year: int) -> bool:
        return (self.from_ is None or self.from_ <= year) and (self.to is None or year < self.to)


class PlaceNames(RootModel[tuple[NamePeriod, ...]]):
    """A place's names through time, oldest first; the last period is today's name.

    The periods must follow each other without gap or overlap (each ``to`` is the next
    ``from``); only the first may be open at its start and only the last at its end.
    ``names.kk`` (``.ru``, ``.en``) is today's name, as before names had periods.
    """

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _contiguous(self) -> PlaceNames:
        periods = self.root
        if not periods:
            raise ValueError("a place needs at least one name period")
        for k, (a, b) in enumerate(zip(periods, periods[1:], strict=False)):
            if a.to is None or b.from_ is None:
                raise ValueError(
                    f"name periods {k + 1} and {k + 2} overlap: only the last may run to today"
                )
            if b.from_ < a.to:
                raise ValueError(f"name periods {k + 1} and {k + 2} overlap ({a.to} > {b.from_})")
            if b.from_ > a.to:
                raise ValueError(f"name periods {k + 1} and {k + 2} leave a gap ({a.to}-{b.from_})")
        if periods[-1].to is not None:
            raise ValueError("the last name period must run to today (to: null)")
        return self

    def __iter__(self):  # type: ignore[override]
        return iter(self.root)

    def __len__(self) -> int:
        return len(self.root)

    def at(self, year: int) -> NamePeriod:
        """The period holding ``year``; before the first, the first (the earliest name known)."""
        for period in self.root:
            if period.holds(year):
                return period
        return self.root[0]

    @property
    def today(self) -> NamePeriod:
        return self.root[-1]

    @property
    def kk(self) -> str:
        return self.today.kk

    @property
    def ru(self) -> str:
        return self.today.ru

    @property
    def en(self) -> str:
        return self.today.en

    @property
    def historical(self) -> tuple[str, ...]:
        """Every earlier name, in any language, once each (oldest first)."""
        out: list[str] = []
        today = {self.today.kk, self.today.ru, self.today.en}
        for period in self.root[:-1]:
            for name in (period.en, period.ru, period.kk):
                if name not in today and name not in out:
                    out.append(name)
        return tuple(out)


class YearSource(_Strict):
    """A dated event of a place (founding, town status) with its source."""

    year: int
    source: str = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _in_range(self) -> YearSource:
        if not YEAR_RANGE[0] <= self.year <= 2100:
            raise ValueError(f"year {self.year} is outside {YEAR_RANGE[0]}..2100")
        return self


class Capital(_Strict):
    """Years a place was the republic's capital, ``from`` up to ``to`` (null: still)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    from_: int = Field(alias="from")
    to: int | None = None
    source: str = Field(min_length=1)


class Capacity(_Strict):
    """A rated capacity as a source gives it, e.g. 1,400 kW."""

    value: float = Field(gt=0)
    unit: str
    source: str = Field(min_length=1)

    @model_validator(mode="after")
    def _unit_parses(self) -> Capacity:
        parse_unit(self.unit)  # raises KazindError on nonsense
        return self

    @property
    def kw(self) -> float | None:
        """The capacity in kW when it is a power, else None."""
        q = self.value * ureg.Quantity(1, parse_unit(self.unit))
        return float(q.to("kW").magnitude) if q.check("[power]") else None


class Workforce(_Strict):
    """Workers of a named enterprise, mine or works as an outside source counts them.

    The model sizes each named project by its workforce (kazind.model.build); a cited
    figure here comes before the model's rules by kind and capacity (data/projects.yaml).
    ``year`` is the year the source counts; ``confidence`` how far it was corroborated.
    """

    workers: int = Field(gt=0)
    year: int
    source: str = Field(min_length=1)
    confidence: Confidence

    @model_validator(mode="after")
    def _in_range(self) -> Workforce:
        if not YEAR_RANGE[0] <= self.year <= YEAR_RANGE[1]:
            raise ValueError(
                f"workforce year {self.year} is outside {YEAR_RANGE[0]}..{YEAR_RANGE[1]}"
            )
        return self


class Place(_Strict):
    """One gazetteer entry. See the header of places.yaml for what each year field means."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Kind
    branch: Branch | None = None
    names: PlaceNames
    other_names: tuple[str, ...] = ()  # spellings and former names whose years no source here gives
    founded: YearSource | None = None
    town_from: YearSource | None = None
    discovered: YearSource | None = None  # an oil field or deposit found before it produced
    capital: tuple[Capital, ...] = ()
    city: str | None = None
    city_note: str | None = None
    lat: float
    lon: float
    coord_source: str = Field(min_length=1)
    coord_confidence: Literal["high", "medium", "low"] | None = None
    year_started: int | None = None
    year_restored: int | None = None
    existed_by: int | None = None
    year_source: str | None = None
    year_note: str | None = None
    discrepancy: str | None = None
    capacity: Capacity | None = None
    workforce: Workforce | None = None
    seed_says: str = Field(min_length=1)
    note: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Place:
        lo, hi = BBOX["lat"]
        if not lo <= self.lat <= hi:
            raise ValueError(f"lat {self.lat} is outside the region ({lo}..{hi})")
        lo, hi = BBOX["lon"]
        if not lo <= self.lon <= hi:
            raise ValueError(f"lon {self.lon} is outside the region ({lo}..{hi})")
        if self.kind in PRODUCING_KINDS:
            if self.branch is None:
                raise ValueError(f"a {self.kind} needs a branch")
            if self.city is None and not self.city_note:
                raise ValueError(f"a {self.kind} needs a city (or a city_note saying why none)")
        elif self.branch is not None or self.city is not None:
            raise ValueError(f"a {self.kind} has no branch or city")
        if not self.coord_source.startswith("places.csv") and self.coord_confidence is None:
            raise ValueError("coordinates not taken from places.csv need a coord_confidence")
        years = [
            y for y in (self.year_started, self.year_restored, self.existed_by) if y is not None
        ]
        for year in years:
            if not YEAR_RANGE[0] <= year <= YEAR_RANGE[1]:
                raise ValueError(f"year {year} is outside {YEAR_RANGE[0]}..{YEAR_RANGE[1]}")
        if years and not self.year_source:
            raise ValueError("a year needs a year_source")
        if self.capacity and self.kind == "power_station" and self.capacity.kw is None:
            raise ValueError(f"capacity unit {self.capacity.unit!r} is not a power")
        if self.workforce is not None and self.kind not in PRODUCING_KINDS:
            raise ValueError(
                f"a {self.kind} has no workforce (only enterprises, mines, fields, stations)"
            )
        return self

    @property
    def approximate(self) -> bool:
        """True when the coordinates are not a places.csv row of this very place."""
        return self.coord_confidence is not None

    @property
    def first_year(self) -> int | None:
        """The earliest year a source shows it existing (start, or 'existed by'), if any."""
        years = [y for y in (self.year_started, self.existed_by) if y is not None]
        return min(years) if years else None

    def exists_in(self, year: int) -> bool:
        """Whether the record shows this place existing in ``year``.

        Settlements and stations count from their founding when the record dates it
        (Balkhash from 1932, Kentau from 1955), otherwise always; the republic always.
        Enterprises count from their start year or the year a source shows them
        existing; an undated one (e.g. Karatau, only prepared by 1940) never counts.
        """
        if self.kind in SETTLEMENT_KINDS:
            return self.founded is None or self.founded.year <= year
        first = self.first_year
        return first is not None and first <= year

    def kind_at(self, year: int) -> str:
        """The kind a reader of ``year`` would give it: a city or town before the year it
        became a town (``town_from``) was a ``settlement`` (Karaganda in 1926), otherwise
        its kind."""
        if self.kind in ("city", "town") and self.town_from and year < self.town_from.year:
            return "settlement"
        return self.kind

    def name_at(self, year: int, lang: str) -> str:
        """The place's name in ``year`` in ``lang`` (kk, ru, en): ``Алма-Ата`` for 1939 in ru."""
        return getattr(self.names.at(year), check_lang(lang))

    def today_name(self, lang: str) -> str:
        """Today's name in ``lang``: ``Алматы``."""
        return getattr(self.names.today, check_lang(lang))

    def label_at(self, year: int, lang: str) -> str:
        """The name of ``year`` with today's beside it when they differ: ``Алма-Ата (Алматы)``."""
        then, now = self.name_at(year, lang), self.today_name(lang)
        return then if then == now else f"{then} ({now})"

    def is_capital_in(self, year: int) -> bool:
        return any(c.from_ <= year and (c.to is None or year < c.to) for c in self.capital)


@dataclass(frozen=True)
class Gazetteer:
    """The loaded, checked gazetteer; places in file order."""

    places: tuple[Place, ...]
    file: str

    @cached_property
    def by_id(self) -> dict[str, Place]:
        return {p.id: p for p in self.places}

    def __getitem__(self, place_id: str) -> Place:
        try:
            return self.by_id[place_id]
        except KeyError:
            hint = did_you_mean(place_id, self.by_id)
            raise KazindError(f"unknown place id {place_id!r}{hint}", file=self.file) from None

    def __contains__(self, place_id: object) -> bool:
        return place_id in self.by_id

    def __len__(self) -> int:
        return len(self.places)

    def select(self, kind: str | None = None, year: int | None = None) -> list[Place]:
        """Places of ``kind`` (any if None) that exist in ``year`` (all if None)."""
        if kind is not None and kind not in KINDS:
            raise KazindError(f"unknown kind {kind!r}; valid kinds: {', '.join(KINDS)}")
        return [
            p
            for p in self.places
            if (kind is None or p.kind == kind) and (year is None or p.exists_in(year))
        ]

    def to_geojson(
        self, places: list[Place] | None = None, year: int | None = None
    ) -> dict[str, Any]:
        """A GeoJSON FeatureCollection of points (longitude first, as RFC 7946 wants).

        With ``year``, each feature also carries the names of that year (``name_ru_1939``).
        """
        features = []
        for p in self.places if places is None else places:
            props = p.model_dump(
                exclude={
                    "lat",
                    "lon",
                    "names",
                    "capacity",
                    "workforce",
                    "founded",
                    "town_from",
                    "capital",
                    "other_names",
                    "discovered",
                },
                exclude_none=True,
            )
            props["name_en"], props["name_kk"], props["name_ru"] = (
                p.names.en,
                p.names.kk,
                p.names.ru,
            )
            if year is not None:
                for lang in LANGS:
                    props[f"name_{lang}_{year}"] = p.name_at(year, lang)
            if p.founded:
                props["founded"] = p.founded.year
            if p.capacity:
                props["capacity"] = f"{p.capacity.value:g} {p.capacity.unit}"
            if p.workforce:
                props["workforce"] = p.workforce.workers
            features.append(
                {
                    "type": "Feature",
                    "id": p.id,
                    "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                    "properties": props,
                }
            )
        return {"type": "FeatureCollection", "features": features}


def load_gazetteer(path: str | Path | None = None) -> Gazetteer:
    """Read and check places.yaml (the shipped one by default).

    Checks: the schema (unknown fields are errors), unique ids, coordinates inside the
    region's bounding box, a branch and an existing city for every enterprise, a source
    for every year, capacities in power units.
    """
    doc = load_yaml(PLACES_FILE if path is None else path)
    data = doc.data
    if not isinstance(data, dict) or not isinstance(data.get("places"), list):
        raise doc.error("expected a mapping with a 'places' list")
    places: list[Place] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(data["places"]):
        where = raw.get("id") if isinstance(raw, dict) else None
        where = str(where) if where is not None else f"places[{i}]"
        if not isinstance(raw, dict):
            raise doc.error("each place must be a mapping", ("places", i), where=where)
        try:
            place = Place.model_validate(raw)
        except ValidationError as exc:
            raise located_error(doc, exc, ("places", i), where) from None
        except KazindError as exc:  # from parse_unit inside a validator
            raise doc.error(exc.message, ("places", i, "capacity", "unit"), where=where) from None
        if place.id in seen:
            raise doc.error(
                f"duplicate id (first at line {seen[place.id]})", ("places", i, "id"), where=where
            )
        seen[place.id] = doc.line_of(("places", i, "id")) or 0
        places.append(place)
    by_id = {p.id: p for p in places}
    for i, place in enumerate(places):
        if place.city is None:
            continue
        target = by_id.get(place.city)
        if target is None:
            raise doc.error(
                f"city {place.city!r} is not a place id", ("places", i, "city"), where=place.id
            )
        if target.kind not in {"city", "town", "station"}:
            raise doc.error(
                f"city {place.city!r} is a {target.kind}, not a city, town or station",
                ("places", i, "city"),
                where=place.id,
            )
    return Gazetteer(places=tuple(places), file=doc.file)


# ---- the outline -------------------------------------------------------------------


def point_in_ring(lon: float, lat: float, ring: list[list[float]]) -> bool:
    """Ray casting: is (lon, lat) inside the closed ring [[lon, lat], ...]?

    Plane geometry on degrees, which is fine away from the poles and the antimeridian.
    """
    inside = False
    n = len(ring)
    for k in range(n - 1 if ring[0] == ring[-1] else n):
        x1, y1 = ring[k]
        x2, y2 = ring[(k + 1) % n]
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lon < x_cross:
                inside = not inside
    return inside


@dataclass(frozen=True)
class Outline:
    """Kazakhstan's modern outline: polygons of [outer ring, hole rings...]."""

    polygons: tuple[tuple[list[list[float]], ...], ...]
    properties: dict[str, Any]

    def contains(self, lat: float, lon: float) -> bool:
        for outer, *holes in self.polygons:
            if point_in_ring(lon, lat, outer) and not any(
                point_in_ring(lon, lat, h) for h in holes
            ):
                return True
        return False


def load_outline(path: str | Path | None = None) -> Outline:
    """Read the shipped outline GeoJSON (made by scripts/make_outline.py)."""
    path = Path(OUTLINE_FILE if path is None else path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        feature = data["features"][0]
        geom = feature["geometry"]
        if geom["type"] == "Polygon":
            polygons = (tuple(geom["coordinates"]),)
        elif geom["type"] == "MultiPolygon":
            polygons = tuple(tuple(p) for p in geom["coordinates"])
        else:
            raise ValueError(f"geometry type {geom['type']!r}")
    except FileNotFoundError:
        raise KazindError(
            "outline file not found; run scripts/make_outline.py", file=path
        ) from None
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise KazindError(f"not a polygon FeatureCollection: {exc}", file=path) from None
    return Outline(polygons=polygons, properties=dict(feature.get("properties") or {}))


# ---- the contract ------------------------------------------------------------------


def contract_ids(record_md: str | Path) -> tuple[set[str], set[str]]:
    """(place ids, railway line ids) listed under "Place ids" in docs/record.md."""
    text = Path(record_md).read_text(encoding="utf-8")
    try:
        section = text.split("## Place ids", 1)[1].split("\n## ", 1)[0]
        before, after = section.split("- railway lines", 1)
        lines_part, rest = after.split("\n- ", 1)
    except (IndexError, ValueError):
        raise KazindError("cannot find the place id lists", file=record_md) from None
    ident = re.compile(r"`([a-z][a-z0-9_]*)`")
    places = set(ident.findall(before)) | set(ident.findall(rest))
    line_ids = set(ident.findall(lines_part)) - {"railways"}
    return places, line_ids
