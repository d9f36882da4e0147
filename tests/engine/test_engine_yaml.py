"""Models in YAML: equal to the same model built in Python; errors name file and line."""

from __future__ import annotations

import pytest

from kazind.engine import EngineError, load_model, model_from_dict
from kazind.engine.examples import all_examples, arrayed_chain
from kazind.engine.loader import dump_model, loads_model

GROWTH_YAML = """\
name: exponential_growth
description: Exponential growth of one stock.
time:
  start: 0
  stop: 20
  dt: 0.25
variables:
  - name: population
    kind: stock
    unit: person
    initial: initial_population
    inflows: [births]
    non_negative: true
  - name: births
    kind: flow
    unit: person/year
    equation: population * growth_rate
  - name: growth_rate
    kind: constant
    unit: 1/year
    value: 0.03
    bounds: [-1, 1]
  - name: initial_population
    kind: constant
    unit: person
    value: 100
"""


def test_yaml_equals_python(tmp_path):
    path = tmp_path / "growth.yaml"
    path.write_text(GROWTH_YAML)
    assert load_model(path) == all_examples()["exponential_growth"]()


@pytest.mark.parametrize("name", sorted(all_examples()))
def test_dump_and_load_round_trip(tmp_path, name):
    spec = all_examples()[name]()
    path = tmp_path / f"{name}.yaml"
    dump_model(spec, path)
    assert load_model(path) == spec


def test_model_from_dict():
    spec = arrayed_chain()
    assert model_from_dict(spec.model_dump(mode="json")) == spec


def _error(text: str) -> EngineError:
    with pytest.raises(EngineError) as info:
        loads_model(text, "models/m.yaml")
    return info.value


def test_malformed_yaml_names_file_and_line():
    err = _error("name: m\ntime: {start: 0, stop: 1}\nvariables:\n  - name: a\n    kind: [aux\n")
    assert err.file == "models/m.yaml" and err.line == 6
    assert str(err).startswith("models/m.yaml:6: malformed YAML")


def test_unknown_key_names_file_and_line():
    text = GROWTH_YAML.replace("    value: 0.03\n", "    value: 0.03\n    colour: red\n")
    err = _error(text)
    assert err.line == 22 and "unknown key 'colour'" in str(err)
    assert "variable 'growth_rate'" in str(err)
    assert str(err).startswith("models/m.yaml:22:")


def test_unknown_variable_kind_names_file_and_line():
    err = _error(GROWTH_YAML.replace("kind: flow", "kind: flux"))
    assert err.line == 15 and "unknown variable kind 'flux'" in str(err)
    assert str(err).startswith("models/m.yaml:15:")


def test_structural_error_names_the_variable_line():
    err = _error(GROWTH_YAML.replace("inflows: [births]", "inflows: [birth]"))
    assert err.line == 8 and "variable 'population'" in str(err) and "'birth'" in str(err)


def test_missing_file(tmp_path):
    with pytest.raises(EngineError, match="file not found"):
        load_model(tmp_path / "nope.yaml")


def test_not_a_mapping():
    with pytest.raises(EngineError, match="mapping"):
        loads_model("- 1\n- 2\n", "m.yaml")


def test_equation_errors_name_file_and_line():
    err = _error(GROWTH_YAML.replace("population * growth_rate", "populaton * growth_rate"))
    assert str(err).startswith("models/m.yaml:17: variable 'births'")
    assert "did you mean 'population'" in str(err)
    err = _error(GROWTH_YAML.replace("unit: person/year", "unit: person"))
    assert 8 <= err.line <= 13 and "variable 'population'" in str(err)
    assert "unit mismatch: flow 'births'" in str(err)


def test_check_can_be_skipped():
    text = GROWTH_YAML.replace("population * growth_rate", "populaton * growth_rate")
    assert loads_model(text, "m.yaml", check=False).variable("births").equation.startswith("popu")
