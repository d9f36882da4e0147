"""Scenarios: the file format's errors (file and line), inheritance, schedules, the
shipped counterfactuals' effects, the historical scenario's fit, and the commands."""

from __future__ import annotations

import csv
import json
import re
import textwrap

import numpy as np
import pytest
import typer
import xarray as xr

import kazind.cli as cli
from kazind.common.errors import KazindError
from kazind.scenarios import (
    Scenario,
    list_scenarios,
    load_scenario,
    run_scenarios,
    scenario_spec,
)
from kazind.scenarios.apply import STEP_EPSILON
from kazind.scenarios.outcomes import OUTCOMES, OUTPUTS, outcome_table

SHIPPED = [
    "historical",
    "raw-material-base",
    "integrated-development",
    "no-forced-collectivization",
]


def _write(folder, name, text):
    path = folder / f"{name}.yaml"
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def _main(argv):
    saved = cli.COMMAND_MODULES, cli.app
    cli.COMMAND_MODULES = ["run", "scenarios"]
    cli.app = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
    cli.app.callback()(lambda: None)
    try:
        cli.main(argv)
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    finally:
        cli.COMMAND_MODULES, cli.app = saved


# -- validation ------------------------------------------------------------------------

BAD = [
    ("unknown-key", "name: unknown-key\nparameter: {}\n", 2, "did you mean 'parameters'"),
    (
        "unknown-param",
        "name: unknown-param\nparameters:\n  processing_priorty: 2\n",
        3,
        "did you mean 'processing_priority'",
    ),
    ("not-constant", "name: not-constant\nparameters:\n  workers_total: 2\n", 3, "not a constant"),
    (
        "out-of-bounds",
        "name: out-of-bounds\nparameters:\n  processing_priority: 20\n",
        3,
        "above the upper bound 10",
    ),
    (
        "wrong-unit",
        "name: wrong-unit\nparameters:\n  organised_recruitment_level: '5 km/year'\n",
        3,
        "wrong unit",
    ),
    (
        "wrong-type",
        "name: wrong-type\nparameters:\n  processing_priority: [1, 2]\n",
        3,
        "expected a number",
    ),
    (
        "wrong-element",
        "name: wrong-element\nparameters:\n  allocation_weight:\n    steel: 0.1\n",
        4,
        "unknown element 'steel'",
    ),
    (
        "year-outside",
        "name: year-outside\nschedules:\n  organised_recruitment_level:\n    1950: 1000\n",
        4,
        "outside the model's time",
    ),
    ("missing-base", "name: missing-base\nbase: nowhere\n", 2, "missing base scenario 'nowhere'"),
    ("malformed", "name: malformed\nparameters: [1, 2\n", 3, "malformed YAML"),
    ("other-name", "name: not-the-file\n", 1, "differs from the file name"),
    (
        "keeps",
        "name: keeps\nkeeps_historical_investment: true\nparameters:\n  investment_scale: 2\n",
        2,
        "investment_scale",
    ),
]


@pytest.mark.parametrize(("name", "text", "line", "needle"), BAD, ids=[b[0] for b in BAD])
def test_errors_name_file_and_line(tmp_path, name, text, line, needle):
    path = _write(tmp_path, name, text)
    with pytest.raises(KazindError) as exc:
        load_scenario(path)
    message = str(exc.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert needle in message
    assert "\n" not in message


def test_cycle_of_inheritance(tmp_path):
    _write(tmp_path, "a", "name: a\nbase: b\n")
    b = _write(tmp_path, "b", "name: b\n\nbase: a\n")
    with pytest.raises(KazindError) as exc:
        load_scenario(tmp_path / "a.yaml")
    assert str(exc.value).startswith(f"{b}:3: ")
    assert "cycle of inheritance: a -> b -> a" in str(exc.value)


def test_unknown_name_suggests_and_duplicate_names_are_errors(tmp_path, monkeypatch):
    with pytest.raises(KazindError, match="did you mean 'integrated-development'"):
        load_scenario("integrated-developement")
    _write(tmp_path, "historical", "name: historical\n")
    monkeypatch.setenv("KAZIND_SCENARIO_PATH", str(tmp_path))
    with pytest.raises(KazindError, match="duplicate scenario name 'historical'"):
        load_scenario("historical")


def test_units_are_converted(tmp_path):
    path = _write(
        tmp_path,
        "units",
        """
        name: units
        parameters:
          organised_recruitment_level: "55.9 thousand person/year"
        schedules:
          organised_recruitment_level: {1931: "1.2 thousand person/month"}
        """,
    )
    s = load_scenario(path)
    assert s.parameters["organised_recruitment_level"] == pytest.approx(55900)
    assert s.schedules["organised_recruitment_level"] == [(1931, pytest.approx(14400))]


# -- finding, inheritance, schedules ---------------------------------------------------


def test_shipped_scenarios_are_listed_and_complete():
    names = list_scenarios()
    assert names[0] == "historical"
    for name in SHIPPED:
        s = load_scenario(name)
        assert isinstance(s, Scenario) and s.name == name
        assert set(s.title) == set(s.description) == {"kk", "ru", "en"}
        assert s.keeps_historical_investment
        assert "investment_scale" not in s.parameters
        if name != "historical":
            assert s.base == "historical"
            for lang in ("kk", "ru", "en"):  # each argues from the record, citing fact ids
                assert re.search(r"seed\.\w+\.\w+", s.description[lang]), (name, lang)
    assert load_scenario("historical").parameters == {}


def test_user_scenarios_from_the_search_path_and_cwd(tmp_path, monkeypatch):
    env, cwd = tmp_path / "env", tmp_path / "work"
    env.mkdir()
    (cwd / "scenarios").mkdir(parents=True)
    _write(env, "from-env", "name: from-env\nbase: historical\n")
    _write(cwd / "scenarios", "from-cwd", "name: from-cwd\nbase: from-env\n")
    monkeypatch.setenv("KAZIND_SCENARIO_PATH", str(env))
    monkeypatch.chdir(cwd)
    assert {"from-env", "from-cwd", *SHIPPED} <= set(list_scenarios())
    assert load_scenario("from-cwd").chain == ("from-cwd", "from-env", "historical")


def test_inheritance_overrides_key_by_key_and_element_by_element(tmp_path):
    path = _write(
        tmp_path,
        "child",
        """
        name: child
        base: raw-material-base
        parameters:
          allocation_weight: {coal: 0.3}
          local_hiring_priority: 0.25
        """,
    )
    base, child = load_scenario("raw-material-base"), load_scenario(path)
    assert child.parameters["allocation_weight"] == {
        **base.parameters["allocation_weight"],
        "coal": 0.3,
    }
    assert child.parameters["local_hiring_priority"] == 0.25
    assert child.parameters["processing_priority"] == base.parameters["processing_priority"]
    assert child.schedules == base.schedules
    assert child.title == {"kk": "child", "ru": "child", "en": "child"}  # not inherited
    spec = scenario_spec(child)
    weights = spec.variable("allocation_weight").value
    assert weights["coal"] == 0.3 and weights["non_ferrous"] == 0.38
    assert (
        weights["food"] == scenario_spec("historical").variable("allocation_weight").value["food"]
    )


def test_schedules_become_steps_at_the_right_years(tmp_path):
    path = _write(
        tmp_path,
        "steps",
        """
        name: steps
        parameters:
          organised_recruitment_level: 20000
        schedules:
          organised_recruitment_level: {1934: 30000, 1931: 10000}
          collectivisation_intensity: {1913: 0.5}
        """,
    )
    hist = scenario_spec("historical").variable("organised_recruitment_level")
    var = scenario_spec(load_scenario(path)).variable("organised_recruitment_level")
    assert var.kind == "series"
    assert var.unit == hist.unit and var.description == hist.description
    assert var.times == [1913.0, 1931 - STEP_EPSILON, 1931.0, 1934 - STEP_EPSILON, 1934.0]
    assert var.values == [20000.0, 20000.0, 10000.0, 10000.0, 30000.0]
    col = scenario_spec(load_scenario(path)).variable("collectivisation_intensity")
    assert (col.times, col.values) == ([1913.0], [0.5])
    # In a run, the step holds from its year on.
    ds = run_scenarios([path], save_step=0.25, outputs=["organised_recruitment"])
    rec = ds["organised_recruitment"].sel(scenario="steps")
    assert float(rec.sel(time=1932.0)) == pytest.approx(10000)
    assert float(rec.sel(time=1935.0)) == pytest.approx(30000)


# -- the shipped counterfactuals -----------------------------------------------------


@pytest.fixture(scope="module")
def table():
    ds = run_scenarios(SHIPPED, save_step=0.25, outputs=OUTPUTS)
    return outcome_table(ds), ds


def test_outcome_table_has_every_outcome(table):
    t, _ = table
    assert list(t.columns) == SHIPPED
    assert list(t.index) == [o.key for o in OUTCOMES]
    assert np.isfinite(t.values).all()


def _moves(t, scenario, key):
    return float(t.loc[key, scenario] - t.loc[key, "historical"])


def test_raw_material_base_moves_the_outcomes_it_should(table):
    t, _ = table
    s = "raw-material-base"
    assert _moves(t, s, "processing_share_1940") < 0
    assert _moves(t, s, "local_processing_1940") < 0
    assert _moves(t, s, "in_migration_total") > 0
    assert _moves(t, s, "kazakh_share_workers_1940") < 0


def test_integrated_development_moves_the_outcomes_it_should(table):
    t, _ = table
    s = "integrated-development"
    assert _moves(t, s, "processing_share_1940") > 0
    assert _moves(t, s, "local_processing_1940") > 0
    assert _moves(t, s, "kazakh_share_workers_1940") > 0
    assert _moves(t, s, "skilled_kazakh_workers_1940") > 0
    assert _moves(t, s, "in_migration_total") < 0


def test_no_forced_collectivization_moves_the_outcomes_it_should(table):
    t, _ = table
    s = "no-forced-collectivization"
    assert t.loc["famine_deaths_total", s] < 0.2 * t.loc["famine_deaths_total", "historical"]
    assert _moves(t, s, "agricultural_output_1940") > 0
    assert _moves(t, s, "kazakh_share_population_1940") > 0


def test_results_do_not_depend_on_the_company(table):
    _, ds = table
    alone = run_scenarios(["integrated-development"], save_step=0.25, outputs=OUTPUTS)
    both = ds.sel(scenario="integrated-development")
    for name in OUTPUTS:
        np.testing.assert_array_equal(
            alone[name].sel(scenario="integrated-development"), both[name]
        )


def test_historical_scenario_stays_on_the_record():
    from kazind.analysis.fit_report import fit_rows  # tests may use analysis; scenarios may not
    from kazind.engine import compile_model
    from kazind.model.targets import load_targets

    rows = fit_rows(compile_model(scenario_spec("historical")), load_targets())
    rows = [r for r in rows if r.role == "fit"]  # fitted targets (held-out, inputs, checks apart)
    within = sum(r.within_tolerance for r in rows)
    assert within >= 0.8 * len(rows), f"{within} of {len(rows)} targets within tolerance"


# -- commands -------------------------------------------------------------------------


def test_compare_writes_its_files_and_a_self_contained_html(tmp_path, capsys):
    out = tmp_path / "cmp"
    _main(
        ["compare", "historical", "no-forced-collectivization", "--out", str(out), "--lang", "kk"]
    )
    printed = capsys.readouterr().out
    assert "no-forced-collectivization" in printed and "көрсеткіш" in printed
    names = {p.name for p in out.iterdir()}
    # the four files, and the manifest that marks them a complete set (written last)
    assert names == {"compare.csv", "compare.json", "compare.html", "compare.png", "kazind-manifest.json"}
    with open(out / "compare.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0][-2:] == ["historical", "no-forced-collectivization"]
    assert len(rows) == 1 + len(OUTCOMES)
    doc = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in doc["scenarios"]] == ["historical", "no-forced-collectivization"]
    assert doc["scenarios"][1]["parameters"] == {"collectivisation_intensity": 0.0}
    html = (out / "compare.html").read_text(encoding="utf-8")
    assert "<script" in html and "Plotly" in html
    assert not re.search(r"<script[^>]+src=[\"']?https?:", html)
    assert (out / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_run_saves_each_scenario_with_its_parameters(tmp_path):
    _main(["run", "historical", "integrated-development", "--out", str(tmp_path)])
    with xr.open_dataset(tmp_path / "integrated-development.nc", engine="netcdf4") as ds:
        attrs = dict(ds.attrs)
    assert attrs["scenario"] == "integrated-development"
    assert json.loads(attrs["scenario_parameters"])["processing_priority"] == 3.0
    assert json.loads(attrs["scenario_schedules"]) == {
        "organised_recruitment_level": [[1931, 10000.0]]
    }
    assert "kazind_version" in attrs
    assert (tmp_path / "historical.csv").exists() and (
        tmp_path / "integrated-development.csv"
    ).exists()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["compare", "historical", "histrical"], "did you mean 'historical'"),
        (["compare", "{bad}"], "{bad}:3: "),
        (["run", "{bad}", "--out", "{out}"], "{bad}:3: "),
        (["compare", "historical", "--lang", "fr"], "--lang"),
        (["compare"], "available: historical"),
        (["scenarios", "--lang", "de"], "--lang"),
    ],
)
def test_command_errors_are_one_line(tmp_path, capsys, args, needle):
    bad = _write(tmp_path, "bad", "name: bad\nparameters:\n  processing_priority: 0\n")
    out = tmp_path / "out"
    argv = [a.replace("{bad}", str(bad)).replace("{out}", str(out)) for a in args]
    with pytest.raises(SystemExit) as exc:
        _main(argv)
    assert exc.value.code != 0
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kazind: error:")
    assert needle.replace("{bad}", str(bad)) in lines[0]
    assert not out.exists()


def test_scenarios_lists_titles(capsys):
    _main(["scenarios", "--lang", "ru"])
    printed = capsys.readouterr().out
    assert "Комплексное развитие" in printed and "raw-material-base" in printed


@pytest.mark.slow
def test_shipped_scenarios_share_one_fused_kernel_and_equal_numpy():
    """A scenario's schedules are data for the historical model's kernel: the explorer
    compiles one kernel for all of them (before its workers fork), not one per scenario."""
    from kazind.engine import fused
    from kazind.scenarios.run import compiled_scenario

    if not fused.available():
        pytest.skip("numba is not installed")
    models = [compiled_scenario(name) for name in SHIPPED]
    assert len({m._backend(m.spec.time.method).key for m in models}) == 1
    outputs = list(OUTPUTS)
    for model in models[1:]:
        fast = model.run(outputs=outputs, backend="fused")
        slow = model.run(outputs=outputs, backend="numpy")
        for name in outputs:
            np.testing.assert_allclose(fast[name].values, slow[name].values, rtol=1e-12, atol=1e-12 * float(np.nanmax(np.abs(slow[name].values)) or 1.0))
