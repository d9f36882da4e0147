"""Parameter labels: parsing, resolving with "did you mean", with_values, engine_params."""

from __future__ import annotations

import numpy as np
import pytest

from kazind.engine import EngineError, compile_model
from kazind.engine.examples import arrayed_chain, exponential_growth
from kazind.engine.params import engine_params, parse_label, resolve, with_values


def test_parse_label():
    assert parse_label("share[north]") == ("share", "north")
    assert parse_label(" rate ") == ("rate", None)
    assert parse_label("share[*]") == ("share", "*")
    for bad in ("share[", "a b", "x[1]", "", "share[north][south]"):
        with pytest.raises(EngineError, match="is not NAME or NAME"):
            parse_label(bad)


def test_resolve_names_the_nearest():
    spec = arrayed_chain()
    assert str(resolve(spec, "share[north]")) == "share[north]"
    with pytest.raises(EngineError, match=r"'shares' is unknown \(did you mean 'share'"):
        resolve(spec, "shares")
    with pytest.raises(
        EngineError, match=r"'nrth' is not an element of 'region' \(did you mean 'north'"
    ):
        resolve(spec, "share[nrth]")
    with pytest.raises(EngineError, match="is not a constant"):
        resolve(spec, "capacity")
    with pytest.raises(EngineError, match="is not arrayed"):
        resolve(spec, "lag[north]")


def test_with_values():
    spec = arrayed_chain()
    new = with_values(spec, {"share[*]": 0.2, "share[north]": 0.6, "lag": 3.0})
    assert new.variable("share").value == {"north": 0.6, "south": 0.2, "east": 0.2}
    assert new.variable("lag").value == 3.0
    assert spec.variable("lag").value == 2.0  # the original is unchanged
    whole = with_values(spec, {"lifetime": {"metal": 25.0}})
    assert whole.variable("lifetime").value == {"coal": 30.0, "metal": 25.0}
    with pytest.raises(EngineError, match="outside bounds"):
        with_values(spec, {"share[east]": 2.0})
    with pytest.raises(EngineError, match="not finite"):
        with_values(spec, {"lag": float("nan")})
    with pytest.raises(EngineError, match="not a number"):
        with_values(spec, {"lag": "soon"})


def test_engine_params_and_labels_in_run():
    spec = arrayed_chain()
    matrix = np.array([[0.1, 0.5, 0.05], [0.2, 0.7, 0.1]])
    params = engine_params(spec, ["share[*]", "share[north]", "invest_rate"], matrix)
    np.testing.assert_array_equal(params["share"], [[0.5, 0.1, 0.1], [0.7, 0.2, 0.2]])
    np.testing.assert_array_equal(params["invest_rate"], [0.05, 0.1])
    model = compile_model(spec)
    by_matrix = model.run(params=params, backend="numpy")
    by_label = model.run(
        params={
            "share[*]": matrix[:, 0],
            "share[north]": matrix[:, 1],
            "invest_rate": matrix[:, 2],
        },
        backend="numpy",
    )
    assert np.array_equal(by_matrix["capacity"].values, by_label["capacity"].values)
    with pytest.raises(EngineError, match=r"\(B, 1\) matrix"):
        engine_params(exponential_growth(), ["growth_rate"], np.zeros((3, 2)))
