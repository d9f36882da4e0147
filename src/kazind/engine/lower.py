"""Lowering: spec equations -> one scalar equation per element ("slot").

Every element of every constant, stock, flow and auxiliary becomes a slot, so that
arrays, per-element equations, subscripts and ``sum`` are resolved here once and the
code generators only ever see scalar arithmetic. While resolving, names, arity,
subscripts and dimensions are checked; errors name the variable, the offending part
and the equation.

Stateful built-ins are replaced by hidden slots (per element, so they work on arrayed
arguments), with Vensim's semantics:

- ``smooth(x, tau[, init])``: a hidden stock ``S`` (initial ``init``, default ``x``),
  ``dS/dt = (x - S) / tau``; the value is ``S``.
- ``smooth3``: three such stocks in a chain, each with ``tau / 3``; the value is the last.
- ``delay1(x, tau[, init])``: a hidden stock ``L`` (initial ``init * tau``, default
  ``x * tau``), ``dL/dt = x - L / tau``; the value is ``L / tau``.
- ``delay3``: three stages of ``tau / 3``; the value is ``L3 / (tau / 3)``.
- ``delay_fixed(x, tau, init)``: a pipeline of ``round(tau / dt)`` steps (at least 1),
  ``tau`` and ``init`` read at the start; the value is ``x`` of ``tau`` ago, ``init`` before.

Their arguments, when not plain references, become hidden auxiliaries, so that the
dependency graph sees that a smooth's value does not depend on its input.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from kazind.engine import builtins
from kazind.engine import expr as E
from kazind.engine.errors import EngineError
from kazind.engine.params import did_you_mean
from kazind.engine.spec import (
    Aux,
    Constant,
    Flow,
    Lookup,
    ModelSpec,
    Stock,
    TimeSeries,
)


# -- IR leaves (the inner nodes are expr's BinOp, UnaryOp, Compare, BoolOp, Not, Call) --------
@dataclass(frozen=True, slots=True)
class Ref:
    """The value of slot ``slot``."""

    slot: int


@dataclass(frozen=True, slots=True)
class TimeNow:
    """The current time."""


@dataclass(frozen=True, slots=True)
class Dt:
    """The time step."""


@dataclass(frozen=True, slots=True)
class SeriesAt:
    """Time series number ``index`` at the current time."""

    index: int


@dataclass(frozen=True, slots=True)
class LookupAt:
    """Lookup number ``index`` applied to ``arg``."""

    index: int
    arg: Any


#: Built-ins that read ``time`` implicitly (their value changes from step to step); kept
#: for callers of the first version: the engine asks :mod:`kazind.engine.builtins`.
TIME_FUNCS = builtins.of_kind("time")


@dataclass
class Slot:
    """One scalar value of the model.

    ``kind`` is ``const``, ``stock``, ``aux`` (flows too), ``hstock`` (hidden stock of a
    smooth or delay), ``haux`` (hidden auxiliary) or ``fixed`` (a delay_fixed output).
    For ``aux``/``haux`` ``expr`` is the equation; for stocks ``expr`` is the net rate and
    ``init`` the initial value; for ``fixed``, ``expr`` is the input, ``tau`` the delay
    and ``init`` the initial value.
    """

    kind: str
    var: str
    element: tuple[str, ...] = ()
    note: str = ""
    expr: Any = None
    init: Any = None
    tau: Any = None
    non_negative: bool = False

    @property
    def label(self) -> str:
        """``var`` or ``var[e1,e2]``, for messages."""
        return f"{self.var}[{','.join(self.element)}]" if self.element else self.var


@dataclass
class Lowered:
    """All slots of a model, plus the lookup and series tables."""

    slots: list[Slot] = field(default_factory=list)
    var_slots: dict[str, list[int]] = field(default_factory=dict)
    lookups: list[Lookup] = field(default_factory=list)
    series: list[TimeSeries] = field(default_factory=list)


def children(node: Any) -> tuple:
    """Child IR nodes (expr nodes, plus a lookup's argument)."""
    if isinstance(node, LookupAt):
        return (node.arg,)
    if isinstance(node, E.Node):
        return E.children(node)
    return ()


def ir_walk(node: Any):
    """All IR nodes of a tree, parents first."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(children(current))


def refs(node: Any) -> set[int]:
    """Slots an IR tree reads."""
    return {n.slot for n in ir_walk(node) if isinstance(n, Ref)} if node is not None else set()


def lower(spec: ModelSpec, trees: dict[str, dict[str, tuple[E.Node, str]]]) -> Lowered:
    """Lower all equations of ``spec``.

    ``trees`` maps each stock, flow and auxiliary to ``{key: (tree, text)}``, where the key
    is ``""`` for one equation for all elements, else an element name or ``"*"``.
    """
    return _Lowerer(spec, trees).run()


class _Lowerer:
    def __init__(self, spec: ModelSpec, trees: dict) -> None:
        self.spec = spec
        self.trees = trees
        self.vars = {v.name: v for v in spec.variables}
        self.out = Lowered()
        self.lookup_index: dict[str, int] = {}
        self.series_index: dict[str, int] = {}
        self.var = ""
        self.text = ""
        self.element: tuple[str, ...] = ()

    # -- set-up ------------------------------------------------------------------------
    def elements(self, var: Any) -> list[tuple[str, ...]]:
        return list(itertools.product(*(self.spec.dimensions[d] for d in var.dims)))

    def add(self, slot: Slot) -> int:
        self.out.slots.append(slot)
        return len(self.out.slots) - 1

    def run(self) -> Lowered:
        kinds = {Constant: "const", Stock: "stock", Flow: "aux", Aux: "aux"}
        for var in self.spec.variables:
            if isinstance(var, Lookup):
                self.lookup_index[var.name] = len(self.out.lookups)
                self.out.lookups.append(var)
            elif isinstance(var, TimeSeries):
                self.series_index[var.name] = len(self.out.series)
                self.out.series.append(var)
            else:
                kind = kinds[type(var)]
                nn = isinstance(var, Stock) and var.non_negative
                self.out.var_slots[var.name] = [
                    self.add(Slot(kind, var.name, el, non_negative=nn)) for el in self.elements(var)
                ]
        for var in self.spec.variables:
            if isinstance(var, Stock | Flow | Aux):
                self.lower_var(var)
        return self.out

    def lower_var(self, var: Any) -> None:
        """Resolve the equation (or initial value) of each element of ``var``."""
        per_key = self.trees[var.name]
        elements = self.elements(var)
        for flat, (slot_id, el) in enumerate(
            zip(self.out.var_slots[var.name], elements, strict=True)
        ):
            ctx = dict(zip(var.dims, el, strict=True))
            key = "" if "" in per_key else (el[0] if el[0] in per_key else "*")
            tree, self.text = per_key[key]
            self.var, self.element = var.name, el
            slot = self.out.slots[slot_id]
            if isinstance(var, Stock):
                slot.init = self.resolve(tree, ctx, stateful=False)
                rate: Any = None
                signed = [(f, "+") for f in var.inflows] + [(f, "-") for f in var.outflows]
                for name, sign in signed:
                    ref = Ref(self.out.var_slots[name][flat])
                    if rate is None:
                        rate = ref if sign == "+" else E.UnaryOp("-", ref)
                    else:
                        rate = E.BinOp(sign, rate, ref)
                slot.expr = rate if rate is not None else E.Num(0.0)
            else:
                slot.expr = self.resolve(tree, ctx, stateful=True)

    # -- errors ------------------------------------------------------------------------
    def fail(self, message: str, node: Any = None) -> EngineError:
        part = f"'{E.to_text(node)}'" if isinstance(node, E.Node) else ""
        where_el = f"[{','.join(self.element)}]" if self.element else ""
        text = f" in {self.text!r}" if self.text else ""
        if part:
            message = f"{message}: {part}{text}"
        else:
            message = f"{message}{text}"
        return EngineError(message, where=f"variable {self.var!r}{where_el}")

    def suggest(self, name: str, candidates: list[str]) -> str:
        return did_you_mean(name, candidates)

    # -- resolution --------------------------------------------------------------------
    def resolve(self, node: E.Node, ctx: dict[str, str], stateful: bool) -> Any:
        r = self.resolve
        if isinstance(node, E.Num):
            return node
        if isinstance(node, E.Name):
            return self.name(node, ctx)
        if isinstance(node, E.Subscript):
            return self.subscript(node, ctx)
        if isinstance(node, E.BinOp) and node.op in E.CHAIN_GROUP:
            first, levels = E.spine(node)
            out = r(first, ctx, stateful)
            for level in levels:
                out = E.BinOp(level.op, out, r(level.right, ctx, stateful))
            return out
        if isinstance(node, E.BinOp):
            return E.BinOp(node.op, r(node.left, ctx, stateful), r(node.right, ctx, stateful))
        if isinstance(node, E.UnaryOp):
            return E.UnaryOp(node.op, r(node.operand, ctx, stateful))
        if isinstance(node, E.Compare):
            return E.Compare(node.op, r(node.left, ctx, stateful), r(node.right, ctx, stateful))
        if isinstance(node, E.BoolOp):
            return E.BoolOp(node.op, tuple(r(v, ctx, stateful) for v in node.values))
        if isinstance(node, E.Not):
            return E.Not(r(node.operand, ctx, stateful))
        if isinstance(node, E.Call):
            return self.call(node, ctx, stateful)
        raise self.fail(f"unexpected node {type(node).__name__}", None)

    def name(self, node: E.Name, ctx: dict[str, str]) -> Any:
        if node.id == "time":
            return TimeNow()
        if node.id == "dt":
            return Dt()
        var = self.vars.get(node.id)
        if var is None:
            if node.id in self.spec.dimensions:
                raise self.fail(
                    f"dimension {node.id!r} can only be used as the second argument of sum", node
                )
            if builtins.is_builtin(node.id):
                raise self.fail(f"built-in {node.id!r} must be called", node)
            known = list(self.vars) + ["time", "dt"]
            raise self.fail(f"unknown name {node.id!r}{self.suggest(node.id, known)}", node)
        if isinstance(var, Lookup):
            raise self.fail(f"lookup {node.id!r} must be called: {node.id}(x)", node)
        if isinstance(var, TimeSeries):
            return SeriesAt(self.series_index[var.name])
        index = []
        for dim in var.dims:
            if dim not in ctx:
                raise self.fail(
                    f"{node.id!r} is arrayed over {dim!r} but this equation is not; "
                    f"use {node.id}[...] with an element, or sum({node.id}, {dim})",
                    node,
                )
            index.append(ctx[dim])
        return self.ref(var, tuple(index))

    def ref(self, var: Any, element: tuple[str, ...]) -> Ref:
        flat = 0
        for dim, el in zip(var.dims, element, strict=True):
            elems = self.spec.dimensions[dim]
            flat = flat * len(elems) + elems.index(el)
        return Ref(self.out.var_slots[var.name][flat])

    def subscript(self, node: E.Subscript, ctx: dict[str, str]) -> Any:
        var = self.vars.get(node.name)
        if var is None:
            raise self.fail(
                f"unknown name {node.name!r}{self.suggest(node.name, list(self.vars))}", node
            )
        if isinstance(var, Lookup | TimeSeries) or not var.dims:
            raise self.fail(f"{node.name!r} is not arrayed and cannot be subscripted", node)
        if len(node.elements) != len(var.dims):
            raise self.fail(
                f"{node.name!r} has {len(var.dims)} dimension(s) {var.dims}, "
                f"the subscript gives {len(node.elements)}",
                node,
            )
        index = []
        for dim, item in zip(var.dims, node.elements, strict=True):
            elems = self.spec.dimensions[dim]
            if item == dim:
                if dim not in ctx:
                    raise self.fail(
                        f"{item!r} stands for 'the same element', but this equation is "
                        f"not arrayed over {dim!r}",
                        node,
                    )
                index.append(ctx[dim])
            elif item in elems:
                index.append(item)
            else:
                raise self.fail(
                    f"{item!r} is not an element of {dim!r}{self.suggest(item, elems + [dim])}",
                    node,
                )
        return self.ref(var, tuple(index))

    def call(self, node: E.Call, ctx: dict[str, str], stateful: bool) -> Any:
        func, args = node.func, node.args
        row = builtins.get(func)
        if row is not None and row.kind == "reduce":
            return self.sum(node, ctx, stateful)
        if row is not None and row.kind == "stateful":
            if not stateful:
                raise self.fail(f"{func}() is not allowed in an initial value", node)
            return self.stateful(node, ctx, row.lowering)
        if row is not None:
            return E.Call(func, tuple(self.resolve(a, ctx, stateful) for a in args))
        var = self.vars.get(func)
        if isinstance(var, Lookup):
            if len(args) != 1:
                raise self.fail(f"lookup {func!r} takes 1 argument, got {len(args)}", node)
            return LookupAt(self.lookup_index[func], self.resolve(args[0], ctx, stateful))
        if var is not None:
            raise self.fail(f"{func!r} is a {var.kind}, not a built-in or lookup", node)
        known = builtins.names() + list(self.lookup_index)
        raise self.fail(f"unknown function {func!r}{self.suggest(func, known)}", node)

    def sum(self, node: E.Call, ctx: dict[str, str], stateful: bool) -> Any:
        body, dim_node = node.args
        if not isinstance(dim_node, E.Name) or dim_node.id not in self.spec.dimensions:
            dims = list(self.spec.dimensions)
            extra = self.suggest(dim_node.id, dims) if isinstance(dim_node, E.Name) else ""
            raise self.fail(f"the second argument of sum must be a dimension{extra}", node)
        dim = dim_node.id
        if dim in ctx:
            raise self.fail(f"sum over {dim!r} inside an equation arrayed over {dim!r}", node)
        total: Any = None
        for el in self.spec.dimensions[dim]:
            term = self.resolve(body, {**ctx, dim: el}, stateful)
            total = term if total is None else E.BinOp("+", total, term)
        return total

    # -- stateful built-ins --------------------------------------------------------------
    def hidden_aux(self, value: Any, note: str) -> Any:
        """``value`` as something cheap to reference: itself if a leaf, else a hidden aux."""
        if isinstance(value, Ref | E.Num | TimeNow | Dt | SeriesAt):
            return value
        return Ref(self.add(Slot("haux", self.var, self.element, note, expr=value)))

    def hidden_stock(self, note: str, init: Any) -> int:
        return self.add(Slot("hstock", self.var, self.element, note, init=init))

    def stateful(self, node: E.Call, ctx: dict[str, str], rule: str | None) -> Any:
        """Lower a stateful built-in by its table row's ``lowering`` rule."""
        if rule not in STATEFUL_RULES:
            raise self.fail(f"no lowering rule {rule!r} for {node.func}()", node)
        func = node.func
        x = self.hidden_aux(self.resolve(node.args[0], ctx, True), f"{func} input")
        init = None
        if len(node.args) == 3:
            init = self.resolve(node.args[2], ctx, False)
        if rule == "pipeline":
            tau_once = self.resolve(node.args[1], ctx, False)
            slot = Slot("fixed", self.var, self.element, func, expr=x, init=init)
            slot.tau = tau_once
            return Ref(self.add(slot))
        tau = self.hidden_aux(self.resolve(node.args[1], ctx, True), f"{func} time")
        material, order = STATEFUL_RULES[rule]
        stage_tau = tau if order == 1 else self.hidden_aux(E.BinOp("/", tau, E.Num(3.0)), "tau/3")
        if not material:
            start = init if init is not None else x
            stocks = [self.hidden_stock(f"{func} stage {i + 1}", start) for i in range(order)]
            upstream = x
            for s in stocks:
                self.out.slots[s].expr = E.BinOp("/", E.BinOp("-", upstream, Ref(s)), stage_tau)
                upstream = Ref(s)
            return Ref(stocks[-1])
        start = E.BinOp("*", init if init is not None else x, stage_tau)
        stocks = [self.hidden_stock(f"{func} stage {i + 1}", start) for i in range(order)]
        upstream = x
        for s in stocks:
            outflow = E.BinOp("/", Ref(s), stage_tau)
            self.out.slots[s].expr = E.BinOp("-", upstream, outflow)
            upstream = outflow
        return upstream


#: The lowering rules a stateful built-in's row may name: (material delay?, order), or
#: ``pipeline`` (delay_fixed: a ring buffer of ``round(tau / dt)`` steps).
STATEFUL_RULES: dict[str, tuple[bool, int]] = {
    "smooth1": (False, 1),
    "smooth3": (False, 3),
    "delay1": (True, 1),
    "delay3": (True, 3),
    "pipeline": (True, 0),
}
