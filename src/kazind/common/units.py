"""The project's one pint unit registry, and the one grammar for units and quantities.

Besides pint's defaults the registry knows people, roubles, head of livestock,
households and the scale words the
source text uses (``thousand``, ``million``), so that "115,5 мың адам" is ``115.5
thousand person``. Every layer parses units here, so that quantities from the record,
the engine and the model can be compared.

Unit and quantity strings come from data files a user may write (a scenario's
``"20 thousand person/year"``), so they are not handed to pint's expression parser,
which evaluates arithmetic (``'9**9**9'`` would run for ever). :func:`parse_quantity`
and :func:`parse_unit` read them with a small grammar instead::

    quantity := number [unit]
    unit     := term (("*" | "/" | " ") term)*      left to right, like pint
    term     := factor [("**" | "^") integer]       |integer| <= 12
    factor   := NAME | "1" | "(" unit ")"

where NAME is a unit, prefix or scale word the registry knows. Only the registry's
own unit objects are multiplied, divided and raised to small integer powers.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

import pint

from kazind.common.errors import KazindError

__all__ = ["MAX_POWER", "parse_quantity", "parse_unit", "ureg"]

ureg = pint.UnitRegistry(on_redefinition="raise", autoconvert_offset_to_baseunit=True)
ureg.define("person = [population] = persons = people")
ureg.define("rouble = [currency] = roubles = rub")
ureg.define("thousand = 1e3")
ureg.define("million = 1e6")
ureg.define("times = 1")  # "486 есе": a multiple, dimensionless
ureg.define("head = [livestock] = heads")  # herds: "40 million head"
ureg.define("household = [household] = households")  # collectivised, settled households

#: The largest power of a unit (``m**3``) the grammar admits.
MAX_POWER = 12
#: The longest unit or quantity text read.
MAX_LENGTH = 200
_MAX_PARENS = 8

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<number>[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
    r"|(?P<name>[^\W\d]\w*)"
    r"|(?P<op>\*\*|\^|\*|/|\(|\))"
    r")"
)
_INTEGER = re.compile(r"[-+]?[0-9]+")


class _Bad(Exception):
    pass


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise _Bad(f"unexpected {text[pos:].strip()[:1]!r}")
        kind = m.lastgroup
        assert kind is not None
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class _Parser:
    """Recursive descent over the tokens; builds pint Units, never evaluates text."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0
        self.parens = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _Bad("it ends too early")
        self.i += 1
        return token

    def unit(self) -> pint.Unit:
        result = self.term()
        while True:
            token = self.peek()
            if token is None or token == ("op", ")"):
                return result
            if token in (("op", "*"), ("op", "/")):
                self.i += 1
                right = self.term()
                result = result * right if token[1] == "*" else result / right
            else:  # juxtaposition: "thousand person"
                result = result * self.term()

    def term(self) -> pint.Unit:
        base = self.factor()
        token = self.peek()
        if token in (("op", "**"), ("op", "^")):
            self.i += 1
            kind, text = self.take()
            if kind != "number" or not _INTEGER.fullmatch(text):
                raise _Bad(f"a power must be a whole number, got {text!r}")
            power = int(text)
            if abs(power) > MAX_POWER:
                raise _Bad(f"the power {power} is beyond +-{MAX_POWER}")
            if self.peek() in (("op", "**"), ("op", "^")):
                raise _Bad("a power of a power is not a unit")
            return base**power
        return base

    def factor(self) -> pint.Unit:
        kind, text = self.take()
        if kind == "name":
            if not _known(text):
                raise _Bad(f"unknown unit {text!r}")
            return ureg.Unit(text)
        if kind == "number" and text == "1":
            return ureg.dimensionless
        if (kind, text) == ("op", "("):
            self.parens += 1
            if self.parens > _MAX_PARENS:
                raise _Bad("too many parentheses")
            inner = self.unit()
            if self.take() != ("op", ")"):
                raise _Bad("a '(' is not closed")
            self.parens -= 1
            return inner
        raise _Bad(f"expected a unit name, got {text!r}")


def _known(name: str) -> bool:
    """Whether the registry defines ``name`` (a unit, with a prefix or plural, or a scale
    word); names with a leading underscore are never units (and never attributes)."""
    if name.startswith("_"):
        return False
    try:
        return name in ureg
    except Exception:  # pint raises several types for odd names; all mean "not a unit"
        return False


def _unit_of(tokens: list[tuple[str, str]]) -> pint.Unit:
    parser = _Parser(tokens)
    unit = parser.unit()
    if parser.peek() is not None:
        raise _Bad(f"unexpected {parser.peek()[1]!r}")
    return unit


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> pint.Unit:
    """Parse a unit string such as ``"Mt/year"`` or ``"thousand person"``.

    A scale word stays inside the unit (``thousand person`` is 1000 person). Raises
    :class:`KazindError` naming the text when it is not a unit of the grammar above.
    """
    cleaned = (text or "").strip()
    if cleaned in ("", "1", "dimensionless", "dmnl"):
        return ureg.dimensionless
    if len(cleaned) > MAX_LENGTH:
        raise KazindError(
            f"cannot parse unit {cleaned[:40]!r}...: longer than {MAX_LENGTH} characters"
        )
    try:
        tokens = _tokens(cleaned)
        if tokens and tokens[0][0] == "number" and tokens[0][1] != "1":
            raise KazindError(f"{text!r} is a number, not a unit")
        return _unit_of(tokens)
    except _Bad as exc:
        raise KazindError(f"cannot parse unit {text!r}: {exc}") from None


def parse_quantity(text: str) -> pint.Quantity:
    """Parse ``"20 thousand person/year"``, ``"2.5"`` or ``"1e3 Mt"``: a number, then
    optionally a unit (see the module docstring). A bare number is dimensionless.

    Raises :class:`KazindError` naming the text when it is not a number and a unit,
    or when the number is not finite.
    """
    cleaned = (text or "").strip()
    if len(cleaned) > MAX_LENGTH:
        raise KazindError(
            f"cannot read {cleaned[:40]!r}... as a quantity: longer than {MAX_LENGTH} characters"
        )
    try:
        tokens = _tokens(cleaned)
        if not tokens or tokens[0][0] != "number":
            raise _Bad("it must start with a number")
        number = float(tokens[0][1])
        if not math.isfinite(number):
            raise _Bad("the number is not finite")
        unit = _unit_of(tokens[1:]) if len(tokens) > 1 else ureg.dimensionless
    except _Bad as exc:
        raise KazindError(f"cannot read {text!r} as a number with a unit: {exc}") from None
    return ureg.Quantity(number, unit)
