"""Equation text -> expression tree, and back.

Equations are written in a small Python-like language (see docs/engine.md). The text
is parsed with :func:`ast.parse` in ``eval`` mode, and only whitelisted Python nodes
are converted into kazind's own node classes; anything else (attribute access,
lambdas, comprehensions, strings, keyword arguments, ...) raises :class:`EngineError`
naming the variable and the offending text. Nothing is ever evaluated: the tree is
data, later turned into generated source by :mod:`kazind.engine.codegen`.

Node classes (frozen dataclasses, compared by value; children are nodes):

===================================  =====================================================
``Num(value: float)``                a finite, non-negative number (``-1`` is a UnaryOp)
``Name(id: str)``                    a variable, ``time``, ``dt``, or a dimension name
                                     (second argument of ``sum``)
``Subscript(name, elements)``        ``x[coal, urban]``: ``name`` is the variable, each of
                                     ``elements`` an element or a dimension name
``BinOp(op, left, right)``           ``op`` in ``+ - * / **``
``UnaryOp(op, operand)``             ``op`` in ``- +``
``Compare(op, left, right)``         ``op`` in ``< <= > >= == !=`` (never chained)
``BoolOp(op, values)``               ``op`` in ``and or``; ``values`` a tuple of >= 2 nodes
``Not(operand)``                     ``not operand``
``Call(func: str, args)``            a built-in or a lookup; ``args`` a tuple of nodes
===================================  =====================================================

Helpers: :func:`parse` (text -> node), :func:`to_text` (node -> text that parses back
to an equal tree), :func:`walk` (all nodes, parents first), :func:`references`
(variable names an equation uses).

Safety: the text is length-limited and its bracket depth is bounded before it reaches
:mod:`ast`; the conversion is depth-limited; ``RecursionError``, ``MemoryError``,
``SyntaxError``, ``ValueError`` and ``OverflowError`` become :class:`EngineError`.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator
from dataclasses import dataclass

from kazind.engine import builtins
from kazind.engine.errors import EngineError
from kazind.engine.spec import SPECIAL_NAMES

MAX_LENGTH = 20_000  # characters of one equation
MAX_BRACKETS = 100  # bracket nesting, checked on the text before ast sees it
MAX_DEPTH = 80  # tree depth, checked while converting (a chain of + - or * / counts once);
# the generated code nests at most two brackets per level, within Python's limit of 200
MAX_TERMS = 1000  # terms of one chain (a + b - c ..., a * b / c ..., a and b and ...)

#: Operators that chain left to right at one precedence: a chain is flattened (walked
#: without recursion) by every pass, so a long sum never nests deeper than one level.
CHAIN_GROUP = {"+": "add", "-": "add", "*": "mul", "/": "mul"}


class Node:
    """Base class of the expression nodes."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Num(Node):
    value: float


@dataclass(frozen=True, slots=True)
class Name(Node):
    id: str


@dataclass(frozen=True, slots=True)
class Subscript(Node):
    name: str
    elements: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BinOp(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class UnaryOp(Node):
    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Compare(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class BoolOp(Node):
    op: str
    values: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not(Node):
    operand: Node


@dataclass(frozen=True, slots=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]


_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}
_COMPARE = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!="}
_BOOL = {ast.And: "and", ast.Or: "or"}


def parse(text: str, variable: str = "?") -> Node:
    """Parse equation ``text`` of ``variable`` into a tree; :class:`EngineError` if not valid."""
    where = f"variable {variable!r}"
    if not isinstance(text, str):
        raise EngineError(f"equation must be text, got {type(text).__name__}", where=where)
    if len(text) > MAX_LENGTH:
        raise EngineError(
            f"equation is {len(text)} characters long (limit {MAX_LENGTH}): {text[:40]!r}...",
            where=where,
        )
    if not text.strip():
        raise EngineError("empty equation", where=where)
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            if depth > MAX_BRACKETS:
                raise EngineError(
                    f"brackets nested deeper than {MAX_BRACKETS} in {_short(text)!r}", where=where
                )
        elif ch in ")]}":
            depth -= 1
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise EngineError(f"syntax error in {_short(text)!r}: {exc.msg}", where=where) from None
    except (RecursionError, MemoryError, ValueError, OverflowError) as exc:
        raise EngineError(
            f"cannot parse {_short(text)!r}: {type(exc).__name__}", where=where
        ) from None
    try:
        return _Converter(text.strip(), where).convert(tree.body, 0)
    except RecursionError:
        raise EngineError(f"equation {_short(text)!r} is nested too deeply", where=where) from None


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


class _Converter:
    """Turns whitelisted :mod:`ast` nodes into kazind nodes, rejecting everything else."""

    def __init__(self, text: str, where: str) -> None:
        self.text = text
        self.where = where

    def fail(self, node: ast.AST, why: str) -> EngineError:
        try:
            seg = ast.get_source_segment(self.text, node) or type(node).__name__
        except Exception:  # positions can be missing on odd nodes; the type name will do
            seg = type(node).__name__
        return EngineError(f"{why}: {_short(seg)!r} in {_short(self.text)!r}", where=self.where)

    def convert(self, node: ast.AST, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(node, f"expression nested deeper than {MAX_DEPTH}")
        d = depth + 1
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.fail(node, "only numbers are allowed as literals")
            try:
                number = float(value)
            except OverflowError:
                raise self.fail(node, "number too large") from None
            if not math.isfinite(number):
                raise self.fail(node, "number too large")
            return Num(number)
        if isinstance(node, ast.Name):
            return Name(node.id)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            op = _BINOPS[type(node.op)]
            group = CHAIN_GROUP.get(op)
            if group is None:
                return BinOp(op, self.convert(node.left, d), self.convert(node.right, d))
            # walk the left spine of the chain without recursion
            spine: list[ast.BinOp] = []
            current: ast.AST = node
            while (
                isinstance(current, ast.BinOp)
                and CHAIN_GROUP.get(_BINOPS.get(type(current.op), "")) == group
            ):
                spine.append(current)
                current = current.left
            if len(spine) + 1 > MAX_TERMS:
                raise self.fail(node, f"more than {MAX_TERMS} terms in one chain")
            out = self.convert(current, d)
            for level in reversed(spine):
                out = BinOp(_BINOPS[type(level.op)], out, self.convert(level.right, d))
            return out
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return UnaryOp(_UNARY[type(node.op)], self.convert(node.operand, d))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return Not(self.convert(node.operand, d))
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1:
                raise self.fail(node, "chained comparisons are not allowed; use 'and'")
            op = _COMPARE.get(type(node.ops[0]))
            if op is None:
                raise self.fail(node, "unsupported comparison")
            return Compare(op, self.convert(node.left, d), self.convert(node.comparators[0], d))
        if isinstance(node, ast.BoolOp):
            if len(node.values) > MAX_TERMS:
                raise self.fail(node, f"more than {MAX_TERMS} terms in one chain")
            return BoolOp(_BOOL[type(node.op)], tuple(self.convert(v, d) for v in node.values))
        if isinstance(node, ast.Call):
            return self.call(node, d)
        if isinstance(node, ast.Subscript):
            return self.subscript(node)
        if isinstance(node, ast.BinOp | ast.UnaryOp):
            raise self.fail(node, f"operator {type(node.op).__name__} is not allowed")
        raise self.fail(node, f"{type(node).__name__} is not allowed")

    def call(self, node: ast.Call, depth: int) -> Node:
        if not isinstance(node.func, ast.Name):
            raise self.fail(node.func, "only built-ins and lookups can be called")
        if node.keywords:
            raise self.fail(node, "keyword arguments are not allowed")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.fail(node, "starred arguments are not allowed")
        func = node.func.id
        row = builtins.get(func)
        if row is not None:
            low, high = row.arity
            if not low <= len(node.args) <= high:
                want = str(low) if low == high else f"{low} or {high}"
                raise self.fail(node, f"{func}() takes {want} arguments, got {len(node.args)}")
        if func in SPECIAL_NAMES:
            raise self.fail(node, f"{func!r} is not a function")
        return Call(func, tuple(self.convert(a, depth) for a in node.args))

    def subscript(self, node: ast.Subscript) -> Node:
        if not isinstance(node.value, ast.Name):
            raise self.fail(node, "only a variable can be subscripted")
        items = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        elements = []
        for item in items:
            if not isinstance(item, ast.Name):
                raise self.fail(item, "a subscript must be an element or dimension name")
            elements.append(item.id)
        return Subscript(node.value.id, tuple(elements))


# -- walking ----------------------------------------------------------------------------


def spine(node: Node) -> tuple[Node, list[BinOp]]:
    """A chain ``t0 op1 t1 op2 t2 ...`` of one precedence (``+ -`` or ``* /``) as its first
    term and its BinOp levels, innermost first (level ``i`` adds ``.op`` and ``.right``).

    Passes over the tree use it to walk long chains without recursion.
    """
    group = CHAIN_GROUP.get(node.op) if isinstance(node, BinOp) else None
    levels: list[BinOp] = []
    while group is not None and isinstance(node, BinOp) and CHAIN_GROUP.get(node.op) == group:
        levels.append(node)
        node = node.left
    levels.reverse()
    return node, levels


def children(node: Node) -> tuple[Node, ...]:
    """The direct child nodes of ``node``."""
    if isinstance(node, BinOp | Compare):
        return (node.left, node.right)
    if isinstance(node, UnaryOp | Not):
        return (node.operand,)
    if isinstance(node, BoolOp):
        return node.values
    if isinstance(node, Call):
        return node.args
    return ()


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children (iterative: no recursion limit)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def references(node: Node) -> set[str]:
    """Names of variables (and lookups) the tree uses; not ``time``/``dt``/built-ins.

    The second argument of ``sum`` is a dimension, not a variable, and is left out.
    """
    out: set[str] = set()
    skip: set[int] = set()
    for n in walk(node):
        if id(n) in skip:
            continue
        if isinstance(n, Call):
            if n.func == "sum" and len(n.args) == 2 and isinstance(n.args[1], Name):
                skip.add(id(n.args[1]))
            if not builtins.is_builtin(n.func):
                out.add(n.func)
        elif isinstance(n, Name) and n.id not in SPECIAL_NAMES:
            out.add(n.id)
        elif isinstance(n, Subscript):
            out.add(n.name)
    return out


# -- printing ---------------------------------------------------------------------------

_PREC_BIN = {"+": 5, "-": 5, "*": 6, "/": 6, "**": 8}
_PREC_BOOL = {"or": 1, "and": 2}


def _prec(node: Node) -> int:
    if isinstance(node, BoolOp):
        return _PREC_BOOL[node.op]
    if isinstance(node, Not):
        return 3
    if isinstance(node, Compare):
        return 4
    if isinstance(node, BinOp):
        return _PREC_BIN[node.op]
    if isinstance(node, UnaryOp):
        return 7
    if isinstance(node, Num) and (node.value < 0 or math.copysign(1.0, node.value) < 0):
        return 7
    return 9


def to_text(node: Node) -> str:
    """The tree as equation text; :func:`parse` of it gives back an equal tree."""

    def wrap(child: Node, need: bool) -> str:
        text = to_text(child)
        return f"({text})" if need else text

    if isinstance(node, Num):
        text = repr(float(node.value))
        return f"({text})" if _prec(node) < 9 else text
    if isinstance(node, Name):
        return node.id
    if isinstance(node, Subscript):
        return f"{node.name}[{', '.join(node.elements)}]"
    if isinstance(node, BinOp) and node.op in CHAIN_GROUP:
        p = _PREC_BIN[node.op]
        first, levels = spine(node)
        parts = [wrap(first, _prec(first) < p)]
        for level in levels:
            parts.append(f" {level.op} {wrap(level.right, _prec(level.right) <= p)}")
        return "".join(parts)
    if isinstance(node, BinOp):
        p = _PREC_BIN[node.op]
        if node.op == "**":
            left = wrap(node.left, _prec(node.left) <= p)
            right = wrap(node.right, _prec(node.right) < 7)
        else:
            left = wrap(node.left, _prec(node.left) < p)
            right = wrap(node.right, _prec(node.right) <= p)
        return f"{left} {node.op} {right}"
    if isinstance(node, UnaryOp):
        return f"{node.op}{wrap(node.operand, _prec(node.operand) < 7)}"
    if isinstance(node, Compare):
        left = wrap(node.left, _prec(node.left) <= 4)
        right = wrap(node.right, _prec(node.right) <= 4)
        return f"{left} {node.op} {right}"
    if isinstance(node, BoolOp):
        p = _PREC_BOOL[node.op]
        return f" {node.op} ".join(wrap(v, _prec(v) <= p) for v in node.values)
    if isinstance(node, Not):
        return f"not {wrap(node.operand, _prec(node.operand) < 3)}"
    if isinstance(node, Call):
        return f"{node.func}({', '.join(to_text(a) for a in node.args)})"
    raise TypeError(f"not an expression node: {node!r}")
