"""Compare scenarios with their uncertainty: what ``kazind compare`` computes.

Each scenario is run twice over: once on the calibrated values (the central value, the
run ``kazind run`` saves), and ``runs`` times on paired draws of the calibration's
posterior (:func:`kazind.analysis.priors.sample_parameters`: the same draws for every
scenario, so that the differences between scenarios are read draw by draw). Both are
saved at every integration step, so an outcome is read the same way from both
(:mod:`kazind.scenarios.outcomes`).

For each outcome and scenario: the central value and the 5th, 50th and 95th percentiles
over the draws (a 90 % band). For each scenario against the first one named (the
reference): ``P(A beats B)``, the share of paired draws in which it does better (higher,
or lower where lower is better; for an outcome without a side, higher), ties counted
half; and the 90 % band of the paired difference. A difference is **larger than the
uncertainty** when that band leaves out zero: in at least 95 % of the draws the
scenario's outcome lies on the same side of the reference's.

Only summaries are kept (a few floats per run and outcome, and the bands of the chart
variables over time), so the memory needed grows with the runs, not with the runs times
the time steps of every scenario at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from kazind.analysis.ensemble import run_ensemble
from kazind.analysis.priors import sample_parameters
from kazind.analysis.summaries import fan_quantiles, share_better
from kazind.common.checks import check_count, check_seed
from kazind.common.errors import KazindError
from kazind.scenarios.outcomes import OUTCOME_VARIABLES, OUTCOMES, Outcome

__all__ = ["BAND", "DEFAULT_RUNS", "Comparison", "compare_scenarios"]

#: Runs of the posterior per scenario by default: about a second each (BENCHMARKS.md).
DEFAULT_RUNS = 1000
#: The band's quantiles (a 90 % band) and the median.
BAND = (0.05, 0.5, 0.95)


@dataclass
class Comparison:
    """What ``kazind compare`` prints and writes (see the module docstring).

    ``central``: the calibrated runs (dims scenario, time). ``draws``: by scenario, by
    outcome name, the outcome of every draw (NaN for a failed run). ``bands``: by
    scenario, by chart variable, its quantiles over time (quantile, time). ``runs`` 0:
    the calibrated runs only.
    """

    names: list[str]
    central: xr.Dataset
    runs: int
    seed: int
    outcomes: tuple[Outcome, ...] = OUTCOMES
    draws: dict[str, dict[str, np.ndarray]] = field(default_factory=dict)
    bands: dict[str, dict[str, xr.DataArray]] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)

    @property
    def reference(self) -> str:
        return self.names[0]

    @property
    def uncertain(self) -> bool:
        """Whether there are draws (bands and probabilities)."""
        return self.runs > 0

    def value(self, scenario: str, outcome: Outcome) -> float:
        """The central value (the calibrated run)."""
        return outcome.value(self.central.sel(scenario=scenario))

    def quantiles(self, scenario: str, outcome: Outcome) -> tuple[float, float, float]:
        """(p05, p50, p95) of the outcome over the draws (NaN without draws)."""
        values = self._finite(self.draws.get(scenario, {}).get(outcome.name))
        if values is None:
            return (math.nan,) * 3
        return tuple(float(q) for q in np.quantile(values, BAND))  # type: ignore[return-value]

    def p_beats(self, scenario: str, outcome: Outcome, other: str | None = None) -> float:
        """P(``scenario`` beats ``other``, the reference by default) over the paired draws."""
        other = other or self.reference
        if not self.uncertain:
            return math.nan
        return share_better(
            self.draws[scenario][outcome.name],
            self.draws[other][outcome.name],
            outcome.higher_is_better,
        )

    def difference_band(
        self, scenario: str, outcome: Outcome, other: str | None = None
    ) -> tuple[float, float]:
        """The 90 % band (p05, p95) of the paired difference ``scenario - other``."""
        other = other or self.reference
        if not self.uncertain:
            return (math.nan, math.nan)
        diff = self._finite(self.draws[scenario][outcome.name] - self.draws[other][outcome.name])
        if diff is None:
            return (math.nan, math.nan)
        low, high = np.quantile(diff, (BAND[0], BAND[-1]))
        return float(low), float(high)

    def larger_than_uncertainty(
        self, scenario: str, outcome: Outcome, other: str | None = None
    ) -> bool | None:
        """Whether the 90 % band of the paired difference leaves out zero (None: no draws)."""
        low, high = self.difference_band(scenario, outcome, other)
        if math.isnan(low):
            return None
        return bool(low > 0 or high < 0)

    @staticmethod
    def _finite(values) -> np.ndarray | None:
        if values is None:
            return None
        values = np.asarray(values, dtype=float)
        values = values[np.isfinite(values)]
        return values if values.size else None


def compare_scenarios(
    scenarios: Sequence,
    runs: int = DEFAULT_RUNS,
    seed: int = 0,
    chart_variables: Sequence[str] = (),
    outcomes: Sequence[Outcome] = OUTCOMES,
) -> Comparison:
    """Run ``scenarios`` (loaded :class:`~kazind.scenarios.Scenario` objects or names) on
    the calibrated values and on ``runs`` paired draws of the posterior; see the module
    docstring. ``chart_variables``: scalar outputs whose bands over time are kept.

    Parameters
    ----------
    scenarios
        The scenarios; the first is the reference of ``P(A beats B)``.
    runs, seed
        Paired draws of the posterior per scenario (0: the calibrated values alone).
    chart_variables
        Outputs whose 90 % bands over time are kept for the charts.
    outcomes
        The outcomes compared (default: the table of ``kazind compare``).

    Returns
    -------
    Comparison
        Each outcome's central value, band and probabilities per scenario.

    Examples
    --------
    >>> cmp = compare_scenarios(["historical", "integrated-development"], runs=100)  # doctest: +SKIP
    """
    from kazind.scenarios import load_scenario
    from kazind.scenarios.loader import calibrated_spec
    from kazind.scenarios.run import run_scenarios

    loaded = [load_scenario(s) for s in scenarios]
    if not loaded:
        raise KazindError("compare: name at least one scenario")
    runs = check_count("--runs", runs, minimum=0)
    seed = check_seed(seed, "--seed")
    names = [s.name for s in loaded]
    step = calibrated_spec().time.dt  # every step saved: mid-1940 is a saved time
    variables = list(dict.fromkeys([*OUTCOME_VARIABLES, *chart_variables]))
    central = run_scenarios(loaded, save_step=step, outputs=variables)
    result = Comparison(names, central, runs, seed, tuple(outcomes))
    if runs == 0:
        return result
    sample = sample_parameters(runs, seed)
    for scenario in loaded:
        ens = run_ensemble(scenario, runs, seed, sample=sample, outputs=variables, save_step=step)
        result.draws[scenario.name] = {o.name: o.values(ens) for o in result.outcomes}
        for name in result.draws[scenario.name]:
            result.draws[scenario.name][name][np.asarray(ens["failed"].values, bool)] = np.nan
        result.bands[scenario.name] = {v: fan_quantiles(ens, v, BAND) for v in chart_variables}
        result.failed[scenario.name] = int(ens.attrs.get("failed_runs", 0))
        del ens
    return result
