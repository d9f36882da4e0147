"""Calibration: a Bayesian posterior of the model's free parameters given the record.

Each free parameter has a prior (``model/data/calibration.yaml``): a normal truncated
to the constant's bounds, its source cited or called an assumption. The likelihood
reads each ``fit`` target's residual (its error in units of its tolerance, see
:mod:`kazind.model.targets`) as a standard normal deviate. The calibration then

1. finds the maximum a posteriori (MAP) point by bounded least squares (SciPy's
   trust-region reflective method on the stacked target and prior residuals, from the
   prior means and a seeded Latin-hypercube start; the Jacobian of all parameters is one
   batched run of the engine);
2. samples the posterior with emcee's affine-invariant ensemble sampler
   (``vectorize=True``: each step of all walkers is one batched run of the engine), with
   differential-evolution moves, the walkers started around the MAP point spread like
   half its Laplace approximation;
3. measures convergence with ArviZ (R-hat and effective sample size of every parameter,
   the walkers read as chains) and keeps an evenly thinned posterior sample;
4. runs the sample through the model for posterior predictive bands of every target.

The MAP values are the calibrated model (``build_spec``); the sample feeds ensembles.
A fixed seed gives the same result, bit for bit.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import warnings
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
from kazind.model.build import CALIBRATED_FILE, DATA_DIR
from kazind.model.targets import ResolvedTarget, TargetSet, residual, simulated

SETUP_FILE = DATA_DIR / "calibration.yaml"
FAILED_RESIDUAL = 1.0e3  # residual of every target of a run that failed numerically
#: A posterior whose sd is below this share of the prior's is "pinned by the data".
PINNED_RATIO = 0.5
#: A MAP value within this share of its bound range from a bound is "on the bound".
ON_BOUND = 0.01
_FREE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[([A-Za-z_][A-Za-z0-9_]*)\])?$")
SETTINGS_KEYS = (
    "seed",
    "starts",
    "start_spread",
    "max_evaluations",
    "walkers",
    "steps",
    "burn_in",
    "sample_size",
    "check_every",
    "tau_multiple",
    "burn_in_taus",
    "start_scale",
    "walker_groups",
)


@dataclass(frozen=True)
class FreeParameter:
    """One calibrated number: a scalar constant or one element of an arrayed one, with
    its prior (a normal truncated to the bounds)."""

    name: str
    element: str | None
    low: float
    high: float
    default: float  # the documented value in the model file
    prior_mean: float = math.nan
    prior_sd: float = math.nan
    prior_source: str = ""
    bound_reason: str = ""  # why the parameter may sit on a bound, if it does

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
    max_evaluations: int
    walkers: int = 0  # 0: four times the number of parameters, at least 64
    steps: int = 0  # most steps of every walker; 0: no posterior sample
    burn_in: int = 0  # 0: burn_in_taus times the autocorrelation time
    sample_size: int = 1000
    check_every: int = 100  # steps between estimates of the autocorrelation time
    tau_multiple: float = 50.0  # stop once the chain is this many autocorrelation times long
    burn_in_taus: float = 3.0
    start_scale: float = 1.0  # spread of the walkers' start, in Laplace standard deviations
    walker_groups: int = 4  # groups of walkers compared by the second R-hat


@dataclass(frozen=True)
class Setup:
    free: tuple[FreeParameter, ...]
    settings: Settings
    file: str


def _default(var, element: str | None) -> float:
    if element is None:
        return float(var.value)
    value = var.value
    if isinstance(value, dict):
        return float(value.get(element, value.get("*")))
    return float(value)


def load_setup(spec: ModelSpec, path: str | Path = SETUP_FILE) -> Setup:
    """Read the free parameters, their priors and the settings; check each against the spec."""
    doc = load_yaml(path)
    data = doc.data or {}
    if not isinstance(data, dict) or set(data) != {"settings", "priors"}:
        raise doc.error("expected exactly the keys 'settings' and 'priors'")
    raw = data["settings"]
    if not isinstance(raw, dict) or set(raw) - set(SETTINGS_KEYS):
        raise doc.error(f"settings: expected the keys {', '.join(SETTINGS_KEYS)}", ("settings",))
    try:
        settings = Settings(**raw)
    except TypeError as exc:
        raise doc.error(f"settings: {exc}", ("settings",)) from None
    priors = data["priors"] or {}
    if not isinstance(priors, dict) or not priors:
        raise doc.error("priors: give at least one free parameter", ("priors",))
    free = []
    for text, prior in priors.items():
        where = ("priors", text)
        match = _FREE.match(str(text))
        if not match:
            raise doc.error(f"{text!r} is not NAME or NAME[ELEMENT]", where)
        name, element = match.groups()
        try:
            var = spec.variable(name)
        except KazindError as exc:
            raise doc.error(exc.message, where) from None
        if not isinstance(var, Constant):
            raise doc.error(f"{name!r} is a {var.kind}, not a constant", where)
        if var.bounds is None:
            raise doc.error(f"{name!r} has no bounds in the model", where)
        if bool(var.dims) != (element is not None):
            raise doc.error(f"{name!r}: give an element exactly when it is arrayed", where)
        if element is not None and element not in spec.dimensions[var.dims[0]]:
            raise doc.error(f"{element!r} is not an element of {var.dims[0]!r}", where)
        if not isinstance(prior, dict) or not {"mean", "sd", "source"} <= set(prior) <= {
            "mean",
            "sd",
            "source",
            "bound_reason",
        }:
            raise doc.error("a prior needs mean, sd and source (and may give bound_reason)", where)
        try:
            mean, sd = float(prior["mean"]), float(prior["sd"])
        except (TypeError, ValueError):
            raise doc.error("mean and sd must be numbers", where) from None
        low, high = float(var.bounds[0]), float(var.bounds[1])
        if not (math.isfinite(mean) and math.isfinite(sd) and sd > 0):
            raise doc.error("sd must be a positive finite number", where)
        if not low <= mean <= high:
            raise doc.error(f"prior mean {mean:g} is outside the bounds [{low:g}, {high:g}]", where)
        if sd > 10 * (high - low):
            raise doc.error(
                f"prior sd {sd:g} is far wider than the bounds; use a narrower prior", where
            )
        if not str(prior["source"]).strip():
            raise doc.error("a prior must cite its source or call itself an assumption", where)
        free.append(
            FreeParameter(
                name,
                element,
                low,
                high,
                _default(var, element),
                mean,
                sd,
                str(prior["source"]),
                str(prior.get("bound_reason", "")),
            )
        )
    return Setup(tuple(free), settings, doc.file)


class Evaluator:
    """Runs batches of parameter vectors and turns them into residuals."""

    def __init__(
        self, model: CompiledModel, free: tuple[FreeParameter, ...], targets: list[ResolvedTarget]
    ):
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
                base = [_default(var, e) for e in elements]
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
            half = values.shape[0] // 2
            return np.vstack([self.simulate(values[:half]), self.simulate(values[half:])])

    def _simulate(self, values: np.ndarray) -> np.ndarray:
        self.runs += values.shape[0]
        ds = self.model.run(
            params=self.params(values), outputs=self.outputs, save_step=self.model.spec.time.dt
        )
        with np.errstate(all="ignore"):
            return np.column_stack([simulated(ds, t) for t in self.targets])

    def residuals(self, values: np.ndarray) -> np.ndarray:
        """Target residuals (B, n_targets); a failed run gets FAILED_RESIDUAL everywhere."""
        sims = self.simulate(values)
        with np.errstate(all="ignore"):
            res = np.column_stack([residual(sims[:, k], t) for k, t in enumerate(self.targets)])
        return np.where(np.isfinite(res), res, FAILED_RESIDUAL)


@dataclass
class CalibrationResult:
    """The fitted parameters, their posterior and the fit's record."""

    free: tuple[FreeParameter, ...]
    values: np.ndarray  # MAP
    std: np.ndarray  # posterior sd (the Laplace sd when there is no sample)
    correlation: np.ndarray
    cost: float
    target_keys: list[str]
    target_residuals: np.ndarray
    starts: list[dict] = field(default_factory=list)
    runs: int = 0
    seconds: float = 0.0
    sample: np.ndarray | None = None  # (sample_size, p) parameter values
    sample_info: dict = field(default_factory=dict)
    diagnostics: dict = field(default_factory=dict)  # label -> {rhat, ess, mean, sd, p05, p95}
    predictive: dict = field(default_factory=dict)  # target key -> (p05, p50, p95)

    def as_dict(self) -> dict[str, float]:
        return {fp.label: float(v) for fp, v in zip(self.free, self.values, strict=True)}


def _prior_arrays(free) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    low = np.array([f.low for f in free])
    high = np.array([f.high for f in free])
    mean = np.array([f.prior_mean for f in free])
    sd = np.array([f.prior_sd for f in free])
    return low, high, mean, sd


def calibrate(
    model: CompiledModel,
    targets: TargetSet,
    setup: Setup,
    seed: int | None = None,
    starts: int | None = None,
    progress: Callable[[str], None] | None = None,
    step_progress: Callable[[int, int], None] | None = None,
) -> CalibrationResult:
    """The MAP point and a posterior sample of ``setup.free``; see the module docstring.

    ``progress`` receives a line per stage; ``step_progress(done, total)`` is called
    after every sampler step (a progress bar).
    """
    settings = setup.settings
    seed = settings.seed if seed is None else seed
    n_starts = settings.starts if starts is None else starts
    fit = targets.by_role("fit")
    if not fit:
        raise KazindError("no fit targets")
    ev = Evaluator(model, setup.free, fit)
    free = setup.free
    p = len(free)
    low, high, mean, sd = _prior_arrays(free)
    span = high - low
    u_prior = (mean - low) / span
    sd_u = sd / span

    def stack(res: np.ndarray, u: np.ndarray) -> np.ndarray:
        return np.concatenate([res, (u - u_prior) / sd_u])

    cache: dict[bytes, np.ndarray] = {}
    step = 1e-4

    def full(u: np.ndarray) -> np.ndarray:
        """Residuals at u and at u + step e_j for every j, from one batched run."""
        key = u.tobytes()
        if key not in cache:
            points = np.vstack([u, u + np.where(u + step <= 1, step, -step) * np.eye(p)])
            cache.clear()
            cache[key] = ev.residuals(low + points * span)
        return cache[key]

    def fun(u: np.ndarray) -> np.ndarray:
        return stack(full(u)[0], u)

    def jac(u: np.ndarray) -> np.ndarray:
        res = full(u)
        h = np.where(u + step <= 1, step, -step)
        jt = (res[1:] - res[0]) / h[:, None]  # (p, n_targets)
        return np.vstack([jt.T, np.diag(1 / sd_u)])

    starts_u = [np.clip(u_prior, 0, 1)]
    if n_starts > 1:
        box = qmc.LatinHypercube(d=p, seed=seed).random(n_starts - 1) * 2 - 1
        starts_u += [np.clip(u_prior + settings.start_spread * row, 0, 1) for row in box]
    t0 = _dt.datetime.now()
    best, records = None, []
    for k, start in enumerate(starts_u):
        sol = least_squares(
            fun,
            start,
            jac=jac,
            bounds=(0, 1),
            method="trf",
            x_scale="jac",
            max_nfev=settings.max_evaluations,
            xtol=1e-8,
            ftol=1e-8,
            gtol=1e-8,
        )
        records.append(
            {
                "start": k,
                "cost": float(sol.cost),
                "evaluations": int(sol.nfev),
                "status": int(sol.status),
            }
        )
        if progress:
            progress(
                f"MAP start {k + 1}/{len(starts_u)}: cost {sol.cost:.4g} after {sol.nfev} evaluations"
            )
        if best is None or sol.cost < best.cost:
            best = sol
    u = best.x
    res = full(u)[0]
    jt = jac(u)
    cov_u = np.linalg.pinv(jt.T @ jt)
    cov = cov_u * np.outer(span, span)
    std = np.sqrt(np.clip(np.diag(cov), 0, None))
    values = low + u * span
    sample, info, diagnostics, corr = None, {}, {}, _correlation(cov)
    if settings.steps > 0:
        sample, info, diagnostics = posterior_sample(
            ev,
            u,
            settings,
            seed,
            low,
            span,
            u_prior,
            sd_u,
            step_progress=step_progress,
            cov_u=cov_u,
        )
        std = np.array([diagnostics[f.label]["sd"] for f in free])
        corr = np.corrcoef(sample, rowvar=False) if sample.shape[0] > 2 else corr
        corr = np.nan_to_num(corr)
        if progress:
            worst = max(d["rhat"] for d in diagnostics.values())
            least = min(d["ess"] for d in diagnostics.values())
            progress(
                f"posterior: {info['walkers']} walkers x {info['steps']} steps (burn-in {info['burn_in']}, "
                f"thin {info['thin']}, longest autocorrelation time {info['autocorrelation_time']['max']:.0f}), "
                f"acceptance {info['acceptance']:.0%}, worst R-hat {worst:.3f}, least bulk ESS {least:.0f}"
            )
    return CalibrationResult(
        free=free,
        values=values,
        std=std,
        correlation=corr,
        cost=float(best.cost),
        target_keys=[t.key for t in fit],
        target_residuals=res,
        starts=records,
        runs=ev.runs,
        seconds=(_dt.datetime.now() - t0).total_seconds(),
        sample=sample,
        sample_info=info,
        diagnostics=diagnostics,
    )


def _correlation(cov: np.ndarray) -> np.ndarray:
    std = np.sqrt(np.clip(np.diag(cov), 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.nan_to_num(cov / np.outer(std, std))


def posterior_sample(
    ev: Evaluator,
    u_map: np.ndarray,
    settings: Settings,
    seed: int,
    low: np.ndarray,
    span: np.ndarray,
    u_prior: np.ndarray,
    sd_u: np.ndarray,
    step_progress: Callable[[int, int], None] | None = None,
    cov_u: np.ndarray | None = None,
):
    """emcee's ensemble sampler over the unit box of the bounds; see the module docstring.

    The walkers start spread like the Laplace approximation at the MAP point (scaled by
    ``start_scale``, over-dispersed when above 1) so that R-hat can see a walker that has
    not found the bulk. The sampler runs in blocks of ``check_every`` steps; after each
    block emcee's integrated autocorrelation time tau is estimated on the second half of
    the chain, and sampling stops once the chain is longer than ``tau_multiple`` tau (and
    at ``steps`` at the latest). Burn-in is ``burn_in_taus`` tau (or ``burn_in`` steps
    when given), thinning half the shortest tau: both follow the chain, not a guess.

    Returns (sample of parameter values, information on the run, diagnostics per label).
    """
    import emcee

    p = u_map.size
    walkers = settings.walkers or max(64, 4 * p)
    walkers += walkers % 2
    rng = np.random.default_rng([seed, 2])

    def log_prob(points: np.ndarray) -> np.ndarray:
        points = np.atleast_2d(points)
        inside = np.all((points >= 0) & (points <= 1), axis=1)
        out = np.full(points.shape[0], -np.inf)
        if inside.any():
            res = ev.residuals(low + points[inside] * span)
            prior = (points[inside] - u_prior) / sd_u
            out[inside] = -0.5 * ((res**2).sum(axis=1) + (prior**2).sum(axis=1))
        return out

    if cov_u is not None:
        vals, vecs = np.linalg.eigh((cov_u + cov_u.T) / 2)
        root = vecs * np.sqrt(np.clip(vals, 0, None))
        start = u_map + settings.start_scale * rng.standard_normal((walkers, p)) @ root.T
    else:
        start = u_map + 1e-3 * rng.standard_normal((walkers, p))
    # A start outside the box is folded back into it (not clipped onto its face, which
    # would put several walkers on one point).
    start = np.abs(start)
    start = np.where(start > 1, 2 - start, start)
    start = np.clip(start, 1e-9, 1 - 1e-9)
    moves = [(emcee.moves.DEMove(), 0.8), (emcee.moves.DESnookerMove(), 0.2)]
    sampler = emcee.EnsembleSampler(walkers, p, log_prob, vectorize=True, moves=moves)
    sampler.random_state = np.random.RandomState(seed % 2**32).get_state()
    block = max(1, settings.check_every)
    state, done, taus, converged = start, 0, [], False
    while done < settings.steps:
        n = min(block, settings.steps - done)
        for _ in sampler.sample(state, iterations=n):
            done += 1
            if step_progress:
                step_progress(done, settings.steps)
        state = sampler.get_last_sample()
        tau = _autocorr_time(sampler, done)
        taus.append((done, float(np.max(tau))))
        if done >= settings.tau_multiple * np.max(tau):
            converged = True
            break
    tau = _autocorr_time(sampler, done)
    tau_max = float(np.max(tau))
    burn = settings.burn_in or math.ceil(settings.burn_in_taus * tau_max)
    burn = min(burn, done // 2)
    thin = max(1, int(0.5 * float(np.min(tau))))
    chain = sampler.get_chain(discard=burn)  # (draws, walkers, p)
    draws = chain.shape[0]
    thinned = chain[::thin]
    flat = thinned.transpose(1, 0, 2).reshape(-1, p)  # walker-major
    keep = min(settings.sample_size, flat.shape[0])
    rows = np.linspace(0, flat.shape[0] - 1, keep).round().astype(int)
    sample = low + flat[rows] * span
    diagnostics = chain_diagnostics(
        low + chain * span, ev.free, groups=settings.walker_groups, thin=thin
    )
    for j, f in enumerate(ev.free):
        diagnostics[f.label]["tau"] = float(tau[j])
    info = {
        "method": (
            "emcee affine-invariant ensemble sampler (differential-evolution moves), walkers "
            "started around the MAP point spread like the Laplace approximation; each half-step "
            "of all walkers one batched run of the model; burn-in and thinning from emcee's "
            "integrated autocorrelation time"
        ),
        "walkers": int(walkers),
        "steps": int(done),
        "max_steps": int(settings.steps),
        "burn_in": int(burn),
        "thin": int(thin),
        "draws_per_walker": int(draws),
        "autocorrelation_time": {
            "max": round(tau_max, 2),
            "median": round(float(np.median(tau)), 2),
            "min": round(float(np.min(tau)), 2),
        },
        "tau_history": [[d, round(t, 2)] for d, t in taus],
        "converged_by_tau": bool(converged),
        "effective_draws_emcee": round(float(walkers * draws / tau_max), 1),
        "acceptance": round(float(np.mean(sampler.acceptance_fraction)), 4),
        "sample_size": int(keep),
    }
    return sample, info, diagnostics


def _autocorr_time(sampler, done: int) -> np.ndarray:
    """emcee's integrated autocorrelation time of every parameter on the second half of
    the chain (1 where the chain is too short to estimate it)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tau = sampler.get_autocorr_time(discard=done // 2, tol=0)
    return np.where(np.isfinite(tau) & (tau > 0), tau, 1.0)


def chain_diagnostics(chain: np.ndarray, free, groups: int = 4, thin: int = 1) -> dict[str, dict]:
    """ArviZ's rank-normalised split R-hat and bulk ESS of every parameter, with the
    posterior's mean, sd and 90 % interval. ``chain`` is (draws, walkers, p) in values.

    R-hat is computed twice, and the worse is reported: with every walker as a chain (as
    ArviZ reads an emcee run), and with the walkers split into ``groups`` groups, each
    group's thinned draws pooled into one chain (so that a group of walkers stuck apart
    from the others shows). The bulk ESS reads the walkers as chains.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import arviz as az

        labels = [f.label for f in free]

        def dataset(x):  # x: (chains, draws, p)
            return az.convert_to_dataset(
                {"theta": x}, dims={"theta": ["parameter"]}, coords={"parameter": labels}
            )

        by_walker = dataset(chain.transpose(1, 0, 2))
        rhat_walkers = az.rhat(by_walker)["theta"].values
        ess = az.ess(by_walker, method="bulk")["theta"].values
        rhat_groups = np.full(len(free), np.nan)
        walkers = chain.shape[1]
        if groups > 1 and walkers >= 2 * groups:
            thinned = chain[::thin]
            per = walkers // groups
            pooled = np.stack(
                [
                    thinned[:, g * per : (g + 1) * per]
                    .transpose(1, 0, 2)
                    .reshape(-1, chain.shape[-1])
                    for g in range(groups)
                ]
            )
            rhat_groups = az.rhat(dataset(pooled))["theta"].values
    flat = chain.reshape(-1, chain.shape[-1])
    out = {}
    for j, f in enumerate(free):
        lo, hi = np.quantile(flat[:, j], [0.05, 0.95])
        worst = float(np.nanmax([rhat_walkers[j], rhat_groups[j]]))
        out[f.label] = {
            "rhat": worst,
            "rhat_walkers": float(rhat_walkers[j]),
            "rhat_groups": float(rhat_groups[j]),
            "ess": float(ess[j]),
            "mean": float(flat[:, j].mean()),
            "sd": float(flat[:, j].std(ddof=1)) if flat.shape[0] > 1 else 0.0,
            "p05": float(lo),
            "p95": float(hi),
        }
    return out


def predictive_bands(
    model: CompiledModel, setup: Setup, targets: TargetSet, sample: np.ndarray
) -> dict:
    """Posterior predictive 5, 50 and 95 % of every target (fitted, held out, checks,
    literature) over the posterior sample: key -> [p05, p50, p95]."""
    every = [*targets.targets, *targets.literature]
    ev = Evaluator(model, setup.free, every)
    sims = ev.simulate(sample)
    out = {}
    for k, rt in enumerate(every):
        column = sims[:, k]
        column = column[np.isfinite(column)]
        if column.size:
            out[rt.key] = [float(x) for x in np.quantile(column, [0.05, 0.5, 0.95])]
    return out


def on_bound(result: CalibrationResult) -> list[str]:
    """Labels of the parameters whose MAP value lies on (within 1 % of) a bound."""
    out = []
    for fp, v in zip(result.free, result.values, strict=True):
        if min(v - fp.low, fp.high - v) <= ON_BOUND * (fp.high - fp.low):
            out.append(fp.label)
    return out


def write_calibrated(
    result: CalibrationResult,
    setup: Setup,
    targets: TargetSet,
    seed: int,
    path: str | Path = CALIBRATED_FILE,
) -> Path:
    """Write the calibrated parameters with their priors, posterior and provenance, atomically."""
    import yaml

    fit = targets.by_role("fit")
    within = int(np.sum(np.abs(result.target_residuals) <= 1))
    bound = on_bound(result)
    parameters = {}
    for fp, v, s in zip(result.free, result.values, result.std, strict=True):
        entry = {
            "value": float(v),
            "std": float(s),
            "default": fp.default,
            "bounds": [fp.low, fp.high],
            "prior": {"mean": fp.prior_mean, "sd": fp.prior_sd, "source": fp.prior_source},
        }
        d = result.diagnostics.get(fp.label)
        if d:
            entry["posterior"] = {k: round(d[k], 6) for k in ("mean", "sd", "p05", "p95")}
            entry["rhat"] = round(d["rhat"], 4)
            entry["rhat_walkers"] = round(d["rhat_walkers"], 4)
            entry["rhat_groups"] = round(d["rhat_groups"], 4)
            entry["ess"] = round(d["ess"], 1)
            if "tau" in d:
                entry["autocorrelation_time"] = round(d["tau"], 2)
            entry["pinned_by_data"] = bool(d["sd"] < PINNED_RATIO * fp.prior_sd)
        if fp.label in bound:
            entry["on_bound"] = fp.bound_reason or "no reason given"
        parameters[fp.label] = entry
    doc = {
        "provenance": {
            "written_by": f"kazind {__version__} calibrate",
            "date": _dt.date.today().isoformat(),
            "seed": seed,
            "setup": Path(setup.file).name,
            "objective": "log posterior: target residuals (error / tolerance) as standard normals, truncated normal priors",
            "cost": round(result.cost, 6),
            "fit_targets": [t.key for t in fit],
            "fit_targets_within_tolerance": f"{within} of {len(fit)}",
            "holdout_targets": [t.key for t in targets.by_role("holdout")]
            + [t.key for t in targets.literature],
            "starts": result.starts,
            "model_runs": result.runs,
            "seconds": round(result.seconds, 1),
            "values": "MAP (maximum a posteriori); std and the posterior block from the sample",
            "on_bound": bound,
            "conditional_on": _fixed_note(setup),
        },
        "parameters": parameters,
        "correlation": {
            "labels": [fp.label for fp in result.free],
            "matrix": [[round(float(x), 4) for x in row] for row in result.correlation],
        },
    }
    if result.predictive:
        doc["predictive"] = {k: [round(x, 6) for x in v] for k, v in result.predictive.items()}
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


def _fixed_note(setup: Setup) -> str:
    """What the posterior is conditional on: the constants fixed at the all-parameter fit."""
    from kazind.engine import load_model
    from kazind.model.build import MODEL_FILE

    fixed = [
        v.name
        for v in load_model(MODEL_FILE).variables
        if v.kind == "constant" and "fixed, not calibrated" in (v.source or "").lower()
    ]
    return (
        f"{len(fixed)} constants fixed at the values of the all-parameter MAP fit, where the data do not "
        f"pin them alone (kazakhstan.yaml says which); their uncertainty is not in the posterior"
    )


def sample_file(calibrated: str | Path = CALIBRATED_FILE) -> Path:
    """Where the posterior sample of a calibrated-parameters file is kept (beside it)."""
    calibrated = Path(calibrated)
    return calibrated.with_name(calibrated.stem + "_sample.csv")
