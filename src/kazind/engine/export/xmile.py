"""Export a model spec as XMILE 1.0 (the OASIS standard read by Stella, PySD and others).

The document is built with :mod:`xml.etree.ElementTree` (never by pasting strings) in the
namespace ``http://docs.oasis-open.org/xmile/ns/XMILE/v1.0``:

- ``<header>`` (vendor, product, model name; ``<options><uses_arrays/>`` if arrayed);
- ``<sim_specs method=... time_units=...>`` with ``<start>``, ``<stop>``, ``<dt>``;
  XMILE has no save step, so ``time.save_step`` is not exported;
- ``<dimensions>`` with one ``<dim>`` of ``<elem>`` per dimension;
- ``<model><variables>``: stocks (``<eqn>`` initial value, ``<inflow>``, ``<outflow>``),
  flows, auxiliaries (constants are auxiliaries with a number; bounds as ``<range>``),
  standalone ``<gf>`` for lookups (called ``name(x)``), and a time series as an
  auxiliary ``TIME`` with an inline ``<gf>``. Arrayed variables carry
  ``<dimensions>``; per-element equations and values are ``<element subscript=...>``.

Built-ins under their XMILE names: ``MIN MAX ABS EXP LN SQRT STEP``, ``SMTH1``/``SMTH3``,
``DELAY1``/``DELAY3``, ``DELAY`` (pipeline delay, for ``delay_fixed``), ``SAFEDIV`` (for
``zidz``/``xidz``), ``IF ... THEN ... ELSE``, ``SUM(x[*])``, ``TIME``, ``DT``. Two have no
XMILE equivalent with the same meaning and are written with the same arithmetic:
``ramp(s, t0, t1)`` as ``RAMP(s, t0) - RAMP(s, t1)`` (XMILE's ``RAMP`` has no end time) and
``pulse(t0, w)`` as ``IF TIME >= t0 AND TIME < t0 + w THEN 1 ELSE 0`` (XMILE's ``PULSE``
is a volume pulse of ``magnitude / DT`` for one step, not a unit pulse of a width).

A stock's ``non_negative`` flag is not exported: in kazind it is a check that stops the
run with an error, while XMILE's ``<non_negative/>`` clamps the stock at zero.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from kazind.common import atomic_write
from kazind.engine import expr as ex
from kazind.engine.errors import EngineError
from kazind.engine.export.printer import (
    Context,
    ExprPrinter,
    check_names,
    format_number,
    plain_text,
    vensim_unit,
    where_of,
)
from kazind.engine.spec import (
    Aux,
    Constant,
    Flow,
    Lookup,
    ModelSpec,
    Stock,
    TimeSeries,
    element_items,
)

__all__ = ["XMILE_NS", "to_xmile", "write_xmile"]

XMILE_NS = "http://docs.oasis-open.org/xmile/ns/XMILE/v1.0"

#: Names XMILE defines itself (time-related built-ins that take no argument).
XMILE_RESERVED = ("TIME", "DT", "STARTTIME", "STOPTIME")


class _XmilePrinter(ExprPrinter):
    tool = "XMILE"
    time_name = "TIME"
    dt_name = "DT"
    bool_ops = {"and": "AND", "or": "OR"}
    not_op = "NOT"

    def summed_token(self, dim: str) -> str:
        return "*"

    def call(self, node: ex.Call, ctx: Context) -> str:
        return self.mapped_call(node, ctx, "xmile", "XMILE")


def _q(tag: str) -> str:
    # Tags are left unqualified and the root carries xmlns=XMILE_NS, which puts every
    # element in the XMILE namespace. (ElementTree's default_namespace= option refuses
    # the plain attribute names XMILE uses.)
    return tag


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, _q(tag), attrib)
    if text is not None:
        element.text = text
    return element


def _gf(parent: ET.Element, xs: list[float], ys: list[float], where: str) -> ET.Element:
    gf = _sub(parent, "gf", type="continuous")
    # No <xscale>: with it, PySD spreads the y values evenly over the x range; the
    # points are given explicitly instead, so uneven x spacing is kept.
    _sub(gf, "yscale", min=format_number(min(ys), where), max=format_number(max(ys), where))
    _sub(gf, "xpts", ",".join(format_number(x, where) for x in xs))
    _sub(gf, "ypts", ",".join(format_number(y, where) for y in ys))
    return gf


def to_xmile(spec: ModelSpec) -> str:
    """The model as an XMILE 1.0 document (text, with an XML declaration).

    Parameters
    ----------
    spec
        The model.

    Returns
    -------
    str
        The XMILE document.

    Raises
    ------
    EngineError
        Naming the variable, for anything XMILE cannot express.

    Examples
    --------
    >>> from kazind.engine.examples import exponential_growth
    >>> to_xmile(exponential_growth()).splitlines()[0]
    '<?xml version="1.0" encoding="utf-8"?>'
    """
    check_names(spec, XMILE_RESERVED, "XMILE")
    printer = _XmilePrinter(spec)

    root = ET.Element(_q("xmile"), {"version": "1.0", "xmlns": XMILE_NS})
    header = _sub(root, "header")
    _sub(header, "vendor", "kazind")
    _sub(header, "product", "kazind", version=_kazind_version(), lang="en")
    _sub(header, "name", plain_text(spec.name))
    if spec.dimensions:
        options = _sub(header, "options")
        depth = max((len(v.dims) for v in spec.variables), default=1)
        _sub(options, "uses_arrays", maximum_dimensions=str(max(depth, 1)))

    time = spec.time
    sim = _sub(
        root,
        "sim_specs",
        method="Euler" if time.method == "euler" else time.method.upper(),
        time_units=vensim_unit(time.unit, "time"),
    )
    _sub(sim, "start", format_number(time.start, "time"))
    _sub(sim, "stop", format_number(time.stop, "time"))
    _sub(sim, "dt", format_number(time.dt, "time"))

    if spec.dimensions:
        dims_node = _sub(root, "dimensions")
        for dim, elements in spec.dimensions.items():
            dim_node = _sub(dims_node, "dim", name=dim)
            for element in elements:
                _sub(dim_node, "elem", name=element)

    model = _sub(root, "model")
    variables = _sub(model, "variables")
    for var in spec.variables:
        _variable(variables, spec, printer, var)

    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + body + "\n"


def _kazind_version() -> str:
    try:
        from importlib.metadata import version

        return version("kazind")
    except Exception:  # not installed as a distribution: the version is not essential
        return "0"


def _dims(node: ET.Element, var) -> None:
    if var.dims:
        dims = _sub(node, "dimensions")
        for dim in var.dims:
            _sub(dims, "dim", name=dim)


def _tail(node: ET.Element, var) -> None:
    where = where_of(var.name)
    _sub(node, "units", vensim_unit(var.unit, where))
    doc = plain_text(var.description)
    if var.source.strip():
        doc = (doc + " Source: " + plain_text(var.source)).strip()
    if doc:
        _sub(node, "doc", doc)


def _variable(parent: ET.Element, spec: ModelSpec, printer: _XmilePrinter, var) -> None:
    where = where_of(var.name)
    dims = tuple(var.dims)
    if isinstance(var, Stock):
        node = _sub(parent, "stock", name=var.name)
        _dims(node, var)
        if isinstance(var.initial, dict):
            for element, init in element_items(spec, var, var.initial):
                el = _sub(node, "element", subscript=element)
                _sub(el, "eqn", printer.equation(init, Context(var.name, (), {dims[0]: element})))
        else:
            _sub(node, "eqn", printer.equation(var.initial, Context(var.name, dims)))
        for flow in var.inflows:
            _sub(node, "inflow", flow)
        for flow in var.outflows:
            _sub(node, "outflow", flow)
    elif isinstance(var, Flow | Aux):
        node = _sub(parent, "flow" if isinstance(var, Flow) else "aux", name=var.name)
        _dims(node, var)
        if isinstance(var.equation, dict):
            for element, text in element_items(spec, var, var.equation):
                el = _sub(node, "element", subscript=element)
                _sub(el, "eqn", printer.equation(text, Context(var.name, (), {dims[0]: element})))
        else:
            _sub(node, "eqn", printer.equation(var.equation, Context(var.name, dims)))
    elif isinstance(var, Constant):
        node = _sub(parent, "aux", name=var.name)
        _dims(node, var)
        if isinstance(var.value, dict):
            for element, value in element_items(spec, var, var.value):
                el = _sub(node, "element", subscript=element)
                _sub(el, "eqn", format_number(value, where))
        else:
            _sub(node, "eqn", format_number(var.value, where))
        if var.bounds is not None:
            low, high = (format_number(b, where) for b in var.bounds)
            _sub(node, "range", min=low, max=high)
    elif isinstance(var, Lookup):
        node = _sub(parent, "gf", name=var.name, type="continuous")
        _sub(
            node,
            "yscale",
            min=format_number(min(var.y), where),
            max=format_number(max(var.y), where),
        )
        _sub(node, "xpts", ",".join(format_number(x, where) for x in var.x))
        _sub(node, "ypts", ",".join(format_number(y, where) for y in var.y))
    elif isinstance(var, TimeSeries):
        node = _sub(parent, "aux", name=var.name)
        _sub(node, "eqn", "TIME")
        _gf(node, list(var.times), list(var.values), where)
    else:  # pragma: no cover - the spec admits no other kind
        raise EngineError(f"cannot export a {type(var).__name__} to XMILE", where=where)
    _tail(node, var)


def write_xmile(spec: ModelSpec, path: str | Path) -> Path:
    """Write :func:`to_xmile` of ``spec`` to ``path`` atomically; return the path."""
    text = to_xmile(spec)
    path = Path(path)
    with atomic_write(path) as fh:
        fh.write(text)
    return path
