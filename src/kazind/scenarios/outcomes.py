"""The outcomes by which scenarios are compared: one :class:`Outcome` type, one list.

An outcome is a model variable read at a time (or over 1926-1940) and scaled: of one
run (a Dataset with a ``time`` dimension), or of every run of an ensemble at once (a
``run`` dimension too). ``kazind compare``, the ensembles' probability tables, the
sensitivity analyses and the explorer all read outcomes from here, by name.

When a value is read (``how``, the ``when`` column of the table):

- ``end`` (1 Jan 1941): stocks, cumulative outputs and ratios of stocks (workers,
  skilled Kazakh workers, the Kazakh share of workers or of the population, the urban
  share): their state at the end of 1940;
- ``mid`` (mid-1940): rates and levels of output (the output indices, the processing
  share, the local processing share, in-migrants a year): their value on 1 July 1940;
- ``mean`` (1926-1940 avg): the time-average over 1 January 1926 - 1 January 1941;
- ``total`` (1926-1940 total): the change of a cumulative stock from 1 January 1926 to
  1 January 1941 (in-migrants, famine deaths in those fifteen years);
- ``last``: the last saved time (an outcome made from any variable of any model).

Values between saved times are read on a straight line (:mod:`kazind.common.timeseries`);
``kazind compare`` saves every integration step, so mid-1940 is a saved time.

``higher_is_better`` is the direction in which one scenario "beats" another; it is
``None`` where the source text takes no side (in-migration: more in-migrants were more
workers and fewer jobs for local people; the Kazakh share of the population, which the
famine and the migrations both move), and "beats" then means "is higher".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr

from kazind.common.errors import KazindError
from kazind.common.timeseries import time_mean, value_at

__all__ = [
    "END",
    "MID_1940",
    "OUTCOMES",
    "OUTCOMES_1940",
    "OUTCOME_VARIABLES",
    "OUTPUTS",
    "START",
    "WHEN",
    "Outcome",
    "outcome",
    "outcome_rows",
    "outcome_table",
    "outcome_value",
    "resolve_outcomes",
]

START, END = 1926.0, 1941.0
MID_1940 = 1940.5
HOWS = ("end", "mid", "mean", "total", "last")
_BLOCK = 200_000  # runs read at once from an ensemble (200,000 x 29 times x 8 bytes = 46 MB)

WHEN = {
    "end": {"en": "1 Jan 1941", "ru": "1 янв. 1941", "kk": "1941 ж. 1 қаң."},
    "mid": {"en": "mid-1940", "ru": "середина 1940", "kk": "1940 ж. ортасы"},
    "mean": {"en": "1926-1940 avg", "ru": "1926-1940 сред.", "kk": "1926-1940 орташа"},
    "total": {"en": "1926-1940 total", "ru": "1926-1940 всего", "kk": "1926-1940 барлығы"},
    "last": {"en": "last saved time", "ru": "последний момент", "kk": "соңғы сәт"},
}


@dataclass(frozen=True)
class Outcome:
    """A scalar outcome of a run: ``variable`` read as ``how`` says, times ``scale``.

    ``label`` is the reader's name of it by language; ``fmt`` formats a value (a
    :meth:`str.format` pattern); ``higher_is_better`` says which way is better (None:
    no side).
    """

    name: str
    variable: str
    how: str = "last"
    scale: float = 1.0
    higher_is_better: bool | None = True
    fmt: str = "{:,.4g}"
    label: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    def __post_init__(self) -> None:
        if self.how not in HOWS:
            raise KazindError(
                f"outcome {self.name!r}: unknown reading {self.how!r}; use {', '.join(HOWS)}"
            )

    def title(self, lang: str = "en") -> str:
        """The label with when it is read: ``workers (thousand) (1 Jan 1941)``."""
        text = self.label.get(lang) or self.label.get("en") or self.name
        return f"{text} ({WHEN[self.how][lang]})"

    def values(self, ds: xr.Dataset) -> np.ndarray:
        """The outcome of every run of ``ds``: an array ``(run,)``, or a 0-d array when
        ``ds`` has no ``run`` dimension (one run)."""
        if self.variable not in ds.data_vars:
            raise KazindError(f"outcome {self.name!r}: the runs lack the output {self.variable!r}")
        da = ds[self.variable]
        if not set(da.dims) <= {"run", "time"} or "time" not in da.dims:
            raise KazindError(
                f"outcome {self.name!r}: {self.variable!r} is not a scalar series (dims {da.dims})"
            )
        times = np.asarray(da["time"].values, dtype=float)
        if "run" not in da.dims:
            return self.of(np.asarray(da.values, dtype=float), times)
        da = da.transpose("run", "time")
        n = da.sizes["run"]
        if n <= _BLOCK:
            return self.of(np.asarray(da.values, dtype=float), times)
        # an ensemble on disk: a block of runs at a time, so memory stays a few floats a run
        return np.concatenate(
            [
                self.of(np.asarray(da[s : s + _BLOCK].values, dtype=float), times)
                for s in range(0, n, _BLOCK)
            ]
        )

    def value(self, ds: xr.Dataset) -> float:
        """The outcome of a one-run Dataset (no ``run`` dimension, or one of size 1)."""
        values = np.ravel(self.values(ds))
        if values.size != 1:
            raise KazindError(f"outcome {self.name!r}: expected one run, got {values.size}")
        return float(values[0])

    def of(self, data: np.ndarray, times: np.ndarray) -> np.ndarray:
        """The outcome of ``data`` (time on the last axis) saved at ``times``."""
        what = self.variable
        if self.how == "last":
            value = np.asarray(data)[..., -1]
        elif self.how == "end":
            value = value_at(data, times, END, what)
        elif self.how == "mid":
            value = value_at(data, times, MID_1940, what)
        elif self.how == "total":
            value = value_at(data, times, END, what) - value_at(data, times, START, what)
        else:
            value = time_mean(data, times, START, END, what)
        return np.asarray(value, dtype=float) * self.scale

    def format(self, value: float) -> str:
        return self.fmt.format(value)


def _o(name, variable, how, scale, fmt, en, ru, kk, better: bool | None = True) -> Outcome:
    return Outcome(name, variable, how, float(scale), better, fmt, {"en": en, "ru": ru, "kk": kk})


#: The outcomes of ``kazind compare``, in its order.
OUTCOMES: tuple[Outcome, ...] = (
    _o(
        "industrial_output_1940",
        "industrial_output_index",
        "mid",
        1,
        "{:,.0f}",
        "industrial output index (1913 = 100)",
        "индекс промышленной продукции (1913 = 100)",
        "өнеркәсіп өнімінің индексі (1913 = 100)",
    ),
    _o(
        "industrial_output_avg",
        "industrial_output_index",
        "mean",
        1,
        "{:,.0f}",
        "industrial output index (1913 = 100)",
        "индекс промышленной продукции (1913 = 100)",
        "өнеркәсіп өнімінің индексі (1913 = 100)",
    ),
    _o(
        "processing_share_1940",
        "processing_share_of_industry",
        "mid",
        1,
        "{:.1%}",
        "processing and machine building, share of industrial output",
        "доля обработки и машиностроения в промышленной продукции",
        "өңдеу мен машина жасаудың өнеркәсіп өніміндегі үлесі",
    ),
    _o(
        "processing_share_avg",
        "processing_share_of_industry",
        "mean",
        1,
        "{:.1%}",
        "processing and machine building, share of industrial output",
        "доля обработки и машиностроения в промышленной продукции",
        "өңдеу мен машина жасаудың өнеркәсіп өніміндегі үлесі",
    ),
    _o(
        "local_processing_1940",
        "local_processing_share",
        "mid",
        1,
        "{:.1%}",
        "raw materials processed in the republic (share)",
        "доля сырья, переработанного в республике",
        "республиканың өзінде өңделген шикізат үлесі",
    ),
    _o(
        "local_processing_avg",
        "local_processing_share",
        "mean",
        1,
        "{:.1%}",
        "raw materials processed in the republic (share)",
        "доля сырья, переработанного в республике",
        "республиканың өзінде өңделген шикізат үлесі",
    ),
    _o(
        "workers_1940",
        "workers_total",
        "end",
        1e-3,
        "{:,.0f}",
        "workers (thousand)",
        "рабочие (тыс.)",
        "жұмысшылар (мың)",
    ),
    _o(
        "kazakh_share_workers_1940",
        "kazakh_share_of_workers",
        "end",
        1,
        "{:.1%}",
        "Kazakh share of workers",
        "доля казахов среди рабочих",
        "жұмысшылар арасындағы қазақтар үлесі",
    ),
    _o(
        "kazakh_share_workers_avg",
        "kazakh_share_of_workers",
        "mean",
        1,
        "{:.1%}",
        "Kazakh share of workers",
        "доля казахов среди рабочих",
        "жұмысшылар арасындағы қазақтар үлесі",
    ),
    _o(
        "skilled_kazakh_workers_1940",
        "skilled_kazakh_workers",
        "end",
        1e-3,
        "{:,.1f}",
        "skilled Kazakh workers (thousand)",
        "квалифицированные рабочие-казахи (тыс.)",
        "білікті қазақ жұмысшылары (мың)",
    ),
    _o(
        "urban_share_1940",
        "urban_share",
        "end",
        1,
        "{:.1%}",
        "urban share of the population",
        "доля городского населения",
        "қала халқының үлесі",
    ),
    _o(
        "kazakh_share_population_1940",
        "kazakh_share_of_population",
        "end",
        1,
        "{:.1%}",
        "Kazakh share of the population",
        "доля казахов в населении",
        "халық құрамындағы қазақтар үлесі",
        better=None,
    ),
    _o(
        "in_migration_total",
        "in_migration",
        "total",
        1e-3,
        "{:,.0f}",
        "in-migrants (thousand)",
        "прибывшие мигранты (тыс.)",
        "қоныс аударып келгендер (мың)",
        better=None,
    ),
    _o(
        "in_migration_1940",
        "in_migration_flow",
        "mid",
        1e-3,
        "{:,.1f}",
        "in-migrants a year (thousand/year)",
        "прибывшие мигранты в год (тыс./год)",
        "жылына келгендер (мың/жыл)",
        better=None,
    ),
    _o(
        "famine_deaths_total",
        "famine_deaths",
        "total",
        1e-3,
        "{:,.0f}",
        "famine deaths (thousand)",
        "смерти от голода (тыс.)",
        "аштықтан өлгендер (мың)",
        better=False,
    ),
    _o(
        "agricultural_output_1940",
        "agricultural_output_index",
        "mid",
        1,
        "{:,.0f}",
        "agricultural output index (1913 = 100)",
        "индекс сельскохозяйственной продукции (1913 = 100)",
        "ауыл шаруашылығы өнімінің индексі (1913 = 100)",
    ),
    _o(
        "agricultural_output_avg",
        "agricultural_output_index",
        "mean",
        1,
        "{:,.0f}",
        "agricultural output index (1913 = 100)",
        "индекс сельскохозяйственной продукции (1913 = 100)",
        "ауыл шаруашылығы өнімінің индексі (1913 = 100)",
    ),
)

#: The outcomes in 1940 (what sensitivity analyses by default).
OUTCOMES_1940: tuple[Outcome, ...] = tuple(o for o in OUTCOMES if o.how in ("end", "mid"))

#: The model outputs the outcomes read (what a run for them must keep).
OUTCOME_VARIABLES: tuple[str, ...] = tuple(dict.fromkeys(o.variable for o in OUTCOMES))
OUTPUTS = sorted(OUTCOME_VARIABLES)

_BY_NAME = {o.name: o for o in OUTCOMES}


def outcome(name: str) -> Outcome:
    """The outcome called ``name`` (one of :data:`OUTCOMES`)."""
    if name not in _BY_NAME:
        raise KazindError(f"unknown outcome {name!r}; known: {', '.join(_BY_NAME)}")
    return _BY_NAME[name]


def resolve_outcomes(items) -> tuple[Outcome, ...]:
    """Outcomes from names of :data:`OUTCOMES`, model variable names (value at the last
    saved time) or :class:`Outcome` objects; None means :data:`OUTCOMES`."""
    if items is None:
        return OUTCOMES
    out = []
    for item in items:
        if isinstance(item, Outcome):
            out.append(item)
        elif item in _BY_NAME:
            out.append(_BY_NAME[item])
        else:
            out.append(Outcome(str(item), str(item), "last", label={"en": str(item)}))
    return tuple(out)


def outcome_value(ds: xr.Dataset, outcome: Outcome) -> float:
    """``outcome`` of a one-scenario Dataset (dims ``time`` and no other)."""
    return outcome.value(ds)


def _scenario_names(ds: xr.Dataset) -> list[str]:
    if "scenario" in ds.dims:
        return [str(s) for s in ds["scenario"].values]
    return [ds.attrs.get("scenario", "scenario")]


def outcome_table(ds: xr.Dataset) -> pd.DataFrame:
    """One row per outcome (index: its name), one column per scenario; raw numbers,
    scaled as labelled (thousands, shares as fractions)."""
    data = {}
    for name in _scenario_names(ds):
        one = ds.sel(scenario=name) if "scenario" in ds.dims else ds
        data[name] = [o.value(one) for o in OUTCOMES]
    return pd.DataFrame(data, index=[o.name for o in OUTCOMES])


def outcome_rows(ds: xr.Dataset, lang: str = "en") -> list[dict]:
    """The table as records: key, label, when, then one formatted value per scenario,
    and ``values`` (the numbers), for printing and JSON."""
    table = outcome_table(ds)
    rows = []
    for o in OUTCOMES:
        values = {str(c): float(table.loc[o.name, c]) for c in table.columns}
        rows.append(
            {
                "key": o.name,
                "label": o.label[lang],
                "when": WHEN[o.how][lang],
                "variable": o.variable,
                "how": o.how,
                "better_if": {True: "higher", False: "lower", None: "none"}[o.higher_is_better],
                "formatted": {k: o.format(v) for k, v in values.items()},
                "values": values,
            }
        )
    return rows
