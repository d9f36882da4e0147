"""Sensitivity: Sobol indices of a toy model with known values, Morris ranking an
irrelevant parameter last, reproducibility, batch independence, the CLI and its errors."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from conftest import run_cli
from kazind.analysis import sensitivity as S
from kazind.common.errors import KazindError
from kazind.engine import Aux, Constant, ModelSpec, TimeSettings

RANGES = {"a": (0.0, 1.0), "b": (0.0, 1.0), "c": (0.0, 1.0)}


def toy(equation: str = "a + 2 * b") -> ModelSpec:
    """y = a + 2b; c is not used. With independent uniforms on [0, 1]:
    Var(a) = 1/12, Var(2b) = 4/12, so S1 = ST = 0.2 for a, 0.8 for b, 0 for c."""
    return ModelSpec(
        name="toy",
        time=TimeSettings(start=0, stop=1, dt=1),
        variables=[
            Constant(name="a", value=0.5, bounds=(0, 1)),
            Constant(name="b", value=0.5, bounds=(0, 1)),
            Constant(name="c", value=0.5, bounds=(0, 1)),
            Aux(name="y", equation=equation),
            Aux(name="z", equation="a * b + c"),
        ],
    )


def test_sobol_recovers_known_indices_of_a_toy_model():
    ds = S.sensitivity(toy(), "sobol", 512, seed=1, outputs=["y"], parameters=RANGES)
    s1, st = ds["S1"].sel(outcome="y"), ds["ST"].sel(outcome="y")
    assert s1.sel(parameter="a") == pytest.approx(0.2, abs=0.05)
    assert s1.sel(parameter="b") == pytest.approx(0.8, abs=0.05)
    assert st.sel(parameter="a") == pytest.approx(0.2, abs=0.05)
    assert st.sel(parameter="b") == pytest.approx(0.8, abs=0.05)
    assert abs(float(st.sel(parameter="c"))) < 0.01
    assert (
        (ds["S1_conf"].values >= 0).all()
        and ds.sizes["outcome"] == 1
        and ds.attrs["runs"] == 512 * 5
    )


def test_sobol_of_a_nonadditive_toy_has_st_above_s1():
    # z = a*b + c: an interaction between a and b, so ST > S1 for a and b
    ds = S.sensitivity(toy(), "sobol", 1024, seed=2, outputs=["z"], parameters=RANGES)
    for p in ("a", "b"):
        assert float(ds["ST"].sel(outcome="z", parameter=p)) > float(
            ds["S1"].sel(outcome="z", parameter=p)
        )


def test_morris_ranks_an_irrelevant_parameter_last():
    ds = S.sensitivity(toy(), "morris", 30, seed=3, outputs=["y"], parameters=RANGES)
    mu_star = ds["mu_star"].sel(outcome="y").to_series()
    assert list(mu_star.sort_values(ascending=False).index) == ["b", "a", "c"]
    assert mu_star["c"] == 0
    assert mu_star["b"] == pytest.approx(2.0) and mu_star["a"] == pytest.approx(1.0)


def test_same_seed_same_indices_and_batching_does_not_matter():
    a = S.sensitivity(toy(), "sobol", 64, seed=5, outputs=["z"], parameters=RANGES, batch_size=1000)
    b = S.sensitivity(toy(), "sobol", 64, seed=5, outputs=["z"], parameters=RANGES, batch_size=7)
    c = S.sensitivity(toy(), "sobol", 64, seed=6, outputs=["z"], parameters=RANGES)
    for name in ("S1", "S1_conf", "ST", "ST_conf"):
        assert np.array_equal(a[name].values, b[name].values)
    assert not np.array_equal(a["S1"].values, c["S1"].values)


def test_sobol_warns_when_n_is_not_a_power_of_two():
    ds = S.sensitivity(toy(), "sobol", 100, seed=1, outputs=["y"], parameters=RANGES)
    assert any("power of 2" in w for w in ds.attrs["warnings"])
    assert not S.sensitivity(toy(), "sobol", 128, seed=1, outputs=["y"], parameters=RANGES).attrs[
        "warnings"
    ]


def test_mistakes_are_errors():
    with pytest.raises(KazindError, match="unknown method"):
        S.sensitivity(toy(), "fast", 8, outputs=["y"], parameters=RANGES)
    with pytest.raises(KazindError, match="samples"):
        S.sensitivity(toy(), "sobol", 0, outputs=["y"], parameters=RANGES)
    with pytest.raises(KazindError, match="not constants"):
        S.sensitivity(toy(), "sobol", 8, outputs=["y"], parameters={**RANGES, "y": (0, 1)})


def test_calibrated_ranges_are_two_std_clipped_to_the_bounds():
    from kazind.analysis.priors import calibrated_distributions

    ranges = S.calibrated_ranges()
    for d in calibrated_distributions():
        if d.label in ranges:
            lo, hi = ranges[d.label]
            assert lo == max(d.low, d.mean - 2 * d.std) and hi == min(d.high, d.mean + 2 * d.std)


def test_model_sensitivity_has_outcomes_by_parameters():
    ds = S.sensitivity("historical", "morris", 4, seed=0)
    assert ds["mu_star"].dims == ("outcome", "parameter")
    assert "industrial_output_1940" in ds["outcome"].values
    assert ds.sizes["parameter"] == len(S.calibrated_ranges())
    assert ds.attrs["method"] == "morris" and ds.attrs["N"] == 4


def test_cli_writes_netcdf_with_attrs_and_charts(monkeypatch, capsys, tmp_path):
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        ["analysis"],
        "sensitivity",
        "historical",
        "--method",
        "sobol",
        "--samples",
        "8",
        "--seed",
        "3",
        "--out",
        str(tmp_path),
    )
    assert code == 0, err
    ds = xr.open_dataset(tmp_path / "sensitivity-historical-sobol.nc", engine="netcdf4")
    for key in ("scenario", "method", "seed", "N", "parameters", "kazind_version", "date"):
        assert key in ds.attrs
    assert ds.attrs["method"] == "sobol" and ds.attrs["seed"] == 3 and ds.attrs["N"] == 8
    assert set(ds.data_vars) == {"S1", "S1_conf", "ST", "ST_conf"}
    ds.close()
    assert (tmp_path / "sensitivity-historical-sobol.html").exists()
    assert (tmp_path / "sensitivity-historical-sobol.png").read_bytes()[:4] == b"\x89PNG"


def test_cli_passes_salib_power_of_two_warning_as_one_line(monkeypatch, capsys, tmp_path):
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        ["analysis"],
        "sensitivity",
        "historical",
        "--method",
        "sobol",
        "--samples",
        "6",
        "--out",
        str(tmp_path),
    )
    assert code == 0
    warning = [line for line in err.splitlines() if line.startswith("kazind: warning:")]
    assert len(warning) == 1 and "power of 2" in warning[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["historical", "--method", "fast", "--samples", "8"], "unknown method 'fast'"),
        (["historical", "--samples", "0"], "--samples must be at least 1"),
        (["historical"], "--samples N is required"),
        (["historical", "--samples", "8", "--workers", "0"], "--workers must be at least 1"),
        (["no-such-scenario", "--samples", "8"], "no-such-scenario"),
    ],
)
def test_cli_mistakes_are_one_line(monkeypatch, capsys, tmp_path, args, words):
    code, out, err = run_cli(
        monkeypatch, capsys, ["analysis"], "sensitivity", *args, "--out", str(tmp_path)
    )
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kazind: error:") and words in lines[0], err
