"""The built-in functions of equations: one table, a row per built-in, and their runtime helpers.

Every part of the engine that needs to know about a built-in reads it from :data:`TABLE`
(at the time of use, so that a copy of the table with one more row is enough to add a
built-in; a test does exactly that):

- the parser (:mod:`kazind.engine.expr`) takes the arity;
- lowering (:mod:`kazind.engine.lower`) takes the kind: ``pure`` and ``time`` built-ins
  stay calls, a ``stateful`` one becomes hidden stocks by its ``lowering`` rule, and a
  ``reduce`` one (``sum``) is expanded over a dimension;
- code generation (:mod:`kazind.engine.codegen`, :mod:`kazind.engine.fused`) takes the
  NumPy code (the ``numpy`` backend, whole arrays of runs) and the scalar code (the
  ``scalar`` backend and the fused kernel, one float per run);
- the unit checker (:mod:`kazind.engine.units`) takes the unit rule (a function not in
  the table is an error there, never silently dimensionless);
- the exporters (:mod:`kazind.engine.export.vensim`, :mod:`kazind.engine.export.xmile`) take the name
  in Vensim and in XMILE, or a function that prints the call.

Code is either a template or a function. A template is Python text with ``{0}``,
``{1}``, ... for the arguments (each used once, so nothing is evaluated twice) and, for
``time`` built-ins, ``{t}`` and ``{hdt}`` (the current time and half a step); it may use
``np`` (NumPy) and ``math`` (the call is bracketed as a whole). A function is called with the arguments (a ``time``
built-in's with ``t, hdt`` first). Scalar functions must be plain Python on floats that
numba can compile too (they are module-level functions here). Arguments listed in
``conditions`` are passed as booleans (the condition of ``if_then_else``), the others as
numbers. The table's style follows PySD's ``functionspace``
(``pysd/builders/python/python_functions.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

__all__ = [
    "KINDS",
    "dimensionless_argument",
    "matching_units",
    "same_unit",
    "TABLE",
    "Builtin",
    "arity",
    "get",
    "is_builtin",
    "names",
    "of_kind",
]

Kind = Literal["pure", "time", "stateful", "reduce"]
KINDS: tuple[str, ...] = ("pure", "time", "stateful", "reduce")

#: Code: a template (text) or a function (see the module docstring).
Code = str | Callable[..., Any] | None
#: A unit rule: ``rule(checker, node, units) -> unit``; ``units`` are the inferred units of
#: the arguments (None for a pure number). The checker offers ``time`` (the time unit),
#: ``dimless``, ``need(node, got, want)``, ``match(node, a, b)``, ``literal(node)``.
UnitRule = Callable[[Any, Any, list[Any]], Any]
#: Export: a name (same arguments), a name per number of arguments, or a printer
#: ``fn(printer, node, ctx) -> str``.
Export = str | dict[int, str] | Callable[..., str] | None


@dataclass(frozen=True)
class Builtin:
    """One built-in function: everything the engine needs to know about it."""

    name: str
    arity: tuple[int, int]
    kind: Kind
    units: UnitRule
    vensim: Export
    xmile: Export
    doc: str
    numpy: Code = None
    scalar: Code = None
    conditions: tuple[int, ...] = ()
    lowering: str | None = None  # stateful: the rule in kazind.engine.lower; reduce: "sum"

    def problems(self) -> list[str]:
        """What is missing or inconsistent in this row (empty when complete)."""
        out = []
        low, high = self.arity
        if not (0 <= low <= high):
            out.append(f"arity {self.arity} is not (min, max)")
        if self.kind not in KINDS:
            out.append(f"kind {self.kind!r} is not one of {KINDS}")
        if self.kind in ("pure", "time"):
            for field in ("numpy", "scalar"):
                code = getattr(self, field)
                if code is None:
                    out.append(f"no {field} code")
                elif isinstance(code, str):
                    out += _template_problems(code, high, self.kind == "time", field)
            if callable(self.scalar) and "<locals>" in getattr(self.scalar, "__qualname__", ""):
                out.append("scalar code must be a module-level function (numba compiles it)")
        elif self.lowering is None:
            out.append(f"a {self.kind} built-in needs a lowering rule")
        if not callable(self.units):
            out.append("no unit rule")
        for field in ("vensim", "xmile"):
            if getattr(self, field) is None:
                out.append(f"no {field} name")
        if not self.doc.strip():
            out.append("no doc")
        return out


def _template_problems(code: str, n_args: int, timed: bool, field: str) -> list[str]:
    out = []
    for i in range(n_args):
        if code.count("{" + str(i) + "}") != 1:
            out.append(f"{field} template must use {{{i}}} exactly once")
    if timed and "{t}" not in code:
        out.append(f"{field} template of a time built-in must use {{t}}")
    return out


# -- unit rules ----------------------------------------------------------------------------


def same_unit(ck: Any, node: Any, units: list[Any]) -> Any:
    """The unit of the (only) argument."""
    return units[0]


def matching_units(ck: Any, node: Any, units: list[Any]) -> Any:
    """Two arguments of one unit; the result has it."""
    return ck.match(node, units[0], units[1])


def dimensionless_argument(ck: Any, node: Any, units: list[Any]) -> Any:
    """A dimensionless argument, a dimensionless result."""
    ck.need(node.args[0], units[0], ck.dimless)
    return ck.dimless


def _u_sqrt(ck: Any, node: Any, units: list[Any]) -> Any:
    return None if units[0] is None else units[0] ** 0.5


def _u_if(ck: Any, node: Any, units: list[Any]) -> Any:
    return ck.match(node, units[1], units[2])


def _quotient(ck: Any, units: list[Any]) -> Any:
    if units[0] is None and units[1] is None:
        return None
    return (units[0] or ck.dimless) / (units[1] or ck.dimless)


def _u_zidz(ck: Any, node: Any, units: list[Any]) -> Any:
    return _quotient(ck, units)


def _u_xidz(ck: Any, node: Any, units: list[Any]) -> Any:
    return ck.match(node, _quotient(ck, units), units[2])


def _times(ck: Any, node: Any, units: list[Any], positions: tuple[int, ...]) -> None:
    for i in positions:
        ck.need(node.args[i], units[i], ck.time)


def _u_step(ck: Any, node: Any, units: list[Any]) -> Any:
    _times(ck, node, units, (1,))
    return units[0]


def _u_ramp(ck: Any, node: Any, units: list[Any]) -> Any:
    _times(ck, node, units, (1, 2))
    return None if units[0] is None else units[0] * ck.time


def _u_pulse(ck: Any, node: Any, units: list[Any]) -> Any:
    _times(ck, node, units, (0, 1))
    return ck.dimless


def _u_stateful(ck: Any, node: Any, units: list[Any]) -> Any:
    """``f(x, tau[, init])``: ``tau`` a time, ``init`` like ``x``; the result like ``x``."""
    _times(ck, node, units, (1,))
    if len(units) == 3:
        return ck.match(node, units[0], units[2])
    return units[0]


def _u_sum(ck: Any, node: Any, units: list[Any]) -> Any:
    return units[0]


# -- runtime helpers: NumPy (arrays over the runs) ------------------------------------------


def zidz_np(a: Any, b: Any) -> Any:
    """``a / b``, 0 where ``b == 0``."""
    out = np.zeros(np.broadcast_shapes(np.shape(a), np.shape(b)))
    np.divide(a, b, out=out, where=np.not_equal(b, 0.0))
    return out


def xidz_np(a: Any, b: Any, x: Any) -> Any:
    """``a / b``, ``x`` where ``b == 0``."""
    out = np.empty(np.broadcast_shapes(np.shape(a), np.shape(b), np.shape(x)))
    out[...] = x
    np.divide(a, b, out=out, where=np.not_equal(b, 0.0))
    return out


def step_np(t: Any, hdt: Any, height: Any, t0: Any) -> Any:
    return np.where(t + hdt > t0, height, 0.0)


def pulse_np(t: Any, hdt: Any, t0: Any, width: Any) -> Any:
    return np.where((t + hdt > t0) & (t + hdt <= t0 + width), 1.0, 0.0)


def ramp_np(t: Any, hdt: Any, slope: Any, t0: Any, t1: Any) -> Any:
    return slope * (np.minimum(np.maximum(t, t0), t1) - t0)


# -- runtime helpers: scalar (one float; the scalar backend and the fused kernel) ------------
# Each is self-contained (numba compiles it alone: it must not call another helper).
# NaN behaves as in NumPy (np.minimum and np.maximum propagate it), so that the scalar and
# fused backends agree with the reference backend where a NaN does not stop the run.


def ite(cond: bool, a: float, b: float) -> float:
    """``if_then_else``: both values computed (as in NumPy); a function, not an
    expression, so that the fused kernel has no branch in its step."""
    return a if cond else b


def fmin(a: float, b: float) -> float:
    return a if (a <= b or a != a) else b


def fmax(a: float, b: float) -> float:
    return a if (a >= b or a != a) else b


def zidz(a: float, b: float) -> float:
    return a / b if b != 0.0 else 0.0


def xidz(a: float, b: float, x: float) -> float:
    return a / b if b != 0.0 else x


def step(t: float, hdt: float, height: float, t0: float) -> float:
    return height if t + hdt > t0 else 0.0


def pulse(t: float, hdt: float, t0: float, width: float) -> float:
    return 1.0 if (t + hdt > t0 and t + hdt <= t0 + width) else 0.0


def ramp(t: float, hdt: float, slope: float, t0: float, t1: float) -> float:
    # min(max(t, t0), t1) as NumPy computes it (NaN propagates); written out, since a
    # helper numba compiles may not call another Python function
    low = t if (t >= t0 or t != t) else t0
    high = low if (low <= t1 or low != low) else t1
    return slope * (high - t0)


def ln(x: float) -> float:
    """``math.log`` with NumPy's answers outside its domain (nan, -inf) instead of an error."""
    if x > 0.0:
        return math.log(x)
    if x == 0.0:
        return -math.inf
    return math.nan


def sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0.0 else math.nan


# -- export printers for calls that are not a plain rename ----------------------------------


def _vensim_sum(printer: Any, node: Any, ctx: Any) -> str:
    arg, inner = printer.sum_context(node, ctx)
    return f"SUM({printer.print(arg, inner)})"


def _xmile_if(printer: Any, node: Any, ctx: Any) -> str:
    cond, yes, no = printer.args(node, ctx)
    return f"(IF {cond} THEN {yes} ELSE {no})"


def _xmile_ramp(printer: Any, node: Any, ctx: Any) -> str:
    # XMILE's RAMP has no end time: the same arithmetic as two ramps.
    slope, start, end = printer.args(node, ctx)
    return f"(RAMP({slope}, {start}) - RAMP({slope}, {end}))"


def _xmile_pulse(printer: Any, node: Any, ctx: Any) -> str:
    # XMILE's PULSE is a volume pulse of magnitude / DT for one step, not a unit pulse.
    start, width = (printer.print_operand(a, ctx) for a in node.args)
    return f"(IF (TIME >= {start}) AND (TIME < {start} + {width}) THEN 1 ELSE 0)"


# -- the table --------------------------------------------------------------------------------


def _row(**kw: Any) -> tuple[str, Builtin]:
    return kw["name"], Builtin(**kw)


TABLE: dict[str, Builtin] = dict(
    [
        _row(
            name="min",
            arity=(2, 2),
            kind="pure",
            numpy=np.minimum,
            scalar=fmin,
            units=matching_units,
            vensim="MIN",
            xmile="MIN",
            doc="the smaller of a and b",
        ),
        _row(
            name="max",
            arity=(2, 2),
            kind="pure",
            numpy=np.maximum,
            scalar=fmax,
            units=matching_units,
            vensim="MAX",
            xmile="MAX",
            doc="the larger of a and b",
        ),
        _row(
            name="abs",
            arity=(1, 1),
            kind="pure",
            numpy=np.absolute,
            scalar="abs({0})",
            units=same_unit,
            vensim="ABS",
            xmile="ABS",
            doc="absolute value",
        ),
        _row(
            name="exp",
            arity=(1, 1),
            kind="pure",
            numpy=np.exp,
            scalar="math.exp({0})",
            units=dimensionless_argument,
            vensim="EXP",
            xmile="EXP",
            doc="e to the power x (x dimensionless)",
        ),
        _row(
            name="ln",
            arity=(1, 1),
            kind="pure",
            numpy=np.log,
            scalar=ln,
            units=dimensionless_argument,
            vensim="LN",
            xmile="LN",
            doc="natural logarithm (x dimensionless)",
        ),
        _row(
            name="sqrt",
            arity=(1, 1),
            kind="pure",
            numpy=np.sqrt,
            scalar=sqrt,
            units=_u_sqrt,
            vensim="SQRT",
            xmile="SQRT",
            doc="square root",
        ),
        _row(
            name="if_then_else",
            arity=(3, 3),
            kind="pure",
            numpy="np.where({0}, {1}, {2})",
            scalar=ite,
            conditions=(0,),
            units=_u_if,
            vensim="IF THEN ELSE",
            xmile=_xmile_if,
            doc="a where cond is true, else b",
        ),
        _row(
            name="zidz",
            arity=(2, 2),
            kind="pure",
            numpy=zidz_np,
            scalar=zidz,
            units=_u_zidz,
            vensim="ZIDZ",
            xmile="SAFEDIV",
            doc="a / b, 0 where b == 0",
        ),
        _row(
            name="xidz",
            arity=(3, 3),
            kind="pure",
            numpy=xidz_np,
            scalar=xidz,
            units=_u_xidz,
            vensim="XIDZ",
            xmile="SAFEDIV",
            doc="a / b, x where b == 0",
        ),
        _row(
            name="step",
            arity=(2, 2),
            kind="time",
            numpy=step_np,
            scalar=step,
            units=_u_step,
            vensim="STEP",
            xmile="STEP",
            doc="0 before t0, height from t0 on",
        ),
        _row(
            name="ramp",
            arity=(3, 3),
            kind="time",
            numpy=ramp_np,
            scalar=ramp,
            units=_u_ramp,
            vensim="RAMP",
            xmile=_xmile_ramp,
            doc="0 before t0, rising by slope per time unit until t1, then flat",
        ),
        _row(
            name="pulse",
            arity=(2, 2),
            kind="time",
            numpy=pulse_np,
            scalar=pulse,
            units=_u_pulse,
            vensim="PULSE",
            xmile=_xmile_pulse,
            doc="1 for t0 <= time < t0 + width, else 0",
        ),
        _row(
            name="smooth",
            arity=(2, 3),
            kind="stateful",
            lowering="smooth1",
            units=_u_stateful,
            vensim={2: "SMOOTH", 3: "SMOOTHI"},
            xmile="SMTH1",
            doc="first-order exponential smooth",
        ),
        _row(
            name="smooth3",
            arity=(2, 3),
            kind="stateful",
            lowering="smooth3",
            units=_u_stateful,
            vensim={2: "SMOOTH3", 3: "SMOOTH3I"},
            xmile="SMTH3",
            doc="third-order smooth",
        ),
        _row(
            name="delay1",
            arity=(2, 3),
            kind="stateful",
            lowering="delay1",
            units=_u_stateful,
            vensim={2: "DELAY1", 3: "DELAY1I"},
            xmile="DELAY1",
            doc="first-order material delay",
        ),
        _row(
            name="delay3",
            arity=(2, 3),
            kind="stateful",
            lowering="delay3",
            units=_u_stateful,
            vensim={2: "DELAY3", 3: "DELAY3I"},
            xmile="DELAY3",
            doc="third-order material delay",
        ),
        _row(
            name="delay_fixed",
            arity=(3, 3),
            kind="stateful",
            lowering="pipeline",
            units=_u_stateful,
            vensim="DELAY FIXED",
            xmile="DELAY",
            doc="pipeline delay: x of tau time ago, init before",
        ),
        _row(
            name="sum",
            arity=(2, 2),
            kind="reduce",
            lowering="sum",
            units=_u_sum,
            vensim=_vensim_sum,
            xmile=_vensim_sum,
            doc="sum of x over a dimension",
        ),
    ]
)


# -- lookups ------------------------------------------------------------------------------------
# Read the module attribute at call time, so that replacing TABLE (with a copy and one more
# row) changes what every part of the engine sees.


def get(name: str) -> Builtin | None:
    """The row of built-in ``name``, or None."""
    return TABLE.get(name)


def is_builtin(name: str) -> bool:
    return name in TABLE


def names() -> list[str]:
    """Every built-in's name, in table order."""
    return list(TABLE)


def arity(name: str) -> tuple[int, int]:
    return TABLE[name].arity


def of_kind(*kinds: str) -> frozenset[str]:
    """Names of the built-ins of the given kinds."""
    return frozenset(n for n, b in TABLE.items() if b.kind in kinds)
