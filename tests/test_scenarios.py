"""Scenarios: the file format's errors (file and line), inheritance, schedules, the
departure of every change in its start year, the shipped counterfactuals' descriptions
and the directions the model finds for them, the historical scenario's fit, and the
commands (list, show, run, compare with its uncertainty)."""

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
from kazind.scenarios.apply import (
    IN_FORCE_SUFFIX,
    SCENARIO_SUFFIX,
    STEP_EPSILON,
    switched_constants,
)
from kazind.scenarios.outcomes import OUTCOMES, OUTPUTS, outcome_table

SHIPPED = [
    "historical",
    "raw-material-base",
    "raw-material-base-low-union",
    "integrated-development",
    "integrated-development-low-union",
    "no-forced-collectivization",
    "capped-procurements",
]
#: The year each shipped counterfactual departs from history: the debate's, collectivisation's.
DEPARTS = {
    "raw-material-base": 1926,
    "raw-material-base-low-union": 1926,
    "integrated-development": 1926,
    "integrated-development-low-union": 1926,
    "no-forced-collectivization": 1929,
    "capped-procurements": 1929,
}


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
    ("starts-outside", "name: starts-outside\nstarts: 1950\n", 2, "starts must be a year"),
    (
        "step-before-start",
        "name: step-before-start\nstarts: 1926\nschedules:\n  organised_recruitment_level:\n    1925: 1000\n",
        4,
        "before the year its change acts from (1926",
    ),
    (
        "lever-before-start",
        "name: lever-before-start\nstarts: 1926\nparameters:\n  processing_priority: 2\n"
        "  processing_priority_from: 1922\n",
        5,
        "before the scenario's start",
    ),
    (
        "initial-state",
        "name: initial-state\nstarts: 1926\nparameters:\n  population_1913: {kazakh: 4.0e6}\n",
        4,
        "sets the state of 1913",
    ),
    (
        "unknown-id",
        "name: unknown-id\nrests_on:\n  - seed.policy.sadvakasov_positon\n",
        3,
        "did you mean 'seed.policy.sadvakasov_position'",
    ),
    (
        "unknown-id-in-text",
        "name: unknown-id-in-text\ndescription:\n  en: as the text says (seed.policy.nowhere)\n",
        3,
        "unknown fact or claim 'seed.policy.nowhere'",
    ),
    (
        "assumptions-one-language",
        "name: assumptions-one-language\nassumptions:\n  en: [one]\n",
        2,
        "in each of kk, ru, en",
    ),
    (
        "assumptions-counts",
        "name: assumptions-counts\nassumptions:\n  kk: [a]\n  ru: [a]\n  en: [a, b]\n",
        2,
        "the same sentences (kk 1, ru 1, en 2)",
    ),
    (
        "assumptions-colon",
        "name: assumptions-colon\nleaves_out:\n  kk: [a]\n  ru: [a]\n  en:\n    - what it leaves: the rest\n",
        6,
        "quote a sentence that holds ': '",
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
    from kazind.record.facts import default_table

    facts = default_table()
    names = list_scenarios()
    assert names[0] == "historical"
    assert set(SHIPPED) <= set(names)
    for name in SHIPPED:
        s = load_scenario(name)
        assert isinstance(s, Scenario) and s.name == name
        assert set(s.title) == set(s.description) == {"kk", "ru", "en"}
        # what it assumes and leaves out, in every language, and what it rests on
        assert set(s.assumptions) == set(s.leaves_out) == {"kk", "ru", "en"}, name
        assert len({len(v) for v in s.assumptions.values()}) == 1 and s.assumptions["en"], name
        assert s.rests_on and all(f in facts.by_id for f in s.rests_on), name
        assert "investment_scale" not in s.parameters
        if name == "historical":
            continue
        assert s.departure == DEPARTS[name], name
        for lang in ("kk", "ru", "en"):  # each argues from the record, citing fact ids
            assert re.search(r"(seed|ext)\.\w+\.\w+", s.description[lang]), (name, lang)
        # the counterfactuals of the debate rest on the text's claims, not only on figures
        kinds = {facts.get(f).kind for f in s.rests_on}
        assert "claim" in kinds, name
    assert load_scenario("historical").parameters == {}
    for name in ("raw-material-base-low-union", "integrated-development-low-union"):
        s = load_scenario(name)
        assert not s.keeps_historical_investment and s.parameters["union_investment_factor"] < 1
        assert s.base == name.removesuffix("-low-union")


def test_what_a_reader_sees_of_a_scenario_is_in_the_readers_words():
    """The assumptions and what a scenario leaves out are shown to teachers and students:
    no variable names or ids in them (those stay in parameters and rests_on), and no
    Latin-script word in the Kazakh and Russian ones but the Roman numerals of congresses."""
    latin, roman = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*"), re.compile(r"[IVXLC]+")
    for name in SHIPPED:
        s = load_scenario(name)
        for lang in ("kk", "ru", "en"):
            for text in (*s.assumptions[lang], *s.leaves_out[lang]):
                assert not re.search(r"\b[a-z]+_[a-z0-9_]+\b", text), (name, lang, text[:60])
                if lang != "en":
                    words = [w for w in latin.findall(text) if not roman.fullmatch(w)]
                    assert not words, (name, lang, words)


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
    historical = scenario_spec("historical").variable("allocation_weight").value
    assert spec.variable("allocation_weight").value == historical  # history's, before 1926
    weights = spec.variable("allocation_weight" + SCENARIO_SUFFIX).value  # the scenario's, after
    assert weights["coal"] == 0.3 and weights["non_ferrous"] == 0.38
    assert weights["food"] == historical["food"]


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
          collectivisation_intensity: {1930: 0.5}
        """,
    )
    hist = scenario_spec("historical").variable("organised_recruitment_level")
    var = scenario_spec(load_scenario(path)).variable("organised_recruitment_level")
    assert var.kind == "series"
    assert var.unit == hist.unit and var.description == hist.description
    assert var.times == [1913.0, 1931 - STEP_EPSILON, 1931.0, 1934 - STEP_EPSILON, 1934.0]
    assert var.values == [20000.0, 20000.0, 10000.0, 10000.0, 30000.0]
    col = scenario_spec(load_scenario(path)).variable("collectivisation_intensity")
    # before its first step a schedule holds the constant's value (the lever acts from 1929)
    assert (col.times, col.values) == ([1913.0, 1930 - STEP_EPSILON, 1930.0], [1.0, 1.0, 0.5])
    # In a run, the step holds from its year on.
    ds = run_scenarios([path], save_step=0.25, outputs=["organised_recruitment"])
    rec = ds["organised_recruitment"].sel(scenario="steps")
    assert float(rec.sel(time=1932.0)) == pytest.approx(10000)
    assert float(rec.sel(time=1935.0)) == pytest.approx(30000)


def test_a_change_of_any_constant_waits_for_the_start_and_draws_still_move_history(
    tmp_path, monkeypatch
):
    """A constant that is not a lever (here famine_mortality, a calibrated parameter)
    keeps its historical value under its own name; the scenario's value acts from
    ``starts`` through an in-force auxiliary; an ensemble's draws of it still move the
    years before the start, draw by draw as in the historical ensemble. (On the numpy
    backend: this scenario's structure is its own, and its fused kernel would take
    minutes to compile for a test of the scenario mechanism.)"""
    monkeypatch.setenv("KAZIND_BACKEND", "numpy")
    from kazind.analysis.ensemble import run_ensemble
    from kazind.analysis.priors import sample_parameters

    path = _write(
        tmp_path,
        "later",
        "name: later\nbase: historical\nstarts: 1926\nparameters:\n"
        "  famine_mortality: 2.5\n  allocation_weight: {food: 0.3}\n",
    )
    s = load_scenario(path)
    assert s.change_starts() == {"allocation_weight": 1926.0, "famine_mortality": 1926.0}
    spec = scenario_spec(s)
    assert switched_constants(spec) == ["allocation_weight", "famine_mortality"]
    hist = scenario_spec("historical")
    assert spec.variable("famine_mortality").value == hist.variable("famine_mortality").value
    assert spec.variable("famine_mortality" + SCENARIO_SUFFIX).value == 2.5
    assert "famine_mortality" + IN_FORCE_SUFFIX in spec.names()
    sample = sample_parameters(6, 3)
    assert "famine_mortality" in [str(p) for p in sample["parameter"].values]
    ours = run_ensemble(s, 6, 3, sample=sample, outputs=["famine_deaths"])
    theirs = run_ensemble("historical", 6, 3, sample=sample, outputs=["famine_deaths"])
    assert "famine_mortality" not in ours.attrs["fixed_by_scenario"]
    early = ours["time"].values <= 1926
    a, b = ours["famine_deaths"].values[:, early], theirs["famine_deaths"].values[:, early]
    assert np.array_equal(a, b)
    assert len({row.tobytes() for row in a}) > 1  # the draws differ from each other before 1926
    assert not np.array_equal(ours["famine_deaths"].values, theirs["famine_deaths"].values)


def test_a_scenario_from_the_models_first_year_changes_the_constant_itself(tmp_path):
    path = _write(
        tmp_path,
        "first",
        "name: first\nstarts: 1913\nparameters:\n  population_1913: {kazakh: 4.0e6}\n",
    )
    spec = scenario_spec(load_scenario(path))
    assert spec.variable("population_1913").value["kazakh"] == 4.0e6
    assert switched_constants(spec) == []


# -- the shipped counterfactuals -----------------------------------------------------


@pytest.fixture(scope="module")
def full_runs():
    """Every shipped scenario, every output, every step saved."""
    return run_scenarios(SHIPPED, save_step=0.25)


@pytest.mark.parametrize("name", [n for n in SHIPPED if n != "historical"])
def test_every_shipped_scenario_is_history_before_its_start_to_the_bit(full_runs, name):
    """Each counterfactual's path equals the historical one, bit for bit, before the year
    it states (1926 for the debate, 1929 for collectivisation and procurements), and so
    does the state on 1 January of that year; then it departs."""
    year = load_scenario(name).departure
    assert year == DEPARTS[name]
    hist, run = full_runs.sel(scenario="historical"), full_runs.sel(scenario=name)
    times = full_runs["time"].values
    before = times < year
    stocks = [v.name for v in scenario_spec("historical").stocks() if v.name in full_runs]
    changed = [
        v
        for v in full_runs.data_vars
        if hist[v].values[before].tobytes() != run[v].values[before].tobytes()
    ]
    changed += [
        v
        for v in stocks
        if hist[v].sel(time=year).values.tobytes() != run[v].sel(time=year).values.tobytes()
    ]
    assert not changed, f"{name} departs before {year}: {changed[:5]}"
    assert any(not np.array_equal(hist[v].values, run[v].values) for v in full_runs.data_vars)
    # the explorer's detection of the departure, on the yearly states (an auxiliary may
    # already feel the scenario on 1 January of its year), finds the stated year
    from kazind.explorer.lesson.runs import departure_year

    yearly = full_runs[stocks].sel(time=times[times % 1 == 0])
    assert departure_year(yearly.sel(scenario=name), yearly.sel(scenario="historical")) == year


@pytest.fixture(scope="module")
def table(full_runs):
    return outcome_table(full_runs), full_runs


def test_outcome_table_has_every_outcome(table):
    t, _ = table
    assert list(t.columns) == SHIPPED
    assert list(t.index) == [o.name for o in OUTCOMES]
    assert np.isfinite(t.values).all()


def _moves(t, scenario, key, against="historical"):
    return float(t.loc[key, scenario] - t.loc[key, against])


def _kazakh_share_allowed(ds, spec) -> float:
    """The most the hiring cap lets the Kazakh share of workers reach from 1935 on: the
    cap factor times the Kazakh share of the working-age population, with a margin."""
    wa = ds["working_age_population"]
    share = (wa.sel(group="kazakh") / wa.sum("group")).sel(time=slice(1935, None))
    return float(spec.variable("hire_share_cap_factor").value) * float(share.max()) + 0.05


def test_integrated_development_moves_the_outcomes_it_should(table):
    """More local processing and machine building, a higher Kazakh share of workers and
    more skilled Kazakh workers, less in-migration: found by the model's mechanisms."""
    t, ds = table
    for s in ("integrated-development", "integrated-development-low-union"):
        assert _moves(t, s, "processing_share_1940") > 0, s
        assert _moves(t, s, "local_processing_1940") > 0, s
        assert _moves(t, s, "kazakh_share_workers_1940") > 0, s
        assert _moves(t, s, "skilled_kazakh_workers_1940") > 0, s
        assert _moves(t, s, "in_migration_total") < 0, s


def test_raw_material_base_moves_the_outcomes_the_other_way(table):
    t, _ = table
    for s in ("raw-material-base", "raw-material-base-low-union"):
        assert _moves(t, s, "processing_share_1940") < 0, s
        assert _moves(t, s, "local_processing_1940") < 0, s
        assert _moves(t, s, "kazakh_share_workers_1940") < 0, s
        assert _moves(t, s, "skilled_kazakh_workers_1940") < 0, s
        assert _moves(t, s, "in_migration_total") > 0, s


def test_less_union_investment_means_less_industry_for_either_line(table):
    t, _ = table
    for line in ("integrated-development", "raw-material-base"):
        assert _moves(t, f"{line}-low-union", "industrial_output_1940", against=line) < 0, line
        assert _moves(t, f"{line}-low-union", "workers_1940", against=line) < 0, line


def test_no_group_is_hired_above_what_its_population_allows(table):
    """In every shipped scenario the Kazakh share of workers stays within the cap set by
    the Kazakh share of the working-age population (issue 11: not 64 % in 1941)."""
    _, ds = table
    spec = scenario_spec("historical")
    for s in SHIPPED:
        run = ds.sel(scenario=s)
        late = run["kazakh_share_of_workers"].sel(time=slice(1935, None))
        assert float(late.max()) <= _kazakh_share_allowed(run, spec), s


def test_no_forced_collectivization_spares_the_famine_and_industry_feels_it(table):
    """Far fewer famine deaths and more agriculture; industry is moved too, through the
    raw materials of the herds and fields and through the towns' food, whatever the sign."""
    t, ds = table
    s = "no-forced-collectivization"
    assert t.loc["famine_deaths_total", s] < 0.2 * t.loc["famine_deaths_total", "historical"]
    assert _moves(t, s, "agricultural_output_1940") > 0
    assert _moves(t, s, "kazakh_share_population_1940") > 0
    hist, run = ds.sel(scenario="historical"), ds.sel(scenario=s)
    after = slice(1930, 1941)
    light = run["branch_output"].sel(branch="light", time=after) - hist["branch_output"].sel(
        branch="light", time=after
    )
    assert float(np.abs(light).max()) > 0  # light industry works on the herds' wool and hides
    assert float(np.abs(run["raw_material_limit"] - hist["raw_material_limit"]).max()) > 0
    assert not np.array_equal(
        run["industrial_output_index"].sel(time=after).values,
        hist["industrial_output_index"].sel(time=after).values,
    )


def test_capped_procurements_keep_collectivisation_and_lessen_the_famine(table):
    t, ds = table
    s = "capped-procurements"
    hist, run = ds.sel(scenario="historical"), ds.sel(scenario=s)
    assert np.array_equal(run["collectivised_share"].values, hist["collectivised_share"].values)
    assert t.loc["famine_deaths_total", s] < t.loc["famine_deaths_total", "historical"]
    assert _moves(t, s, "agricultural_output_1940") > 0
    assert load_scenario(s).parameters == {"procurement_rate": 0.3}
    assert load_scenario("no-forced-collectivization").parameters == {
        "collectivisation_intensity": 0.0
    }


def test_the_debate_s_directions_hold_across_the_posterior():
    """The directions are the model's, not one parameter set's: over paired draws of the
    calibration's posterior, the integrated line processes more and hires more Kazakhs,
    the raw-material line less, in nearly every draw."""
    from kazind.analysis.compare import compare_scenarios
    from kazind.scenarios.outcomes import outcome

    cmp = compare_scenarios(
        ["historical", "integrated-development", "raw-material-base"], runs=40, seed=5
    )
    for key in ("local_processing_1940", "processing_share_1940", "kazakh_share_workers_1940"):
        o = outcome(key)
        assert cmp.p_beats("integrated-development", o) >= 0.9, key
        assert cmp.p_beats("raw-material-base", o) <= 0.1, key
        assert cmp.larger_than_uncertainty("integrated-development", o), key


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
        [
            "compare",
            "historical",
            "no-forced-collectivization",
            "--runs",
            "24",
            "--seed",
            "3",
            "--out",
            str(out),
            "--lang",
            "kk",
        ]
    )
    printed = capsys.readouterr().out
    assert "no-forced-collectivization" in printed and "көрсеткіш" in printed
    assert "24" in printed and "90 %" in printed  # the band's runs are said
    names = {p.name for p in out.iterdir()}
    # the four files, and the manifest that marks them a complete set (written last)
    assert names == {
        "compare.csv",
        "compare.json",
        "compare.html",
        "compare.png",
        "kazind-manifest.json",
    }
    with open(out / "compare.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    head = list(rows[0])
    assert len(rows) == len(OUTCOMES)
    for name in ("historical", "no-forced-collectivization"):
        i = head.index(name)  # beside each scenario's value, its band
        assert head[i + 1] == f"{name} p05" and head[i + 3] == f"{name} p95"
    assert [h for h in head if h.startswith("P(")] == [
        "P(no-forced-collectivization beats historical)"
    ]
    famine = next(r for r in rows if r["outcome"] == "famine_deaths_total")
    for name in ("historical", "no-forced-collectivization"):
        assert (
            float(famine[f"{name} p05"])
            <= float(famine[f"{name} p50"])
            <= float(famine[f"{name} p95"])
        )
    assert float(famine["P(no-forced-collectivization beats historical)"]) > 0.9
    doc = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    assert [s["name"] for s in doc["scenarios"]] == ["historical", "no-forced-collectivization"]
    assert doc["scenarios"][1]["parameters"] == {"collectivisation_intensity": 0.0}
    assert doc["scenarios"][1]["departure"] == 1929 and doc["runs"] == 24
    row = next(r for r in doc["outcomes"] if r["key"] == "famine_deaths_total")
    assert row["larger_than_uncertainty"] == {"no-forced-collectivization": True}
    html = (out / "compare.html").read_text(encoding="utf-8")
    assert "<script" in html and "Plotly" in html and "tonexty" in html  # the bands are drawn
    assert not re.search(r"<script[^>]+src=[\"']?https?:", html)
    assert (out / "compare.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_compare_says_which_differences_are_larger_than_the_uncertainty(capsys):
    _main(["compare", "historical", "integrated-development", "--runs", "30"])
    printed = capsys.readouterr().out
    line = next(
        x for x in printed.splitlines() if x.startswith("integrated-development against historical")
    )
    assert "larger than the uncertainty" in line
    assert "P(scenario beats historical)" in printed


def test_compare_without_draws_gives_the_calibrated_runs(tmp_path):
    out = tmp_path / "cmp"
    _main(["compare", "historical", "capped-procurements", "--runs", "0", "--out", str(out)])
    with open(out / "compare.csv", encoding="utf-8", newline="") as fh:
        head = next(csv.reader(fh))
    assert head[-2:] == ["historical", "capped-procurements"]


def test_scenarios_show_prints_what_the_file_argues(capsys):
    _main(["scenarios", "show", "integrated-development", "--lang", "ru"])
    printed = capsys.readouterr().out
    s = load_scenario("integrated-development")
    for heading in (
        "Отходит от истории в: 1926",
        "Что он предполагает",
        "На что он опирается",
        "Чего он не учитывает",
    ):
        assert heading in printed
    for fact_id in s.rests_on:
        assert fact_id in printed
    assert "spontaneous_migration_scale = 0.5" in printed and "с 1926" in printed
    assert "organised_recruitment_level = 1931: 10000" in printed
    _main(["scenarios", "show", "historical"])
    assert "never: it is history" in capsys.readouterr().out


def test_run_saves_each_scenario_with_its_parameters(tmp_path):
    _main(["run", "historical", "integrated-development", "--out", str(tmp_path)])
    with xr.open_dataset(tmp_path / "integrated-development.nc", engine="netcdf4") as ds:
        attrs = dict(ds.attrs)
    assert attrs["scenario"] == "integrated-development"
    parameters = json.loads(attrs["scenario_parameters"])
    assert parameters["processing_priority"] == 3.0
    assert parameters["spontaneous_migration_scale"] == 0.5
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
        (["scenarios", "show", "integrated-developmnt"], "did you mean 'integrated-development'"),
        (["scenarios", "show"], "available: historical"),
        (["compare", "historical", "--runs", "-1"], "--runs must be at least 0"),
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
def test_shipped_scenarios_share_fused_kernels_and_equal_numpy():
    """A scenario's levers and schedules are data for the historical model's kernel; a
    constant switched at the start year adds auxiliaries (a second structure). So the
    shipped scenarios run on at most two kernels, not one per scenario, and each equals
    the numpy backend."""
    from kazind.engine import fused
    from kazind.scenarios.run import compiled_scenario

    if not fused.available():
        pytest.skip("numba is not installed")
    models = [compiled_scenario(name) for name in SHIPPED]
    keys = {m.kernel_key() for m in models}
    switching = {m.kernel_key() for m in models if "scenario__from" in m.spec.names()}
    assert len(keys - switching) == 1 and len(switching) <= 1, keys
    outputs = list(OUTPUTS)
    for model in models[1:]:
        fast = model.run(outputs=outputs, backend="fused")
        slow = model.run(outputs=outputs, backend="numpy")
        for name in outputs:
            np.testing.assert_allclose(
                fast[name].values,
                slow[name].values,
                rtol=1e-12,
                atol=1e-12 * float(np.nanmax(np.abs(slow[name].values)) or 1.0),
            )
