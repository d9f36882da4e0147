"""The analyze stage of an ensemble: bands over time and paired comparisons of scenarios.

Comparison (:func:`probability_better`): the share of paired draws in which scenario A
does better than B on an outcome, **ties counted half**: A against itself gives 0.5,
and ``P(A better than B) = 1 - P(B better than A)`` exactly. Draws that failed in
either scenario are left out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import xarray as xr

from kazind.common.errors import KazindError
from kazind.scenarios.outcomes import OUTCOMES, Outcome, outcome

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)  # 90 % band, 50 % band, median


# ---------------------------------------------------------------- summaries


def fan_quantiles(
    ens: xr.Dataset, variable: str, quantiles: Sequence[float] = QUANTILES
) -> xr.DataArray:
    """Quantiles over runs of ``variable`` (failed runs left out): dims (quantile, time, ...).

    Read a block of times at a time (all runs of each), so that an ensemble on disk
    larger than memory is summarised in the memory of one block; the numbers are those
    of ``DataArray.quantile(..., skipna=True)`` (NumPy's ``nanquantile``).

    Parameters
    ----------
    ens
        An ensemble (in memory or opened from its NetCDF file), with ``failed`` if any run
        failed.
    variable
        The output to summarise.
    quantiles
        Which quantiles (default: 5, 25, 50, 75 and 95 %).

    Returns
    -------
    xarray.DataArray
        Dims ``(quantile, time, ...)``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> ens = xr.Dataset({"x": (("run", "time"), np.arange(10.0).reshape(5, 2))},
    ...                  coords={"time": [1913.0, 1914.0]})
    >>> fan_quantiles(ens, "x", (0.5,)).values.tolist()
    [[4.0, 5.0]]
    """
    from kazind.analysis.ensemble_store import blocks

    data = ens[variable].transpose("run", ...)
    failed = np.asarray(ens["failed"].values, dtype=bool) if "failed" in ens else None
    rest = data.dims[1:]
    shape = tuple(data.sizes[d] for d in rest)
    n = data.sizes["run"]
    out = np.empty((len(quantiles), math.prod(shape)))
    first = rest[0] if rest else None
    inner = math.prod(shape[1:]) if rest else 1
    for block in blocks(shape[0] if rest else 1, 8 * n * inner * 3):
        values = np.asarray(data[:, block].values if first else data.values, dtype=float).reshape(
            n, -1
        )
        if failed is not None and failed.any():
            values[failed] = np.nan
        with np.errstate(all="ignore"):
            q = (
                np.nanquantile(values, list(quantiles), axis=0)
                if n
                else np.full((len(quantiles), values.shape[1]), np.nan)
            )
        out[:, block.start * inner : block.stop * inner] = q
    coords = {"quantile": list(quantiles)}
    coords.update({d: data[d].values for d in rest if d in data.coords})
    return xr.DataArray(
        out.reshape((len(quantiles), *shape)),
        dims=("quantile", *rest),
        coords=coords,
        name=variable,
        attrs=dict(data.attrs),
    )


def _outcome(o: str | Outcome) -> Outcome:
    return o if isinstance(o, Outcome) else outcome(o)


def _paired(ens_a: xr.Dataset, ens_b: xr.Dataset) -> None:
    if ens_a.sizes["run"] != ens_b.sizes["run"]:
        raise KazindError("the ensembles have different numbers of runs; pair them on one sample")
    if "sample" in ens_a.coords and "sample" in ens_b.coords:
        from kazind.analysis.ensemble_store import blocks

        a, b = ens_a["sample"], ens_b["sample"]
        if a.shape != b.shape:
            raise KazindError(
                "the ensembles were not run on the same draws (seed, runs and priors must match)"
            )
        for block in blocks(a.shape[0], 16 * max(1, a.shape[1])):
            if not np.array_equal(a[block].values, b[block].values):
                raise KazindError(
                    "the ensembles were not run on the same draws (seed, runs and priors must match)"
                )


def probability_better(
    ens_a: xr.Dataset,
    ens_b: xr.Dataset,
    outcome: str | Outcome,
    higher_is_better: bool | None = None,
) -> float:
    """Share of paired draws in which A does better than B on ``outcome``, ties half.

    ``higher_is_better`` None takes the outcome's own direction (A higher when it has
    none). Draws failed in either ensemble are left out; NaN if none is left.

    Parameters
    ----------
    ens_a, ens_b
        Two ensembles over the same draws (the same seed and sample).
    outcome
        An outcome's name or an :class:`~kazind.scenarios.outcomes.Outcome`.
    higher_is_better
        Which side is better (default: the outcome's own).

    Returns
    -------
    float
        ``P(A better than B)``; A against itself gives 0.5, and
        ``P(A better than B) = 1 - P(B better than A)``.

    Examples
    --------
    >>> from kazind.analysis.ensemble import run_ensemble
    >>> a = run_ensemble("integrated-development", 100, seed=3)  # doctest: +SKIP
    >>> probability_better(a, a, "workers_1940")  # doctest: +SKIP
    0.5
    """
    o = _outcome(outcome)
    _paired(ens_a, ens_b)
    direction = o.higher_is_better if higher_is_better is None else higher_is_better
    return share_better(o.values(ens_a), o.values(ens_b), direction)


def share_better(a: np.ndarray, b: np.ndarray, higher_is_better: bool | None = True) -> float:
    """Share of the pairs ``(a[i], b[i])`` in which ``a`` does better (higher, or lower
    when ``higher_is_better`` is False), ties counted half; pairs with a NaN (a failed
    run) left out; NaN if none is left."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    if not ok.any():
        return math.nan
    a, b = a[ok], b[ok]
    wins = (a < b) if higher_is_better is False else (a > b)
    ties = a == b
    return float((wins.sum() + 0.5 * ties.sum()) / ok.sum())


def probability_table(
    ens_a: xr.Dataset, ens_b: xr.Dataset, outcomes: Sequence = OUTCOMES
) -> list[dict]:
    """For each outcome: direction, P(A better), P(B better), ties, medians, runs used."""
    rows = []
    for item in outcomes:
        o = _outcome(item)
        a, b = o.values(ens_a), o.values(ens_b)
        ok = np.isfinite(a) & np.isfinite(b)
        rows.append(
            {
                "outcome": o.name,
                "label": o.title(),
                "better_if": {True: "higher", False: "lower", None: "none (A higher)"}[
                    o.higher_is_better
                ],
                "p_a_better": probability_better(ens_a, ens_b, o),
                "p_b_better": probability_better(ens_b, ens_a, o),
                "share_tied": float(np.mean(a[ok] == b[ok])) if ok.any() else math.nan,
                "median_a": float(np.median(a[ok])) if ok.any() else math.nan,
                "median_b": float(np.median(b[ok])) if ok.any() else math.nan,
                "median_difference": float(np.median(a[ok] - b[ok])) if ok.any() else math.nan,
                "runs": int(ok.sum()),
            }
        )
    return rows
