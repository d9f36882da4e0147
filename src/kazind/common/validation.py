"""One way to turn a pydantic ``ValidationError`` into a located one-line error.

Every data file of kazind (facts, places, railways, documents, models, scenarios,
targets) is parsed into pydantic models after :func:`kazind.common.load_yaml` has kept
the line of every key. :func:`located_error` reports the schema error a user can act
on first (an unknown key usually explains a "missing" one; of a union, the branch the
record nearly matched), names the field without pydantic's internal union branch names,
and points at the line of the bad key:
``facts_seed.yaml:412: seed.policy.x: statement.en: Field required``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import ValidationError

from kazind.common.errors import KazindError
from kazind.common.yamlio import KeyPath, YamlDocument

#: ``explain(error, path)``: a better ``(message, path)`` for one pydantic error, or None.
Explain = Callable[[dict, KeyPath], "tuple[str, KeyPath] | None"]


def located_error(
    doc: YamlDocument,
    exc: ValidationError | Sequence[dict],
    base: KeyPath = (),
    where: str | Callable[[KeyPath], str | None] | None = None,
    *,
    error: type[KazindError] = KazindError,
    clean: Callable[[KeyPath], KeyPath] | None = None,
    explain: Explain | None = None,
) -> KazindError:
    """A :class:`KazindError` at ``file:line: where: field: message`` for ``exc``.

    Parameters
    ----------
    doc
        The document the validated data came from (it knows each key's line).
    exc
        The ``ValidationError``, or its ``errors()`` list.
    base
        The key path of the validated record in ``doc`` (e.g. ``("places", 3)``).
    where
        The record's name for the message, or a function of the error's key path
        that names it.
    error
        The error type to return (a layer's own :class:`KazindError` subclass).
    clean
        Turns pydantic's location into the document's key path (default: drop union
        branch names from the field's name, keep them for the line lookup).
    explain
        A layer's better wording of some error types (see :data:`Explain`).
    """
    errors = exc.errors(include_url=False) if isinstance(exc, ValidationError) else list(exc)
    err = _first(errors)
    loc = tuple(p for p in err.get("loc", ()) if isinstance(p, str | int))
    path = clean(loc) if clean else loc
    # A failed union lists one branch per model class (capitalised): name the field only.
    field_path = path if clean else tuple(p for p in loc if not _is_branch(p))
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    if err.get("type") == "extra_forbidden":
        msg = "unknown field"
    better = explain(err, path) if explain else None
    if better is not None:
        msg, path = better
        field_path = path
    field = ".".join(str(p) for p in field_path)
    full = (*base, *path)
    name = where(full) if callable(where) else where
    return error(
        f"{field}: {msg}" if field else msg,
        file=doc.file or None,
        line=doc.line_of(full),
        where=name,
    )


def _first(errors: list[dict]) -> dict:
    """The error a user can act on first: of a union, the branch with the fewest errors
    (the one the record was meant to be); in it, an unknown key before the rest."""

    def branch(e: dict) -> str | None:
        return next((str(p) for p in e.get("loc", ()) if _is_branch(p)), None)

    counts: dict[str | None, int] = {}
    for e in errors:
        counts[branch(e)] = counts.get(branch(e), 0) + 1
    if len(counts) > 1:
        best = min((k for k in counts if k is not None), key=lambda k: counts[k])
        errors = [e for e in errors if branch(e) in (None, best)]
    return next((e for e in errors if e.get("type") == "extra_forbidden"), errors[0])


def _is_branch(part: object) -> bool:
    """Whether a location part is a union branch (a model class name), not a field."""
    text = str(part).lstrip("_")
    return isinstance(part, str) and text[:1].isupper()
