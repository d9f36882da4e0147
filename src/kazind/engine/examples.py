"""Small example models: test fixtures, and the set the Vensim/XMILE exporters cross-check in PySD.

Together they use every built-in, arrays (apply-to-all, per-element dicts, element
subscripts, ``sum``), lookups and time series. Their time steps are powers of two, so
that ``time`` is exact in binary and a step or pulse happens at the same step in every
tool. :func:`all_examples` lists them by name.
"""

from __future__ import annotations

from collections.abc import Callable

from kazind.engine.spec import (
    Aux,
    Constant,
    Flow,
    Lookup,
    ModelSpec,
    Stock,
    TimeSeries,
    TimeSettings,
)


def exponential_growth(rate: float = 0.03, dt: float = 0.25) -> ModelSpec:
    """One stock growing at a constant rate: ``population(t) = 100 (1 + rate dt)^n`` under Euler."""
    return ModelSpec(
        name="exponential_growth",
        description="Exponential growth of one stock.",
        time=TimeSettings(start=0.0, stop=20.0, dt=dt, unit="year"),
        variables=[
            Stock(
                name="population",
                unit="person",
                initial="initial_population",
                inflows=["births"],
                non_negative=True,
            ),
            Flow(name="births", unit="person/year", equation="population * growth_rate"),
            Constant(name="growth_rate", unit="1/year", value=rate, bounds=(-1.0, 1.0)),
            Constant(name="initial_population", unit="person", value=100.0),
        ],
    )


def smooth_and_delay() -> ModelSpec:
    """A step input fed through every smooth and delay, with and without an initial value."""
    return ModelSpec(
        name="smooth_and_delay",
        description="Step responses of smooth, smooth3, delay1, delay3 and delay_fixed.",
        time=TimeSettings(start=0.0, stop=20.0, dt=0.125, unit="year"),
        variables=[
            Aux(name="signal", unit="t/year", equation="base + step(height, 2)"),
            Constant(name="base", unit="t/year", value=5.0),
            Constant(name="height", unit="t/year", value=10.0),
            Constant(name="tau", unit="year", value=3.0, bounds=(0.5, 10.0)),
            Aux(name="smoothed", unit="t/year", equation="smooth(signal, tau)"),
            Aux(name="smoothed_i", unit="t/year", equation="smooth(signal, tau, 1)"),
            Aux(name="smoothed3", unit="t/year", equation="smooth3(signal, tau)"),
            Aux(name="smoothed3_i", unit="t/year", equation="smooth3(signal, tau, 2 * base)"),
            Aux(name="delayed1", unit="t/year", equation="delay1(signal, tau)"),
            Aux(name="delayed1_i", unit="t/year", equation="delay1(signal, tau, 0)"),
            Aux(name="delayed3", unit="t/year", equation="delay3(signal, tau)"),
            Aux(name="delayed3_i", unit="t/year", equation="delay3(signal, 2 * tau, base)"),
            Aux(name="shifted", unit="t/year", equation="delay_fixed(signal, 1.5, base)"),
            Stock(name="shipped", unit="t", initial=0.0, inflows=["arrivals"]),
            Flow(name="arrivals", unit="t/year", equation="delayed3"),
        ],
    )


def arrayed_chain() -> ModelSpec:
    """Capacity by region and sector: apply-to-all, per-element equations, subscripts, ``sum``."""
    return ModelSpec(
        name="arrayed_chain",
        description="An arrayed capital chain with regional investment shares.",
        time=TimeSettings(start=1913.0, stop=1940.0, dt=0.25, unit="year"),
        dimensions={"region": ["north", "south", "east"], "sector": ["coal", "metal"]},
        variables=[
            Stock(
                name="capacity",
                unit="Mt",
                dims=["region", "sector"],
                initial="initial_capacity * share",
                inflows=["investment"],
                outflows=["retirement"],
                non_negative=True,
            ),
            Flow(
                name="investment",
                unit="Mt/year",
                dims=["region", "sector"],
                equation="smooth(total_investment * share * sector_weight, lag)",
            ),
            Flow(
                name="retirement",
                unit="Mt/year",
                dims=["region", "sector"],
                equation="capacity / lifetime",
            ),
            Constant(name="initial_capacity", unit="Mt", value=10.0),
            Constant(
                name="share",
                unit="dimensionless",
                dims=["region"],
                value={"north": 0.5, "south": 0.3, "east": 0.2},
                bounds=(0.0, 1.0),
            ),
            Constant(
                name="sector_weight",
                unit="dimensionless",
                dims=["sector"],
                value={"coal": 0.6, "metal": 0.4},
            ),
            Constant(
                name="lifetime", unit="year", dims=["sector"], value={"coal": 30.0, "*": 20.0}
            ),
            Constant(name="lag", unit="year", value=2.0),
            Aux(
                name="total_investment",
                unit="Mt/year",
                equation="invest_rate * sum(regional_capacity, region)",
            ),
            Constant(name="invest_rate", unit="1/year", value=0.08, bounds=(0.0, 0.5)),
            Aux(
                name="regional_capacity",
                unit="Mt",
                dims=["region"],
                equation="sum(capacity[region, sector], sector)",
            ),
            Aux(
                name="north_lead",
                unit="Mt",
                dims=["region"],
                equation={
                    "north": "0 * regional_capacity",
                    "*": "regional_capacity[north] - regional_capacity",
                },
            ),
            Aux(
                name="coal_share",
                unit="dimensionless",
                dims=["region"],
                equation="zidz(capacity[region, coal], regional_capacity)",
            ),
            Aux(
                name="lagged_capacity",
                unit="Mt",
                dims=["region"],
                equation="delay1(regional_capacity, lag)",
            ),
        ],
    )


def all_builtins() -> ModelSpec:
    """The non-stateful built-ins, a lookup and a time series, each in one auxiliary."""
    return ModelSpec(
        name="all_builtins",
        description="Every non-stateful built-in, a lookup and a time series.",
        time=TimeSettings(start=0.0, stop=10.0, dt=0.5, save_step=1.0, unit="year"),
        variables=[
            Constant(name="a", unit="dimensionless", value=2.0),
            Constant(name="b", unit="dimensionless", value=-3.0),
            Constant(name="half_span", unit="year", value=5.0),
            Aux(name="t_rel", unit="dimensionless", equation="(time - half_span) / half_span * a"),
            Aux(name="v_min", unit="dimensionless", equation="min(a, b)"),
            Aux(name="v_max", unit="dimensionless", equation="max(a, b)"),
            Aux(name="v_abs", unit="dimensionless", equation="abs(t_rel)"),
            Aux(name="v_exp", unit="dimensionless", equation="exp(-abs(t_rel))"),
            Aux(name="v_ln", unit="dimensionless", equation="ln(1 + v_abs)"),
            Aux(name="v_sqrt", unit="dimensionless", equation="sqrt(v_abs)"),
            Aux(
                name="v_if",
                unit="dimensionless",
                equation="if_then_else(t_rel > 0 and not (a < b) or time == 0, 1, -1)",
            ),
            Aux(name="v_zidz", unit="dimensionless", equation="zidz(a, t_rel)"),
            Aux(name="v_xidz", unit="dimensionless", equation="xidz(b, t_rel, 7)"),
            Aux(name="v_step", unit="dimensionless", equation="step(3, 2)"),
            Aux(name="v_ramp", unit="dimensionless", equation="ramp(0.5, 2, 6)"),
            Aux(name="v_pulse", unit="dimensionless", equation="pulse(4, 1.5)"),
            Lookup(
                name="effect",
                unit="dimensionless",
                x=[-2.0, 0.0, 1.0, 2.0],
                y=[0.0, 1.0, 1.5, 1.75],
            ),
            Aux(name="v_lookup", unit="dimensionless", equation="effect(t_rel * 2)"),
            TimeSeries(name="price", unit="rouble", times=[2.0, 4.0, 8.0], values=[1.0, 3.0, 2.0]),
            Aux(name="v_series", unit="rouble", equation="price * dt / dt"),
            Aux(name="v_power", unit="dimensionless", equation="a ** 2 - +b / 2"),
            Stock(name="accum", unit="rouble*year", initial=0.0, inflows=["inflow"]),
            Flow(name="inflow", unit="rouble", equation="v_series"),
        ],
    )


def all_examples() -> dict[str, Callable[[], ModelSpec]]:
    """Each example builder by model name."""
    return {
        "exponential_growth": exponential_growth,
        "smooth_and_delay": smooth_and_delay,
        "arrayed_chain": arrayed_chain,
        "all_builtins": all_builtins,
    }
