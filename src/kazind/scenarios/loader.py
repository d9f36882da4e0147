"""Read, check and resolve scenario files (docs/scenarios.md).

A scenario is a YAML file ``<name>.yaml``: a title and a description in Kazakh,
Russian and English, an optional ``base`` to inherit from, the year its changes act
from (``starts``), constant overrides (``parameters``), piecewise-constant
``schedules`` by year, and what it stands on in structured fields: its
``assumptions`` and what it ``leaves_out`` (lists, in kk, ru and en) and the record's
facts and claims it ``rests_on`` (ids, each checked against the record). Every
mistake is a :class:`~kazind.common.KazindError` that names the file and the line.

Where scenarios are found, in this order: the folders of ``$KAZIND_SCENARIO_PATH``
(separated by ``os.pathsep``), ``./scenarios/``, then the shipped ``data/`` folder. A
name found in two of them is an error (a duplicate name), so that a user's file never
silently shadows a shipped scenario.
"""

from __future__ import annotations

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
from kazind.common.langs import LANGS
from kazind.common.suggest import suggest
from kazind.common.units import parse_quantity, parse_unit, ureg
from kazind.common.yamlio import YamlDocument, load_yaml, read_text_file

SHIPPED_DIR = Path(__file__).with_name("data")
ENV_VAR = "KAZIND_SCENARIO_PATH"
TOP_KEYS = (
    "name",
    "base",
    "title",
    "description",
    "starts",
    "assumptions",
    "rests_on",
    "leaves_out",
    "keeps_historical_investment",
    "parameters",
    "schedules",
)
#: The year a change acts from when neither the scenario nor the lever says: the debate
#: (the XIV congress of December 1925 set the course; the arguments of 1926-1928).
DEFAULT_START = 1926
#: An id of the record quoted in a scenario's texts (``seed.policy.x``, ``ext.famine.y``).
RECORD_ID_RE = re.compile(r"\b(?:seed|ext)\.[a-z_]+\.[a-z0-9_]+\b")
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

    ``starts`` is the year the scenario's changes act from (its own or its base's;
    None: each lever from its own year in the model, any other constant from
    :data:`DEFAULT_START`); :meth:`start_of` gives the year of one change and
    :attr:`departure` the first of them. ``assumptions`` and ``leaves_out`` are lists
    of sentences by language, ``rests_on`` the ids of the record's facts and claims;
    like the title and the description they are the file's own, not inherited.
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
    starts: int | None = None
    assumptions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rests_on: tuple[str, ...] = ()
    leaves_out: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def content(self) -> dict[str, Any]:
        """What the model sees of this scenario (JSON-able): parameters, schedules and
        the year each change acts from."""
        return {
            "parameters": {k: self.parameters[k] for k in sorted(self.parameters)},
            "schedules": {
                k: [[y, v] for y, v in self.schedules[k]] for k in sorted(self.schedules)
            },
            "starts": {k: v for k, v in sorted(self.change_starts().items())},
        }

    def content_json(self) -> str:
        return json.dumps(self.content(), sort_keys=True, ensure_ascii=False)

    def content_key(self) -> str:
        """A hash of :meth:`content`: equal for scenarios the model cannot tell apart."""
        return hashlib.sha256(self.content_json().encode()).hexdigest()[:16]

    def changes(self) -> list[str]:
        """The constants the scenario changes (its levers' start-year constants apart:
        those say when, not what)."""
        starts = set(lever_starts().values())
        return sorted(n for n in {*self.parameters, *self.schedules} if n not in starts)

    def start_of(self, name: str) -> float:
        """The year the change of constant ``name`` acts from.

        A lever: its start-year constant if the scenario sets it, else the scenario's
        ``starts``, else the lever's own year in the model (1926 for the debate's levers,
        1929 for collectivisation and procurements). Any other constant: ``starts``,
        else :data:`DEFAULT_START`.
        """
        levers = lever_starts()
        if name in levers:
            own = self.parameters.get(levers[name])
            if isinstance(own, int | float):
                return float(own)
            if self.starts is not None:
                return float(self.starts)
            return float(_model_constants()[0][levers[name]].value)
        return float(self.starts if self.starts is not None else DEFAULT_START)

    def change_starts(self) -> dict[str, float]:
        """``{constant: year}`` for every change (:meth:`changes`)."""
        return {name: self.start_of(name) for name in self.changes()}

    @property
    def departure(self) -> float | None:
        """The first year the scenario's path may differ from history (None: no change)."""
        years = self.change_starts().values()
        return min(years) if years else None


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
    """Names of every scenario found (shipped and user), sorted; ``historical`` first.

    User scenarios are looked for in the folders of ``$KAZIND_SCENARIO_PATH``.

    Returns
    -------
    list of str
        The names, ``historical`` first.

    Examples
    --------
    >>> names = list_scenarios()
    >>> names[0], "raw-material-base" in names
    ('historical', True)
    """
    names = sorted(_files_by_name())
    return sorted(names, key=lambda n: (n != "historical", n))


def _suggest(name: str, choices: list[str]) -> str:
    """``"; did you mean 'a', 'b'?"`` (names quoted, as the scenario file writes them)."""
    close = suggest(name, choices, cutoff=0.5)
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


def lever_starts() -> dict[str, str]:
    """``{lever: its start-year constant}`` for the model's policy levers."""
    from kazind.model import LEVERS

    return {lever.name: lever.start for lever in LEVERS}


@lru_cache(maxsize=1)
def initial_state_constants() -> dict[str, str]:
    """``{constant: a stock whose initial value names it}``: the constants that set the
    state of the model's first year (a herd, a population, a share of 1913).

    A scenario departs from history in its start year, and the state of the first year
    is history's; a later change of such a constant would move only the equations that
    use it as a base (herds per head of 1913, ...), not the state it stands for. Such a
    change must start with the model (``starts`` at the model's first year).
    """
    from kazind.engine import expr

    out: dict[str, str] = {}
    constants = _model_constants()[0]
    for stock in calibrated_spec().stocks():
        texts = stock.initial.values() if isinstance(stock.initial, dict) else [stock.initial]
        for text in texts:
            if isinstance(text, str):
                for name in sorted(expr.references(expr.parse(text, stock.name))):
                    if name in constants:
                        out.setdefault(name, stock.name)
    return out


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
    starts: int | None = None
    assumptions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    rests_on: tuple[str, ...] = ()
    leaves_out: dict[str, tuple[str, ...]] = field(default_factory=dict)


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
    element = (
        path[-1] if var.dims and path and path[-1] in _dimension_elements(var.dims[0]) else None
    )
    model = var.value
    if isinstance(model, dict):
        model = model.get(element, model.get("*")) if element is not None else None
    if not isinstance(model, int | float):
        return
    model = float(model)
    if model >= 0 and number < 0:
        raise doc.error(
            f"{value!r} is negative, and {var.name} (no bounds in the model; its value {model:g}) "
            "must not be",
            path,
            where,
        )
    limit = UNBOUNDED_FACTOR * max(abs(model), 1.0)
    if abs(number) > limit:
        raise doc.error(
            f"{value!r} is more than {UNBOUNDED_FACTOR:g} times the model's value of {var.name} "
            f"({model:g}; at most {limit:g})",
            path,
            where,
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


def _sentences_by_lang(doc: YamlDocument, data: dict, key: str) -> dict[str, tuple[str, ...]]:
    """``{kk: [...], ru: [...], en: [...]}``: the same number of sentences in each language."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict) or set(value) != set(LANGS):
        raise doc.error(f"give a list of sentences in each of {', '.join(LANGS)}", (key,), key)
    out: dict[str, tuple[str, ...]] = {}
    for lang in LANGS:
        items = value[lang]
        where = f"{key}.{lang}"
        if not isinstance(items, list) or not items:
            raise doc.error("must be a non-empty list of sentences", (key, lang), where)
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                hint = " (quote a sentence that holds ': ')" if isinstance(item, dict) else ""
                raise doc.error(
                    f"item {i + 1} must be a non-empty text{hint}", (key, lang, i), where
                )
        out[lang] = tuple(" ".join(item.split()) for item in items)
    counts = {lang: len(items) for lang, items in out.items()}
    if len(set(counts.values())) > 1:
        text = ", ".join(f"{lang} {n}" for lang, n in counts.items())
        raise doc.error(f"each language must give the same sentences ({text})", (key,), key)
    return out


def _record_ids() -> set[str]:
    from kazind.record.facts import default_table

    return set(default_table().by_id)


def _check_ids(doc: YamlDocument, ids: list[str], paths: list[tuple], where: str) -> None:
    known = _record_ids()
    for fact_id, path in zip(ids, paths, strict=True):
        if fact_id not in known:
            raise doc.error(
                f"unknown fact or claim {fact_id!r} of the record{_suggest(fact_id, sorted(known))}",
                path,
                where,
            )


def _rests_on(doc: YamlDocument, data: dict) -> tuple[str, ...]:
    value = data.get("rests_on")
    if value is None:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise doc.error(
            "give a list of ids of the record (see kazind facts)", ("rests_on",), "rests_on"
        )
    if len(set(value)) != len(value):
        twice = sorted({v for v in value if value.count(v) > 1})
        raise doc.error(f"rests_on names {', '.join(twice)} twice", ("rests_on",), "rests_on")
    _check_ids(doc, value, [("rests_on", i) for i in range(len(value))], "rests_on")
    return tuple(value)


def _cited_ids(doc: YamlDocument, data: dict) -> None:
    """Every record id quoted in the texts (description, assumptions, leaves_out) exists."""
    for key in ("description", "assumptions", "leaves_out"):
        value = data.get(key)
        if not isinstance(value, dict):
            continue
        for lang, text in value.items():
            texts = text if isinstance(text, list) else [text]
            ids = [
                m.group(0) for t in texts if isinstance(t, str) for m in RECORD_ID_RE.finditer(t)
            ]
            _check_ids(doc, ids, [(key, lang)] * len(ids), f"{key}.{lang}")


def _starts(doc: YamlDocument, data: dict) -> int | None:
    value = data.get("starts")
    if value is None:
        return None
    _, _, (start, stop) = _model_constants()
    if isinstance(value, bool) or not isinstance(value, int) or not start <= value < stop:
        raise doc.error(
            f"starts must be a year of the model's time ({start:g}-{stop - 1:g}), got {value!r}",
            ("starts",),
            "starts",
        )
    return value


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
    _cited_ids(doc, data)
    return _Raw(
        name=name,
        doc=doc,
        base=base,
        title=_text_by_lang(doc, data, "title"),
        description=_text_by_lang(doc, data, "description"),
        keeps=keeps,
        parameters=parameters,
        schedules=schedules,
        starts=_starts(doc, data),
        assumptions=_sentences_by_lang(doc, data, "assumptions"),
        rests_on=_rests_on(doc, data),
        leaves_out=_sentences_by_lang(doc, data, "leaves_out"),
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
        base_starts = None
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
        base_starts = base.starts
        names = (raw.name, *base.chain)
    changed = [
        n
        for n in INVESTMENT_CONSTANTS
        if n in schedules or (n in parameters and not _is_default(n, parameters[n]))
    ]
    starts = raw.starts if raw.starts is not None else base_starts
    keeps = raw.keeps if raw.keeps is not None else (base_keeps and not changed)
    if keeps and changed:
        raise raw.doc.error(
            "keeps_historical_investment is true but the scenario changes " + ", ".join(changed),
            ("keeps_historical_investment",),
            "keeps_historical_investment",
        )
    scenario = Scenario(
        name=raw.name,
        title=title or {lang: raw.name for lang in LANGS},
        description=description,
        base=raw.base,
        keeps_historical_investment=bool(keeps),
        parameters=parameters,
        schedules=schedules,
        file=raw.doc.file,
        chain=names,
        starts=starts,
        assumptions=raw.assumptions,
        rests_on=raw.rests_on,
        leaves_out=raw.leaves_out,
    )
    _check_starts(raw, scenario)
    return scenario


def _where(raw: _Raw, section: str, name: str) -> tuple[tuple, str]:
    """The path of ``section.name`` in this file if it says it there, else of ``starts``."""
    mine = raw.parameters if section == "parameters" else raw.schedules
    if name in mine:
        return (section, name), f"{section}.{name}"
    return ("starts",) if raw.starts is not None else ("base",), "starts"


def _check_starts(raw: _Raw, scenario: Scenario) -> None:
    """Each change acts from its year: no schedule step before it, no lever started
    before the scenario's ``starts``, no change of the first year's state after it."""
    _, _, (first, _stop) = _model_constants()
    levers = lever_starts()
    for lever, start_name in levers.items():
        own = scenario.parameters.get(start_name)
        if isinstance(own, int | float) and scenario.starts is not None and own < scenario.starts:
            path, where = _where(raw, "parameters", start_name)
            raise raw.doc.error(
                f"{start_name} {own:g} is before the scenario's start ({scenario.starts}); "
                f"{lever} would depart from history earlier",
                path,
                where,
            )
    initial = initial_state_constants()
    for name in scenario.changes():
        year = scenario.start_of(name)
        if name in scenario.schedules and scenario.schedules[name][0][0] < year:
            path, where = _where(raw, "schedules", name)
            raise raw.doc.error(
                f"the schedule of {name} steps in {scenario.schedules[name][0][0]}, before the year "
                f"its change acts from ({year:g}; set by starts)",
                path,
                where,
            )
        if name in initial and year > first:
            section = "parameters" if name in scenario.parameters else "schedules"
            path, where = _where(raw, section, name)
            raise raw.doc.error(
                f"{name} sets the state of {first:g} (the initial value of {initial[name]}); a change of it "
                f"cannot wait until {year:g}: give the scenario 'starts: {first:g}'",
                path,
                where,
            )


def _is_default(name: str, value: Value) -> bool:
    constants, _, _ = _model_constants()
    return value == constants[name].value


def load_scenario(ref: str | Path) -> Scenario:
    """The scenario named ``ref`` (shipped or in the search path) or in the file ``ref``.

    Parameters
    ----------
    ref
        A scenario's name (``[a-z0-9-]+``), the path of a ``.yaml`` file, or a
        :class:`Scenario` (returned as it is).

    Returns
    -------
    Scenario
        Resolved: its base's changes inherited, every value checked against the model.

    Raises
    ------
    KazindError
        One line naming the file, line and key (an unknown name gets "did you mean").

    Examples
    --------
    >>> s = load_scenario("raw-material-base")
    >>> s.base, s.start_of("processing_priority")
    ('historical', 1926.0)
    """
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
