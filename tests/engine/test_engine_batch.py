"""Batches: run i of a batch equals the same run alone; the Dataset's shape and metadata."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from kazind.engine import compile_model
from kazind.engine.examples import all_builtins, arrayed_chain, exponential_growth, smooth_and_delay

B = 7


def _rng():
    return np.random.default_rng(12345)


def _batches():
    rng = _rng()
    return [
        (
            arrayed_chain(),
            {
                "invest_rate": rng.uniform(0.01, 0.4, B),
                "share": rng.uniform(0.1, 0.9, (B, 3)),
                "lifetime": rng.uniform(10, 40, (B, 2)),
                "lag": 1.5,
            },
            None,
        ),
        (
            smooth_and_delay(),
            {"tau": rng.uniform(0.5, 10, B), "height": rng.uniform(-5, 5, B)},
            None,
        ),
        (
            all_builtins(),
            {"a": rng.uniform(-3, 3, B), "b": rng.uniform(-3, 3, B)},
            {"price": ([0.0, 5.0, 10.0], rng.uniform(0, 4, (B, 3)))},
        ),
    ]


def _alone(params, series, i):
    p = {k: (v[i] if isinstance(v, np.ndarray) else v) for k, v in params.items()}
    s = {k: (t, v[i]) for k, (t, v) in (series or {}).items()}
    return p, s


@pytest.mark.parametrize("case", range(3))
def test_run_in_batch_equals_run_alone_to_the_bit(case):
    spec, params, series = _batches()[case]
    model = compile_model(spec)
    batch = model.run(params=params, series=series, backend="numpy")
    assert batch.sizes["run"] == B
    for i in range(B):
        p, s = _alone(params, series, i)
        alone = model.run(params=p, series=s, backend="numpy")
        for var in batch.data_vars:
            assert np.array_equal(batch[var].values[i], alone[var].values[0]), (var, i)


@pytest.mark.parametrize("case", range(3))
def test_scalar_backend_agrees_with_numpy(case):
    spec, params, series = _batches()[case]
    model = compile_model(spec)
    batch = model.run(params=params, series=series, backend="numpy")
    for i in (0, B - 1):
        p, s = _alone(params, series, i)
        alone = model.run(params=p, series=s, backend="scalar")
        for var in batch.data_vars:
            np.testing.assert_allclose(
                alone[var].values[0], batch[var].values[i], rtol=1e-12, atol=1e-300
            )
    looped = model.run(params=params, series=series, backend="scalar")
    for var in batch.data_vars:
        np.testing.assert_allclose(looped[var].values, batch[var].values, rtol=1e-12, atol=1e-300)


def test_rk4_batch_equals_alone():
    model = compile_model(exponential_growth())
    rates = np.linspace(-0.05, 0.05, 5)
    batch = model.run(params={"growth_rate": rates}, method="rk4")
    for i, r in enumerate(rates):
        alone = model.run(params={"growth_rate": float(r)}, method="rk4", backend="numpy")
        assert np.array_equal(batch.population.values[i], alone.population.values[0])


def test_dataset_dims_coords_attrs_and_params():
    spec = arrayed_chain()
    model = compile_model(spec)
    share = np.array([[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]])
    ds = model.run(
        params={"invest_rate": np.array([0.05, 0.1]), "share": share, "lag": 3.0},
        outputs=["capacity", "total_investment", "share"],
        save_step=1.0,
    )
    assert set(ds.data_vars) == {"capacity", "total_investment", "share"}
    assert ds.capacity.dims == ("run", "time", "region", "sector")
    assert ds.total_investment.dims == ("run", "time")
    assert list(ds.run.values) == [0, 1]
    assert ds.time.values[0] == 1913.0 and ds.time.values[-1] == 1940.0
    assert len(ds.time) == 28
    assert list(ds.region.values) == ["north", "south", "east"]
    assert list(ds.sector.values) == ["coal", "metal"]
    assert ds.capacity.attrs["units"] == "Mt"
    assert ds.capacity.attrs["description"] == spec.variable("capacity").description
    assert list(ds.param_invest_rate.values) == [0.05, 0.1]
    assert ds.param_invest_rate.dims == ("run",)
    assert ds.param_share.dims == ("run", "region")
    assert np.array_equal(ds.param_share.values, share)
    assert list(ds.param_lag.values) == [3.0, 3.0]
    assert np.array_equal(ds.share.values[:, 0], share)
    assert ds.attrs == {"model": "arrayed_chain", "method": "euler", "dt": 0.25}


def test_time_overrides():
    model = compile_model(exponential_growth())
    ds = model.run(dt=0.5, save_step=2.0)
    assert list(ds.time.values) == [float(v) for v in range(0, 21, 2)]
    assert ds.attrs["dt"] == 0.5


@pytest.mark.parametrize("name", ["arrayed_chain", "smooth_and_delay"])
def test_rk4_backends_agree_with_hidden_stocks(name):
    spec = arrayed_chain() if name == "arrayed_chain" else smooth_and_delay()
    model = compile_model(spec)
    # leaving out the delay_fixed output drops the pipeline, so RK4 is allowed
    outputs = [v.name for v in spec.variables if v.kind in ("stock", "aux") and v.name != "shifted"]
    a = model.run(method="rk4", outputs=outputs, backend="numpy")
    b = model.run(method="rk4", outputs=outputs, backend="scalar")
    for var in outputs:
        np.testing.assert_allclose(a[var].values, b[var].values, rtol=1e-12, atol=1e-300)


def test_chunks_equal_one_call_and_statistics_are_exact():
    spec, params, series = _batches()[0]
    model = compile_model(spec)
    whole = model.run(params=params, series=series, backend="numpy")
    chunks = list(model.run_chunks(params, series, chunk_size=3, backend="numpy"))
    assert [c.sizes["run"] for c in chunks] == [3, 3, 1]
    joined = xr.concat(chunks, dim="run")
    for var in whole.data_vars:
        assert np.array_equal(joined[var].values, whole[var].values)
    assert joined["run"].values.tolist() == list(range(B))
    stats = model.run_statistics(params, series, chunk_size=2, backend="numpy")
    assert stats.attrs["runs"] == B
    for var in whole.data_vars:
        values = whole[var].values
        np.testing.assert_allclose(
            stats[var].sel(statistic="mean").values, values.mean(0), rtol=1e-13
        )
        np.testing.assert_allclose(
            stats[var].sel(statistic="std").values, values.std(0, ddof=1), rtol=1e-9, atol=1e-12
        )
        assert np.array_equal(stats[var].sel(statistic="min").values, values.min(0))
        assert np.array_equal(stats[var].sel(statistic="max").values, values.max(0))
