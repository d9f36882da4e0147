"""Run scenarios: one Dataset with a ``scenario`` dimension.

Each scenario's spec is compiled once per scenario content (its resolved parameters
and schedules) and the compiled model is cached, so running a scenario again, or under
another name with the same content, does not compile again. Every scenario runs on
its own compiled model, so its results do not depend on which others run with it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable

import xarray as xr

from kazind.common.errors import KazindError
from kazind.scenarios.apply import scenario_spec
from kazind.scenarios.loader import Scenario, load_scenario

METHODS = ("euler", "rk4")

_CACHE: dict[str, object] = {}
_LOCK = threading.Lock()


def compiled_scenario(scenario: Scenario | str):
    """The :class:`~kazind.engine.CompiledModel` of ``scenario``, compiled once per content."""
    from kazind.engine import compile_model

    scenario = load_scenario(scenario)
    key = scenario.content_key()
    with _LOCK:
        model = _CACHE.get(key)
    if model is None:
        model = compile_model(scenario_spec(scenario))
        with _LOCK:
            _CACHE.setdefault(key, model)
    return model


def run_scenario(
    scenario: Scenario | str,
    *,
    dt: float | None = None,
    method: str | None = None,
    save_step: float | None = None,
    outputs: list[str] | None = None,
) -> xr.Dataset:
    """Run one scenario: a Dataset with dims ``(time, *dims)`` and the scenario's attributes."""
    from kazind import __version__

    scenario = load_scenario(scenario)
    if method is not None and method not in METHODS:
        raise KazindError(f"--method must be one of {', '.join(METHODS)}, got {method!r}")
    model = compiled_scenario(scenario)
    ds = model.run(method=method, dt=dt, save_step=save_step, outputs=outputs)
    if "run" in ds.dims:
        ds = ds.isel(run=0, drop=True)
    ds = ds.drop_vars([c for c in ds.coords if str(c).startswith("param_")])
    spec = model.spec
    ds.attrs.update(
        {
            "scenario": scenario.name,
            "scenario_title": scenario.title.get("en", scenario.name),
            "scenario_file": scenario.file,
            "scenario_chain": " <- ".join(scenario.chain),
            "scenario_parameters": json.dumps(scenario.parameters, sort_keys=True),
            "scenario_schedules": json.dumps(
                {k: [[y, v] for y, v in s] for k, s in scenario.schedules.items()},
                sort_keys=True,
            ),
            "keeps_historical_investment": int(scenario.keeps_historical_investment),
            "kazind_version": __version__,
            "model": spec.name,
            "method": str(ds.attrs.get("method", method or spec.time.method)),
            "dt": float(ds.attrs.get("dt", dt or spec.time.dt)),
            "save_step": float(save_step or spec.time.save_step or spec.time.dt),
        }
    )
    return ds


def run_scenarios(
    names: Iterable[Scenario | str],
    *,
    dt: float | None = None,
    method: str | None = None,
    save_step: float | None = None,
    outputs: list[str] | None = None,
) -> xr.Dataset:
    """Run ``names`` (names, paths or :class:`Scenario`) into one Dataset with a
    ``scenario`` dimension, in the order given. Per-scenario parameters and schedules
    are in the attribute ``scenarios`` (JSON: name -> content)."""
    scenarios = [load_scenario(n) for n in names]
    if not scenarios:
        raise KazindError("name at least one scenario")
    seen = [s.name for s in scenarios]
    dup = sorted({n for n in seen if seen.count(n) > 1})
    if dup:
        raise KazindError(f"scenario named twice: {', '.join(dup)}")
    runs = [
        run_scenario(s, dt=dt, method=method, save_step=save_step, outputs=outputs)
        for s in scenarios
    ]
    ds = xr.concat(
        [r.drop_attrs(deep=False) for r in runs],
        dim=xr.Variable("scenario", seen),
        data_vars="all",
        coords="minimal",
        join="exact",
        combine_attrs="drop",
    )
    first = runs[0].attrs
    ds.attrs = {
        k: first[k] for k in ("kazind_version", "model", "method", "dt", "save_step") if k in first
    }
    ds.attrs["scenarios"] = json.dumps(
        {s.name: s.content() for s in scenarios}, sort_keys=True, ensure_ascii=False
    )
    return ds
