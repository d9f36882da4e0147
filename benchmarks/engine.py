"""Benchmark of kazind.engine against SDEverywhere's JavaScript and PySD (issues 3 and 14).

A synthetic model of about 130 equations, built with kazind.engine: a 10-cohort ageing
chain, 5 capital stocks (each fed through a third-order delay), 5 third-order smooths,
an urbanisation block and 17 lookup calls per step, run over 1913-1940 with
dt = 1/12 year and yearly saving; and the same model with each lookup call replaced by a
clamped linear expression ("no lookups").

It times, in one run of this script, back to back:

- kazind's numpy backend at batch 1 (backend "auto"), 100 and 10,000, and its fused
  backend at batch 1, 100, 1,000 and 10,000 on 1 and on 2 cores, each batch with a
  different value of five constants per run; the first compile of the fused kernel
  into an empty cache;
- SDEverywhere's generated JavaScript under node (``@sdeverywhere/compile`` and
  ``@sdeverywhere/runtime`` from npm, installed into ``$TMPDIR/kazind-sde-bench``), on
  the model with dt = 1/16 (its runtime misses saves with dt = 1/12), its outputs
  checked against kazind's before timing, and kazind's fused backend on the same model;
- PySD on the exported ``.mdl``: a loop of runs with changed parameters (the translation
  is timed separately and not counted);

and prints a table of runs per second and the peak memory per run, then one
machine-readable line per figure::

    runs_per_s[batch=N]=X                   (numpy; N = 1 is backend "auto")
    single_run_ms=X
    runs_per_s[fused,batch=N,cores=C]=X     (N = 1, 100, 1000, 10000; C = 1, 2)
    single_run_ms[fused]=X
    peak_kb_per_run[fused,batch=10000]=X
    ratio_fused_vs_numpy[batch=10000]=X     (fused on 2 cores over numpy)
    ratio_fused_vs_numpy[batch=100]=X
    ratio_vs_sde_js[batch=10000]=X          (or sde_js_check=failed ...)
    ratio_vs_pysd[lookups]=X
    ratio_vs_pysd[no_lookups]=X
    fused_first_compile_s=X

(ratio_vs_pysd = kazind numpy runs/s at batch 10,000 over PySD runs/s; kazind's runs/s are
the batch over the median time of a call). Peak memory is
measured with :mod:`tracemalloc` (numpy reports its buffers to it) in a separate, untimed
run of each configuration, divided by the batch size.

Run: ``.venv/bin/python benchmarks/engine.py`` (``--help`` for options).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from kazind.engine import compile_model
from kazind.engine.export.vensim import write_vensim
from kazind.engine.spec import (
    Aux,
    Constant,
    Flow,
    Lookup,
    ModelSpec,
    Stock,
    TimeSeries,
    TimeSettings,
)

SECTORS = ("coal", "metal", "oil", "textile", "food")
N_COHORTS = 10

#: name -> (x, y, x of the clamped line's ends used without lookups)
LOOKUPS: dict[str, tuple[list[float], list[float]]] = {
    "fertility_effect": ([0.0, 0.2, 0.4, 0.6, 1.0], [1.0, 0.95, 0.85, 0.75, 0.6]),
    "mortality_effect": ([0.0, 0.5, 1.0, 2.0, 4.0], [2.0, 1.4, 1.0, 0.8, 0.7]),
    "productivity": ([0.0, 0.5, 1.0, 2.0, 4.0], [0.0, 0.6, 1.0, 1.3, 1.45]),
    "urbanisation_effect": (
        [0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
        [0.08, 0.15, 0.3, 0.45, 0.55, 0.6],
    ),
}

#: The constants varied from run to run, with the range they are drawn from.
VARIED = {
    "invest_share": (0.1, 0.3),
    "fertility": (0.08, 0.12),
    "construction_time": (1.0, 3.0),
    "perception_time": (0.5, 2.0),
    "migration_time": (3.0, 10.0),
}


def _table(name: str, arg: str, lookups: bool) -> str:
    """A call of lookup ``name``, or (without lookups) the line through its end points."""
    if lookups:
        return f"{name}({arg})"
    xs, ys = LOOKUPS[name]
    slope = (ys[-1] - ys[0]) / (xs[-1] - xs[0])
    return f"({ys[0]!r} + {slope!r} * (min(max({arg}, {xs[0]!r}), {xs[-1]!r}) - {xs[0]!r}))"


def build_model(lookups: bool = True) -> ModelSpec:
    """The benchmark model (about 130 equations), with or without its 17 lookup calls."""
    v: list = []
    cohorts = [f"cohort_{i}" for i in range(N_COHORTS)]

    # -- population: a 10-cohort ageing chain (5-year cohorts) --------------------------
    initial = [620e3 * 0.9**i for i in range(N_COHORTS)]
    for i, name in enumerate(cohorts):
        inflows = ["births"] if i == 0 else [f"ageing_{i - 1}"]
        outflows = [f"deaths_{i}"] + ([f"ageing_{i}"] if i < N_COHORTS - 1 else [])
        v.append(
            Stock(name=name, unit="person", initial=initial[i], inflows=inflows, outflows=outflows)
        )
    v.append(Constant(name="fertility", unit="1/year", value=0.1, bounds=(0.0, 0.3)))
    v.append(Constant(name="cohort_width", unit="year", value=5.0))
    v.append(Constant(name="participation", value=0.7, bounds=(0.0, 1.0)))
    v.append(
        Flow(
            name="births",
            unit="person/year",
            equation=f"fertility * adults * {_table('fertility_effect', 'urban_share', lookups)}",
        )
    )
    for i in range(N_COHORTS - 1):
        v.append(
            Flow(name=f"ageing_{i}", unit="person/year", equation=f"cohort_{i} / cohort_width")
        )
    for i in range(N_COHORTS):
        v.append(Constant(name=f"mortality_{i}", unit="1/year", value=0.02 + 0.004 * abs(i - 2)))
        effect = _table("mortality_effect", f"income_index * {0.8 + 0.04 * i!r}", lookups)
        v.append(
            Flow(
                name=f"deaths_{i}",
                unit="person/year",
                equation=f"cohort_{i} * (mortality_{i} + famine) * {effect}",
            )
        )
    v.append(Aux(name="adults", unit="person", equation=" + ".join(cohorts[3:8])))
    v.append(
        Aux(
            name="labour_force",
            unit="person",
            equation=f"participation * ({' + '.join(cohorts[3:])})",
        )
    )
    v.append(Aux(name="population", unit="person", equation=" + ".join(cohorts)))
    v.append(Constant(name="famine_severity", unit="1/year", value=0.03))
    v.append(Aux(name="famine", unit="1/year", equation="famine_severity * pulse(1931, 2)"))
    v.append(Constant(name="income_ref", unit="rouble/year/person", value=17.0))
    v.append(Aux(name="income_index", equation="output_per_capita / income_ref"))

    # -- capital: 5 sectors, each with a third-order construction delay and smooth ------
    capital0 = {"coal": 60e6, "metal": 40e6, "oil": 30e6, "textile": 50e6, "food": 300e6}
    alloc = {"coal": 0.3, "metal": 0.3, "oil": 0.1, "textile": 0.1, "food": 0.2}
    labour_share = {"coal": 0.02, "metal": 0.015, "oil": 0.01, "textile": 0.03, "food": 0.5}
    lifetime = {"coal": 25.0, "metal": 30.0, "oil": 20.0, "textile": 15.0, "food": 40.0}
    cor = {"coal": 3.0, "metal": 4.0, "oil": 3.5, "textile": 2.0, "food": 2.5}
    v.append(Constant(name="invest_share", value=0.2, bounds=(0.0, 0.5)))
    v.append(Aux(name="invest_share_eff", equation="invest_share * (1 + step(0.5, 1928))"))
    v.append(Constant(name="construction_time", unit="year", value=2.0, bounds=(0.25, 10.0)))
    v.append(Constant(name="perception_time", unit="year", value=1.0, bounds=(0.25, 10.0)))
    v.append(Constant(name="capital_per_worker_ref", unit="rouble/person", value=150.0))
    for s in SECTORS:
        v.append(
            Stock(
                name=f"capital_{s}",
                unit="rouble",
                initial=capital0[s],
                inflows=[f"arrivals_{s}"],
                outflows=[f"depreciation_{s}"],
            )
        )
        v.append(Constant(name=f"alloc_{s}", value=alloc[s], bounds=(0.0, 1.0)))
        v.append(Constant(name=f"lifetime_{s}", unit="year", value=lifetime[s]))
        v.append(Constant(name=f"cor_{s}", unit="year", value=cor[s]))
        v.append(Constant(name=f"labour_share_{s}", value=labour_share[s], bounds=(0.0, 1.0)))
        extra = " + foreign_capital" if s == "metal" else ""
        v.append(
            Aux(
                name=f"investment_{s}",
                unit="rouble/year",
                equation=f"invest_share_eff * alloc_{s} * perceived_total_output{extra}",
            )
        )
        v.append(
            Flow(
                name=f"arrivals_{s}",
                unit="rouble/year",
                equation=f"delay3(investment_{s}, construction_time)",
            )
        )
        v.append(
            Flow(
                name=f"depreciation_{s}",
                unit="rouble/year",
                equation=f"capital_{s} / lifetime_{s}",
            )
        )
        v.append(
            Aux(name=f"labour_{s}", unit="person", equation=f"labour_force * labour_share_{s}")
        )
        intensity = f"labour_{s} / capital_{s} * capital_per_worker_ref"
        v.append(
            Aux(
                name=f"output_{s}",
                unit="rouble/year",
                equation=f"capital_{s} / cor_{s} * {_table('productivity', intensity, lookups)}",
            )
        )
        v.append(
            Aux(
                name=f"perceived_output_{s}",
                unit="rouble/year",
                equation=f"smooth3(output_{s}, perception_time)",
            )
        )
        v.append(
            Aux(
                name=f"output_per_worker_{s}",
                unit="rouble/year/person",
                equation=f"zidz(output_{s}, labour_{s})",
            )
        )
    v.append(
        Aux(
            name="total_output",
            unit="rouble/year",
            equation=" + ".join(f"output_{s}" for s in SECTORS),
        )
    )
    v.append(
        Aux(
            name="perceived_total_output",
            unit="rouble/year",
            equation=" + ".join(f"perceived_output_{s}" for s in SECTORS),
        )
    )
    v.append(
        Aux(
            name="total_capital",
            unit="rouble",
            equation=" + ".join(f"capital_{s}" for s in SECTORS),
        )
    )
    v.append(
        Aux(
            name="output_per_capita",
            unit="rouble/year/person",
            equation="total_output / population",
        )
    )
    v.append(
        Aux(
            name="industrial_share",
            equation="(output_coal + output_metal + output_oil) / total_output",
        )
    )
    v.append(
        TimeSeries(
            name="world_price_index", times=[1913, 1929, 1932, 1940], values=[1.0, 1.1, 0.5, 0.8]
        )
    )
    v.append(Constant(name="foreign_inflow_base", unit="rouble/year", value=2e6))
    v.append(
        Aux(
            name="foreign_capital",
            unit="rouble/year",
            equation="foreign_inflow_base * world_price_index",
        )
    )

    # -- urbanisation -------------------------------------------------------------------
    v.append(Stock(name="urban", unit="person", initial=5e5, inflows=["migration"], outflows=[]))
    v.append(Constant(name="migration_time", unit="year", value=5.0, bounds=(0.5, 50.0)))
    v.append(Aux(name="urban_share", equation="urban / population"))
    v.append(
        Aux(
            name="target_urban_share",
            equation=_table("urbanisation_effect", "industrial_share", lookups),
        )
    )
    v.append(
        Flow(
            name="migration",
            unit="person/year",
            equation="(target_urban_share * population - urban) / migration_time",
        )
    )
    if lookups:
        for name, (xs, ys) in LOOKUPS.items():
            v.append(Lookup(name=name, x=xs, y=ys))

    return ModelSpec(
        name="benchmark_lookups" if lookups else "benchmark_no_lookups",
        description="Synthetic benchmark model of issue 3.",
        time=TimeSettings(start=1913.0, stop=1940.0, dt=1 / 12, save_step=1.0, unit="year"),
        variables=v,
    )


# -- timing -----------------------------------------------------------------------------


def _params(batch: int, seed: int = 0) -> dict[str, np.ndarray] | None:
    if batch == 1:
        return None
    rng = np.random.default_rng(seed)
    return {name: rng.uniform(lo, hi, size=batch) for name, (lo, hi) in VARIED.items()}


def _repeat(fn: Callable[[], object], min_seconds: float, min_reps: int) -> list[float]:
    """Call ``fn`` until ``min_seconds`` have passed and ``min_reps`` calls were made."""
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < min_reps or time.perf_counter() - start < min_seconds:
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def _peak_bytes(fn: Callable[[], object]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del result
    return peak


def time_kazind(
    spec: ModelSpec, batch: int, min_seconds: float, backend: str | None = None, threads: int = 1
) -> dict:
    model = compile_model(spec)
    params = _params(batch)
    backend = backend or ("auto" if batch == 1 else "numpy")

    def run() -> object:
        return model.run(params=params, backend=backend, threads=threads)

    run()  # compile (or load) the step function once (cached on the model) before timing
    times = _repeat(run, min_seconds, 3 if batch >= 10_000 else 5)
    peak = _peak_bytes(run)
    # the median call: on a shared machine a few calls wait for a core, and the mean
    # would measure the neighbours
    return {
        "runs_per_s": batch / statistics.median(times),
        "ms_per_call": 1e3 * statistics.median(times),
        "calls": len(times),
        "peak_per_run": peak / batch,
    }


def first_compile_s(spec: ModelSpec) -> float:
    """Seconds to compile the fused kernel of ``spec`` into an empty cache folder."""
    from kazind.engine import fused

    with tempfile.TemporaryDirectory() as tmp:
        old = os.environ.get("KAZIND_CACHE_DIR")
        os.environ["KAZIND_CACHE_DIR"] = tmp
        fused._LOADED.clear()
        try:
            t0 = time.perf_counter()
            compile_model(spec).warm()
            return time.perf_counter() - t0
        finally:
            fused._LOADED.clear()
            if old is None:
                os.environ.pop("KAZIND_CACHE_DIR", None)
            else:
                os.environ["KAZIND_CACHE_DIR"] = old


# -- SDEverywhere's generated JavaScript, under node ---------------------------------------

SDE_PACKAGES = {"@sdeverywhere/compile": "0.7.28", "@sdeverywhere/runtime": "0.2.6"}


def _sde_folder() -> Path:
    """A scratch folder outside the repository with SDEverywhere installed from npm.

    @sdeverywhere/compile depends on SheetJS by a URL outside the npm registry; the
    benchmark's models read no spreadsheets, so a two-function stand-in replaces it
    (an npm ``overrides`` entry)."""
    import json
    import shutil
    import subprocess

    folder = Path(os.environ.get("TMPDIR", tempfile.gettempdir())) / "kazind-sde-bench"
    marker = folder / "node_modules" / "@sdeverywhere" / "runtime" / "package.json"
    if marker.exists():
        return folder
    if shutil.which("npm") is None or shutil.which("node") is None:
        raise RuntimeError("node and npm are needed for the SDEverywhere comparison")
    (folder / "xlsx-shim").mkdir(parents=True, exist_ok=True)
    (folder / "xlsx-shim" / "package.json").write_text(
        json.dumps({"name": "xlsx", "version": "0.20.2", "type": "module", "main": "index.js"})
    )
    (folder / "xlsx-shim" / "index.js").write_text(
        "export function set_fs() {}\n"
        "export function readFile() { throw new Error('no spreadsheet data here') }\n"
        "export default { set_fs, readFile }\n"
    )
    (folder / "package.json").write_text(
        json.dumps(
            {
                "name": "kazind-sde-bench",
                "private": True,
                "type": "module",
                "dependencies": SDE_PACKAGES,
                "overrides": {"xlsx": "file:./xlsx-shim"},
            }
        )
    )
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=folder,
        check=True,
        timeout=600,
    )
    return folder


def time_sde(spec: ModelSpec, workdir: Path, runs: int, min_seconds: float) -> dict:
    """SDEverywhere's JavaScript of the exported ``.mdl``: outputs checked against
    kazind's (numpy backend) for four parameter draws, then ``runs`` runs timed."""
    import json
    import shutil
    import subprocess

    folder = _sde_folder()
    shutil.copy(Path(__file__).with_name("sde_run.mjs"), folder / "sde_run.mjs")
    mdl = write_vensim(spec, workdir / f"{spec.name}.mdl")
    draws = _params(4, seed=2)
    names = list(VARIED)
    matrix = [[float(draws[n][i]) for n in names] for i in range(4)]
    outputs = [v.name for v in spec.stocks()] + ["total_output", "urban_share"]
    job = {
        "mdl": str(mdl),
        "build": str(workdir / f"sde-{spec.name}"),
        "inputs": names,
        "outputs": outputs,
        "draws": matrix,
        "runs": runs,
        "minSeconds": min_seconds,
    }
    (workdir / "job.json").write_text(json.dumps(job))
    done = subprocess.run(
        ["node", "sde_run.mjs", str(workdir / "job.json")],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=1200,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    ours = compile_model(spec).run(params=draws, outputs=outputs, backend="numpy")
    worst = 0.0
    for i in range(4):
        for j, name in enumerate(outputs):
            theirs = np.asarray(result["results"][i][j], dtype=float)
            mine = ours[name].values[i]
            scale = float(np.max(np.abs(mine))) or 1.0
            worst = max(worst, float(np.max(np.abs(theirs - mine))) / scale)
    return {
        "runs_per_s": result["runs"] / result["seconds"],
        "ms_per_call": 1e3 * result["seconds"] / result["runs"],
        "calls": result["runs"],
        "peak_per_run": float("nan"),
        "max_rel_diff": worst,
        "generate_s": result["generateMs"] / 1e3,
    }


def time_pysd(spec: ModelSpec, runs: int, workdir: Path) -> dict:
    import pysd

    path = write_vensim(spec, workdir / f"{spec.name}.mdl")
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = pysd.read_vensim(str(path))
    translate = time.perf_counter() - t0
    draws = _params(max(runs, 2), seed=1)
    counter = iter(range(10**9))

    def run() -> object:
        i = next(counter) % max(runs, 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return model.run(params={k: float(a[i]) for k, a in draws.items()})

    peak = _peak_bytes(run)  # also the warm-up run (PySD is slow: no separate one)
    times = _repeat(run, 0.0, runs)
    return {
        "runs_per_s": 1.0 / statistics.fmean(times),
        "ms_per_call": 1e3 * statistics.median(times),
        "calls": len(times),
        "peak_per_run": peak,
        "translate_s": translate,
    }


def _count(spec: ModelSpec) -> str:
    kinds: dict[str, int] = {}
    for var in spec.variables:
        kinds[var.kind] = kinds.get(var.kind, 0) + 1
    return ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))


def _mb(nbytes: float) -> str:
    if nbytes >= 1e6:
        return f"{nbytes / 1e6:.2f} MB"
    return f"{nbytes / 1e3:.1f} kB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pysd-runs", type=int, default=4, help="timed PySD runs per model")
    parser.add_argument(
        "--min-seconds", type=float, default=2.0, help="minimum timing per kazind configuration"
    )
    parser.add_argument(
        "--batches", type=int, nargs="+", default=[1, 100, 10_000], help="numpy batch sizes"
    )
    parser.add_argument(
        "--fused-batches",
        type=int,
        nargs="+",
        default=[1, 100, 1000, 10_000],
        help="fused backend batch sizes (each with 1 and 2 cores)",
    )
    parser.add_argument("--no-sde", action="store_true", help="skip SDEverywhere (node)")
    parser.add_argument("--no-pysd", action="store_true", help="skip PySD")
    args = parser.parse_args(argv)
    console = Console(width=120)

    load_before = os.getloadavg()
    specs = {"lookups": build_model(True), "no_lookups": build_model(False)}
    for label, spec in specs.items():
        console.print(
            f"model [bold]{label}[/]: {len(spec.variables)} equations ({_count(spec)}), "
            f"{spec.time.n_steps()} steps of dt = 1/12 year, 1913-1940, saved yearly"
        )
    console.print("timing the first compile of the fused kernel (empty cache) ...")
    compile_s = first_compile_s(specs["lookups"])

    results: dict[tuple[str, str], dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for label, spec in specs.items():
            # back to back: numpy, then fused with 1 and 2 cores, at each batch size
            for batch in sorted(set(args.batches) | set(args.fused_batches)):
                if batch in args.batches:
                    console.print(f"timing kazind {label} numpy batch={batch} ...")
                    results[(label, f"kazind batch={batch}")] = time_kazind(
                        spec, batch, args.min_seconds, "auto" if batch == 1 else "numpy"
                    )
                if batch in args.fused_batches:
                    for cores in (1, 2):
                        console.print(
                            f"timing kazind {label} fused batch={batch} cores={cores} ..."
                        )
                        results[(label, f"fused batch={batch} cores={cores}")] = time_kazind(
                            spec, batch, args.min_seconds, "fused", cores
                        )
            if not args.no_sde:
                # SDEverywhere's JS runtime accumulates time (time += dt) and saves where
                # time % SAVEPER < 1e-6, which misses every save with dt = 1/12: the
                # comparison runs both engines with dt = 1/16, exact in binary
                spec16 = spec.model_copy(
                    update={"time": spec.time.model_copy(update={"dt": 0.0625})}
                )
                console.print(f"timing SDEverywhere JS {label} (dt = 1/16) ...")
                try:
                    results[(label, "SDE JS")] = time_sde(spec16, Path(tmp), 2000, args.min_seconds)
                    results[(label, "fused dt=1/16 batch=10000 cores=2")] = time_kazind(
                        spec16, 10_000, args.min_seconds, "fused", 2
                    )
                except Exception as exc:  # report and go on: the other figures stand
                    console.print(f"SDEverywhere not timed: {type(exc).__name__}: {exc}")
            if not args.no_pysd:
                console.print(f"timing PySD {label} ({args.pysd_runs} runs) ...")
                results[(label, "PySD")] = time_pysd(spec, args.pysd_runs, Path(tmp))

    table = Table(title="kazind.engine vs SDEverywhere JS and PySD (Euler, dt = 1/12, 1913-1940)")
    for column in (
        "model",
        "configuration",
        "runs/s",
        "ms per call",
        "timed calls",
        "peak memory per run",
    ):
        table.add_column(
            column, justify="left" if column in ("model", "configuration") else "right"
        )
    for (label, config), r in results.items():
        table.add_row(
            label,
            config,
            f"{r['runs_per_s']:,.1f}",
            f"{r['ms_per_call']:,.3f}",
            str(r["calls"]),
            _mb(r["peak_per_run"]) if np.isfinite(r["peak_per_run"]) else "",
        )
    console.print(table)
    for label in specs:
        if (label, "PySD") in results:
            console.print(
                f"PySD translation of the {label} .mdl: "
                f"{results[(label, 'PySD')]['translate_s']:.1f} s (not counted)"
            )
        if (label, "SDE JS") in results:
            r = results[(label, "SDE JS")]
            console.print(
                f"SDEverywhere {label}: outputs equal kazind's to {r['max_rel_diff']:.1e} "
                f"relative; code generation {r['generate_s']:.1f} s (not counted)"
            )
    console.print(
        f"first compile of the fused kernel (lookups model, empty cache): {compile_s:.1f} s"
    )
    console.print(
        "peak memory: tracemalloc peak of one untimed call (numpy buffers included), "
        "divided by the batch size; the output Dataset is part of it"
    )
    load = os.getloadavg()
    console.print(
        f"machine: {os.cpu_count()} cores (shared); load average before/after: "
        f"{load_before[0]:.2f} / {load[0]:.2f}"
    )

    main_label = "lookups"
    lines = []
    for batch in args.batches:
        rate = results[(main_label, f"kazind batch={batch}")]["runs_per_s"]
        lines.append(f"runs_per_s[batch={batch}]={rate:.1f}")
    if 1 in args.batches:
        lines.append(f"single_run_ms={results[(main_label, 'kazind batch=1')]['ms_per_call']:.3f}")
    for batch in args.fused_batches:
        for cores in (1, 2):
            rate = results[(main_label, f"fused batch={batch} cores={cores}")]["runs_per_s"]
            lines.append(f"runs_per_s[fused,batch={batch},cores={cores}]={rate:.1f}")
    if 1 in args.fused_batches:
        ms = results[(main_label, "fused batch=1 cores=1")]["ms_per_call"]
        lines.append(f"single_run_ms[fused]={ms:.3f}")
        lines.append(
            f"peak_kb_per_run[fused,batch=10000]="
            f"{results[(main_label, 'fused batch=10000 cores=2')]['peak_per_run'] / 1e3:.1f}"
            if 10_000 in args.fused_batches
            else "peak_kb_per_run[fused,batch=10000]=nan"
        )
    for batch in (10_000, 100):
        key = (main_label, f"kazind batch={batch}")
        fkey = (main_label, f"fused batch={batch} cores=2")
        if key in results and fkey in results:
            ratio = results[fkey]["runs_per_s"] / results[key]["runs_per_s"]
            lines.append(f"ratio_fused_vs_numpy[batch={batch}]={ratio:.2f}")
    sde_ok = (main_label, "SDE JS") in results and results[(main_label, "SDE JS")][
        "max_rel_diff"
    ] < 1e-6
    if (main_label, "SDE JS") in results and not sde_ok:
        lines.append(
            f"sde_js_check=failed (outputs differ from kazind's by "
            f"{results[(main_label, 'SDE JS')]['max_rel_diff']:.2e} relative: not compared)"
        )
    if sde_ok:
        ratio = (
            results[(main_label, "fused dt=1/16 batch=10000 cores=2")]["runs_per_s"]
            / results[(main_label, "SDE JS")]["runs_per_s"]
        )
        lines.append(f"ratio_vs_sde_js[batch=10000]={ratio:.2f}")
        lines.append(f"sde_js_max_rel_diff={results[(main_label, 'SDE JS')]['max_rel_diff']:.2e}")
    top = max(args.batches)
    for label in specs:
        if (label, "PySD") in results:
            ratio = (
                results[(label, f"kazind batch={top}")]["runs_per_s"]
                / results[(label, "PySD")]["runs_per_s"]
            )
            lines.append(f"ratio_vs_pysd[{label}]={ratio:.1f}")
    lines.append(f"fused_first_compile_s={compile_s:.1f}")
    sys.stdout.flush()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
