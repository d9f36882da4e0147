"""The ``fused`` backend: one numba kernel per model, generated from the lowered model.

Where the ``numpy`` backend makes one NumPy pass over the whole batch per operation
(about 340 passes a step for a model of 130 equations, most into fresh temporaries), the
fused kernel loops over the runs and, inside, over the steps: every value of a run is a
local float (a register), so a step is straight-line arithmetic with no temporaries and
no interpreter in between. What the kernel does, per run:

- reads its parameters (a shared value, or its own column of a per-run matrix);
- computes the initial values, the values that are constant over the run (the
  auxiliaries that depend only on constants) and the reciprocals of the run-constant
  divisors, once; a division by such a value inside the step becomes a multiplication;
- then each step: the auxiliaries and flows, the save (into the output array in its
  final layout, ``(run, time, value)``), the Euler or RK4 update, the delay_fixed ring
  buffers and the check of the state (non-finite, or negative in a non-negative stock);
- lookups are branch-light interpolation: the segment index is a sum of comparisons
  and the slopes are precomputed, with NumPy's ``interp`` formula, so results agree.

The kernel computes every value of the model and stores the outputs asked for through an
index array, so one kernel serves every choice of outputs; it is keyed by the model's
generated source (which holds everything: equations, lookups, method) and the backend's
version, written as a Python file to the kernel cache folder and compiled by numba with
``cache=True``: a second process, or a second start of the command line, loads it from
disk and compiles nothing. Runs are split over threads (the kernel releases the GIL).
Numbers agree with the ``numpy`` backend to about 1e-15 relative per operation (the
reciprocals and the library's ``exp``/``log`` round differently); failures are reported
by re-running the failing run on the ``numpy`` backend, which names variable, time and run.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from kazind.engine import builtins, resources
from kazind.engine import expr as E
from kazind.engine.codegen import CHUNK, Plan, _Emitter, _state_names, helper_name
from kazind.engine.lower import LookupAt, Ref, SeriesAt, TimeNow, ir_walk

__all__ = [
    "BACKEND_VERSION",
    "available",
    "cache_dir",
    "kernel_source",
    "load_kernel",
    "progress",
]

#: Bumped whenever the generated code's meaning changes (part of every kernel's key).
BACKEND_VERSION = "1"

#: Status codes a kernel writes per run besides -1 (ok) and k >= 0 (the state failed the
#: check after step k): a non-finite stored output, a delay_fixed pipeline over the cap.
OUTPUT_FAILED = -2
PIPELINE_FAILED = -100  # minus the pipeline's index


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


# -- code generation -------------------------------------------------------------------------


class _FusedEmitter(_Emitter):
    """The scalar emitter, with lookups as generated helpers and run-constant divisors
    as reciprocals computed once per run."""

    def __init__(self, constant_slots: set[int]) -> None:
        super().__init__("scalar")
        self.constant_slots = constant_slots
        self.reciprocals: dict[str, str] = {}  # divisor text -> name
        self.use_reciprocals = False

    # Without branches: a condition as a number is a product with 1.0, and/or are bitwise on booleans
    # (both sides computed, as in NumPy), so that the step is one basic block and numba
    # compiles a large model in seconds rather than minutes.
    def value(self, node: Any) -> str:
        if self.is_bool(node):
            return f"({self.emit(node)} * 1.0)"
        return self.emit(node)

    def boolop(self, node: E.BoolOp) -> str:
        op = " & " if node.op == "and" else " | "
        return "(" + op.join(self.cond(v) for v in node.values) + ")"

    def emit(self, node: Any) -> str:
        if isinstance(node, LookupAt):
            return f"_lk{node.index}({self.value(node.arg)})"
        if isinstance(node, E.Not):
            return f"(not {self.cond(node.operand)})"
        return super().emit(node)

    def run_constant(self, node: Any) -> bool:
        """True if ``node`` is the same at every step of a run (numbers, constants, dt,
        auxiliaries of constants)."""
        for n in ir_walk(node):
            if isinstance(n, TimeNow | SeriesAt):
                return False
            if isinstance(n, E.Call) and builtins.get(n.func) and builtins.get(n.func).kind == "time":
                return False
            if isinstance(n, Ref) and n.slot not in self.constant_slots:
                return False
        return True

    def binop(self, node: E.BinOp) -> str:
        if node.op == "**" or not self.use_reciprocals:
            return super().binop(node)
        first, levels = E.spine(node)
        text = self.value(first)
        for i, level in enumerate(levels):
            if i and i % CHUNK == 0:
                text = f"({text})"
            right = level.right
            if level.op == "/" and not isinstance(right, E.Num) and self.run_constant(right):
                divisor = self.value(right)
                name = self.reciprocals.setdefault(divisor, f"rc{len(self.reciprocals)}")
                text += f" * {name}"
            else:
                text += f" {level.op} {self.value(right)}"
        return f"({text})"


def storable_ir(lowered: Any, spec: Any) -> tuple[list[Any], dict[str, list[int]]]:
    """Every value the kernel can store, in order, and each variable's positions in it."""
    items: list[Any] = []
    where: dict[str, list[int]] = {}
    for var in spec.variables:
        if var.kind == "series":
            where[var.name] = [len(items)]
            items.append(SeriesAt(lowered.series.index(var)))
        elif var.kind != "lookup":
            slots = lowered.var_slots[var.name]
            where[var.name] = list(range(len(items), len(items) + len(slots)))
            items += [Ref(s) for s in slots]
    return items, where


def kernel_source(plan: Plan, spec: Any) -> str:
    """Python source of a module defining the numba kernel ``run`` for ``plan``.

    ``plan`` must be the plan of every storable value (see :func:`storable_ir`). The
    kernel's signature is ``run(lo, hi, PS, PR, VARIED, TS, TSM, OUTIDX, O, STATUS,
    n_steps, save_every, t0, dt)``: runs ``lo``..``hi - 1``; ``PS[p]`` the shared value of
    parameter ``p``, overridden by ``PR[b, j]`` for ``p = VARIED[j]``; ``TS[i]``
    the values of series ``i`` on the half-step grid, ``(grid, 1)`` or ``(grid, B)``
    (``TSM[i]`` 0 or 1); ``O[b, i, j]`` receives storable value ``OUTIDX[j]`` at save ``i``;
    ``STATUS[b]`` the run's status.
    """
    low = plan.lowered
    slots = low.slots
    constant = {i for i, s in enumerate(slots) if s.kind == "const"} | set(plan.static)
    em = _FusedEmitter(constant)
    items, _ = storable_ir(low, spec)
    head: list[str] = [
        '"""Generated by kazind.engine.fused: the fused kernel of one model (do not edit)."""',
        "import math",
        "from math import pow as _pow",
        "import numpy as np",
        "import numba",
        "",
        "_njit = numba.njit(cache=False, nogil=True, error_model='numpy')",
    ]
    # helpers of the built-ins whose scalar code is a function
    for name, row in builtins.TABLE.items():
        if callable(row.scalar):
            fn = row.scalar
            head.append(f"from {fn.__module__} import {fn.__qualname__} as _py_{name}")
            head.append(f"{helper_name(name)} = _njit(_py_{name})")
    # lookups: their tables as constants, and one interpolation helper each
    for i, lk in enumerate(low.lookups):
        xs = [float(x) for x in lk.x]
        ys = [float(y) for y in lk.y]
        slopes = [(ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j]) for j in range(len(xs) - 1)] or [0.0]
        head.append(f"_LKX{i} = ({', '.join(map(repr, xs))},)")
        head.append(f"_LKY{i} = ({', '.join(map(repr, ys))},)")
        head.append(f"_LKS{i} = ({', '.join(map(repr, slopes))},)")
        head.append("")
        head.append("@_njit")
        head.append(f"def _lk{i}(x):")
        if len(xs) == 1:
            head.append(f"    return {ys[0]!r}")
            continue
        head.append(f"    if x <= {xs[0]!r}:")
        head.append(f"        return {ys[0]!r}")
        head.append(f"    if x >= {xs[-1]!r}:")
        head.append(f"        return {ys[-1]!r}")
        interior = " + ".join(f"(x >= {x!r})" for x in xs[1:-1]) or "0"
        head.append(f"    j = int({interior})")
        head.append(f"    return _LKS{i}[j] * (x - _LKX{i}[j]) + _LKY{i}[j]")
    head.append("")

    body: list[str] = []
    add = body.append
    add("hdt = dt * 0.5")
    add(f"W = np.empty({max(len(items), 1)})")
    add("n_out = OUTIDX.shape[0]")
    add("n_params = PS.shape[0]")
    add("P = np.empty(n_params + 1)")
    add("n_varied = VARIED.shape[0]")
    add("for b in range(lo, hi):")
    run: list[str] = []
    radd = run.append
    # explicit loops: a slice assignment costs numba seconds of compilation
    radd("for j in range(n_params):")
    radd("    P[j] = PS[j]")
    radd("for j in range(n_varied):")
    radd("    P[VARIED[j]] = PR[b, j]")
    for slot, p in plan.params.items():
        radd(f"v{slot} = P[{p}]")
    for i in range(len(low.series)):
        radd(f"bs{i} = b * TSM[{i}]")
        radd(f"tsv{i} = TS[{i}][0, bs{i}]")
    radd("t = t0")
    radd("k = 0")
    radd("status = -1")
    for s in plan.init_order:
        slot = slots[s]
        if slot.kind in ("stock", "hstock"):
            radd(f"v{s} = {em.value(slot.init)}")
        elif slot.kind == "fixed":
            i = plan.fixed.index(s)
            radd(f"fxq{i} = max({em.value(slot.tau)} / dt, 1.0) + 1e-6")
            radd(f"if not (fxq{i} * 8.0 <= {float(resources.MAX_PIPELINE_BYTES)!r}):")
            radd(f"    STATUS[b] = {PIPELINE_FAILED - i}")
            radd("    continue")
            radd(f"fxn{i} = int(round(fxq{i}))")  # half to even, as np.rint
            radd(f"fxb{i} = np.empty(fxn{i})")
            radd(f"fxi{i} = {em.value(slot.init)}")
            radd(f"for j in range(fxn{i}):")
            radd(f"    fxb{i}[j] = fxi{i}")
            radd(f"v{s} = fxb{i}[0]")
        else:
            radd(f"v{s} = {em.value(slot.expr)}")
    # the step's code is generated before the reciprocals are known; they go here
    marker = len(run)
    em.use_reciprocals = True
    radd(_check(plan, "0", "status = 0"))
    radd("isave = 0")
    radd("okout = 0.0")
    radd("if status < 0:")
    radd("    for k in range(n_steps + 1):")
    loop: list[str] = []
    ladd = loop.append
    ladd("t = t0 + k * dt")
    loop += _stage(plan, em, "2 * k")
    ladd("if k % save_every == 0:")
    for n, ir in enumerate(items):
        ladd(f"    W[{n}] = {em.value(ir)}")
    ladd("    for j in range(n_out):")
    ladd("        x = W[OUTIDX[j]]")
    ladd("        O[b, isave, j] = x")
    ladd("        okout += x * 0.0")
    ladd("    isave += 1")
    ladd("if k == n_steps:")
    ladd("    break")
    loop += _update(plan, em)
    for i, s in enumerate(plan.fixed):
        ladd(f"fxb{i}[k % fxn{i}] = {em.value(slots[s].expr)}")
    ladd(_check(plan, "k + 1", "status = k + 1\nbreak"))
    run += ["        " + line for chunk in loop for line in chunk.split("\n")]
    recips = [f"{name} = 1.0 / {text}" for text, name in em.reciprocals.items()]
    run[marker:marker] = recips
    radd("if status < 0 and okout != 0.0:")
    radd(f"    status = {OUTPUT_FAILED}")
    radd("STATUS[b] = status")
    body += ["    " + line for chunk in run for line in chunk.split("\n")]
    signature = (
        "def run(lo, hi, PS, PR, VARIED, TS, TSM, OUTIDX, O, STATUS, n_steps, save_every, t0, dt):"
    )
    kernel = [
        "@numba.njit(cache=True, nogil=True, error_model='numpy', boundscheck=False)",
        signature,
    ] + ["    " + line for line in body]
    return "\n".join(head + kernel) + "\n"


def _stage(plan: Plan, em: _FusedEmitter, ts_index: str) -> list[str]:
    lines = [f"tsv{i} = TS[{i}][{ts_index}, bs{i}]" for i in range(len(plan.lowered.series))]
    for i, s in enumerate(plan.fixed):
        lines.append(f"v{s} = fxb{i}[k % fxn{i}]")
    for s in plan.loop_order:
        lines.append(f"v{s} = {em.value(plan.lowered.slots[s].expr)}")
    return lines


def _update(plan: Plan, em: _FusedEmitter) -> list[str]:
    slots = plan.lowered.slots
    rates = [(s, em.value(slots[s].expr)) for s, _ in _state_names(plan)]
    if plan.method == "euler":
        return [f"d{s} = {rate}" for s, rate in rates] + [f"v{s} = v{s} + d{s} * dt" for s, _ in rates]
    lines = [f"b{s} = v{s}" for s, _ in rates]
    lines += [f"k1_{s} = {rate}" for s, rate in rates]
    for stage, prev, h, ts in ((2, 1, "hdt", "2 * k + 1"), (3, 2, "hdt", "2 * k + 1"), (4, 3, "dt", "2 * k + 2")):
        lines += [f"v{s} = b{s} + {h} * k{prev}_{s}" for s, _ in rates]
        lines.append(f"t = t0 + k * dt + {h}")
        lines += _stage(plan, em, ts)
        lines += [f"k{stage}_{s} = {rate}" for s, rate in rates]
    lines += [
        f"v{s} = b{s} + dt / 6.0 * (k1_{s} + 2.0 * k2_{s} + 2.0 * k3_{s} + k4_{s})" for s, _ in rates
    ]
    return lines


def _check(plan: Plan, index: str, action: str) -> str:
    """``if <the state is not finite or a non-negative stock is negative>: <action>``."""
    names = [f"v{s}" for s, _ in _state_names(plan)]
    if not names:
        return "pass"
    lines = [f"chk = {names[0]} * 0.0"]
    lines += [f"chk += {n} * 0.0" for n in names[1:]]
    cond = "chk != 0.0"
    nonneg = names[: plan.n_nonneg]
    for n in nonneg:
        cond += f" or {n} < 0.0"
    if len(nonneg) > CHUNK:  # keep the line short: a running test instead
        lines += ["neg = False"] + [f"neg = neg or {n} < 0.0" for n in nonneg]
        cond = "chk != 0.0 or neg"
    return "\n".join(lines + [f"if {cond}:", "    " + action.replace("\n", "\n    ")])


# -- the kernel cache ---------------------------------------------------------------------------

_LOADED: dict[str, Any] = {}
_LOCK = threading.Lock()


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


def load_kernel(source: str, label: str = "", n_series: int = 0) -> Any:
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
        _warm(kernel, n_series)
        if cold:
            try:
                done.write_text(f"{time.perf_counter() - t0:.1f} s\n", encoding="ascii")
            except OSError:
                pass
        _LOADED[key] = kernel
        return kernel


def _warm(kernel: Any, n_series: int) -> None:
    """Compile (or load) ``kernel`` for the argument types every call uses."""
    ts = tuple(np.zeros((1, 1)) for _ in range(max(n_series, 1)))
    kernel(
        0, 0, np.zeros(1), np.zeros((1, 1)), np.zeros(1, np.int64), ts,
        np.zeros(len(ts), np.int64),
        np.zeros(1, np.int64), np.zeros((1, 1, 1)), np.zeros(1, np.int64), 0, 1, 0.0, 1.0,
    )


# -- running ---------------------------------------------------------------------------------

_POOL: ThreadPoolExecutor | None = None


def default_threads() -> int:
    """Threads a batch is split over: ``KAZIND_THREADS``, else the machine's cores."""
    env = os.environ.get("KAZIND_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


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


def call(kernel: Any, batch: int, args: tuple, threads: int) -> None:
    """Run ``kernel`` on runs ``0..batch-1``, split into contiguous ranges over threads."""
    threads = max(1, min(threads, batch // 64 or 1))
    if threads == 1:
        kernel(0, batch, *args)
        return
    edges = np.linspace(0, batch, threads + 1).astype(int)
    futures = [
        _pool(threads).submit(kernel, int(lo), int(hi), *args)
        for lo, hi in zip(edges[:-1], edges[1:], strict=True)
    ]
    for future in futures:
        future.result()
