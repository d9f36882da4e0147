"""Scenarios: named changes to the calibrated model (docs/scenarios.md).

``load_scenario`` reads and resolves one (a name or a path), ``list_scenarios`` names
them all, ``scenario_spec`` applies one to the calibrated spec, ``run_scenarios`` runs
several into one Dataset with a ``scenario`` dimension, and
:mod:`kazind.scenarios.outcomes` holds the table ``kazind compare`` prints.
"""

from kazind.scenarios.apply import scenario_spec
from kazind.scenarios.loader import Scenario, list_scenarios, load_scenario

__all__ = ["Scenario", "list_scenarios", "load_scenario", "run_scenarios", "scenario_spec"]


def __getattr__(name: str):
    if name == "run_scenarios":
        from kazind.scenarios.run import run_scenarios

        return run_scenarios
    raise AttributeError(name)
