"""Lowered model -> Python source of one run function, for the ``numpy`` or ``scalar`` backend.

The source is generated from validated IR only: identifiers are generated (``v12`` for
slot 12, ``n3`` for a number), numbers are written with ``repr(float(...))``, and the
only functions called are the ones bound in :data:`NUMPY_NAMESPACE` /
:data:`SCALAR_NAMESPACE`. It is compiled once per model, backend, method and output set.

The generated ``run(S, D, P, TS, LK, FX, O, n_steps, save_every, t0, dt)`` computes the
initial values, then loops over the steps: auxiliaries (those that depend only on
constants are computed once, before the loop), saving, the stock update (Euler or
RK4), the delay_fixed pipelines, and one finiteness / non-negativity check of the
state. It returns ``-1``, or the index of the first time step whose state failed the
check (the caller then finds the culprit). The ``numpy`` backend keeps every slot as
an array over the batch (or a numpy scalar when it does not vary by run), the state as
one ``(n_state, B)`` array; the ``scalar`` backend uses plain floats and :mod:`math`.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kazind.engine import builtins, resources
from kazind.engine import expr as E
from kazind.engine.lower import (
    Dt,
    LookupAt,
    Lowered,
    Ref,
    SeriesAt,
    TimeNow,
    ir_walk,
)

_UFUNC = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div"}
CHUNK = 64  # a chain's terms per bracket level in generated text (compiler limits)


@dataclass
class Plan:
    """What the generated function computes, in which order, and where values live."""

    lowered: Lowered
    method: str
    state_rows: dict[int, int]  # slot -> row of S (non-negative stocks first)
    n_nonneg: int
    params: dict[int, int]  # const slot -> index into P
    init_order: list[int]  # slots computed before the loop, in order
    static: list[int]  # aux-like slots computed once (their init value is final)
    loop_order: list[int]  # aux-like slots computed every step (stage), in order
    fixed: list[int]  # delay_fixed slots, their index in FX is their position here
    outputs: list[Any] = field(default_factory=list)  # IR of each saved value, in O order


class _Emitter:
    """Expression IR -> source text for one backend."""

    def __init__(self, backend: str) -> None:
        self.numpy = backend == "numpy"
        self.numbers: dict[float, str] = {}

    def num(self, value: float) -> str:
        value = float(value)
        if not self.numpy:
            text = repr(value)
            return f"({text})" if value < 0 or text.startswith("-") else text
        key = value if value == value else repr(value)
        if key not in self.numbers:
            self.numbers[key] = f"n{len(self.numbers)}"
        return self.numbers[key]

    def number_lines(self) -> list[str]:
        return [f"{name} = _f64({repr(float(v))})" for v, name in self.numbers.items()]

    @staticmethod
    def is_bool(node: Any) -> bool:
        return isinstance(node, E.Compare | E.BoolOp | E.Not)

    def value(self, node: Any) -> str:
        """``node`` as a number (booleans become 1.0/0.0)."""
        text = self.emit(node)
        if self.is_bool(node):
            return f"({text} * {self.num(1.0)})" if self.numpy else f"(1.0 if {text} else 0.0)"
        return text

    def cond(self, node: Any) -> str:
        """``node`` as a condition: a boolean node as it is, a number compared with 0
        (NumPy's truthiness; the scalar and fused backends then never see a float in
        ``and``/``or``/``not``/``if``)."""
        if self.numpy or self.is_bool(node):
            return self.emit(node)
        return f"({self.value(node)} != 0.0)"

    def emit(self, node: Any) -> str:
        np_ = self.numpy
        if isinstance(node, E.Num):
            return self.num(node.value)
        if isinstance(node, Ref):
            return f"v{node.slot}"
        if isinstance(node, TimeNow):
            return "t"
        if isinstance(node, Dt):
            return "dt"
        if isinstance(node, SeriesAt):
            return f"tsv{node.index}"
        if isinstance(node, LookupAt):
            f = "_interp_np" if np_ else "_interp"
            return f"{f}({self.value(node.arg)}, lkx{node.index}, lky{node.index})"
        if isinstance(node, E.BinOp):
            return self.binop(node)
        if isinstance(node, E.UnaryOp):
            return f"({node.op}{self.value(node.operand)})"
        if isinstance(node, E.Compare):
            return f"({self.value(node.left)} {node.op} {self.value(node.right)})"
        if isinstance(node, E.BoolOp):
            return self.boolop(node)
        if isinstance(node, E.Not):
            return f"_not({self.emit(node.operand)})" if np_ else f"(not {self.cond(node.operand)})"
        if isinstance(node, E.Call):
            return self.call(node)
        raise TypeError(f"cannot emit {node!r}")

    def into(self, node: Any, target: str) -> str:
        """A statement storing ``node`` into the array ``target`` without a temporary."""
        if isinstance(node, E.BinOp) and node.op in _UFUNC:
            left, right = self.value(node.left), self.value(node.right)
            return f"{_UFUNC[node.op]}({left}, {right}, out={target})"
        if isinstance(node, E.UnaryOp) and node.op == "-":
            return f"_neg({self.value(node.operand)}, out={target})"
        return f"{target} = {self.value(node)}"

    def binop(self, node: E.BinOp) -> str:
        if node.op == "**":
            return f"_pow({self.value(node.left)}, {self.value(node.right)})"
        # a chain of one precedence, left to right, in groups of CHUNK terms: the text
        # never nests deeper than len / CHUNK brackets, and the order of operations (so
        # every rounding) is the tree's
        first, levels = E.spine(node)
        text = self.value(first)
        for i, level in enumerate(levels):
            if i and i % CHUNK == 0:
                text = f"({text})"
            text += f" {level.op} {self.value(level.right)}"
        return f"({text})"

    def boolop(self, node: E.BoolOp) -> str:
        parts = [self.cond(v) for v in node.values]
        if not self.numpy:
            return "(" + f" {node.op} ".join(parts) + ")"
        return f"{'_and_n' if node.op == 'and' else '_or_n'}({', '.join(parts)})"

    def call(self, node: E.Call) -> str:
        """A built-in's call from its table row: its template, or its helper by name."""
        row = builtins.get(node.func)
        if row is None or row.kind not in ("pure", "time"):
            raise TypeError(f"cannot emit a call of {node.func!r}")
        args = [
            self.cond(a) if i in row.conditions else self.value(a) for i, a in enumerate(node.args)
        ]
        return call_text(row, self.numpy, args, "t", "hdt")


def call_text(row: builtins.Builtin, numpy: bool, args: list[str], t: str, hdt: str) -> str:
    """Source text of a call of built-in ``row`` on ``args`` (texts), NumPy or scalar code."""
    code = row.numpy if numpy else row.scalar
    if isinstance(code, str):
        return "(" + code.format(*args, t=t, hdt=hdt) + ")"
    if row.kind == "time":
        args = [t, hdt, *args]
    return f"{helper_name(row.name)}({', '.join(args)})"


def helper_name(name: str) -> str:
    """The generated name a built-in's helper function is bound to."""
    return f"_b_{name}"


def builtin_namespace(numpy: bool) -> dict[str, Any]:
    """The helpers of every built-in whose code (NumPy or scalar) is a function."""
    out: dict[str, Any] = {}
    for name, row in builtins.TABLE.items():
        code = row.numpy if numpy else row.scalar
        if callable(code):
            out[helper_name(name)] = code
    return out


def generate(plan: Plan, backend: str) -> str:
    """Python source defining ``run(...)`` for ``plan`` and ``backend``."""
    em = _Emitter(backend)
    numpy = backend == "numpy"
    low = plan.lowered
    slots = low.slots
    body: list[str] = []
    add = body.append

    for slot, p in plan.params.items():
        add(f"v{slot} = P[{p}]")
    for i in range(len(low.lookups)):
        add(f"lkx{i}, lky{i} = LK[{i}]")
    for i in range(len(low.series)):
        add(f"ts{i} = TS[{i}]")
        add(f"tsv{i} = ts{i}[0]")
    add("hdt = dt * 0.5")
    add("t = _f64(t0)" if numpy else "t = t0")
    add("k = 0")
    # initial values
    for s in plan.init_order:
        slot = slots[s]
        if slot.kind in ("stock", "hstock"):
            add(f"v{s} = {em.value(slot.init)}")
        elif slot.kind == "fixed":
            add(
                f"FX[{plan.fixed.index(s)}] = _Pipe({em.value(slot.tau)}, {em.value(slot.init)}, "
                f"dt, {plan.fixed.index(s)})"
            )
            add(f"v{s} = FX[{plan.fixed.index(s)}].read(0)")
        else:
            add(f"v{s} = {em.value(slot.expr)}")
    for s, row in plan.state_rows.items():
        add(f"S[{row}] = v{s}")
    for i in range(len(plan.fixed)):
        add(f"fx{i} = FX[{i}]")
    add(_check(plan, numpy, "0"))
    add("isave = 0")
    if not numpy:
        add("rec = O.append")
    add("for k in range(n_steps + 1):")
    loop: list[str] = []
    ladd = loop.append
    ladd("t = _f64(t0 + k * dt)" if numpy else "t = t0 + k * dt")
    stage = _stage_lines(plan, em, numpy, "S" if numpy else None, "2 * k")
    loop += stage
    # saving
    ladd("if k % save_every == 0:")
    if numpy:
        for j, out in enumerate(plan.outputs):
            loop.append(f"    O[{j}, isave] = {em.value(out)}")
    else:
        loop.append("    rec((" + "".join(f"{em.value(o)}, " for o in plan.outputs) + "))")
    loop.append("    isave += 1")
    ladd("if k == n_steps:")
    ladd("    break")
    loop += _update_lines(plan, em, numpy)
    for i, s in enumerate(plan.fixed):
        ladd(f"fx{i}.write(k, {em.value(slots[s].expr)})")
    ladd(_check(plan, numpy, "k + 1"))
    body += ["    " + line for line in loop]
    add("return -1")

    head = ["def run(S, D, P, TS, LK, FX, O, n_steps, save_every, t0, dt, check_every):"]
    numbers = em.number_lines() if numpy else []
    return "\n".join(head + ["    " + line for line in numbers + body]) + "\n"


def _state_names(plan: Plan) -> list[tuple[int, int]]:
    return sorted(plan.state_rows.items(), key=lambda item: item[1])


def _stage_lines(
    plan: Plan, em: _Emitter, numpy: bool, state: str | None, ts_index: str
) -> list[str]:
    """Bind stocks, series and delay outputs, then compute the per-step auxiliaries."""
    lines = []
    if numpy and state is not None:
        lines += [f"v{s} = {state}[{row}]" for s, row in _state_names(plan)]
    for i in range(len(plan.lowered.series)):
        lines.append(f"tsv{i} = ts{i}[{ts_index}]")
    for i, s in enumerate(plan.fixed):
        lines.append(f"v{s} = fx{i}.read(k)")
    for s in plan.loop_order:
        lines.append(f"v{s} = {em.value(plan.lowered.slots[s].expr)}")
    return lines


def _rates(plan: Plan, em: _Emitter) -> list[tuple[int, int, str]]:
    slots = plan.lowered.slots
    return [(s, row, em.value(slots[s].expr)) for s, row in _state_names(plan)]


def _update_lines(plan: Plan, em: _Emitter, numpy: bool) -> list[str]:
    rates = _rates(plan, em)
    lines: list[str] = []
    if plan.method == "euler":
        if numpy:
            slots = plan.lowered.slots
            lines += [em.into(slots[s].expr, f"D[{row}]") for s, row in _state_names(plan)]
            lines += ["_mul(D, dt, out=D)", "_add(S, D, out=S)"]
        else:
            lines += [f"d{s} = {rate}" for s, _, rate in rates]
            lines += [f"v{s} = v{s} + d{s} * dt" for s, _, _ in rates]
        return lines
    # classic RK4: stage 1 is the block already computed at (t, S)
    if numpy:
        lines.append("K1 = _empty_like(S)")
        lines += [f"K1[{row}] = {rate}" for _, row, rate in rates]
        for name, prev, h, ts in (
            ("K2", "K1", "hdt", "2 * k + 1"),
            ("K3", "K2", "hdt", "2 * k + 1"),
            ("K4", "K3", "dt", "2 * k + 2"),
        ):
            lines.append(f"Sx = S + {h} * {prev}")
            lines.append(f"t = _f64(t0 + k * dt + {h})")
            lines += _stage_lines(plan, em, True, "Sx", ts)
            lines.append(f"{name} = _empty_like(S)")
            lines += [f"{name}[{row}] = {rate}" for _, row, rate in rates]
        lines.append("_add(S, dt / 6.0 * (K1 + 2.0 * K2 + 2.0 * K3 + K4), out=S)")
        return lines
    lines += [f"b{s} = v{s}" for s, _, _ in rates]
    lines += [f"k1_{s} = {rate}" for s, _, rate in rates]
    for stage, prev, h, ts in (
        (2, 1, "hdt", "2 * k + 1"),
        (3, 2, "hdt", "2 * k + 1"),
        (4, 3, "dt", "2 * k + 2"),
    ):
        lines += [f"v{s} = b{s} + {h} * k{prev}_{s}" for s, _, _ in rates]
        lines.append(f"t = t0 + k * dt + {h}")
        lines += _stage_lines(plan, em, False, None, ts)
        lines += [f"k{stage}_{s} = {rate}" for s, _, rate in rates]
    lines += [
        f"v{s} = b{s} + dt / 6.0 * (k1_{s} + 2.0 * k2_{s} + 2.0 * k3_{s} + k4_{s})"
        for s, _, _ in rates
    ]
    return lines


def _check(plan: Plan, numpy: bool, index: str) -> str:
    """One line that returns ``index`` if the state is not finite or a stock is negative.

    The numpy backend tests finiteness only every ``check_every`` steps and at the end
    (non-finite values never become finite again), non-negativity at every step; the
    caller re-runs a failed run with ``check_every=1`` to find the exact step.
    """
    if numpy:
        cond = f"(k % check_every == 0 or {index} == n_steps) and not _isfinite(S).all()"
        if plan.n_nonneg:
            cond += f" or S[:{plan.n_nonneg}].min() < 0.0"
        return f"if {cond}: return {index}"
    names = [f"v{s}" for s, _ in _state_names(plan)]
    if not names:
        return "pass"
    cond = "(" + " + ".join(f"{n} * 0.0" for n in names) + ") != 0.0"
    nonneg = names[: plan.n_nonneg]
    if nonneg:
        cond += " or " + " or ".join(f"{n} < 0.0" for n in nonneg)
    return f"if {cond}: return {index}"


# -- runtime helpers the generated code may call ------------------------------------------


class PipelineTooLong(Exception):
    """A delay_fixed pipeline would need more than the memory cap (the caller names it)."""

    def __init__(self, index: int, steps: float, runs: int) -> None:
        super().__init__(index, steps, runs)
        self.index = index
        self.steps = int(steps) if np.isfinite(steps) else 0
        self.runs = runs
        self.nbytes = steps * runs * 8 if np.isfinite(steps) else float("inf")


class _Pipe:
    """A delay_fixed pipeline: ``round(tau / dt)`` slots (at least 1), filled with ``init``.

    ``read(k)`` is the value at step ``k`` (the input of step ``k - order``, or ``init``);
    ``write(k, x)`` stores step ``k``'s input. With a per-run ``tau`` each run has its own
    length.
    """

    def __init__(self, tau: Any, init: Any, dt: float, index: int = 0) -> None:
        order = np.rint(np.maximum(np.asarray(tau, dtype=float) / dt, 1.0) + 1e-6)
        runs = 1 if order.ndim == 0 else order.shape[0]
        longest = float(np.max(order)) if order.size else 1.0
        if not longest * runs * 8 <= resources.MAX_PIPELINE_BYTES:  # also catches inf, nan
            raise PipelineTooLong(index, longest, runs)
        if order.ndim == 0:
            self.vector = False
            self.order = int(order)
            self.buf = [_copy(init)] * self.order
        else:
            self.vector = True
            self.order = order.astype(np.int64)
            self.runs = np.arange(order.shape[0])
            self.buf = np.empty((int(self.order.max()), order.shape[0]))
            self.buf[:] = init

    def read(self, k: int) -> Any:
        if self.vector:
            return self.buf[k % self.order, self.runs]
        return self.buf[k % self.order]

    def write(self, k: int, x: Any) -> None:
        if self.vector:
            self.buf[k % self.order, self.runs] = x
        else:
            self.buf[k % self.order] = _copy(x)


def _and_n(*values: Any) -> Any:
    """``a and b and ...`` on arrays, left to right (np.logical_and of each in turn)."""
    out = values[0]
    for value in values[1:]:
        out = np.logical_and(out, value)
    return out


def _or_n(*values: Any) -> Any:
    out = values[0]
    for value in values[1:]:
        out = np.logical_or(out, value)
    return out


def _copy(x: Any) -> Any:
    return x.copy() if isinstance(x, np.ndarray) else x


def _interp(x: float, xs: list[float], ys: list[float]) -> float:
    """Linear interpolation clamped at the ends, like ``np.interp`` (same formula)."""
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    j = bisect.bisect_right(xs, x) - 1
    slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
    return slope * (x - xs[j]) + ys[j]


try:  # the C function behind np.interp, without its Python wrapper (~2 us a call)
    from numpy._core.multiarray import interp as _np_interp
except ImportError:  # pragma: no cover - other numpy layouts
    _np_interp = np.interp


NUMPY_NAMESPACE: dict[str, Any] = {
    "np": np,
    "math": math,
    "_f64": np.float64,
    "_pow": np.power,
    "_and_n": _and_n,
    "_or_n": _or_n,
    "_not": np.logical_not,
    "_interp_np": _np_interp,
    "_sum": sum,
    "_mul": np.multiply,
    "_add": np.add,
    "_sub": np.subtract,
    "_div": np.divide,
    "_neg": np.negative,
    "_isfinite": np.isfinite,
    "_empty_like": np.empty_like,
    "_Pipe": _Pipe,
}

SCALAR_NAMESPACE: dict[str, Any] = {
    "np": np,
    "math": math,
    "_f64": float,
    "_pow": math.pow,
    "_interp": _interp,
    "_sum": sum,
    "_Pipe": _Pipe,
}


def compile_source(source: str, backend: str) -> Any:
    """Compile generated ``source`` and return its ``run`` function."""
    numpy = backend == "numpy"
    namespace = dict(NUMPY_NAMESPACE if numpy else SCALAR_NAMESPACE)
    namespace.update(builtin_namespace(numpy))
    code = compile(source, f"<kazind.engine generated {backend}>", "exec")
    exec(code, namespace)  # noqa: S102 - generated from validated IR, never user text
    return namespace["run"]


def uses(node: Any, kinds: tuple[type, ...]) -> bool:
    """True if the IR tree contains a node of one of ``kinds`` or a time built-in."""
    timed = builtins.of_kind("time")
    for n in ir_walk(node):
        if isinstance(n, kinds):
            return True
        if isinstance(n, E.Call) and n.func in timed:
            return True
    return False
