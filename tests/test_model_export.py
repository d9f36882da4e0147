"""The whole Kazakhstan model, exported to Vensim and run in PySD, equals kazind's run.

The engine's own cross-checks cover every built-in on small models; this one covers
the real model (arrays over five dimensions, 23 time series, smooths and delays).
"""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from kazind.engine import compile_model
from kazind.scenarios import load_scenario, scenario_spec

OUTPUTS = [
    "industrial_output_index",
    "population_total",
    "workers_total",
    "famine_deaths",
    "railway_length",
    "urban_share",
    "kazakh_share_of_workers",
]


@pytest.mark.slow
def test_pysd_runs_the_exported_model_like_kazind(tmp_path):
    pysd = pytest.importorskip("pysd")
    spec = scenario_spec(load_scenario("integrated-development"))
    from kazind.engine import to_vensim

    (tmp_path / "model.mdl").write_text(to_vensim(spec), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pysd.read_vensim(str(tmp_path / "model.mdl")).run(return_columns=OUTPUTS)
    ours = compile_model(spec).run(outputs=OUTPUTS)
    for name in OUTPUTS:
        a = ours[name].isel(run=0).values
        b = theirs[name].reindex(ours.time.values).values
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=name)


def test_export_command_writes_vensim_and_xmile(tmp_path, monkeypatch, capsys):
    from conftest import run_cli

    code, out, _ = run_cli(
        monkeypatch, capsys, ["model"], "export", "--out", str(tmp_path / "k.mdl")
    )
    assert code == 0 and "wrote" in out
    text = (tmp_path / "k.mdl").read_text(encoding="utf-8")
    assert "INTEG" in text and "FINAL TIME" in text and "industrial_output_index" in text
    code, _, _ = run_cli(
        monkeypatch,
        capsys,
        ["model"],
        "export",
        "--format",
        "xmile",
        "--out",
        str(tmp_path / "k.xmile"),
    )
    assert code == 0
    root = ET.parse(tmp_path / "k.xmile").getroot()
    assert root.tag.endswith("xmile")
    code, _, err = run_cli(monkeypatch, capsys, ["model"], "export", "--format", "pdf")
    assert code == 2 and err.count("\n") == 1
