"""The ``fused`` backend: one numba kernel per model structure, run over threads.

Where the ``numpy`` backend makes one NumPy pass over the whole batch per operation
(about 340 passes a step for a model of 130 equations, most into fresh temporaries), the
fused kernel loops over the runs and, inside, over the steps: every value of a run is a
local float, a step is straight-line arithmetic (:mod:`kazind.engine.fused_source`
generates it). This module owns what surrounds the kernel:

- **One kernel per structure.** A time series that is a step function (a constant that a
  scenario schedules: flat segments and jumps, see :func:`is_step_series`) is, for the
  kernel, a parameter with a schedule: the kernel is generated from the *canonical*
  spec, in which such series are constants, and the schedule is data (a table read only
  where it changes). So the historical model and every scenario that changes or
  schedules constants share one compiled kernel.
- **Packing** (:class:`Backend`): the parameters, the series and the schedules of a call
  as the kernel's arrays, made once per model and grid for what does not change from
  call to call, and the output array in its final layout ``(run, time, output)``.
- **The disk cache**: a kernel is a Python module named by the sha256 of its source (and
  the backend's, numba's, NumPy's and Python's versions), compiled by numba with
  ``cache=True``; a second process loads it (under a second) and compiles nothing.
- **Threads**: the runs are cut into chunks that the threads take in turn (the kernel
  releases the GIL), so a core that another program slows down takes fewer chunks.
- **Failures**: a run that fails writes its status and state; :meth:`Backend.failures`
  turns them into the numpy backend's messages, and ``CompiledModel.run`` re-runs the first
  failing run on the numpy backend when it raises, so the error is the same.
"""

from __future__ import annotations

import hashlib
import importlib.util
import itertools
import math
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from kazind.engine.fused_source import (
    LANES,
    OUTPUT_FAILED,
    PIPELINE_FAILED,
    SIGNATURE,
    kernel_source,
    storable_ir,
)
from kazind.engine.spec import Constant, ModelSpec

__all__ = [
    "BACKEND_VERSION",
    "OUTPUT_FAILED",
    "PIPELINE_FAILED",
    "STEP_RAMP",
    "Backend",
    "available",
    "cache_dir",
    "canonical_spec",
    "compile_count",
    "compile_seconds",
    "is_step_series",
    "kernel_key",
    "kernel_source",
    "load_kernel",
    "progress",
    "storable_ir",
]

#: Bumped whenever the generated code's meaning changes (part of every kernel's key).
BACKEND_VERSION = "3"

#: The kernel tests the state's finiteness every this many steps (as the numpy backend
#: does); a failed run is re-run testing every step (:meth:`Backend.exact`).
CHECK_EVERY = 8

#: A series segment shorter than this (in time units) is a jump: a series made of flat
#: segments and jumps is a step function (a scheduled constant), see :func:`is_step_series`.
STEP_RAMP = 1e-3


def available() -> bool:
    """True when numba can be imported (the fused backend can run)."""
    return importlib.util.find_spec("numba") is not None


def cache_dir() -> Path:
    """Where kernels are cached: ``$KAZIND_CACHE_DIR``, else ``$XDG_CACHE_HOME/kazind``,
    else ``~/.cache/kazind``; then ``kernels/``."""
    env = os.environ.get("KAZIND_CACHE_DIR")
    if env:
        base = Path(env)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = Path(xdg) / "kazind" if xdg else Path.home() / ".cache" / "kazind"
    return base / "kernels"


def _stderr_progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


#: Called with a one-line message when a kernel is compiled (not loaded from the cache);
#: replace it to show the message elsewhere (or ``lambda m: None`` to be quiet).
progress = _stderr_progress


# -- one kernel per structure -------------------------------------------------------------


def is_step_series(var: Any) -> bool:
    """True for a time series that is a step function: each segment between two of its
    points is flat, or shorter than :data:`STEP_RAMP` (a jump), as a scenario's schedule
    of a constant is (``kazind.scenarios.apply.step_points``)."""
    if getattr(var, "kind", None) != "series":
        return False
    points = list(zip(var.times, var.values, strict=True))
    return all(v0 == v1 or t1 - t0 < STEP_RAMP for (t0, v0), (t1, v1) in itertools.pairwise(points))


def canonical_spec(spec: ModelSpec) -> tuple[ModelSpec, tuple[str, ...]]:
    """``spec`` with every step-function series as a constant (its first value), and the
    names of those series: the structure the fused kernel is generated from, the same
    for a model and its scenarios that schedule constants."""
    names = tuple(v.name for v in spec.variables if is_step_series(v))
    if not names:
        return spec, ()
    variables = [
        Constant(name=v.name, unit=v.unit, value=float(v.values[0])) if v.name in names else v
        for v in spec.variables
    ]
    return spec.model_copy(update={"variables": variables}), names


class Backend:
    """The fused backend of one compiled model: its canonical structure and kernel, and
    the packing of a call's inputs as the kernel's arrays.

    ``make_model(spec)`` compiles the canonical spec (no unit checks: its equations are
    the model's own); it is a separate object only when the model has step series.
    """

    def __init__(self, model: Any, method: str, make_model: Callable[[ModelSpec], Any]) -> None:
        self.model = model
        self.method = method
        spec, self.converted = canonical_spec(model.spec)
        self.canon = make_model(spec) if self.converted else model
        self.plan = self.canon._plan(
            method, tuple(v.name for v in spec.variables if v.kind != "lookup")
        )
        self.source = kernel_source(self.plan, spec)
        self.key = kernel_key(self.source)
        self.items, self.where = storable_ir(self.canon.lowered, spec)
        self._kernel: Any = None
        self._cache: dict[tuple, Any] = {}
        low, clow = model.lowered, self.canon.lowered
        canon_param = self.plan.params
        # the model's parameters (its const slots in order) -> the kernel's
        self.param_index = np.array(
            [
                canon_param[clow.var_slots[s.var][_element_index(low, i)]]
                for i, s in enumerate(low.slots)
                if s.kind == "const"
            ],
            dtype=np.int64,
        )
        # the model's series -> ("series", kernel series) or ("schedule", kernel parameter)
        kernel_series = {v.name: i for i, v in enumerate(clow.series)}
        self.series_role = [
            ("schedule", canon_param[clow.var_slots[v.name][0]])
            if v.name in self.converted
            else ("series", kernel_series[v.name])
            for v in low.series
        ]
        self.n_params = len(canon_param)
        self.n_state = len(self.plan.state_rows)
        self.slot_of = _slot_map(clow, low, set(self.converted))

    # -- the kernel ------------------------------------------------------------------------
    def kernel(self) -> Any:
        if self._kernel is None:
            self._kernel = load_kernel(self.source, repr(self.model.spec.name))
        return self._kernel

    def ready(self) -> bool:
        return self._kernel is not None or is_cached_key(self.key)

    # -- packing -------------------------------------------------------------------------
    def positions(self, names: tuple[str, ...]) -> np.ndarray:
        """``POS``: the output column of each storable value (the spare last one if not asked)."""
        key = ("pos", names)
        pos = self._cache.get(key)
        if pos is None:
            wanted = [p for name in names for p in self.where[name]]
            pos = np.full(len(self.items), len(wanted), dtype=np.int64)
            pos[wanted] = np.arange(len(wanted))
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[key] = pos
        return pos

    def params(self, pvals: list[Any], batch: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``PS``, ``PR``, ``VARIED`` from the model's parameter values (floats or arrays)."""
        if len(pvals) != len(self.param_index):
            raise ValueError("one value per parameter of the model")
        # two comprehensions and one scatter: a loop assigning numpy scalars one by one
        # cost more than the kernel of a small batch (the full model has 322 parameters)
        varied = [j for j, value in enumerate(pvals) if isinstance(value, np.ndarray)]
        shared = np.zeros(self.n_params)
        shared[self.param_index] = [0.0 if isinstance(v, np.ndarray) else v for v in pvals]
        if not varied:
            return shared, np.zeros((1, 1)), np.zeros(0, dtype=np.int64)
        PR = np.empty((batch, len(varied)))
        for c, j in enumerate(varied):
            PR[:, c] = pvals[j]
        return shared, PR, self.param_index[varied]

    def tables(self, svals: list[np.ndarray], batch: int, cacheable: bool) -> tuple:
        """``TS, TSC, TSM, SCHP, SCHC, SCHM, CH``: every series and schedule as columns of
        one table on the half-step grid, and where the schedules change."""
        key = ("tables", len(svals[0]) if svals else 0) + tuple(id(v) for v in svals)
        hit = self._cache.get(key) if cacheable else None  # one lookup: threads share it
        if hit is not None:
            return hit[0]
        grid = len(svals[0]) if svals else 1
        n_cols = sum(1 if v.ndim == 1 else v.shape[1] for v in svals) or 1
        TS = np.zeros((grid, n_cols))
        TSC = np.zeros(len(self.canon.lowered.series) or 1, dtype=np.int64)
        TSM = np.zeros_like(TSC)
        SCHP, SCHC, SCHM = [], [], []
        CH = np.zeros(max(grid, 1), dtype=np.uint8)
        col = 0
        for (role, index), values in zip(self.series_role, svals, strict=True):
            width = 1 if values.ndim == 1 else values.shape[1]
            TS[:, col : col + width] = values.reshape(grid, width)
            if role == "series":
                TSC[index], TSM[index] = col, int(values.ndim == 2)
            else:
                SCHP.append(index)
                SCHC.append(col)
                SCHM.append(int(values.ndim == 2))
                block = TS[:, col : col + width]
                CH[1:] |= (block[1:] != block[:-1]).any(axis=1)
                CH[2:] |= (block[2:] != block[:-2]).any(axis=1)
            col += width
        ints = [np.array(x, dtype=np.int64) for x in (SCHP, SCHC, SCHM)]
        out = (TS, TSC, TSM, *ints, CH)
        if cacheable:
            if len(self._cache) > 256:
                self._cache.clear()
            self._cache[key] = (out, svals)  # keep the arrays alive: their ids are the key
        return out

    def call(
        self,
        pvals,
        svals,
        batch,
        names,
        n_steps,
        save_every,
        t0,
        dt,
        threads,
        tables_cacheable=False,
        check_every=CHECK_EVERY,
    ):
        """Run the kernel: ``(O, STATUS, FS)``, ``O`` (the outputs) of shape (batch, saves,
        outputs + 1). The state's finiteness is tested every ``check_every`` steps; see
        :meth:`exact` for the exact step of a failure."""
        kernel = self.kernel()
        pos = self.positions(names)
        n_out = sum(len(self.where[n]) for n in names)
        n_save = n_steps // save_every + 1
        PS, PR, VARIED = self.params(pvals, batch)
        tables = self.tables(svals, batch, tables_cacheable)
        out = np.empty((batch, n_save, n_out + 1))
        STATUS = np.empty(batch, dtype=np.int64)
        FS = np.empty((batch, max(self.n_state, 1)))
        args = (
            PS,
            PR,
            VARIED,
            *tables,
            pos,
            out,
            STATUS,
            FS,
            n_steps,
            save_every,
            float(t0),
            float(dt),
            int(check_every),
        )
        run_chunks(kernel, batch, args, threads or default_threads())
        return out, STATUS, FS

    def exact(self, runs, pvals, svals, names, n_steps, save_every, t0, dt):
        """``call`` on the runs ``runs`` alone, testing the state at every step: the exact
        step, state and outputs of each failure (a run's result does not depend on its batch)."""
        runs = np.asarray(runs)
        pv = [v[runs] if isinstance(v, np.ndarray) else v for v in pvals]
        sv = [v[:, runs] if v.ndim == 2 else v for v in svals]
        return self.call(pv, sv, len(runs), names, n_steps, save_every, t0, dt, 1, check_every=1)

    # -- failures ----------------------------------------------------------------------------
    def model_state(self, fs_row: np.ndarray, model_plan: Any) -> np.ndarray:
        """A failed run's state (``FS[b]``) in the rows of the model's own plan."""
        canon_rows = {self.slot_of[s]: r for s, r in self.plan.state_rows.items()}
        state = np.empty((len(model_plan.state_rows), 1))
        for slot, row in model_plan.state_rows.items():
            state[row, 0] = fs_row[canon_rows[slot]]
        return state


def _element_index(lowered: Any, slot: int) -> int:
    return lowered.var_slots[lowered.slots[slot].var].index(slot)


def _slot_map(canon: Any, model: Any, converted: set[str]) -> dict[int, int]:
    """Kernel slot -> the model's slot: the two lowerings are the same slot for slot, but
    for the kernel's constants that are the model's step series."""
    out: dict[int, int] = {}
    j = 0
    for i, slot in enumerate(canon.slots):
        if slot.kind == "const" and slot.var in converted:
            continue
        other = model.slots[j]
        assert (other.var, other.kind, other.element, other.note) == (
            slot.var,
            slot.kind,
            slot.element,
            slot.note,
        ), "canonical lowering out of step"
        out[i] = j
        j += 1
    return out


# -- the kernel cache ---------------------------------------------------------------------------

_LOADED: dict[str, Any] = {}
_LOCK = threading.Lock()
_COMPILED: list[tuple[str, float]] = []  # (key, seconds) compiled (not loaded) here


def compile_count() -> int:
    """How many kernels this process compiled (a kernel loaded from the disk cache or
    already loaded does not count): the tests report it."""
    return len(_COMPILED)


def compile_seconds() -> float:
    """The seconds this process spent compiling kernels (see :func:`compile_count`)."""
    return sum(seconds for _, seconds in _COMPILED)


def kernel_key(source: str) -> str:
    """The cache key of a kernel: its source, the backend and numba versions, Python's."""
    import numba

    text = "\n".join([BACKEND_VERSION, numba.__version__, np.__version__, sys.version, source])
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def is_cached(source: str) -> bool:
    """True when the kernel of ``source`` is loaded in this process or compiled on disk."""
    return is_cached_key(kernel_key(source))


def is_cached_key(key: str) -> bool:
    """:func:`is_cached` by the kernel's key (see :func:`kernel_key`)."""
    return key in _LOADED or (cache_dir() / f"k_{key}.ok").exists()


def load_kernel(source: str, label: str = "") -> Any:
    """The compiled kernel of ``source``: from this process, from the disk cache, or
    compiled now (with a :data:`progress` message) and cached."""
    key = kernel_key(source)
    with _LOCK:
        kernel = _LOADED.get(key)
        if kernel is not None:
            return kernel
        folder = cache_dir()
        path = folder / f"k_{key}.py"
        done = folder / f"k_{key}.ok"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if not path.exists():
                fd, tmp = tempfile.mkstemp(dir=folder, prefix=".k_", suffix=".py")
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(source)
                os.replace(tmp, path)  # atomic: another process sees all of it or nothing
        except OSError:  # no writable cache: compile from a private temporary folder
            folder = Path(tempfile.mkdtemp(prefix="kazind-kernels-"))
            path = folder / f"k_{key}.py"
            path.write_text(source, encoding="utf-8")
            done = folder / f"k_{key}.ok"
        spec = importlib.util.spec_from_file_location(f"kazind_kernel_{key}", path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # numba's cache finds the module by its name
        spec.loader.exec_module(module)
        kernel = module.run
        cold = not done.exists()
        t0 = time.perf_counter()
        if cold:
            progress(
                f"kazind: compiling the fused kernel{f' of {label}' if label else ''} "
                f"(once; cached in {folder})"
            )
        _warm(kernel)
        if cold:
            seconds = time.perf_counter() - t0
            _COMPILED.append((key, seconds))
            try:
                done.write_text(f"{seconds:.1f} s\n", encoding="ascii")
            except OSError:
                pass
        _LOADED[key] = kernel
        return kernel


def _warm(kernel: Any) -> None:
    """Compile (or load) ``kernel`` for the argument types every call uses: C-contiguous,
    writable float64 arrays, int64 index arrays, a uint8 change table."""
    i64 = np.zeros(1, np.int64)
    kernel(
        0,
        0,
        np.zeros(1),
        np.zeros((1, 1)),
        i64,
        np.zeros((1, 1)),
        i64,
        i64,
        i64,
        i64,
        i64,
        np.zeros(1, np.uint8),
        i64,
        np.zeros((1, 1, 1)),
        i64,
        np.zeros((1, 1)),
        0,
        1,
        0.0,
        1.0,
        1,
    )


assert len(SIGNATURE) == 21  # the arguments _warm passes


# -- running over threads --------------------------------------------------------------------

_POOL: ThreadPoolExecutor | None = None
#: Chunks per thread: enough for a busy core to take fewer of them, few enough that the
#: cost of a kernel call (about 20 us) does not count.
CHUNKS_PER_THREAD = 8
#: Fewest runs in a chunk, and fewest runs split over threads at all.
MIN_CHUNK = 16


def default_threads() -> int:
    """Threads a batch is split over: ``KAZIND_THREADS``, else the machine's cores."""
    env = os.environ.get("KAZIND_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(
        1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    )


def _forget_pool() -> None:
    """In a forked child the parent's pool threads do not exist: start a new pool."""
    global _POOL
    _POOL = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def _pool(threads: int) -> ThreadPoolExecutor:
    global _POOL
    if _POOL is None or _POOL._max_workers < threads:
        _POOL = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kazind-fused")
    return _POOL


def run_chunks(kernel: Any, batch: int, args: tuple, threads: int) -> None:
    """Run ``kernel`` on runs ``0..batch-1``: in chunks of contiguous runs that ``threads``
    threads (this one included) take one after the other, so that the work balances even
    when a core is slowed by other programs. Every run's result is the same however the
    runs are cut (a run depends only on its own inputs)."""
    threads = max(1, min(threads, batch // MIN_CHUNK or 1))
    if threads == 1:
        kernel(0, batch, *args)
        return
    size = max(MIN_CHUNK, math.ceil(batch / (threads * CHUNKS_PER_THREAD)))
    size = -(-size // LANES) * LANES  # whole blocks of lanes
    edges = list(range(0, batch, size)) + [batch]
    counter = itertools.count()  # next() on a count is atomic under the GIL
    n = len(edges) - 1

    def work() -> None:
        while (i := next(counter)) < n:
            kernel(edges[i], edges[i + 1], *args)

    futures = [_pool(threads - 1).submit(work) for _ in range(threads - 1)]
    try:
        work()
    finally:
        for future in futures:
            future.result()
