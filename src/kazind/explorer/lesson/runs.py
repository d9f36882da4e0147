"""The model's side of the lesson: where a scenario departs from history, and the
teacher's levers acting on any scenario.

A teacher thinks in steps (half, as in history, twice, three times), not in 3,01 or
5,08: :data:`STEPS` are the factors a lever multiplies *the chosen scenario's own
value* by, so "×2 recruitment" on Sadvakasov's scenario doubles its 10 thousand a year,
not history's. A constant is passed to the compiled scenario as a parameter, a
scheduled one (a time series of the scenario file) as its series scaled; values are
kept within the constant's bounds. Runs are cached by scenario and factors.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import xarray as xr

#: The lever steps of the lesson: (factor, label shown after "×").
STEPS = ((0.5, 0.5), (1.0, 1), (2.0, 2), (3.0, 3))
FACTORS = tuple(f for f, _label in STEPS)


def departure_year(ds: xr.Dataset, historical: xr.Dataset) -> float | None:
    """The last time at which ``ds`` equals the historical run in every output it shares
    with it (the point where it branches off), or None if it never differs."""
    first = None
    times = ds["time"].values
    for name in ds.data_vars:
        if name not in historical:
            continue
        a = np.asarray(ds[name].values, float)
        b = np.asarray(historical[name].values, float)
        if a.shape != b.shape:
            continue
        diff = np.abs(a - b) > 1e-9 * np.maximum(1.0, np.abs(b))
        while diff.ndim > 1:
            diff = diff.any(axis=-1)
        hits = np.flatnonzero(diff)
        if hits.size:
            t = float(times[max(hits[0] - 1, 0)])
            first = t if first is None else min(first, t)
    return first


@lru_cache(maxsize=32)
def scenario_departure(name: str) -> float | None:
    """The year scenario ``name`` departs from history, as its file states it (every change
    acts from its start year, and the path is history's before it: tested); None for
    history itself."""
    from kazind.explorer import data

    if name == data.HISTORICAL:
        return None
    return data.scenario_texts(name, "en").departure


def check_factors(values: object) -> tuple[float, ...]:
    """One factor of :data:`FACTORS` per lever of the model, or InputError."""
    from kazind.explorer import ids as I
    from kazind.explorer.i18n import InputError

    if not isinstance(values, list | tuple) or len(values) != len(I.LEVERS):
        raise InputError(f"expected {len(I.LEVERS)} lever steps")
    out = []
    for name, v in zip(I.LEVERS, values, strict=True):
        if v is None:
            v = 1.0
        if isinstance(v, bool) or not isinstance(v, int | float) or float(v) not in FACTORS:
            raise InputError(f"{name}: a lever step is one of ×0.5, ×1, ×2, ×3, got {v!r}")
        out.append(float(v))
    return tuple(out)


def lever_changes(name: str, factors: tuple[float, ...]) -> tuple[dict, dict, dict[str, bool]]:
    """(params, series, capped) for scenario ``name`` with ``factors``: the overrides of the
    compiled scenario, and for each lever moved whether its bound stopped it."""
    from kazind.explorer import data
    from kazind.explorer import ids as I

    model = data.scenario_model(name)
    by_name = {v.name: v for v in model.spec.variables}
    params, series, capped = {}, {}, {}
    for lever, factor in zip(I.LEVERS, factors, strict=True):
        if factor == 1.0:
            continue
        var = by_name[lever]
        low, high = data.levers()[lever].low, data.levers()[lever].high
        if getattr(var, "kind", None) == "series":
            values = np.asarray(var.values, float) * factor
            clipped = np.clip(values, low, high)
            series[lever] = (list(var.times), clipped.tolist())
            capped[lever] = bool(np.any(clipped != values))
        else:
            value = float(var.value) * factor
            params[lever] = min(max(value, low), high)
            capped[lever] = params[lever] != value
    return params, series, capped


@lru_cache(maxsize=256)
def lever_run(name: str, factors: tuple[float, ...]) -> xr.Dataset:
    """Scenario ``name`` with its levers multiplied by ``factors`` (cached)."""
    from kazind.explorer import data

    factors = check_factors(factors)
    if all(f == 1.0 for f in factors):
        return data.scenario_run(name)
    params, series, _capped = lever_changes(name, factors)
    ds = data.scenario_model(name).run(
        params=params or None, series=series or None, outputs=list(data.outputs())
    )
    if "run" in ds.dims:
        ds = ds.isel(run=0, drop=True)
    return ds.drop_vars([c for c in ds.coords if str(c).startswith("param_")])
