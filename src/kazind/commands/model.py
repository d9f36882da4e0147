"""``kazind calibrate`` and ``kazind fit-report``."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from kazind.commands import plain_console
from kazind.common.atomic import atomic_write, check_output_file
from kazind.common.errors import KazindError
from kazind.common.langs import LANGS

FORMATS = ("table", "json", "html")


def calibrate(
    seed: int = typer.Option(
        None, help="Seed of the starts and the sampler (default: the one in calibration.yaml)."
    ),
    starts: int = typer.Option(
        None, min=1, max=64, help="Number of starts of the MAP search (default: calibration.yaml)."
    ),
    out: Path = typer.Option(
        None,
        help="Where to write the calibrated parameters (default: the model's calibrated/ folder).",
    ),
) -> None:
    """Find the MAP point and sample the posterior of the free parameters; write them with their provenance."""
    from kazind.common.checks import check_seed

    if out is not None:
        check_output_file(out)
    if seed is not None:
        seed = check_seed(seed, "--seed")
    from rich.progress import (
        BarColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from kazind.analysis.calibration import (
        CALIBRATED_FILE,
        load_setup,
        predictive_bands,
        write_calibrated,
    )
    from kazind.analysis.calibration import calibrate as run_calibration
    from kazind.engine import compile_model
    from kazind.model.build import build_spec
    from kazind.model.targets import load_targets

    console = plain_console(stderr=True)
    spec = build_spec(calibrated=False)
    setup = load_setup(spec)
    targets = load_targets()
    seed = setup.settings.seed if seed is None else seed
    model = compile_model(spec)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as bar:
        task = bar.add_task("MAP search", total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, description="posterior (emcee steps)", completed=done, total=total)

        result = run_calibration(
            model,
            targets,
            setup,
            seed=seed,
            starts=starts,
            progress=bar.console.print,
            step_progress=step,
        )
        if result.sample is not None:
            bar.update(task, description="posterior predictive bands")
            result.predictive = predictive_bands(model, setup, targets, result.sample)
    path = write_calibrated(result, setup, targets, seed, out or CALIBRATED_FILE)
    within = int(sum(abs(r) <= 1 for r in result.target_residuals))
    typer.echo(
        f"calibrated {len(result.free)} parameters on {len(result.target_keys)} targets "
        f"({within} within tolerance at the MAP point), {result.runs} model runs "
        f"in {result.seconds:.1f} s; written to {path}"
    )


PARTS = ("targets", "history", "posterior")


def fit_report(
    format: str = typer.Option("table", "--format", help="table, json or html."),
    out: Path = typer.Option(None, help="Write to this file instead of standard output."),
    lang: str = typer.Option("en", help="Language of the statements: kk, ru or en."),
    part: str = typer.Option(
        "targets", "--part", help="For --format json: targets, history or posterior."
    ),
) -> None:
    """Every target (published value, model value, 90 % band, within tolerance, fitted or held out),
    the history check of every figure, and each parameter's prior against its posterior."""
    if format not in FORMATS:
        raise KazindError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if lang not in LANGS:
        raise KazindError(f"unknown language {lang!r}; choose kk, ru or en")
    if part not in PARTS:
        raise KazindError(f"unknown --part {part!r}; choose one of {', '.join(PARTS)}")
    if out is not None:
        check_output_file(out)
    from kazind.analysis.fit_report import (
        as_dicts,
        diagnostics_summary,
        fit_rows,
        history_rows,
        posterior_rows,
        sampler_summary,
        summary,
        to_html,
    )
    from kazind.engine import compile_model
    from kazind.model import calibrated_spec
    from kazind.model.targets import load_targets

    targets = load_targets()
    rows = fit_rows(compile_model(calibrated_spec()), targets, lang=lang, literature=True)
    history = history_rows(rows, targets, lang=lang)
    posterior = posterior_rows()
    if format == "json":
        chosen = {"targets": rows, "history": history, "posterior": posterior}[part]
        text = json.dumps(as_dicts(chosen), ensure_ascii=False, indent=1)
    elif format == "html":
        text = to_html(rows, targets, history, posterior)
    else:
        console = plain_console(width=200, record=out is not None)
        table = Table(title="kazind fit report: targets")
        for col in (
            "fact",
            "role",
            "variable",
            "at",
            "observed",
            "simulated",
            "90 % band",
            "resid.",
            "ok",
        ):
            table.add_column(col)
        for r in rows:
            obs = (
                "–".join(f"{v:.4g}" for v in r.observed)
                if isinstance(r.observed, list)
                else f"{r.observed:.4g}"
            )
            var = r.variable + (f"[{r.element}]" if r.element else "")
            ok = "yes" if r.within_tolerance else ("—" if r.role in ("input", "check") else "NO")
            band = f"{r.p05:.4g}–{r.p95:.4g}" if r.p05 is not None else ""
            table.add_row(
                r.fact_id,
                r.role,
                var,
                f"{r.at:g}",
                obs,
                f"{r.simulated:.4g}",
                band,
                f"{r.residual:.2f}",
                ok,
            )
        console.print(table)
        for k, v in summary(rows).items():
            console.print(f"{k}: {v}")
        if posterior:
            ptable = Table(title="parameters: prior against posterior")
            for col in (
                "parameter",
                "prior",
                "MAP",
                "posterior (90 %)",
                "R-hat",
                "bulk ESS",
                "verdict",
                "on a bound",
            ):
                ptable.add_column(col)
            for p in posterior:
                post = (
                    f"{p.posterior_mean:.4g} ({p.p05:.4g}–{p.p95:.4g})"
                    if p.posterior_mean is not None
                    else ""
                )
                ptable.add_row(
                    p.label,
                    f"{p.prior_mean:.4g} ± {p.prior_sd:.3g}",
                    f"{p.map_value:.4g}",
                    post,
                    "" if p.rhat is None else f"{p.rhat:.3f}",
                    "" if p.ess is None else f"{p.ess:.0f}",
                    p.verdict,
                    p.on_bound,
                )
            console.print(ptable)
            for k, v in {**diagnostics_summary(posterior), **sampler_summary()}.items():
                console.print(f"{k}: {v}")
        counts: dict[str, int] = {}
        for h in history:
            counts[h.status] = counts.get(h.status, 0) + 1
        console.print(
            "history check (every figure of the record and the literature; --format html or "
            "--format json --part history for the whole table): "
            + ", ".join(f"{n} {s}" for s, n in counts.items())
        )
        if out is None:
            return
        text = console.export_text()
    if out is None:
        typer.echo(text)
    else:
        with atomic_write(out) as fh:
            fh.write(text)
        typer.echo(f"written to {out}")


EXPORT_FORMATS = {"vensim": ".mdl", "xmile": ".xmile"}


def export(
    scenario: str = typer.Argument("historical", help="Scenario to export (name or file)."),
    format: str = typer.Option("vensim", "--format", help="vensim (.mdl) or xmile (.xmile)."),
    out: Path = typer.Option(None, help="File to write (default: <scenario>.mdl or .xmile)."),
) -> None:
    """Export the calibrated model of a scenario for Vensim, PySD or Stella."""
    if format not in EXPORT_FORMATS:
        raise KazindError(f"unknown format {format!r}; choose vensim or xmile")
    from kazind.engine import to_vensim, to_xmile
    from kazind.scenarios import load_scenario, scenario_spec

    path = check_output_file(out or Path(f"{Path(scenario).stem}{EXPORT_FORMATS[format]}"))
    spec = scenario_spec(load_scenario(scenario))
    text = to_vensim(spec) if format == "vensim" else to_xmile(spec)
    with atomic_write(path) as fh:
        fh.write(text)
    typer.echo(f"wrote {path}: {len(spec.variables)} variables ({format})")


def register(app: typer.Typer) -> None:
    app.command("calibrate")(calibrate)
    app.command("fit-report")(fit_report)
    app.command("export")(export)
