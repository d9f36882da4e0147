"""What the parser admits, the code generators compile: long chains, deep nesting, and
the structural refusals of issue 15 (non-finite initial values, reserved names)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kazind.engine import (
    Aux,
    Constant,
    EngineError,
    ModelSpec,
    Stock,
    TimeSettings,
    compile_model,
    to_vensim,
    to_xmile,
)
from kazind.engine import expr as E

BACKENDS = ("numpy", "scalar", "fused")


def _model(equation: str, n_terms: int = 0) -> ModelSpec:
    return ModelSpec(
        name="limits",
        time=TimeSettings(start=0.0, stop=2.0, dt=1.0),
        variables=[
            Constant(name="a", value=1.0001),
            Constant(name="b", value=0.5),
            Aux(name="y", equation=equation),
        ],
    )


def _run(spec: ModelSpec, backend: str) -> float:
    return float(compile_model(spec).run(backend=backend)["y"].values[0, 0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_chains_at_the_limit_compile_and_run(backend):
    """Five chains of the most terms the parser admits, in one model (one fused kernel to
    compile, not five: each kernel of such a model costs numba seconds)."""
    n = E.MAX_TERMS
    chains = {
        "y_sum": " + ".join(["a"] * n),
        "y_product": " * ".join(["a"] * n),
        "y_difference": " - ".join(["a"] * n),
        "y_all": f"if_then_else({' and '.join(['a > b'] * n)}, 1, 0)",
        "y_any": f"if_then_else({' or '.join(['a < b'] * n)}, 1, 0)",
    }
    base = _model("a")
    spec = ModelSpec(
        name=base.name,
        time=base.time,
        variables=[*base.variables, *(Aux(name=name, equation=eq) for name, eq in chains.items())],
    )
    ds = compile_model(spec).run(backend=backend)
    y = {name: float(ds[name].values[0, 0]) for name in chains}
    expected = 0.0
    for _ in range(n):
        expected += 1.0001
    assert y["y_sum"] == expected
    assert y["y_product"] == pytest.approx(1.0001**n, rel=1e-12)
    assert y["y_difference"] == pytest.approx(1.0001 * (2 - n), rel=1e-12)
    assert y["y_all"] == 1.0
    assert y["y_any"] == 0.0


def test_chains_export():
    spec = _model(" + ".join(["a"] * E.MAX_TERMS))
    assert to_vensim(spec).count("a +") == E.MAX_TERMS - 1
    assert to_xmile(spec).count("a +") == E.MAX_TERMS - 1
    text = E.to_text(E.parse(spec.variables[2].equation))
    assert E.to_text(E.parse(text)) == text


def test_a_chain_beyond_the_limit_is_one_line():
    for op in ("+", "*", "and"):
        with pytest.raises(EngineError, match=f"more than {E.MAX_TERMS} terms"):
            E.parse(f" {op} ".join(["a"] * (E.MAX_TERMS + 1)), "y")


def _nested(kind: str, depth: int) -> str:
    text = "a"
    for _ in range(depth):
        text = {
            "not": f"not ({text})",
            "neg": f"-({text})",
            "cmp": f"({text}) < b",
            "pow": f"b ** ({text})",
            "call": f"min({text}, a)",
            "if": f"if_then_else({text}, a, b)",
            "mul": f"({text} + a) * b",
        }[kind]
    return text


@pytest.mark.parametrize("kind", ["not", "neg", "cmp", "pow", "call", "if", "mul"])
def test_nesting_at_the_limit_compiles_on_every_backend(kind):
    # the deepest each construct can go within MAX_DEPTH (mul: two levels per round)
    depth = E.MAX_DEPTH // 2 if kind == "mul" else E.MAX_DEPTH
    spec = _model(_nested(kind, depth))
    values = {backend: _run(spec, backend) for backend in BACKENDS}
    assert math.isfinite(values["numpy"])
    assert values["numpy"] == pytest.approx(values["scalar"], rel=1e-12)
    assert values["numpy"] == pytest.approx(values["fused"], rel=1e-12)
    too_deep = E.MAX_DEPTH + 1 if kind != "mul" else E.MAX_DEPTH
    with pytest.raises(EngineError, match="nested deeper"):
        E.parse(_nested(kind, too_deep), "y")


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_non_finite_initial_value_is_refused_with_the_name(value):
    with pytest.raises(EngineError, match=r"variable 'stock'.*initial value .* is not finite"):
        ModelSpec(
            name="m",
            time=TimeSettings(start=0.0, stop=1.0),
            variables=[Stock(name="stock", initial=value)],
        )
    with pytest.raises(EngineError, match="not finite"):
        ModelSpec(
            name="m",
            time=TimeSettings(start=0.0, stop=1.0),
            dimensions={"d": ["x", "y"]},
            variables=[Stock(name="stock", dims=["d"], initial={"x": 1.0, "y": value})],
        )


@pytest.mark.parametrize("name", ["run", "time", "dt", "min", "smooth", "param_rate", "__x", "if"])
def test_reserved_names_are_refused(name):
    with pytest.raises(EngineError, match="reserved name"):
        ModelSpec(
            name="m",
            time=TimeSettings(start=0.0, stop=1.0),
            variables=[Constant(name=name, value=1.0)],
        )


def test_a_dimension_name_is_refused_as_a_variable():
    with pytest.raises(EngineError, match="has the name of a dimension"):
        ModelSpec(
            name="m",
            time=TimeSettings(start=0.0, stop=1.0),
            dimensions={"region": ["north"]},
            variables=[Constant(name="region", value=1.0)],
        )
    with pytest.raises(EngineError, match="reserved name"):
        ModelSpec(
            name="m",
            time=TimeSettings(start=0.0, stop=1.0),
            dimensions={"run": ["a"]},
            variables=[Constant(name="x", value=1.0)],
        )


def test_output_keeps_working_with_names_next_to_reserved_ones():
    spec = ModelSpec(
        name="m",
        time=TimeSettings(start=0.0, stop=1.0),
        variables=[Constant(name="runs", value=1.0), Aux(name="timer", equation="runs * 2")],
    )
    ds = compile_model(spec).run(params={"runs": np.array([1.0, 2.0])})
    assert ds["timer"].values[:, 0].tolist() == [2.0, 4.0]


# -- resources: refused by an estimate before allocation ------------------------------------


def test_a_huge_number_of_steps_is_refused_before_allocation():
    from kazind.engine.examples import all_builtins

    model = compile_model(all_builtins())
    with pytest.raises(EngineError, match="steps .* at most"):
        model.run(dt=1e-9, save_step=1.0)
    with pytest.raises(EngineError, match="steps .* at most"):
        model.memory_estimate(dt=1e-9)


def test_memory_estimate_and_refusal(monkeypatch):
    from kazind.engine.examples import arrayed_chain

    model = compile_model(arrayed_chain())
    small = model.memory_estimate(runs=10)
    big = model.memory_estimate(runs=10_000)
    assert big.outputs == 1000 * small.outputs > 0
    ds = model.run(params={"lag": np.full(10, 2.0)})
    stored = sum(ds[v].size for v in ds.data_vars) * 8
    assert small.outputs == stored
    monkeypatch.setenv("KAZIND_MAX_MEMORY", str(small.total // 2))
    with pytest.raises(EngineError, match=r"needs about .* available: use fewer runs"):
        model.run(params={"lag": np.full(10, 2.0)})


def test_a_delay_fixed_beyond_the_cap_is_one_line():
    spec = ModelSpec(
        name="long_delay",
        time=TimeSettings(start=0.0, stop=1.0, dt=0.5),
        variables=[
            Constant(name="tau", unit="year", value=1e15),
            Aux(name="x", equation="1"),
            Aux(name="late", equation="delay_fixed(x, tau, 0)"),
        ],
    )
    model = compile_model(spec)
    for backend in BACKENDS:
        with pytest.raises(EngineError, match=r"variable 'late'.*more than the cap"):
            model.run(backend=backend)
