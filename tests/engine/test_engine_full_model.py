"""The fused backend on the full Kazakhstan model: equal to the numpy backend (issue 14).

The engine knows nothing of Kazakhstan; this test only uses the model as the largest
model kazind has, built by ``kazind.model.build_spec()``.
"""

from __future__ import annotations

import numpy as np
import pytest
from _compare import assert_same_runs

from kazind.engine import compile_model, fused

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not fused.available(), reason="numba is not installed"),
]


def test_full_model_fused_equals_numpy():
    from kazind.model import build_spec

    spec = build_spec()
    model = compile_model(spec)
    rng = np.random.default_rng(3)
    params = {}
    for var in spec.constants():
        if var.bounds is None or var.dims:
            continue
        low, high = var.bounds
        value = float(var.value)
        span = min(high - low, abs(value) * 0.2 or 0.1)
        params[var.name] = np.clip(value + rng.uniform(-0.5, 0.5, 6) * span, low, high)
        if len(params) == 12:
            break
    reference = model.run(params=params, backend="numpy")
    assert_same_runs(reference, model.run(params=params, backend="fused"))
    assert_same_runs(model.run(backend="numpy"), model.run(backend="fused"))
    # the explorer's and the ensembles' kind of call: a subset of outputs, save step dt
    names = [v.name for v in spec.stocks()][:5]
    kw = {"outputs": names, "save_step": spec.time.dt}
    assert_same_runs(model.run(backend="numpy", **kw), model.run(backend="fused", **kw))
