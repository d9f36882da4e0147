"""Apply a scenario to the calibrated model: the spec the scenario runs on.

Every change acts from the year the scenario gives it (:meth:`Scenario.start_of`), so
that the scenario's path is the historical one, to the bit, before it:

- a **policy lever** (``kazind.model.LEVERS``) takes the scenario's value, and its
  start-year constant (``<lever>_from``) the year; the model's own equations hold the
  historical value before it;
- **any other constant** ``X`` the scenario changes keeps its historical (calibrated)
  value, the scenario's value goes to a new constant ``X__scenario`` (or a series, if
  scheduled), and every equation that reads ``X`` reads instead the auxiliary
  ``X__in_force = if_then_else(time < scenario__from, X, X__scenario)``. A change from
  the model's first year replaces the value outright. The parameter ``X`` of the
  compiled scenario is then the history's value: an ensemble's draw of it moves the
  path before the start, and the scenario's value holds after it in every draw;
- a **schedule** becomes a :class:`TimeSeries` of steps (the value before its first
  step is the scenario's parameter, or the calibrated value).
"""

from __future__ import annotations

from kazind.engine import Aux, Constant, ModelSpec, TimeSeries
from kazind.engine import expr as E
from kazind.scenarios.loader import Scenario, calibrated_spec, lever_starts, load_scenario

__all__ = [
    "FROM_CONSTANT",
    "IN_FORCE_SUFFIX",
    "SCENARIO_SUFFIX",
    "STEP_EPSILON",
    "scenario_spec",
    "step_points",
    "switched_constants",
]

#: A schedule's step: the old value holds until just before the year of the new one.
STEP_EPSILON = 1e-6
#: The constant holding the year a switched constant's scenario value acts from.
FROM_CONSTANT = "scenario__from"
#: Suffixes of the scenario's value of a switched constant and of the value in force.
SCENARIO_SUFFIX = "__scenario"
IN_FORCE_SUFFIX = "__in_force"


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


def switched_constants(spec: ModelSpec) -> list[str]:
    """The constants of a scenario's ``spec`` whose scenario value waits for its start
    (each has an ``X__scenario`` twin): their own value is the historical one."""
    names = set(spec.names())
    return sorted(
        v.name for v in spec.variables if v.kind == "constant" and v.name + SCENARIO_SUFFIX in names
    )


def _merged(var: Constant, value):
    if isinstance(value, dict):
        old = dict(var.value) if isinstance(var.value, dict) else {"*": var.value}
        return {**old, **value}
    return value


def _series(var, scenario: Scenario, before: float, start: float, name: str) -> TimeSeries:
    times, values = step_points(before, scenario.schedules[var.name], start)
    return TimeSeries(
        name=name,
        unit=var.unit,
        description=var.description,
        source=(var.source + " " if var.source else "")
        + f"Scheduled by scenario {scenario.name!r}.",
        times=times,
        values=values,
    )


def _renamed(node: E.Node, mapping: dict[str, str]) -> E.Node:
    """``node`` with the variables of ``mapping`` renamed (chains walked without recursion)."""
    if isinstance(node, E.Name):
        return E.Name(mapping.get(node.id, node.id))
    if isinstance(node, E.Subscript):
        return E.Subscript(mapping.get(node.name, node.name), node.elements)
    if isinstance(node, E.BinOp) and node.op in E.CHAIN_GROUP:
        first, levels = E.spine(node)
        out = _renamed(first, mapping)
        for level in levels:
            out = E.BinOp(level.op, out, _renamed(level.right, mapping))
        return out
    if isinstance(node, E.BinOp):
        return E.BinOp(node.op, _renamed(node.left, mapping), _renamed(node.right, mapping))
    if isinstance(node, E.Compare):
        return E.Compare(node.op, _renamed(node.left, mapping), _renamed(node.right, mapping))
    if isinstance(node, E.UnaryOp):
        return E.UnaryOp(node.op, _renamed(node.operand, mapping))
    if isinstance(node, E.Not):
        return E.Not(_renamed(node.operand, mapping))
    if isinstance(node, E.BoolOp):
        return E.BoolOp(node.op, tuple(_renamed(v, mapping) for v in node.values))
    if isinstance(node, E.Call):
        args = list(node.args)
        keep = {1} if node.func == "sum" and len(args) == 2 else set()  # sum's dimension
        return E.Call(
            node.func, tuple(a if i in keep else _renamed(a, mapping) for i, a in enumerate(args))
        )
    return node


def _rewrite(equation, name: str, mapping: dict[str, str]):
    """An equation (text, or text by element) reading the renamed variables."""
    if isinstance(equation, dict):
        return {k: _rewrite(v, name, mapping) for k, v in equation.items()}
    if not isinstance(equation, str):
        return equation
    tree = E.parse(equation, name)
    if not (E.references(tree) & set(mapping)):
        return equation
    return E.to_text(_renamed(tree, mapping))


def scenario_spec(scenario: Scenario | str, base: ModelSpec | None = None) -> ModelSpec:
    """The calibrated ``ModelSpec`` (or ``base``) with ``scenario`` applied, each change
    from its year (see the module docstring).

    Parameters
    ----------
    scenario
        A :class:`Scenario`, a scenario's name or the path of its file.
    base
        The spec to change (default: the calibrated model's).

    Returns
    -------
    ModelSpec
        A new spec: levers take the scenario's values from their start years; any other
        constant the scenario sets is switched by a generated ``<name>__in_force``
        auxiliary (historical before the scenario's start, the scenario's value after).

    Examples
    --------
    >>> spec = scenario_spec("raw-material-base")
    >>> spec.variable("processing_priority").value, spec.variable("scenario__from").value
    (0.4, 1926.0)
    >>> "allocation_weight__in_force" in spec.names()
    True
    """
    scenario = load_scenario(scenario)
    spec = base if base is not None else calibrated_spec()
    first = float(spec.time.start)
    levers = lever_starts()
    start_of_lever = {
        levers[name]: scenario.start_of(name)
        for name in scenario.changes()
        if name in levers and levers[name] not in scenario.parameters
    }
    switched: dict[str, float] = {}
    variables = []
    extra = []
    for var in spec.variables:
        if var.kind != "constant":
            variables.append(var)
            continue
        name = var.name
        changed = name in scenario.parameters or name in scenario.schedules
        if name in start_of_lever:
            var = var.model_copy(update={"value": start_of_lever[name]})
        if not changed:
            variables.append(var)
            continue
        value = (
            _merged(var, scenario.parameters[name]) if name in scenario.parameters else var.value
        )
        start = scenario.start_of(name) if name in scenario.changes() else first
        late = name not in levers and name in scenario.changes() and start > first
        if not late:  # a lever (the model holds history before its year), or from the start
            var = var.model_copy(update={"value": value})
            if name in scenario.schedules:
                var = _series(var, scenario, float(value), first, name)
            variables.append(var)
            continue
        switched[name] = start
        variables.append(var)  # the historical value, under its own name
        twin = name + SCENARIO_SUFFIX
        if name in scenario.schedules:
            extra.append(_series(var, scenario, float(value), first, twin))
        else:
            extra.append(
                var.model_copy(
                    update={
                        "name": twin,
                        "value": value,
                        "description": f"Scenario {scenario.name!r}: {name} from {start:g}.",
                    }
                )
            )
        extra.append(
            Aux(
                name=name + IN_FORCE_SUFFIX,
                unit=var.unit,
                dims=list(var.dims),
                equation=f"if_then_else(time < {FROM_CONSTANT}, {name}, {twin})",
                description=f"{name} in force: its historical value before {start:g}, the scenario's after.",
            )
        )
    if switched:
        years = sorted(set(switched.values()))
        assert len(years) == 1, years  # every other constant acts from the scenario's one start
        extra.insert(
            0,
            Constant(
                name=FROM_CONSTANT,
                unit="year",
                value=years[0],
                bounds=(first, float(spec.time.stop)),
                description=f"The year scenario {scenario.name!r} changes its constants from.",
            ),
        )
        mapping = {n: n + IN_FORCE_SUFFIX for n in switched}
        variables = [
            v.model_copy(update={"equation": _rewrite(v.equation, v.name, mapping)})
            if v.kind in ("aux", "flow")
            else v
            for v in variables
        ]
    description = (spec.description + "\n\n" if spec.description else "") + (
        f"Scenario {scenario.name}: {scenario.title.get('en', scenario.name)}"
    )
    return ModelSpec(
        **{**spec.model_dump(exclude={"variables", "description"}), "description": description},
        variables=variables + extra,
    )
