"""Analysis on the model, along SALib's stages: the parameters' distributions and draws
(:mod:`.priors`), running ensembles (:mod:`.ensemble`, in batches: :mod:`.batches`),
summaries and comparisons (:mod:`.summaries`, :mod:`.compare`), sensitivity
(:mod:`.sensitivity`), charts (:mod:`.charts`); calibration and the fit report.

The names below are imported on first use (the ensemble's packages, dask among them,
take seconds to import).
"""

from importlib import import_module

__all__ = [
    "compare_scenarios",
    "fan_quantiles",
    "probability_better",
    "run_ensemble",
    "sample_parameters",
    "sensitivity",
]

_HOME = {
    "compare_scenarios": "compare",
    "fan_quantiles": "summaries",
    "probability_better": "summaries",
    "run_ensemble": "ensemble",
    "sample_parameters": "priors",
    "sensitivity": "sensitivity",
}


def __getattr__(name: str):
    if name in _HOME:
        return getattr(import_module(f"kazind.analysis.{_HOME[name]}"), name)
    raise AttributeError(f"module 'kazind.analysis' has no attribute {name!r}")
