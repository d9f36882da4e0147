"""Benchmark of issue 5: a 10,000-run ensemble of the full model (historical scenario)
and a Sobol analysis with 1,024 base samples over the calibrated parameters, each on one
process and on a 2-worker local Dask cluster (processes, one thread each).

    .venv/bin/python benchmarks/ensemble.py [--runs 10000] [--sobol 1024] [--repeats 2]

Timed: ``run_ensemble`` / ``sensitivity`` from drawing the sample to the finished
Dataset, on a spec already built and a model already compiled in every process (a
small warm-up run first); the best of ``--repeats``. Reported apart: building the
scenario's spec and compiling it, and starting the Dask cluster. Prints a table and
machine-readable lines ``name=value``. Goal: the 10,000-run ensemble in under 10 s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import time

import numpy as np

from kazind.analysis import batches
from kazind.analysis.ensemble import run_ensemble
from kazind.analysis.sensitivity import sensitivity
from kazind.engine.simulate import CompiledModel

_ENGINE_RUN = CompiledModel.run


@contextlib.contextmanager
def engine_backend(name: str | None):
    """Run every engine call on backend ``name`` (None: as the call sites ask).

    The analysis layer runs the engine on ``backend="auto"`` (the fused kernel for the
    full model); to time the same ensemble on each backend, the benchmark swaps the
    backend of every call.
    """
    if name is None:
        yield
        return

    def run(self, *args, **kw):
        kw["backend"] = name
        return _ENGINE_RUN(self, *args, **kw)

    CompiledModel.run = run
    try:
        yield
    finally:
        CompiledModel.run = _ENGINE_RUN


def _best(fn, repeats: int) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--sobol", type=int, default=1024)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=batches.DEFAULT_BATCH_SIZE)
    parser.add_argument(
        "--backends",
        nargs="+",
        default=["numpy", "fused"],
        help="engine backends to time the ensemble on, back to back",
    )
    parser.add_argument(
        "--only-backends",
        action="store_true",
        help="time only the ensemble on each backend (no Sobol, no Dask)",
    )
    args = parser.parse_args()

    t0 = time.perf_counter()
    target = batches.resolve_target("historical")
    batches.compiled(batches.make_job(target.spec, [], []))
    setup_s = time.perf_counter() - t0
    print(
        f"# machine: {platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
    )
    print(f"# spec built and compiled in {setup_s:.2f} s (not timed below)")

    figures: dict[str, float] = {}
    extra: dict[str, str] = {}
    # the engine's two backends back to back on the same 10,000-run ensemble
    results = {}
    for backend in args.backends:
        with engine_backend(backend):
            t0 = time.perf_counter()
            run_ensemble(target, 16, seed=0)  # warm-up (the fused kernel: compiled or loaded)
            extra[f"warmup_s[{backend}]"] = f"{time.perf_counter() - t0:.2f}"
            sec, results[backend] = _best(
                lambda: run_ensemble(target, args.runs, seed=1, batch_size=args.batch_size),
                args.repeats,
            )
        figures[f"ensemble_{args.runs}_s[single,{backend}]"] = sec
    if {"numpy", "fused"} <= set(results):
        a, b = results["numpy"], results["fused"]
        worst = max(
            float(
                np.nanmax(np.abs(a[v].values - b[v].values)) / (np.nanmax(np.abs(a[v].values)) or 1)
            )
            for v in a.data_vars
            if np.issubdtype(a[v].dtype, np.floating)
        )
        extra["ensemble_fused_vs_numpy_max_rel_diff"] = f"{worst:.2e}"
        extra["ratio_ensemble_fused_vs_numpy"] = (
            f"{figures[f'ensemble_{args.runs}_s[single,numpy]'] / figures[f'ensemble_{args.runs}_s[single,fused]']:.2f}"
        )
    if args.only_backends:
        _print(figures, extra, args, setup_s, None)
        return
    run_ensemble(target, 16, seed=0)  # warm-up
    sec, ens = _best(
        lambda: run_ensemble(target, args.runs, seed=1, batch_size=args.batch_size), args.repeats
    )
    figures[f"ensemble_{args.runs}_s[single]"] = sec
    extra["ensemble_failed"] = str(ens.attrs["failed_runs"])
    sec, sob = _best(
        lambda: sensitivity(target, "sobol", args.sobol, seed=1, batch_size=args.batch_size), 1
    )
    figures[f"sobol_{args.sobol}_s[single]"] = sec
    extra["sobol_runs"] = f"{sob.attrs['runs']:,}"
    extra["sobol_failed"] = str(sob.attrs["failed_runs"])

    from distributed import Client, LocalCluster

    t0 = time.perf_counter()
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        figures["dask2_startup_s"] = time.perf_counter() - t0
        run_ensemble(target, 16, seed=0, batch_size=8, scheduler=client)  # each worker compiles
        # half the batch size: both workers busy and their batches in cache
        half = max(1, min(args.batch_size, args.runs // 4))
        sec, ens2 = _best(
            lambda: run_ensemble(target, args.runs, seed=1, batch_size=half, scheduler=client),
            args.repeats,
        )
        figures[f"ensemble_{args.runs}_s[dask2]"] = sec
        same = all(
            np.array_equal(ens[v].values, ens2[v].values, equal_nan=True) for v in ens.data_vars
        )
        extra["ensemble_dask_equals_single"] = str(same)
        sec, sob2 = _best(
            lambda: sensitivity(
                target, "sobol", args.sobol, seed=1, batch_size=args.batch_size, scheduler=client
            ),
            1,
        )
        figures[f"sobol_{args.sobol}_s[dask2]"] = sec
        extra["sobol_dask_equals_single"] = str(
            all(
                np.array_equal(sob[v].values, sob2[v].values, equal_nan=True) for v in sob.data_vars
            )
        )

    _print(figures, extra, args, setup_s, sob)


def _print(figures, extra, args, setup_s, sob) -> None:
    print()
    print(f"{'figure':<40} {'seconds':>9} {'runs/s':>9}")
    runs = {"ensemble": args.runs, "sobol": sob.attrs["runs"] if sob is not None else 0}
    for name, sec in figures.items():
        kind = name.split("_")[0]
        rate = f"{runs[kind] / sec:,.0f}" if runs.get(kind) else ""
        print(f"{name:<40} {sec:>9.2f} {rate:>9}")
    single = [v for k, v in figures.items() if k.startswith(f"ensemble_{args.runs}_s")]
    goal = bool(single) and min(single) < 10
    print(f"goal: {args.runs:,}-run ensemble in under 10 s: {'met' if goal else 'not met'}")
    print()
    for name, sec in figures.items():
        print(f"{name}={sec:.3f}")
    for name, value in extra.items():
        print(f"{name}={value}")
    print(f"setup_s={setup_s:.3f}")
    print(f"load_average_end={os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
