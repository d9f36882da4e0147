"""The source of the fused backend's numba kernel, generated from a lowered model.

One kernel per model *structure*: the equations, the lookup tables and the method are in
its text; every number that may change from call to call (constants, time series,
schedules, the outputs asked for, the save step) is an argument. Per run the kernel

- reads its parameters: the shared vector ``PS``, the run's row of ``PR`` for the
  parameters that vary by run, and the start value of every scheduled parameter;
- computes the initial values, the auxiliaries that depend only on parameters (the
  "static" block) and the reciprocals of the divisors that are constant over a run,
  once; a division by such a divisor inside the step is a multiplication;
- then each step: the time series, the static block again only where a schedule changes
  a parameter (``CH[i]`` is set: all of the block and the reciprocals, so a scheduled
  parameter costs nothing between its changes), the auxiliaries and flows, the save, the
  Euler or RK4 update, the delay_fixed pipelines and the check of the state;
- the save writes every storable value straight into its column of the output ``O``
  (``POS[n]``; the values not asked for go to a spare last column), so ``O`` is the
  final ``(run, time, output)`` layout; after the run one vectorisable pass checks the
  saved outputs for non-finite values.

The step has as few branches as possible: numba's compile time grows fast with the
number of basic blocks. ``if_then_else`` and ``min``/``max`` are helper calls (inlined),
``and``/``or`` are bitwise on booleans, a boolean as a number is multiplied by 1.0, the
state check is one balanced sum (``x * 0.0`` is 0 for a finite ``x``, NaN otherwise) and
one bitwise ``or`` of the non-negativity tests, and lookups are branch-light (the
segment is a sum of comparisons indexing constant arrays of knots and slopes, the ends
are selects), with NumPy's ``interp`` formula so that they agree with the reference.
A run that fails writes its state into ``FS[b]`` and its status into ``STATUS[b]``.
"""

from __future__ import annotations

from typing import Any

from kazind.engine import builtins, resources
from kazind.engine import expr as E
from kazind.engine.codegen import CHUNK, Plan, _Emitter, _state_names, helper_name
from kazind.engine.lower import LookupAt, Ref, SeriesAt, TimeNow, ir_walk, refs

__all__ = ["OUTPUT_FAILED", "PIPELINE_FAILED", "SIGNATURE", "kernel_source", "storable_ir"]

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
    """One helper per lookup: knots, values and slopes as constant arrays; the segment
    index a sum of comparisons; the clamped ends selects (NaN gives NaN, as np.interp)."""
    out: list[str] = []
    for i, lk in enumerate(lowered.lookups):
        xs = [float(x) for x in lk.x]
        ys = [float(y) for y in lk.y]
        if len(xs) == 1:
            out += ["", "@_njit", f"def _lk{i}(x):", f"    return {ys[0]!r}"]
            continue
        slopes = [(ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j]) for j in range(len(xs) - 1)]
        interior = " + ".join(f"(x >= {x!r})" for x in xs[1:-1]) or "0"
        out += [
            "",
            f"_LKX{i} = np.array([{', '.join(map(repr, xs))}])",
            f"_LKY{i} = np.array([{', '.join(map(repr, ys))}])",
            f"_LKS{i} = np.array([{', '.join(map(repr, slopes))}])",
            "",
            "@_njit",
            f"def _lk{i}(x):",
            f"    j = int({interior})",
            f"    r = _LKS{i}[j] * (x - _LKX{i}[j]) + _LKY{i}[j]",
            f"    r = {ys[-1]!r} if x >= {xs[-1]!r} else r",
            f"    return {ys[0]!r} if x <= {xs[0]!r} else r",
        ]
    return out


_HEAD = '''"""Generated by kazind.engine.fused_source: the fused kernel of one model (do not edit)."""
import math
from math import pow as _pow
import numpy as np
import numba

_njit = numba.njit(cache=False, nogil=True, error_model='numpy')


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

#: Marks where the reciprocals go once the step (which finds them) is generated.
_RECIPROCALS = "#reciprocals#"


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
    items, _ = storable_ir(low, spec)
    head = _HEAD.split("\n")
    for name, row in builtins.TABLE.items():
        if callable(row.scalar):
            fn = row.scalar
            head.append(f"from {fn.__module__} import {fn.__qualname__} as _py_{name}")
            head.append(f"{helper_name(name)} = _njit(_py_{name})")
    head += _lookup_helpers(low)
    head.append("")

    params = [f"v{slot} = P[{p}]" for slot, p in plan.params.items()]
    static = [f"v{s} = {em.value(slots[s].expr)}" for s in plan.static]
    n_series = len(low.series)
    body: list[str] = [
        "hdt = dt * 0.5",
        "n_params = PS.shape[0]",
        "P = np.empty(n_params + 1)",
        "n_varied = VARIED.shape[0]",
        "n_sched = SCHP.shape[0]",
        "n_out = O.shape[2] - 1",
        "for b in range(lo, hi):",
    ]
    run: list[str] = []
    radd = run.append
    # explicit loops: a slice assignment costs numba seconds of compilation
    radd("for j in range(n_params):")
    radd("    P[j] = PS[j]")
    radd("for j in range(n_varied):")
    radd("    P[VARIED[j]] = PR[b, j]")
    radd("for j in range(n_sched):")
    radd("    P[SCHP[j]] = TS[0, SCHC[j] + b * SCHM[j]]")
    run += params
    for i in range(n_series):
        radd(f"tc{i} = TSC[{i}] + b * TSM[{i}]")
        radd(f"tsv{i} = TS[0, tc{i}]")
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
    radd(_RECIPROCALS)
    em.use_reciprocals = True
    change = [
        "for j in range(n_sched):",
        "    P[SCHP[j]] = TS[{idx}, SCHC[j] + b * SCHM[j]]",
        *params,
        *static,
        _RECIPROCALS,
    ]
    radd(_check(plan, "0", "status = 0"))
    radd("isave = 0")
    radd("if status < 0:")
    radd("    for k in range(n_steps + 1):")
    step, save_only = _step_and_save_only(plan)
    loop: list[str] = ["t = t0 + k * dt"]
    loop += _stage(plan, em, "2 * k", change, step)
    loop.append("if k % save_every == 0:")
    loop += [f"    v{s} = {em.value(slots[s].expr)}" for s in save_only]
    loop += [f"    O[b, isave, POS[{n}]] = {em.value(ir)}" for n, ir in enumerate(items)]
    loop += ["    isave += 1", "if k == n_steps:", "    break"]
    loop += _update(plan, em, change, step)
    loop += [f"fxb{i}[k % fxn{i}] = {em.value(slots[s].expr)}" for i, s in enumerate(plan.fixed)]
    loop.append(_check(plan, "k + 1", "status = k + 1\nbreak"))
    run += ["        " + line for chunk in loop for line in chunk.split("\n")]
    radd(f"if status < 0 and not _saves_finite(O, b, isave, n_out):\n    status = {OUTPUT_FAILED}")
    radd("STATUS[b] = status")
    body += ["    " + line for chunk in run for line in chunk.split("\n")]
    recips = [f"{name} = 1.0 / {text}" for text, name in em.reciprocals.items()]
    lines: list[str] = []
    for line in body:
        if line.strip() == _RECIPROCALS:
            indent = line[: len(line) - len(line.lstrip())]
            lines += [indent + r for r in recips]
        else:
            lines.append(line)
    kernel = [
        "@numba.njit(cache=True, nogil=True, error_model='numpy', boundscheck=False)",
        f"def run({', '.join(SIGNATURE)}):",
    ] + ["    " + line for line in lines]
    return "\n".join(head + kernel) + "\n"


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
    plan: Plan, em: _FusedEmitter, ts_index: str, change: list[str], step: list[int]
) -> list[str]:
    """The series at ``ts_index``, the static block again if a schedule changed there,
    the pipelines' outputs and the auxiliaries of the step (``step``)."""
    lines = [f"tsv{i} = TS[{ts_index}, tc{i}]" for i in range(len(plan.lowered.series))]
    lines.append(f"if CH[{ts_index}] != 0:")
    lines += ["    " + line.replace("{idx}", ts_index) for line in change]
    for i, s in enumerate(plan.fixed):
        lines.append(f"v{s} = fxb{i}[k % fxn{i}]")
    for s in step:
        lines.append(f"v{s} = {em.value(plan.lowered.slots[s].expr)}")
    return lines


def _update(plan: Plan, em: _FusedEmitter, change: list[str], step: list[int]) -> list[str]:
    slots = plan.lowered.slots
    rates = [(s, em.value(slots[s].expr)) for s, _ in _state_names(plan)]
    if plan.method == "euler":
        return [f"d{s} = {rate}" for s, rate in rates] + [
            f"v{s} = v{s} + d{s} * dt" for s, _ in rates
        ]
    lines = [f"b{s} = v{s}" for s, _ in rates]
    lines += [f"k1_{s} = {rate}" for s, rate in rates]
    for stage, prev, h, ts in (
        (2, 1, "hdt", "2 * k + 1"),
        (3, 2, "hdt", "2 * k + 1"),
        (4, 3, "dt", "2 * k + 2"),
    ):
        lines += [f"v{s} = b{s} + {h} * k{prev}_{s}" for s, _ in rates]
        lines.append(f"t = t0 + k * dt + {h}")
        lines += _stage(plan, em, ts, change, step)
        lines += [f"k{stage}_{s} = {rate}" for s, rate in rates]
    lines += [
        f"v{s} = b{s} + dt / 6.0 * (k1_{s} + 2.0 * k2_{s} + 2.0 * k3_{s} + k4_{s})"
        for s, _ in rates
    ]
    return lines


def _check(plan: Plan, index: str, action: str) -> str:
    """``if <the state is not finite or a non-negative stock is negative>:`` write the
    state into ``FS[b]``, then ``action``. Non-negativity is tested at every step,
    finiteness every ``check_every`` steps and at the last (a non-finite state stays
    non-finite), as the numpy backend does; the caller re-runs a failed run with
    ``check_every=1`` for the exact step."""
    names = [f"v{s}" for s, _ in _state_names(plan)]
    if not names:
        return "pass"
    lines = [
        "chk = 0.0",
        f"if (({index}) % check_every == 0) | (({index}) == n_steps) | (({index}) == 0):",
        f"    chk = {_balanced([f'{n} * 0.0' for n in names], '+')}",
    ]
    cond = "chk != 0.0"
    nonneg = names[: plan.n_nonneg]
    if nonneg:
        lines.append(f"neg = {_balanced([f'({n} < 0.0)' for n in nonneg], '|')}")
        cond = "(chk != 0.0) | neg"
    dump = [f"FS[b, {row}] = {n}" for row, n in enumerate(names)]
    return "\n".join(
        lines
        + [f"if {cond}:", *("    " + d for d in dump), "    " + action.replace("\n", "\n    ")]
    )
