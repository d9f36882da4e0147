"""YAML <-> :class:`ModelSpec`, with the file and line of every problem.

``load_model(path)`` reads a model file; ``model_from_dict(data)`` builds a spec from
plain data (as parsed from YAML or JSON); ``dump_model(spec, path)`` writes a spec as
YAML atomically, leaving out fields at their defaults (``kind`` is always written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from kazind.common.atomic import atomic_write
from kazind.common.errors import KazindError
from kazind.common.validation import located_error
from kazind.common.yamlio import YamlDocument, load_yaml, parse_yaml
from kazind.engine.errors import EngineError
from kazind.engine.spec import ModelSpec

_KINDS = {"stock", "flow", "aux", "constant", "lookup", "series"}


def load_model(path: str | Path, check: bool = True) -> ModelSpec:
    """Read a model from a YAML file; :class:`EngineError` names the file and line.

    With ``check`` (the default) the equations are compiled once too, so that a syntax,
    name, unit or loop error is reported at the line of the variable's equation.

    Parameters
    ----------
    path
        The model file (YAML, as :func:`dump_model` writes it).
    check
        Compile the equations once to locate their errors (default True).

    Returns
    -------
    ModelSpec
        The validated spec.

    Raises
    ------
    EngineError
        One line naming the file, the line and the variable.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from kazind.engine.examples import exponential_growth
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "growth.yaml"
    >>> dump_model(exponential_growth(), path)
    >>> load_model(path).names()
    ['population', 'births', 'growth_rate', 'initial_population']
    """
    try:
        doc = load_yaml(path)
    except KazindError as exc:
        raise EngineError(exc.message, file=exc.file, line=exc.line, where=exc.where) from None
    return _checked(doc, _from_document(doc), check)


def loads_model(text: str, file: str = "<string>", check: bool = True) -> ModelSpec:
    """Parse a model from YAML text (``file`` is used in messages); see :func:`load_model`.

    Parameters
    ----------
    text
        The model as YAML text.
    file
        The name messages give the text.
    check
        Compile the equations once to locate their errors (default True).

    Returns
    -------
    ModelSpec
        The validated spec.

    Examples
    --------
    >>> spec = loads_model('''
    ... name: decay
    ... time: {start: 0, stop: 4, dt: 1}
    ... variables:
    ...   - {name: stock, kind: stock, initial: "10", outflows: [loss]}
    ...   - {name: loss, kind: flow, equation: stock * 0.5}
    ... ''', check=False)
    >>> spec.names()
    ['stock', 'loss']
    """
    try:
        doc = parse_yaml(text, file=file)
    except KazindError as exc:
        raise EngineError(exc.message, file=exc.file, line=exc.line, where=exc.where) from None
    return _checked(doc, _from_document(doc), check)


def _checked(doc: YamlDocument, spec: ModelSpec, check: bool) -> ModelSpec:
    """Compile ``spec`` once; locate an equation error at its variable's line in ``doc``."""
    if check:
        from kazind.engine.simulate import compile_model  # the loader is usable without it

        try:
            compile_model(spec)
        except EngineError as exc:
            path = _variable_path(doc.data, exc.where)
            if path is not None:
                var = _get(doc.data, path) or {}
                key = next((k for k in ("equation", "initial") if k in var), None)
                if key is not None and "unit:" not in exc.message:
                    path = path + (key,)
            raise EngineError(
                exc.message,
                file=doc.file,
                line=doc.line_of(path) if path else None,
                where=exc.where,
            ) from None
    return spec


def model_from_dict(data: Any) -> ModelSpec:
    """Build a spec from plain data (as parsed from YAML or JSON); errors name the key path.

    Parameters
    ----------
    data
        A mapping with ``name``, ``time`` and ``variables`` (each with ``name`` and ``kind``).

    Returns
    -------
    ModelSpec
        The validated spec.

    Raises
    ------
    EngineError
        One line naming the variable and the key.

    Examples
    --------
    >>> model_from_dict({"name": "x", "time": {"start": 0, "stop": 1},
    ...                  "variables": [{"name": "a", "kind": "stok"}]})
    Traceback (most recent call last):
    ...
    kazind.engine.errors.EngineError: variable 'a': variables.0.kind: unknown variable kind 'stok' (expected one of aux, constant, flow, lookup, series, stock)
    """
    return _from_document(YamlDocument(data=data, file="", lines={}))


def _from_document(doc: YamlDocument) -> ModelSpec:
    data = doc.data
    file = doc.file or None
    if not isinstance(data, dict):
        raise EngineError(
            "a model file must be a mapping with name, time and variables",
            file=file,
            line=doc.line_of(()),
        )
    try:
        return ModelSpec.model_validate(data)
    except ValidationError as exc:
        raise _located(doc, exc.errors(include_url=False)) from None
    except EngineError as exc:
        if getattr(exc, "validation_errors", None):
            raise _located(doc, exc.validation_errors) from None
        path = _variable_path(data, exc.where)
        raise EngineError(
            exc.message,
            file=file,
            line=doc.line_of(path) if path else None,
            where=exc.where,
        ) from None


def _located(doc: YamlDocument, errors: list[dict]) -> EngineError:
    """The first pydantic error as an :class:`EngineError` with file, line and variable."""
    data = doc.data

    def explain(err: dict, path: tuple) -> tuple[str, tuple] | None:
        if err.get("type") == "union_tag_invalid":
            kind = _get(data, path + ("kind",))
            return (
                f"unknown variable kind {kind!r} (expected one of {', '.join(sorted(_KINDS))})",
                path + ("kind",),
            )
        if err.get("type") == "union_tag_not_found":
            return "a variable needs a 'kind'", path
        if err.get("type") == "extra_forbidden":
            return f"unknown key {path[-1]!r}", path
        return None

    return located_error(
        doc,
        errors,
        where=lambda path: _where(data, path),
        error=EngineError,
        clean=_clean_loc,
        explain=explain,
    )


def _clean_loc(loc: tuple) -> tuple:
    """Pydantic's location without the union tag it inserts after a variable's index."""
    out: list[Any] = []
    for i, part in enumerate(loc):
        if isinstance(part, str) and part in _KINDS and i > 0 and isinstance(loc[i - 1], int):
            continue
        if isinstance(part, str) and part.startswith(("function-", "tagged-union")):
            continue
        out.append(part)
    return tuple(out)


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _where(data: Any, path: tuple) -> str | None:
    if len(path) >= 2 and path[0] == "variables" and isinstance(path[1], int):
        name = _get(data, ("variables", path[1], "name"))
        if isinstance(name, str):
            return f"variable {name!r}"
    return None


def _variable_path(data: dict, where: str | None) -> tuple | None:
    """The key path of the variable named in ``where`` ("variable 'x'")."""
    if not where or not where.startswith("variable '"):
        return ("time",) if where == "time" else None
    name = where[len("variable '") :].split("'")[0].split("[")[0]
    for i, var in enumerate(data.get("variables") or []):
        if isinstance(var, dict) and var.get("name") == name:
            return ("variables", i)
    return None


def model_to_dict(spec: ModelSpec) -> dict[str, Any]:
    """Plain data for ``spec``, without fields at their defaults (``kind`` kept)."""
    data = spec.model_dump(mode="json", exclude_defaults=True)
    full = spec.model_dump(mode="json")
    data["time"] = {
        k: v for k, v in full["time"].items() if k in data.get("time", {}) or k in ("start", "stop")
    }
    variables = []
    for short, long in zip(data.get("variables", []), full["variables"], strict=True):
        ordered = {"name": long["name"], "kind": long["kind"]}
        ordered.update({k: v for k, v in short.items() if k not in ordered})
        variables.append(ordered)
    data["variables"] = variables
    return data


def dump_model(spec: ModelSpec, path: str | Path) -> None:
    """Write ``spec`` as YAML to ``path`` atomically (a failure leaves ``path`` untouched).

    Parameters
    ----------
    spec
        The model.
    path
        The file to write (its folder must exist); fields at their defaults are left out.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from kazind.engine.examples import exponential_growth
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "growth.yaml"
    >>> dump_model(exponential_growth(), path)
    >>> path.read_text().splitlines()[0]
    'name: exponential_growth'
    """
    text = yaml.safe_dump(model_to_dict(spec), sort_keys=False, allow_unicode=True, width=100)
    with atomic_write(path) as fh:
        fh.write(text)
