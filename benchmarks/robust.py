"""Benchmark of issue 15: how fast and how small kazind refuses hostile requests, and what
streaming an ensemble to disk costs against holding it in memory.

    .venv/bin/python benchmarks/robust.py [--runs 10000] [--repeats 2]

Refusals: each hostile command runs as ``kazind ...`` in a fresh process (import, the
calibrated spec, the check, the one-line error); timed from start to exit, with the
child's peak resident memory (``getrusage``). Goal (issue 15): every one within 20 s
and under 2 GiB. Streaming: ``run_ensemble`` (in memory) against ``stream_ensemble``
(batch by batch to a NetCDF file, then reopened) for ``--runs`` runs of the historical
scenario in batches of 2,000, best of ``--repeats``, after a warm-up. Prints a table and
machine-readable lines ``name=value``.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BOMB = (
    "\n".join(
        ["name: bomb", "description:", "  kk: &a0 [" + ", ".join(["lol"] * 9) + "]"]
        + [f"  x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    )
    + "\n"
)

FILES = {
    "bomb.yaml": BOMB,
    "recursive.yaml": "name: recursive\nparameters: &p {x: *p}\n",
    "deep.yaml": "name: deep\nparameters:\n  processing_priority: "
    + "[" * 5000
    + "]" * 5000
    + "\n",
    "powpow.yaml": "name: powpow\nparameters:\n  processing_priority: '9**9**9'\n",
    "bigint.yaml": "name: bigint\nparameters:\n  processing_priority: 1" + "0" * 400 + "\n",
    "huge.yaml": "name: huge\nparameters:\n  transport_dependence: {coal: 1.0e+200}\n",
}


def cases(folder: Path) -> dict[str, list[str]]:
    out = str(folder / "out")
    fifo = folder / "fifo.yaml"
    os.mkfifo(fifo)
    return {
        "alias bomb": ["run", str(folder / "bomb.yaml"), "--out", out],
        "recursive alias": ["run", str(folder / "recursive.yaml"), "--out", out],
        "nesting 5000 deep": ["run", str(folder / "deep.yaml"), "--out", out],
        "'9**9**9'": ["run", str(folder / "powpow.yaml"), "--out", out],
        "integer 10**400": ["run", str(folder / "bigint.yaml"), "--out", out],
        "transport_dependence 1e200": ["run", str(folder / "huge.yaml"), "--out", out],
        "/dev/zero": ["run", "/dev/zero", "--out", out],
        "FIFO": ["run", str(fifo), "--out", out],
        "--runs 1e9": ["ensemble", "historical", "--runs", "1000000000", "--out", out],
        "--samples 1e9": ["sensitivity", "historical", "--samples", "1000000000", "--out", out],
        "--dt 1e-9": ["run", "historical", "--dt", "1e-9", "--out", out],
        "--seed 10**22": [
            "ensemble",
            "historical",
            "--runs",
            "4",
            "--seed",
            str(10**22),
            "--out",
            out,
        ],
        "--out a FIFO": ["export", "--out", str(fifo)],
        "--out /proc": ["run", "historical", "--out", "/proc/kazind"],
    }


def refusal(args: list[str]) -> tuple[int, float, float, str]:
    """(exit code, seconds, peak MiB, stderr) of ``kazind ARGS`` in a fresh process."""
    probe = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(p.returncode, time.perf_counter() - t, peak)\n"
        "sys.stdout.write(p.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, "-m", "kazind", *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    head, _, err = done.stdout.partition("\n")
    code, seconds, peak = head.split()
    return int(code), float(seconds), float(peak), err.strip()


def streaming(runs: int, repeats: int) -> dict[str, float]:
    from kazind.analysis.ensemble import run_ensemble, stream_ensemble

    run_ensemble("historical", 100, seed=1)  # warm-up: spec and compiled model
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, fn in (
            ("in_memory", lambda: run_ensemble("historical", runs, seed=0)),
            (
                "streamed",
                lambda: stream_ensemble(
                    "historical", runs, 0, Path(tmp) / f"e{time.time_ns()}.nc"
                ).close(),
            ),
        ):
            best = float("inf")
            for _ in range(repeats):
                t0 = time.perf_counter()
                fn()
                best = min(best, time.perf_counter() - t0)
            out[name] = best
        out["file_mib"] = sum(p.stat().st_size for p in Path(tmp).glob("*.nc")) / repeats / 2**20
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    print(f"load average before: {open('/proc/loadavg').read().split()[:3]}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, text in FILES.items():
            (folder / name).write_text(text)
        print(f"{'request':30} {'exit':>4} {'s':>6} {'MiB':>6}  message")
        for label, argv in cases(folder).items():
            code, seconds, peak, err = refusal(argv)
            print(f"{label:30} {code:>4} {seconds:6.1f} {peak:6.0f}  {err[:110]}")
            key = "".join(c if c.isalnum() else "_" for c in label).strip("_")
            print(
                f"refusal_{key}_s={seconds:.2f} refusal_{key}_mib={peak:.0f} refusal_{key}_exit={code}"
            )
    figures = streaming(args.runs, args.repeats)
    print(
        f"ensemble of {args.runs:,} runs: in memory {figures['in_memory']:.2f} s, streamed to NetCDF "
        f"{figures['streamed']:.2f} s ({figures['file_mib']:.1f} MiB file); peak {figures['peak_mib']:.0f} MiB"
    )
    for key, value in figures.items():
        print(f"ensemble_{key}={value:.3f}")
    print(f"load average after: {open('/proc/loadavg').read().split()[:3]}")


if __name__ == "__main__":
    main()
