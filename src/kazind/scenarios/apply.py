"""Apply a scenario to the calibrated model: the spec the scenario runs on."""

from __future__ import annotations

from kazind.engine import ModelSpec, TimeSeries
from kazind.scenarios.loader import Scenario, calibrated_spec, load_scenario

#: A schedule's step: the old value holds until just before the year of the new one.
STEP_EPSILON = 1e-6


def step_points(
    before: float, steps: list[tuple[int, float]], start: float
) -> tuple[list[float], list[float]]:
    """Points of a piecewise-constant series: ``before`` until the first step's year,
    then each step's value from its year until just before the next one's.

    A time series is linear between points and held beyond its ends, so each value
    gets two points, ``(y, v)`` and ``(y_next - 1e-6, v)``.
    """
    values = [(start, before)] if steps[0][0] > start else []
    values += [(float(y), float(v)) for y, v in steps]
    times: list[float] = []
    vals: list[float] = []
    for i, (y, v) in enumerate(values):
        times.append(y)
        vals.append(v)
        if i + 1 < len(values):
            times.append(values[i + 1][0] - STEP_EPSILON)
            vals.append(v)
    return times, vals


def scenario_spec(scenario: Scenario | str, base: ModelSpec | None = None) -> ModelSpec:
    """The calibrated ``ModelSpec`` (or ``base``) with ``scenario`` applied.

    A parameter replaces the constant's value (for arrayed constants, the elements
    given); a scheduled constant becomes a :class:`TimeSeries` of steps with the
    constant's unit, description and source kept.
    """
    scenario = load_scenario(scenario)
    spec = base if base is not None else calibrated_spec()
    variables = []
    for var in spec.variables:
        if var.kind == "constant" and var.name in scenario.parameters:
            value = scenario.parameters[var.name]
            if isinstance(value, dict):
                old = dict(var.value) if isinstance(var.value, dict) else {"*": var.value}
                value = {**old, **value}
            var = var.model_copy(update={"value": value})
        if var.kind == "constant" and var.name in scenario.schedules:
            times, values = step_points(
                float(var.value), scenario.schedules[var.name], spec.time.start
            )
            var = TimeSeries(
                name=var.name,
                unit=var.unit,
                description=var.description,
                source=(var.source + " " if var.source else "")
                + f"Scheduled by scenario {scenario.name!r}.",
                times=times,
                values=values,
            )
        variables.append(var)
    description = (spec.description + "\n\n" if spec.description else "") + (
        f"Scenario {scenario.name}: {scenario.title.get('en', scenario.name)}"
    )
    return ModelSpec(
        **{**spec.model_dump(exclude={"variables", "description"}), "description": description},
        variables=variables,
    )
