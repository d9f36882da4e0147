"""The problem and sample stages of an ensemble: the parameters' distributions and their draws.

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

Running the draws is :mod:`kazind.analysis.ensemble`'s, summarising them :mod:`kazind.analysis.summaries`'.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr
from scipy import stats

from kazind.analysis import batches
from kazind.common.checks import check_seed
from kazind.common.errors import KazindError
from kazind.common.filecache import by_file
from kazind.common.resources import require_memory
from kazind.common.yamlio import YamlDocument, load_yaml
from kazind.model.build import CALIBRATED_FILE

DISTRIBUTIONS = ("uniform", "normal", "triangular")
FLAT_RATIO = 1e6  # a truncated normal with std > FLAT_RATIO x its range is drawn uniform


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
        return text + (
            f" (flat: std over {FLAT_RATIO:g} x the range, drawn uniform)" if self.flat else ""
        )


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
            raise doc.error(
                "each parameter needs 'value', 'std' and 'bounds'", ("parameters", label)
            ) from None
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
                    "(give NAME or NAME[ELEMENT])",
                    where,
                )
            low, high = bounds
        if not isinstance(entry, dict) or "dist" not in entry:
            raise doc.error(
                f"{label}: expected a mapping with 'dist' ({', '.join(DISTRIBUTIONS)})", where
            )
        kind = entry["dist"]
        if kind not in DISTRIBUTIONS:
            raise doc.error(
                f"{label}: unknown dist {kind!r}; choose {', '.join(DISTRIBUTIONS)}",
                where + ("dist",),
            )
        allowed = {
            "uniform": {"low", "high"},
            "normal": {"mean", "std", "low", "high"},
            "triangular": {"low", "mode", "high"},
        }[kind]
        extra = sorted(set(entry) - allowed - {"dist"})
        if extra:
            raise doc.error(
                f"{label}: unexpected key(s) for {kind}: {', '.join(extra)}", where + (extra[0],)
            )
        nums: dict[str, float] = {}
        for key in allowed & set(entry):
            value = entry[key]
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            ):
                raise doc.error(f"{label}: {key} must be a number, got {value!r}", where + (key,))
            nums[key] = float(value)
        lo, hi = nums.get("low", low), nums.get("high", high)
        if lo < low or hi > high:
            raise doc.error(
                f"{label}: [{lo:g}, {hi:g}] goes outside the parameter's bounds [{low:g}, {high:g}]",
                where,
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
                raise doc.error(
                    f"{label}: mode {nums['mode']:g} is outside [{lo:g}, {hi:g}]", where + ("mode",)
                )
            out[label] = Distribution(label, "triangular", lo, hi, mode=nums["mode"], source=src)
        else:
            for key in ("mean", "std"):
                if key not in nums:
                    raise doc.error(f"{label}: normal needs '{key}'", where)
            if nums["std"] <= 0:
                raise doc.error(f"{label}: std must be positive", where + ("std",))
            if not lo <= nums["mean"] <= hi:
                raise doc.error(
                    f"{label}: mean {nums['mean']:g} is outside [{lo:g}, {hi:g}]", where + ("mean",)
                )
            out[label] = Distribution(
                label, "normal", lo, hi, mean=nums["mean"], std=nums["std"], source=src
            )
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
            4 * 8 * n * self.width,
            f"{n:,} draws of {len(self.dists)} parameters",
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


def sample_parameters(
    n: int, seed: int, priors: str | Path | Mapping | None = None
) -> xr.DataArray:
    """``n`` draws of the calibrated parameters: a DataArray (run, parameter).

    See the module docstring for the distributions; the coordinate ``distribution``
    describes each parameter's.

    Parameters
    ----------
    n
        How many draws (runs).
    seed
        The seed: the same seed gives the same draws to the bit, and the first ``m``
        draws of ``n`` are the ``m`` draws.
    priors
        A priors file or mapping that overrides or adds distributions (module docstring).

    Returns
    -------
    xarray.DataArray
        Dims ``(run, parameter)``, a column per calibrated free parameter.

    Examples
    --------
    >>> draws = sample_parameters(4, seed=0)
    >>> draws.dims, draws.sizes["run"]
    (('run', 'parameter'), 4)
    """
    n = batches._check_count("runs", n)
    return Sampler(seed, priors).sample(n)
