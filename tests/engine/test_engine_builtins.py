"""The table of built-ins: every row complete, and a new built-in added by one row works
end to end (parse, units, lowering, run on every backend, Vensim and XMILE export)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from kazind.engine import (
    Constant,
    EngineError,
    Flow,
    ModelSpec,
    Stock,
    TimeSettings,
    builtins,
    compile_model,
    to_vensim,
    to_xmile,
)
from kazind.engine import expr as E
from kazind.engine.examples import all_examples
from kazind.engine.lower import STATEFUL_RULES


@pytest.mark.parametrize("name", sorted(builtins.TABLE))
def test_every_row_is_complete(name):
    row = builtins.TABLE[name]
    assert row.name == name
    assert row.problems() == []
    if row.kind == "stateful":
        assert row.lowering in STATEFUL_RULES


def test_the_examples_call_every_builtin():
    used = set()
    for build in all_examples().values():
        spec = build()
        for var in spec.variables:
            texts = []
            for field in ("equation", "initial"):
                value = getattr(var, field, None)
                texts += list(value.values()) if isinstance(value, dict) else [value]
            for text in texts:
                if isinstance(text, str):
                    used |= {n.func for n in E.walk(E.parse(text)) if isinstance(n, E.Call)}
    assert set(builtins.TABLE) <= used


def test_an_incomplete_row_is_reported():
    row = builtins.Builtin(
        name="half",
        arity=(1, 1),
        kind="pure",
        units=builtins.same_unit,
        vensim="HALF",
        xmile=None,
        doc="",
        numpy="{0} * 0.5",
        scalar=None,
    )
    problems = row.problems()
    assert "no scalar code" in problems and "no xmile name" in problems and "no doc" in problems


def _tanh_table():
    table = dict(builtins.TABLE)
    table["tanh"] = builtins.Builtin(
        name="tanh",
        arity=(1, 1),
        kind="pure",
        numpy=np.tanh,
        scalar="math.tanh({0})",
        units=builtins.dimensionless_argument,
        vensim="TANH",
        xmile="TANH",
        doc="hyperbolic tangent (x dimensionless)",
    )
    return table


def _tanh_model():
    return ModelSpec(
        name="tanh_model",
        time=TimeSettings(start=0.0, stop=4.0, dt=0.25),
        variables=[
            Constant(name="k", value=0.7),
            Stock(name="level", unit="t", initial=1.0, inflows=["growth"]),
            Flow(name="growth", unit="t/year", equation="tanh(k * time / one_year) * rate"),
            Constant(name="rate", unit="t/year", value=2.0),
            Constant(name="one_year", unit="year", value=1.0),
        ],
    )


def test_a_new_builtin_is_one_row(monkeypatch, tmp_path):
    with pytest.raises(EngineError, match="unknown function 'tanh'"):
        compile_model(_tanh_model())
    monkeypatch.setattr(builtins, "TABLE", _tanh_table())
    spec = _tanh_model()
    model = compile_model(spec)
    k = np.array([0.3, 0.7, 1.1])
    expected = np.empty((3, 17))
    for i, kv in enumerate(k):
        level, t = 1.0, 0.0
        for j in range(17):
            expected[i, j] = level
            level += 0.25 * math.tanh(kv * t) * 2.0
            t = (j + 1) * 0.25
    from kazind.engine import fused

    for backend in ("numpy", "scalar") + (("fused",) if fused.available() else ()):
        ds = model.run(params={"k": k}, backend=backend)
        np.testing.assert_allclose(ds["level"].values, expected, rtol=1e-13)
    # units: the argument must be dimensionless
    bad = _tanh_model().model_copy(deep=True)
    bad.variables[2].equation = "tanh(time) * rate"
    with pytest.raises(EngineError, match="unit mismatch"):
        compile_model(ModelSpec(**bad.model_dump()))
    # export: Vensim and XMILE spell it by the row's names, and PySD runs the .mdl
    mdl = to_vensim(spec)
    assert "TANH(" in mdl
    assert "<eqn>TANH(" in to_xmile(spec)
    pysd = pytest.importorskip("pysd")
    path = tmp_path / "tanh.mdl"
    path.write_text(mdl)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = pysd.read_vensim(str(path)).run(params={"k": 0.7}, return_columns=["level"])
    np.testing.assert_allclose(out["level"].values, expected[1], rtol=1e-9)
