"""Build the Kazakhstan model's spec: the equations from ``data/kazakhstan.yaml``, the
schedules from the record.

The model owns its data (``kazind.model`` package resources): the authored files in
``data/`` (the model, its targets, the calibration's priors and settings, the levers,
how the record's named projects are read) and the files ``kazind calibrate`` writes in
``calibrated/``. What the record dates (railway sections, named enterprises, mines, oil
fields and power stations, the cities' 1926 census populations) is turned here into
time series and constants, so that the historical scenario stands on the record and a
change of the record shows in the model. Calibrated parameter values, when present, are
applied on top; :func:`calibrated_spec` caches that spec for every layer above.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

from kazind.common.errors import KazindError
from kazind.common.langs import LANGS
from kazind.common.yamlio import load_yaml
from kazind.engine import EngineError, ModelSpec, load_model, with_values
from kazind.record.facts import default_table
from kazind.record.places import Gazetteer, Place, load_gazetteer, load_outline
from kazind.record.railways import RailwayNetwork, load_railways

DATA_DIR = Path(str(files("kazind.model").joinpath("data")))
CALIBRATED_DIR = Path(str(files("kazind.model").joinpath("calibrated")))
MODEL_FILE = DATA_DIR / "kazakhstan.yaml"
LEVERS_FILE = DATA_DIR / "levers.yaml"
PROJECTS_FILE = DATA_DIR / "projects.yaml"
CALIBRATED_FILE = CALIBRATED_DIR / "calibrated.yaml"


@dataclass(frozen=True)
class Lever:
    """A policy lever: the constant it moves, the constant of its start year, its meaning."""

    name: str
    start: str  # name of the constant holding the year from which the lever acts
    meaning: dict[str, str]


def load_levers(path: str | Path = LEVERS_FILE) -> tuple[Lever, ...]:
    """The levers of ``levers.yaml``, checked: each a name, a start-year constant and a
    meaning in kk, ru and en."""
    doc = load_yaml(path)
    items = (doc.data or {}).get("levers") if isinstance(doc.data, dict) else None
    if not isinstance(items, list) or not items:
        raise doc.error("expected 'levers': a list of {name, from, meaning}")
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or set(item) != {"name", "from", "meaning"}:
            raise doc.error("each lever needs exactly name, from and meaning", ("levers", i))
        meaning = item["meaning"]
        if not isinstance(meaning, dict) or set(meaning) != set(LANGS):
            raise doc.error("meaning must give kk, ru and en", ("levers", i, "meaning"))
        out.append(
            Lever(str(item["name"]), str(item["from"]), {k: str(v) for k, v in meaning.items()})
        )
    return tuple(out)


#: The policy levers with their meanings and start-year constants (``data/levers.yaml``).
LEVERS: tuple[Lever, ...] = load_levers()
#: The names of the policy levers: the one list that scenarios, the explorer and the
#: tests move.
POLICY_LEVERS: tuple[str, ...] = tuple(lever.name for lever in LEVERS)

#: Kinds of gazetteer entry that produce: the named projects of the model.
PRODUCING_KINDS = ("enterprise", "mine", "oil_field", "power_station")

#: Named enterprises are those that started in the industrialisation years; earlier ones
#: are part of the capacity restored after the war. Oil fields and power stations count
#: from 1914 on, since their capacities are in physical units against their 1913 base.
FIRST_PROJECT_YEAR = 1926
PHYSICAL_KINDS = ("oil_field", "power_station")


@dataclass(frozen=True)
class WorkforceRules:
    """How many workers a named project employs when the record does not say
    (``data/projects.yaml``, ``workforce``): typical workers by size class, the class of
    each kind of project and of the projects the record names otherwise, and the staff
    of a power station per kW."""

    classes: dict[str, float]
    by_kind: dict[str, str]
    places: dict[str, str]
    station_workers_per_kw: float


@dataclass(frozen=True)
class ProjectReadings:
    """How the model reads the record's named projects (``data/projects.yaml``)."""

    undated_window_start: int
    project_years: dict[str, int]
    own_power_stations: tuple[str, ...]
    staged_projects: tuple[str, ...]
    construction_years: int
    construction_start_facts: dict[str, str]
    workforce: WorkforceRules
    reconstructed_projects: dict[str, tuple[int, int]]


def _workforce_rules(doc, data) -> WorkforceRules:
    keys = {"classes", "by_kind", "places", "station_workers_per_kw"}
    if not isinstance(data, dict) or set(data) != keys:
        raise doc.error(f"workforce needs exactly {', '.join(sorted(keys))}", ("workforce",))
    try:
        classes = {str(k): float(v["workers"]) for k, v in data["classes"].items()}
        by_kind = {str(k): str(v) for k, v in data["by_kind"].items()}
        places = {str(k): str(v["class"]) for k, v in (data["places"] or {}).items()}
        per_kw = float(data["station_workers_per_kw"]["value"])
    except (AttributeError, KeyError, TypeError, ValueError):
        raise doc.error(
            "workforce: classes need 'workers', places need 'class', "
            "station_workers_per_kw needs 'value'",
            ("workforce",),
        ) from None
    unknown = sorted({*by_kind.values(), *places.values()} - set(classes))
    if unknown:
        raise doc.error(f"workforce names unknown classes: {', '.join(unknown)}", ("workforce",))
    return WorkforceRules(classes, by_kind, places, per_kw)


@lru_cache(maxsize=1)
def project_readings(path: str | Path = PROJECTS_FILE) -> ProjectReadings:
    doc = load_yaml(path)
    data = doc.data or {}
    keys = {
        "undated_window_start",
        "project_years",
        "own_power_stations",
        "staged_projects",
        "construction_years",
        "construction_start_facts",
        "workforce",
        "reconstructed_projects",
    }
    if not isinstance(data, dict) or set(data) != keys:
        raise doc.error(f"expected exactly the keys {', '.join(sorted(keys))}")
    try:
        years = {str(k): int(v["year"]) for k, v in (data["project_years"] or {}).items()}
        own = tuple(str(item["place"]) for item in data["own_power_stations"] or [])
        rebuilt = {
            str(k): (int(v["years"][0]), int(v["years"][1]))
            for k, v in (data["reconstructed_projects"] or {}).items()
        }
    except (IndexError, KeyError, TypeError, ValueError):
        raise doc.error(
            "project_years need 'year'; own_power_stations need 'place'; "
            "reconstructed_projects need 'years: [first, last]'"
        ) from None
    for pid, (first, last) in rebuilt.items():
        if first > last:
            raise doc.error(
                f"reconstructed_projects: {pid} runs backwards", ("reconstructed_projects", pid)
            )
    return ProjectReadings(
        undated_window_start=int(data["undated_window_start"]),
        project_years=years,
        own_power_stations=own,
        staged_projects=tuple(str(p) for p in data["staged_projects"] or []),
        construction_years=int(data["construction_years"]),
        construction_start_facts={
            str(k): str(v) for k, v in (data["construction_start_facts"] or {}).items()
        },
        workforce=_workforce_rules(doc, data["workforce"]),
        reconstructed_projects=rebuilt,
    )


def project_workforce(place: Place, readings: ProjectReadings | None = None) -> tuple[float, str]:
    """Workers of a named project and where the figure comes from.

    A workforce the record cites (``places.yaml``) comes first; else a power station's
    recorded kW times its staff per kW; else the typical workers of its class
    (``data/projects.yaml``: the place's own class, else its kind's). The second value
    says which: ``"record"``, ``"capacity"`` or ``"class <name>"``.
    """
    rules = (readings or project_readings()).workforce
    if place.workforce is not None:
        return float(place.workforce.workers), "record"
    if place.kind == "power_station" and place.capacity is not None and place.capacity.kw:
        return place.capacity.kw * rules.station_workers_per_kw, "capacity"
    name = (
        rules.places.get(place.id)
        or rules.by_kind.get(f"{place.kind}.{place.branch}")
        or rules.by_kind.get(place.kind)
        or ("station" if place.kind == "power_station" else None)
    )
    if name is None:
        raise KazindError(
            f"data/projects.yaml gives no workforce class for {place.id} ({place.kind}, "
            f"{place.branch})",
            file=PROJECTS_FILE,
        )
    return rules.classes[name], f"class {name}"


@dataclass(frozen=True)
class Schedules:
    """Time series and constants derived from the record, by model variable name."""

    series: dict[str, tuple[list[float], list[float]]]
    constants: dict[str, float | dict[str, float]]
    project_years: dict[str, int]  # place id -> year the model lets it arrive
    project_workforce: dict[str, tuple[float, str]]  # place id -> (workers, whence)


def project_year(
    place: Place,
    network: RailwayNetwork,
    gazetteer: Gazetteer | None = None,
    readings: ProjectReadings | None = None,
) -> int | None:
    """The year a named project arrives in the model, or None if it is not one.

    An enterprise counts from its start year, if that is 1926 or later (an oil field or
    power station: 1914 or later); an enterprise the record shows only as existing by a
    year of 1926-1940 counts from the middle of that window (the expected year of a date
    known only to lie in it), unless ``data/projects.yaml`` reads the record's notes for
    a year. A mine that existed before but could ship its output only once a railway
    reached its town (the Karaganda basin, reached in 1931) counts from that railway's year.
    """
    readings = readings or project_readings()
    if place.kind not in PRODUCING_KINDS:
        return None
    if place.id in readings.project_years:
        return readings.project_years[place.id]
    first_allowed = 1914 if place.kind in PHYSICAL_KINDS else FIRST_PROJECT_YEAR
    if place.year_started is not None and place.year_started >= first_allowed:
        return place.year_started
    if place.kind == "mine" and place.city is not None:
        rail = first_railway_year(place.city, network)
        if rail is not None and rail >= FIRST_PROJECT_YEAR:
            return rail
    if (
        place.year_started is None
        and place.existed_by is not None
        and place.existed_by >= readings.undated_window_start
    ):
        return (readings.undated_window_start + place.existed_by) // 2
    return None


def first_railway_year(place_id: str, network: RailwayNetwork) -> int | None:
    """Year the first railway section touching ``place_id`` opened, if any."""
    years = [
        o.section.year
        for o in network.all_sections
        if o.section.year is not None and place_id in (o.section.from_, o.section.to)
    ]
    return min(years) if years else None


def _arrival_series(years: list[int], start: int, stop: int) -> tuple[list[float], list[float]]:
    """Count of projects working, as points that rise through each project's year.

    The value at ``Y + 1`` (1 January) counts the projects of year ``Y``, so that with
    linear interpolation a project arrives during its own year.
    """
    times = [float(t) for t in range(start, stop + 1)]
    values = [float(sum(1 for y in years if y + 1 <= t)) for t in range(start, stop + 1)]
    return times, values


def _weighted_series(
    items: list[tuple[int, float]], start: int, stop: int
) -> tuple[list[float], list[float]]:
    """Like :func:`_arrival_series`, each project weighted (e.g. by its kW)."""
    times = [float(t) for t in range(start, stop + 1)]
    values = [float(sum(w for y, w in items if y + 1 <= t)) for t in range(start, stop + 1)]
    return times, values


def _site_series(
    spans: list[tuple[int, int, float]], start: int, stop: int
) -> tuple[list[float], list[float]]:
    """Workforce of the projects under construction, each weighted (``(begin, end,
    weight)``): from 1 January after the start of construction to 1 January after the
    project's first year of work."""
    times = [float(t) for t in range(start, stop + 1)]
    values = [
        float(sum(w for a, b, w in spans if a + 1 <= t < b + 1)) for t in range(start, stop + 1)
    ]
    return times, values


def _even_stages(years: tuple[int, int], workers: float) -> list[tuple[int, float]]:
    """A workforce commissioned in equal parts in each year from ``years[0]`` to ``years[1]``."""
    first, last = years
    n = last - first + 1
    return [(y, workers / n) for y in range(first, last + 1)]


def _construction_start(place: Place, year: int, readings: ProjectReadings, facts) -> int:
    fact_id = readings.construction_start_facts.get(place.id)
    if fact_id is not None:
        fact = facts.get(fact_id)
        if fact.first_year is not None:
            return int(fact.first_year)
    return year - readings.construction_years


def _city_population_1926(cities: list[str], facts) -> dict[str, float]:
    """The record's 1926 census population of each city that has a fact for it."""
    known = {f.id: f for f in facts}
    out = {}
    for city in cities:
        fact = known.get(f"ext.urbanisation.{city}_1926")
        if fact is not None and isinstance(fact.value, int | float):
            out[city] = float(fact.value)
    return out


@lru_cache(maxsize=1)
def record_schedules() -> Schedules:
    """Everything the model takes from the record, computed once."""
    spec = load_model(MODEL_FILE)
    start, stop = int(spec.time.start), int(spec.time.stop)
    gazetteer = load_gazetteer()
    network = load_railways(gazetteer=gazetteer)
    outline = load_outline()
    readings = project_readings()
    facts = default_table()
    by_id = {p.id: p for p in gazetteer.places}

    years: dict[str, int] = {}
    for place in gazetteer.places:
        year = project_year(place, network, gazetteer, readings)
        if year is not None and year <= stop:
            years[place.id] = year

    series: dict[str, tuple[list[float], list[float]]] = {}
    for branch in spec.dimensions["branch"]:
        ys = [years[p.id] for p in gazetteer.places if p.id in years and p.branch == branch]
        series[f"named_projects_{branch}"] = _arrival_series(ys, start, stop)
    # The oil fields working before the war years ended fell idle with the rest (Makat).
    war_end = spec.variable("war_start").value + spec.variable("war_duration").value
    ys = [
        years[p.id]
        for p in gazetteer.places
        if p.id in years and p.branch == "oil" and years[p.id] < war_end
    ]
    series["named_projects_oil_war"] = _arrival_series(ys, start, stop)
    # Cities: the workers of their named projects (the staged Karaganda mines are
    # counted by their commissioned capacity in the model instead), and the workforce of
    # those under construction.
    workforce = {pid: project_workforce(by_id[pid], readings)[0] for pid in years}
    rebuilt = readings.reconstructed_projects
    for city in spec.dimensions["city"]:
        here = [p for p in gazetteer.places if p.id in years and p.city == city]
        counted = [p for p in here if p.id not in readings.staged_projects]
        new = [p for p in counted if p.id not in rebuilt]
        series[f"enterprises_{city}"] = _weighted_series(
            [(years[p.id], workforce[p.id]) for p in new]
            + [
                stage
                for p in counted
                if p.id in rebuilt
                for stage in _even_stages(rebuilt[p.id], workforce[p.id])
            ],
            start,
            stop,
        )
        # The labour of building a project is taken as proportional to its workforce: a
        # construction longer than the usual employs fewer builders at a time.
        spans = []
        for p in new:
            begin = _construction_start(p, years[p.id], readings, facts)
            pace = readings.construction_years / max(1, years[p.id] - begin)
            spans.append((begin, years[p.id], workforce[p.id] * pace))
        series[f"sites_{city}"] = _site_series(spans, start, stop)

    # Railways: on 1 January of Y the sections opened up to Y - 1.
    times = [float(t) for t in range(start, stop + 1)]
    lengths = [network.length_open_km(t - 1, outline) for t in range(start, stop + 1)]
    series["railway_length_record"] = (times, lengths)
    for city in spec.dimensions["city"]:
        series[f"rail_sections_{city}"] = (
            times,
            [
                float(
                    sum(
                        1
                        for o in network.sections_open(t - 1)
                        if city in (o.section.from_, o.section.to)
                    )
                )
                for t in range(start, stop + 1)
            ],
        )
    series["rail_sections_total"] = (
        times,
        [float(max(1, len(network.sections_open(t - 1)))) for t in range(start, stop + 1)],
    )

    # Power stations: the record's kW where it gives them, a count of the others.
    stations = [p for p in gazetteer.places if p.id in years and p.kind == "power_station"]
    recorded = [
        (years[p.id], p.capacity.kw) for p in stations if p.capacity is not None and p.capacity.kw
    ]
    unrecorded = [years[p.id] for p in stations if p.capacity is None or not p.capacity.kw]
    unrecorded += [years[pid] for pid in readings.own_power_stations if pid in years]
    series["named_station_kw_recorded"] = _weighted_series(recorded, start, stop)
    series["named_stations_unrecorded"] = _arrival_series(unrecorded, start, stop)

    constants: dict[str, float | dict[str, float]] = {"railway_length_record_1913": lengths[0]}
    rail = first_railway_year("karaganda", network)
    if rail is not None:
        constants["karaganda_rail_year"] = float(rail)
    census = _city_population_1926(spec.dimensions["city"], facts)
    if census:
        constants["city_population_1926"] = census
    unknown = [
        pid
        for pid in (
            *readings.project_years,
            *readings.own_power_stations,
            *readings.staged_projects,
            *readings.construction_start_facts,
            *readings.reconstructed_projects,
            *readings.workforce.places,
        )
        if pid not in by_id
    ]
    if unknown:
        raise KazindError(
            f"data/projects.yaml names places the record lacks: {', '.join(sorted(set(unknown)))}",
            file=PROJECTS_FILE,
        )
    return Schedules(
        series=series,
        constants=constants,
        project_years=years,
        project_workforce={pid: project_workforce(by_id[pid], readings) for pid in years},
    )


def calibrated_values(path: str | Path = CALIBRATED_FILE) -> dict[str, float]:
    """The calibrated parameter values (``name`` or ``name[element]``), empty if none."""
    path = Path(path)
    if not path.exists():
        return {}
    doc = load_yaml(path)
    params = (doc.data or {}).get("parameters") or {}
    if not isinstance(params, dict):
        raise doc.error("'parameters' must be a mapping", ("parameters",))
    try:
        return {str(k): float(v["value"]) for k, v in params.items()}
    except (KeyError, TypeError, ValueError):
        raise doc.error("each parameter needs a numeric 'value'", ("parameters",)) from None


def build_spec(
    model_file: str | Path = MODEL_FILE,
    calibrated: bool = True,
    values: dict[str, float] | None = None,
) -> ModelSpec:
    """The model's spec with the record's schedules filled in and, unless
    ``calibrated`` is False, the calibrated parameter values applied (or ``values``)."""
    spec = load_model(model_file)
    schedules = record_schedules()
    if values is None:
        values = calibrated_values() if calibrated else {}
    variables = []
    for var in spec.variables:
        if var.name in schedules.series:
            times, series_values = schedules.series[var.name]
            var = var.model_copy(update={"times": times, "values": series_values})
        elif var.name in schedules.constants:
            value = schedules.constants[var.name]
            if isinstance(value, dict):
                value = {
                    **(var.value if isinstance(var.value, dict) else {"*": var.value}),
                    **value,
                }
            var = var.model_copy(update={"value": value})
        variables.append(var)
    spec = ModelSpec(**{**spec.model_dump(exclude={"variables"}), "variables": variables})
    try:
        return with_values(spec, values)
    except EngineError as exc:
        raise KazindError(f"calibrated values: {exc.message}") from None


@lru_cache(maxsize=1)
def calibrated_spec() -> ModelSpec:
    """The calibrated model's spec, built once (scenarios are applied to copies)."""
    return build_spec(calibrated=True)
