"""Time `kazind calibrate` (today's calibration, unchanged) on the engine's numpy and fused
backends, back to back (issue 14's goal: at least 3x faster on the fused backend).

    .venv/bin/python benchmarks/calibrate.py [--backends numpy fused] [--steps N]

``--steps N`` runs the posterior sampler N steps (burn-in N // 2) instead of the
settings' 240 (every other stage unchanged): the same calls of the engine, fewer of them,
for a machine too busy for two full calibrations back to back.

Each run writes its calibrated parameters to a temporary file (never into the package),
and the two results are compared. The calibration may ask the engine for
a backend by name, so the benchmark swaps the backend of every engine
call (see ``benchmarks/ensemble.py``'s ``engine_backend``). The fused kernel is compiled
(or loaded from the cache) before the timing starts.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from ensemble import engine_backend  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="+", default=["numpy", "fused"])
    parser.add_argument("--steps", type=int, default=None, help="posterior sampler steps")
    args = parser.parse_args()
    if args.steps is not None:
        _fewer_steps(args.steps)
    from kazind.commands.model import calibrate
    from kazind.engine import compile_model
    from kazind.model.build import build_spec

    compile_model(build_spec()).warm()  # the kernel of the calibration's model, out of the timing
    print(f"# {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}")
    seconds = {}
    texts = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends:
            out = Path(tmp) / f"calibrated-{backend}.yaml"
            with engine_backend(backend):
                t0 = time.perf_counter()
                calibrate(seed=None, starts=None, out=out)
                seconds[backend] = time.perf_counter() - t0
            texts[backend] = out.read_text()
    for backend, sec in seconds.items():
        print(f"calibrate_s[{backend}]={sec:.1f}")
    if {"numpy", "fused"} <= set(seconds):
        print(f"ratio_calibrate_fused_vs_numpy={seconds['numpy'] / seconds['fused']:.2f}")
        same = texts["numpy"].split("\n", 2)[-1] == texts["fused"].split("\n", 2)[-1]
        print(f"calibrated_files_identical={same}")
    print(f"load_average_end={os.getloadavg()[0]:.2f}")


def _fewer_steps(steps: int) -> None:
    """Make ``load_setup`` (which ``kazind calibrate`` calls) give ``steps`` sampler steps."""
    import dataclasses

    from kazind.analysis import calibration

    load = calibration.load_setup

    def load_setup(*a, **kw):
        setup = load(*a, **kw)
        settings = dataclasses.replace(setup.settings, steps=steps, burn_in=steps // 2)
        return dataclasses.replace(setup, settings=settings)

    calibration.load_setup = load_setup
    print(f"# posterior sampler: {steps} steps, burn-in {steps // 2} (--steps)")


if __name__ == "__main__":
    main()
