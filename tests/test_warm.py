"""`kazind warm`: each distinct fused kernel of the scenarios compiled once, side by side."""

from __future__ import annotations

import pytest

from kazind.engine import fused
from kazind.engine.simulate import CompiledModel
from kazind.scenarios import list_scenarios
from kazind.scenarios.run import compiled_scenario, warm_kernels

pytestmark = pytest.mark.skipif(not fused.available(), reason="numba is not installed")


def test_scenarios_of_one_structure_share_a_kernel():
    keys = {name: compiled_scenario(name).kernel_key() for name in list_scenarios()}
    # schedules and levers are data to the kernel: these change no structure
    assert keys["capped-procurements"] == keys["historical"]
    assert keys["no-forced-collectivization"] == keys["historical"]
    # a constant switched at the start year adds auxiliaries: a second structure
    assert keys["raw-material-base"] == keys["integrated-development"] != keys["historical"]


def test_nothing_is_compiled_when_every_kernel_is_ready(monkeypatch):
    monkeypatch.setattr(CompiledModel, "fused_ready", lambda self, method=None: True)
    assert warm_kernels() == {}


def test_warm_says_when_everything_is_compiled(monkeypatch, capsys):
    from conftest import run_cli

    monkeypatch.setattr(CompiledModel, "fused_ready", lambda self, method=None: True)
    code, out, _err = run_cli(monkeypatch, capsys, ["run"], "warm")
    assert code == 0 and "already compiled" in out
