"""Ensembles: reproducible draws, results independent of batching and of Dask (to the
bit), ordered fan quantiles, the paired probability table, the CLI and its errors."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from conftest import run_cli
from kazind.analysis import batches
from kazind.analysis import ensemble as E
from kazind.analysis import priors as P
from kazind.analysis import summaries as S
from kazind.common.errors import KazindError
from kazind.common.writers import write_netcdf
from kazind.scenarios.outcomes import OUTCOMES, outcome

N = 120


def _equal(a: xr.Dataset, b: xr.Dataset) -> None:
    assert list(a.data_vars) == list(b.data_vars)
    for name in a.data_vars:
        assert np.array_equal(a[name].values, b[name].values, equal_nan=True), name
    assert np.array_equal(a["sample"].values, b["sample"].values)


@pytest.fixture(scope="module")
def historical() -> batches.Target:
    return batches.resolve_target("historical")


@pytest.fixture(scope="module")
def one_batch(historical) -> xr.Dataset:
    return E.run_ensemble(historical, N, seed=11, batch_size=N)


# ---------------------------------------------------------------- sampling


def test_same_seed_same_draws_and_different_seed_different():
    a, b, c = P.sample_parameters(50, 3), P.sample_parameters(50, 3), P.sample_parameters(50, 4)
    assert np.array_equal(a.values, b.values)
    assert not np.array_equal(a.values, c.values)
    # the first runs of a larger ensemble are the smaller one
    assert np.array_equal(P.sample_parameters(80, 3).values[:50], a.values)


def test_draws_are_whole_rows_of_the_posterior_sample():
    """Calibrated parameters are drawn together, so the fit's correlations are kept."""
    labels, draws = P.calibrated_posterior()
    s = P.sample_parameters(500, 1)
    picked = s.sel(parameter=labels).values
    rows = {tuple(r) for r in draws}
    assert all(tuple(r) in rows for r in picked)
    assert len({tuple(r) for r in picked}) > 200  # many different draws, not one
    dists = {d.label: d for d in P.calibrated_distributions()}
    for label in s["parameter"].values:
        d, v = dists[str(label)], s.sel(parameter=label).values
        assert v.min() >= d.low and v.max() <= d.high


def test_without_a_posterior_sample_draws_centre_on_the_calibrated_values(monkeypatch):
    monkeypatch.setattr(P, "calibrated_posterior", lambda path=None: None)
    dists = {d.label: d for d in P.calibrated_distributions()}
    s = P.sample_parameters(4000, 1)
    for label in s["parameter"].values:
        d, v = dists[str(label)], s.sel(parameter=label).values
        assert v.min() >= d.low and v.max() <= d.high
        if (
            d.kind == "normal" and min(d.mean - d.low, d.high - d.mean) > 4 * d.std
        ):  # hardly truncated
            assert abs(np.median(v) - d.mean) < 0.1 * d.std


def test_priors_override_one_parameter_and_leave_the_others(tmp_path):
    path = tmp_path / "priors.yaml"
    # both calibrated (columns of the sample), so the set of parameters, and with it the
    # stream of draws, stays the same; a prior for a fixed constant adds a column
    path.write_text(
        "rolling_stock_war_loss: {dist: uniform, low: 0.5, high: 0.6}\n"
        "famine_mortality: {dist: triangular, low: 0.1, mode: 0.2, high: 0.4}\n"
    )
    base, withp = P.sample_parameters(300, 5), P.sample_parameters(300, 5, priors=path)
    v = withp.sel(parameter="rolling_stock_war_loss").values
    assert v.min() >= 0.5 and v.max() <= 0.6
    others = [
        p
        for p in base["parameter"].values
        if p not in ("rolling_stock_war_loss", "famine_mortality")
    ]
    assert np.array_equal(base.sel(parameter=others).values, withp.sel(parameter=others).values)
    assert "uniform(0.5, 0.6)" in str(
        withp["distribution"].sel(parameter="rolling_stock_war_loss").values
    )


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("war_loss_heavy: {dist: beta}\n", 1, "unknown dist"),
        (
            "war_loss_heavy: {dist: uniform, low: 0.5, high: 0.6}\nnot_a_param: {dist: uniform}\n",
            2,
            "not_a_param",
        ),
        ("famine_mortality:\n  dist: normal\n  mean: 0.3\n  std: -1\n", 4, "std must be positive"),
        (
            "war_loss_heavy: {dist: uniform, low: 0.0, high: 0.5}\n",
            1,
            "outside the parameter's bounds",
        ),
        ("war_loss_heavy: {dist: uniform, low: x}\n", 1, "must be a number"),
        ("war_loss_heavy: [1, 2\n", None, "malformed YAML"),
    ],
)
def test_bad_priors_file_is_one_error_with_file_and_line(tmp_path, text, line, words):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    with pytest.raises(KazindError) as err:
        P.sample_parameters(5, 0, priors=path)
    msg = str(err.value)
    assert "\n" not in msg and words in msg and str(path) in msg
    if line is not None:
        assert msg.startswith(f"{path}:{line}:")


# ---------------------------------------------------------------- running


def test_same_seed_same_ensemble_different_seed_different(historical, one_batch):
    _equal(one_batch, E.run_ensemble(historical, N, seed=11, batch_size=N))
    other = E.run_ensemble(historical, N, seed=12, batch_size=N)
    assert not np.array_equal(
        one_batch["industrial_output_index"].values, other["industrial_output_index"].values
    )


@pytest.mark.parametrize("batch_size", [1, 7, 50])
def test_results_do_not_depend_on_the_batch_size(historical, one_batch, batch_size):
    n = N if batch_size > 1 else 15
    many = E.run_ensemble(historical, n, seed=11, batch_size=batch_size)
    _equal(one_batch.isel(run=slice(0, n)), many)


def test_dask_cluster_gives_the_same_results_to_the_bit(historical, one_batch):
    from distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        on_dask = E.run_ensemble(historical, N, seed=11, batch_size=25, scheduler=client)
    _equal(one_batch, on_dask)


def test_ensemble_dataset_has_the_draws_and_attributes(one_batch):
    ds = one_batch
    assert ds["industrial_output_index"].dims == ("run", "time")
    assert ds["sample"].dims == ("run", "parameter")
    assert ds.attrs["seed"] == 11 and ds.attrs["N"] == N and ds.attrs["scenario"] == "historical"
    assert len(ds.attrs["parameters"]) == ds.sizes["parameter"]
    # the draws are what the engine ran: run 3 alone with its draw gives the same output
    target = batches.resolve_target("historical")
    labels = list(ds["parameter"].values)
    job = batches.make_job(target.spec, labels, ["industrial_output_index"])
    alone = batches.run_batch(job, ds["sample"].values[3:4])
    assert np.array_equal(
        alone.arrays["industrial_output_index"][0], ds["industrial_output_index"].values[3]
    )


def test_failed_runs_are_nan_and_marked(historical, monkeypatch):
    real = batches._engine_run

    def failing(job, values):  # a run with the marked draw "fails"
        if (values[:, 0] == 0.9555).any():
            from kazind.engine import SimulationError

            raise SimulationError("synthetic failure")
        return real(job, values)

    monkeypatch.setattr(batches, "_engine_run", failing)
    sample = P.sample_parameters(40, 2)
    sample.values[[5, 17], 0] = 0.9555
    ds = E.run_ensemble(historical, 40, seed=2, batch_size=40, sample=sample)
    assert list(np.flatnonzero(ds["failed"].values)) == [5, 17]
    assert np.isnan(ds["workers_total"].values[[5, 17]]).all()
    assert np.isfinite(ds["workers_total"].values[~ds["failed"].values]).all()
    assert ds.attrs["failed_runs"] == 2


def test_a_scenario_keeps_the_parameters_it_sets(tmp_path):
    # The shipped scenarios move levers, which are not calibrated; a scenario that sets a
    # calibrated parameter from the model's first year keeps its value in every draw. From
    # a later year the parameter stays drawn (it is history's before the start) and the
    # scenario's value holds after it (tests/test_scenarios.py checks the paths).
    for starts, fixed in ((1913, True), (1926, False)):
        path = tmp_path / f"fixed-mortality-{starts}.yaml"
        path.write_text(
            f"name: fixed-mortality-{starts}\nbase: historical\nstarts: {starts}\n"
            "parameters:\n  famine_mortality: 0.3\n",
            encoding="utf-8",
        )
        ds = E.run_ensemble(str(path), 10, seed=1, batch_size=10)
        assert ("famine_mortality" in ds.attrs["fixed_by_scenario"]) is fixed, starts


def test_fan_quantiles_are_ordered(one_batch):
    for var in ("industrial_output_index", "workers_total", "urban_share"):
        q = S.fan_quantiles(one_batch, var).values  # (quantile, time)
        assert np.all(np.diff(q, axis=0) >= 0)


def test_probability_against_itself_is_a_half_and_is_antisymmetric(historical, one_batch):
    for o in OUTCOMES:
        assert S.probability_better(one_batch, one_batch, o.name) == 0.5
    other = E.run_ensemble("integrated-development", N, seed=11, batch_size=N)
    for o in OUTCOMES:
        for higher in (True, False):
            p_ab = S.probability_better(other, one_batch, o.name, higher)
            p_ba = S.probability_better(one_batch, other, o.name, higher)
            assert p_ab + p_ba == pytest.approx(1.0, abs=1e-12)
    # a direction flips the answer
    o = outcome("processing_share_1940")
    assert S.probability_better(other, one_batch, o, True) == pytest.approx(
        1 - S.probability_better(other, one_batch, o, False)
    )
    rows = S.probability_table(other, one_batch)
    assert [r["outcome"] for r in rows] == [o.name for o in OUTCOMES]


def test_probability_needs_paired_draws(one_batch, historical):
    other = E.run_ensemble(historical, N, seed=99, batch_size=N)
    with pytest.raises(KazindError, match="same draws"):
        S.probability_better(one_batch, other, "workers_1940")


def test_an_outcome_of_an_ensemble_is_the_outcome_of_each_run_alone(one_batch):
    """One Outcome reads a whole ensemble (a run dimension) and one run (none) alike."""
    run = one_batch.isel(run=7)
    for o in OUTCOMES:
        assert o.values(one_batch).shape == (N,)
        assert o.values(one_batch)[7] == pytest.approx(o.value(run), rel=1e-12)


def test_netcdf_round_trip_with_attributes(tmp_path, one_batch):
    path = write_netcdf(one_batch, tmp_path / "e.nc")
    back = xr.open_dataset(path, engine="netcdf4")
    for key in ("scenario", "method", "seed", "N", "parameters", "kazind_version", "date"):
        assert key in back.attrs
    assert np.array_equal(back["workers_total"].values, one_batch["workers_total"].values)
    assert np.array_equal(back["sample"].values, one_batch["sample"].values)
    back.close()


# ---------------------------------------------------------------- command line


def test_cli_writes_netcdf_charts_and_probability_table(monkeypatch, capsys, tmp_path):
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        ["analysis"],
        "ensemble",
        "historical",
        "integrated-development",
        "--runs",
        "30",
        "--seed",
        "4",
        "--batch-size",
        "16",
        "--out",
        str(tmp_path),
    )
    assert code == 0, err
    names = {p.name for p in tmp_path.iterdir()}
    for name in (
        "ensemble-historical.nc",
        "ensemble-integrated-development.nc",
        "fan-historical.html",
        "fan-historical.png",
        "fan.html",
        "fan.png",
        "probability-integrated-development-vs-historical.csv",
    ):
        assert name in names
    ds = xr.open_dataset(tmp_path / "ensemble-historical.nc", engine="netcdf4")
    assert ds.attrs["seed"] == 4 and ds.attrs["N"] == 30 and ds.attrs["scenario"] == "historical"
    assert ds.sizes["run"] == 30
    ds.close()
    assert (tmp_path / "fan.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<script" in (tmp_path / "fan.html").read_text()[:4_000_000]
    rows = (
        (tmp_path / "probability-integrated-development-vs-historical.csv").read_text().splitlines()
    )
    assert rows[0].startswith("outcome,") and len(rows) == 1 + len(OUTCOMES)
    assert "paired draws" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["historical", "--runs", "0"], "--runs must be at least 1"),
        (["historical", "--runs", "-3"], "--runs must be at least 1"),
        (["historical"], "--runs N is required"),
        (["historical", "--runs", "5", "--workers", "2", "--scheduler", "tcp://x:1"], "not both"),
        (["nonexistent-scenario", "--runs", "5"], "nonexistent-scenario"),
        (["historical", "--runs", "5", "--scheduler", "tcp://127.0.0.1:9"], "tcp://127.0.0.1:9"),
        (["historical", "--runs", "five"], "--runs"),
    ],
)
def test_cli_mistakes_are_one_line(monkeypatch, capsys, tmp_path, args, words):
    code, out, err = run_cli(
        monkeypatch, capsys, ["analysis"], "ensemble", *args, "--out", str(tmp_path / "o")
    )
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kazind: error:") and words in lines[0], err


def test_cli_bad_priors_names_file_and_line(monkeypatch, capsys, tmp_path):
    path = tmp_path / "priors.yaml"
    path.write_text(
        "war_loss_heavy: {dist: uniform, low: 0.5, high: 0.6}\nfamine_mortality: {dist: cauchy}\n"
    )
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        ["analysis"],
        "ensemble",
        "historical",
        "--runs",
        "5",
        "--priors",
        str(path),
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert f"{path}:2:" in err and "cauchy" in err
