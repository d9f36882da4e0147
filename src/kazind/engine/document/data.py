"""The data of a model's documentation: each variable's kind, dims, unit, definition,
bounds, description, source, sector, and the cross-references "uses" / "used by"."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from kazind.engine.errors import EngineError
from kazind.engine.expr import parse, references
from kazind.engine.spec import Aux, Constant, Flow, Lookup, ModelSpec, Stock, TimeSeries

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

# ---------------------------------------------------------------------------------------
# The data: variables, definitions, cross-references, sectors
# ---------------------------------------------------------------------------------------


@dataclass
class VariableDoc:
    """What the documentation says about one variable."""

    name: str
    kind: str
    dims: list[str]
    unit: str
    definition: list[tuple[str, str]]  # (label, text): label is "" or an element / field
    bounds: str
    description: str
    source: str
    sector: str
    uses: list[str] = field(default_factory=list)
    used_by: list[str] = field(default_factory=list)
    equation_uses: list[str] = field(default_factory=list)  # for information links


@dataclass
class ModelDoc:
    """A model's variables with cross-references, grouped into sectors in order."""

    spec: ModelSpec
    variables: dict[str, VariableDoc]
    sectors: dict[str, list[str]]  # sector -> variable names, both in spec order

    def counts(self) -> dict[str, int]:
        """Number of variables, stocks, flows and sectors."""
        kinds = [v.kind for v in self.variables.values()]
        return {
            "variables": len(kinds),
            "stocks": kinds.count("stock"),
            "flows": kinds.count("flow"),
            "sectors": len(self.sectors),
        }


def fmt_number(value: float) -> str:
    """A number as short text: integers without '.0', others with up to 6 significant digits."""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def _refs(text: str | float, name: str) -> set[str]:
    if not isinstance(text, str):
        return set()
    return references(parse(text, name))


def _per_element(value: object, fmt=str) -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [(str(k), fmt(v)) for k, v in value.items()]
    return [("", fmt(value))]


def _series_summary(times: list[float], values: list[float]) -> str:
    if len(times) == 1:
        return f"1 point: {fmt_number(values[0])} at {fmt_number(times[0])}"
    return (
        f"{len(times)} points, {fmt_number(times[0])}-{fmt_number(times[-1])}: "
        f"{fmt_number(values[0])} ... {fmt_number(values[-1])} (min {fmt_number(min(values))}, "
        f"max {fmt_number(max(values))})"
    )


def _lookup_points(xs: list[float], ys: list[float], limit: int = 12) -> str:
    pts = [f"({fmt_number(x)}, {fmt_number(y)})" for x, y in zip(xs, ys, strict=True)]
    if len(pts) > limit:
        pts = pts[: limit - 2] + ["...", pts[-1]]
    return " ".join(pts)


def describe(spec: ModelSpec, sectors: Mapping[str, str] | None = None) -> ModelDoc:
    """The documentation data of ``spec``; ``sectors`` maps variable -> sector name.

    Variables missing from ``sectors`` go to a sector called ``"other"``; with no
    mapping at all, every variable is in one sector named after the model. Raises
    :class:`EngineError` for an equation that does not parse.
    """
    default = "other" if sectors else spec.name
    sectors = sectors or {}
    docs: dict[str, VariableDoc] = {}
    for var in spec.variables:
        uses: set[str] = set()
        eq_uses: set[str] = set()
        bounds = ""
        if isinstance(var, Stock):
            definition = [
                (f"initial {k}".strip(), t) for k, t in _per_element(var.initial, _eqtext)
            ]
            if var.inflows:
                definition.append(("inflows", ", ".join(var.inflows)))
            if var.outflows:
                definition.append(("outflows", ", ".join(var.outflows)))
            for text in _values(var.initial):
                uses |= _refs(text, var.name)
            uses |= set(var.inflows) | set(var.outflows)
        elif isinstance(var, Flow | Aux):
            definition = _per_element(var.equation)
            for text in _values(var.equation):
                eq_uses |= _refs(text, var.name)
            uses = set(eq_uses)
        elif isinstance(var, Constant):
            definition = _per_element(var.value, fmt_number)
            if var.bounds is not None:
                bounds = f"[{fmt_number(var.bounds[0])}, {fmt_number(var.bounds[1])}]"
        elif isinstance(var, Lookup):
            definition = [("points", _lookup_points(var.x, var.y))]
            if var.x_unit != "dimensionless":
                definition.append(("x unit", var.x_unit))
        elif isinstance(var, TimeSeries):
            definition = [("series", _series_summary(var.times, var.values))]
        else:  # pragma: no cover - the spec admits only the kinds above
            raise EngineError(f"unknown kind of variable {var.name!r}")
        order = {n: i for i, n in enumerate(spec.names())}
        docs[var.name] = VariableDoc(
            name=var.name,
            kind=var.kind,
            dims=list(var.dims),
            unit=var.unit,
            definition=definition,
            bounds=bounds,
            description=var.description.strip(),
            source=var.source.strip(),
            sector=sectors.get(var.name, default),
            uses=sorted((u for u in uses if u in order), key=order.__getitem__),
            equation_uses=sorted((u for u in eq_uses if u in order), key=order.__getitem__),
        )
    for doc in docs.values():
        for used in doc.uses:
            docs[used].used_by.append(doc.name)
    by_sector: dict[str, list[str]] = {}
    for doc in docs.values():
        by_sector.setdefault(doc.sector, []).append(doc.name)
    return ModelDoc(spec=spec, variables=docs, sectors=by_sector)


def _values(value: object) -> list[object]:
    return list(value.values()) if isinstance(value, dict) else [value]


def _eqtext(value: object) -> str:
    return value if isinstance(value, str) else fmt_number(float(value))


def slug(text: str) -> str:
    """``text`` as a lower-case anchor fragment of letters, digits and '-'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "sector"
