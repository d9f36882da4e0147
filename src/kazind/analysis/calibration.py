"""Calibration: fit the model's free parameters to the record by bounded least squares.

The residual of each ``fit`` target is its error in units of its tolerance (see
:mod:`kazind.model.targets`). There are more free parameters than targets, so each
parameter also carries a weak prior residual pulling it towards its documented value;
the fit is a maximum a posteriori estimate with tolerances read as one standard
deviation. Parameters are searched in [0, 1] over their bounds with SciPy's
trust-region reflective least squares, from several starts (the documented values, then
seeded Latin-hypercube points around them); the Jacobian of all parameters is one
batched run of the engine. Parameter uncertainty comes from the Jacobian at the optimum
(the Laplace approximation). A fixed seed gives the same result, bit for bit.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import least_squares
from scipy.stats import qmc

from kazind import __version__
from kazind.common.atomic import atomic_write
from kazind.common.errors import KazindError
from kazind.common.yamlio import load_yaml
from kazind.engine import CompiledModel, Constant, ModelSpec, SimulationError
from kazind.model.build import CALIBRATED_FILE
from kazind.model.targets import ResolvedTarget, TargetSet, residual, simulated

SETUP_FILE = Path(__file__).parents[1] / "model" / "calibration.yaml"
FAILED_RESIDUAL = 1.0e3
TARGET_ACCEPTANCE = 0.25  # Metropolis acceptance aimed at while tuning the step  # residual of every target of a run that failed numerically
_FREE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[([A-Za-z_][A-Za-z0-9_]*)\])?$")


@dataclass(frozen=True)
class FreeParameter:
    """One calibrated number: a scalar constant or one element of an arrayed one."""

    name: str
    element: str | None
    low: float
    high: float
    default: float

    @property
    def label(self) -> str:
        return f"{self.name}[{self.element}]" if self.element else self.name

    def to_value(self, u: np.ndarray) -> np.ndarray:
        return self.low + u * (self.high - self.low)

    def to_unit(self, value: float) -> float:
        return (value - self.low) / (self.high - self.low)


@dataclass(frozen=True)
class Settings:
    seed: int
    starts: int
    start_spread: float
    prior_weight: float
    max_evaluations: int
    posterior_chains: int = 0  # parallel Metropolis chains = size of the posterior sample (0: none)
    posterior_steps: int = 0  # steps of each chain
    posterior_step_scale: float = 1.0  # step size relative to 2.38 / sqrt(p) Laplace steps


@dataclass(frozen=True)
class Setup:
    free: tuple[FreeParameter, ...]
    settings: Settings
    file: str


def load_setup(spec: ModelSpec, path: str | Path = SETUP_FILE) -> Setup:
    """Read the free parameters and settings; check each against the spec."""
    doc = load_yaml(path)
    data = doc.data or {}
    if not isinstance(data, dict) or set(data) != {"settings", "free"}:
        raise doc.error("expected exactly the keys 'settings' and 'free'")
    try:
        settings = Settings(**data["settings"])
    except TypeError as exc:
        raise doc.error(f"settings: {exc}", ("settings",)) from None
    free = []
    for i, text in enumerate(data["free"] or []):
        match = _FREE.match(str(text))
        if not match:
            raise doc.error(f"{text!r} is not NAME or NAME[ELEMENT]", ("free", i))
        name, element = match.groups()
        try:
            var = spec.variable(name)
        except KazindError as exc:
            raise doc.error(exc.message, ("free", i)) from None
        if not isinstance(var, Constant):
            raise doc.error(f"{name!r} is a {var.kind}, not a constant", ("free", i))
        if var.bounds is None:
            raise doc.error(f"{name!r} has no bounds in the model", ("free", i))
        if bool(var.dims) != (element is not None):
            raise doc.error(f"{name!r}: give an element exactly when it is arrayed", ("free", i))
        if element is not None:
            elements = spec.dimensions[var.dims[0]]
            if element not in elements:
                raise doc.error(f"{element!r} is not an element of {var.dims[0]!r}", ("free", i))
            default = var.value[element] if isinstance(var.value, dict) and element in var.value else (
                var.value.get("*") if isinstance(var.value, dict) else var.value
            )
        else:
            default = var.value
        free.append(FreeParameter(name, element, var.bounds[0], var.bounds[1], float(default)))
    labels = [f.label for f in free]
    if len(set(labels)) != len(labels):
        raise doc.error("a free parameter is listed twice", ("free",))
    return Setup(tuple(free), settings, doc.file)


class Evaluator:
    """Runs batches of parameter vectors and turns them into residuals."""

    def __init__(self, model: CompiledModel, free: tuple[FreeParameter, ...], targets: list[ResolvedTarget]):
        self.model = model
        self.free = free
        self.targets = targets
        self.outputs = sorted({t.target.variable for t in targets})
        self.spec = model.spec
        self.runs = 0

    def params(self, values: np.ndarray) -> dict[str, np.ndarray]:
        """Engine ``params`` for a (B, p) matrix of parameter values."""
        batch = values.shape[0]
        out: dict[str, np.ndarray] = {}
        for j, fp in enumerate(self.free):
            if fp.element is None:
                out[fp.name] = values[:, j].copy()
                continue
            var = self.spec.variable(fp.name)
            elements = self.spec.dimensions[var.dims[0]]
            if fp.name not in out:
                base = [
                    var.value.get(e, var.value.get("*")) if isinstance(var.value, dict) else var.value
                    for e in elements
                ]
                out[fp.name] = np.tile(np.asarray(base, float), (batch, 1))
            out[fp.name][:, elements.index(fp.element)] = values[:, j]
        return out

    def simulate(self, values: np.ndarray) -> np.ndarray:
        """Simulated target measures, (B, n_targets); rows of failed runs are NaN."""
        try:
            return self._simulate(values)
        except SimulationError:
            if values.shape[0] == 1:
                return np.full((1, len(self.targets)), np.nan)
            return np.vstack([self.simulate(values[i : i + 1]) for i in range(values.shape[0])])

    def _simulate(self, values: np.ndarray) -> np.ndarray:
        self.runs += values.shape[0]
        ds = self.model.run(
            params=self.params(values), outputs=self.outputs, save_step=self.model.spec.time.dt,
            backend="numpy",
        )
        return np.column_stack([simulated(ds, t) for t in self.targets])

    def residuals(self, values: np.ndarray) -> np.ndarray:
        """Target residuals (B, n_targets); a failed run gets FAILED_RESIDUAL everywhere."""
        sims = self.simulate(values)
        res = np.column_stack([residual(sims[:, k], t) for k, t in enumerate(self.targets)])
        return np.where(np.isfinite(res), res, FAILED_RESIDUAL)


@dataclass
class CalibrationResult:
    """The fitted parameters, their uncertainty and the fit's record."""

    free: tuple[FreeParameter, ...]
    values: np.ndarray
    std: np.ndarray
    correlation: np.ndarray
    cost: float
    target_keys: list[str]
    target_residuals: np.ndarray
    starts: list[dict] = field(default_factory=list)
    runs: int = 0
    seconds: float = 0.0
    sample: np.ndarray | None = None  # (posterior_keep, p) parameter values
    sample_info: dict = field(default_factory=dict)

    def as_dict(self) -> dict[str, float]:
        return {fp.label: float(v) for fp, v in zip(self.free, self.values, strict=True)}


def calibrate(
    model: CompiledModel,
    targets: TargetSet,
    setup: Setup,
    seed: int | None = None,
    starts: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> CalibrationResult:
    """Fit ``setup.free`` to the ``fit`` targets; see the module docstring."""
    settings = setup.settings
    seed = settings.seed if seed is None else seed
    n_starts = settings.starts if starts is None else starts
    fit = targets.by_role("fit")
    if not fit:
        raise KazindError("no fit targets")
    ev = Evaluator(model, setup.free, fit)
    free = setup.free
    p = len(free)
    u0 = np.array([fp.to_unit(fp.default) for fp in free])
    weight = settings.prior_weight

    def stack(res: np.ndarray, u: np.ndarray) -> np.ndarray:
        return np.concatenate([res, weight * (u - u0) / 1.0])

    cache: dict[bytes, np.ndarray] = {}
    step = 1e-4

    def full(u: np.ndarray) -> np.ndarray:
        """Residuals at u and at u + step e_j for every j, from one batched run."""
        key = u.tobytes()
        if key not in cache:
            points = np.vstack([u, u + np.where(u + step <= 1, step, -step) * np.eye(p)])
            values = np.column_stack([fp.to_value(points[:, j]) for j, fp in enumerate(free)])
            cache.clear()
            cache[key] = ev.residuals(values)
        return cache[key]

    def fun(u: np.ndarray) -> np.ndarray:
        return stack(full(u)[0], u)

    def jac(u: np.ndarray) -> np.ndarray:
        res = full(u)
        h = np.where(u + step <= 1, step, -step)
        jt = (res[1:] - res[0]) / h[:, None]  # (p, n_targets)
        return np.vstack([jt.T, weight * np.eye(p)])

    rng_starts = [u0]
    if n_starts > 1:
        sampler = qmc.LatinHypercube(d=p, seed=seed)
        box = sampler.random(n_starts - 1) * 2 - 1
        for row in box:
            rng_starts.append(np.clip(u0 + settings.start_spread * row, 0, 1))
    t0 = _dt.datetime.now()
    best = None
    records = []
    for k, start in enumerate(rng_starts):
        sol = least_squares(
            fun, start, jac=jac, bounds=(0, 1), method="trf", x_scale="jac",
            max_nfev=settings.max_evaluations, xtol=1e-8, ftol=1e-8, gtol=1e-8,
        )
        records.append({"start": k, "cost": float(sol.cost), "evaluations": int(sol.nfev), "status": int(sol.status)})
        if progress:
            progress(f"start {k + 1}/{len(rng_starts)}: cost {sol.cost:.4g} after {sol.nfev} evaluations")
        if best is None or sol.cost < best.cost:
            best = sol
    u = best.x
    res = full(u)[0]
    jt = jac(u)
    # Laplace approximation in parameter units: cov = (J^T J)^-1 with tolerance = 1 sigma.
    scale = np.array([fp.high - fp.low for fp in free])
    cov_u = np.linalg.pinv(jt.T @ jt)
    cov = cov_u * np.outer(scale, scale)
    std = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / np.outer(std, std)
    corr = np.nan_to_num(corr)
    values = np.array([fp.to_value(u[j]) for j, fp in enumerate(free)])
    sample, info = None, {}
    if settings.posterior_chains > 0 and settings.posterior_steps > 0:
        sample_u, info = posterior_sample(
            ev, u, cov_u, u0, weight, settings.posterior_steps, settings.posterior_chains,
            settings.posterior_step_scale, seed,
        )
        sample = np.column_stack([fp.to_value(sample_u[:, j]) for j, fp in enumerate(free)])
        if progress:
            progress(f"posterior sample: {info['chains']} chains of {info['steps']} steps, "
                     f"acceptance {info['acceptance_rate_after_burn_in']:.0%} after burn-in")
    return CalibrationResult(
        free=free, values=values, std=std, correlation=corr, cost=float(best.cost),
        target_keys=[t.key for t in fit], target_residuals=res, starts=records, runs=ev.runs,
        seconds=(_dt.datetime.now() - t0).total_seconds(), sample=sample, sample_info=info,
    )


def reflect(u: np.ndarray) -> np.ndarray:
    """Fold points back into [0, 1] by reflection at the bounds (as often as needed)."""
    folded = np.mod(u, 2.0)
    return np.where(folded > 1.0, 2.0 - folded, folded)


def posterior_sample(
    ev: Evaluator, u_opt: np.ndarray, cov_u: np.ndarray, u0: np.ndarray, weight: float,
    steps: int, chains: int, scale: float, seed: int,
) -> tuple[np.ndarray, dict]:
    """A sample of the posterior by random-walk Metropolis in many parallel chains.

    Each chain starts at the optimum and takes ``steps`` steps; a step proposes a move
    along the Laplace approximation's covariance (scaled by ``scale`` times the usual
    2.38 / sqrt(p)), reflected back into the bounds (which keeps the proposal symmetric,
    so the Metropolis rule stays exact), and accepts it by the posterior density
    (targets and priors, as in the fit). All chains step together, so
    each step is one batched run of the model. The chains' final states are the sample.
    """
    rng = np.random.default_rng([seed, 1])
    p = u_opt.size
    cov = (cov_u + cov_u.T) / 2
    vals, vecs = np.linalg.eigh(cov)
    root = vecs * np.sqrt(np.clip(vals, 1e-14, None)) * (scale * 2.38 / np.sqrt(p))

    def log_post(points: np.ndarray) -> np.ndarray:
        values = np.column_stack([fp.to_value(points[:, j]) for j, fp in enumerate(ev.free)])
        res = ev.residuals(values)
        prior = weight * (points - u0)
        return -0.5 * ((res**2).sum(axis=1) + (prior**2).sum(axis=1))

    state = np.tile(u_opt, (chains, 1))
    current = log_post(state)
    burn_in = steps // 2
    factor, accepted = 1.0, 0
    for step in range(steps):
        proposal = reflect(state + factor * rng.standard_normal((chains, p)) @ root.T)
        new = log_post(proposal)
        accept = np.log(rng.random(chains)) < new - current
        state = np.where(accept[:, None], proposal, state)
        current = np.where(accept, new, current)
        rate = float(accept.mean())
        if step < burn_in:  # tune the step towards a quarter accepted, then hold it
            factor *= float(np.exp(rate - TARGET_ACCEPTANCE))
        else:
            accepted += int(accept.sum())
    info = {
        "method": (
            "random-walk Metropolis in parallel chains from the optimum; step tuned in the "
            "first half (burn-in), held in the second; the final states are the sample"
        ),
        "chains": int(chains),
        "steps": int(steps),
        "acceptance_rate_after_burn_in": round(accepted / (chains * (steps - burn_in)), 4),
        "step_factor": round(factor * scale, 4),
    }
    return state, info




def write_calibrated(result: CalibrationResult, setup: Setup, targets: TargetSet, seed: int,
                     path: str | Path = CALIBRATED_FILE) -> Path:
    """Write the calibrated parameters with their provenance, atomically."""
    import yaml

    fit = targets.by_role("fit")
    within = int(np.sum(np.abs(result.target_residuals) <= 1))
    doc = {
        "provenance": {
            "written_by": f"kazind {__version__} calibrate",
            "date": _dt.date.today().isoformat(),
            "seed": seed,
            "setup": Path(setup.file).name,
            "objective": "sum of squared target residuals (error / tolerance) plus weak priors, halved",
            "cost": round(result.cost, 6),
            "fit_targets": [t.key for t in fit],
            "fit_targets_within_tolerance": f"{within} of {len(fit)}",
            "holdout_targets": [t.key for t in targets.by_role("holdout")],
            "starts": result.starts,
            "model_runs": result.runs,
            "seconds": round(result.seconds, 1),
            "uncertainty": "Laplace approximation at the optimum, tolerances read as one standard deviation",
        },
        "parameters": {
            fp.label: {"value": float(v), "std": float(s), "default": fp.default, "bounds": [fp.low, fp.high]}
            for fp, v, s in zip(result.free, result.values, result.std, strict=True)
        },
        # The joint uncertainty: ensembles draw correlated parameters from it, since the
        # targets pin down combinations of parameters far better than each alone.
        "correlation": {
            "labels": [fp.label for fp in result.free],
            "matrix": [[round(float(x), 6) for x in row] for row in result.correlation],
        },
    }
    if result.sample is not None:
        doc["posterior_sample"] = {"file": sample_file(path).name, **result.sample_info}
        with atomic_write(sample_file(path)) as fh:
            fh.write(",".join(fp.label for fp in result.free) + "\n")
            for row in result.sample:
                fh.write(",".join(repr(float(x)) for x in row) + "\n")
    with atomic_write(path) as fh:
        fh.write("# Written by `kazind calibrate`; do not edit by hand.\n")
        yaml.safe_dump(doc, fh, sort_keys=False, allow_unicode=True, width=100)
    return Path(path)


def sample_file(calibrated: str | Path = CALIBRATED_FILE) -> Path:
    """Where the posterior sample of a calibrated-parameters file is kept (beside it)."""
    calibrated = Path(calibrated)
    return calibrated.with_name(calibrated.stem + "_sample.csv")
