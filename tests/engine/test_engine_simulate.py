"""Simulation results against closed forms and Vensim's discrete definitions."""

from __future__ import annotations

import numpy as np
import pytest

from kazind.engine import (
    Aux,
    Constant,
    Flow,
    Lookup,
    ModelSpec,
    Stock,
    TimeSeries,
    TimeSettings,
    compile_model,
)
from kazind.engine.examples import all_examples, arrayed_chain, exponential_growth


def model(variables, start=0.0, stop=10.0, dt=0.25, dims=None, **time):
    return ModelSpec(
        name="t",
        time=TimeSettings(start=start, stop=stop, dt=dt, **time),
        dimensions=dims or {},
        variables=variables,
    )


def run(spec, **kw):
    return compile_model(spec).run(**kw)


@pytest.mark.parametrize("backend", ["numpy", "scalar"])
def test_euler_growth_equals_closed_form_exactly(backend):
    # 1 + r dt = 9/8: every power up to 16 is exact in binary, so equality is exact
    spec = exponential_growth(rate=0.25, dt=0.5)
    spec.time.stop = 8.0
    ds = run(spec, params={"initial_population": 1.0}, backend=backend)
    n = np.arange(17)
    assert np.array_equal(ds.population.values[0], 1.125**n)


def test_euler_growth_closed_form_general():
    ds = run(exponential_growth(rate=0.03, dt=0.25))
    n = np.arange(81)
    np.testing.assert_allclose(ds.population.values[0], 100 * (1 + 0.03 * 0.25) ** n, rtol=1e-13)


def test_rk4_error_far_below_euler():
    spec = exponential_growth(rate=0.1, dt=1.0)
    exact = 100 * np.exp(0.1 * 20.0)
    euler = run(spec, method="euler").population.values[0, -1]
    rk4 = run(spec, method="rk4").population.values[0, -1]
    assert abs(rk4 - exact) < abs(euler - exact) / 1000


def _step_input(extra):
    return model(
        [
            Aux(name="x", equation="step(1, 1)"),
            Constant(name="tau", unit="year", value=2.0),
            *extra,
        ],
        dt=0.25,
    )


def _discrete_chain(x, tau, order, dt, delay):
    """Vensim's Euler recurrence for smooth (delay=False) or delay (True) of order 1 or 3."""
    stage = tau / order
    if delay:
        levels = [x[0] * stage] * order
    else:
        levels = [x[0]] * order
    out = []
    for xk in x:
        if delay:
            rates = [levels[i] / stage for i in range(order)]
            out.append(rates[-1])
            inflow = [xk] + rates[:-1]
            levels = [levels[i] + dt * (inflow[i] - rates[i]) for i in range(order)]
        else:
            out.append(levels[-1])
            up = [xk] + levels[:-1]
            levels = [levels[i] + dt * ((up[i] - levels[i]) / stage) for i in range(order)]
    return np.array(out)


@pytest.mark.parametrize(
    "func,order,delay",
    [("smooth", 1, False), ("smooth3", 3, False), ("delay1", 1, True), ("delay3", 3, True)],
)
def test_smooth_and_delay_step_responses(func, order, delay):
    ds = run(_step_input([Aux(name="y", equation=f"{func}(x, tau)")]))
    x = ds.x.values[0]
    expected = _discrete_chain(x, 2.0, order, 0.25, delay)
    np.testing.assert_allclose(ds.y.values[0], expected, rtol=1e-12, atol=1e-15)
    if func == "smooth":
        k = np.arange(len(x)) - 4  # the step happens at t = 1, i.e. k = 4
        closed = np.where(k > 0, 1 - (1 - 0.25 / 2.0) ** np.maximum(k, 0), 0.0)
        np.testing.assert_allclose(ds.y.values[0], closed, rtol=1e-12, atol=1e-15)


def test_smooth_and_delay_with_initial_values():
    ds = run(
        _step_input(
            [
                Aux(name="s", equation="smooth(x, tau, 5)"),
                Aux(name="d", equation="delay1(x, tau, 5)"),
                Aux(name="d3", equation="delay3(x, tau, 5)"),
            ]
        )
    )
    assert ds.s.values[0, 0] == 5.0
    assert ds.d.values[0, 0] == pytest.approx(5.0, rel=1e-15)
    assert ds.d3.values[0, 0] == pytest.approx(5.0, rel=1e-15)
    assert ds.s.values[0, -1] < 5.0


def test_step_ramp_pulse():
    ds = run(
        model(
            [
                Aux(name="s", equation="step(3, 2)"),
                Aux(name="r", unit="dimensionless", equation="ramp(0.5, 2, 6)"),
                Aux(name="p", equation="pulse(4, 1.5)"),
            ],
            dt=0.5,
        )
    )
    t = ds.time.values
    np.testing.assert_array_equal(ds.s.values[0], np.where(t >= 2, 3.0, 0.0))
    np.testing.assert_allclose(ds.r.values[0], 0.5 * (np.clip(t, 2, 6) - 2))
    np.testing.assert_array_equal(ds.p.values[0], np.where((t >= 4) & (t < 5.5), 1.0, 0.0))


def test_lookup_clamps_and_series_hold():
    ds = run(
        model(
            [
                Lookup(name="f", x=[2.0, 4.0, 6.0], y=[10.0, 20.0, 0.0]),
                Aux(name="x", equation="time / dt * 0.5"),  # 0, 0.25 ... in steps of 1/4 dt
                Aux(name="y", equation="f(time * 1 / dt * dt / year_one)"),
                Constant(name="year_one", unit="year", value=1.0),
                TimeSeries(name="ts", times=[3.0, 5.0], values=[1.0, 3.0]),
                Aux(name="z", equation="ts"),
            ],
            dt=0.5,
        )
    )
    t = ds.time.values
    np.testing.assert_allclose(ds.y.values[0], np.interp(t, [2, 4, 6], [10, 20, 0]))
    assert ds.y.values[0, 0] == 10.0 and ds.y.values[0, -1] == 0.0
    np.testing.assert_allclose(ds.z.values[0], np.interp(t, [3, 5], [1, 3]))
    assert ds.z.values[0, 0] == 1.0 and ds.z.values[0, -1] == 3.0


def test_delay_fixed_shifts_by_exactly_tau():
    ds = run(
        model(
            [
                TimeSeries(name="inp", times=[0.0, 3.0, 10.0], values=[0.0, 9.0, 2.0]),
                Aux(name="x", equation="inp"),
                Aux(name="y", equation="delay_fixed(x, 1.5, -1)"),
            ],
            dt=0.25,
        )
    )
    x, y = ds.x.values[0], ds.y.values[0]
    lag = 6  # 1.5 / 0.25
    np.testing.assert_array_equal(y[:lag], -1.0)
    np.testing.assert_array_equal(y[lag:], x[:-lag])


def test_arrays_sum_subscripts_and_per_element_equations():
    spec = model(
        [
            Constant(name="c", dims=["r", "s"], value=1.0),
            Constant(name="w", dims=["r"], value={"a": 1.0, "b": 2.0, "*": 3.0}),
            Constant(name="yr", unit="year", value=1.0),
            Aux(name="x", dims=["r", "s"], equation="c * w + time / yr"),
            Aux(name="by_r", dims=["r"], equation="sum(x, s)"),
            Aux(name="total", equation="sum(sum(x[r, s], s), r)"),
            Aux(name="pick", equation="x[b, q]"),
            Aux(
                name="per", dims=["r"], equation={"a": "by_r[c_el] * 0 + 7", "*": "by_r - by_r[a]"}
            ),
        ],
        dims={"r": ["a", "b", "c_el"], "s": ["p", "q"]},
        stop=1.0,
        dt=0.5,
    )
    ds = run(spec)
    t = ds.time.values
    w = np.array([1.0, 2.0, 3.0])
    x = w[None, :, None] + t[:, None, None] + np.zeros((1, 1, 2))
    np.testing.assert_allclose(ds.x.values[0], x)
    np.testing.assert_allclose(ds.by_r.values[0], x.sum(axis=2))
    np.testing.assert_allclose(ds.total.values[0], x.sum(axis=(1, 2)))
    np.testing.assert_allclose(ds.pick.values[0], x[:, 1, 1])
    by_r = x.sum(axis=2)
    per = by_r - by_r[:, :1]
    per[:, 0] = 7.0
    np.testing.assert_allclose(ds.per.values[0], per)


def test_arrayed_stateful_builtins_act_per_element():
    spec = model(
        [
            Constant(name="v", dims=["r"], value={"a": 1.0, "b": 4.0}),
            Aux(name="x", dims=["r"], equation="v * step(1, 1)"),
            Aux(name="sm", dims=["r"], equation="smooth(x, 2)"),
            Aux(name="sm_a", equation="smooth(x[a], 2)"),
            Aux(name="sm_b", equation="smooth(x[b], 2)"),
        ],
        dims={"r": ["a", "b"]},
    )
    ds = run(spec)
    np.testing.assert_array_equal(ds.sm.values[0, :, 0], ds.sm_a.values[0])
    np.testing.assert_array_equal(ds.sm.values[0, :, 1], ds.sm_b.values[0])


def test_stock_with_flows_and_save_step():
    spec = model(
        [
            Stock(name="s", unit="t", initial=10.0, inflows=["i"], outflows=["o"]),
            Flow(name="i", unit="t/year", equation="2"),
            Flow(name="o", unit="t/year", equation="s / life"),
            Constant(name="life", unit="year", value=10.0),
        ],
        dt=0.25,
        save_step=1.0,
    )
    ds = run(spec)
    assert list(ds.time.values) == [float(v) for v in range(11)]
    s = 10.0
    for _ in range(4):
        s = s + (2 - s / 10.0) * 0.25
    assert ds.s.values[0, 1] == s


@pytest.mark.parametrize("name", sorted(all_examples()))
def test_examples_run_with_both_backends(name):
    compiled = compile_model(all_examples()[name]())
    a = compiled.run(backend="numpy")
    b = compiled.run(backend="scalar")
    for var in a.data_vars:
        np.testing.assert_allclose(a[var].values, b[var].values, rtol=1e-12, atol=1e-300)


def test_arrayed_chain_capacity_is_consistent():
    ds = run(arrayed_chain())
    assert ds.capacity.dims == ("run", "time", "region", "sector")
    np.testing.assert_allclose(
        ds.regional_capacity.values, ds.capacity.values.sum(axis=3), rtol=1e-12
    )


def test_variable_is_found_by_name_after_the_list_changes():
    from kazind.engine import EngineError

    spec = arrayed_chain()
    names = spec.names()
    assert [spec.variable(n).name for n in names] == names
    assert spec == arrayed_chain() and spec.model_dump() == arrayed_chain().model_dump()
    last = spec.variables.pop()  # changed in place: the index follows
    with pytest.raises(EngineError, match="no variable named"):
        spec.variable(last.name)
    spec.variables.insert(0, last)
    assert spec.variable(last.name) is last and spec.variable(names[0]).name == names[0]
    copy = spec.model_copy(update={"variables": spec.variables[1:]})
    with pytest.raises(EngineError):
        copy.variable(last.name)
