"""Run scenarios: one Dataset with a ``scenario`` dimension.

Each scenario's spec is compiled once per scenario content (its resolved parameters
and schedules) and the compiled model is cached, so running a scenario again, or under
another name with the same content, does not compile again. Every scenario runs on
its own compiled model, so its results do not depend on which others run with it.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable

import xarray as xr

from kazind.common.errors import KazindError
from kazind.scenarios.apply import scenario_spec
from kazind.scenarios.loader import Scenario, load_scenario

METHODS = ("euler", "rk4")

_CACHE: dict[str, object] = {}
_LOCK = threading.Lock()


def run_memory(
    spec,
    runs: int = 1,
    *,
    dt: float | None = None,
    save_step: float | None = None,
    outputs: Iterable[str] | None = None,
    backend: str = "auto",
) -> int:
    """Bytes a run of ``runs`` parameter sets of ``spec`` holds at its peak (an estimate).

    From steps x series (the time grid and the series on it; the scalar backend of a
    single run keeps them as Python floats), runs x model values (the state) and runs x
    saved times x stored values (the outputs, held twice while the Dataset is built),
    measured on the Kazakhstan model (BENCHMARKS.md, "Resource checks"). This is the
    command-line estimate; the engine's own (branch ``engine``) is to replace it.
    """
    ts = spec.time
    step = float(dt if dt is not None else ts.dt)
    save = float(save_step if save_step is not None else (ts.save_step or step))
    if not (step > 0 and save > 0):
        return 0
    n_steps = (ts.stop - ts.start) / step
    n_save = n_steps * step / save + 1
    sizes = {v.name: math.prod(spec.shape(v.name)) for v in spec.variables}
    kinds = {v.name: v.kind for v in spec.variables}
    stored_kinds = ("stock", "flow", "aux")
    names = [n for n in sizes if kinds[n] in stored_kinds] if outputs is None else list(outputs)
    stored = sum(sizes.get(n, 1) for n in names)
    series = sum(sizes[n] for n in sizes if kinds[n] == "series")
    slots = sum(sizes.values())
    scalar = backend == "scalar" or (backend == "auto" and runs == 1)
    per_grid_point = 8 * (1 + series) + (40 * series if scalar else 0)
    per_saved_value = 16 + (32 if scalar else 0)
    total = (
        (2 * n_steps + 1) * per_grid_point
        + 3 * 8 * slots * runs
        + per_saved_value * stored * n_save * runs
    )
    return int(total)


def check_run_fits(
    scenario: Scenario | str,
    *,
    dt: float | None = None,
    save_step: float | None = None,
    outputs: list[str] | None = None,
    what: str | None = None,
) -> None:
    """Refuse (one line, with the estimate) a run of ``scenario`` that would not fit in
    memory: ``--dt 1e-9`` asks for 28 billion steps."""
    from kazind.common.resources import require_memory
    from kazind.scenarios.loader import calibrated_spec

    scenario = load_scenario(scenario)
    spec = calibrated_spec()
    need = run_memory(spec, 1, dt=dt, save_step=save_step, outputs=outputs)
    steps = (spec.time.stop - spec.time.start) / float(dt or spec.time.dt)
    require_memory(
        need,
        what or f"a run of {scenario.name} with {steps:,.0f} steps",
        "use a larger --dt (0.25 is the model's; 1/48 is already fine)",
    )


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
    if (
        outputs is None
    ):  # the model's outputs; not the auxiliaries a scenario adds to switch a constant
        from kazind.scenarios.apply import IN_FORCE_SUFFIX

        outputs = [
            v.name
            for v in model.spec.variables
            if v.kind in ("stock", "flow", "aux") and not v.name.endswith(IN_FORCE_SUFFIX)
        ]
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
    are in the attribute ``scenarios`` (JSON: name -> content).

    Parameters
    ----------
    names
        Scenarios: names, paths of files or :class:`Scenario` objects (each once).
    dt, method, save_step
        The integration step, method (``"euler"``, ``"rk4"``) and saving interval
        (default: the model's).
    outputs
        The variables to keep (default: all).

    Returns
    -------
    xarray.Dataset
        Every output with a leading ``scenario`` dimension.

    Examples
    --------
    >>> ds = run_scenarios(["historical", "raw-material-base"], outputs=["population_total"])  # doctest: +SKIP
    >>> [str(name) for name in ds["scenario"].values]  # doctest: +SKIP
    ['historical', 'raw-material-base']

    (Not run as a test: it runs the full model, which the scenario tests do.)
    """
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


def _warm_one(name: str) -> float:
    """Compile (or load) the fused kernel of scenario ``name``; seconds it took."""
    import time

    start = time.perf_counter()
    compiled_scenario(name).warm()
    return time.perf_counter() - start


def warm_kernels(
    names: Iterable[str] | None = None, processes: int | None = None
) -> dict[str, float]:
    """Compile the fused kernels that ``names`` (default: every scenario) run on, each
    distinct kernel once, several at a time in child processes (one per core).

    Scenarios of one structure share a kernel (a schedule is data to it); a scenario
    that switches a constant at its start year adds auxiliaries, so the shipped ones
    need two. Compiling the full model's kernel takes numba about half a minute of CPU
    (minutes of wall time on a loaded machine; BENCHMARKS.md), so a fresh machine
    compiles them side by side, once: afterwards they load from the disk cache.

    Parameters
    ----------
    names
        Scenario names or paths (default: :func:`~kazind.scenarios.list_scenarios`).
    processes
        At most this many compilations at once (default: the number of cores).

    Returns
    -------
    dict of str to float
        For one scenario of each kernel not cached yet, the seconds its compilation
        took (empty when every kernel was cached or numba is missing).

    Examples
    --------
    >>> warm_kernels(["historical"])  # doctest: +SKIP
    {'historical': 312.4}
    """
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    from kazind.engine import fused
    from kazind.scenarios.loader import list_scenarios

    if not fused.available():
        return {}
    todo: dict[str, str] = {}  # kernel key -> one scenario that needs it
    for name in names if names is not None else list_scenarios():
        model = compiled_scenario(name)
        if not model.fused_ready():
            todo.setdefault(model.kernel_key(), str(name))
    if not todo:
        return {}
    workers = max(1, min(len(todo), processes or os.cpu_count() or 1))
    context = multiprocessing.get_context("spawn")  # a fresh numba in each child
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        seconds = dict(zip(todo.values(), pool.map(_warm_one, todo.values()), strict=True))
    return seconds
