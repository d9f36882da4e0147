"""Export a model spec as a Vensim ``.mdl`` file that Vensim and PySD read.

The equations are printed from the expression trees of :mod:`kazind.engine.expr`
(never by rewriting the equation text), so every construct is either translated
exactly or refused with an :class:`EngineError` that names the variable.

What the file contains:

- one subscript range per dimension (``region: north, south, east``);
- each variable as an equation block ``name[dims] = expr ~ unit ~ description |``;
  a per-element equation (a ``dict`` in the spec) becomes one block per element;
  arrayed constants given per element become one block per element as well;
- stocks as ``INTEG(inflows - outflows, initial)``;
- lookups as lookup definitions ``name([(xmin,ymin)-(xmax,ymax)], (x1,y1), ...)``, called
  as ``name(x)``; a time series ``s`` as a lookup ``s_lookup`` plus ``s = s_lookup(Time)``
  (Vensim and PySD lookups, like kazind's, are linear inside and held at the ends);
- the built-ins under their Vensim names (``SMOOTH``/``SMOOTHI``, ``DELAY FIXED``,
  ``IF THEN ELSE``, ``SUM(x[dim!])``, ...), ``time`` as ``Time``, ``dt`` as ``TIME STEP``;
- the control section: ``INITIAL TIME``, ``FINAL TIME``, ``TIME STEP``, ``SAVEPER``.

Units are converted to Vensim's spelling (``dimensionless`` -> ``Dmnl``, ``**`` -> ``^``,
a space between two unit words -> ``*``); a constant's bounds go into the unit field as
Vensim's ``[min,max]`` range. Descriptions and sources go into the description field.
A stock's ``non_negative`` flag is a kazind check, not a clamp, and is not exported.
Vensim names are case-insensitive and treat ``_`` like a space, so two kazind names that
differ only in that way cannot be exported, nor can names that Vensim reserves
(``Time``, ``TIME STEP``, ...).

The printer is :mod:`kazind.engine.export.printer`, shared with the XMILE exporter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from kazind.common import atomic_write
from kazind.engine import expr as ex
from kazind.engine.errors import EngineError
from kazind.engine.export.printer import (
    Context,
    ExprPrinter,
    check_names,
    format_number,
    normalize_name,
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

_MACRO = re.compile(r":\s*((?:end\s+of\s+)?macro)\s*:", re.IGNORECASE)


def vensim_doc(description: str, source: str = "") -> str:
    """Description and source as one line of a Vensim description field.

    What Vensim's file format reserves is neutralised: ``~`` and ``|`` end a field, a
    backslash starts the sketch marker or a line continuation, and ``:MACRO:`` /
    ``:END OF MACRO:`` anywhere in the file start or end a macro.
    """
    parts = [plain_text(description)]
    if source.strip():
        parts.append("Source: " + plain_text(source))
    text = " ".join(p for p in parts if p)
    text = text.replace("~", "-").replace("|", "/").replace("\\", "/")
    return _MACRO.sub(lambda m: f"({m.group(1)})", text)


# -- the Vensim printer -----------------------------------------------------------------

#: Names Vensim (and PySD) define themselves.
VENSIM_RESERVED = ("Time", "INITIAL TIME", "FINAL TIME", "TIME STEP", "SAVEPER")


class _VensimPrinter(ExprPrinter):
    tool = "Vensim"
    time_name = "Time"
    dt_name = "TIME STEP"
    bool_ops = {"and": ":AND:", "or": ":OR:"}
    not_op = ":NOT:"

    def call(self, node: ex.Call, ctx: Context) -> str:
        return self.mapped_call(node, ctx, "vensim", "Vensim")


def _series_lookup_names(spec: ModelSpec) -> dict[str, str]:
    """A lookup name for each time series, distinct from every other name (Vensim-wise)."""
    taken = {normalize_name(v.name) for v in spec.variables}
    taken |= {normalize_name(d) for d in spec.dimensions}
    taken |= {normalize_name(e) for els in spec.dimensions.values() for e in els}
    out: dict[str, str] = {}
    for var in spec.series():
        candidate = f"{var.name}_lookup"
        n = 2
        while normalize_name(candidate) in taken:
            candidate = f"{var.name}_lookup{n}"
            n += 1
        taken.add(normalize_name(candidate))
        out[var.name] = candidate
    return out


def _block(lhs: str, rhs: str, unit: str, doc: str) -> str:
    return f"{lhs} = {rhs}\n\t~\t{unit}\n\t~\t{doc}\n\t|\n"


def _lookup_points(xs: Sequence[float], ys: Sequence[float], where: str) -> str:
    nx = [format_number(x, where) for x in xs]
    ny = [format_number(y, where) for y in ys]
    limits = (
        f"[({format_number(min(xs), where)},{format_number(min(ys), where)})"
        f"-({format_number(max(xs), where)},{format_number(max(ys), where)})]"
    )
    return ", ".join([limits] + [f"({x},{y})" for x, y in zip(nx, ny, strict=True)])


def to_vensim(spec: ModelSpec) -> str:
    """The model as the text of a Vensim ``.mdl`` file (arrays included).

    Parameters
    ----------
    spec
        The model.

    Returns
    -------
    str
        The ``.mdl`` text (UTF-8 header, equations, units, comments, control section).

    Raises
    ------
    EngineError
        Naming the variable, for anything Vensim cannot express.

    Examples
    --------
    >>> from kazind.engine.examples import exponential_growth
    >>> to_vensim(exponential_growth()).splitlines()[1]
    'population = INTEG(births, initial_population)'
    """
    series_lookups = _series_lookup_names(spec)
    check_names(spec, VENSIM_RESERVED, "Vensim", extra=series_lookups.values())
    printer = _VensimPrinter(spec)
    out: list[str] = ["{UTF-8}\n"]

    for dim, elements in spec.dimensions.items():
        out.append(f"{dim}: {', '.join(elements)}\n\t~\t\n\t~\t\n\t|\n\n")

    for var in spec.variables:
        where = where_of(var.name)
        unit = vensim_unit(var.unit, where)
        doc = vensim_doc(var.description, var.source)
        dims = tuple(var.dims)
        lhs_all = f"{var.name}[{', '.join(dims)}]" if dims else var.name
        if isinstance(var, Constant):
            if var.bounds is not None:
                low, high = (format_number(b, where) for b in var.bounds)
                unit = f"{unit} [{low},{high}]"
            if isinstance(var.value, dict):
                for element, value in element_items(spec, var, var.value):
                    out.append(
                        _block(f"{var.name}[{element}]", format_number(value, where), unit, doc)
                    )
            else:
                out.append(_block(lhs_all, format_number(var.value, where), unit, doc))
        elif isinstance(var, Flow | Aux):
            if isinstance(var.equation, dict):
                for element, text in element_items(spec, var, var.equation):
                    ctx = Context(var.name, (), {dims[0]: element})
                    out.append(
                        _block(f"{var.name}[{element}]", printer.equation(text, ctx), unit, doc)
                    )
            else:
                ctx = Context(var.name, dims)
                out.append(_block(lhs_all, printer.equation(var.equation, ctx), unit, doc))
        elif isinstance(var, Stock):
            if isinstance(var.initial, dict):
                for element, init in element_items(spec, var, var.initial):
                    ctx = Context(var.name, (), {dims[0]: element})
                    rhs = f"INTEG({_net_flow(printer, var, ctx)}, {printer.equation(init, ctx)})"
                    out.append(_block(f"{var.name}[{element}]", rhs, unit, doc))
            else:
                ctx = Context(var.name, dims)
                rhs = f"INTEG({_net_flow(printer, var, ctx)}, {printer.equation(var.initial, ctx)})"
                out.append(_block(lhs_all, rhs, unit, doc))
        elif isinstance(var, Lookup):
            points = _lookup_points(var.x, var.y, where)
            out.append(f"{var.name}(\n\t{points})\n\t~\t{unit}\n\t~\t{doc}\n\t|\n")
        elif isinstance(var, TimeSeries):
            lookup = series_lookups[var.name]
            points = _lookup_points(var.times, var.values, where)
            out.append(
                f"{lookup}(\n\t{points})\n\t~\t{unit}\n\t~\tData of {var.name} over time.\n\t|\n"
            )
            out.append(_block(var.name, f"{lookup}(Time)", unit, doc))
        else:  # pragma: no cover - the spec admits no other kind
            raise EngineError(f"cannot export a {type(var).__name__} to Vensim", where=where)
        out.append("\n")

    out.append(_control_section(spec))
    return "".join(out)


def _net_flow(printer: ExprPrinter, stock: Stock, ctx: Context) -> str:
    """``in1 + in2 - out1 - out2`` for a stock, in context (``0`` without flows)."""
    terms: list[str] = []
    for name in stock.inflows:
        ref = printer.print(ex.Name(name), ctx)
        terms.append(ref if not terms else f"+ {ref}")
    for name in stock.outflows:
        ref = printer.print(ex.Name(name), ctx)
        terms.append(f"-{ref}" if not terms else f"- {ref}")
    return " ".join(terms) if terms else "0"


def _control_section(spec: ModelSpec) -> str:
    time = spec.time
    unit = vensim_unit(time.unit, "time")
    saveper = "TIME STEP" if time.save_step is None else format_number(time.save_step, "time")
    method = (
        ""
        if time.method == "euler"
        else f" Integrate with {time.method.upper()} (set it in Vensim's simulation settings)."
    )
    return (
        "********************************************************\n"
        "\t.Control\n"
        "********************************************************~\n"
        "\t\tSimulation Control Parameters\n"
        "\t|\n\n"
        + _block(
            "FINAL TIME",
            format_number(time.stop, "time"),
            unit,
            "The final time for the simulation.",
        )
        + "\n"
        + _block(
            "INITIAL TIME",
            format_number(time.start, "time"),
            unit,
            "The initial time for the simulation.",
        )
        + "\n"
        + _block("SAVEPER", saveper, f"{unit} [0,?]", "The frequency with which output is stored.")
        + "\n"
        + _block(
            "TIME STEP",
            format_number(time.dt, "time"),
            f"{unit} [0,?]",
            "The time step for the simulation." + method,
        )
    )


def write_vensim(spec: ModelSpec, path: str | Path) -> Path:
    """Write :func:`to_vensim` of ``spec`` to ``path`` atomically; return the path."""
    text = to_vensim(spec)
    path = Path(path)
    with atomic_write(path) as fh:
        fh.write(text)
    return path
