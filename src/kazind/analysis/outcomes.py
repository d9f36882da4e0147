"""The outcomes by which scenarios are compared, one number per run of an ensemble.

The list and its definitions are those of ``kazind compare``
(:mod:`kazind.scenarios.outcomes`, docs/scenarios.md "Outcomes compared"): stocks and
ratios of stocks on 1 January 1941, rates and output levels in mid-1940, averages and
totals over 1926-1940, values between saved times interpolated linearly, each scaled
as labelled (thousands, shares as fractions). Here they are computed for every run at
once (dims ``run, time``).

``higher_is_better`` is the direction the probability table uses; it is ``None`` where
the source text takes no side (in-migration: more in-migrants were more workers and
fewer jobs for local people; the Kazakh share of the population, which the famine and
the migrations both move), and the table then gives the share of draws in which A is
higher.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kazind.common.errors import KazindError
from kazind.scenarios import outcomes as _compare

HOWS = ("end", "mid", "mean", "total", "last")
_BLOCK = 200_000  # runs read at once from an ensemble (200,000 x 29 times x 8 bytes = 46 MB)


@dataclass(frozen=True)
class Outcome:
    """A scalar outcome of a run: ``variable`` read as ``how`` says, times ``scale``.

    ``how``: ``end`` (1 January 1941), ``mid`` (mid-1940), ``mean`` (1926-1940
    average), ``total`` (change over 1926-1940), ``last`` (the last saved time; for
    models other than the Kazakhstan one).
    """

    name: str
    variable: str
    how: str = "last"
    scale: float = 1.0
    higher_is_better: bool | None = True
    label: str = ""

    def values(self, ds) -> np.ndarray:
        """The outcome of every run of ``ds`` (dims run, time): a float array (run,)."""
        if self.variable not in ds.data_vars:
            raise KazindError(f"outcome {self.name!r}: the runs lack the output {self.variable!r}")
        da = ds[self.variable]
        if set(da.dims) != {"run", "time"}:
            raise KazindError(f"outcome {self.name!r}: {self.variable!r} is not a scalar series")
        times = np.asarray(da["time"].values, dtype=float)
        da = da.transpose("run", "time")
        n = da.sizes["run"]
        if n <= _BLOCK:
            return self._of(np.asarray(da.values, dtype=float), times)
        # an ensemble on disk: a block of runs at a time, so memory stays a few floats a run
        return np.concatenate(
            [self._of(np.asarray(da[s : s + _BLOCK].values, dtype=float), times) for s in range(0, n, _BLOCK)]
        )

    def _of(self, data: np.ndarray, times: np.ndarray) -> np.ndarray:
        """The outcome of the runs ``data`` (run, time) saved at ``times``."""
        if self.how == "last":
            value = data[:, -1]
        elif self.how == "end":
            value = _at(data, times, _compare.END, self.variable)
        elif self.how == "mid":
            value = _at(data, times, _compare.MID_1940, self.variable)
        elif self.how == "total":
            value = _at(data, times, _compare.END, self.variable) - _at(data, times, _compare.START, self.variable)
        elif self.how == "mean":
            start, end = _compare.START, _compare.END
            inner = times[(times > start) & (times < end)]
            ts = np.concatenate([[start], inner, [end]])
            vs = np.stack([_at(data, times, float(t), self.variable) for t in ts], axis=1)
            value = np.sum((vs[:, 1:] + vs[:, :-1]) / 2 * np.diff(ts), axis=1) / (end - start)
        else:
            raise KazindError(f"outcome {self.name!r}: unknown reading {self.how!r}")
        return np.asarray(value, dtype=float) * self.scale


def _at(data: np.ndarray, times: np.ndarray, t: float, name: str) -> np.ndarray:
    """Values of ``data`` (run, time) at time ``t``, linear between saved times (as
    ``xarray.DataArray.interp``, which ``kazind compare`` uses, to rounding)."""
    if t < times[0] or t > times[-1]:
        raise KazindError(f"{name}: no saved values around time {t:g}")
    hit = np.flatnonzero(times == t)
    if hit.size:
        return data[:, hit[0]]
    i = int(np.searchsorted(times, t)) - 1
    w = (t - times[i]) / (times[i + 1] - times[i])
    return data[:, i] + w * (data[:, i + 1] - data[:, i])


#: Directions for the probability table, by outcome key (absent: higher is better).
_DIRECTIONS: dict[str, bool | None] = {
    "kazakh_share_population_1940": None,
    "in_migration_total": None,
    "in_migration_1940": None,
    "famine_deaths_total": False,
}

#: The outcomes of ``kazind compare``, in its order.
OUTCOMES: tuple[Outcome, ...] = tuple(
    Outcome(o.key, o.variable, o.how, float(o.scale), _DIRECTIONS.get(o.key, True), o.label["en"]
            + {"end": " (1 Jan 1941)", "mid": " (mid-1940)", "mean": " (1926-1940 average)",
               "total": " (1926-1940 total)"}[o.how])
    for o in _compare.OUTCOMES
)

#: The scalar outcomes in 1940 (what sensitivity analyses by default).
OUTCOMES_1940: tuple[Outcome, ...] = tuple(o for o in OUTCOMES if o.how in ("end", "mid"))

#: The model outputs the outcomes need (the default outputs of an ensemble).
OUTCOME_VARIABLES: tuple[str, ...] = tuple(dict.fromkeys(o.variable for o in OUTCOMES))


def outcome(name: str) -> Outcome:
    """The outcome called ``name`` (one of :data:`OUTCOMES`)."""
    for o in OUTCOMES:
        if o.name == name:
            return o
    raise KazindError(f"unknown outcome {name!r}; known: {', '.join(o.name for o in OUTCOMES)}")


def resolve_outcomes(items) -> tuple[Outcome, ...]:
    """Outcomes from names of :data:`OUTCOMES`, model variable names (value at the last
    saved time) or :class:`Outcome` objects; None means :data:`OUTCOMES`."""
    if items is None:
        return OUTCOMES
    known = {o.name: o for o in OUTCOMES}
    out = []
    for item in items:
        if isinstance(item, Outcome):
            out.append(item)
        elif item in known:
            out.append(known[item])
        else:
            out.append(Outcome(str(item), str(item), "last", label=str(item)))
    return tuple(out)
