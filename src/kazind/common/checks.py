"""The one validator of the numbers a user gives kazind (counts, seeds), one line each.

Options typed ``int`` on the command line accept any Python integer (``--seed`` of
10**22 is read without complaint and fails much later, in NetCDF); every count and
seed goes through here first.
"""

from __future__ import annotations

import numbers

from kazind.common.errors import KazindError

__all__ = ["MAX_COUNT", "MAX_SEED", "check_count", "check_seed"]

#: Seeds are stored as 64-bit integers (NetCDF attributes, NumPy's generators).
MAX_SEED = 2**63 - 1
#: No count of runs, samples or workers kazind can honour is larger.
MAX_COUNT = 2**53


def check_count(name: str, value, minimum: int = 1, maximum: int = MAX_COUNT) -> int:
    """``value`` as a whole number in [minimum, maximum], or a one-line KazindError."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise KazindError(f"{name} must be a whole number >= {minimum}, got {value!r}")
    value = int(value)
    if value < minimum:
        raise KazindError(f"{name} must be at least {minimum}, got {value}")
    if value > maximum:
        raise KazindError(f"{name} must be at most {maximum:,}, got {_short(value)}")
    return value


def check_seed(value, name: str = "seed") -> int:
    """``value`` as a seed: a whole number from 0 to 2**63 - 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise KazindError(f"{name} must be a whole number from 0 to 2**63 - 1, got {value!r}")
    value = int(value)
    if not 0 <= value <= MAX_SEED:
        raise KazindError(f"{name} must be a whole number from 0 to 2**63 - 1, got {_short(value)}")
    return value


def _short(value: int) -> str:
    """A huge integer in a few characters (``str`` refuses more than 4,300 digits)."""
    if abs(value).bit_length() <= 80:
        return str(value)
    return f"{'-' if value < 0 else ''}about 10**{int(abs(value).bit_length() * 0.30103)}"
