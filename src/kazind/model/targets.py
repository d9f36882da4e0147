"""Calibration and validation targets: which fact of the record each model output answers to.

``targets.yaml`` links a fact id to a model variable, a time and a measure (the value,
a ratio or change between two times, a share's complement). The observed value is read
from the fact itself, never typed in again, so a correction of the record moves the
target. Each target's tolerance follows its source: the seed text and high-confidence
outside figures are held closest, low-confidence figures loosely. A target's residual
is its error in units of its tolerance, so "within tolerance" means ``|residual| <= 1``.

Roles: ``fit`` targets drive the calibration; ``holdout`` targets are left out of it
and reported separately (the out-of-sample test); ``input`` facts set a parameter or a
schedule directly and are reported for completeness, not scored; ``check`` targets
restate another target (a complement, the same figure in other units) and are reported
but not fitted, so that no figure counts twice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import xarray as xr
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kazind.common.errors import KazindError
from kazind.common.timeseries import value_at
from kazind.common.yamlio import load_yaml
from kazind.model.build import DATA_DIR
from kazind.record.facts import Fact, FactTable, Range, default_table

TARGETS_FILE = DATA_DIR / "targets.yaml"

Role = Literal["fit", "holdout", "input", "check"]
Measure = Literal["value", "ratio", "change", "growth", "one_minus"]
Comparison = Literal["equal", "at_least", "at_most", "within"]

#: Relative tolerance by the source's confidence (seed: the primary source).
TOLERANCE_BY_CONFIDENCE = {
    "seed": 0.10,
    "high": 0.10,
    "medium-high": 0.15,
    "medium": 0.25,
    "low-medium": 0.30,
    "low": 0.40,
}
#: Extra room for the text's own hedges.
QUALIFIER_FACTOR = {"about": 1.5, "nearly": 1.5}
#: Fact qualifiers that make a target one-sided.
QUALIFIER_COMPARISON = {
    "more_than": "at_least",
    "at_least": "at_least",
    "less_than": "at_most",
    "up_to": "at_most",
}


class Target(BaseModel):
    """One link from a fact to a model output. See the module docstring."""

    model_config = ConfigDict(extra="forbid")

    fact: str
    variable: str
    element: str | None = None
    at: float
    base: float | None = None
    measure: Measure = "value"
    scale: float = 1.0
    role: Role = "fit"
    comparison: Comparison | None = None
    observed: float | None = None
    observed_why: str | None = None
    tolerance: float | None = Field(default=None, gt=0)
    tolerance_abs: float | None = Field(default=None, gt=0)
    why: str = ""

    @model_validator(mode="after")
    def _check(self) -> Target:
        if MEASURES[self.measure].needs_base and self.base is None:
            raise ValueError(f"measure {self.measure!r} needs a base time")
        if self.observed is not None and not self.observed_why:
            raise ValueError("an observed value that is not the fact's own needs observed_why")
        return self

    @property
    def key(self) -> str:
        """A unique label: the fact id, with the element when one fact gives several targets."""
        return f"{self.fact}[{self.element}]" if self.element else self.fact


class Unexpressed(BaseModel):
    """A quantitative fact that is not a target: an input of the record or the model
    (``use: input``), or something the model cannot express (the default), and why."""

    model_config = ConfigDict(extra="forbid")

    fact: str
    use: Literal["input", "not_expressible"] = "not_expressible"
    why: str


class Literature(BaseModel):
    """A check from cited literature beyond the record: held out, never fitted.

    Its value is given here with its citation (the record holds the figures of the
    source text and the reference; these are figures an outside checker would bring).
    """

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^lit\.[a-z0-9_]+$")
    variable: str
    element: str | None = None
    at: float
    base: float | None = None
    measure: Measure = "value"
    value: float | None = None
    low: float | None = None
    high: float | None = None
    tolerance: float | None = Field(default=None, gt=0)
    confidence: Literal["high", "medium-high", "medium", "low-medium", "low"]
    citation: str = Field(min_length=1)
    statement: str = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> Literature:
        if (self.value is None) == (self.low is None or self.high is None):
            raise ValueError("give either value or both low and high")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError("low is above high")
        if MEASURES[self.measure].needs_base and self.base is None:
            raise ValueError(f"measure {self.measure!r} needs a base time")
        return self


@dataclass(frozen=True)
class ResolvedTarget:
    """A target with its observed value, comparison and tolerance worked out from its fact
    (or, for a literature check, from its own entry: ``fact`` is then None)."""

    target: Target
    fact: Fact | None
    observed: float | tuple[float, float]
    comparison: Comparison
    tolerance: float  # relative
    scale_abs: float  # the absolute size of one tolerance unit
    literature: Literature | None = None

    @property
    def key(self) -> str:
        return self.target.key

    @property
    def source_id(self) -> str:
        return self.fact.id if self.fact is not None else self.literature.id

    @property
    def confidence(self) -> str:
        if self.fact is None:
            return self.literature.confidence
        return "seed" if self.fact.is_seed else self.fact.source.confidence

    def statement(self, lang: str = "en") -> str:
        if self.fact is None:
            return f"{self.literature.statement} ({self.literature.citation})"
        return getattr(self.fact.statement, lang)


@dataclass(frozen=True)
class TargetSet:
    """All targets of the model, resolved against the record."""

    targets: tuple[ResolvedTarget, ...]
    unexpressed: tuple[Unexpressed, ...]
    file: str
    literature: tuple[ResolvedTarget, ...] = ()

    def by_role(self, *roles: str) -> list[ResolvedTarget]:
        return [t for t in self.targets if t.target.role in roles]

    def variables(self) -> list[str]:
        return sorted({t.target.variable for t in (*self.targets, *self.literature)})


def _confidence(fact: Fact) -> str:
    return "seed" if fact.is_seed else fact.source.confidence


def resolve(target: Target, fact: Fact) -> ResolvedTarget:
    """Work out observed value, comparison and tolerance of ``target`` from ``fact``."""
    if target.observed is not None:
        observed: float | tuple[float, float] = target.observed
    elif isinstance(fact.value, Range):
        observed = (fact.value.low * target.scale, fact.value.high * target.scale)
    elif isinstance(fact.value, int | float):
        observed = float(fact.value) * target.scale
    else:
        raise KazindError(
            f"target for {fact.id!r}: the fact has no value; give observed and observed_why"
        )
    if target.comparison is not None:
        comparison = target.comparison
    elif isinstance(observed, tuple):
        comparison = "within"
    else:
        comparison = QUALIFIER_COMPARISON.get(fact.qualifier, "equal")
    tolerance = target.tolerance
    if tolerance is None:
        tolerance = TOLERANCE_BY_CONFIDENCE[_confidence(fact)] * QUALIFIER_FACTOR.get(
            fact.qualifier, 1.0
        )
    size = abs(np.mean(observed)) if isinstance(observed, tuple) else abs(observed)
    scale_abs = max(tolerance * size, target.tolerance_abs or 0.0)
    if scale_abs <= 0 or not math.isfinite(scale_abs):
        raise KazindError(f"target for {fact.id!r}: tolerance is zero; give tolerance_abs")
    return ResolvedTarget(target, fact, observed, comparison, tolerance, scale_abs)


def load_targets(path: str | Path = TARGETS_FILE, facts: FactTable | None = None) -> TargetSet:
    """Load and resolve the targets; every fact id must exist, every key be unique."""
    doc = load_yaml(path)
    facts = facts or default_table()
    data = doc.data or {}
    if not isinstance(data, dict) or set(data) - {"targets", "unexpressed", "literature"}:
        raise doc.error("expected the keys 'targets', 'unexpressed' and 'literature' only")
    resolved, keys = [], set()
    for i, item in enumerate(data.get("targets") or []):
        try:
            target = Target(**item)
        except (ValidationError, TypeError) as exc:
            raise doc.error(f"invalid target: {exc}".splitlines()[0], ("targets", i)) from None
        try:
            fact = facts.get(target.fact)
            rt = resolve(target, fact)
        except KazindError as exc:
            raise doc.error(exc.message, ("targets", i)) from None
        if rt.key in keys:
            raise doc.error(f"target {rt.key!r} is given twice", ("targets", i))
        keys.add(rt.key)
        resolved.append(rt)
    unexpressed = []
    for i, item in enumerate(data.get("unexpressed") or []):
        try:
            un = Unexpressed(**item)
            facts.get(un.fact)
        except (ValidationError, TypeError, KazindError) as exc:
            raise doc.error(f"invalid entry: {exc}".splitlines()[0], ("unexpressed", i)) from None
        unexpressed.append(un)
    literature = []
    for i, item in enumerate(data.get("literature") or []):
        try:
            lit = Literature(**item)
        except (ValidationError, TypeError) as exc:
            raise doc.error(
                f"invalid literature check: {exc}".splitlines()[0], ("literature", i)
            ) from None
        if lit.id in keys:
            raise doc.error(f"literature check {lit.id!r} is given twice", ("literature", i))
        keys.add(lit.id)
        literature.append(resolve_literature(lit))
    return TargetSet(tuple(resolved), tuple(unexpressed), doc.file, tuple(literature))


def resolve_literature(lit: Literature) -> ResolvedTarget:
    """A literature check as a held-out target: a range is ``within``, a value ``equal``."""
    target = Target(
        fact=lit.id,
        variable=lit.variable,
        element=lit.element,
        at=lit.at,
        base=lit.base,
        measure=lit.measure,
        role="holdout",
        why=lit.statement,
    )
    observed: float | tuple[float, float] = (
        lit.value if lit.value is not None else (lit.low, lit.high)
    )
    comparison = "equal" if lit.value is not None else "within"
    tolerance = lit.tolerance or TOLERANCE_BY_CONFIDENCE[lit.confidence]
    size = abs(np.mean(observed)) if isinstance(observed, tuple) else abs(observed)
    return ResolvedTarget(target, None, observed, comparison, tolerance, tolerance * size, lit)


# --------------------------------------------------------------------------- measures


@dataclass(frozen=True)
class MeasureRule:
    """How a target's figure is read from a model variable: ``apply`` turns the
    variable's value now (and at the base time) into the figure; ``invert`` turns a
    figure back into the variable's value now that would give it (how the explorer puts
    a fact on the variable's path). ``invert(apply(now, base), base) == now``."""

    name: str
    needs_base: bool

    def apply(self, now, base=None):
        if self.name == "value":
            return now
        if self.name == "one_minus":
            return 1.0 - now
        if self.name == "change":
            return now - base
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = now / base
        return ratio if self.name == "ratio" else ratio - 1.0

    def invert(self, figure, base=None):
        if self.name == "value":
            return figure
        if self.name == "one_minus":
            return 1.0 - figure
        if self.name == "change":
            return base + figure
        return figure * base if self.name == "ratio" else (1.0 + figure) * base


#: The measures of :data:`Measure`, by name: the one place a measure is applied or inverted.
MEASURES: dict[str, MeasureRule] = {
    "value": MeasureRule("value", False),
    "one_minus": MeasureRule("one_minus", False),
    "change": MeasureRule("change", True),
    "ratio": MeasureRule("ratio", True),
    "growth": MeasureRule("growth", True),
}


# --------------------------------------------------------------------------- evaluation
def _at(ds: xr.Dataset, target: Target, time: float) -> np.ndarray:
    """The variable at ``time`` for every run (linear between saved times)."""
    if target.variable not in ds:
        raise KazindError(f"target {target.key!r}: the run has no variable {target.variable!r}")
    # The bare Variable: a Dataset's DataArray carries every coordinate of the run, and
    # selecting and transposing through them costs far more than the numbers themselves.
    var = ds.variables[target.variable]
    if target.element is not None:
        dims = [d for d in var.dims if d not in ("run", "time")]
        if len(dims) != 1:
            raise KazindError(
                f"target {target.key!r}: element given for a variable with dims {var.dims}"
            )
        index = list(ds.variables[dims[0]].values).index(target.element)
        var = var.isel({dims[0]: index})
    values = var.transpose("run", "time").values
    return value_at(values, ds.variables["time"].values, time, f"target {target.key!r}").astype(
        float
    )


def simulated(ds: xr.Dataset, rt: ResolvedTarget) -> np.ndarray:
    """The model's value of a target's measure, one per run."""
    t = rt.target
    rule = MEASURES[t.measure]
    now = _at(ds, t, t.at)
    return rule.apply(now, _at(ds, t, t.base) if rule.needs_base else None)


def residual(sim: np.ndarray, rt: ResolvedTarget) -> np.ndarray:
    """Error in units of tolerance; 0 inside a range or on the right side of a bound."""
    obs = rt.observed
    if rt.comparison == "within":
        low, high = obs
        diff = np.where(sim < low, sim - low, np.where(sim > high, sim - high, 0.0))
    elif rt.comparison == "at_least":
        diff = np.minimum(0.0, sim - obs)
    elif rt.comparison == "at_most":
        diff = np.maximum(0.0, sim - obs)
    else:
        diff = sim - obs
    return diff / rt.scale_abs
