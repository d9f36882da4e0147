"""What the explorer shows, computed once per process and cached.

The historical model is compiled once (through :mod:`kazind.scenarios`, which caches
compiled scenarios by content); a change of the levers runs it again with the levers
as parameters, and runs are cached by the tuple of lever values
(:func:`lever_run`), so moving a slider back costs nothing. Shipped scenarios are run
once each (:func:`scenario_run`); ensembles (:func:`ensemble_quantiles`) are capped at
:data:`MAX_ENSEMBLE` runs and cached by (scenario, size).

Facts are drawn on the model's paths through the fit targets: each target names a
variable, an element, a time and a measure; :func:`fact_points` turns it into a point
(time, value) on that variable's path. A ``value`` target is the fact's value itself;
a ``ratio``, ``growth`` or ``change`` target is placed at the value it implies given
the model's value at the base time (marked ``implied``); ``one_minus`` takes the
complement.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import xarray as xr

from kazind.explorer.i18n import InputError, Term
from kazind.explorer.ids import LEVERS

YEARS = (1913, 1940)
#: Largest ensemble the page will run (the page says so).
MAX_ENSEMBLE = 500
ENSEMBLE_SEED = 2024
HISTORICAL = "historical"
LEVERS_RUN = "levers"  # the name of the run with the page's lever values

#: Outputs kept from every run besides the timeline's panels, the fit targets, the story's
#: charts and the outcomes (the map, the scenarios tab and the model tab use these).
TIMELINE_OUTPUTS = (
    "industrial_output_index",
    "agricultural_output_index",
    "branch_output",
    "electricity_output",
    "railway_length",
    "population_total",
    "population_urban",
    "population_by_group",
    "urban_share",
    "workers_total",
    "workers_by_group",
    "kazakh_share_of_workers",
    "kazakh_share_of_population",
    "working_class_share",
    "city_population",
    "famine_deaths",
    "in_migration",
    "processing_share_of_industry",
    "local_processing_share",
    "skilled_kazakh_workers",
    "in_migration_flow",
    "coal_output",
)


# ---------------------------------------------------------------- the model and its runs


@lru_cache(maxsize=1)
def historical_model():
    """The calibrated historical model, compiled once."""
    from kazind.scenarios.run import compiled_scenario

    return compiled_scenario(HISTORICAL)


@lru_cache(maxsize=1)
def outputs() -> tuple[str, ...]:
    """Every output the explorer keeps: the timeline's, the targets', the outcomes'."""
    from kazind.explorer.shown import EXTRA_VARIABLES, PANEL_VARIABLES, chart_variables

    names = (
        set(TIMELINE_OUTPUTS) | PANEL_VARIABLES | set(EXTRA_VARIABLES) | set(targets().variables())
    )
    names |= chart_variables()
    from kazind.scenarios.outcomes import OUTPUTS

    names |= set(OUTPUTS)
    known = set(historical_model().spec.names())
    return tuple(sorted(n for n in names if n in known))


def _squeeze(ds: xr.Dataset) -> xr.Dataset:
    if "run" in ds.dims:
        ds = ds.isel(run=0, drop=True)
    return ds.drop_vars([c for c in ds.coords if str(c).startswith("param_")])


@dataclass(frozen=True)
class Lever:
    name: str
    default: float  # the historical (calibrated) value
    low: float
    high: float
    step: float
    unit: str


@lru_cache(maxsize=1)
def levers() -> dict[str, Lever]:
    """The page's levers with their historical values and the constants' bounds."""
    spec = historical_model().spec
    by_name = {v.name: v for v in spec.variables}
    out = {}
    for name in LEVERS:
        var = by_name[name]
        low, high = (float(b) for b in var.bounds)
        span = high - low
        step = 10 ** math.floor(math.log10(span / 100)) if span > 0 else 1.0
        out[name] = Lever(name, float(var.value), low, high, step, var.unit)
    return out


def check_levers(values: object) -> tuple[float, ...]:
    """The lever values (one per :data:`LEVERS`) as floats within bounds, or InputError.

    Anything a page could send is answered: a missing value is the historical one; a
    value that is not a number, not finite, too large for a float (``10**400``) or out
    of the constant's bounds is refused with the lever's name and its range."""
    if not isinstance(values, list | tuple) or len(values) != len(LEVERS):
        raise InputError("expected {count} lever values", count=len(LEVERS))
    out = []
    for lever, value in zip(levers().values(), values, strict=True):
        if value is None:
            value = lever.default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(
                "lever {lever}: not a number: {value}", lever=Term(lever.name), value=value
            )
        try:
            number = float(value)
        except OverflowError:  # an integer beyond any float
            number = math.inf if value > 0 else -math.inf
        if not math.isfinite(number) or not lever.low <= number <= lever.high:
            shown = (
                number
                if math.isfinite(number)
                else (
                    "10^" + str(len(str(abs(int(value)))) - 1)
                    if isinstance(value, int)
                    else str(number)
                )
            )
            raise InputError(
                "lever {lever}: {value} is outside {low} to {high}",
                lever=Term(lever.name),
                value=shown,
                low=lever.low,
                high=lever.high,
            )
        out.append(number)
    return tuple(out)


@lru_cache(maxsize=256)
def lever_run(values: tuple[float, ...], keep: tuple[str, ...] | None = None) -> xr.Dataset:
    """The historical model run with the levers set to ``values`` (in :data:`LEVERS` order),
    keeping ``keep`` and the outcomes' variables (every output the explorer uses if None:
    a lever change keeps only what the scenarios tab draws, which makes the run cheaper)."""
    values = check_levers(values)
    params = {
        name: v for name, v in zip(LEVERS, values, strict=True) if v != levers()[name].default
    }
    if keep is None:
        kept = list(outputs())
    else:
        from kazind.scenarios.outcomes import OUTPUTS

        known = set(historical_model().spec.names())
        kept = sorted((set(keep) | set(OUTPUTS)) & known)
    ds = historical_model().run(params=params or None, outputs=kept)
    return _squeeze(ds)


def historical_run() -> xr.Dataset:
    return lever_run(tuple(lever.default for lever in levers().values()))


@lru_cache(maxsize=1)
def _scenario_catalogue() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(names that load and run, one line for each that does not). A user's broken
    scenario file is left out and reported; it never stops the server."""
    import logging

    from kazind.scenarios import list_scenarios, load_scenario

    log = logging.getLogger("kazind.explorer")
    good, bad = [HISTORICAL], []
    try:
        names = list(list_scenarios())
    except Exception as exc:  # noqa: BLE001 - e.g. an unreadable scenario folder
        log.error("scenarios: %s", exc)
        return (HISTORICAL,), (str(exc),)
    for name in names:
        if name == HISTORICAL:
            continue
        try:
            load_scenario(name)
            _run_scenario(name)
        except Exception as exc:  # noqa: BLE001 - reported on the page and in the log
            line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            log.error("scenario %s left out: %s", name, line)
            bad.append(f"{name}: {line}")
            continue
        good.append(name)
    return tuple(good), tuple(bad)


def scenario_names() -> tuple[str, ...]:
    """The scenarios one can pick: historical first, then every other that loads and runs."""
    return _scenario_catalogue()[0]


def scenario_problems() -> tuple[str, ...]:
    """One line for each scenario file that was left out (shown on the scenarios tab)."""
    return _scenario_catalogue()[1]


def scenario_title(name: str, lang: str) -> str:
    return _scenario_text(name, "title", lang) or name


def scenario_description(name: str, lang: str) -> str:
    return _scenario_text(name, "description", lang)


@dataclass(frozen=True)
class ScenarioTexts:
    """What a scenario's file says it stands on, in one language (empty where it is silent)."""

    assumptions: tuple[str, ...]
    leaves_out: tuple[str, ...]
    rests_on: tuple[str, ...]  # ids of the record
    departure: float | None  # the year it departs from history (None: it is history)


@lru_cache(maxsize=256)
def scenario_texts(name: str, lang: str) -> ScenarioTexts:
    """The scenario file's ``assumptions``, ``leaves_out`` and ``rests_on`` (the one home of
    them: the debate tab and the handout read them here), and its departure year."""
    try:
        from kazind.scenarios import load_scenario

        s = load_scenario(name)
    except Exception:  # noqa: BLE001 - decoration of a scenario that loads elsewhere
        return ScenarioTexts((), (), (), None)
    return ScenarioTexts(
        tuple(s.assumptions.get(lang, ())),
        tuple(s.leaves_out.get(lang, ())),
        tuple(s.rests_on),
        s.departure,
    )


@lru_cache(maxsize=256)
def _scenario_text(name: str, field: str, lang: str) -> str:
    """A scenario's title or description in ``lang``, read once (its file is YAML: parsing
    it on every lever change cost more than the model run)."""
    try:
        from kazind.scenarios import load_scenario

        texts = getattr(load_scenario(name), field) or {}
        return texts.get(lang) or texts.get("en") or ""
    except Exception:  # noqa: BLE001 - a title is decoration; the name will do
        return ""


def check_scenarios(names: object) -> tuple[str, ...]:
    """Scenario names picked on the page, each known, at least one, none twice."""
    if names is None:
        names = []
    if isinstance(names, str):
        names = [names]
    if (
        not isinstance(names, list | tuple)
        or len(names) > 50
        or not all(isinstance(n, str) for n in names)
    ):
        raise InputError("scenarios: expected a list of names")
    known = scenario_names()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise InputError("unknown scenario {name}", name=unknown[0])
    return tuple(dict.fromkeys(names))


@lru_cache(maxsize=16)
def scenario_model(name: str):
    """Scenario ``name`` compiled, once per process, like its run (:func:`scenario_run`):
    the levers' runs of a scenario use the model its shown run came from. (Asking
    :func:`kazind.scenarios.run.compiled_scenario` each time reads and parses the
    scenario's files again to find its cached model: 90 % of a lever change's time.)"""
    from kazind.scenarios.run import compiled_scenario

    return compiled_scenario(name)


@lru_cache(maxsize=16)
def _run_scenario(name: str) -> xr.Dataset:
    if name == HISTORICAL:
        return historical_run()
    return _squeeze(scenario_model(name).run(outputs=list(outputs())))


def scenario_run(name: str) -> xr.Dataset:
    """One shipped (or user) scenario, run once."""
    check_scenarios([name])
    return _run_scenario(name)


# ---------------------------------------------------------------- outcomes of a run


def run_outcomes(ds: xr.Dataset) -> tuple[tuple[str, float | None], ...]:
    """The outcomes of ``kazind compare`` of one run, as ``(outcome name, value)`` pairs
    (``None`` where the run lacks the output; hashable, so the caches can keep them).

    Read by :class:`kazind.scenarios.outcomes.Outcome`, the one definition the
    command line and the ensembles use."""
    from kazind.scenarios.outcomes import OUTCOMES

    return tuple((o.name, o.value(ds) if o.variable in ds.data_vars else None) for o in OUTCOMES)


@lru_cache(maxsize=32)
def scenario_outcomes(name: str) -> tuple[tuple[str, float | None], ...]:
    """The outcomes of a shipped scenario, computed once (they never change)."""
    return run_outcomes(scenario_run(name))


@lru_cache(maxsize=256)
def lever_outcomes(
    values: tuple[float, ...], keep: tuple[str, ...] | None = None
) -> tuple[tuple[str, float | None], ...]:
    """The outcomes of the levers' run, cached like the run itself."""
    return run_outcomes(lever_run(values, keep))


#: Smallest ensemble: fewer runs give no meaningful 5-95 % band.
MIN_ENSEMBLE = 10


def check_ensemble_size(n: object) -> int:
    """A whole number of runs from :data:`MIN_ENSEMBLE` to :data:`MAX_ENSEMBLE`, or
    InputError saying which rule the value breaks (empty, not whole, too few, too many)."""
    if n is None or (isinstance(n, str) and not n.strip()):
        raise InputError(
            "ensemble size: type a whole number of runs from {low} to {high}",
            low=MIN_ENSEMBLE,
            high=MAX_ENSEMBLE,
        )
    if isinstance(n, str):
        try:
            n = float(n.strip().replace(",", "."))
        except ValueError:
            raise InputError("ensemble size: {value} is not a number", value=n) from None
    if isinstance(n, float) and math.isfinite(n) and n.is_integer():
        n = int(n)
    if isinstance(n, bool) or not isinstance(n, int):
        raise InputError("ensemble size: {value} is not a whole number", value=n)
    if n < MIN_ENSEMBLE:
        raise InputError(
            "ensemble size: at least {low} runs, got {value}", low=MIN_ENSEMBLE, value=n
        )
    if n > MAX_ENSEMBLE:
        raise InputError(
            "ensemble size: at most {high} runs per scenario on this page, got {value} "
            "(the command 'kazind ensemble' runs more)",
            high=MAX_ENSEMBLE,
            value=n,
        )
    return n


def ensemble_available() -> bool:
    try:
        import kazind.analysis.ensemble  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=16)
def ensemble_quantiles(name: str, n: int, variables: tuple[str, ...]) -> dict[str, xr.DataArray]:
    """Quantiles (5, 25, 50, 75, 95 %) over ``n`` draws of the calibrated parameters."""
    from kazind.analysis.ensemble import run_ensemble
    from kazind.analysis.summaries import fan_quantiles

    n = check_ensemble_size(n)
    check_scenarios([name])
    ens = run_ensemble(name, n, seed=ENSEMBLE_SEED, outputs=list(variables))
    return {v: fan_quantiles(ens, v) for v in variables}


# ---------------------------------------------------------------- the record


@lru_cache(maxsize=1)
def facts():
    from kazind.record.facts import default_table

    return default_table()


@lru_cache(maxsize=1)
def targets():
    from kazind.model.targets import load_targets

    return load_targets()


@lru_cache(maxsize=1)
def fit_by_target() -> dict[str, object]:
    """Target key -> its FitRow on the historical model."""
    from kazind.analysis.fit_report import fit_rows

    return {r.target: r for r in fit_rows(historical_model(), targets())}


@lru_cache(maxsize=1)
def fit_report_rows() -> tuple:
    from kazind.analysis.fit_report import fit_rows

    return tuple(fit_rows(historical_model(), targets()))


def reproduced(fact_id: str) -> str:
    """'yes', 'no', 'input' (sets a parameter; not scored), 'check' or 'none' (no target)."""
    rows = [r for r in fit_by_target().values() if r.fact_id == fact_id]
    if not rows:
        return "none"
    scored = [r for r in rows if r.role in ("fit", "holdout")]
    if not scored:
        return rows[0].role
    return "yes" if all(r.within_tolerance for r in scored) else "no"


@dataclass(frozen=True)
class FactPoint:
    """A fact drawn on a model path."""

    fact_id: str
    target: str
    variable: str
    element: str | None
    at: float
    y: float
    low: float | None  # a range's ends (implied, on the path's scale)
    high: float | None
    implied: bool  # placed by a ratio/growth/change on the model's base value
    role: str
    within: bool
    simulated_y: float


def _value_at(ds: xr.Dataset, variable: str, element: str | None, t: float) -> float:
    from kazind.common.timeseries import at_time

    da = ds[variable]
    if element is not None:
        dim = next(d for d in da.dims if d != "time")
        da = da.sel({dim: element})
    return float(at_time(da, t))


@lru_cache(maxsize=1)
def fact_points() -> tuple[FactPoint, ...]:
    """Every target as a point on its variable's historical path."""
    from kazind.model.targets import MEASURES

    ds = historical_run()
    fit = fit_by_target()
    out = []
    for rt in targets().targets:
        t = rt.target
        if t.variable not in ds:
            continue
        obs = rt.observed
        lo, hi = obs if isinstance(obs, tuple) else (None, None)
        centre = float(np.mean(obs)) if isinstance(obs, tuple) else float(obs)
        now = _value_at(ds, t.variable, t.element, t.at)
        base = _value_at(ds, t.variable, t.element, t.base) if t.base is not None else None

        rule = MEASURES[t.measure]

        def place(v: float, rule=rule, base: float | None = base) -> float:
            return float(rule.invert(v, base))

        row = fit.get(rt.key)
        out.append(
            FactPoint(
                fact_id=rt.fact.id,
                target=rt.key,
                variable=t.variable,
                element=t.element,
                at=float(t.at),
                y=place(centre),
                low=None if lo is None else place(lo),
                high=None if hi is None else place(hi),
                implied=rule.needs_base,
                role=t.role,
                within=bool(row.within_tolerance) if row is not None else False,
                simulated_y=now,
            )
        )
    return tuple(out)


@lru_cache(maxsize=1)
def gazetteer():
    from kazind.record.places import load_gazetteer

    return load_gazetteer()


@lru_cache(maxsize=1)
def railways():
    from kazind.record.railways import load_railways

    return load_railways(gazetteer=gazetteer())


@lru_cache(maxsize=1)
def outline():
    from kazind.record.places import load_outline

    return load_outline()


def check_year(year: object) -> int:
    """A whole year within 1913-1940, or InputError."""
    if isinstance(year, float) and year.is_integer():
        year = int(year)
    if isinstance(year, str) and year.strip().isdigit():
        year = int(year)
    if isinstance(year, bool) or not isinstance(year, int):
        raise InputError("year: not a whole year: {value}", value=year)
    if not YEARS[0] <= year <= YEARS[1]:
        raise InputError(
            "year {value} is outside {low}-{high}",
            value=str(year) if abs(year) < 10**6 else "?",
            low=str(YEARS[0]),
            high=str(YEARS[1]),
        )
    return year


# ---------------------------------------------------------------- how the record's facts read
# The record formats its facts for readers itself (kazind.record.display); these wrap it
# for the explorer: the tables' and panels' few extra needs (a citation's English part
# marked as English, the model's own units) are here, nothing is formatted twice.

#: The languages' own short names, for the translations of a statement.
LANG_SHORT = {"kk": "Қазақша", "ru": "Русский", "en": "English"}

#: Units of the model that the record does not use (message ids of the .po files).
MODEL_UNITS = (
    "1/year",
    "person/year",
    "year",
    "million rouble/year",
    "Mt/year",
    "kWh/year",
    "person/km",
    "person/(million rouble/year)",
)


def _display():
    from kazind.record import display

    return display


def unit_text(unit: str | None, lang: str) -> str:
    """A unit in ``lang`` (``million kWh`` -> ``млн кВт·сағ``): the record's names for its
    units, the .po files' for the model's own ('' for dimensionless)."""
    if not unit or unit == "dimensionless":
        return ""
    display = _display()
    if unit in display.UNIT_LABELS:
        return display.unit_label(unit, lang)
    from kazind.explorer.i18n import translator

    return translator(lang)(unit)


def fact_value_text(fact, lang: str) -> str:
    """The fact's value in ``lang`` as the record writes it (``115,5 мыңнан астам адам``)."""
    return _display().format_value(fact, lang)


def when_text(fact, lang: str) -> str:
    """The fact's date, year or period as the record writes it."""
    return _display().when_label(fact, lang)


def topic_text(topic: str, lang: str) -> str:
    return _display().topic_label(topic, lang)


def borders_text(fact, lang: str) -> str:
    """The territory a population count covers ('' when the fact is not a count)."""
    return _display().borders_label(getattr(fact, "borders", None), lang)


def source_text(fact, lang: str) -> str:
    """A compact source label in ``lang`` (the record's ``source_label``)."""
    return _display().source_label(fact, lang)


def source_parts(fact, lang: str) -> tuple[str, str, str]:
    """The compact source label cut round its English citation: (before, citation, after),
    so that a page can mark the citation as English; ('', '', label) for the source text."""
    from kazind.record.facts import SeedSource

    label = source_text(fact, lang)
    if isinstance(fact.source, SeedSource) or lang == "en":
        return "", "", label
    short = _display().source_label(fact, "en").rsplit(" · ", 1)[0]
    i = label.find(short)
    return ("", "", label) if i < 0 else (label[:i], short, label[i + len(short) :])


def citation_parts(fact, lang: str) -> tuple[str, str]:
    """The full citation of an outside fact, labelled by the record with its language and
    confidence, as (citation, the rest): the citation is in its own language (English)."""
    label = _display().citation_label(fact, lang)
    citation = fact.source.citation
    return (citation, label[len(citation) :]) if label.startswith(citation) else ("", label)


def citation_lang(fact) -> str:
    """The language tag of a citation's text (for ``lang=``): English unless it is in Cyrillic."""
    text = getattr(fact.source, "citation", "") or ""
    return "ru" if any("\u0400" <= c <= "\u04ff" for c in text) else "en"


def confidence_text(level: str, lang: str) -> str:
    return _display().confidence_label(level, lang)


def fit_rows_of(fact_id: str) -> list:
    """The fit report's rows of one fact."""
    return [r for r in fit_by_target().values() if r.fact_id == fact_id]


def is_share(variable: str) -> bool:
    """Whether the model variable is a share (drawn and written as a percentage)."""
    return "share" in variable or variable in (
        "rolling_stock_condition",
        "utilisation",
        "labour_ratio",
        "transport_ratio",
        "power_ratio",
    )


# ---------------------------------------------------------------- places as a reader of a year sees them


def place_name(place, lang: str, year: int | None = None) -> str:
    """The place's name in ``lang`` as it was in ``year`` (the record's period names), or today's."""
    return place.name_at(year, lang) if year is not None else place.today_name(lang)


def place_label(place, lang: str, year: int) -> str:
    """The name of ``year`` with today's beside it when they differ: ``Алма-Ата (Алматы)``."""
    return place.label_at(year, lang)


@lru_cache(maxsize=1)
def waters() -> dict:
    """The seas, lakes and rivers of the map (Natural Earth, shipped: scripts/make_waters.py)."""
    import json
    from pathlib import Path

    path = Path(__file__).resolve().parent / "data" / "waters.geojson"
    return json.loads(path.read_text(encoding="utf-8"))
