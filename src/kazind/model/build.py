"""Build the Kazakhstan model's spec: the equations from ``kazakhstan.yaml``, the
schedules from the record.

The model file holds the structure and every documented parameter; what the record
dates (railway sections, named enterprises and power stations) is turned here into
time series, so that the historical scenario stands on the record and a change of the
record shows in the model. Calibrated parameter values, when present, are applied on
top (``calibrated.yaml``, written by ``kazind calibrate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kazind.common.errors import KazindError
from kazind.common.yamlio import load_yaml
from kazind.engine import ModelSpec, load_model
from kazind.record.places import Gazetteer, Place, load_gazetteer, load_outline
from kazind.record.railways import RailwayNetwork, load_railways

MODEL_FILE = Path(__file__).with_name("kazakhstan.yaml")

#: The model's policy levers: constants that stand for the choices of the debate, each
#: acting from ``policy_start`` (1921). Scenarios, the explorer and the tests move these.
POLICY_LEVERS = (
    "investment_scale",
    "processing_priority",
    "organised_recruitment_level",
    "local_training_capacity",
    "local_hiring_priority",
    "collectivisation_intensity",
)

#: Kinds of gazetteer entry that produce: the named projects of the model.
PRODUCING_KINDS = ("enterprise", "mine", "oil_field", "power_station")

#: Named projects are those that started in the industrialisation years; earlier
#: enterprises are part of the capacity restored after the war.
FIRST_PROJECT_YEAR = 1926


@dataclass(frozen=True)
class Schedules:
    """Time series and constants derived from the record, by model variable name."""

    series: dict[str, tuple[list[float], list[float]]]
    constants: dict[str, float]
    project_years: dict[str, int]  # place id -> year the model lets it arrive


def project_year(place: Place, network: RailwayNetwork, gazetteer: Gazetteer) -> int | None:
    """The year a named project arrives in the model, or None if it is not one.

    An enterprise counts from its start year, or from the year a source shows it
    working when no start year is known, if that is 1926 or later. A mine that existed
    before but could ship its output only once a railway reached its town (the
    Karaganda basin, reached in 1931) counts from that railway's year.
    """
    if place.kind not in PRODUCING_KINDS:
        return None
    first = place.year_started if place.year_started is not None else place.existed_by
    if first is not None and first >= FIRST_PROJECT_YEAR:
        return first
    if place.kind == "mine" and place.city is not None:
        rail = first_railway_year(place.city, network)
        if rail is not None and rail >= FIRST_PROJECT_YEAR:
            return rail
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


@lru_cache(maxsize=1)
def record_schedules() -> Schedules:
    """Everything the model takes from the record, computed once."""
    spec = load_model(MODEL_FILE)
    start, stop = int(spec.time.start), int(spec.time.stop)
    gazetteer = load_gazetteer()
    network = load_railways(gazetteer=gazetteer)
    outline = load_outline()

    years: dict[str, int] = {}
    for place in gazetteer.places:
        year = project_year(place, network, gazetteer)
        if year is not None and year <= stop:
            years[place.id] = year

    series: dict[str, tuple[list[float], list[float]]] = {}
    branches = spec.dimensions["branch"]
    for branch in branches:
        ys = [years[p.id] for p in gazetteer.places if p.id in years and p.branch == branch]
        series[f"named_projects_{branch}"] = _arrival_series(ys, start, stop)
    for city in spec.dimensions["city"]:
        ys = [years[p.id] for p in gazetteer.places if p.id in years and p.city == city]
        series[f"enterprises_{city}"] = _arrival_series(ys, start, stop)

    # Railway length on 1 January of Y counts the sections opened up to Y - 1.
    times = [float(t) for t in range(start, stop + 1)]
    lengths = [network.length_open_km(t - 1, outline) for t in range(start, stop + 1)]
    series["railway_length_record"] = (times, lengths)
    constants = {"railway_length_record_1913": lengths[0]}
    return Schedules(series=series, constants=constants, project_years=years)


CALIBRATED_FILE = Path(__file__).with_name("calibrated.yaml")


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


def _apply(var, values: dict[str, float]):
    """``var`` with its calibrated value(s), if any."""
    if var.kind != "constant":
        return var
    if var.name in values:
        return var.model_copy(update={"value": values[var.name]})
    if var.dims:
        mine = {k[len(var.name) + 1 : -1]: v for k, v in values.items() if k.startswith(var.name + "[")}
        if mine:
            base = dict(var.value) if isinstance(var.value, dict) else {"*": var.value}
            return var.model_copy(update={"value": {**base, **mine}})
    return var


def build_spec(model_file: str | Path = MODEL_FILE, calibrated: bool = True) -> ModelSpec:
    """The model's spec with the record's schedules filled in and, unless
    ``calibrated`` is False, the calibrated parameter values applied."""
    spec = load_model(model_file)
    schedules = record_schedules()
    values = calibrated_values() if calibrated else {}
    unknown = sorted(k.split("[")[0] for k in values if k.split("[")[0] not in spec.names())
    if unknown:
        raise KazindError(f"calibrated.yaml names parameters the model lacks: {', '.join(unknown)}")
    variables = []
    for var in spec.variables:
        if var.name in schedules.series:
            times, series_values = schedules.series[var.name]
            var = var.model_copy(update={"times": times, "values": series_values})
        elif var.name in schedules.constants:
            var = var.model_copy(update={"value": schedules.constants[var.name]})
        variables.append(_apply(var, values))
    return ModelSpec(**{**spec.model_dump(exclude={"variables"}), "variables": variables})
