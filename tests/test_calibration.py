"""Targets, calibration and the fit report: behaviour, not numbers of a particular fit."""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from kazind.analysis.calibration import calibrate, load_setup
from kazind.cli import _register_commands, app
from kazind.common.errors import KazindError
from kazind.engine import compile_model
from kazind.model import POLICY_LEVERS
from kazind.model.build import DATA_DIR, MODEL_FILE, build_spec
from kazind.model.targets import load_targets, residual
from kazind.record.facts import default_table


@pytest.fixture(scope="module")
def targets():
    return load_targets()


@pytest.fixture(scope="module")
def raw_model():
    return compile_model(build_spec(calibrated=False))


def test_every_target_and_cited_fact_exists(targets):
    ids = {f.id for f in default_table()}
    assert {t.fact.id for t in targets.targets} <= ids
    for path in (MODEL_FILE, DATA_DIR / "calibration.yaml", DATA_DIR / "projects.yaml"):
        cited = set(re.findall(r"\b((?:seed|ext)\.[a-z_]+\.[a-z0-9_]+)", path.read_text()))
        assert cited <= ids, (path.name, sorted(cited - ids))


def test_every_quantitative_fact_is_a_target_or_explained(targets):
    covered = {t.fact.id for t in targets.targets} | {u.fact for u in targets.unexpressed}
    numbers = [f.id for f in default_table() if f.value is not None]
    assert len(numbers) >= 90
    missing = sorted(set(numbers) - covered)
    assert not missing, f"quantitative facts neither targeted nor explained: {missing}"


def test_calibrated_file_records_its_provenance():
    from kazind.common.yamlio import load_yaml
    from kazind.model.build import CALIBRATED_FILE

    doc = load_yaml(CALIBRATED_FILE).data
    prov = doc["provenance"]
    assert {"seed", "date", "objective", "fit_targets", "holdout_targets"} <= set(prov)
    assert all(
        {"value", "std", "bounds", "prior", "posterior", "rhat", "ess"} <= set(p)
        for p in doc["parameters"].values()
    )
    # a parameter on a bound carries its reason
    for label in prov["on_bound"]:
        assert doc["parameters"][label]["on_bound"] != "no reason given", label
    # posterior predictive bands for every target
    from kazind.model.targets import load_targets

    keys = {t.key for t in load_targets().targets} | {t.key for t in load_targets().literature}
    assert keys <= set(doc["predictive"])


def test_every_prior_cites_its_source_or_is_an_assumption():
    spec = build_spec(calibrated=False)
    setup = load_setup(spec)
    # no more free parameters than the data can pin: at most half the fitted targets
    assert 10 <= len(setup.free) <= len(load_targets().by_role("fit")) / 2
    for fp in setup.free:
        assert fp.prior_source.strip(), fp.label
        assert fp.low <= fp.prior_mean <= fp.high and fp.prior_sd > 0
        assert fp.name not in POLICY_LEVERS, f"{fp.label}: a lever is not calibrated"


def test_a_prior_without_a_source_is_refused(tmp_path):
    spec = build_spec(calibrated=False)
    bad = tmp_path / "cal.yaml"
    bad.write_text(
        "settings: {seed: 1, starts: 1, start_spread: 0.1, max_evaluations: 2}\npriors:\n"
        "  famine_mortality: {mean: 0.5, sd: 0.2, source: ''}\n"
    )
    with pytest.raises(KazindError, match="cite its source"):
        load_setup(spec, bad)


def test_observed_values_come_from_the_facts(targets):
    rt = next(t for t in targets.targets if t.key == "seed.industry.level_vs_1913_early_1926")
    assert rt.observed == pytest.approx(rt.fact.value * rt.target.scale)
    # a "more than" fact is one-sided
    more = next(t for t in targets.targets if t.key == "seed.labour.industrial_workers_1939")
    assert more.comparison == "at_least"
    assert residual(np.array([200_000.0]), more)[0] == 0
    assert residual(np.array([100_000.0]), more)[0] < -1


def test_tolerance_follows_confidence(targets):
    by_conf = {}
    for rt in targets.targets:
        if rt.target.tolerance is None and rt.fact.qualifier == "exact":
            conf = "seed" if rt.fact.is_seed else rt.fact.source.confidence
            by_conf.setdefault(conf, set()).add(rt.tolerance)
    assert max(by_conf["seed"]) < min(by_conf["low"])


def test_holdouts_exist_and_are_not_fitted(targets):
    held = targets.by_role("holdout")
    assert len(held) >= 5
    assert not set(t.key for t in held) & set(t.key for t in targets.by_role("fit"))


def test_setup_rejects_unknown_parameters(tmp_path):
    spec = build_spec(calibrated=False)
    bad = tmp_path / "cal.yaml"
    bad.write_text(
        "settings: {seed: 1, starts: 1, start_spread: 0.1, max_evaluations: 2}\npriors:\n"
        "  no_such_thing: {mean: 1, sd: 1, source: assumption}\n"
    )
    with pytest.raises(KazindError, match=r"cal.yaml:3: .*no_such_thing"):
        load_setup(spec, bad)


def test_calibration_improves_the_fit_and_is_reproducible(raw_model, targets):
    spec = raw_model.spec
    setup = load_setup(spec)
    small = dataclasses.replace(
        setup,
        settings=dataclasses.replace(
            setup.settings, max_evaluations=3, steps=6, burn_in=2, sample_size=40
        ),
    )
    first = calibrate(raw_model, targets, small, seed=7, starts=2)
    second = calibrate(raw_model, targets, small, seed=7, starts=2)
    assert np.array_equal(first.values, second.values)
    assert first.cost == second.cost
    # the posterior sample: reproducible, within bounds, spread around the optimum
    assert np.array_equal(first.sample, second.sample)
    assert first.sample.shape == (40, len(setup.free))
    # ArviZ diagnostics for every parameter
    assert set(first.diagnostics) == {f.label for f in setup.free}
    assert all({"rhat", "ess", "mean", "sd"} <= set(d) for d in first.diagnostics.values())
    assert len({tuple(r) for r in first.sample}) > 1
    # the cost at the documented defaults is higher than after fitting
    u0 = calibrate(
        raw_model,
        targets,
        dataclasses.replace(
            small, settings=dataclasses.replace(small.settings, max_evaluations=1, steps=0)
        ),
        seed=7,
        starts=1,
    )
    assert first.cost <= u0.cost
    assert np.all(first.std >= 0)
    lows = np.array([f.low for f in setup.free])
    highs = np.array([f.high for f in setup.free])
    assert np.all((first.values >= lows) & (first.values <= highs))
    assert np.all((first.sample >= lows) & (first.sample <= highs))


def test_fit_report_json_has_the_required_keys():
    _register_commands()
    result = CliRunner().invoke(app, ["fit-report", "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows and {"fact_id", "observed", "simulated", "within_tolerance", "held_out"} <= set(
        rows[0]
    )
    assert any(r["held_out"] for r in rows)


def test_fit_report_history_check_covers_every_figure():
    _register_commands()
    result = CliRunner().invoke(app, ["fit-report", "--format", "json", "--part", "history"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    ids = {r["source_id"] for r in rows}
    assert {f.id for f in default_table() if f.value is not None} <= ids
    assert any(r["source_id"].startswith("lit.") for r in rows)
    statuses = {r["status"] for r in rows}
    assert {"fitted", "held out", "input", "not expressible"} <= statuses


def test_fit_report_posterior_part():
    _register_commands()
    result = CliRunner().invoke(app, ["fit-report", "--format", "json", "--part", "posterior"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows and {"label", "prior_mean", "posterior_mean", "rhat", "ess", "verdict"} <= set(
        rows[0]
    )


def test_fit_report_bad_format_is_one_line():
    _register_commands()
    result = CliRunner().invoke(app, ["fit-report", "--format", "pdf"])
    assert result.exit_code != 0


def test_chain_diagnostics_see_a_group_of_walkers_stuck_apart():
    """R-hat near 1 for independent draws; well above 1.1 when a quarter of the walkers
    sit in another mode (the walker-group R-hat sees what one chain per walker may not)."""
    from kazind.analysis.calibration import FreeParameter, chain_diagnostics

    rng = np.random.default_rng(3)
    free = (FreeParameter("a", None, -10, 10, 0.0), FreeParameter("b", None, -10, 10, 0.0))
    good = rng.standard_normal((400, 32, 2))
    d = chain_diagnostics(good, free, groups=4)
    assert all(v["rhat"] < 1.02 for v in d.values())
    assert all(v["ess"] > 5000 for v in d.values())
    stuck = good.copy()
    stuck[:, :8, 0] += 3.0
    d = chain_diagnostics(stuck, free, groups=4)
    assert d["a"]["rhat"] > 1.1 and d["a"]["rhat_groups"] > 1.1
    assert d["b"]["rhat"] < 1.02
