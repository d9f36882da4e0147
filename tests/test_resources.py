"""Requests that will not fit are refused before allocating, with the estimate and advice;
ensembles larger than memory stream to disk and give the same numbers."""

from __future__ import annotations

import time

import numpy as np
import pytest
import xarray as xr

from kazind.analysis import batches
from kazind.analysis import ensemble as E
from kazind.analysis import priors as P
from kazind.analysis import summaries as S
from kazind.analysis.sensitivity import sensitivity
from kazind.common.checks import check_count, check_seed
from kazind.common.errors import KazindError
from kazind.common.resources import available_memory, format_bytes, parse_size, require_memory
from kazind.scenarios.loader import calibrated_spec
from kazind.scenarios.run import check_run_fits, run_memory


def _refused_fast(fn, *args, words=(), **kwargs) -> str:
    started = time.perf_counter()
    with pytest.raises(KazindError) as err:
        fn(*args, **kwargs)
    assert time.perf_counter() - started < 10
    message = str(err.value)
    assert "\n" not in message
    for w in words:
        assert w in message, message
    return message


def test_sizes_and_the_limit_from_the_environment(monkeypatch):
    assert parse_size("4GiB") == 4 * 2**30 and parse_size("500 MB") == 500_000_000
    with pytest.raises(KazindError):
        parse_size("lots")
    monkeypatch.setenv("KAZIND_MEMORY_LIMIT", "1GiB")
    assert available_memory() <= 2**30
    assert format_bytes(410 * 2**30) == "410 GiB"
    _refused_fast(require_memory, 2**40, "a test", "do less", words=("1 TiB", "do less"))


def test_a_run_with_a_tiny_dt_is_refused_with_the_estimate():
    spec = calibrated_spec()
    # the estimate grows with the steps: 1e-9 of a year is 28 billion of them
    assert run_memory(spec, dt=1e-9) > 1e13 > run_memory(spec, dt=0.25)
    _refused_fast(check_run_fits, "historical", dt=1e-9, words=("28,000,000,000 steps", "--dt"))
    check_run_fits("historical", dt=1 / 48)  # fits


def test_huge_ensembles_and_analyses_are_refused_before_allocating():
    _refused_fast(E.run_ensemble, "historical", 10**9, words=("1,000,000,000", "memory"))
    _refused_fast(P.sample_parameters, 10**9, 0, words=("draws", "memory"))
    _refused_fast(sensitivity, "historical", "sobol", 10**9, words=("sobol", "fewer --samples"))
    _refused_fast(sensitivity, "historical", "morris", 10**9, words=("morris",))


def test_a_streamed_ensemble_that_will_not_fit_on_disk_is_refused(tmp_path):
    _refused_fast(
        E.stream_ensemble, "historical", 10**10, 0, tmp_path / "e.nc", words=("disk", "--runs")
    )
    assert not (tmp_path / "e.nc").exists()


@pytest.mark.parametrize("bad", [10**22, -1, 2**63, True, 1.5])
def test_seeds_and_counts_are_checked_once(bad):
    with pytest.raises(KazindError):
        check_seed(bad)
    assert check_seed(2**63 - 1) == 2**63 - 1
    with pytest.raises(KazindError, match="at most"):
        check_count("--runs", 10**400)
    with pytest.raises(KazindError):
        P.sample_parameters(5, bad)


# ---------------------------------------------------------------- streaming


def test_draws_made_by_rows_are_the_same_bits_as_all_at_once():
    whole = P.sample_parameters(500, 7)
    sampler = P.Sampler(7)
    for a, b in ((0, 1), (137, 402), (499, 500)):
        assert np.array_equal(sampler.rows(a, b), whole.values[a:b])


def test_a_streamed_ensemble_equals_the_one_in_memory_to_the_bit(tmp_path):
    in_memory = E.run_ensemble("historical", 70, seed=5, batch_size=70)
    streamed = E.stream_ensemble("historical", 70, 5, tmp_path / "e.nc", batch_size=16)
    try:
        for name in in_memory.data_vars:
            assert np.array_equal(in_memory[name].values, streamed[name].values, equal_nan=True), (
                name
            )
        assert np.array_equal(in_memory["sample"].values, streamed["sample"].values)
        assert list(in_memory["distribution"].values) == list(streamed["distribution"].values)
        for var in ("workers_total", "urban_share"):
            xr.testing.assert_equal(S.fan_quantiles(in_memory, var), S.fan_quantiles(streamed, var))
        assert S.probability_better(streamed, in_memory, "workers_1940") == 0.5
        for key in ("scenario", "seed", "N", "parameters", "failed_runs"):
            assert np.all(streamed.attrs[key] == in_memory.attrs[key]), key
    finally:
        streamed.close()


def test_fan_quantiles_are_those_of_xarray(tmp_path):
    ens = E.run_ensemble("historical", 40, seed=3, batch_size=40)
    ens["failed"][[4, 9]] = True
    for var in ("industrial_output_index", "famine_deaths"):
        expected = (
            ens[var].where(~ens["failed"]).quantile(list(S.QUANTILES), dim="run", skipna=True)
        )
        np.testing.assert_array_equal(S.fan_quantiles(ens, var).values, expected.values)


def test_failed_runs_keep_their_reasons(monkeypatch, tmp_path):
    real = batches._engine_run

    def failing(job, values):
        if (values[:, 0] == 0.9555).any():
            from kazind.engine import SimulationError

            rows = [int(i) for i in np.flatnonzero(values[:, 0] == 0.9555)]
            raise SimulationError(f"synthetic failure of row {rows[0]} in a batch of {len(values)}")
        return real(job, values)

    monkeypatch.setattr(batches, "_engine_run", failing)
    sample = P.sample_parameters(30, 2)
    sample.values[[5, 17], 0] = 0.9555
    ds = E.run_ensemble("historical", 30, seed=2, batch_size=30, sample=sample)
    assert list(ds["failure_run"].values) == [5, 17]
    assert all(
        "synthetic failure" in str(r) and "batch of 1" in str(r)
        for r in ds["failure_reason"].values
    )
    assert ds.attrs["failed_runs"] == 2


def test_a_normal_prior_with_a_huge_std_is_flat_not_its_mean(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("famine_mortality: {dist: normal, mean: 0.3, std: 1.0e+20}\n")
    s = P.sample_parameters(2000, 1, priors=path)
    v = s.sel(parameter="famine_mortality").values
    d = {d.label: d for d in P.distributions(path)}["famine_mortality"]
    assert d.flat and "flat" in d.describe()
    assert np.ptp(v) > 0.9 * (d.high - d.low)  # spread over the range, not all at 0.3
    assert abs(np.mean(v) - (d.low + d.high) / 2) < 0.05 * (d.high - d.low)


def test_an_ensemble_larger_than_memory_streams_to_disk(monkeypatch, tmp_path):
    """With memory for a few batches only, holding the runs is refused; streaming works."""
    spec_outputs = E.OUTCOME_VARIABLES
    job = batches.make_job(batches.resolve_target("historical").spec, [], spec_outputs)
    held = batches.result_memory(job, 2000) + batches.batch_memory(job, 100, 2000)
    streamed = batches.batch_memory(job, 100, 2000)
    assert streamed < held / 2
    limit = int((streamed + held) / 2 / 0.7)  # a budget between the two
    monkeypatch.setenv("KAZIND_MEMORY_LIMIT", str(limit))
    _refused_fast(
        E.run_ensemble, "historical", 2000, seed=1, batch_size=100, words=("memory", "streams")
    )
    ds = E.stream_ensemble("historical", 2000, 1, tmp_path / "big.nc", batch_size=100)
    try:
        assert ds.sizes["run"] == 2000 and not ds["failed"].values.any()
        q = S.fan_quantiles(ds, "workers_total")
        assert np.all(np.diff(q.values, axis=0) >= 0)
    finally:
        ds.close()
    monkeypatch.delenv("KAZIND_MEMORY_LIMIT")
    head = E.run_ensemble("historical", 50, seed=1, batch_size=50)
    with xr.open_dataset(tmp_path / "big.nc") as back:
        assert np.array_equal(back["workers_total"].values[:50], head["workers_total"].values)
