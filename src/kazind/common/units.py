"""The project's one pint unit registry.

Besides pint's defaults it knows people, roubles, head of livestock, households and the
scale words the source text uses (``thousand``, ``million``), so that "115,5 мың адам" is
``115.5 thousand person``.
Every layer parses units here, so that quantities from the record, the engine and the
model can be compared.
"""

from __future__ import annotations

from functools import lru_cache

import pint

from kazind.common.errors import KazindError

ureg = pint.UnitRegistry(on_redefinition="raise", autoconvert_offset_to_baseunit=True)
ureg.define("person = [population] = persons = people")
ureg.define("rouble = [currency] = roubles = rub")
ureg.define("thousand = 1e3")
ureg.define("million = 1e6")
ureg.define("times = 1")  # "486 есе": a multiple, dimensionless
ureg.define("head = [livestock] = heads")  # herds: "40 million head"
ureg.define("household = [household] = households")  # collectivised, settled households


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> pint.Unit:
    """Parse a unit string such as ``"Mt/year"`` or ``"thousand person"``.

    Raises :class:`KazindError` naming the text when pint cannot read it.
    """
    cleaned = (text or "").strip()
    if cleaned in ("", "1", "dimensionless", "dmnl"):
        return ureg.dimensionless
    try:
        quantity = ureg.parse_expression(cleaned)
    except Exception as exc:  # pint raises several types; all mean "not a unit"
        raise KazindError(f"cannot parse unit {text!r}: {exc}") from None
    if not isinstance(quantity, pint.Quantity) or (quantity.unitless and quantity.magnitude != 1):
        # A bare number such as "1000" is a scale, not a unit.
        raise KazindError(f"{text!r} is a number, not a unit")
    if quantity.magnitude != 1:
        # "thousand person" parses to 1000 person: keep the scale inside the unit.
        return ureg.Unit(cleaned) if _is_unit_expr(cleaned) else quantity.units
    return quantity.units


def _is_unit_expr(text: str) -> bool:
    try:
        ureg.Unit(text)
        return True
    except Exception:
        return False
