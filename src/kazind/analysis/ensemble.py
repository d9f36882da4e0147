"""The evaluate stage: Monte Carlo ensembles over the calibrated parameters' uncertainty.

Running (:func:`run_ensemble`): the whole sample is drawn first, then cut into batches
of the batched engine, run in this process or on Dask (see :mod:`.batches`); the
result does not depend on batching or on where batches run. A parameter that the
scenario sets itself (in its ``parameters`` or ``schedules``) keeps the scenario's
value in every run; the draw of it is still stored, so that two scenarios' ensembles
with the same seed are paired draw by draw. Runs that fail numerically have NaN
outputs and ``failed`` true.

The draws come from :mod:`kazind.analysis.priors`; quantiles and comparisons are
:mod:`kazind.analysis.summaries`'; charts :mod:`kazind.analysis.charts`'.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from kazind import __version__
from kazind.analysis import batches
from kazind.analysis.priors import Sampler, distributions, sample_parameters
from kazind.common.errors import KazindError
from kazind.common.resources import require_memory
from kazind.scenarios.outcomes import OUTCOME_VARIABLES

#: Most failed runs whose messages an ensemble keeps (all are marked in ``failed``).
MAX_REASONS = 1000


# ---------------------------------------------------------------- running


def _plan(
    scenario, labels: Sequence[str], outputs: Sequence[str] | None, save_step: float | None = None
):
    """(target, labels the runs take from the draws, labels fixed by the scenario, outputs, job)."""
    target = batches.resolve_target(scenario)
    used = batches.sampled_labels(target.spec, labels, target.fixed)
    fixed = [label for label in labels if label not in used]
    outputs = list(outputs) if outputs is not None else list(OUTCOME_VARIABLES)
    unknown = [o for o in outputs if o not in target.spec.names()]
    if unknown:
        raise KazindError(f"unknown output(s) of {target.name}: {', '.join(unknown)}")
    return (
        target,
        used,
        fixed,
        outputs,
        batches.make_job(target.spec, used, outputs, save_step=save_step),
    )


def _attrs(
    target, n: int, seed: int, priors: str, labels, fixed, failed: np.ndarray, result
) -> dict:
    attrs = {
        "scenario": target.name,
        "method": "monte carlo: "
        + ("priors file and " if priors else "")
        + "calibrated values, truncated normal (Laplace std), independent",
        "seed": int(seed),
        "N": int(n),
        "parameters": list(labels),
        "fixed_by_scenario": list(fixed),
        "failed_runs": int(failed.sum()),
        "kazind_version": __version__,
        "model": target.spec.name,
        "engine_method": str(result.ds_attrs.get("method", "")),
        "dt": float(result.ds_attrs.get("dt", math.nan)),
        "date": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    if priors:
        attrs["priors"] = priors
    return attrs


def _failure_vars(reasons: Mapping[int, str]) -> dict:
    from kazind.analysis.ensemble_store import failure_arrays

    runs, messages = failure_arrays(reasons, MAX_REASONS)
    return {
        "failure_run": (
            ("failure",),
            runs,
            {"description": f"the runs that failed (the first {MAX_REASONS:,})"},
        ),
        "failure_reason": (
            ("failure",),
            messages.astype(str) if len(messages) else np.array([], dtype=str),
            {"description": "why each of them failed (the engine's message)"},
        ),
    }


def run_ensemble(
    scenario,
    n: int,
    seed: int = 0,
    batch_size: int = batches.DEFAULT_BATCH_SIZE,
    workers: int | None = None,
    scheduler=None,
    outputs: Sequence[str] | None = None,
    priors: str | Path | Mapping | None = None,
    sample: xr.DataArray | None = None,
    progress: bool = False,
    save_step: float | None = None,
) -> xr.Dataset:
    """Run ``n`` draws of the calibrated parameters on ``scenario``, held in memory.

    ``scenario``: a name or path (see :func:`kazind.scenarios.load_scenario`), a loaded
    scenario or a ModelSpec. ``outputs``: model variables to keep (default: those of the
    outcomes). ``sample``: draws to use instead of drawing (from :func:`sample_parameters`).
    ``save_step``: how often the outputs are saved (default: the model's, once a year).
    Returns a Dataset with dims (run, time, ...), the draws as the coordinate ``sample``
    (run, parameter), ``failed`` (run), the messages of failed runs (``failure_run``,
    ``failure_reason``) and attributes saying how it was made. An ensemble too large
    for memory is refused; :func:`stream_ensemble` writes one of any size to disk.

    Parameters
    ----------
    scenario
        A scenario's name or path, a loaded scenario or a ModelSpec.
    n, seed
        How many draws, and their seed (see :func:`kazind.analysis.priors.sample_parameters`).
    batch_size, workers, scheduler
        How the runs are cut into engine batches and where they run (this process, a
        local pool or a Dask scheduler); the result is the same to the bit either way.
    outputs, priors, sample, progress, save_step
        As above; ``progress`` prints a progress bar.

    Returns
    -------
    xarray.Dataset
        The outputs with dims ``(run, time, ...)``, the draws and the failures.

    Examples
    --------
    >>> ens = run_ensemble("historical", 200, seed=1)  # doctest: +SKIP
    >>> int(ens["failed"].sum()), ens.sizes["run"]  # doctest: +SKIP
    (0, 200)
    """
    n = batches._check_count("runs", n)
    if sample is None:
        sample = sample_parameters(n, seed, priors)
    elif sample.sizes["run"] != n:
        raise KazindError(f"the sample has {sample.sizes['run']} runs, not {n}")
    labels = [str(p) for p in sample["parameter"].values]
    target, used, fixed, outputs, job = _plan(scenario, labels, outputs, save_step)
    columns = [labels.index(label) for label in used]
    result = batches.run_matrix(
        job,
        sample.values[:, columns],
        batch_size=batch_size,
        workers=workers,
        scheduler=scheduler,
        progress=f"ensemble {target.name}" if progress else None,
    )
    coords: dict = {"run": np.arange(n)}
    used_dims = {d for name in outputs for d in result.dims[name]}
    coords.update({k: v for k, v in result.coords.items() if k in used_dims})
    data_vars = {
        name: (result.dims[name], result.arrays[name], result.attrs[name]) for name in outputs
    }
    data_vars["failed"] = (
        ("run",),
        result.failed,
        {"description": "the run failed numerically; its outputs are NaN"},
    )
    coords.update(_failure_vars(result.reasons))
    ds = xr.Dataset(data_vars, coords=coords)
    ds = ds.assign_coords(sample=sample.drop_vars("run"), distribution=sample["distribution"])
    priors_name = str(sample.attrs.get("priors") or "")
    ds.attrs.update(
        _attrs(
            target,
            n,
            int(sample.attrs.get("seed", seed)),
            priors_name,
            labels,
            fixed,
            result.failed,
            result,
        )
    )
    return ds


def check_stream_fits(
    scenarios: Sequence,
    n: int,
    folder: str | Path,
    priors=None,
    outputs: Sequence[str] | None = None,
) -> None:
    """Refuse (one line) streamed ensembles of ``n`` runs of ``scenarios`` into ``folder``
    whose files would not fit on its disk, or whose summaries (about 48 bytes a run:
    ``failed``, two outcome vectors, a quantile column) would not fit in memory."""
    from kazind.common.resources import require_disk

    width = len(distributions(priors)) + 1
    total = 0
    for scenario in scenarios:
        target = batches.resolve_target(scenario)
        names = list(outputs) if outputs is not None else list(OUTCOME_VARIABLES)
        job = batches.make_job(target.spec, [], names)
        total += batches.result_memory(job, n) // 2 + 8 * n * width
    label = (
        f"{len(scenarios)} scenarios"
        if len(scenarios) > 1
        else batches.resolve_target(scenarios[0]).name
    )
    require_disk(
        total, folder, f"an ensemble of {n:,} runs of {label}", "use fewer --runs, or another --out"
    )
    require_memory(48 * n, f"the summaries of an ensemble of {n:,} runs", "use fewer --runs")


def stream_ensemble(
    scenario,
    n: int,
    seed: int,
    path: str | Path,
    batch_size: int = batches.DEFAULT_BATCH_SIZE,
    workers: int | None = None,
    scheduler=None,
    outputs: Sequence[str] | None = None,
    priors: str | Path | Mapping | None = None,
    progress: bool = False,
) -> xr.Dataset:
    """Like :func:`run_ensemble`, but each batch goes to the NetCDF file ``path`` as it
    arrives and its draws are made batch by batch, so that an ensemble of any size
    runs in the memory of a few batches. Returns the file opened lazily (close it);
    the values are those :func:`run_ensemble` gives, to the bit.

    Refused first (one line) when the file would not fit on the disk or the summaries
    (a few floats a run) not in memory.
    """
    from kazind.analysis.ensemble_store import EnsembleWriter

    n = batches._check_count("runs", n)
    sampler = Sampler(seed, priors)
    target, used, fixed, outputs, job = _plan(scenario, sampler.labels, outputs)
    check_stream_fits([target], n, Path(path).parent, priors=priors, outputs=outputs)
    columns = [sampler.labels.index(label) for label in used]
    writer = EnsembleWriter(path, n, sampler.labels, sampler.described, outputs, min(batch_size, n))
    try:

        def sink(start: int, part) -> None:
            writer.write(start, part, sampler.rows(start, start + part.failed.shape[0]))

        rows = batches.Rows(n, len(columns), lambda a, b: sampler.rows(a, b)[:, columns])
        result = batches.run_matrix(
            job,
            rows,
            batch_size=batch_size,
            workers=workers,
            scheduler=scheduler,
            progress=f"ensemble {target.name}" if progress else None,
            sink=sink,
        )
        writer.close(
            result.failed,
            result.reasons,
            _attrs(
                target,
                n,
                sampler.seed,
                sampler.priors,
                sampler.labels,
                fixed,
                result.failed,
                result,
            ),
            MAX_REASONS,
        )
    except BaseException:
        writer.abort()
        raise
    return xr.open_dataset(path, engine="netcdf4")


def run_ensembles(
    scenarios: Sequence, n: int, seed: int = 0, priors=None, **kwargs
) -> dict[str, xr.Dataset]:
    """One ensemble per scenario, all on the same draws (paired), by scenario name."""
    sample = sample_parameters(n, seed, priors)
    out: dict[str, xr.Dataset] = {}
    for scenario in scenarios:
        ds = run_ensemble(scenario, n, seed, sample=sample, **kwargs)
        if ds.attrs["scenario"] in out:
            raise KazindError(f"scenario {ds.attrs['scenario']!r} is given twice")
        out[ds.attrs["scenario"]] = ds
    return out
