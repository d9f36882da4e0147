"""The model spec: pydantic classes describing a stock-and-flow model, and its structure checks.

A :class:`ModelSpec` is plain data (it round-trips through YAML and JSON). Building one
checks structure only: identifiers, unique names, known dimensions and elements, that
each stock's flows exist and are arrayed like it, bounds, lookup and series shapes, and
time settings. Equations are checked later, by :func:`kazind.engine.compile_model`,
because that needs the parser, the dependency graph and the units.

Structural problems raise :class:`EngineError` naming the variable; field-level type
problems (missing key, wrong type, unknown key) raise pydantic's ``ValidationError``
when a class is built directly, and :class:`EngineError` with file and line when a
model is loaded through :mod:`kazind.engine.loader`.
"""

from __future__ import annotations

import keyword
import math
import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kazind.engine import builtins
from kazind.engine.errors import EngineError

#: Built-in functions and their (minimum, maximum) number of arguments (derived from
#: :data:`kazind.engine.builtins.TABLE`, kept for callers of the first version).
BUILTINS: dict[str, tuple[int, int]] = {n: b.arity for n, b in builtins.TABLE.items()}

#: Built-ins that keep state between steps; they become hidden stocks when compiled.
STATEFUL = builtins.of_kind("stateful")

#: Names with a fixed meaning inside equations.
SPECIAL_NAMES = frozenset({"time", "dt"})

#: Names the output Dataset uses itself (its run dimension); no variable may take them.
OUTPUT_NAMES = frozenset({"run"})

#: Names no variable, dimension or element may take (besides the built-ins' names,
#: looked up in the table when checked).
RESERVED = frozenset(BUILTINS) | SPECIAL_NAMES | OUTPUT_NAMES | frozenset(keyword.kwlist)

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")

Scalar = float
Equation = str | dict[str, str]


def check_identifier(name: str, what: str) -> None:
    """Raise :class:`EngineError` unless ``name`` is a usable identifier."""
    if not isinstance(name, str) or not _IDENT.match(name):
        raise EngineError(f"{what} {name!r} is not an identifier ([A-Za-z_][A-Za-z0-9_]*)")
    if name in RESERVED or builtins.is_builtin(name) or name.startswith("__"):
        raise EngineError(f"{what} {name!r} is a reserved name")
    if name.startswith("param_"):
        raise EngineError(
            f"{what} {name!r} is a reserved name (the output names parameters 'param_<name>')"
        )


class TimeSettings(BaseModel):
    """Start, stop, time step, save step, integration method and time unit."""

    model_config = ConfigDict(extra="forbid")

    start: float
    stop: float
    dt: float = 1.0
    save_step: float | None = None
    method: Literal["euler", "rk4"] = "euler"
    unit: str = "year"

    @model_validator(mode="after")
    def _check(self) -> TimeSettings:
        check_time(self.start, self.stop, self.dt, self.save_step)
        return self

    def n_steps(self) -> int:
        """Number of integration steps from start to stop."""
        return round((self.stop - self.start) / self.dt)


def check_time(start: float, stop: float, dt: float, save_step: float | None) -> None:
    """Raise :class:`EngineError` unless the time settings describe a whole number of steps."""
    for label, value in (("start", start), ("stop", stop), ("dt", dt)):
        if not math.isfinite(value):
            raise EngineError(f"{label} must be finite, got {value!r}", where="time")
    if not dt > 0:
        raise EngineError(f"dt must be positive, got {dt!r}", where="time")
    if not stop > start:
        raise EngineError(f"stop ({stop!r}) must be after start ({start!r})", where="time")
    steps = (stop - start) / dt
    if abs(steps - round(steps)) > 1e-6 * max(1.0, steps):
        raise EngineError(
            f"(stop - start) / dt = {steps!r} is not a whole number of steps", where="time"
        )
    if save_step is not None:
        ratio = save_step / dt if math.isfinite(save_step) and save_step > 0 else -1.0
        if ratio < 0.5 or abs(ratio - round(ratio)) > 1e-6 * ratio:
            raise EngineError(
                f"save_step {save_step!r} must be a positive multiple of dt {dt!r}", where="time"
            )


class _Var(BaseModel):
    """Fields every variable has."""

    model_config = ConfigDict(extra="forbid")

    name: str
    unit: str = "dimensionless"
    dims: list[str] = []
    description: str = ""
    source: str = ""


class Stock(_Var):
    """A level, integrated from its inflows minus its outflows."""

    kind: Literal["stock"] = "stock"
    initial: str | float | dict[str, str | float]
    inflows: list[str] = []
    outflows: list[str] = []
    non_negative: bool = False


class Flow(_Var):
    """A rate that some stock lists among its inflows or outflows."""

    kind: Literal["flow"] = "flow"
    equation: str | dict[str, str]


class Aux(_Var):
    """An auxiliary: computed from other variables at each step."""

    kind: Literal["aux"] = "aux"
    equation: str | dict[str, str]


class Constant(_Var):
    """A parameter, fixed during a run, overridable per run."""

    kind: Literal["constant"] = "constant"
    value: float | dict[str, float]
    bounds: tuple[float, float] | None = None


class Lookup(_Var):
    """A table function: linear between points, clamped at the ends; called as ``name(x)``."""

    kind: Literal["lookup"] = "lookup"
    x: list[float]
    y: list[float]
    x_unit: str = "dimensionless"


class TimeSeries(_Var):
    """Data over time: linear between points, held beyond the ends; used by name."""

    kind: Literal["series"] = "series"
    times: list[float]
    values: list[float]


Variable = Annotated[
    Stock | Flow | Aux | Constant | Lookup | TimeSeries, Field(discriminator="kind")
]


class ModelSpec(BaseModel):
    """A whole model: name, time settings, dimensions and variables."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    time: TimeSettings
    dimensions: dict[str, list[str]] = {}
    variables: list[Variable]

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            error = EngineError(describe_validation_error(exc))
            error.validation_errors = exc.errors(include_url=False)  # for file/line lookup
            raise error from None

    @model_validator(mode="after")
    def _check(self) -> ModelSpec:
        check_structure(self)
        return self

    # -- helpers ---------------------------------------------------------------
    def variable(self, name: str) -> Stock | Flow | Aux | Constant | Lookup | TimeSeries:
        """The variable called ``name``; :class:`EngineError` if there is none.

        A dict lookup (callers ask per stored variable, so a linear search made building
        a run of a large model quadratic): the index of each name is kept, checked on
        every hit and rebuilt when the list of variables was changed in place."""
        index = self.__dict__.get("_index")
        i = index.get(name) if index is not None else None
        variables = self.variables
        if i is None or i >= len(variables) or variables[i].name != name:
            index = {v.name: j for j, v in enumerate(variables)}
            self.__dict__["_index"] = index  # not a field: dumps and == ignore it
            i = index.get(name)
            if i is None:
                raise EngineError(f"no variable named {name!r}")
        return variables[i]

    def names(self) -> list[str]:
        """All variable names, in spec order."""
        return [v.name for v in self.variables]

    def _of(self, cls: type) -> list:
        return [v for v in self.variables if isinstance(v, cls)]

    def stocks(self) -> list[Stock]:
        return self._of(Stock)

    def flows(self) -> list[Flow]:
        return self._of(Flow)

    def auxes(self) -> list[Aux]:
        return self._of(Aux)

    def constants(self) -> list[Constant]:
        return self._of(Constant)

    def lookups(self) -> list[Lookup]:
        return self._of(Lookup)

    def series(self) -> list[TimeSeries]:
        return self._of(TimeSeries)

    def shape(self, name: str) -> tuple[int, ...]:
        """The element counts of ``name``'s dimensions (``()`` for a scalar)."""
        return tuple(len(self.dimensions[d]) for d in self.variable(name).dims)


def describe_validation_error(exc: ValidationError) -> str:
    """One line per pydantic error, with the key path, for messages without a file."""
    parts = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        parts.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else err.get("msg", "invalid"))
    return "invalid model spec: " + "; ".join(parts)


def check_structure(spec: ModelSpec) -> None:
    """The structural checks of a spec; raise :class:`EngineError` naming the variable."""
    if not spec.name.strip():
        raise EngineError("the model needs a name")
    elements: set[str] = set()
    for dim, elems in spec.dimensions.items():
        check_identifier(dim, "dimension")
        if not elems:
            raise EngineError(f"dimension {dim!r} has no elements")
        if len(set(elems)) != len(elems):
            raise EngineError(f"dimension {dim!r} lists an element twice")
        for el in elems:
            check_identifier(el, f"element of {dim!r}")
            if el in spec.dimensions:
                raise EngineError(f"element {el!r} of {dim!r} has the name of a dimension")
        elements.update(elems)
    seen: set[str] = set()
    for var in spec.variables:
        check_identifier(var.name, "variable name")
        if var.name in seen:
            raise EngineError(f"variable {var.name!r} is defined twice")
        if var.name in spec.dimensions:
            raise EngineError(f"variable {var.name!r} has the name of a dimension")
        if var.name in elements:
            raise EngineError(f"variable {var.name!r} has the name of a dimension element")
        seen.add(var.name)
    by_name = {v.name: v for v in spec.variables}
    for var in spec.variables:
        _check_variable(spec, var, by_name)


def _check_variable(spec: ModelSpec, var: Any, by_name: dict[str, Any]) -> None:
    where = f"variable {var.name!r}"
    for dim in var.dims:
        if dim not in spec.dimensions:
            raise EngineError(f"unknown dimension {dim!r}", where=where)
    if len(set(var.dims)) != len(var.dims):
        raise EngineError("a dimension is listed twice in dims", where=where)
    if isinstance(var, Lookup | TimeSeries) and var.dims:
        raise EngineError("lookups and time series cannot be arrayed", where=where)
    if isinstance(var, Stock):
        _check_per_element(spec, var, var.initial, "initial")
        initials = var.initial.values() if isinstance(var.initial, dict) else [var.initial]
        for value in initials:
            if isinstance(value, float | int) and not math.isfinite(value):
                raise EngineError(f"initial value {value!r} is not finite", where=where)
        for flow_name in var.inflows + var.outflows:
            flow = by_name.get(flow_name)
            if not isinstance(flow, Flow):
                what = "unknown" if flow is None else f"a {flow.kind}, not a flow:"
                raise EngineError(f"inflows/outflows: {what} {flow_name!r}", where=where)
            if flow.dims != var.dims:
                raise EngineError(
                    f"flow {flow_name!r} has dims {flow.dims}, the stock has {var.dims}",
                    where=where,
                )
        if len(set(var.inflows + var.outflows)) != len(var.inflows) + len(var.outflows):
            raise EngineError("a flow is listed twice among inflows/outflows", where=where)
    elif isinstance(var, Flow | Aux):
        _check_per_element(spec, var, var.equation, "equation")
    elif isinstance(var, Constant):
        _check_per_element(spec, var, var.value, "value")
        values = var.value.values() if isinstance(var.value, dict) else [var.value]
        for value in values:
            if not math.isfinite(value):
                raise EngineError(f"value {value!r} is not finite", where=where)
        if var.bounds is not None:
            low, high = var.bounds
            if not low <= high:
                raise EngineError(f"bounds {var.bounds} are not ordered", where=where)
            for value in values:
                if not low <= value <= high:
                    raise EngineError(
                        f"value {value!r} lies outside bounds [{low!r}, {high!r}]", where=where
                    )
    elif isinstance(var, Lookup):
        _check_points(var.x, var.y, "x", "y", where)
    elif isinstance(var, TimeSeries):
        _check_points(var.times, var.values, "times", "values", where)


def _check_points(xs: list[float], ys: list[float], xl: str, yl: str, where: str) -> None:
    if not xs:
        raise EngineError(f"{xl} is empty", where=where)
    if len(xs) != len(ys):
        raise EngineError(f"{xl} has {len(xs)} points but {yl} has {len(ys)}", where=where)
    if not all(math.isfinite(v) for v in list(xs) + list(ys)):
        raise EngineError(f"{xl}/{yl} contain a value that is not finite", where=where)
    if any(b <= a for a, b in zip(xs, xs[1:], strict=False)):
        raise EngineError(f"{xl} must be strictly increasing", where=where)


def _check_per_element(spec: ModelSpec, var: Any, value: Any, field: str) -> None:
    """A dict value is per element: one dimension, keys its elements (or '*' as default)."""
    if not isinstance(value, dict):
        return
    where = f"variable {var.name!r}"
    if len(var.dims) != 1:
        raise EngineError(
            f"{field}: a per-element dict needs exactly one dimension, the variable has "
            f"{len(var.dims)}",
            where=where,
        )
    elems = spec.dimensions[var.dims[0]]
    unknown = [k for k in value if k != "*" and k not in elems]
    if unknown:
        raise EngineError(
            f"{field}: {unknown[0]!r} is not an element of {var.dims[0]!r}", where=where
        )
    missing = [e for e in elems if e not in value]
    if missing and "*" not in value:
        raise EngineError(
            f"{field}: no entry for element {missing[0]!r} and no '*' default", where=where
        )


def element_values(spec: ModelSpec, var: Any, value: Any) -> list[Any]:
    """A per-element dict (or one value for all) as a list in element order."""
    if not var.dims:
        return [value]
    n = math.prod(len(spec.dimensions[d]) for d in var.dims)
    if not isinstance(value, dict):
        return [value] * n
    elems = spec.dimensions[var.dims[0]]
    return [value.get(e, value.get("*")) for e in elems]


def element_items(spec: ModelSpec, var: Any, value: dict) -> list[tuple[str, Any]]:
    """A per-element dict of a 1-D variable as (element, value) pairs in element order,
    with the ``'*'`` default filled in."""
    return list(zip(spec.dimensions[var.dims[0]], element_values(spec, var, value), strict=True))
