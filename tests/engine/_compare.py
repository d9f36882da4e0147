"""Shared helpers of the engine tests."""

from __future__ import annotations

import numpy as np
import xarray as xr

#: The fused backend must equal the numpy backend to this, relative to each variable's scale.
FUSED_RTOL = 1e-12


def assert_same_runs(reference: xr.Dataset, other: xr.Dataset, rtol: float = FUSED_RTOL) -> None:
    """Every data variable of ``other`` equals ``reference``'s within ``rtol`` of the
    value, or of the variable's largest magnitude where the value is near zero."""
    assert set(reference.data_vars) == set(other.data_vars)
    for name in reference.data_vars:
        a, b = reference[name].values, other[name].values
        assert a.shape == b.shape, name
        finite = np.isfinite(a)
        assert np.array_equal(finite, np.isfinite(b)), name
        scale = float(np.max(np.abs(a[finite]))) if finite.any() else 0.0
        np.testing.assert_allclose(b[finite], a[finite], rtol=rtol, atol=rtol * scale, err_msg=name)
