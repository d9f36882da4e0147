"""The source of the fused backend's numba kernel, generated from a lowered model.

One kernel per model *structure*: the equations, the lookup tables and the method are in
its text; every number that may change from call to call (constants, time series,
schedules, the outputs asked for, the save step) is an argument.

**Lanes.** The kernel takes the runs :data:`LANES` at a time (a *block* of lanes) and
keeps every value of a block in one scratch array ``X``: the value of slot ``s`` of
lane ``l`` at ``X[row(s) * LANES + l]`` (rows for the slots, the series, the reciprocals,
the rates). A step is a sequence of calls of small generated functions, each a loop
over the lanes around a group of at most :data:`BLOCK` equations in evaluation order:
it loads what it reads from ``X``, computes, and stores what it computed. The loop over
lanes is straight-line arithmetic over contiguous rows, which LLVM vectorises (AVX2 /
AVX-512: 4-8 runs per instruction); the same operations in the same order as one run
alone, so every lane gives the bits the run gives alone. Small functions also keep
LLVM's passes, whose cost grows faster than the size of a function, fast: the full
model's step is 15 functions instead of one of about 3,000 statements.

Per block of lanes the kernel

- reads its parameters: the shared vector ``PS``, the run's row of ``PR`` for the
  parameters that vary by run, and the start value of every scheduled parameter;
- computes the initial values, the auxiliaries that depend only on parameters (the
  "static" block) and the reciprocals of the divisors that are constant over a run,
  once; a division by such a divisor inside the step is a multiplication;
- then each step: the time series, the static block again only where a schedule changes
  a parameter (``CH[i]`` is set), the auxiliaries the rates need, at a save step the
  auxiliaries only stored and the copy of each storable value asked for into its column
  of the output ``O`` (``POS[n]``; the others have the spare last column and are not
  copied), so ``O`` is the final ``(run, time, output)`` layout; the Euler or RK4 update, the
  delay_fixed pipelines and the check of the state;
- after the run one pass checks each run's saved outputs for non-finite values.

The check of the state: a non-negative stock's sign is tested at every step (a flag per
lane), finiteness every ``check_every`` steps and at the last (a non-finite state stays
non-finite); a lane that fails keeps running (its values are not used) and writes its
state at the failing check into ``FS[b]`` and the step into ``STATUS[b]``; the caller
re-runs a failed run with ``check_every=1`` for the exact step. ``if_then_else``,
``min``/``max`` and lookups are helpers without branches after inlining (selects), so
the lane loop vectorises; lookups use NumPy's ``interp`` formula on the segment chosen by
a chain of selects, so that they agree with the reference.
"""

from __future__ import annotations

import re
from typing import Any

from kazind.engine import builtins, resources
from kazind.engine import expr as E
from kazind.engine.codegen import CHUNK, Plan, _Emitter, _state_names, helper_name
from kazind.engine.lower import LookupAt, Ref, SeriesAt, TimeNow, ir_walk, refs

__all__ = [
    "BLOCK",
    "LANES",
    "OUTPUT_FAILED",
    "PIPELINE_FAILED",
    "SIGNATURE",
    "kernel_source",
    "storable_ir",
]

#: Runs computed side by side in one block (the vector loop's trip count at most).
LANES = 16
#: Equations per generated lane function at most (compile time grows fast with a
#: function's size; a call per group and step costs nothing against 16 runs' work).
BLOCK = 48

#: Status codes a kernel writes per run besides -1 (ok) and k >= 0 (the state failed the
#: check after step k): a non-finite stored output, a delay_fixed pipeline over the cap.
OUTPUT_FAILED = -2
PIPELINE_FAILED = -100  # minus the pipeline's index

#: The kernel's arguments, in order (see :func:`kernel_source`).
SIGNATURE = (
    "lo",
    "hi",
    "PS",
    "PR",
    "VARIED",
    "TS",
    "TSC",
    "TSM",
    "SCHP",
    "SCHC",
    "SCHM",
    "CH",
    "POS",
    "O",
    "STATUS",
    "FS",
    "n_steps",
    "save_every",
    "t0",
    "dt",
    "check_every",
)


class _FusedEmitter(_Emitter):
    """The scalar emitter, with lookups as generated helpers and run-constant divisors
    as reciprocals computed once per run (and again where a schedule changes them)."""

    def __init__(self, constant_slots: set[int]) -> None:
        super().__init__("scalar")
        self.constant_slots = constant_slots
        self.reciprocals: dict[str, str] = {}  # divisor text -> name
        self.use_reciprocals = False

    # Without branches: a condition as a number is a product with 1.0, and/or are bitwise
    # on booleans (both sides computed, as in NumPy), so that the step is one basic block.
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
        """True if ``node`` changes only where a parameter does (numbers, parameters,
        dt, auxiliaries of parameters)."""
        for n in ir_walk(node):
            if isinstance(n, TimeNow | SeriesAt):
                return False
            if (
                isinstance(n, E.Call)
                and builtins.get(n.func)
                and builtins.get(n.func).kind == "time"
            ):
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
    series = {v.name: i for i, v in enumerate(lowered.series)}
    for var in spec.variables:
        if var.kind == "series":
            where[var.name] = [len(items)]
            items.append(SeriesAt(series[var.name]))
        elif var.kind != "lookup":
            slots = lowered.var_slots[var.name]
            where[var.name] = list(range(len(items), len(items) + len(slots)))
            items += [Ref(s) for s in slots]
    return items, where


def _balanced(terms: list[str], op: str) -> str:
    """``terms`` joined by ``op`` as a balanced tree (short dependency chains, shallow text)."""
    while len(terms) > 1:
        terms = [
            f"({terms[j]} {op} {terms[j + 1]})" if j + 1 < len(terms) else terms[j]
            for j in range(0, len(terms), 2)
        ]
    return terms[0]


def _lookup_helpers(lowered: Any) -> list[str]:
    """One helper per lookup: the segment's knot, value and slope chosen by a chain of
    selects (no memory access, so the lane loop vectorises), NumPy's ``interp`` formula on
    it, the clamped ends selects (NaN gives NaN, as np.interp)."""
    out: list[str] = []
    for i, lk in enumerate(lowered.lookups):
        xs = [float(x) for x in lk.x]
        ys = [float(y) for y in lk.y]
        if len(xs) == 1:
            out += ["", "@_njit", f"def _lk{i}(x):", f"    return {ys[0]!r}"]
            continue
        slopes = [(ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j]) for j in range(len(xs) - 1)]
        out += ["", "@_njit", f"def _lk{i}(x):", f"    xk = {xs[0]!r}", f"    yk = {ys[0]!r}"]
        out.append(f"    sk = {slopes[0]!r}")
        for j in range(1, len(xs) - 1):
            out += [
                f"    c = x >= {xs[j]!r}",
                f"    xk = {xs[j]!r} if c else xk",
                f"    yk = {ys[j]!r} if c else yk",
                f"    sk = {slopes[j]!r} if c else sk",
            ]
        out += [
            "    r = sk * (x - xk) + yk",
            f"    r = {ys[-1]!r} if x >= {xs[-1]!r} else r",
            f"    return {ys[0]!r} if x <= {xs[0]!r} else r",
        ]
    return out


_HEAD = '''"""Generated by kazind.engine.fused_source: the fused kernel of one model (do not edit)."""
import math
from math import pow as _pow
import numpy as np
import numba

_njit = numba.njit(cache=False, nogil=True, error_model='numpy', boundscheck=False)


@_njit
def _saves_finite(O, b, n_save, n_out):
    """True when every saved output of run b is finite (8 independent sums: no long chain)."""
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
    for i in range(n_save):
        j = 0
        while j + 8 <= n_out:
            a0 += O[b, i, j] * 0.0
            a1 += O[b, i, j + 1] * 0.0
            a2 += O[b, i, j + 2] * 0.0
            a3 += O[b, i, j + 3] * 0.0
            a4 += O[b, i, j + 4] * 0.0
            a5 += O[b, i, j + 5] * 0.0
            a6 += O[b, i, j + 6] * 0.0
            a7 += O[b, i, j + 7] * 0.0
            j += 8
        while j < n_out:
            a0 += O[b, i, j] * 0.0
            j += 1
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) == 0.0
'''

#: The generated names a lane function may read from ``X`` (every other name in an
#: expression is a helper, a module or one of the function's arguments).
_NAME = re.compile(r"\b(?:v|tsv|rc|d|b|k[1-4]_|fxt|fxi|fxw|ck)\d+\b")


#: Marks where the reciprocals' calls go once the step (which finds them) is generated.
_RECIPROCALS = "#reciprocals#"


class _Lanes:
    """The rows of ``X`` and the generated lane functions of one kernel."""

    def __init__(self) -> None:
        self.rows: dict[str, int] = {}
        self.functions: list[str] = []

    def row(self, name: str) -> int:
        return self.rows.setdefault(name, len(self.rows))

    def at(self, name: str) -> str:
        """``X``'s element of ``name`` in lane ``l`` (the row's offset a literal)."""
        return f"X[{self.row(name) * LANES} + l]"

    def calls(self, statements: list[tuple[str, str]], label: str) -> list[str]:
        """Lane functions computing ``statements`` (``(name, expression)`` in order), in
        groups of :data:`BLOCK`; the kernel's lines that call them."""
        lines = []
        for start in range(0, len(statements), BLOCK):
            group = statements[start : start + BLOCK]
            name = f"_{label}{len(self.functions)}"
            defined: dict[str, None] = {}
            loads: dict[str, None] = {}
            body = []
            for target, text in group:
                for ref in _NAME.findall(text):
                    if ref not in defined:
                        loads[ref] = None
                body.append(f"        {target} = {text}")
                defined[target] = None
            fn = ["", "", "@_njit", f"def {name}(X, n, t, hdt, dt):", "    for l in range(n):"]
            fn += [f"        {ref} = {self.at(ref)}" for ref in loads]
            fn += body
            fn += [f"        {self.at(target)} = {target}" for target in defined]
            self.functions.append("\n".join(fn))
            lines.append(f"{name}(X, n, t, hdt, dt)")
        return lines


def _array(name: str, values: list[int]) -> str:
    return f"{name} = np.array([{', '.join(map(str, values))}], dtype=np.int64)"


def kernel_source(plan: Plan, spec: Any) -> str:
    """Python source of a module defining the numba kernel ``run`` for ``plan``.

    ``plan`` must be the plan of every storable value (see :func:`storable_ir`). The
    arguments (:data:`SIGNATURE`): runs ``lo``..``hi - 1``; ``PS[p]`` the shared value of
    parameter ``p``, overridden by ``PR[b, j]`` for ``p = VARIED[j]``; ``TS[i, c]`` the
    tables on the half-step grid, series ``s`` in column ``TSC[s] + b * TSM[s]``; scheduled
    parameter ``SCHP[j]`` in column ``SCHC[j] + b * SCHM[j]``; ``CH[i]`` nonzero where a
    scheduled value changes at grid point ``i``; ``O[b, i, POS[n]]`` receives storable value
    ``n`` at save ``i`` (the last column of ``O`` takes the values not asked for);
    ``STATUS[b]`` the run's status, ``FS[b, r]`` its state where it failed.
    """
    low = plan.lowered
    slots = low.slots
    constant = {i for i, s in enumerate(slots) if s.kind == "const"} | set(plan.static)
    em = _FusedEmitter(constant)
    lanes = _Lanes()
    items, _ = storable_ir(low, spec)
    head = _HEAD.split("\n")
    for name, row in builtins.TABLE.items():
        if callable(row.scalar):
            fn = row.scalar
            head.append(f"from {fn.__module__} import {fn.__qualname__} as _py_{name}")
            head.append(f"{helper_name(name)} = _njit(_py_{name})")
    head += _lookup_helpers(low)
    head.append("")

    n_series = len(low.series)
    states = [f"v{s}" for s, _ in _state_names(plan)]
    n_params = len(plan.params)
    param_rows = [0] * n_params
    for slot, p in plan.params.items():
        param_rows[p] = lanes.row(f"v{slot}")
    series_rows = [lanes.row(f"tsv{i}") for i in range(n_series)]
    state_rows = [lanes.row(name) for name in states]

    # -- initial values (plain divisions, as before the loop of every backend) -------------
    init: list[str] = []
    pending: list[tuple[str, str]] = []

    def flush() -> None:
        init.extend(lanes.calls(pending, "i"))
        pending.clear()

    for s in plan.init_order:
        slot = slots[s]
        if slot.kind in ("stock", "hstock"):
            pending.append((f"v{s}", em.value(slot.init)))
        elif slot.kind == "fixed":
            i = plan.fixed.index(s)
            pending += [(f"fxt{i}", em.value(slot.tau)), (f"fxi{i}", em.value(slot.init))]
            flush()
            init += _pipeline_start(lanes, i, s)
        else:
            pending.append((f"v{s}", em.value(slot.expr)))
    flush()
    static = lanes.calls([(f"v{s}", em.value(slots[s].expr)) for s in plan.static], "s")

    # -- the step (divisions by run constants as products with reciprocals) ----------------
    em.use_reciprocals = True
    step, save_only = _step_and_save_only(plan)
    step_calls = lanes.calls([(f"v{s}", em.value(slots[s].expr)) for s in step], "a")
    save_calls = lanes.calls([(f"v{s}", em.value(slots[s].expr)) for s in save_only], "o")
    item_rows = [
        lanes.row(f"tsv{ir.index}" if isinstance(ir, SeriesAt) else f"v{ir.slot}") for ir in items
    ]
    update = _update(plan, em, lanes, static, step_calls)
    writes = _pipeline_writes(plan, em, lanes)
    recips = lanes.calls([(name, f"1.0 / {text}") for text, name in em.reciprocals.items()], "r")
    neg = _negative_flags(lanes, states[: plan.n_nonneg])

    body = [
        "hdt = dt * 0.5",
        "n_varied = VARIED.shape[0]",
        "n_sched = SCHP.shape[0]",
        "n_out = O.shape[2] - 1",
        f"X = np.zeros({len(lanes.rows) + 1} * {LANES})",
        f"P = np.empty({n_params + 1})",
        f"LS = np.empty({LANES}, dtype=np.int64)",
        f"NG = np.zeros({LANES})",
        f"TC = np.zeros(({n_series + 1}, {LANES}), dtype=np.int64)",
        f"FXN = np.ones(({len(plan.fixed) + 1}, {LANES}), dtype=np.int64)",
        # the storable values asked for (the others would go to the spare column)
        f"WANT = np.empty({len(items) + 1}, dtype=np.int64)",
        "n_want = 0",
        f"for m in range({len(items)}):",
        "    if POS[m] < n_out:",
        "        WANT[n_want] = m",
        "        n_want += 1",
        f"for b0 in range(lo, hi, {LANES}):",
        f"    n = min({LANES}, hi - b0)",
        "    t = t0",
        "    k = 0",
        "    for l in range(n):",
        "        b = b0 + l",
        f"        for j in range({n_params}):",
        "            P[j] = PS[j]",
        "        for j in range(n_varied):",
        "            P[VARIED[j]] = PR[b, j]",
        "        for j in range(n_sched):",
        "            P[SCHP[j]] = TS[0, SCHC[j] + b * SCHM[j]]",
        f"        for j in range({n_params}):",
        f"            X[_PROW[j] * {LANES} + l] = P[j]",
        f"        for i in range({n_series}):",
        "            TC[i, l] = TSC[i] + b * TSM[i]",
        f"            X[_SROW[i] * {LANES} + l] = TS[0, TC[i, l]]",
        "        LS[l] = -1",
        "        NG[l] = 0.0",
    ]
    run = [*init, _RECIPROCALS, "_check(X, LS, NG, FS, b0, n, 0)", "isave = 0"]
    run += ["next_save = 0", "next_check = check_every"]
    run.append("for k in range(n_steps + 1):")
    loop = ["t = t0 + k * dt"]
    loop += _stage(plan, lanes, "2 * k", static, step_calls)
    loop.append("if k == next_save:")
    loop += ["    " + line for line in save_calls]
    loop += [
        "    for l in range(n):",
        "        for j in range(n_want):",
        "            m = WANT[j]",
        f"            O[b0 + l, isave, POS[m]] = X[_IROW[m] * {LANES} + l]",
        "    isave += 1",
        "    next_save += save_every",
        "if k == n_steps:",
        "    break",
    ]
    loop += update
    loop += writes
    loop += neg
    loop += [
        "if (k + 1 == next_check) | (k + 1 == n_steps):",
        "    _check(X, LS, NG, FS, b0, n, k + 1)",
        "    next_check += check_every if k + 1 == next_check else 0",
    ]
    run += ["    " + line for line in loop]
    run += [
        "for l in range(n):",
        "    status = LS[l]",
        "    if status < 0 and not _saves_finite(O, b0 + l, isave, n_out):",
        f"        status = {OUTPUT_FAILED}",
        "    STATUS[b0 + l] = status",
    ]
    body += ["    " + line for line in run]
    lines: list[str] = []
    for line in body:
        if line.strip() == _RECIPROCALS:
            indent = line[: len(line) - len(line.lstrip())]
            lines += [indent + call for call in recips] or [indent + "pass"]
        else:
            lines.append(line)
    check_fn = _check_function(lanes, states, plan.n_nonneg)
    module = [
        *head,
        _array("_PROW", param_rows),
        _array("_SROW", series_rows),
        _array("_XROW", state_rows),
        _array("_IROW", item_rows),
        *lanes.functions,
        "",
        "",
        *check_fn,
        "",
        "",
        # the kernel alone is cached on disk (with all it calls): the disk cache of issue 14
        "@numba.njit(cache=True, nogil=True, error_model='numpy', boundscheck=False)",
        f"def run({', '.join(SIGNATURE)}):",
        *("    " + line for line in lines),
    ]
    return "\n".join(module) + "\n"


def _check_function(lanes: _Lanes, states: list[str], n_nonneg: int) -> list[str]:
    """``_check``: a lane function (vectorised) sums ``x * 0.0`` over the state (0 when it
    is finite, NaN otherwise) plus 1 where a non-negative stock is negative; then each live
    lane whose sum or flag of a negative value since the last check is not 0 gets its
    status and state written."""
    if not states:
        return ["@_njit", "def _check(X, LS, NG, FS, b0, n, kk):", "    return"]
    test = _balanced([f"{name} * 0.0" for name in states], "+")
    if n_nonneg:
        test += " + " + _balanced([f"({name} < 0.0)" for name in states[:n_nonneg]], "|")
        test += " * 1.0"
    (call,) = lanes.calls([("ck0", test)], "c")
    function = call.split("(")[0]
    return [
        "@_njit",
        "def _check(X, LS, NG, FS, b0, n, kk):",
        f"    {function}(X, n, 0.0, 0.0, 0.0)",
        "    for l in range(n):",
        f"        if LS[l] == -1 and (({lanes.at('ck0')} != 0.0) | (NG[l] != 0.0)):",
        "            LS[l] = kk",
        f"            for r in range({len(states)}):",
        f"                FS[b0 + l, r] = X[_XROW[r] * {LANES} + l]",
    ]


def _negative_flags(lanes: _Lanes, names: list[str]) -> list[str]:
    """A lane function setting each lane's flag when a non-negative stock is negative
    (called after every update: the sign is tested at every step)."""
    if not names:
        return []
    name = f"_n{len(lanes.functions)}"
    test = _balanced([f"({lanes.at(n)} < 0.0)" for n in names], "|")
    lanes.functions.append(
        "\n".join(
            [
                "",
                "",
                "@_njit",
                f"def {name}(X, NG, n):",
                "    for l in range(n):",
                f"        NG[l] = NG[l] + ({test}) * 1.0",
            ]
        )
    )
    return [f"{name}(X, NG, n)"]


def _pipeline_start(lanes: _Lanes, i: int, s: int) -> list[str]:
    """The kernel's lines that size and fill pipeline ``i`` of every lane (``fxt``: its
    delay, ``fxi``: its initial value, both in ``X``) and set its output ``v{s}``."""
    cap = float(resources.MAX_PIPELINE_BYTES)
    return [
        "cap = 1",
        "for l in range(n):",
        f"    q = max({lanes.at(f'fxt{i}')} / dt, 1.0) + 1e-6",
        f"    if not (q * 8.0 <= {cap!r}):",
        "        if LS[l] == -1:",
        f"            LS[l] = {PIPELINE_FAILED - i}",
        f"        FXN[{i}, l] = 1",
        "    else:",
        f"        FXN[{i}, l] = int(round(q))",  # half to even, as np.rint
        f"    cap = max(cap, FXN[{i}, l])",
        f"fxb{i} = np.empty(({LANES}, cap))",
        "for l in range(n):",
        f"    for j in range(FXN[{i}, l]):",
        f"        fxb{i}[l, j] = {lanes.at(f'fxi{i}')}",
        f"    {lanes.at(f'v{s}')} = fxb{i}[l, 0]",
    ]


def _pipeline_writes(plan: Plan, em: _FusedEmitter, lanes: _Lanes) -> list[str]:
    """After the update: each pipeline's input (the state already updated, the
    auxiliaries of the step, as every backend does) into its ring buffer."""
    slots = plan.lowered.slots
    lines = lanes.calls(
        [(f"fxw{i}", em.value(slots[s].expr)) for i, s in enumerate(plan.fixed)], "w"
    )
    for i in range(len(plan.fixed)):
        lines += [
            "for l in range(n):",
            f"    fxb{i}[l, k % FXN[{i}, l]] = {lanes.at(f'fxw{i}')}",
        ]
    return lines


def _step_and_save_only(plan: Plan) -> tuple[list[int], list[int]]:
    """The per-step auxiliaries split into those the state's rates and the pipelines need
    (computed every step) and those only stored (computed at the saves only)."""
    slots = plan.lowered.slots
    loop = set(plan.loop_order)
    todo = [r for s in [*plan.state_rows, *plan.fixed] for r in refs(slots[s].expr)]
    needed: set[int] = set()
    while todo:
        i = todo.pop()
        if i in loop and i not in needed:
            needed.add(i)
            todo += refs(slots[i].expr)
    return [s for s in plan.loop_order if s in needed], [
        s for s in plan.loop_order if s not in needed
    ]


def _stage(
    plan: Plan, lanes: _Lanes, ts_index: str, static: list[str], step: list[str]
) -> list[str]:
    """The kernel's lines of one stage: the series at ``ts_index``, the scheduled
    parameters, the static block and the reciprocals again if a schedule changed there,
    the pipelines' outputs and the auxiliaries of the step (``step``: the calls)."""
    lines = []
    if plan.lowered.series:
        lines += [
            f"for i in range({len(plan.lowered.series)}):",
            "    for l in range(n):",
            f"        X[_SROW[i] * {LANES} + l] = TS[{ts_index}, TC[i, l]]",
        ]
    lines += [
        f"if CH[{ts_index}] != 0:",
        "    for l in range(n):",
        "        b = b0 + l",
        "        for j in range(n_sched):",
        f"            X[_PROW[SCHP[j]] * {LANES} + l] = TS[{ts_index}, SCHC[j] + b * SCHM[j]]",
        *("    " + line for line in static),
        "    " + _RECIPROCALS,
    ]
    for i, s in enumerate(plan.fixed):
        lines += [
            "for l in range(n):",
            f"    {lanes.at(f'v{s}')} = fxb{i}[l, k % FXN[{i}, l]]",
        ]
    return lines + step


def _update(
    plan: Plan, em: _FusedEmitter, lanes: _Lanes, static: list[str], step: list[str]
) -> list[str]:
    """The kernel's lines of the state's update (Euler or RK4) through lane functions."""
    slots = plan.lowered.slots
    rates = [(s, em.value(slots[s].expr)) for s, _ in _state_names(plan)]
    if plan.method == "euler":
        lines = lanes.calls([(f"d{s}", rate) for s, rate in rates], "e")
        return lines + lanes.calls([(f"v{s}", f"v{s} + d{s} * dt") for s, _ in rates], "u")
    lines = lanes.calls([(f"b{s}", f"v{s}") for s, _ in rates], "u")
    lines += lanes.calls([(f"k1_{s}", rate) for s, rate in rates], "e")
    for stage, prev, h, ts in (
        (2, 1, "hdt", "2 * k + 1"),
        (3, 2, "hdt", "2 * k + 1"),
        (4, 3, "dt", "2 * k + 2"),
    ):
        lines += lanes.calls([(f"v{s}", f"b{s} + {h} * k{prev}_{s}") for s, _ in rates], "u")
        lines.append(f"t = t0 + k * dt + {h}")
        lines += _stage(plan, lanes, ts, static, step)
        lines += lanes.calls([(f"k{stage}_{s}", rate) for s, rate in rates], "e")
    lines += lanes.calls(
        [
            (f"v{s}", f"b{s} + dt / 6.0 * (k1_{s} + 2.0 * k2_{s} + 2.0 * k3_{s} + k4_{s})")
            for s, _ in rates
        ],
        "u",
    )
    return lines
