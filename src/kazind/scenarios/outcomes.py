"""The outcomes ``kazind compare`` shows: each scenario in 1940 and over 1926-1940.

When a value is read (the ``when`` column of the table):

- ``1 Jan 1941``: stocks, cumulative outputs and ratios of stocks (workers, skilled
  Kazakh workers, the Kazakh share of workers or of the population, the urban share):
  their state at the end of 1940;
- ``mid-1940``: rates and levels of output (the output indices, the processing share,
  the local processing share, in-migrants a year): their value on 1 July 1940;
- ``1926-1940 avg``: the time-average over 1 January 1926 - 1 January 1941;
- ``1926-1940 total``: the change of a cumulative stock from 1 January 1926 to
  1 January 1941 (in-migrants, famine deaths in those fifteen years).

Values between saved times are interpolated linearly, so the table is the same
whatever the save step (``compare`` saves every integration step).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

START, END = 1926.0, 1941.0
MID_1940 = 1940.5

WHEN = {
    "end": {"en": "1 Jan 1941", "ru": "1 янв. 1941", "kk": "1941 ж. 1 қаң."},
    "mid": {"en": "mid-1940", "ru": "середина 1940", "kk": "1940 ж. ортасы"},
    "mean": {"en": "1926-1940 avg", "ru": "1926-1940 сред.", "kk": "1926-1940 орташа"},
    "total": {"en": "1926-1940 total", "ru": "1926-1940 всего", "kk": "1926-1940 барлығы"},
}


@dataclass(frozen=True)
class Outcome:
    key: str
    variable: str
    how: str  # end | mid | mean | total
    scale: float
    fmt: str
    label: dict[str, str]


def _o(key, variable, how, scale, fmt, en, ru, kk) -> Outcome:
    return Outcome(key, variable, how, scale, fmt, {"en": en, "ru": ru, "kk": kk})


OUTCOMES: tuple[Outcome, ...] = (
    _o("industrial_output_1940", "industrial_output_index", "mid", 1, "{:,.0f}",
       "industrial output index (1913 = 100)", "индекс промышленной продукции (1913 = 100)",
       "өнеркәсіп өнімінің индексі (1913 = 100)"),
    _o("industrial_output_avg", "industrial_output_index", "mean", 1, "{:,.0f}",
       "industrial output index (1913 = 100)", "индекс промышленной продукции (1913 = 100)",
       "өнеркәсіп өнімінің индексі (1913 = 100)"),
    _o("processing_share_1940", "processing_share_of_industry", "mid", 1, "{:.1%}",
       "processing and machine building, share of industrial output",
       "доля обработки и машиностроения в промышленной продукции",
       "өңдеу мен машина жасаудың өнеркәсіп өніміндегі үлесі"),
    _o("processing_share_avg", "processing_share_of_industry", "mean", 1, "{:.1%}",
       "processing and machine building, share of industrial output",
       "доля обработки и машиностроения в промышленной продукции",
       "өңдеу мен машина жасаудың өнеркәсіп өніміндегі үлесі"),
    _o("local_processing_1940", "local_processing_share", "mid", 1, "{:.1%}",
       "raw materials processed in the republic (share)",
       "доля сырья, переработанного в республике",
       "республиканың өзінде өңделген шикізат үлесі"),
    _o("local_processing_avg", "local_processing_share", "mean", 1, "{:.1%}",
       "raw materials processed in the republic (share)",
       "доля сырья, переработанного в республике",
       "республиканың өзінде өңделген шикізат үлесі"),
    _o("workers_1940", "workers_total", "end", 1e-3, "{:,.0f}",
       "workers (thousand)", "рабочие (тыс.)", "жұмысшылар (мың)"),
    _o("kazakh_share_workers_1940", "kazakh_share_of_workers", "end", 1, "{:.1%}",
       "Kazakh share of workers", "доля казахов среди рабочих",
       "жұмысшылар арасындағы қазақтар үлесі"),
    _o("kazakh_share_workers_avg", "kazakh_share_of_workers", "mean", 1, "{:.1%}",
       "Kazakh share of workers", "доля казахов среди рабочих",
       "жұмысшылар арасындағы қазақтар үлесі"),
    _o("skilled_kazakh_workers_1940", "skilled_kazakh_workers", "end", 1e-3, "{:,.1f}",
       "skilled Kazakh workers (thousand)", "квалифицированные рабочие-казахи (тыс.)",
       "білікті қазақ жұмысшылары (мың)"),
    _o("urban_share_1940", "urban_share", "end", 1, "{:.1%}",
       "urban share of the population", "доля городского населения", "қала халқының үлесі"),
    _o("kazakh_share_population_1940", "kazakh_share_of_population", "end", 1, "{:.1%}",
       "Kazakh share of the population", "доля казахов в населении",
       "халық құрамындағы қазақтар үлесі"),
    _o("in_migration_total", "in_migration", "total", 1e-3, "{:,.0f}",
       "in-migrants (thousand)", "прибывшие мигранты (тыс.)", "қоныс аударып келгендер (мың)"),
    _o("in_migration_1940", "in_migration_flow", "mid", 1e-3, "{:,.1f}",
       "in-migrants a year (thousand/year)", "прибывшие мигранты в год (тыс./год)",
       "жылына келгендер (мың/жыл)"),
    _o("famine_deaths_total", "famine_deaths", "total", 1e-3, "{:,.0f}",
       "famine deaths (thousand)", "смерти от голода (тыс.)", "аштықтан өлгендер (мың)"),
    _o("agricultural_output_1940", "agricultural_output_index", "mid", 1, "{:,.0f}",
       "agricultural output index (1913 = 100)", "индекс сельскохозяйственной продукции (1913 = 100)",
       "ауыл шаруашылығы өнімінің индексі (1913 = 100)"),
    _o("agricultural_output_avg", "agricultural_output_index", "mean", 1, "{:,.0f}",
       "agricultural output index (1913 = 100)", "индекс сельскохозяйственной продукции (1913 = 100)",
       "ауыл шаруашылығы өнімінің индексі (1913 = 100)"),
)  # fmt: skip

OUTPUTS = sorted({o.variable for o in OUTCOMES})


def _at(da: xr.DataArray, t: float) -> float:
    return float(da.interp(time=t)) if t not in da["time"].values else float(da.sel(time=t))


def outcome_value(ds: xr.Dataset, outcome: Outcome) -> float:
    """``outcome`` of a one-scenario Dataset (dims ``time`` and no other)."""
    da = ds[outcome.variable]
    if outcome.how == "end":
        value = _at(da, END)
    elif outcome.how == "mid":
        value = _at(da, MID_1940)
    elif outcome.how == "total":
        value = _at(da, END) - _at(da, START)
    else:  # time-average: trapezoids over the saved times, the ends interpolated
        times = da["time"].values
        inner = times[(times > START) & (times < END)]
        ts = np.concatenate([[START], inner, [END]])
        vs = np.array([_at(da, float(t)) for t in ts])
        value = float(np.sum((vs[1:] + vs[:-1]) / 2 * np.diff(ts)) / (END - START))
    return value * outcome.scale


def outcome_table(ds: xr.Dataset) -> pd.DataFrame:
    """One row per outcome (index: its key), one column per scenario; raw numbers, scaled
    as labelled (thousands, shares as fractions)."""
    names = (
        [str(s) for s in ds["scenario"].values]
        if "scenario" in ds.dims
        else [ds.attrs.get("scenario", "scenario")]
    )
    data = {}
    for name in names:
        one = ds.sel(scenario=name) if "scenario" in ds.dims else ds
        data[name] = [outcome_value(one, o) for o in OUTCOMES]
    return pd.DataFrame(data, index=[o.key for o in OUTCOMES])


def outcome_rows(ds: xr.Dataset, lang: str = "en") -> list[dict]:
    """The table as records: key, label, when, then one formatted value per scenario,
    and ``values`` (the numbers), for printing and JSON."""
    table = outcome_table(ds)
    rows = []
    for o in OUTCOMES:
        values = {str(c): float(table.loc[o.key, c]) for c in table.columns}
        rows.append(
            {
                "key": o.key,
                "label": o.label[lang],
                "when": WHEN[o.how][lang],
                "variable": o.variable,
                "how": o.how,
                "formatted": {k: o.fmt.format(v) for k, v in values.items()},
                "values": values,
            }
        )
    return rows
