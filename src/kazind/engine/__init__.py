"""kazind.engine: a general stock-and-flow engine (spec -> compiled model -> xarray Dataset).

The public API is re-exported here. Modules are imported on first use, so that
``import kazind.engine`` stays cheap and the exporters (``to_vensim``, ``to_xmile``,
in ``engine/export/``) are only needed when called.
"""

from __future__ import annotations

import importlib
from typing import Any

from kazind.engine.errors import EngineError, SimulationError
from kazind.engine.spec import (
    Aux,
    Constant,
    Flow,
    Lookup,
    ModelSpec,
    Stock,
    TimeSeries,
    TimeSettings,
)

_LAZY = {
    "compile_model": "kazind.engine.simulate",
    "CompiledModel": "kazind.engine.simulate",
    "load_model": "kazind.engine.loader",
    "model_from_dict": "kazind.engine.loader",
    "dump_model": "kazind.engine.loader",
    "to_vensim": "kazind.engine.export.vensim",
    "to_xmile": "kazind.engine.export.xmile",
    "with_values": "kazind.engine.params",
    "engine_params": "kazind.engine.params",
}

__all__ = [
    "Aux",
    "CompiledModel",
    "Constant",
    "EngineError",
    "Flow",
    "Lookup",
    "ModelSpec",
    "SimulationError",
    "Stock",
    "TimeSeries",
    "TimeSettings",
    "compile_model",
    "dump_model",
    "engine_params",
    "load_model",
    "model_from_dict",
    "to_vensim",
    "to_xmile",
    "with_values",
]


def __getattr__(name: str) -> Any:
    """Import the module behind a lazily re-exported name on first access."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kazind.engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
