"""The engine's two error types.

:class:`EngineError` is anything wrong with a model (structure, syntax, unknown name,
arity, algebraic loop, units, parameter overrides); :class:`SimulationError` is a run
that produced a NaN, an infinity or a negative value in a non-negative stock. Both are
:class:`~kazind.common.KazindError`, so the command line prints them as one line.
"""

from __future__ import annotations

from kazind.common.errors import KazindError


class EngineError(KazindError):
    """A model that cannot be compiled or run as asked; names the variable and text."""


class SimulationError(KazindError):
    """A run went numerically wrong; names variable, element, time and run index."""
