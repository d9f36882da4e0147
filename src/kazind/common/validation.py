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

from pydantic import ValidationError

from kazind.common.errors import KazindError
from kazind.common.yamlio import KeyPath, YamlDocument


def located_error(
    doc: YamlDocument, exc: ValidationError, base: KeyPath = (), where: str | None = None
) -> KazindError:
    """A :class:`KazindError` at ``file:line: where: field: message`` for ``exc``.

    ``base`` is the key path of the validated record in ``doc`` (e.g. ``("places", 3)``).
    """
    errors = exc.errors()
    # A union reports every branch (a capitalised model name in the path): keep the
    # branch with the fewest errors, the one the record was meant to be.
    def branch(e: dict) -> str | None:
        return next((str(p) for p in e.get("loc", ()) if _is_branch(p)), None)

    counts: dict[str | None, int] = {}
    for e in errors:
        counts[branch(e)] = counts.get(branch(e), 0) + 1
    if len(counts) > 1:
        best = min((k for k in counts if k is not None), key=lambda k: counts[k])
        errors = [e for e in errors if branch(e) in (None, best)]
    err = next((e for e in errors if e.get("type") == "extra_forbidden"), errors[0])
    loc = tuple(p for p in err.get("loc", ()) if isinstance(p, str | int))
    # A failed union lists one branch per model class (capitalised): name the field only.
    field = ".".join(str(p) for p in loc if not _is_branch(p))
    msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    if err.get("type") == "extra_forbidden":
        msg = "unknown field"
    return doc.error(f"{field}: {msg}" if field else msg, (*base, *loc), where=where)


def _is_branch(part: object) -> bool:
    """Whether a location part is a union branch (a model class name), not a field."""
    text = str(part).lstrip("_")
    return isinstance(part, str) and text[:1].isupper()
