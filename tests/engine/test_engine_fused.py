"""The fused backend: equal to the numpy backend, the same errors, the kernel cache."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from _compare import assert_same_runs

from kazind.engine import (
    Constant,
    Flow,
    ModelSpec,
    SimulationError,
    Stock,
    TimeSettings,
    compile_model,
    fused,
)
from kazind.engine.examples import all_examples, arrayed_chain, smooth_and_delay

pytestmark = pytest.mark.skipif(not fused.available(), reason="numba is not installed")

B = 5


def _params(spec: ModelSpec, batch: int, seed: int = 7) -> dict:
    """Per-run values of every bounded constant within its bounds (others as they are)."""
    rng = np.random.default_rng(seed)
    out = {}
    for var in spec.constants():
        if var.bounds is None:
            continue
        low, high = var.bounds
        shape = (batch, *spec.shape(var.name))
        base = np.asarray(
            list(var.value.values()) if isinstance(var.value, dict) and var.dims else var.value,
            float,
        )
        span = min(high - low, max(abs(float(np.max(base))), 1e-3))
        out[var.name] = np.clip(base + rng.uniform(-0.3, 0.3, shape) * span, low, high)
    return out


@pytest.mark.parametrize("name", sorted(all_examples()))
@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_examples_equal_the_numpy_backend(name, method):
    spec = all_examples()[name]()
    model = compile_model(spec)
    if method == "rk4" and name == "smooth_and_delay":
        pytest.skip("delay_fixed requires euler")
    params = _params(spec, B)
    reference = model.run(params=params, method=method, backend="numpy")
    assert_same_runs(reference, model.run(params=params, method=method, backend="fused"))
    one = model.run(method=method, backend="fused")
    assert_same_runs(model.run(method=method, backend="numpy"), one)


def test_export_models_equal_the_numpy_backend():
    from test_engine_export import MODELS

    for _name, build in sorted(MODELS.items()):
        spec = build()
        model = compile_model(spec)
        params = _params(spec, 3)
        assert_same_runs(
            model.run(params=params, backend="numpy"), model.run(params=params, backend="fused")
        )


def test_outputs_series_and_save_step():
    spec = all_examples()["all_builtins"]()
    model = compile_model(spec)
    series = {"price": ([0.0, 5.0, 10.0], np.array([[1.0, 2.0, 0.5], [3.0, 1.0, 2.0]]))}
    kw = dict(outputs=["v_series", "price", "a", "accum"], series=series, save_step=0.5)
    ref = model.run(backend="numpy", **kw)
    out = model.run(backend="fused", **kw)
    assert_same_runs(ref, out)
    assert list(out.data_vars) == ["v_series", "price", "a", "accum"]


def test_run_in_batch_equals_run_alone_and_threads_agree():
    spec = arrayed_chain()
    model = compile_model(spec)
    params = _params(spec, 300)
    one = model.run(params=params, backend="fused", threads=1)
    two = model.run(params=params, backend="fused", threads=2)
    for var in one.data_vars:
        assert np.array_equal(one[var].values, two[var].values)
    alone = model.run(params={k: v[17] for k, v in params.items()}, backend="fused")
    for var in one.data_vars:
        assert np.array_equal(one[var].values[17], alone[var].values[0])


def _spec(*variables, dims=None):
    return ModelSpec(
        name="e",
        time=TimeSettings(start=0.0, stop=5.0, dt=0.5),
        dimensions=dims or {},
        variables=list(variables),
    )


def _message(model, **kw) -> str:
    with pytest.raises(SimulationError) as info:
        model.run(**kw)
    return str(info.value)


def test_nan_names_variable_time_and_run_as_numpy_does():
    from test_engine_errors import _blow_up_model

    model = compile_model(_blow_up_model())
    for kw in (
        {"params": {"k": np.array([10.0, 10.0, 2.0])}},
        {"params": {"k": np.array([10.0, 2.0])}, "outputs": ["s"]},
        {"params": {"k": 2.0}},
    ):
        msg = _message(model, backend="fused", **kw)
        assert msg == _message(model, backend="numpy", **kw)
        assert "variable 'root'" in msg or "variable 's'" in msg
    assert "at time 2.5" in msg and "run 0" in msg


def test_negative_stock_names_element_time_and_run():
    model = compile_model(
        _spec(
            Stock(name="s", unit="t", dims=["r"], initial=1.0, outflows=["o"], non_negative=True),
            Flow(name="o", unit="t/year", dims=["r"], equation="rate"),
            Constant(name="rate", unit="t/year", dims=["r"], value={"a": 0.1, "b": 0.1}),
            dims={"r": ["a", "b"]},
        )
    )
    with pytest.raises(SimulationError) as info:
        model.run(params={"rate": np.array([[0.1, 0.1], [0.1, 1.0]])}, backend="fused")
    msg = str(info.value)
    assert "variable 's'" in msg and "element b" in msg and "negative" in msg
    assert "time 1.5" in msg and "run 1" in msg


def test_auto_picks_by_the_size_of_the_call(monkeypatch):
    model = compile_model(smooth_and_delay())
    assert model.auto_backend(1) == "scalar"
    assert model.auto_backend(100) == "numpy"
    assert model.auto_backend(100_000) == "fused"
    monkeypatch.setenv("KAZIND_BACKEND", "numpy")
    assert model.auto_backend(100_000) == "numpy"


_SCRIPT = textwrap.dedent(
    """
    import numpy as np
    from kazind.engine import Constant, Flow, ModelSpec, Stock, TimeSettings, compile_model
    spec = ModelSpec(
        name="cache_probe_{tag}",
        time=TimeSettings(start=0.0, stop=3.0, dt=0.25),
        variables=[
            Stock(name="s", initial=1.0, inflows=["f"]),
            Flow(name="f", unit="1/year", equation="s * r"),
            Constant(name="r", unit="1/year", value=0.{tag}),
        ],
    )
    ds = compile_model(spec).run(params={{"r": np.array([0.1, 0.2])}}, backend="fused")
    print(repr(float(ds["s"].values[1, -1])))
    from kazind.engine import fused
    (kernel,) = fused._LOADED.values()
    print(sum(kernel.stats.cache_hits.values()))  # loaded from numba's disk cache
    """
)


def _python(script: str, cache: str):
    env = {**os.environ, "KAZIND_CACHE_DIR": cache}
    return subprocess.Popen(
        [sys.executable, "-c", script],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_second_process_compiles_nothing_and_two_may_compile_at_once(tmp_path):
    script = _SCRIPT.format(tag="31")
    first = [_python(script, str(tmp_path)) for _ in range(2)]  # at once, cold cache
    results = [p.communicate(timeout=300) for p in first]
    assert all(p.returncode == 0 for p in first), results
    values = {out.split()[0] for out, _ in results}
    assert len(values) == 1
    assert any("compiling the fused kernel" in err for _, err in results)
    again = _python(script, str(tmp_path))
    out, err = again.communicate(timeout=300)
    value, hits = out.split()
    assert again.returncode == 0 and value in values
    assert "compiling" not in err
    assert int(hits) >= 1  # the machine code came from the disk, numba compiled nothing
    assert expected_growth(0.2) == pytest.approx(float(value), rel=1e-15)


def expected_growth(r: float) -> float:
    s = 1.0
    for _ in range(12):
        s += 0.25 * s * r
    return s


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_runs_threaded_batches():
    """The explorer forks its workers after warming up: the child must not inherit the
    parent's (threadless) pool."""
    model = compile_model(arrayed_chain())
    params = _params(arrayed_chain(), 400)
    expected = model.run(params=params, backend="fused", threads=2)["capacity"].values
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if the threaded run finishes and agrees
        try:
            got = model.run(params=params, backend="fused", threads=2)["capacity"].values
            os._exit(0 if np.array_equal(got, expected) else 1)
        except BaseException:
            os._exit(2)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            return
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    pytest.fail("the forked child hung on a threaded batch")


@pytest.mark.parametrize("backend", ["numpy", "scalar", "fused"])
def test_on_failure_nan_marks_the_failed_runs_and_keeps_the_others(backend):
    from test_engine_errors import _blow_up_model

    model = compile_model(_blow_up_model())
    k = np.array([10.0, 2.0, 10.0, 2.0, 10.0])
    ds = model.run(params={"k": k}, backend=backend, on_failure="nan")
    assert ds.attrs["failed_runs"] == [1, 3]
    # the message of each failed run is the one the run alone raises
    alone = _message(model, params={"k": 2.0}, backend="numpy").replace("run 0", "run 1")
    assert ds.attrs["failure_reasons"][0] == " ".join(alone.split())
    assert np.isnan(ds["s"].values[[1, 3]]).all()
    good = model.run(params={"k": k[[0, 2, 4]]}, backend=backend)
    for var in good.data_vars:
        np.testing.assert_array_equal(ds[var].values[[0, 2, 4]], good[var].values)
    assert (
        model.run(params={"k": 10.0}, backend=backend, on_failure="nan").attrs["failed_runs"] == []
    )


def test_on_failure_is_checked():
    from kazind.engine import EngineError

    model = compile_model(arrayed_chain())
    with pytest.raises(EngineError, match="on_failure"):
        model.run(on_failure="skip")


def _scheduled(values):
    """A growth model whose rate is a constant, or (``values``) a schedule of steps."""
    from kazind.engine import TimeSeries

    if values is None:
        rate = Constant(name="r", unit="1/year", value=0.1)
    else:
        times = [0.0, 2.0 - 1e-6, 2.0, 3.5 - 1e-6, 3.5]
        rate = TimeSeries(name="r", unit="1/year", times=times, values=values)
    return _spec(
        Stock(name="s", unit="t", initial=1.0, inflows=["f"]),
        Flow(name="f", unit="t/year", equation="s * r / tau"),
        Constant(name="tau", unit="1", value=2.0),
        rate,
    )


@pytest.mark.parametrize("method", ["euler", "rk4"])
def test_a_schedule_of_a_constant_is_data_for_one_kernel(method):
    plain = compile_model(_scheduled(None))
    stepped = compile_model(_scheduled([0.1, 0.1, 0.4, 0.4, -0.2]))
    other = compile_model(_scheduled([0.3, 0.3, 0.0, 0.0, 0.5]))
    keys = {m._backend(method).key for m in (plain, stepped, other)}
    assert len(keys) == 1  # the schedule changes values, not the structure
    for model in (plain, stepped, other):
        assert_same_runs(
            model.run(method=method, backend="numpy"), model.run(method=method, backend="fused")
        )
        per_run = {"tau": np.array([1.0, 2.0, 4.0])}
        assert_same_runs(
            model.run(params=per_run, method=method, backend="numpy"),
            model.run(params=per_run, method=method, backend="fused"),
        )
    # a series given per run at the call is data too
    series = {"r": ([0.0, 1.0, 5.0], np.array([[0.1, 0.3, 0.2], [0.2, -0.1, 0.0]]))}
    assert_same_runs(
        stepped.run(series=series, method=method, backend="numpy"),
        stepped.run(series=series, method=method, backend="fused"),
    )
