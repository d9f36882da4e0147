"""Every model mistake is an EngineError naming the variable and the offending text;
every numerical failure a SimulationError naming variable, element, time and run."""

from __future__ import annotations

import numpy as np
import pytest

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
from kazind.engine.examples import arrayed_chain, exponential_growth


def spec(*variables, dims=None, dt=0.5, stop=5.0):
    return ModelSpec(
        name="e",
        time=TimeSettings(start=0.0, stop=stop, dt=dt),
        dimensions=dims or {},
        variables=list(variables),
    )


def compile_error(*variables, **kw) -> str:
    with pytest.raises(EngineError) as info:
        compile_model(spec(*variables, **kw))
    return str(info.value)


def test_syntax_error():
    msg = compile_error(Aux(name="out", equation="a +"), Constant(name="a", value=1.0))
    assert "variable 'out'" in msg and "'a +'" in msg


def test_unknown_name_suggests_nearest():
    msg = compile_error(
        Aux(name="out", equation="2 * populaton"), Constant(name="population", value=1.0)
    )
    assert "variable 'out'" in msg and "populaton" in msg and "'population'" in msg
    assert "did you mean" in msg


def test_unknown_function_and_lookup_arity():
    msg = compile_error(Aux(name="out", equation="smoth(1, 2)"))
    assert "variable 'out'" in msg and "smoth" in msg and "'smooth'" in msg
    msg = compile_error(
        Aux(name="out", equation="f(1, 2)"), Lookup(name="f", x=[0.0, 1.0], y=[0.0, 1.0])
    )
    assert "variable 'out'" in msg and "takes 1 argument" in msg and "f(1.0, 2.0)" in msg


def test_wrong_number_of_arguments():
    msg = compile_error(Aux(name="out", equation="if_then_else(1, 2)"))
    assert "variable 'out'" in msg and "if_then_else() takes 3 arguments" in msg


def test_algebraic_loop_prints_the_cycle():
    msg = compile_error(
        Aux(name="a", equation="b + 1"),
        Aux(name="b", equation="c * 2"),
        Aux(name="c", equation="a - 1"),
    )
    assert "algebraic loop: a -> b -> c -> a" in msg


def test_initial_value_loop_is_reported():
    msg = compile_error(
        Aux(name="a", equation="smooth(b, 2)"),
        Aux(name="b", equation="a * 0.5"),
    )
    assert "loop among initial values" in msg and "a -> b -> a" in msg


def test_stocks_smooths_and_delays_break_loops():
    compile_model(
        spec(
            Aux(name="a", equation="smooth(b, 2, 0) + delay1(b, 2, 0) + delay_fixed(b, 1, 0)"),
            Aux(name="b", equation="a * 0.5 + s"),
            Stock(name="s", initial=1.0, inflows=["f"]),
            Flow(name="f", unit="1/year", equation="b / tau"),
            Constant(name="tau", unit="year", value=2.0),
        )
    )


def test_unit_mismatch_names_the_part():
    msg = compile_error(
        Aux(name="output", unit="t/year", equation="2 * (capacity + workers)"),
        Constant(name="capacity", unit="t/year", value=1.0),
        Constant(name="workers", unit="person", value=1.0),
    )
    assert "variable 'output'" in msg
    assert "unit mismatch in 'capacity + workers': 't/year' vs 'person'" in msg


def test_declared_unit_and_stock_flow_units():
    msg = compile_error(
        Aux(name="out", unit="t", equation="x * 2"), Constant(name="x", unit="person", value=1.0)
    )
    assert "variable 'out'" in msg and "'x * 2'" in msg and "'person'" in msg
    msg = compile_error(
        Stock(name="s", unit="t", initial=0.0, inflows=["f"]),
        Flow(name="f", unit="t", equation="x"),
        Constant(name="x", unit="t", value=1.0),
    )
    assert "variable 's'" in msg and "flow 'f'" in msg and "t/year" in msg


def test_bad_unit_text():
    msg = compile_error(Constant(name="x", unit="bogus_unit_xyz", value=1.0))
    assert "variable 'x'" in msg and "unit" in msg


def test_arrays_dimension_errors():
    dims = {"r": ["a", "b"]}
    msg = compile_error(
        Aux(name="out", equation="x * 2"), Constant(name="x", dims=["r"], value=1.0), dims=dims
    )
    assert "variable 'out'" in msg and "arrayed over 'r'" in msg and "sum(x, r)" in msg
    msg = compile_error(
        Aux(name="out", equation="x[c]"), Constant(name="x", dims=["r"], value=1.0), dims=dims
    )
    assert "variable 'out'" in msg and "'c' is not an element of 'r'" in msg
    msg = compile_error(
        Aux(name="out", equation="sum(x, q)"), Constant(name="x", dims=["r"], value=1.0), dims=dims
    )
    assert "variable 'out'" in msg and "dimension" in msg


def test_structure_errors_name_the_variable():
    with pytest.raises(EngineError, match="variable 's'.*unknown 'nope'"):
        spec(Stock(name="s", initial=0.0, inflows=["nope"]))
    with pytest.raises(EngineError, match="variable 'c'.*outside bounds"):
        spec(Constant(name="c", value=5.0, bounds=(0.0, 1.0)))
    with pytest.raises(EngineError, match="variable 'a'.*defined twice"):
        spec(Constant(name="a", value=1.0), Constant(name="a", value=2.0))
    with pytest.raises(EngineError, match="'min' is a reserved name"):
        spec(Constant(name="min", value=1.0))
    with pytest.raises(EngineError, match="variable 'f'.*strictly increasing"):
        spec(Lookup(name="f", x=[0.0, 0.0], y=[1.0, 2.0]))


def test_parameter_overrides_are_checked():
    model = compile_model(exponential_growth())
    with pytest.raises(EngineError, match="'growth_rat'.*did you mean 'growth_rate'"):
        model.run(params={"growth_rat": 0.1})
    with pytest.raises(EngineError, match=r"'growth_rate'.*5\.0 \(run 1\).*bounds"):
        model.run(params={"growth_rate": np.array([0.1, 5.0])})
    with pytest.raises(EngineError, match="'births' is not a constant"):
        model.run(params={"births": 1.0})
    arrayed = compile_model(arrayed_chain())
    with pytest.raises(EngineError, match=r"'share': shape \(2, 4\)"):
        arrayed.run(params={"share": np.ones((2, 4)) * 0.5})
    with pytest.raises(EngineError, match="batch size"):
        arrayed.run(params={"share": np.full((2, 3), 0.5), "invest_rate": np.full(3, 0.1)})
    with pytest.raises(EngineError, match="outputs: unknown variable 'capacty'"):
        arrayed.run(outputs=["capacty"])


def test_delay_fixed_requires_euler():
    model = compile_model(spec(Aux(name="y", unit="year", equation="delay_fixed(time, 1, 0)")))
    with pytest.raises(EngineError, match="delay_fixed requires method 'euler'"):
        model.run(method="rk4")


def _blow_up_model():
    return spec(
        Constant(name="k", unit="year", value=1.0),
        Aux(name="root", equation="sqrt((k - time) / tau)"),
        Stock(name="s", initial=1.0, inflows=["f"]),
        Flow(name="f", unit="1/year", equation="root / tau"),
        Constant(name="tau", unit="year", value=1.0),
    )


@pytest.mark.parametrize("backend", ["numpy", "scalar"])
def test_nan_names_variable_time_and_run(backend):
    model = compile_model(_blow_up_model())
    params = {"k": np.array([10.0, 10.0, 2.0])} if backend == "numpy" else {"k": 2.0}
    with pytest.raises(SimulationError) as info:
        model.run(params=params, backend=backend)
    msg = str(info.value)
    assert "variable 'root'" in msg
    assert "at time 2.5" in msg
    run = 2 if backend == "numpy" else 0
    assert f"run {run}" in msg


def test_nan_in_unsaved_flow_is_found_in_the_stock():
    model = compile_model(_blow_up_model())
    with pytest.raises(SimulationError, match=r"variable 's'.*nan.*time 3\.0 \(run 1\)"):
        model.run(params={"k": np.array([10.0, 2.0])}, outputs=["s"])


def test_negative_non_negative_stock():
    model = compile_model(
        spec(
            Stock(name="s", unit="t", initial=1.0, outflows=["o"], non_negative=True),
            Flow(name="o", unit="t/year", equation="rate"),
            Constant(name="rate", unit="t/year", value=0.1),
        )
    )
    model.run()
    with pytest.raises(SimulationError) as info:
        model.run(params={"rate": np.array([0.1, 1.0])})
    msg = str(info.value)
    assert "variable 's'" in msg and "negative" in msg and "time 1.5" in msg and "run 1" in msg


def test_arrayed_failure_names_the_element():
    model = compile_model(
        spec(
            Constant(name="k", unit="year", dims=["r"], value={"a": 10.0, "b": 1.0}),
            Constant(name="yr", unit="year", value=1.0),
            Aux(name="root", dims=["r"], equation="ln((k - time) / yr)"),
            dims={"r": ["a", "b"]},
        )
    )
    with pytest.raises(SimulationError, match=r"variable 'root'.*element b.*time 1\.0 \(run 0\)"):
        model.run(backend="numpy")


def test_negative_stock_in_a_single_scalar_run():
    model = compile_model(
        spec(
            Stock(name="s", unit="t", dims=["r"], initial=1.0, outflows=["o"], non_negative=True),
            Flow(name="o", unit="t/year", dims=["r"], equation="rate"),
            Constant(name="rate", unit="t/year", dims=["r"], value={"a": 0.1, "b": 1.0}),
            dims={"r": ["a", "b"]},
        )
    )
    with pytest.raises(SimulationError) as info:
        model.run()  # B == 1: the scalar backend
    msg = str(info.value)
    assert "variable 's'" in msg and "element b" in msg and "negative" in msg
    assert "time 1.5" in msg and "run 0" in msg


def test_element_named_like_a_dimension_is_rejected():
    with pytest.raises(EngineError, match="element 'r' of 's' has the name of a dimension"):
        spec(Constant(name="c", value=1.0), dims={"r": ["a"], "s": ["r", "b"]})


def test_scalar_math_error_in_an_unused_value_is_not_a_failure():
    model = compile_model(
        spec(Aux(name="y", equation="if_then_else(exp(1000 * time / dt) > 1, 1, 2)"))
    )
    a = model.run(backend="scalar")  # math.exp overflows; numpy gives inf > 1
    b = model.run(backend="numpy")
    assert np.array_equal(a.y.values, b.y.values)
