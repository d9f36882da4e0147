"""The equation parser: whitelisted syntax only, never hangs, never runs code, round-trips."""

from __future__ import annotations

import builtins

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kazind.engine import expr as E
from kazind.engine.errors import EngineError

SENTINEL = {"ran": False}


def _mark(*args, **kwargs):
    SENTINEL["ran"] = True


@pytest.fixture(autouse=True)
def _trap_code_execution(monkeypatch):
    """If the parser ever evaluated text, these would flip the sentinel."""
    SENTINEL["ran"] = False
    monkeypatch.setattr(builtins, "__import__", _wrap_import(builtins.__import__))
    yield
    assert not SENTINEL["ran"], "parsing ran code"


def _wrap_import(real):
    def fake(name, *args, **kwargs):
        if name in ("os", "subprocess", "kazind_sentinel"):
            SENTINEL["ran"] = True
        return real(name, *args, **kwargs)

    return fake


@pytest.mark.parametrize(
    "text",
    [
        "a + b * c - d / e ** -f",
        "if_then_else(x > 1 and not y, min(a, b), sum(p[coal], region))",
        "x[coal, urban] * -2e10",
        "(a < b) == (c < d)",
        "-x ** 2",
        "(-x) ** 2",
        "a or b and c",
        "(a or b) and c",
        "2 ** 3 ** 4",
        "(2 ** 3) ** 4",
        "smooth3(x, tau, 0)",
        "effect(t_rel * 2) + time - dt",
    ],
)
def test_round_trip_of_examples(text):
    tree = E.parse(text, "v")
    assert E.parse(E.to_text(tree), "v") == tree


def test_node_classes_and_helpers():
    tree = E.parse("a + b[x] * f(2, time)", "v")
    assert tree == E.BinOp(
        "+",
        E.Name("a"),
        E.BinOp("*", E.Subscript("b", ("x",)), E.Call("f", (E.Num(2.0), E.Name("time")))),
    )
    assert E.references(tree) == {"a", "b", "f"}
    assert E.references(E.parse("sum(x, region)", "v")) == {"x"}
    assert len(list(E.walk(tree))) == 7


HOSTILE = [
    "(" * 100000,
    "(" * 150 + "1" + ")" * 150,
    "__import__('os').system('x')",
    "__import__('kazind_sentinel')",
    "lambda: 1",
    "a.b",
    "f'{__import__(\"os\")}'",
    "[x for x in y]",
    "{x: 1 for x in y}",
    "1e999",
    "9" * 5000,
    "1" + "+1" * 9999,
    "-" * 19000 + "1",
    "not " * 4000 + "x",
    "a < b < c",
    "min(1)",
    "min(1, 2, 3)",
    "x[1]",
    "'s'",
    "True",
    "None",
    "a if b else c",
    "f(x=1)",
    "f(*a)",
    "time(1)",
    "",
    "   ",
    "a; b",
    "a\nb",
    "a[b][c]",
    "x[::2]",
    "a @ b",
    "a // b",
    "a % b",
    "a := 1",
    "yield x",
    "await x",
    "(x for x in y)",
    "1j",
    "b'x'",
    "...",
    "a is b",
    "a in b",
    "~a",
    "a << 1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_rejected(text):
    with pytest.raises(EngineError) as info:
        E.parse(text, "victim")
    assert "victim" in str(info.value)


def test_error_names_variable_and_offending_text():
    with pytest.raises(EngineError, match=r"variable 'out'.*'lambda: 1' in '2 \+ \(lambda: 1\)'"):
        E.parse("2 + (lambda: 1)", "out")
    with pytest.raises(EngineError, match=r"variable 'out'.*min\(\) takes 2 arguments, got 3"):
        E.parse("min(a, b, c)", "out")
    with pytest.raises(EngineError, match=r"variable 'out'.*syntax error in 'a \+'"):
        E.parse("a +", "out")


@settings(max_examples=200, deadline=500)
@given(st.text(max_size=300))
def test_random_text_only_raises_engine_error(text):
    try:
        E.parse(text, "v")
    except EngineError:
        pass


_ALPHABET = "()[]{}+-*/<>=!,.:;'\"`ab01 _\n\tlambdanotandor**__import__"


@settings(max_examples=200, deadline=500)
@given(st.text(alphabet=_ALPHABET, max_size=2000))
def test_hostile_alphabet_only_raises_engine_error(text):
    try:
        tree = E.parse(text, "v")
    except EngineError:
        return
    assert E.parse(E.to_text(tree), "v") == tree


@settings(max_examples=50, deadline=2000)
@given(st.integers(min_value=1, max_value=200_000), st.sampled_from(["(", "-", "not ", "[", "a+"]))
def test_deep_nesting_never_hangs(n, piece):
    try:
        E.parse(piece * n + "1", "v")
    except EngineError:
        pass


_names = st.sampled_from(["a", "b", "stock_1", "time", "dt", "x_y"])
_leaves = st.one_of(
    st.floats(min_value=0, max_value=1e300, allow_nan=False, allow_infinity=False).map(E.Num),
    _names.map(E.Name),
    st.tuples(_names, st.lists(_names, min_size=1, max_size=3)).map(
        lambda t: E.Subscript(t[0], tuple(t[1]))
    ),
)


def _extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/", "**"]), children, children).map(
            lambda t: E.BinOp(*t)
        ),
        st.tuples(st.sampled_from(["-", "+"]), children).map(lambda t: E.UnaryOp(*t)),
        st.tuples(st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), children, children).map(
            lambda t: E.Compare(*t)
        ),
        st.tuples(st.sampled_from(["and", "or"]), st.lists(children, min_size=2, max_size=3)).map(
            lambda t: E.BoolOp(t[0], tuple(t[1]))
        ),
        children.map(E.Not),
        st.tuples(
            st.sampled_from(["min", "max", "my_lookup"]), st.lists(children, min_size=2, max_size=2)
        ).map(lambda t: E.Call(t[0], tuple(t[1]) if t[0] != "my_lookup" else (t[1][0],))),
    )


_trees = st.recursive(_leaves, _extend, max_leaves=25)


@settings(max_examples=200, deadline=500)
@given(_trees)
def test_random_trees_round_trip(tree):
    text = E.to_text(tree)
    assert E.parse(text, "v") == tree
