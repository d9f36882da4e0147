"""Memory a run needs, estimated before anything is allocated, and the limits it must fit.

A run's memory is dominated by a few arrays whose sizes are known before the run: the
stored outputs (runs x saved times x stored values), the state (runs x stocks, a few
copies for RK4), the per-step values of the numpy backend (runs x computed values), the
time series on the half-step grid (2 x steps + 1 points, per run when overridden per
run) and the delay_fixed pipelines (runs x delay steps). :func:`estimate_bytes` adds them
up; :meth:`CompiledModel.memory_estimate` fills them in for a model, so that the command
line can refuse a request early; :meth:`CompiledModel.run` refuses with
:class:`EngineError` (the estimate and what to change) instead of a ``MemoryError``.

Limits: a run may use at most the memory the machine has available (``MemAvailable`` of
``/proc/meminfo``), or ``KAZIND_MAX_MEMORY`` bytes when that is set; at most
:data:`MAX_STEPS` integration steps; one delay_fixed pipeline at most
:data:`MAX_PIPELINE_BYTES`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from kazind.engine.errors import EngineError

__all__ = [
    "MAX_PIPELINE_BYTES",
    "MAX_STEPS",
    "Estimate",
    "available_memory",
    "check_fits",
    "estimate_bytes",
    "format_bytes",
]

#: Integration steps of one run at most (1913-1940 at dt = 1e-6 is 2.7e7).
MAX_STEPS = 50_000_000
#: Memory of one delay_fixed pipeline at most (delay steps x runs x 8 bytes).
MAX_PIPELINE_BYTES = 1 << 30
_FLOAT = 8
#: Below this estimate a run is not checked against the memory available (every machine
#: kazind runs on has this much).
SMALL = 256 << 20


@dataclass(frozen=True)
class Estimate:
    """The parts of a run's memory, in bytes."""

    outputs: int
    state: int
    work: int
    series: int
    pipelines: int

    @property
    def total(self) -> int:
        return self.outputs + self.state + self.work + self.series + self.pipelines


def estimate_bytes(
    runs: int,
    steps: int,
    saves: int,
    stored: int,
    state: int = 0,
    computed: int = 0,
    series: int = 0,
    series_per_run: int = 0,
    pipeline_steps: int = 0,
    rk4: bool = False,
) -> Estimate:
    """The memory of a run of ``runs`` parameter sets (see the module docstring).

    ``stored`` values are saved at ``saves`` times; ``state`` stocks (hidden ones
    included); ``computed`` values per step held over the batch (numpy backend);
    ``series`` time series on the grid, ``series_per_run`` of them per run;
    ``pipeline_steps`` the delay steps of all delay_fixed pipelines together.
    """
    runs, steps, saves = int(runs), int(steps), int(saves)
    grid = 2 * steps + 1
    return Estimate(
        outputs=_FLOAT * runs * saves * stored,
        state=_FLOAT * runs * state * (7 if rk4 else 2),
        work=_FLOAT * runs * computed,
        series=_FLOAT * grid * ((series - series_per_run) + series_per_run * runs),
        pipelines=_FLOAT * runs * pipeline_steps,
    )


def available_memory() -> int:
    """Bytes a run may use: ``KAZIND_MAX_MEMORY`` if set, else what the machine has free."""
    env = os.environ.get("KAZIND_MAX_MEMORY", "").strip()
    if env:
        try:
            return int(float(env))
        except ValueError:
            raise EngineError(f"KAZIND_MAX_MEMORY={env!r} is not a number of bytes") from None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 1 << 62


def format_bytes(n: float) -> str:
    """``3.2 GiB``, ``410 MiB``, ``12 kiB``."""
    for unit, size in (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("kiB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def check_fits(estimate: Estimate, runs: int, limit: int | None = None) -> None:
    """Raise :class:`EngineError` if ``estimate`` exceeds the memory available."""
    if limit is None and estimate.total <= SMALL and not os.environ.get("KAZIND_MAX_MEMORY"):
        return  # not worth reading /proc/meminfo for
    limit = available_memory() if limit is None else limit
    if estimate.total <= limit:
        return
    biggest = max(
        ("stored outputs", estimate.outputs),
        ("time series grid", estimate.series),
        ("delay_fixed pipelines", estimate.pipelines),
        ("state and per-step values", estimate.state + estimate.work),
        key=lambda item: item[1],
    )[0]
    raise EngineError(
        f"the run needs about {format_bytes(estimate.total)} ({biggest} the most) but "
        f"{format_bytes(limit)} is available: use fewer runs per batch (now {runs:,}), "
        "store fewer outputs, a larger save step or dt, or stream the runs in chunks "
        "(CompiledModel.run_chunks)"
    )
