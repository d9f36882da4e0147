"""A value of a saved run at a time: the one interpolation helper of kazind.

A run is saved at discrete times (1 January of each year, or every integration step);
a value asked for between two saved times is read on the straight line between them,
and a value at a saved time is that value exactly. The fit targets (``model.targets``),
the scenarios' outcomes (``scenarios.outcomes``) and the explorer's points all read
"the value at time t" here, for one run or for every run of an ensemble at once.
"""

from __future__ import annotations

import numpy as np

from kazind.common.errors import KazindError

__all__ = ["TIME_TOLERANCE", "at_time", "time_mean", "value_at"]

#: How far outside the saved times a time may lie and still read the end value (rounding).
TIME_TOLERANCE = 1e-9


def value_at(values, times, t: float, what: str = "value") -> np.ndarray:
    """``values`` (time on the last axis) at time ``t``, linear between saved ``times``.

    Exact at a saved time; a time outside the saved ones (beyond
    :data:`TIME_TOLERANCE`) is an error naming ``what``. Returns an array of the other
    axes (a 0-d array for one series).
    """
    data = np.asarray(values, dtype=float)
    times = np.asarray(times, dtype=float)
    t = float(t)
    if times.size == 0 or not times[0] - TIME_TOLERANCE <= t <= times[-1] + TIME_TOLERANCE:
        span = f"{times[0]:g}-{times[-1]:g}" if times.size else "none"
        raise KazindError(f"{what}: time {t:g} is outside the saved times ({span})")
    if times.size == 1:
        return data[..., 0]
    hi = int(np.clip(np.searchsorted(times, t), 1, times.size - 1))
    lo = hi - 1
    frac = min(max((t - times[lo]) / (times[hi] - times[lo]), 0.0), 1.0)
    if frac == 0.0:
        return data[..., lo]
    if frac == 1.0:
        return data[..., hi]
    return data[..., lo] + frac * (data[..., hi] - data[..., lo])


def time_mean(values, times, start: float, end: float, what: str = "value") -> np.ndarray:
    """The time-average of ``values`` (time last) over ``[start, end]``: trapezoids over
    the saved times inside, the ends read by :func:`value_at`."""
    times = np.asarray(times, dtype=float)
    inner = times[(times > start) & (times < end)]
    ts = np.concatenate([[start], inner, [end]])
    vs = np.stack([value_at(values, times, float(t), what) for t in ts], axis=-1)
    return np.sum((vs[..., 1:] + vs[..., :-1]) / 2 * np.diff(ts), axis=-1) / (end - start)


def at_time(da, t: float) -> np.ndarray:
    """An xarray DataArray with a ``time`` dimension at time ``t``: an array of its other
    dimensions, in their order."""
    other = [d for d in da.dims if d != "time"]
    data = da.transpose(*other, "time").values
    return value_at(data, da["time"].values, t, str(da.name or "value"))
