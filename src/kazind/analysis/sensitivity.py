"""Global sensitivity of the outcomes to the calibrated parameters (issue 5), with SALib.

Ranges: each calibrated free parameter varies uniformly over its calibrated value
± 2 standard deviations (``calibrated.yaml``, Laplace approximation), clipped to the
constant's bounds in the model. This asks which parameters matter *within what the
record leaves uncertain*; the full bounds would weigh corners the calibration rules out
(and where more runs fail). A parameter with ``std`` 0 is left out. Parameters that the
scenario sets itself are left out too. ``parameters={label: (low, high)}`` gives other
ranges (any model, e.g. a toy one in the tests).

Methods:

- ``sobol``: Saltelli's sampling (``SALib.sample.sobol``, scrambled Sobol' points,
  ``N * (D + 2)`` runs, no second-order indices) and ``SALib.analyze.sobol``: first-order
  ``S1`` and total ``ST`` indices with their bootstrap confidence half-widths
  (``S1_conf``, ``ST_conf``, 95 %). SALib warns when N is not a power of 2 (the balance
  of Sobol' points needs it); the warning is kept in ``attrs['warnings']`` and the CLI
  prints it.
- ``morris``: elementary effects (``SALib.sample.morris``, ``N`` trajectories of
  ``D + 1`` runs, 4 levels) and ``SALib.analyze.morris``: ``mu``, ``mu_star`` (with
  ``mu_star_conf``) and ``sigma``, in the outcome's units.

Outcomes are the scalar outcomes in 1940 of :mod:`kazind.scenarios.outcomes` (those of
``kazind compare`` read on 1 January 1941 or in mid-1940). Runs go through :mod:`.batches`, so they batch and distribute like
an ensemble, with the same bit-for-bit independence of batching. A run that fails
numerically removes its whole Saltelli group (or Morris trajectory) from the analysis;
``attrs['failed_runs']`` and ``attrs['groups_used']`` say how many. Seeds fix the
sample and the bootstrap, so a seed gives the same indices, bit for bit.
"""

from __future__ import annotations

import datetime as _dt
import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xarray as xr

from kazind import __version__
from kazind.analysis import batches
from kazind.common.checks import check_seed
from kazind.common.errors import KazindError
from kazind.common.writers import write_netcdf
from kazind.scenarios.outcomes import OUTCOMES_1940, Outcome, resolve_outcomes

SPREAD = 2.0  # ranges: calibrated value +- SPREAD std, clipped to the bounds
MORRIS_LEVELS = 4


@dataclass(frozen=True)
class Method:
    """One row of :data:`METHOD_TABLE`: how SALib samples and analyses by this method.

    ``runs_per_group(d)`` is the number of runs that stand or fall together (a Saltelli
    group, a Morris trajectory); ``indices`` names each index the method returns with
    its description (``{conf}`` is the confidence level); ``bars`` the pairs
    (index, its confidence half-width or None) that the charts draw, headline first;
    ``attrs`` the method's settings recorded on the result.
    """

    name: str
    runs_per_group: Callable[[int], int]
    sample: Callable[[dict, int, int], np.ndarray]
    analyze: Callable[..., Mapping]
    indices: Mapping[str, str]
    bars: tuple[tuple[str, str | None], ...]
    attrs: Mapping[str, int] = field(default_factory=dict)


def _sobol_sample(problem: dict, n: int, seed: int) -> np.ndarray:
    from SALib.sample import sobol

    return sobol.sample(problem, n, calc_second_order=False, seed=seed)


def _sobol_analyze(problem, x, y, *, num_resamples, conf_level, seed):
    from SALib.analyze import sobol

    return sobol.analyze(
        problem,
        y,
        calc_second_order=False,
        num_resamples=num_resamples,
        conf_level=conf_level,
        seed=seed,
    )


def _morris_sample(problem: dict, n: int, seed: int) -> np.ndarray:
    from SALib.sample import morris

    return morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed)


def _morris_analyze(problem, x, y, *, num_resamples, conf_level, seed):
    from SALib.analyze import morris

    return morris.analyze(
        problem,
        x,
        y,
        num_resamples=num_resamples,
        conf_level=conf_level,
        num_levels=MORRIS_LEVELS,
        seed=seed,
    )


#: The sensitivity methods, one row each: a new method is one row here.
METHOD_TABLE: dict[str, Method] = {
    "sobol": Method(
        name="sobol",
        runs_per_group=lambda d: d + 2,
        sample=_sobol_sample,
        analyze=_sobol_analyze,
        indices={
            "S1": "first-order Sobol index",
            "S1_conf": "half-width of the {conf} interval of S1",
            "ST": "total Sobol index",
            "ST_conf": "half-width of the {conf} interval of ST",
        },
        bars=(("ST", "ST_conf"), ("S1", "S1_conf")),
    ),
    "morris": Method(
        name="morris",
        runs_per_group=lambda d: d + 1,
        sample=_morris_sample,
        analyze=_morris_analyze,
        indices={
            "mu": "mean elementary effect",
            "mu_star": "mean absolute elementary effect",
            "mu_star_conf": "half-width of the {conf} interval of mu_star",
            "sigma": "standard deviation of the elementary effects",
        },
        bars=(("mu_star", "mu_star_conf"), ("sigma", None)),
        attrs={"num_levels": MORRIS_LEVELS},
    ),
}
METHODS = tuple(METHOD_TABLE)


def get_method(name: str) -> Method:
    """The row of :data:`METHOD_TABLE` called ``name``; an unknown name is one clear error."""
    try:
        return METHOD_TABLE[name]
    except KeyError:
        raise KazindError(f"unknown method {name!r}; choose {' or '.join(METHODS)}") from None


def calibrated_ranges(spread: float = SPREAD) -> dict[str, tuple[float, float]]:
    """label -> (low, high): calibrated value ± ``spread`` std, clipped to the bounds."""
    from kazind.analysis.priors import calibrated_distributions

    out = {}
    for d in calibrated_distributions():
        if d.kind == "fixed":
            continue
        low, high = max(d.low, d.mean - spread * d.std), min(d.high, d.mean + spread * d.std)
        if high > low:
            out[d.label] = (float(low), float(high))
    return out


def _problem(ranges: Mapping[str, tuple[float, float]]) -> dict:
    return {
        "num_vars": len(ranges),
        "names": list(ranges),
        "bounds": [[float(lo), float(hi)] for lo, hi in ranges.values()],
    }


def _warning_text(w: warnings.WarningMessage) -> str:
    return " ".join(str(w.message).split())


def _check_fits(target, method, samples, d, outcomes, batch_size, workers, num_resamples) -> None:
    """Refuse (one line, with the estimate) an analysis that would not fit in memory:
    the sample and the outcomes of every run (each held twice), SALib's resampling
    (``num_resamples`` indices per base sample) and the engine's batches."""
    from kazind.common.resources import memory_budget, require_memory

    runs = samples * get_method(method).runs_per_group(d)
    k = len(outcomes)
    job = batches.make_job(
        target.spec, [], tuple(dict.fromkeys(o.variable for o in outcomes)), outcomes
    )
    engine = batches.batch_memory(job, batch_size, runs) * (workers or 1)
    per_sample = 8 * ((d + 2) * (2 * d + 2 * k) + d + 4 * num_resamples)
    fits = max(0, (memory_budget() - engine) // per_sample)
    require_memory(
        per_sample * samples + engine,
        f"a {method} analysis of {samples:,} samples ({runs:,} runs over {d} parameters)",
        f"use fewer --samples (about {fits:,} fit here)",
    )


def sensitivity(
    scenario,
    method: str = "sobol",
    samples: int = 1024,
    seed: int = 0,
    outputs: Sequence[str | Outcome] | None = None,
    parameters: Mapping[str, tuple[float, float]] | None = None,
    batch_size: int = batches.DEFAULT_BATCH_SIZE,
    workers: int | None = None,
    scheduler=None,
    progress: bool = False,
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> xr.Dataset:
    """Sobol or Morris indices of each outcome to each parameter: a Dataset (outcome, parameter).

    Parameters
    ----------
    scenario
        A scenario's name or path, a loaded scenario or a ModelSpec.
    method
        A row of :data:`METHOD_TABLE` (``"sobol"`` or ``"morris"``).
    samples, seed
        SALib's base sample size N and the seed of the sample and the bootstrap.
    outputs
        Outcomes (names or :class:`~kazind.scenarios.outcomes.Outcome`; default: those of 1940).
    parameters
        ``{label: (low, high)}`` instead of the calibrated ranges.
    batch_size, workers, scheduler, progress
        How the runs are batched and where they run (the result does not depend on it).
    num_resamples, conf_level
        SALib's bootstrap for the confidence intervals.

    Returns
    -------
    xarray.Dataset
        One variable per index of the method, dims ``(outcome, parameter)``.

    Examples
    --------
    >>> ds = sensitivity("historical", "morris", samples=10, seed=1)  # doctest: +SKIP
    >>> ds["mu_star"].dims  # doctest: +SKIP
    ('outcome', 'parameter')
    """
    how = get_method(method)
    samples = batches._check_count("samples", samples)
    seed = check_seed(seed)
    target = batches.resolve_target(scenario)
    ranges = dict(parameters) if parameters is not None else calibrated_ranges()
    labels = batches.sampled_labels(target.spec, list(ranges), target.fixed)
    left_out = [label for label in ranges if label not in labels]
    if parameters is not None and left_out and not target.fixed:
        raise KazindError(f"not constants of {target.name}: {', '.join(left_out)}")
    ranges = {label: ranges[label] for label in labels}
    if len(ranges) < 2:
        raise KazindError("a sensitivity analysis needs at least two parameters with a range")
    for label, (lo, hi) in ranges.items():
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise KazindError(f"parameter {label}: range [{lo}, {hi}] is empty")
    problem = _problem(ranges)
    outcomes = OUTCOMES_1940 if outputs is None else resolve_outcomes(outputs)
    d = problem["num_vars"]
    _check_fits(target, method, samples, d, outcomes, batch_size, workers, num_resamples)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        x = how.sample(problem, samples, int(seed))
    group = how.runs_per_group(d)
    notes = list(dict.fromkeys(_warning_text(w) for w in caught))

    variables = tuple(dict.fromkeys(o.variable for o in outcomes))
    job = batches.make_job(target.spec, labels, variables, outcomes)
    result = batches.run_matrix(
        job,
        x,
        batch_size=batch_size,
        workers=workers,
        scheduler=scheduler,
        progress=f"{method} {target.name}" if progress else None,
    )
    y = result.arrays["outcomes"]
    bad = ~np.isfinite(y).all(axis=1) | result.failed
    groups = x.shape[0] // group
    keep = ~bad.reshape(groups, group).any(axis=1)
    if not keep.any():
        raise KazindError(f"every {method} group has a failed run; nothing to analyse")
    rows = np.repeat(keep, group)
    x_ok, y_ok = x[rows], y[rows]

    names = list(how.indices)
    out = {name: np.full((len(outcomes), d), np.nan) for name in names}
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        for k in range(len(outcomes)):
            yk = np.ascontiguousarray(y_ok[:, k])
            if np.ptp(yk) == 0:  # the outcome does not move: every index is 0
                for name in names:
                    out[name][k] = 0.0
                continue
            res = how.analyze(
                problem,
                x_ok,
                yk,
                num_resamples=num_resamples,
                conf_level=conf_level,
                seed=int(seed),
            )
            for name in names:
                out[name][k] = np.asarray(res[name], dtype=float)
    notes += [n for n in dict.fromkeys(_warning_text(w) for w in caught) if n not in notes]

    descriptions = {
        name: text.format(conf=f"{conf_level:.0%}") for name, text in how.indices.items()
    }
    ds = xr.Dataset(
        {
            name: (("outcome", "parameter"), out[name], {"description": descriptions[name]})
            for name in names
        },
        coords={
            "outcome": [o.name for o in outcomes],
            "outcome_label": ("outcome", [o.title() for o in outcomes]),
            "parameter": labels,
            "low": ("parameter", [ranges[label][0] for label in labels]),
            "high": ("parameter", [ranges[label][1] for label in labels]),
        },
    )
    ds.attrs.update(
        {
            "scenario": target.name,
            "method": method,
            "seed": int(seed),
            "N": int(samples),
            "runs": int(x.shape[0]),
            "groups_used": int(keep.sum()),
            "failed_runs": int(bad.sum()),
            "parameters": labels,
            "ranges": "given"
            if parameters is not None
            else f"calibrated value +- {SPREAD:g} std (Laplace), clipped to the bounds; uniform",
            "fixed_by_scenario": left_out,
            "outcomes": [o.name for o in outcomes],
            "warnings": notes,
            "kazind_version": __version__,
            "model": target.spec.name,
            "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        }
    )
    ds.attrs.update(how.attrs)
    return ds


def write_sensitivity(ds: xr.Dataset, path: str | Path) -> Path:
    """``ds`` as NetCDF 4, atomically."""
    return write_netcdf(ds, path)
