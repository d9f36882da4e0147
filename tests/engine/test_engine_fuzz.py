"""Random equations: compiling and running only ever raises EngineError/SimulationError,
and both backends agree whenever a run succeeds."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kazind.engine import (
    Aux,
    Constant,
    EngineError,
    Flow,
    Lookup,
    ModelSpec,
    SimulationError,
    Stock,
    TimeSettings,
    compile_model,
)
from kazind.engine import expr as E

NAMES = ["a", "b", "s", "f", "x", "time", "dt", "nope"]
FUNCS = [
    "min",
    "max",
    "abs",
    "exp",
    "ln",
    "sqrt",
    "if_then_else",
    "zidz",
    "xidz",
    "step",
    "ramp",
    "pulse",
    "smooth",
    "smooth3",
    "delay1",
    "delay3",
    "delay_fixed",
    "g",
    "sum",
]

leaves = st.one_of(
    st.floats(min_value=0, max_value=10, allow_nan=False).map(E.Num),
    st.sampled_from(NAMES).map(E.Name),
)


def extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(["+", "-", "*", "/", "**"]), children, children).map(
            lambda t: E.BinOp(*t)
        ),
        children.map(lambda c: E.UnaryOp("-", c)),
        st.tuples(st.sampled_from(["<", ">="]), children, children).map(lambda t: E.Compare(*t)),
        st.tuples(st.sampled_from(FUNCS), st.lists(children, min_size=1, max_size=3)).map(
            lambda t: E.Call(t[0], tuple(t[1]))
        ),
    )


equations = st.recursive(leaves, extend, max_leaves=8).map(E.to_text)


def build(eq_x: str, eq_f: str) -> ModelSpec:
    return ModelSpec(
        name="fuzz",
        time=TimeSettings(start=0.0, stop=3.0, dt=0.5),
        variables=[
            Constant(name="a", value=1.5),
            Constant(name="b", value=0.5),
            Stock(name="s", initial=1.0, inflows=["f"]),
            Flow(name="f", unit="1/year", equation=eq_f),
            Aux(name="x", equation=eq_x),
            Lookup(name="g", x=[0.0, 1.0], y=[1.0, 2.0]),
        ],
    )


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(equations, st.sampled_from(["a * s / dt", "x / dt", "s / (dt + time)"]))
def test_random_models_fail_only_with_engine_errors(eq_x, eq_f):
    try:
        model = compile_model(build(eq_x, eq_f))
    except EngineError:
        return
    results = {}
    for backend in ("numpy", "scalar"):
        try:
            results[backend] = model.run(backend=backend)
        except SimulationError:
            results[backend] = None
    a, b = results["numpy"], results["scalar"]
    if a is not None and b is not None:
        for var in a.data_vars:
            np.testing.assert_allclose(a[var].values, b[var].values, rtol=1e-9, atol=1e-12)
