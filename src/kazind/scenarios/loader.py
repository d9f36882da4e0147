"""Read, check and resolve scenario files (docs/scenarios.md).

A scenario is a YAML file ``<name>.yaml``: a title and a description in Kazakh,
Russian and English, an optional ``base`` to inherit from, constant overrides
(``parameters``) and piecewise-constant ``schedules`` by year. Every mistake is a
:class:`~kazind.common.KazindError` that names the file and the line.

Where scenarios are found, in this order: the folders of ``$KAZIND_SCENARIO_PATH``
(separated by ``os.pathsep``), ``./scenarios/``, then the shipped ``data/`` folder. A
name found in two of them is an error (a duplicate name), so that a user's file never
silently shadows a shipped scenario.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pint

from kazind.common.errors import KazindError
from kazind.common.units import parse_quantity, parse_unit, ureg
from kazind.common.yamlio import YamlDocument, load_yaml, read_text_file

SHIPPED_DIR = Path(__file__).with_name("data")
ENV_VAR = "KAZIND_SCENARIO_PATH"
LANGS = ("kk", "ru", "en")
TOP_KEYS = (
    "name",
    "base",
    "title",
    "description",
    "keeps_historical_investment",
    "parameters",
    "schedules",
)
NAME_RE = re.compile(r"^[a-z0-9-]+$")
#: Constants that set total industrial investment (keeps_historical_investment checks them).
INVESTMENT_CONSTANTS = (
    "investment_scale",
    "union_investment_factor",
    "investment_nep",
    "investment_plan1",
    "investment_plan2",
)

Value = float | dict[str, float]


@dataclass(frozen=True)
class Scenario:
    """A scenario with its inheritance resolved.

    ``parameters`` are constant overrides, ``{name: value}`` or ``{name: {element:
    value}}`` for arrayed constants (only the elements changed); ``schedules`` are
    ``{name: [(year, value), ...]}``, in year order: the value holds from that year on;
    before the first year the constant keeps its value without the schedule (the
    scenario's parameter if it sets one, else the calibrated value).
    """

    name: str
    title: dict[str, str]
    description: dict[str, str]
    base: str | None
    keeps_historical_investment: bool
    parameters: dict[str, Value]
    schedules: dict[str, list[tuple[int, float]]]
    file: str
    chain: tuple[str, ...] = field(default=())  # this scenario, then its bases

    def content(self) -> dict[str, Any]:
        """What the model sees of this scenario (JSON-able): parameters and schedules."""
        return {
            "parameters": {k: self.parameters[k] for k in sorted(self.parameters)},
            "schedules": {
                k: [[y, v] for y, v in self.schedules[k]] for k in sorted(self.schedules)
            },
        }

    def content_json(self) -> str:
        return json.dumps(self.content(), sort_keys=True, ensure_ascii=False)

    def content_key(self) -> str:
        """A hash of :meth:`content`: equal for scenarios the model cannot tell apart."""
        return hashlib.sha256(self.content_json().encode()).hexdigest()[:16]


# -- where scenarios are ----------------------------------------------------------------


def search_dirs() -> list[Path]:
    """Folders searched for ``<name>.yaml``, in order."""
    dirs = [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p.strip()]
    dirs.append(Path.cwd() / "scenarios")
    dirs.append(SHIPPED_DIR)
    seen: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [s.resolve() for s in seen]:
            seen.append(d)
    return seen


def _files_by_name(extra: Path | None = None) -> dict[str, list[Path]]:
    dirs = ([extra] if extra is not None else []) + search_dirs()
    found: dict[str, list[Path]] = {}
    done: set[Path] = set()
    for d in dirs:
        if d.resolve() in done:
            continue
        done.add(d.resolve())
        for path in sorted(d.glob("*.yaml")):
            found.setdefault(path.stem, []).append(path)
    return found


def list_scenarios() -> list[str]:
    """Names of every scenario found (shipped and user), sorted; ``historical`` first."""
    names = sorted(_files_by_name())
    return sorted(names, key=lambda n: (n != "historical", n))


def _suggest(name: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(name, choices, n=3, cutoff=0.5)
    return f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def find_scenario_file(name: str, near: Path | None = None) -> Path:
    """The file of scenario ``name`` (also looked for in ``near``, a base's folder)."""
    files = _files_by_name(near)
    paths = files.get(name)
    if not paths:
        available = sorted(files, key=lambda n: (n != "historical", n))
        raise KazindError(
            f"unknown scenario {name!r}{_suggest(name, available)} (available: {', '.join(available)})"
        )
    if len(paths) > 1:
        raise KazindError(f"duplicate scenario name {name!r}: {', '.join(str(p) for p in paths)}")
    return paths[0]


def _is_path(ref: str | Path) -> bool:
    text = str(ref)
    return (
        isinstance(ref, Path) or text.endswith((".yaml", ".yml")) or os.sep in text or "/" in text
    )


# -- the model's constants --------------------------------------------------------------


def calibrated_spec():
    """The calibrated model's spec (built once and cached in :mod:`kazind.model`;
    scenarios are applied to copies)."""
    from kazind.model import calibrated_spec as spec

    return spec()


@lru_cache(maxsize=1)
def _model_constants() -> tuple[dict[str, Any], dict[str, Any], tuple[float, float]]:
    """(constants by name, every variable by name, (start, stop)) of the calibrated model."""
    spec = calibrated_spec()
    variables = {v.name: v for v in spec.variables}
    constants = {n: v for n, v in variables.items() if v.kind == "constant"}
    return constants, variables, (spec.time.start, spec.time.stop)


# -- parsing one file -------------------------------------------------------------------


@dataclass
class _Raw:
    name: str
    doc: YamlDocument
    base: str | None
    title: dict[str, str]
    description: dict[str, str]
    keeps: bool | None
    parameters: dict[str, Value]
    schedules: dict[str, list[tuple[int, float]]]


def _number(doc: YamlDocument, value: Any, var, path: tuple) -> float:
    """``value`` (a number, or a string with a unit) in ``var``'s unit, within its bounds."""
    where = ".".join(str(p) for p in path)
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise doc.error(
            f"expected a number or a quantity with a unit, got {type(value).__name__} {value!r}",
            path,
            where,
        )
    if isinstance(value, str):
        try:
            quantity = parse_quantity(value)  # a grammar: '9**9**9' is refused, not evaluated
        except KazindError as err:
            raise doc.error(err.message, path, where) from None
        target = parse_unit(var.unit)
        if quantity.unitless and quantity.units == ureg.dimensionless:
            number = float(quantity.magnitude)  # a quoted bare number: in the variable's unit
        else:
            try:
                number = float(quantity.to(target).magnitude)
            except pint.PintError:
                raise doc.error(
                    f"{value!r} has the wrong unit for {var.name} (unit {var.unit!r})", path, where
                ) from None
    else:
        try:
            number = float(value)
        except OverflowError:
            raise doc.error(f"{value!r} is too large for a number", path, where) from None
    if not math.isfinite(number):
        raise doc.error(f"{value!r} is not a finite number", path, where)
    if var.bounds is not None:
        lo, hi = var.bounds
        if number < lo:
            raise doc.error(f"{value!r} is below the lower bound {lo:g} of {var.name}", path, where)
        if number > hi:
            raise doc.error(f"{value!r} is above the upper bound {hi:g} of {var.name}", path, where)
    else:
        _sane(doc, number, value, var, path, where)
    return number


#: An unbounded constant may be at most this many times its model value (or 1).
UNBOUNDED_FACTOR = 1000.0


def _sane(doc: YamlDocument, number: float, value: Any, var, path: tuple, where: str) -> None:
    """A value for a constant the model gives no bounds: of the model value's sign (a
    non-negative constant stays non-negative) and within :data:`UNBOUNDED_FACTOR` times
    its size, so that ``transport_dependence: {coal: 1.0e+200}`` is refused rather
    than run. (Until every constant of the model has documented bounds.)"""
    element = path[-1] if var.dims and path and path[-1] in _dimension_elements(var.dims[0]) else None
    model = var.value
    if isinstance(model, dict):
        model = model.get(element, model.get("*")) if element is not None else None
    if not isinstance(model, int | float):
        return
    model = float(model)
    if model >= 0 and number < 0:
        raise doc.error(
            f"{value!r} is negative, and {var.name} (no bounds in the model; its value {model:g}) "
            "must not be", path, where,
        )
    limit = UNBOUNDED_FACTOR * max(abs(model), 1.0)
    if abs(number) > limit:
        raise doc.error(
            f"{value!r} is more than {UNBOUNDED_FACTOR:g} times the model's value of {var.name} "
            f"({model:g}; at most {limit:g})", path, where,
        )


def _constant(doc: YamlDocument, name: Any, path: tuple):
    constants, variables, _ = _model_constants()
    where = ".".join(str(p) for p in path)
    if not isinstance(name, str):
        raise doc.error(f"a parameter name must be text, got {name!r}", path, where)
    if name in constants:
        return constants[name]
    if name in variables:
        raise doc.error(
            f"{name!r} is a {variables[name].kind}, not a constant; only constants can be changed",
            path,
            where,
        )
    raise doc.error(f"unknown parameter {name!r}{_suggest(name, sorted(constants))}", path, where)


def _value(doc: YamlDocument, var, value: Any, path: tuple) -> Value:
    if not var.dims:
        return _number(doc, value, var, path)
    dim = var.dims[0]
    elements = _dimension_elements(dim)
    if not isinstance(value, dict):
        raise doc.error(
            f"{var.name} is arrayed over {dim}: give {{element: value}} ({', '.join(elements)})",
            path,
            ".".join(str(p) for p in path),
        )
    out: dict[str, float] = {}
    for element, v in value.items():
        epath = path + (element,)
        if element not in elements:
            raise doc.error(
                f"unknown element {element!r} of {dim}{_suggest(str(element), elements)}",
                epath,
                ".".join(str(p) for p in epath),
            )
        out[element] = _number(doc, v, var, epath)
    return out


def _dimension_elements(dim: str) -> list[str]:
    return list(calibrated_spec().dimensions[dim])


def _text_by_lang(doc: YamlDocument, data: dict, key: str) -> dict[str, str]:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise doc.error(f"{key} must be a mapping {{kk: ..., ru: ..., en: ...}}", (key,), key)
    for lang, text in value.items():
        if lang not in LANGS:
            raise doc.error(
                f"unknown language {lang!r}; use {', '.join(LANGS)}", (key, lang), f"{key}.{lang}"
            )
        if not isinstance(text, str):
            raise doc.error("must be text", (key, lang), f"{key}.{lang}")
    return {lang: " ".join(str(value[lang]).split()) for lang in LANGS if lang in value}


def _parse(path: Path) -> _Raw:
    doc = load_yaml(path)
    data = doc.data
    if not isinstance(data, dict):
        raise doc.error("a scenario file must be a mapping of keys (name, title, parameters, ...)")
    for key in data:
        if key not in TOP_KEYS:
            raise doc.error(
                f"unknown key {key!r}{_suggest(str(key), list(TOP_KEYS))}", (key,), str(key)
            )
    name = data.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise doc.error(f"name must match [a-z0-9-]+, got {name!r}", ("name",), "name")
    if name != path.stem:
        raise doc.error(
            f"name {name!r} differs from the file name {path.name!r} (it must be {name}.yaml)",
            ("name",),
            "name",
        )
    base = data.get("base")
    if base is not None and (not isinstance(base, str) or not NAME_RE.match(base)):
        raise doc.error(f"base must be a scenario name, got {base!r}", ("base",), "base")
    keeps = data.get("keeps_historical_investment")
    if keeps is not None and not isinstance(keeps, bool):
        raise doc.error(
            f"must be true or false, got {keeps!r}",
            ("keeps_historical_investment",),
            "keeps_historical_investment",
        )

    parameters: dict[str, Value] = {}
    raw_params = data.get("parameters") or {}
    if not isinstance(raw_params, dict):
        raise doc.error("parameters must be a mapping {name: value}", ("parameters",), "parameters")
    for pname, value in raw_params.items():
        var = _constant(doc, pname, ("parameters", pname))
        parameters[pname] = _value(doc, var, value, ("parameters", pname))

    schedules: dict[str, list[tuple[int, float]]] = {}
    raw_sched = data.get("schedules") or {}
    if not isinstance(raw_sched, dict):
        raise doc.error(
            "schedules must be a mapping {name: {year: value}}", ("schedules",), "schedules"
        )
    _, _, (start, stop) = _model_constants()
    for sname, steps in raw_sched.items():
        spath = ("schedules", sname)
        where = f"schedules.{sname}"
        var = _constant(doc, sname, spath)
        if var.dims:
            raise doc.error(
                f"{sname} is arrayed over {var.dims[0]}; only scalar constants can be scheduled",
                spath,
                where,
            )
        if not isinstance(steps, dict) or not steps:
            raise doc.error("a schedule must be a mapping {year: value}", spath, where)
        points = []
        for year, value in steps.items():
            ypath = spath + (year,)
            if isinstance(year, bool) or not isinstance(year, int):
                raise doc.error(f"a schedule year must be a whole year, got {year!r}", ypath, where)
            if not start <= year < stop:
                raise doc.error(
                    f"year {year} is outside the model's time ({start:g}-{stop - 1:g})",
                    ypath,
                    where,
                )
            points.append((year, _number(doc, value, var, ypath)))
        schedules[sname] = sorted(points)
    return _Raw(
        name=name,
        doc=doc,
        base=base,
        title=_text_by_lang(doc, data, "title"),
        description=_text_by_lang(doc, data, "description"),
        keeps=keeps,
        parameters=parameters,
        schedules=schedules,
    )


# -- resolution (inheritance) ------------------------------------------------------------


def _merge(base: dict[str, Value], child: dict[str, Value]) -> dict[str, Value]:
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def _resolve(path: Path, chain: tuple[Path, ...] = ()) -> Scenario:
    raw = _parse(path)
    if raw.base is None:
        parameters, schedules = raw.parameters, raw.schedules
        title, description, base_keeps, names = raw.title, raw.description, True, (raw.name,)
    else:
        line = raw.doc.line_of(("base",))
        try:
            base_path = find_scenario_file(raw.base, near=path.parent)
        except KazindError as err:
            raise KazindError(
                f"base: {err.message.replace('unknown scenario', 'missing base scenario')}",
                file=raw.doc.file,
                line=line,
            ) from None
        resolved = [p.resolve() for p in chain] + [path.resolve()]
        if base_path.resolve() in resolved:
            cycle = " -> ".join([p.stem for p in (*chain, path)] + [raw.base])
            raise KazindError(f"base: cycle of inheritance: {cycle}", file=raw.doc.file, line=line)
        base = _resolve(base_path, (*chain, path))
        parameters = _merge(base.parameters, raw.parameters)
        schedules = {**base.schedules, **raw.schedules}
        title, description = raw.title, raw.description  # not inherited: each says its own
        base_keeps = base.keeps_historical_investment
        names = (raw.name, *base.chain)
    changed = [
        n
        for n in INVESTMENT_CONSTANTS
        if n in schedules or (n in parameters and not _is_default(n, parameters[n]))
    ]
    keeps = raw.keeps if raw.keeps is not None else (base_keeps and not changed)
    if keeps and changed:
        raise raw.doc.error(
            "keeps_historical_investment is true but the scenario changes " + ", ".join(changed),
            ("keeps_historical_investment",),
            "keeps_historical_investment",
        )
    return Scenario(
        name=raw.name,
        title=title or {lang: raw.name for lang in LANGS},
        description=description,
        base=raw.base,
        keeps_historical_investment=bool(keeps),
        parameters=parameters,
        schedules=schedules,
        file=raw.doc.file,
        chain=names,
    )


def _is_default(name: str, value: Value) -> bool:
    constants, _, _ = _model_constants()
    return value == constants[name].value


def load_scenario(ref: str | Path) -> Scenario:
    """The scenario named ``ref`` (shipped or in the search path) or in the file ``ref``."""
    if isinstance(ref, Scenario):
        return ref
    if _is_path(ref):
        path = Path(ref)
        if not path.exists():
            raise KazindError("scenario file not found", file=path)
        read_text_file(path, what="scenario file")  # a FIFO, device or directory: one line, at once
        return _resolve(path)
    name = str(ref)
    if not NAME_RE.match(name):
        raise KazindError(f"{name!r} is neither a scenario name ([a-z0-9-]+) nor a .yaml file")
    return _resolve(find_scenario_file(name))
