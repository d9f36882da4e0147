"""The expression printer shared by the Vensim and XMILE exporters, and what both need:
number and name spelling, the names a tool would confuse, units in Vensim's spelling
(XMILE uses the same), and user text made safe for any exported file.

The equations are printed from the expression trees of :mod:`kazind.engine.expr` (never
by rewriting the equation text); a built-in is spelled by its row of
:mod:`kazind.engine.builtins` (a name, a name per number of arguments, or a printer).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kazind.engine import builtins
from kazind.engine import expr as ex
from kazind.engine.errors import EngineError
from kazind.engine.spec import (
    Lookup,
    ModelSpec,
)

# -- shared with xmile.py ---------------------------------------------------------------

#: Operator precedence used by the printers (higher binds tighter).
PREC_OR = 1
PREC_AND = 2
PREC_NOT = 3
PREC_CMP = 4
PREC_ADD = 5
PREC_MUL = 6
PREC_UNARY = 7
PREC_POW = 8
PREC_ATOM = 9
_BIN_PREC = {"+": PREC_ADD, "-": PREC_ADD, "*": PREC_MUL, "/": PREC_MUL, "**": PREC_POW}


def where_of(name: str) -> str:
    """The ``where`` label of an error about variable ``name``."""
    return f"variable {name!r}"


def format_number(value: float, where: str | None = None) -> str:
    """A float as text that reads back to the same float (``repr``), finite only."""
    number = float(value)
    if not math.isfinite(number):
        raise EngineError(f"cannot export the non-finite number {value!r}", where=where)
    text = repr(number)
    return "0.0" if text == "-0.0" else text


def normalize_name(name: str) -> str:
    """A name as Vensim and XMILE compare names: case-insensitive, ``_`` equal to a space."""
    return re.sub(r"[\s_]+", " ", name.lower()).strip()


def check_names(
    spec: ModelSpec, reserved: Iterable[str], tool: str, extra: Iterable[str] = ()
) -> None:
    """Refuse names that the target tool would confuse with each other or with its own names.

    Variables, dimensions, elements and ``extra`` generated names must stay distinct after
    :func:`normalize_name`; none may equal a ``reserved`` name.
    """
    reserved_norm = {normalize_name(r): r for r in reserved}
    seen: dict[str, str] = {}

    def claim(name: str, what: str, allow_same: bool = False) -> None:
        key = normalize_name(name)
        if not key:
            raise EngineError(f"{what} {name!r} is empty once '_' is read as a space in {tool}")
        if key in reserved_norm:
            raise EngineError(
                f"{what} {name!r} is the reserved {tool} name {reserved_norm[key]!r}",
                where=where_of(name) if what == "variable" else None,
            )
        other = seen.get(key)
        if other is not None and not (allow_same and other == name):
            raise EngineError(
                f"{what} {name!r} and {other!r} are the same name in {tool}, which ignores "
                "case and reads '_' as a space",
                where=where_of(name) if what == "variable" else None,
            )
        seen[key] = name

    for var in spec.variables:
        claim(var.name, "variable")
    for dim in spec.dimensions:
        claim(dim, "dimension")
    element_dims: dict[str, str] = {}
    for dim, elements in spec.dimensions.items():
        for element in elements:
            # The same element may belong to several dimensions (as in Vensim subranges).
            claim(element, "element", allow_same=element in element_dims)
            element_dims.setdefault(element, dim)
    for name in extra:
        claim(name, "generated name")


@dataclass(frozen=True)
class Context:
    """Where an expression is printed: the variable, its dimensions and the summed ones.

    ``dims`` are the dimensions of an apply-to-all equation; ``element`` maps the
    dimension of a per-element equation to its element; ``summed`` are the dimensions
    summed over by an enclosing ``sum``.
    """

    variable: str
    dims: tuple[str, ...] = ()
    element: dict[str, str] = field(default_factory=dict)
    summed: frozenset[str] = frozenset()

    @property
    def where(self) -> str:
        return where_of(self.variable)


class ExprPrinter:
    """Prints an expression tree in a target language; subclasses give the spelling.

    Parentheses are added wherever the target grammar's precedence or associativity
    could differ from Python's (PySD's grammars, for instance, bind unary minus tighter
    than ``^`` and read ``^`` left to right), so the printed text always means the tree.
    """

    tool = "?"
    time_name = "Time"
    dt_name = "TIME STEP"
    compare_ops = {"<": "<", "<=": "<=", ">": ">", ">=": ">=", "==": "=", "!=": "<>"}
    bool_ops = {"and": "AND", "or": "OR"}
    not_op = "NOT"
    pow_op = "^"

    def __init__(self, spec: ModelSpec) -> None:
        self.spec = spec
        self.vars = {v.name: v for v in spec.variables}
        self.element_dim: dict[str, list[str]] = {}
        for dim, elements in spec.dimensions.items():
            for element in elements:
                self.element_dim.setdefault(element, []).append(dim)

    # -- entry points ------------------------------------------------------------------
    def parse(self, text: str, variable: str) -> ex.Node:
        return ex.parse(text, variable)

    def equation(self, text: str | float, ctx: Context) -> str:
        """The printed form of an equation given as text or as a number."""
        if isinstance(text, int | float) and not isinstance(text, bool):
            return format_number(text, ctx.where)
        return self.print(self.parse(text, ctx.variable), ctx)

    def print(self, node: ex.Node, ctx: Context) -> str:
        text, _ = self._node(node, ctx)
        return text

    # -- hooks -------------------------------------------------------------------------
    def call(self, node: ex.Call, ctx: Context) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def subscript_text(self, name: str, tokens: Sequence[str]) -> str:
        return f"{name}[{', '.join(tokens)}]" if tokens else name

    def summed_token(self, dim: str) -> str:
        return f"{dim}!"

    def wrap_bool_operand(self, text: str, prec: int) -> str:
        return f"({text})" if prec <= PREC_CMP else text

    # -- the walk ----------------------------------------------------------------------
    def fail(self, message: str, ctx: Context, node: ex.Node | None = None) -> EngineError:
        if node is not None:
            message = f"{message} in {ex.to_text(node)!r}"
        return EngineError(f"cannot export to {self.tool}: {message}", where=ctx.where)

    def _node(self, node: ex.Node, ctx: Context) -> tuple[str, int]:
        if isinstance(node, ex.Num):
            text = format_number(node.value, ctx.where)
            return (f"({text})", PREC_ATOM) if text.startswith("-") else (text, PREC_ATOM)
        if isinstance(node, ex.Name):
            return self.reference(node.id, None, ctx, node), PREC_ATOM
        if isinstance(node, ex.Subscript):
            return self.reference(node.name, node.elements, ctx, node), PREC_ATOM
        if isinstance(node, ex.BinOp):
            return self.binop(node, ctx)
        if isinstance(node, ex.UnaryOp):
            inner, prec = self._node(node.operand, ctx)
            if prec < PREC_ATOM:
                inner = f"({inner})"
            if node.op == "+":
                return inner, PREC_ATOM if prec == PREC_ATOM else PREC_UNARY
            return f"-{inner}", PREC_UNARY
        if isinstance(node, ex.Compare):
            op = self.compare_ops.get(node.op)
            if op is None:
                raise self.fail(f"unknown comparison {node.op!r}", ctx, node)
            left = self._operand(node.left, ctx, lambda p: p <= PREC_CMP)
            right = self._operand(node.right, ctx, lambda p: p <= PREC_CMP)
            return f"{left} {op} {right}", PREC_CMP
        if isinstance(node, ex.BoolOp):
            op = self.bool_ops.get(node.op)
            if op is None:
                raise self.fail(f"unknown logical operator {node.op!r}", ctx, node)
            parts = []
            for value in node.values:
                text, prec = self._node(value, ctx)
                parts.append(self.wrap_bool_operand(text, prec))
            return f" {op} ".join(parts), PREC_OR if node.op == "or" else PREC_AND
        if isinstance(node, ex.Not):
            text, prec = self._node(node.operand, ctx)
            return f"{self.not_op} ({text})", PREC_NOT
        if isinstance(node, ex.Call):
            return self.call(node, ctx), PREC_ATOM
        raise self.fail(f"unsupported expression node {type(node).__name__}", ctx)

    def _operand(self, node: ex.Node, ctx: Context, needs_parens: Any) -> str:
        text, prec = self._node(node, ctx)
        # A signed operand is always bracketed: "-a ^ 2" and "a * -b" read differently
        # in different tools.
        if needs_parens(prec) or prec == PREC_UNARY:
            return f"({text})"
        return text

    def binop(self, node: ex.BinOp, ctx: Context) -> tuple[str, int]:
        prec = _BIN_PREC.get(node.op)
        if prec is None:
            raise self.fail(f"unknown operator {node.op!r}", ctx, node)
        if node.op == "**":
            # Python's ** is right-associative, Vensim's/PySD's ^ left: bracket both sides.
            left = self._operand(node.left, ctx, lambda p: p < PREC_ATOM)
            right = self._operand(node.right, ctx, lambda p: p < PREC_ATOM)
            return f"{left} {self.pow_op} {right}", PREC_POW
        first, levels = ex.spine(node)  # a chain, walked without recursion
        parts = [self._operand(first, ctx, lambda p: p < prec)]
        for level in levels:
            parts.append(f"{level.op} {self._operand(level.right, ctx, lambda p: p <= prec)}")
        return " ".join(parts), prec

    def mapped_call(self, node: ex.Call, ctx: Context, field: str, fmt: str) -> str:
        """A built-in as its table row spells it in ``fmt`` (row attribute ``field``: a
        name, a name per number of arguments, or a printer function), or a lookup call;
        anything else has no equivalent in ``fmt``."""
        func = node.func
        row = builtins.get(func)
        if row is not None:
            spelled = getattr(row, field)
            if callable(spelled):
                return spelled(self, node, ctx)
            if isinstance(spelled, dict):
                spelled = spelled.get(len(node.args))
            if isinstance(spelled, str):
                return f"{spelled}({', '.join(self.args(node, ctx))})"
        if isinstance(self.vars.get(func), Lookup):
            if len(node.args) != 1:
                raise self.fail(f"lookup {func!r} takes one argument", ctx, node)
            return f"{func}({self.print(node.args[0], ctx)})"
        raise self.fail(f"no {fmt} equivalent for {func!r}", ctx, node)

    def print_operand(self, node: ex.Node, ctx: Context) -> str:
        """``node`` bracketed unless it is a single name, number or call."""
        text, prec = self._node(node, ctx)
        return text if prec == PREC_ATOM else f"({text})"

    def args(self, node: ex.Call, ctx: Context) -> list[str]:
        return [self.print(a, ctx) for a in node.args]

    # -- names and subscripts ------------------------------------------------------------
    def reference(self, name: str, items: Sequence[str] | None, ctx: Context, node: ex.Node) -> str:
        if items is None and name == "time":
            return self.time_name
        if items is None and name == "dt":
            return self.dt_name
        var = self.vars.get(name)
        if var is None:
            what = (
                "a dimension used outside sum()" if name in self.spec.dimensions else "unknown name"
            )
            raise self.fail(f"{what} {name!r}", ctx, node)
        if isinstance(var, Lookup):
            raise self.fail(f"lookup {name!r} used without a call", ctx, node)
        dims = list(var.dims)
        if not dims:
            if items:
                raise self.fail(f"{name!r} is not arrayed but is subscripted", ctx, node)
            return self.subscript_text(self.name(name), [])
        chosen: dict[str, str] = {}
        if items:
            if len(items) == len(dims):
                pairs = list(zip(dims, items, strict=True))
            else:
                pairs = []
                for item in items:
                    if item in dims:
                        pairs.append((item, item))
                        continue
                    owners = [d for d in self.element_dim.get(item, []) if d in dims]
                    if len(owners) != 1:
                        raise self.fail(
                            f"cannot tell which dimension of {name!r} {item!r} is", ctx, node
                        )
                    pairs.append((owners[0], item))
            for dim, item in pairs:
                if item == dim or item in self.spec.dimensions:
                    if item != dim:
                        raise self.fail(
                            f"dimension {item!r} used where {name!r} has dimension {dim!r}",
                            ctx,
                            node,
                        )
                    chosen[dim] = self.dim_token(dim, name, ctx, node)
                elif item in self.spec.dimensions.get(dim, ()):
                    chosen[dim] = self.element_token(item)
                else:
                    raise self.fail(f"{item!r} is not an element of {dim!r}", ctx, node)
        for dim in dims:
            if dim not in chosen:
                chosen[dim] = self.dim_token(dim, name, ctx, node)
        return self.subscript_text(self.name(name), [chosen[d] for d in dims])

    def dim_token(self, dim: str, name: str, ctx: Context, node: ex.Node) -> str:
        """The subscript that means 'the current element' of ``dim`` in context."""
        if dim in ctx.summed:
            return self.summed_token(dim)
        if dim in ctx.element:
            return self.element_token(ctx.element[dim])
        if dim in ctx.dims:
            return self.dimension_token(dim)
        raise self.fail(
            f"{name!r} is arrayed over {dim!r}, which this equation neither has nor sums over",
            ctx,
            node,
        )

    def name(self, name: str) -> str:
        return name

    def element_token(self, element: str) -> str:
        return element

    def dimension_token(self, dim: str) -> str:
        return dim

    # -- sum ---------------------------------------------------------------------------
    def sum_context(self, node: ex.Call, ctx: Context) -> tuple[ex.Node, Context]:
        """The argument of ``sum(x, dim)`` and the context it is printed in."""
        if len(node.args) != 2 or not isinstance(node.args[1], ex.Name):
            raise self.fail("sum() needs a dimension name as its second argument", ctx, node)
        dim = node.args[1].id
        if dim not in self.spec.dimensions:
            raise self.fail(f"sum() over unknown dimension {dim!r}", ctx, node)
        return node.args[0], Context(ctx.variable, ctx.dims, ctx.element, ctx.summed | {dim})


# -- units and descriptions -------------------------------------------------------------


def vensim_unit(text: str, where: str | None = None) -> str:
    """A kazind (pint) unit string in Vensim's spelling.

    ``dimensionless``/``1``/empty -> ``Dmnl``; ``**`` -> ``^``; a space between two unit
    words means a product in pint and becomes ``*`` (``thousand person`` ->
    ``thousand*person``).
    """
    cleaned = " ".join((text or "").split())
    if cleaned.lower() in ("", "1", "dimensionless", "dmnl"):
        return "Dmnl"
    if any(ch in cleaned for ch in "~|[]{}\"'"):
        raise EngineError(f"cannot export unit {text!r} to Vensim", where=where)
    cleaned = cleaned.replace("**", "^")
    cleaned = re.sub(r"\s*([*/^()])\s*", r"\1", cleaned)
    cleaned = re.sub(r"(?<=[\w)])\s+(?=[\w(])", "*", cleaned)
    return cleaned


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def plain_text(text: str) -> str:
    """User text (a description, a source, a model name) safe in any exported file: one
    line, without control characters (which XML 1.0 cannot hold at all)."""
    return " ".join(_CONTROL.sub(" ", str(text)).split())
