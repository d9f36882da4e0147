"""Parameter labels: ``name`` or ``name[element]`` of a model's constants, and applying values.

A *label* names a constant (``invest_rate``) or one element of an arrayed constant
(``share[north]``); ``share[*]`` is the default of every element not named on its own,
and a bare ``share`` sets all its elements. This module is the one place that parses,
checks and applies labels:

- :func:`parse_label` splits the text; :func:`resolve` checks it against a spec (a
  constant, a known element; a mistake names the nearest valid names);
- :func:`with_values` returns a spec with constants set to values by label;
- :func:`engine_params` turns a ``(B, p)`` matrix whose column ``j`` is ``labels[j]``
  into the ``params`` of :meth:`CompiledModel.run` (each arrayed constant as ``(B, n)``,
  its other elements at the spec's values).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kazind.common.suggest import suggest
from kazind.engine.errors import EngineError
from kazind.engine.spec import Constant, ModelSpec

__all__ = [
    "Label",
    "did_you_mean",
    "engine_params",
    "labelled_params",
    "parse_label",
    "resolve",
    "with_values",
]

_LABEL = re.compile(
    r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[\s*([A-Za-z_][A-Za-z0-9_]*|\*)\s*\])?\s*\Z"
)


@dataclass(frozen=True)
class Label:
    """A resolved label: the constant's name and the element (None: all; ``*``: default)."""

    name: str
    element: str | None = None

    def __str__(self) -> str:
        return self.name if self.element is None else f"{self.name}[{self.element}]"


def did_you_mean(name: str, candidates: Sequence[str]) -> str:
    """`` (did you mean 'a', 'b'?)`` for the closest candidates, or an empty string."""
    close = suggest(str(name), candidates)
    return f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""


def parse_label(text: str) -> tuple[str, str | None]:
    """``"share[north]"`` -> ``("share", "north")``; ``"rate"`` -> ``("rate", None)``."""
    match = _LABEL.match(text) if isinstance(text, str) else None
    if match is None:
        raise EngineError(f"parameter {text!r} is not NAME or NAME[ELEMENT]")
    return match.group(1), match.group(2)


def resolve(spec: ModelSpec, text: str | Label) -> Label:
    """The :class:`Label` of ``text`` in ``spec``; :class:`EngineError` naming the mistake."""
    name, element = (text.name, text.element) if isinstance(text, Label) else parse_label(text)
    constants = {v.name: v for v in spec.variables if isinstance(v, Constant)}
    var = constants.get(name)
    if var is None:
        what = "is not a constant" if name in spec.names() else "is unknown"
        raise EngineError(f"parameter {name!r} {what}{did_you_mean(name, list(constants))}")
    if element is None:
        return Label(name)
    if len(var.dims) != 1:
        why = "is not arrayed" if not var.dims else "has more than one dimension"
        raise EngineError(f"parameter {text!s}: {name!r} {why}, so it takes no element")
    elements = spec.dimensions[var.dims[0]]
    if element != "*" and element not in elements:
        raise EngineError(
            f"parameter {text!s}: {element!r} is not an element of {var.dims[0]!r}"
            f"{did_you_mean(element, elements)}"
        )
    return Label(name, element)


def _per_element(spec: ModelSpec, var: Constant) -> dict[str, float]:
    elements = spec.dimensions[var.dims[0]]
    if isinstance(var.value, dict):
        return {e: float(var.value.get(e, var.value.get("*"))) for e in elements}
    return {e: float(var.value) for e in elements}


def with_values(spec: ModelSpec, values: Mapping[str, Any]) -> ModelSpec:
    """``spec`` with constants set by label (``name``, ``name[element]``, ``name[*]``).

    A bare name on an arrayed constant sets every element (a scalar) or, given a dict,
    the elements it names (``*`` as default); ``name[*]`` sets every element that no
    label of ``values`` names on its own. Values must be finite numbers; a constant's
    bounds are checked when the new spec is built.

    Parameters
    ----------
    spec
        The model (left unchanged).
    values
        Label -> number (or, for a bare arrayed name, element -> number).

    Returns
    -------
    ModelSpec
        A new spec with those constants' values.

    Raises
    ------
    EngineError
        An unknown name or element (with "did you mean"), a value that is not a finite
        number, or one outside the constant's bounds.

    Examples
    --------
    >>> from kazind.engine.examples import exponential_growth
    >>> with_values(exponential_growth(), {"growth_rate": 0.05}).variable("growth_rate").value
    0.05
    """
    by_name: dict[str, list[tuple[Label, Any]]] = {}
    for text, value in values.items():
        label = resolve(spec, text)
        by_name.setdefault(label.name, []).append((label, value))
    variables = []
    for var in spec.variables:
        changes = by_name.get(var.name) if isinstance(var, Constant) else None
        if changes:
            var = var.model_copy(update={"value": _new_value(spec, var, changes)})
        variables.append(var)
    return ModelSpec(**{**spec.model_dump(exclude={"variables"}), "variables": variables})


def _number(label: Label | str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise EngineError(f"parameter {label!s}: {value!r} is not a number") from None
    if not math.isfinite(number):
        raise EngineError(f"parameter {label!s}: {value!r} is not finite")
    return number


def _new_value(spec: ModelSpec, var: Constant, changes: list[tuple[Label, Any]]) -> Any:
    if not var.dims:
        label, value = changes[-1]
        return _number(label, value)
    if len(var.dims) != 1:  # several dimensions: only a scalar for all elements
        for label, value in changes:
            if isinstance(value, Mapping):
                raise EngineError(f"parameter {label!s}: give one number for all elements")
        return _number(changes[-1][0], changes[-1][1])
    current = _per_element(spec, var)
    named: set[str] = set()
    default: float | None = None
    for label, value in changes:
        if label.element is None and isinstance(value, Mapping):
            for key, item in value.items():
                sub = resolve(spec, Label(var.name, str(key)))
                if sub.element == "*":
                    default = _number(sub, item)
                else:
                    current[sub.element] = _number(sub, item)
                    named.add(sub.element)
        elif label.element is None:
            number = _number(label, value)
            current = dict.fromkeys(current, number)
            named = set(current)
        elif label.element == "*":
            default = _number(label, value)
        else:
            current[label.element] = _number(label, value)
            named.add(label.element)
    if default is not None:
        for element in current:
            if element not in named:
                current[element] = default
    return current


def engine_params(
    spec: ModelSpec, labels: Sequence[str | Label], matrix: np.ndarray
) -> dict[str, np.ndarray]:
    """:meth:`CompiledModel.run` ``params`` from a ``(B, p)`` matrix; column ``j`` is ``labels[j]``.

    A scalar constant gets its column as a ``(B,)`` array; an arrayed one a ``(B, n)``
    array with the named elements from their columns and the others at the spec's values
    (``name[*]`` fills every element no other column names; a bare name fills all).

    Parameters
    ----------
    spec
        The model whose constants the labels name.
    labels
        One label per column (``name``, ``name[element]``, ``name[*]``).
    matrix
        ``(B, p)`` values: a row per run, a column per label.

    Returns
    -------
    dict of str to numpy.ndarray
        Constant name -> ``(B,)`` or ``(B, n)`` values, ready for ``run(params=...)``.

    Examples
    --------
    >>> import numpy as np
    >>> from kazind.engine.examples import exponential_growth
    >>> engine_params(exponential_growth(), ["growth_rate"], np.array([[0.01], [0.02]]))
    {'growth_rate': array([0.01, 0.02])}
    """
    values = np.asarray(matrix, dtype=float)
    if values.ndim != 2 or values.shape[1] != len(labels):
        raise EngineError(
            f"engine_params: a (B, {len(labels)}) matrix is needed, got shape {values.shape}"
        )
    batch = values.shape[0]
    resolved = [resolve(spec, label) for label in labels]
    out: dict[str, np.ndarray] = {}
    explicit: dict[str, set[str]] = {}
    for label in resolved:
        if label.element not in (None, "*"):
            explicit.setdefault(label.name, set()).add(label.element)
    # defaults and whole-variable columns first, then single elements over them
    order = sorted(range(len(resolved)), key=lambda j: resolved[j].element not in (None, "*"))
    for j in order:
        label = resolved[j]
        var = spec.variable(label.name)
        column = np.ascontiguousarray(values[:, j])
        if not var.dims:
            out[label.name] = column
            continue
        if label.name not in out:
            base = np.asarray(_all_elements(spec, var), dtype=float)
            out[label.name] = np.tile(base, (batch, 1))
        block = out[label.name]
        if len(var.dims) != 1:
            block[:] = column[:, None]
            continue
        elements = spec.dimensions[var.dims[0]]
        if label.element is None:
            block[:] = column[:, None]
        elif label.element == "*":
            for i, element in enumerate(elements):
                if element not in explicit.get(label.name, ()):
                    block[:, i] = column
        else:
            block[:, elements.index(label.element)] = column
    return out


def _all_elements(spec: ModelSpec, var: Constant) -> list[float]:
    """Every element's value in order (a constant of several dimensions has one value)."""
    if len(var.dims) == 1:
        return list(_per_element(spec, var).values())
    return [float(var.value)] * math.prod(len(spec.dimensions[d]) for d in var.dims)


def labelled_params(spec: ModelSpec, params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` of :meth:`CompiledModel.run` with element labels merged into their constant.

    ``{"share[north]": x}`` (``x`` a number or a ``(B,)`` array) becomes ``{"share": a}``
    with ``a`` the spec's values and ``x`` in the ``north`` column; whole-variable keys
    pass through unchanged.
    """
    out: dict[str, Any] = {}
    elements: dict[str, list[tuple[Label, Any]]] = {}
    for key, value in params.items():
        if isinstance(key, str) and "[" in key:
            label = resolve(spec, key)
            elements.setdefault(label.name, []).append((label, value))
        else:
            out[key] = value
    for name, items in elements.items():
        if name in out:
            raise EngineError(f"parameter {name!r} is given whole and by element")
        var = spec.variable(name)
        arrays = [np.asarray(v, dtype=float) for _, v in items]
        batch = {a.shape[0] for a in arrays if a.ndim == 1}
        if len(batch) > 1 or any(a.ndim > 1 for a in arrays):
            raise EngineError(f"parameter {name!r}: element values must be numbers or (B,) arrays")
        base = np.asarray(_all_elements(spec, var), dtype=float)
        block = np.tile(base, (batch.pop(), 1)) if batch else base.copy()
        dim_elements = spec.dimensions[var.dims[0]]
        explicit = {lb.element for lb, _ in items if lb.element != "*"}
        for (label, _), arr in sorted(
            zip(items, arrays, strict=True), key=lambda it: it[0][0].element != "*"
        ):
            columns = (
                [i for i, e in enumerate(dim_elements) if e not in explicit]
                if label.element == "*"
                else [dim_elements.index(label.element)]
            )
            for i in columns:
                block[..., i] = arr
        out[name] = block
    return out
