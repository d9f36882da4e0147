"""``kazind run``: run scenarios of the model and save each as NetCDF and CSV.

``kazind run SCENARIO... --out DIR [--dt 0.25] [--method euler|rk4]`` runs each
scenario (a name, shipped or in ``$KAZIND_SCENARIO_PATH`` / ``./scenarios/``, or a
path to a scenario file; see :mod:`kazind.scenarios`) on the calibrated model and
writes, for each, atomically:

- ``DIR/<scenario>.nc``: every output of the model (all stocks, flows and auxiliaries)
  as an xarray Dataset with dims ``(time, *variable dims)`` (the engine's ``run``
  dimension, of size one, is dropped), each variable with ``units`` and
  ``description``; the Dataset's attributes say which scenario (its name, title, file,
  chain of bases, and its resolved parameters and schedules as JSON text), kazind
  version, model, method, dt, save step and date, and whether calibrated values were
  applied.
- ``DIR/<scenario>.csv``: one row per saved time, a ``time`` column then one column per
  scalar output, arrayed outputs as ``name[element]`` (``name[e1,e2]`` for two dims).

Values are saved once a year (the model's save step), on 1 January. ``--dt`` is the
integration step: a fraction 1/n of a year, given as a decimal (``0.25``, ``0.0833``,
rounded to the nearest 1/n) or a fraction (``1/12``). Every mistake (an unknown
scenario, with the nearest names; a bad scenario file, with file:line; a flag or value)
is one line on stderr and a non-zero exit, and nothing is written: every scenario is
loaded and checked before any runs.
"""

from __future__ import annotations

import datetime as dt_
import math
from fractions import Fraction
from pathlib import Path

import typer
from typer.core import TyperCommand

from kazind.commands import plain_console
from kazind.common.errors import KazindError
from kazind.common.writers import write_csv, write_netcdf

METHODS = ("euler", "rk4")

#: Outputs every saved run must hold (issue 4); the run holds all others too.
STABLE_OUTPUTS = (
    "industrial_output_index",
    "agricultural_output_index",
    "industry_share_of_output",
    "branch_output",
    "coal_output",
    "oil_output",
    "electricity_output",
    "railway_length",
    "population_total",
    "population_urban",
    "urban_share",
    "population_by_group",
    "city_population",
    "cities_over_50k",
    "workers_total",
    "workers_by_group",
    "kazakh_share_of_workers",
    "working_class_share",
    "famine_deaths",
    "in_migration",
    "local_processing_share",
)

#: The summary table: (output, label, scale, format) shown for SUMMARY_YEARS.
SUMMARY = (
    ("industrial_output_index", "industrial output (1913 = 100)", 1.0, "{:,.0f}"),
    ("agricultural_output_index", "agricultural output (1913 = 100)", 1.0, "{:,.0f}"),
    ("industry_share_of_output", "industry share of output", 1.0, "{:.1%}"),
    ("coal_output", "coal (Mt)", 1.0, "{:,.2f}"),
    ("oil_output", "oil (Mt)", 1.0, "{:,.2f}"),
    ("electricity_output", "electricity (million kWh)", 1e-6, "{:,.1f}"),
    ("railway_length", "railway length (km)", 1.0, "{:,.0f}"),
    ("population_total", "population (thousand)", 1e-3, "{:,.0f}"),
    ("urban_share", "urban share", 1.0, "{:.1%}"),
    ("workers_total", "workers (thousand)", 1e-3, "{:,.0f}"),
    ("kazakh_share_of_workers", "Kazakh share of workers", 1.0, "{:.1%}"),
    ("famine_deaths", "famine deaths since 1913 (thousand)", 1e-3, "{:,.0f}"),
    ("in_migration", "in-migrants since 1913 (thousand)", 1e-3, "{:,.0f}"),
)
SUMMARY_YEARS = (1913, 1926, 1940)


class _OneLineErrors(TyperCommand):
    """A command whose usage errors (unknown flag, missing or bad value) are one line.

    Click prints usage errors over several lines; raised as :class:`KazindError`, they
    reach :func:`kazind.cli.main`, which prints one line and exits with code 2.
    """

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except Exception as err:
            # Typer vendors its own click: recognise its UsageError (and subclasses) by name.
            if not any(cls.__name__ == "UsageError" for cls in type(err).__mro__):
                raise
            name = ctx.info_name or "run"
            raise KazindError(
                f"{name}: {err.format_message()} (see 'kazind {name} --help')"
            ) from None


def parse_dt(text: str) -> float:
    """The integration step from ``text``: 1/n of a year, n a whole number."""
    try:
        value = float(Fraction(text.strip())) if "/" in text else float(text)
    except (ValueError, ZeroDivisionError):
        raise KazindError(f"--dt: not a number: {text!r}") from None
    if not (math.isfinite(value) and 0 < value <= 1):
        raise KazindError(f"--dt must be 1/n of a year (0 < dt <= 1), got {text!r}")
    n = round(1 / value)
    if abs(value * n - 1) > 1e-3:
        raise KazindError(
            f"--dt must be 1/n of a year, e.g. 0.25, 0.0833 or 1/12 (the runs are saved yearly), got {text!r}"
        )
    return 1.0 / n


def _is_calibrated() -> bool:
    """Whether build_spec applies calibrated values (a non-empty calibrated.yaml)."""
    from kazind.model import build

    values = getattr(build, "calibrated_values", None)
    return bool(values()) if values is not None else False


def run_scenario(scenario, dt: float | None = None, method: str | None = None):
    """Run ``scenario`` (a name, a path or a :class:`~kazind.scenarios.Scenario`) and
    return its Dataset (dims time, *dims) with metadata attributes."""
    from kazind.scenarios.run import run_scenario as _run

    if method is not None and method not in METHODS:
        raise KazindError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    ds = _run(scenario, dt=dt, method=method)
    missing = [name for name in STABLE_OUTPUTS if name not in ds.data_vars]
    if missing:
        raise KazindError(f"the model lacks the outputs: {', '.join(missing)}")
    from kazind.scenarios.loader import calibrated_spec

    ds.attrs.update(
        {
            "model_description": calibrated_spec().description,
            "time_convention": "the value at year Y is the state on 1 January of Y",
            "date": dt_.datetime.now(dt_.UTC).isoformat(timespec="seconds"),
            "calibrated": int(_is_calibrated()),
        }
    )
    return ds


def csv_columns(ds) -> list[tuple[str, str, dict[str, str]]]:
    """(column, variable, selection) for every scalar and every element of an arrayed output."""
    from itertools import product

    columns = []
    for name, var in ds.data_vars.items():
        dims = [d for d in var.dims if d != "time"]
        if not dims:
            columns.append((name, name, {}))
            continue
        elements = [[str(e) for e in ds[d].values] for d in dims]
        for combo in product(*elements):
            columns.append(
                (f"{name}[{','.join(combo)}]", name, dict(zip(dims, combo, strict=True)))
            )
    return columns


def write_run_csv(ds, path: Path) -> None:
    """``ds`` as CSV (one row per time, a column per variable and element), atomically."""
    columns = csv_columns(ds)
    series = [ds[name].sel(sel).values if sel else ds[name].values for _, name, sel in columns]
    rows = ([float(t), *(float(s[i]) for s in series)] for i, t in enumerate(ds["time"].values))
    write_csv(path, ["time", *(col for col, _, _ in columns)], rows)


def _summary(ds, scenario: str) -> None:
    from rich.table import Table

    years = [y for y in SUMMARY_YEARS if y in ds["time"].values]
    table = Table(title=f"{scenario}: main outputs (1 January of each year)")
    table.add_column("output")
    for y in years:
        table.add_column(str(y), justify="right")
    for name, label, scale, fmt in SUMMARY:
        cells = [fmt.format(float(ds[name].sel(time=float(y))) * scale) for y in years]
        table.add_row(label, *cells)
    plain_console().print(table)


def run_command(
    scenarios: list[str] = typer.Argument(
        None, help="scenario names or .yaml files (see 'kazind scenarios')"
    ),
    out: Path = typer.Option(
        None, "--out", help="directory to write <scenario>.nc and <scenario>.csv"
    ),
    dt: str = typer.Option(
        None, "--dt", help="integration step, 1/n of a year (0.25, 0.0833, 1/12)"
    ),
    method: str = typer.Option(None, "--method", help="euler or rk4 (default: the model's)"),
) -> None:
    """Run scenarios of the model; save each as NetCDF and CSV and print a summary."""
    from kazind.common.atomic import OutputSet, check_output_dir
    from kazind.scenarios import list_scenarios, load_scenario

    if not scenarios:
        raise KazindError(f"run: name a scenario; available: {', '.join(list_scenarios())}")
    if out is None:
        raise KazindError("run: --out DIR is required")
    check_output_dir(out)
    if method is not None and method not in METHODS:
        raise KazindError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    step = parse_dt(dt) if dt is not None else None
    loaded = [load_scenario(s) for s in scenarios]  # every error before anything runs
    names = [s.name for s in loaded]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise KazindError(f"run: scenario named twice: {', '.join(twice)}")
    from kazind.scenarios.run import check_run_fits

    for scenario in loaded:
        check_run_fits(scenario, dt=step)
    with OutputSet(out, "kazind run " + " ".join(names)) as files:
        for scenario in loaded:
            ds = run_scenario(scenario, dt=step, method=method)
            nc_name, csv_name = f"{scenario.name}.nc", f"{scenario.name}.csv"
            write_netcdf(ds, files.stage(nc_name))
            write_run_csv(ds, files.stage(csv_name))
            _summary(ds, scenario.name)
            typer.echo(
                f"{scenario.name}: {len(ds.data_vars)} outputs, {ds.sizes['time']} times "
                f"({ds.attrs['method']}, dt {ds.attrs['dt']:g}"
                f"{', calibrated' if ds.attrs['calibrated'] else ', uncalibrated'}); "
                f"wrote {files.target(nc_name)} and {files.target(csv_name)}"
            )


def warm_command(
    scenarios: list[str] = typer.Argument(None, help="scenario names (default: all of them)"),
    processes: int = typer.Option(
        None, "--processes", min=1, help="compilations at once (default: one per core)"
    ),
) -> None:
    """Compile the scenarios' fused kernels now, side by side, once per machine."""
    from kazind.scenarios.run import warm_kernels

    typer.echo("kazind: compiling the model's fused kernels (once per machine; minutes) ...")
    seconds = warm_kernels(scenarios or None, processes)
    if not seconds:
        typer.echo("kazind: every kernel was already compiled")
    for name, s in seconds.items():
        typer.echo(f"kazind: compiled the kernel that {name} runs on in {s:.0f} s")


def register(app: typer.Typer) -> None:
    """Add ``run`` and ``warm`` to the root command line."""
    app.command("run", cls=_OneLineErrors)(run_command)
    app.command("warm", cls=_OneLineErrors)(warm_command)
