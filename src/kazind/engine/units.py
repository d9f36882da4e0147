"""Unit inference over an expression tree, and the unit checks of a model.

Each variable's declared unit is parsed with the project's pint registry. The unit of
an equation is inferred bottom-up and must equal the declared one; a stock's inflows
and outflows must have the stock's unit per time unit.

A numeric literal is "free": an expression built only of numbers takes whatever unit
its place needs (the other operand of ``+ - min max if_then_else`` or a comparison, a
time argument, the declared unit), and counts as dimensionless in ``* / **``. Units
are equal when pint converts one into the other with factor 1: ``kt`` and ``t`` are
not equal, because the engine never converts.
"""

from __future__ import annotations

from typing import Any

import pint

from kazind.common.errors import KazindError
from kazind.common.units import parse_unit, ureg
from kazind.engine import builtins
from kazind.engine import expr as E
from kazind.engine.errors import EngineError
from kazind.engine.spec import ModelSpec, Stock

Unit = Any  # a pint.Unit, or None for "free" (a pure number)
DIMLESS = ureg.dimensionless


def same(a: Unit, b: Unit) -> bool:
    """True when ``a`` converts to ``b`` with factor 1 (or either is free)."""
    if a is None or b is None or a == b:
        return True
    try:
        return abs(ureg.Quantity(1.0, a).to(b).magnitude - 1.0) < 1e-12
    except (pint.DimensionalityError, pint.errors.PintError):
        return False


class UnitChecker:
    """Infers and checks the units of one model's equations."""

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.display: dict[Any, str] = {}
        self.time = self.parse(spec.time.unit, "time settings", "time unit")
        self.units: dict[str, Unit] = {}
        self.x_units: dict[str, Unit] = {}
        for var in spec.variables:
            self.units[var.name] = self.parse(var.unit, f"variable {var.name!r}", "unit")
            if var.kind == "lookup":
                self.x_units[var.name] = self.parse(var.x_unit, f"variable {var.name!r}", "x_unit")
        self.var = ""
        self.text = ""

    def parse(self, text: str, where: str, what: str) -> Unit:
        try:
            unit = parse_unit(text)
        except KazindError as exc:
            raise EngineError(f"{what}: {exc.message}", where=where) from None
        self.display.setdefault(unit, text)
        return unit

    def show(self, unit: Unit) -> str:
        if unit is None:
            return "number"
        for known, text in self.display.items():
            if known == unit:
                return text
        return str(unit) if str(unit) else "dimensionless"

    def fail(self, node: E.Node, a: Unit, b: Unit) -> EngineError:
        return EngineError(
            f"unit mismatch in '{E.to_text(node)}': '{self.show(a)}' vs '{self.show(b)}'"
            + (f" (equation {self.text!r})" if self.text and self.text != E.to_text(node) else ""),
            where=f"variable {self.var!r}",
        )

    # -- model checks --------------------------------------------------------------------
    def check_equation(self, var_name: str, tree: E.Node, text: str, what: str = "") -> None:
        """The unit of ``tree`` must be ``var_name``'s declared unit."""
        self.var, self.text = var_name, text
        got = self.infer(tree)
        want = self.units[var_name]
        if not same(got, want):
            raise EngineError(
                f"unit mismatch: {what or 'equation'} {text!r} has unit '{self.show(got)}' "
                f"but the variable is declared '{self.show(want)}'",
                where=f"variable {var_name!r}",
            )

    def check_stock_flows(self, stock: Stock) -> None:
        """Each flow of ``stock`` must have the stock's unit per time unit."""
        want = self.units[stock.name] / self.time
        unit_text = stock.unit if stock.unit.replace("_", "").isalnum() else f"({stock.unit})"
        self.display.setdefault(want, f"{unit_text}/{self.spec.time.unit}")
        for flow in stock.inflows + stock.outflows:
            if not same(self.units[flow], want):
                raise EngineError(
                    f"unit mismatch: flow {flow!r} has unit '{self.show(self.units[flow])}' "
                    f"but the stock needs '{self.show(want)}' (its unit per "
                    f"{self.show(self.time)})",
                    where=f"variable {stock.name!r}",
                )

    # -- inference -----------------------------------------------------------------------
    def need(self, node: E.Node, got: Unit, want: Unit) -> None:
        if not same(got, want):
            raise self.fail(node, got, want)

    def match(self, node: E.Node, a: Unit, b: Unit) -> Unit:
        """Two operands that must agree; the result is their unit (free if both are)."""
        if not same(a, b):
            raise self.fail(node, a, b)
        return a if a is not None else b

    def infer(self, node: E.Node) -> Unit:
        if isinstance(node, E.Num):
            return None
        if isinstance(node, E.Name):
            if node.id in ("time", "dt"):
                return self.time
            return self.units.get(node.id, DIMLESS)
        if isinstance(node, E.Subscript):
            return self.units.get(node.name, DIMLESS)
        if isinstance(node, E.UnaryOp):
            return self.infer(node.operand)
        if isinstance(node, E.BinOp):
            return self.binop(node)
        if isinstance(node, E.Compare):
            self.match(node, self.infer(node.left), self.infer(node.right))
            return DIMLESS
        if isinstance(node, E.BoolOp):
            for value in node.values:
                self.infer(value)
            return DIMLESS
        if isinstance(node, E.Not):
            self.infer(node.operand)
            return DIMLESS
        if isinstance(node, E.Call):
            return self.call(node)
        return DIMLESS

    def binop(self, node: E.BinOp) -> Unit:
        if node.op in E.CHAIN_GROUP:  # a chain, walked without recursion
            first, levels = E.spine(node)
            unit = self.infer(first)
            for level in levels:
                unit = self.combine(level, unit, self.infer(level.right))
            return unit
        left, right = self.infer(node.left), self.infer(node.right)
        # power: the exponent is a number; a base with a unit needs a literal exponent
        self.need(node.right, right, DIMLESS)
        if left is None or same(left, DIMLESS):
            return left
        exponent = _literal(node.right)
        if exponent is None:
            raise EngineError(
                f"'{E.to_text(node)}': a base with a unit ('{self.show(left)}') needs a "
                "numeric exponent",
                where=f"variable {self.var!r}",
            )
        return left**exponent

    #: What a unit rule of :mod:`kazind.engine.builtins` may use besides need and match.
    dimless = DIMLESS

    def combine(self, node: E.BinOp, left: Unit, right: Unit) -> Unit:
        """The unit of ``left op right`` for ``+ - * /``."""
        if node.op in "+-":
            return self.match(node, left, right)
        if left is None and right is None:
            return None
        left = DIMLESS if left is None else left
        right = DIMLESS if right is None else right
        return left * right if node.op == "*" else left / right

    def call(self, node: E.Call) -> Unit:
        """A built-in by its table row's unit rule; a lookup by its x unit; else an error."""
        func, args = node.func, node.args
        row = builtins.get(func)
        if row is not None:
            units = [self.infer(args[0])] if row.kind == "reduce" else [self.infer(a) for a in args]
            return row.units(self, node, units)
        if func in self.x_units:  # a lookup
            self.need(args[0], self.infer(args[0]), self.x_units[func])
            return self.units[func]
        raise EngineError(
            f"unknown function {func!r} in '{E.to_text(node)}' (no unit rule)",
            where=f"variable {self.var!r}",
        )


def _literal(node: E.Node) -> float | None:
    sign = 1.0
    while isinstance(node, E.UnaryOp):
        sign = -sign if node.op == "-" else sign
        node = node.operand
    return sign * node.value if isinstance(node, E.Num) else None
