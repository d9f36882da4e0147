"""Memory of a huge ensemble of the full model streamed in chunks (issue 14): peak
resident memory of ``CompiledModel.run_statistics`` over N runs against the estimate of
holding them all at once.

    .venv/bin/python benchmarks/stream.py [--runs 100000] [--chunk 10000]

Varies the model's scalar constants with bounds (uniform within +-10 %, clipped to the
bounds), stores the variables the scenario outcomes read (``kazind.scenarios.outcomes.OUTPUTS``) (or all with --all-outputs), fused
backend on every core. Prints the peak RSS, the time, and
``estimate_all_at_once_gib[runs=1000000]`` from ``CompiledModel.memory_estimate``.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=10_000)
    parser.add_argument("--all-outputs", action="store_true")
    args = parser.parse_args()
    from kazind.engine import compile_model
    from kazind.model import build_spec

    spec = build_spec()
    model = compile_model(spec).warm()
    from kazind.scenarios.outcomes import OUTPUTS

    outputs = None if args.all_outputs else list(OUTPUTS)
    rng = np.random.default_rng(0)
    params = {}
    for var in spec.constants():
        if var.bounds is None or var.dims:
            continue
        low, high = var.bounds
        value = float(var.value)
        params[var.name] = np.clip(value * rng.uniform(0.9, 1.1, args.runs), low, high)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    stats = model.run_statistics(params, chunk_size=args.chunk, outputs=outputs, backend="fused")
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    whole = model.memory_estimate(runs=1_000_000, outputs=outputs, backend="fused")
    print(f"# {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    print(f"runs={stats.attrs['runs']} outputs={len(stats.data_vars)} chunk={args.chunk}")
    print(f"stream_seconds={seconds:.1f} runs_per_s={args.runs / seconds:,.0f}")
    print(f"peak_rss_mib_before={rss0:.0f} peak_rss_mib={rss:.0f}")
    print(f"estimate_all_at_once_gib[runs=1000000]={whole.total / 2**30:.1f}")


if __name__ == "__main__":
    main()
