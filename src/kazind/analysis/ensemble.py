"""Monte Carlo ensembles over the calibrated parameters' uncertainty (issue 5).

Sampling (:func:`sample_parameters`): the calibrated free parameters are drawn
together, as whole rows of the calibration's posterior sample
(``model/calibrated_sample.csv``, written by ``kazind calibrate``: random-walk
Metropolis over the same targets and priors as the fit), so that the draws keep the
fit's correlations: the targets pin down combinations of parameters far better than
each one alone. Without a posterior sample, each parameter is drawn alone from a normal
with its calibrated ``value`` and ``std``, truncated to its bounds. A parameter with
``std`` 0 keeps its value. A priors file overrides the distribution of a parameter, or
adds one (any bounded constant, ``name`` or ``name[element]``)::

    investment_plan1: {dist: uniform, low: 20, high: 120}       # low/high default to the bounds
    famine_mortality: {dist: normal, mean: 0.3, std: 0.05}     # truncated to the bounds
    restoration_start: {dist: triangular, low: 1920.5, mode: 1921.5, high: 1923}

Draws are made from one matrix ``u = rng.random((n, p + 1))`` of a
``numpy.random.default_rng(seed)``, row by row (by inverse transform, and the last
column picking the posterior draw): so a seed gives the same draws, bit for bit, the
first m runs of an n-run ensemble are the m-run ensemble, and a prior on one parameter
leaves the draws of the others unchanged.

Running (:func:`run_ensemble`): the whole sample is drawn first, then cut into batches
of the batched engine, run in this process or on Dask (see :mod:`.batches`); the
result does not depend on batching or on where batches run. A parameter that the
scenario sets itself (in its ``parameters`` or ``schedules``) keeps the scenario's
value in every run; the draw of it is still stored, so that two scenarios' ensembles
with the same seed are paired draw by draw. Runs that fail numerically have NaN
outputs and ``failed`` true.

Comparison (:func:`probability_better`): the share of paired draws in which scenario A
does better than B on an outcome, **ties counted half**: A against itself gives 0.5,
and ``P(A better than B) = 1 - P(B better than A)`` exactly. Draws that failed in
either scenario are left out.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from scipy import stats

from kazind import __version__
from kazind.analysis import batches
from kazind.common.checks import check_seed
from kazind.common.errors import KazindError
from kazind.common.filecache import by_file
from kazind.common.resources import require_memory
from kazind.common.yamlio import YamlDocument, load_yaml
from kazind.model.build import CALIBRATED_FILE
from kazind.scenarios.outcomes import OUTCOME_VARIABLES, OUTCOMES, Outcome, outcome

DISTRIBUTIONS = ("uniform", "normal", "triangular")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)  # 90 % band, 50 % band, median
FLAT_RATIO = 1e6  # a truncated normal with std > FLAT_RATIO x its range is drawn uniform
#: Most failed runs whose messages an ensemble keeps (all are marked in ``failed``).
MAX_REASONS = 1000


# ---------------------------------------------------------------- distributions


@dataclass(frozen=True)
class Distribution:
    """One parameter's distribution; ``ppf`` maps uniform draws to values."""

    label: str
    kind: str  # "normal" (truncated), "uniform", "triangular", "fixed"
    low: float
    high: float
    mean: float = math.nan
    std: float = math.nan
    mode: float = math.nan
    source: str = "calibrated"  # "calibrated" or the priors file

    def ppf(self, u: np.ndarray) -> np.ndarray:
        if self.kind == "fixed":
            return np.full(u.shape, self.mean)
        if self.kind == "uniform":
            return self.low + u * (self.high - self.low)
        if self.kind == "triangular":
            width = self.high - self.low
            return stats.triang.ppf(u, (self.mode - self.low) / width, loc=self.low, scale=width)
        if self.flat:
            return self.low + u * (self.high - self.low)
        a, b = (self.low - self.mean) / self.std, (self.high - self.mean) / self.std
        values = stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.std)
        return np.clip(values, self.low, self.high)  # guard the last ulp of the bounds

    @property
    def flat(self) -> bool:
        """A normal whose std is over :data:`FLAT_RATIO` times its range: truncated to the
        range its density is constant to 1e-12, and SciPy's ppf would return the mean
        for every draw (the standardised range is below its precision), so it is drawn
        as the uniform distribution it is."""
        return self.kind == "normal" and self.std > FLAT_RATIO * (self.high - self.low)

    def describe(self) -> str:
        if self.kind == "fixed":
            return f"fixed {self.mean:.6g}"
        if self.kind == "uniform":
            return f"uniform({self.low:.6g}, {self.high:.6g})"
        if self.kind == "triangular":
            return f"triangular({self.low:.6g}, {self.mode:.6g}, {self.high:.6g})"
        text = f"normal({self.mean:.6g}, {self.std:.6g}) truncated to [{self.low:.6g}, {self.high:.6g}]"
        return text + (f" (flat: std over {FLAT_RATIO:g} x the range, drawn uniform)" if self.flat else "")


def calibrated_distributions(path: str | Path = CALIBRATED_FILE) -> list[Distribution]:
    """A truncated normal for each calibrated parameter, in the file's order (read again
    only when the file changes)."""
    return list(_read_distributions(path))


@by_file
def _read_distributions(path: str | Path) -> tuple[Distribution, ...]:
    doc = load_yaml(path)
    params = (doc.data or {}).get("parameters") if isinstance(doc.data, dict) else None
    if not isinstance(params, dict) or not params:
        raise doc.error("no calibrated parameters ('parameters' is empty); run 'kazind calibrate'")
    out = []
    for label, entry in params.items():
        try:
            value, std = float(entry["value"]), float(entry.get("std") or 0.0)
            low, high = (float(b) for b in entry["bounds"])
        except (KeyError, TypeError, ValueError):
            raise doc.error("each parameter needs 'value', 'std' and 'bounds'", ("parameters", label)) from None
        if not math.isfinite(std) or std <= 0 or high <= low:
            out.append(Distribution(str(label), "fixed", low, high, mean=value))
        else:
            out.append(Distribution(str(label), "normal", low, high, mean=value, std=std))
    return tuple(out)


def _constant_bounds(label: str) -> tuple[float, float] | None:
    """Bounds of a model constant (``name`` or ``name[element]``); None if not one."""
    from kazind.engine import Constant

    spec = _uncalibrated_spec()
    name, element = batches.split_label(label)
    if name not in spec.names():
        return None
    var = spec.variable(name)
    if not isinstance(var, Constant) or var.bounds is None:
        return None
    if (element is None) != (not var.dims):
        return None
    if element is not None and element not in spec.dimensions[var.dims[0]]:
        return None
    return float(var.bounds[0]), float(var.bounds[1])


_SPEC_CACHE: list = []


def _uncalibrated_spec():
    if not _SPEC_CACHE:
        from kazind.engine import load_model
        from kazind.model.build import MODEL_FILE

        _SPEC_CACHE.append(load_model(MODEL_FILE))
    return _SPEC_CACHE[0]


def load_priors(
    source: str | Path | Mapping, calibrated: Sequence[Distribution] | None = None
) -> dict[str, Distribution]:
    """Priors from a YAML file (or an already-loaded mapping): label -> Distribution.

    Every mistake is a :class:`KazindError` naming the file and line.
    """
    if isinstance(source, Mapping):
        doc = YamlDocument(data=dict(source), file="<priors>")
    else:
        doc = load_yaml(source)
    data = doc.data
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise doc.error("a priors file is a mapping: NAME: {dist: uniform|normal|triangular, ...}")
    known = {d.label: d for d in (calibrated or [])}
    out: dict[str, Distribution] = {}
    for label, entry in data.items():
        label = str(label)
        where = (label,)
        if label in known:
            low, high = known[label].low, known[label].high
        else:
            bounds = _constant_bounds(label)
            if bounds is None:
                raise doc.error(
                    f"{label!r} is not a calibrated parameter nor a bounded constant of the model "
                    "(give NAME or NAME[ELEMENT])", where
                )
            low, high = bounds
        if not isinstance(entry, dict) or "dist" not in entry:
            raise doc.error(f"{label}: expected a mapping with 'dist' ({', '.join(DISTRIBUTIONS)})", where)
        kind = entry["dist"]
        if kind not in DISTRIBUTIONS:
            raise doc.error(f"{label}: unknown dist {kind!r}; choose {', '.join(DISTRIBUTIONS)}", where + ("dist",))
        allowed = {"uniform": {"low", "high"}, "normal": {"mean", "std", "low", "high"},
                   "triangular": {"low", "mode", "high"}}[kind]
        extra = sorted(set(entry) - allowed - {"dist"})
        if extra:
            raise doc.error(f"{label}: unexpected key(s) for {kind}: {', '.join(extra)}", where + (extra[0],))
        nums: dict[str, float] = {}
        for key in allowed & set(entry):
            value = entry[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                raise doc.error(f"{label}: {key} must be a number, got {value!r}", where + (key,))
            nums[key] = float(value)
        lo, hi = nums.get("low", low), nums.get("high", high)
        if lo < low or hi > high:
            raise doc.error(
                f"{label}: [{lo:g}, {hi:g}] goes outside the parameter's bounds [{low:g}, {high:g}]", where
            )
        if not lo < hi:
            raise doc.error(f"{label}: low must be below high ({lo:g} >= {hi:g})", where)
        src = doc.file
        if kind == "uniform":
            out[label] = Distribution(label, "uniform", lo, hi, source=src)
        elif kind == "triangular":
            if "mode" not in nums:
                raise doc.error(f"{label}: triangular needs 'mode'", where)
            if not lo <= nums["mode"] <= hi:
                raise doc.error(f"{label}: mode {nums['mode']:g} is outside [{lo:g}, {hi:g}]", where + ("mode",))
            out[label] = Distribution(label, "triangular", lo, hi, mode=nums["mode"], source=src)
        else:
            for key in ("mean", "std"):
                if key not in nums:
                    raise doc.error(f"{label}: normal needs '{key}'", where)
            if nums["std"] <= 0:
                raise doc.error(f"{label}: std must be positive", where + ("std",))
            if not lo <= nums["mean"] <= hi:
                raise doc.error(f"{label}: mean {nums['mean']:g} is outside [{lo:g}, {hi:g}]", where + ("mean",))
            out[label] = Distribution(label, "normal", lo, hi, mean=nums["mean"], std=nums["std"], source=src)
    return out


def distributions(priors: str | Path | Mapping | None = None) -> list[Distribution]:
    """The calibrated parameters' distributions with ``priors`` applied (added ones last)."""
    dists = calibrated_distributions()
    if priors is None:
        return dists
    override = load_priors(priors, dists)
    labels = [d.label for d in dists]
    merged = [override.get(d.label, d) for d in dists]
    merged += [d for label, d in override.items() if label not in labels]
    return merged


def calibrated_posterior(path: str | Path | None = None) -> tuple[list[str], np.ndarray] | None:
    """The calibration's posterior sample (labels, draws), or None if there is none."""
    from kazind.analysis.calibration import sample_file

    return _read_posterior(sample_file(path or CALIBRATED_FILE))


@by_file
def _read_posterior(file: Path) -> tuple[list[str], np.ndarray] | None:
    """The sample file's labels and draws (read again only when the file changes; the
    draws are read-only, shared by every caller)."""
    file = Path(file)
    if not file.exists():
        return None
    try:
        with file.open(encoding="utf-8") as fh:
            labels = fh.readline().strip().split(",")
        draws = np.loadtxt(file, delimiter=",", skiprows=1, ndmin=2)
    except (OSError, ValueError) as exc:
        raise KazindError(f"cannot read the posterior sample: {exc}", file=file) from None
    if draws.shape[1] != len(labels) or not np.all(np.isfinite(draws)):
        raise KazindError("the posterior sample is not a finite table over its labels", file=file)
    draws.flags.writeable = False
    return labels, draws


class Sampler:
    """The draws of :func:`sample_parameters`, made for any range of rows.

    Row ``i`` is always the same bits, however the rows are asked for: the generator is
    advanced to the row (PCG64's ``advance``) instead of drawing the rows before it, so
    an ensemble of any size never holds all its draws at once.
    """

    def __init__(self, seed: int, priors: str | Path | Mapping | None = None) -> None:
        self.seed = check_seed(seed)
        self.dists = distributions(priors)
        self.labels = [d.label for d in self.dists]
        self.described = [d.describe() for d in self.dists]
        self.priors = "" if priors is None or isinstance(priors, Mapping) else str(priors)
        self.posterior = calibrated_posterior()
        self.picks: list[tuple[int, int]] = []  # (column, posterior column) of calibrated ones
        if self.posterior is not None:
            labels, draws = self.posterior
            column = {label: i for i, label in enumerate(labels)}
            for j, d in enumerate(self.dists):
                if d.source == "calibrated" and d.label in column:
                    self.picks.append((j, column[d.label]))
                    self.described[j] = f"posterior sample of the calibration ({len(draws)} draws)"

    @property
    def width(self) -> int:
        return len(self.dists) + 1  # the last column picks the posterior draw

    def rows(self, start: int, stop: int) -> np.ndarray:
        """The draws of runs ``start`` to ``stop - 1``: an array (stop - start, parameters)."""
        rng = np.random.default_rng(self.seed)
        rng.bit_generator.advance(int(start) * self.width)
        u = rng.random((int(stop) - int(start), self.width))
        values = np.empty((u.shape[0], len(self.dists)))
        picked_columns = dict(self.picks)
        for j, d in enumerate(self.dists):
            if j not in picked_columns:  # a column the posterior gives needs no transform
                values[:, j] = d.ppf(u[:, j])
        if self.posterior is not None:
            _, draws = self.posterior
            picked = np.minimum((u[:, -1] * len(draws)).astype(int), len(draws) - 1)
            for j, k in self.picks:
                values[:, j] = draws[picked, k]
        return values

    def sample(self, n: int) -> xr.DataArray:
        """All ``n`` draws as a DataArray (run, parameter)."""
        n = batches._check_count("runs", n)
        require_memory(
            4 * 8 * n * self.width, f"{n:,} draws of {len(self.dists)} parameters",
            "use fewer runs, or kazind ensemble --out, which makes them batch by batch",
        )
        return xr.DataArray(
            self.rows(0, n),
            dims=("run", "parameter"),
            coords={
                "run": np.arange(n),
                "parameter": self.labels,
                "distribution": ("parameter", self.described),
            },
            name="sample",
            attrs={"seed": self.seed, "priors": self.priors},
        )


def sample_parameters(n: int, seed: int, priors: str | Path | Mapping | None = None) -> xr.DataArray:
    """``n`` draws of the calibrated parameters: a DataArray (run, parameter).

    See the module docstring for the distributions; the coordinate ``distribution``
    describes each parameter's.
    """
    n = batches._check_count("runs", n)
    return Sampler(seed, priors).sample(n)


# ---------------------------------------------------------------- running


def _plan(scenario, labels: Sequence[str], outputs: Sequence[str] | None, save_step: float | None = None):
    """(target, labels the runs take from the draws, labels fixed by the scenario, outputs, job)."""
    target = batches.resolve_target(scenario)
    used = batches.sampled_labels(target.spec, labels, target.fixed)
    fixed = [label for label in labels if label not in used]
    outputs = list(outputs) if outputs is not None else list(OUTCOME_VARIABLES)
    unknown = [o for o in outputs if o not in target.spec.names()]
    if unknown:
        raise KazindError(f"unknown output(s) of {target.name}: {', '.join(unknown)}")
    return target, used, fixed, outputs, batches.make_job(target.spec, used, outputs, save_step=save_step)


def _attrs(target, n: int, seed: int, priors: str, labels, fixed, failed: np.ndarray, result) -> dict:
    attrs = {
        "scenario": target.name,
        "method": "monte carlo: " + ("priors file and " if priors else "")
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
        "failure_run": (("failure",), runs, {"description": f"the runs that failed (the first {MAX_REASONS:,})"}),
        "failure_reason": (("failure",), messages.astype(str) if len(messages) else np.array([], dtype=str),
                           {"description": "why each of them failed (the engine's message)"}),
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
        job, sample.values[:, columns], batch_size=batch_size, workers=workers, scheduler=scheduler,
        progress=f"ensemble {target.name}" if progress else None,
    )
    coords: dict = {"run": np.arange(n)}
    used_dims = {d for name in outputs for d in result.dims[name]}
    coords.update({k: v for k, v in result.coords.items() if k in used_dims})
    data_vars = {
        name: (result.dims[name], result.arrays[name], result.attrs[name]) for name in outputs
    }
    data_vars["failed"] = (("run",), result.failed, {"description": "the run failed numerically; its outputs are NaN"})
    coords.update(_failure_vars(result.reasons))
    ds = xr.Dataset(data_vars, coords=coords)
    ds = ds.assign_coords(sample=sample.drop_vars("run"), distribution=sample["distribution"])
    priors_name = str(sample.attrs.get("priors") or "")
    ds.attrs.update(_attrs(target, n, int(sample.attrs.get("seed", seed)), priors_name, labels, fixed,
                           result.failed, result))
    return ds


def check_stream_fits(
    scenarios: Sequence, n: int, folder: str | Path, priors=None, outputs: Sequence[str] | None = None
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
    label = f"{len(scenarios)} scenarios" if len(scenarios) > 1 else batches.resolve_target(scenarios[0]).name
    require_disk(total, folder, f"an ensemble of {n:,} runs of {label}", "use fewer --runs, or another --out")
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
            job, rows, batch_size=batch_size, workers=workers, scheduler=scheduler,
            progress=f"ensemble {target.name}" if progress else None, sink=sink,
        )
        writer.close(result.failed, result.reasons,
                     _attrs(target, n, sampler.seed, sampler.priors, sampler.labels, fixed, result.failed, result),
                     MAX_REASONS)
    except BaseException:
        writer.abort()
        raise
    return xr.open_dataset(path, engine="netcdf4")


def run_ensembles(scenarios: Sequence, n: int, seed: int = 0, priors=None, **kwargs) -> dict[str, xr.Dataset]:
    """One ensemble per scenario, all on the same draws (paired), by scenario name."""
    sample = sample_parameters(n, seed, priors)
    out: dict[str, xr.Dataset] = {}
    for scenario in scenarios:
        ds = run_ensemble(scenario, n, seed, sample=sample, **kwargs)
        if ds.attrs["scenario"] in out:
            raise KazindError(f"scenario {ds.attrs['scenario']!r} is given twice")
        out[ds.attrs["scenario"]] = ds
    return out


# ---------------------------------------------------------------- summaries


def fan_quantiles(ens: xr.Dataset, variable: str, quantiles: Sequence[float] = QUANTILES) -> xr.DataArray:
    """Quantiles over runs of ``variable`` (failed runs left out): dims (quantile, time, ...).

    Read a block of times at a time (all runs of each), so that an ensemble on disk
    larger than memory is summarised in the memory of one block; the numbers are those
    of ``DataArray.quantile(..., skipna=True)`` (NumPy's ``nanquantile``).
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
        values = np.asarray(data[:, block].values if first else data.values, dtype=float).reshape(n, -1)
        if failed is not None and failed.any():
            values[failed] = np.nan
        with np.errstate(all="ignore"):
            q = np.nanquantile(values, list(quantiles), axis=0) if n else np.full((len(quantiles), values.shape[1]), np.nan)
        out[:, block.start * inner : block.stop * inner] = q
    coords = {"quantile": list(quantiles)}
    coords.update({d: data[d].values for d in rest if d in data.coords})
    return xr.DataArray(out.reshape((len(quantiles), *shape)), dims=("quantile", *rest), coords=coords,
                        name=variable, attrs=dict(data.attrs))


def _outcome(o: str | Outcome) -> Outcome:
    return o if isinstance(o, Outcome) else outcome(o)


def _paired(ens_a: xr.Dataset, ens_b: xr.Dataset) -> None:
    if ens_a.sizes["run"] != ens_b.sizes["run"]:
        raise KazindError("the ensembles have different numbers of runs; pair them on one sample")
    if "sample" in ens_a.coords and "sample" in ens_b.coords:
        from kazind.analysis.ensemble_store import blocks

        a, b = ens_a["sample"], ens_b["sample"]
        if a.shape != b.shape:
            raise KazindError("the ensembles were not run on the same draws (seed, runs and priors must match)")
        for block in blocks(a.shape[0], 16 * max(1, a.shape[1])):
            if not np.array_equal(a[block].values, b[block].values):
                raise KazindError("the ensembles were not run on the same draws (seed, runs and priors must match)")


def probability_better(
    ens_a: xr.Dataset, ens_b: xr.Dataset, outcome: str | Outcome, higher_is_better: bool | None = None
) -> float:
    """Share of paired draws in which A does better than B on ``outcome``, ties half.

    ``higher_is_better`` None takes the outcome's own direction (A higher when it has
    none). Draws failed in either ensemble are left out; NaN if none is left.
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


def probability_table(ens_a: xr.Dataset, ens_b: xr.Dataset, outcomes: Sequence = OUTCOMES) -> list[dict]:
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
                "better_if": {True: "higher", False: "lower", None: "none (A higher)"}[o.higher_is_better],
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


# ---------------------------------------------------------------- storage and charts


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """``ds`` as NetCDF 4, written atomically (list attributes become string arrays)."""
    from kazind.common.atomic import atomic_path

    path = Path(path)
    ds = ds.copy()
    for k, v in list(ds.attrs.items()):
        if isinstance(v, list | tuple) and not v:
            ds.attrs[k] = ""
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4")
    return path


def fan_chart(ensembles: Mapping[str, xr.Dataset] | xr.Dataset, variables: Sequence[str] | None = None):
    """A plotly figure: one panel per variable, per scenario a median line with 50 % and
    90 % bands over time."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    ensembles, variables, rows, cols = _panels(ensembles, variables)
    first = next(iter(ensembles.values()))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(variables), vertical_spacing=0.06)
    colours = ["31, 119, 180", "214, 39, 40", "44, 160, 44", "148, 103, 189"]
    for k, (name, ens) in enumerate(ensembles.items()):
        rgb = colours[k % len(colours)]
        for i, var in enumerate(variables):
            q = fan_quantiles(ens, var)
            t = q["time"].values
            row, col = i // cols + 1, i % cols + 1
            show = i == 0
            for lo, hi, alpha, band in ((0.05, 0.95, 0.15, "90 %"), (0.25, 0.75, 0.3, "50 %")):
                fig.add_trace(go.Scatter(x=t, y=q.sel(quantile=hi).values, mode="lines", line={"width": 0},
                                         hoverinfo="skip", showlegend=False, legendgroup=f"{name}{band}"),
                              row=row, col=col)
                fig.add_trace(go.Scatter(x=t, y=q.sel(quantile=lo).values, mode="lines", line={"width": 0},
                                         fill="tonexty", fillcolor=f"rgba({rgb}, {alpha})",
                                         name=f"{name}: {band} band", legendgroup=f"{name}{band}",
                                         showlegend=show), row=row, col=col)
            fig.add_trace(go.Scatter(x=t, y=q.sel(quantile=0.5).values, mode="lines",
                                     line={"color": f"rgb({rgb})", "width": 2}, name=f"{name}: median",
                                     legendgroup=f"{name}median", showlegend=show), row=row, col=col)
    n = first.sizes["run"]
    fig.update_layout(
        title=f"{' vs '.join(ensembles)}: {n:,} runs over the calibrated parameters' uncertainty "
        f"(seed {first.attrs.get('seed')}); median, 50 % and 90 % bands",
        height=320 * rows, template="plotly_white",
    )
    return fig


def write_html(fig, path: str | Path) -> Path:
    """A self-contained plotly HTML file (plotly.js included, opens offline), atomically."""
    from kazind.common.atomic import atomic_write

    path = Path(path)
    with atomic_write(path) as fh:
        fh.write(fig.to_html(include_plotlyjs=True, full_html=True))
    return path


def write_fan_png(
    ensembles: Mapping[str, xr.Dataset] | xr.Dataset, path: str | Path, variables: Sequence[str] | None = None
) -> Path:
    """The fan charts as a PNG, with matplotlib (plotly 7.1 cannot export PNG here: it
    rejects kaleido 0.2.1 and kaleido 1 needs a Chrome), written atomically."""
    from kazind.analysis.charts import panel_grid

    ensembles, variables, _, _ = _panels(ensembles, variables)
    first = next(iter(ensembles.values()))
    colours = ["tab:blue", "tab:red", "tab:green", "tab:purple"]
    with panel_grid(path, len(variables), (6.5, 3.0)) as (fig, axes):
        for k, (name, ens) in enumerate(ensembles.items()):
            colour = colours[k % len(colours)]
            for ax, var in zip(axes, variables, strict=True):
                q = fan_quantiles(ens, var)
                t = q["time"].values
                ax.fill_between(t, q.sel(quantile=0.05).values, q.sel(quantile=0.95).values, color=colour,
                                alpha=0.15, linewidth=0, label=f"{name}: 90 %")
                ax.fill_between(t, q.sel(quantile=0.25).values, q.sel(quantile=0.75).values, color=colour,
                                alpha=0.3, linewidth=0, label=f"{name}: 50 %")
                ax.plot(t, q.sel(quantile=0.5).values, color=colour, linewidth=1.5, label=f"{name}: median")
                ax.set_title(var, fontsize=9)
                ax.tick_params(labelsize=8)
        axes[0].legend(fontsize=7, loc="upper left")
        fig.suptitle(f"{' vs '.join(ensembles)}: {first.sizes['run']:,} runs, seed {first.attrs.get('seed')}; "
                     "median, 50 % and 90 % bands", fontsize=10)
    return Path(path)


def _panels(ensembles, variables):
    """Scenario -> ensemble, the variables to draw (all (run, time) ones by default),
    and a grid of two columns for them: what both fan-chart renderers need."""
    if isinstance(ensembles, xr.Dataset):
        ensembles = {ensembles.attrs.get("scenario", "ensemble"): ensembles}
    first = next(iter(ensembles.values()))
    if variables is None:
        variables = [v for v in first.data_vars if first[v].dims == ("run", "time")]
    cols = 2 if len(variables) > 1 else 1
    return ensembles, list(variables), math.ceil(len(variables) / cols), cols
