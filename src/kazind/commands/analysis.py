"""``kazind ensemble`` and ``kazind sensitivity`` (issue 5).

``kazind ensemble SCENARIO [SCENARIO2 ...] --runs N [--seed S] [--batch-size B]
[--workers N | --scheduler ADDRESS] [--priors FILE] --out DIR`` runs N draws of the
calibrated parameters on each scenario (the same draws for all, so they are paired)
and writes, each atomically:

- ``DIR/ensemble-<scenario>.nc``: the outcome variables, dims (run, time), the draws as
  the coordinate ``sample`` (run, parameter), attributes scenario, method, seed, N,
  parameters, kazind version, date;
- ``DIR/fan-<scenario>.html`` and ``.png``: fan charts (median, 50 % and 90 % bands);
  the HTML is plotly with plotly.js inside (opens offline), the PNG matplotlib (plotly
  7.1 cannot export PNG here); with two or more scenarios also ``DIR/fan.html`` and
  ``.png``, all of them overlaid;
- with two or more scenarios, ``DIR/probability-<A>-vs-<B>.csv`` for each later
  scenario A against the first, B: per outcome the share of paired draws in which A
  does better (ties half), and the table is printed.

``kazind sensitivity SCENARIO --method sobol|morris --samples N [--seed S]
[--workers N | --scheduler ADDRESS] --out DIR`` writes
``DIR/sensitivity-<scenario>-<method>.nc`` (indices, dims outcome x parameter) and
``.html`` and ``.png`` (bar charts) and prints the most influential parameters of each outcome.

Every user mistake is one line on stderr and exit code 2.
"""

from __future__ import annotations

from pathlib import Path

import typer

from kazind.commands import plain_console
from kazind.common.errors import KazindError
from kazind.common.writers import write_html, write_records

MAX_LOCAL_WORKERS = 256  # processes of a local Dask cluster (a larger one: --scheduler)


def _out_dir(out: Path | None, command: str) -> Path:
    from kazind.common.atomic import check_output_dir

    if out is None:
        raise KazindError(f"{command}: --out DIR is required")
    return check_output_dir(out)


def _count(
    value: int | None, flag: str, minimum: int = 1, maximum: int | None = None
) -> int | None:
    from kazind.common.checks import MAX_COUNT, check_count

    return None if value is None else check_count(flag, value, minimum, maximum or MAX_COUNT)


def _cluster_options(workers: int | None, scheduler: str | None) -> None:
    if workers is not None and scheduler is not None:
        raise KazindError("give --workers N or --scheduler ADDRESS, not both")
    _count(workers, "--workers", maximum=MAX_LOCAL_WORKERS)
    if scheduler is not None and not scheduler.strip():
        raise KazindError("--scheduler: give an address such as tcp://127.0.0.1:8786")


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def ensemble_command(
    scenarios: list[str] = typer.Argument(None, help="one or more scenarios (names or files)"),
    runs: int = typer.Option(None, "--runs", help="number of parameter draws (N >= 1)"),
    seed: int = typer.Option(0, "--seed", help="seed of the draws (default 0)"),
    batch_size: int = typer.Option(2000, "--batch-size", help="runs per engine batch"),
    workers: int = typer.Option(
        None, "--workers", help="run batches on a local Dask cluster of N processes"
    ),
    scheduler: str = typer.Option(
        None, "--scheduler", help="run batches on the Dask cluster at ADDRESS"
    ),
    priors: Path = typer.Option(
        None, "--priors", help="YAML file of distributions that override the calibrated ones"
    ),
    out: Path = typer.Option(
        None, "--out", help="directory for the NetCDF files, charts and tables"
    ),
) -> None:
    """Monte Carlo ensemble over the calibrated parameters' uncertainty, with fan charts."""
    from kazind.analysis import charts as charts_mod
    from kazind.analysis import ensemble as ens_mod
    from kazind.analysis import priors as priors_mod
    from kazind.analysis import summaries as summaries_mod
    from kazind.common.atomic import OutputSet
    from kazind.common.checks import check_seed

    if not scenarios:
        raise KazindError("ensemble: name at least one scenario")
    if runs is None:
        raise KazindError("ensemble: --runs N is required")
    _count(runs, "--runs")
    _count(batch_size, "--batch-size")
    seed = check_seed(seed, "--seed")
    _cluster_options(workers, scheduler)
    out = _out_dir(out, "ensemble")
    if len(set(scenarios)) != len(scenarios):
        raise KazindError("ensemble: a scenario is named twice")
    if priors is not None:
        priors_mod.load_priors(priors, priors_mod.calibrated_distributions())  # fail before any run
    from kazind.analysis.batches import dask_client, resolve_target

    targets = [resolve_target(s) for s in scenarios]  # every scenario checked before running
    names = [t.name for t in targets]
    if len(set(names)) != len(names):
        raise KazindError("ensemble: a scenario is named twice")
    ens_mod.check_stream_fits(targets, runs, out, priors=priors)
    command = f"kazind ensemble {' '.join(names)} --runs {runs} --seed {seed}"
    ensembles: dict = {}
    try:
        with OutputSet(out, command) as files, dask_client(workers, scheduler) as client:
            for target in targets:  # each streamed to its NetCDF file batch by batch
                nc = files.stage(f"ensemble-{_safe(target.name)}.nc")
                ensembles[target.name] = ens_mod.stream_ensemble(
                    target,
                    runs,
                    seed,
                    nc,
                    priors=priors,
                    batch_size=batch_size,
                    scheduler=client,
                    progress=True,
                )
            for name, ds in ensembles.items():
                write_html(charts_mod.fan_chart({name: ds}), files.stage(f"fan-{_safe(name)}.html"))
                charts_mod.write_fan_png({name: ds}, files.stage(f"fan-{_safe(name)}.png"))
            if len(names) > 1:
                write_html(charts_mod.fan_chart(ensembles), files.stage("fan.html"))
                charts_mod.write_fan_png(ensembles, files.stage("fan.png"))
                base = names[0]
                for other in names[1:]:
                    rows = summaries_mod.probability_table(ensembles[other], ensembles[base])
                    write_records(
                        files.stage(f"probability-{_safe(other)}-vs-{_safe(base)}.csv"), rows
                    )
                    _print_probability(rows, other, base, runs)
            _print_ensemble_summary(ensembles)
            notes = [_failures(name, ds) for name, ds in ensembles.items()]
            for ds in ensembles.values():
                ds.close()  # before the files move into place
    finally:
        for ds in ensembles.values():
            ds.close()
    for note in filter(None, notes):
        typer.echo(note, err=True)
    written = ", ".join(str(files.target(n)) for n in files.names)
    typer.echo(f"{runs:,} runs x {len(names)} scenario(s), seed {seed}; wrote {written}")


def _failures(name: str, ds) -> str:
    """A warning saying which runs failed and why (the first few; the NetCDF file has
    the first thousand), or ''."""
    failed = int(ds.attrs.get("failed_runs", 0))
    if not failed:
        return ""
    runs = [int(r) for r in ds["failure_run"].values[:3]]
    reasons = [str(r) for r in ds["failure_reason"].values[:3]]
    shown = "; ".join(f"run {r}: {why}" for r, why in zip(runs, reasons, strict=True))
    more = f"; and {failed - len(runs):,} more" if failed > len(runs) else ""
    return (
        f"kazind: warning: {name}: {failed:,} run(s) failed, their outputs are NaN and left out of the "
        f"summaries ({shown}{more}; listed in failure_run and failure_reason of ensemble-{_safe(name)}.nc)"
    )


def _print_probability(rows: list[dict], a: str, b: str, runs: int) -> None:
    from rich.table import Table

    table = Table(title=f"P({a} better than {b}) over {runs:,} paired draws (ties count half)")
    for col in ("outcome", "better if", f"P({a} better)", "tied", f"median {a}", f"median {b}"):
        table.add_column(col, justify="left" if col in ("outcome", "better if") else "right")
    for r in rows:
        table.add_row(
            r["label"],
            r["better_if"],
            f"{r['p_a_better']:.3f}",
            f"{r['share_tied']:.3f}",
            f"{r['median_a']:,.4g}",
            f"{r['median_b']:,.4g}",
        )
    plain_console().print(table)


def _print_ensemble_summary(ensembles) -> None:
    import numpy as np
    from rich.table import Table

    from kazind.scenarios.outcomes import OUTCOMES

    table = Table(title="outcomes: median [5 %, 95 %] over the draws")
    table.add_column("outcome")
    for name in ensembles:
        table.add_column(name, justify="right")
    for o in OUTCOMES:
        cells = []
        for ds in ensembles.values():
            v = o.values(ds)
            v = v[np.isfinite(v)]
            if v.size == 0:
                cells.append("-")
                continue
            lo, med, hi = np.quantile(v, [0.05, 0.5, 0.95])
            cells.append(f"{med:,.4g} [{lo:,.4g}, {hi:,.4g}]")
        table.add_row(o.title(), *cells)
    plain_console().print(table)


def sensitivity_command(
    scenario: str = typer.Argument(None, help="scenario (name or file)"),
    method: str = typer.Option("sobol", "--method", help="sobol or morris"),
    samples: int = typer.Option(
        None, "--samples", help="base samples (Sobol, best a power of 2) or trajectories (Morris)"
    ),
    seed: int = typer.Option(0, "--seed", help="seed of the sample and the bootstrap (default 0)"),
    batch_size: int = typer.Option(2000, "--batch-size", help="runs per engine batch"),
    workers: int = typer.Option(
        None, "--workers", help="run batches on a local Dask cluster of N processes"
    ),
    scheduler: str = typer.Option(
        None, "--scheduler", help="run batches on the Dask cluster at ADDRESS"
    ),
    out: Path = typer.Option(None, "--out", help="directory for the NetCDF file and the chart"),
) -> None:
    """Sobol or Morris sensitivity of the 1940 outcomes to the calibrated parameters."""
    from kazind.analysis.charts import sensitivity_chart, write_sensitivity_png
    from kazind.analysis.sensitivity import METHODS, sensitivity, write_sensitivity

    if scenario is None:
        raise KazindError("sensitivity: name a scenario")
    if method not in METHODS:
        raise KazindError(f"unknown method {method!r}; choose {' or '.join(METHODS)}")
    if samples is None:
        raise KazindError("sensitivity: --samples N is required")
    _count(samples, "--samples")
    _count(batch_size, "--batch-size")
    from kazind.common.atomic import OutputSet
    from kazind.common.checks import check_seed

    seed = check_seed(seed, "--seed")
    _cluster_options(workers, scheduler)
    out = _out_dir(out, "sensitivity")
    ds = sensitivity(
        scenario,
        method,
        samples,
        seed,
        batch_size=batch_size,
        workers=workers,
        scheduler=scheduler,
        progress=True,
    )
    for note in ds.attrs.get("warnings") or []:
        typer.echo(f"kazind: warning: SALib: {note}", err=True)
    stem = f"sensitivity-{_safe(ds.attrs['scenario'])}-{method}"

    with OutputSet(
        out,
        f"kazind sensitivity {ds.attrs['scenario']} --method {method} --samples {samples} "
        f"--seed {seed}",
    ) as files:
        write_sensitivity(ds, files.stage(f"{stem}.nc"))
        write_html(sensitivity_chart(ds), files.stage(f"{stem}.html"))
        write_sensitivity_png(ds, files.stage(f"{stem}.png"))
    _print_sensitivity(ds)
    nc, html, png = (files.target(f"{stem}.{ext}") for ext in ("nc", "html", "png"))
    typer.echo(
        f"{method}: {ds.attrs['runs']:,} runs over {len(ds['parameter'])} parameters, seed {seed}, "
        f"{ds.attrs['failed_runs']} failed; wrote {nc}, {html} and {png}"
    )


def _print_sensitivity(ds, top: int = 3) -> None:
    import numpy as np
    from rich.table import Table

    key = "ST" if ds.attrs["method"] == "sobol" else "mu_star"
    table = Table(title=f"{ds.attrs['scenario']}: the {top} most influential parameters by {key}")
    table.add_column("outcome")
    table.add_column(f"parameters ({key})")
    for o in ds["outcome"].values:
        values = ds[key].sel(outcome=o).values
        order = np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")[:top]
        cells = ", ".join(f"{ds['parameter'].values[j]} ({values[j]:.3g})" for j in order)
        table.add_row(str(ds["outcome_label"].sel(outcome=o).values), cells)
    plain_console().print(table)


def register(app: typer.Typer) -> None:
    """Add ``ensemble`` and ``sensitivity`` to the root command line."""
    app.command("ensemble")(ensemble_command)
    app.command("sensitivity")(sensitivity_command)
