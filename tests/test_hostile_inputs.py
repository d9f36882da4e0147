"""kazind used as a hostile or careless user would (issue 15).

Property-based tests feed scenario files, model files and command-line options random
and hostile values and require: exit code 0 or 2, at most one line on stderr for a
user's mistake, no traceback, a bounded time, and nothing at the output path after a
failure. Subprocess tests check that refused requests stay small in memory and that
``kill -9`` during ``kazind ensemble`` leaves no partial or falsely complete output.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from kazind.common.atomic import MANIFEST_NAME, read_manifest
from kazind.common.errors import KazindError

SECONDS = 60  # the issue asks 20 s on a quiet machine (BENCHMARKS.md); CI machines are shared

# ---------------------------------------------------------------- strategies

CONSTANTS = [
    "processing_priority",
    "investment_scale",
    "transport_dependence",
    "allocation_weight",
    "local_hiring_priority",
    "war_start",
    "famine_mortality",
    "birth_rate",
    "no_such_constant",
    "industrial_output_index",
]
ELEMENTS = ["coal", "machine_building", "kazakh", "nowhere"]
UNITS = [
    "",
    " dimensionless",
    " person",
    " thousand person/year",
    " Mt",
    " 1/year",
    " **",
    " m**99",
    " (",
    " __import__",
    " [/bogus]",
]

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.just(10**400),
    st.sampled_from([0, -1, 1e-300, 1e300, 3.0, 0.5]),
)
quantities = st.builds(
    lambda x, u: f"{x}{u}", st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(UNITS)
)
hostile_text = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["[/bogus]", "[bold]x", "<script>x</script>", "$\\foo$", "9**9**9", "\u202etxt", "%s%n"]
    ),
)
values = st.recursive(
    st.one_of(numbers, quantities, hostile_text, st.booleans(), st.none()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(ELEMENTS), inner, max_size=3)
    ),
    max_leaves=6,
)
scenario_docs = st.fixed_dictionaries(
    {"name": st.just("hostile")},
    optional={
        "base": st.sampled_from(
            ["historical", "integrated-development", "hostile", "nope", "BAD NAME"]
        ),
        "title": st.dictionaries(
            st.sampled_from(["kk", "ru", "en", "fr"]), hostile_text, max_size=3
        ),
        "parameters": st.dictionaries(st.sampled_from(CONSTANTS), values, max_size=3),
        "schedules": st.dictionaries(
            st.sampled_from(CONSTANTS),
            st.dictionaries(st.integers(1900, 1950), values, max_size=3),
            max_size=2,
        ),
        "keeps_historical_investment": st.one_of(st.booleans(), hostile_text),
        "extra": values,
    },
)


def _bomb() -> str:
    lines = ["name: hostile", "description:", "  kk: &a0 [" + ", ".join(["lol"] * 9) + "]"]
    lines += [f"  x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    return "\n".join(lines) + "\n"


raw_texts = st.one_of(
    st.sampled_from(
        [
            _bomb(),
            "name: hostile\nparameters: &p {x: *p}\n",
            "name: hostile\nparameters:\n  processing_priority: " + "[" * 3000 + "]" * 3000 + "\n",
            "name: hostile\nparameters:\n  processing_priority: 1" + "0" * 400 + "\n",
            "name: hostile\nparameters:\n  processing_priority: '9**9**9'\n",
            "name: hostile\nparameters: !!python/object/apply:os.system [echo pwned]\n",
            "\x00\x01\x02",
            "name: hostile\n\tparameters: {}\n",
        ]
    ),
    st.text(max_size=200).map(lambda t: "name: hostile\n" + t),
)


def _dump(doc: dict) -> str:
    try:
        return yaml.safe_dump(doc, allow_unicode=True)
    except (yaml.YAMLError, ValueError, OverflowError):
        return "name: hostile\n"


def _check(code: int, err: str, started: float, out: Path | None = None) -> None:
    assert code in (0, 2), (code, err)
    assert "Traceback" not in err, err
    assert time.perf_counter() - started < SECONDS
    if code == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("kazind: error: "), err
        if out is not None:
            assert not out.exists() or not any(out.iterdir()), list(out.iterdir())


FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True
)


# ---------------------------------------------------------------- scenario files


@FAST
@given(st.one_of(scenario_docs.map(_dump), raw_texts))
def test_hostile_scenario_files_run_or_are_one_line(monkeypatch, capsys, text):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hostile.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        out = Path(tmp) / "out"
        started = time.perf_counter()
        code, _, err = run_cli(monkeypatch, capsys, ["run"], "run", str(path), "--out", str(out))
        _check(code, err, started, out)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(scenario_docs.map(_dump))
def test_hostile_scenario_titles_are_listed_literally(monkeypatch, capsys, text):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "hostile.yaml").write_text(text, encoding="utf-8", errors="surrogatepass")
        monkeypatch.setenv("KAZIND_SCENARIO_PATH", str(folder))
        started = time.perf_counter()
        code, _, err = run_cli(monkeypatch, capsys, ["scenarios"], "scenarios", "--lang", "kk")
        _check(code, err, started)


def test_rich_markup_html_and_mathtext_in_a_title_are_shown_as_written(
    monkeypatch, capsys, tmp_path
):
    title = "[/bogus] [bold]x <b>y</b> </script> $\\foo$ costs $5"
    path = tmp_path / "hostile.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "hostile",
                "base": "historical",
                "title": {"kk": title, "ru": title, "en": title},
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("KAZIND_SCENARIO_PATH", str(tmp_path))
    code, out, err = run_cli(monkeypatch, capsys, ["scenarios"], "scenarios", "--lang", "en")
    assert code == 0, err
    assert "[/bogus] [bold]x" in out
    code, out, err = run_cli(
        monkeypatch,
        capsys,
        ["scenarios"],
        "compare",
        "historical",
        "hostile",
        "--out",
        str(tmp_path / "cmp"),
    )
    assert code == 0, err
    assert f"hostile: {title}" in out
    html = (tmp_path / "cmp" / "compare.html").read_text(encoding="utf-8")
    assert (
        "<b>y</b>" not in html and "</script> $" not in html
    )  # plotly label escaped, JSON escaped
    assert (
        tmp_path / "cmp" / "compare.png"
    ).stat().st_size > 0  # matplotlib did not choke on $\foo$


# ---------------------------------------------------------------- model files

model_docs = st.fixed_dictionaries(
    {
        "name": hostile_text,
        "time": st.fixed_dictionaries(
            {"start": numbers, "stop": numbers, "dt": numbers},
            optional={"save_step": numbers, "method": hostile_text},
        ),
        "variables": st.lists(
            st.fixed_dictionaries(
                {
                    "name": st.sampled_from(["a", "b", "s", "run", "time", "__x", "[/b]"]),
                    "kind": st.sampled_from(
                        ["stock", "flow", "aux", "constant", "lookup", "series", "x"]
                    ),
                },
                optional={
                    "equation": st.one_of(hostile_text, st.sampled_from(["a + b", "s * 2", "1/0"])),
                    "value": values,
                    "initial": values,
                    "unit": st.sampled_from(UNITS),
                    "inflows": st.lists(st.sampled_from(["a", "f"]), max_size=2),
                    "bounds": values,
                },
            ),
            max_size=4,
        ),
    }
)


@FAST
@given(st.one_of(model_docs.map(_dump), raw_texts))
def test_hostile_model_files_load_or_fail_with_one_located_error(text):
    from kazind.engine import compile_model, load_model

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        started = time.perf_counter()
        try:
            model = compile_model(load_model(path))
            model.run()
        except KazindError as err:
            assert "\n" not in str(err)
        assert time.perf_counter() - started < SECONDS


# ---------------------------------------------------------------- options

options = st.one_of(
    st.integers(min_value=-5, max_value=10**25).map(str),
    st.sampled_from(
        ["0", "1", "-1", "1e3", "nan", "inf", "", "abc", "1/0", "1e-9", "0.3", str(10**400)]
    ),
    st.text(max_size=10),
)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(options, options, st.sampled_from(["--seed", "--batch-size", "--runs"]))
def test_hostile_ensemble_options(monkeypatch, capsys, tmp_path_factory, runs, value, flag):
    out = tmp_path_factory.mktemp("ens") / "out"
    args = ["ensemble", "historical", "--runs", runs, flag, value, "--out", str(out)]
    if flag == "--runs":
        args = ["ensemble", "historical", "--runs", value, "--out", str(out)]
    started = time.perf_counter()
    try:
        runs_n = int(args[3])
    except ValueError:
        runs_n = 0
    if 3 < runs_n < 10**10:  # would pass every check and run for long: keep it short
        args[3] = "3"
    code, _, err = run_cli(monkeypatch, capsys, ["analysis"], *args)
    _check(code, err, started, out)


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(options, st.sampled_from(["euler", "rk4", "heun", "", "[/b]"]))
def test_hostile_run_options(monkeypatch, capsys, tmp_path_factory, dt, method):
    out = tmp_path_factory.mktemp("run") / "out"
    started = time.perf_counter()
    try:
        coarse = float(dt) >= 1 / 200 if "/" not in dt else False
    except ValueError:
        coarse = True
    if not coarse:  # a fine step that fits in memory would run for minutes: refused or skipped
        dt = "1e-9"
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        ["run"],
        "run",
        "historical",
        "--dt",
        dt,
        "--method",
        method,
        "--out",
        str(out),
    )
    _check(code, err, started, out)


@pytest.mark.parametrize(
    "command", [["export"], ["fit-report"], ["model-doc"], ["report", "historical"]]
)
def test_hostile_output_files_are_refused_and_left_alone(monkeypatch, capsys, tmp_path, command):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "link"
    link.symlink_to(tmp_path / "target")
    (tmp_path / "file").write_text("x")
    modules = {
        "export": ["model"],
        "fit-report": ["model"],
        "model-doc": ["model_doc"],
        "report": ["explorer"],
    }
    for out in (
        fifo,
        link,
        tmp_path,
        tmp_path / "file" / "below.html",
        "/proc/kazind.html",
        "/sys/x.html",
    ):
        started = time.perf_counter()
        code, _, err = run_cli(
            monkeypatch, capsys, modules[command[0]], *command, "--out", str(out)
        )
        assert code == 2
        _check(code, err, started)
    assert fifo.is_fifo() and link.is_symlink() and not (tmp_path / "target").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo", "file", "link"]


# ---------------------------------------------------------------- memory and kill -9


def _kazind_peak(*args: str, timeout: float = 120) -> tuple[int, str, float, float]:
    """Run kazind in a child of a fresh Python; (exit code, stderr, seconds, peak MiB of the child)."""
    probe = textwrap.dedent(
        """
        import resource, subprocess, sys, time
        t = time.perf_counter()
        p = subprocess.run(sys.argv[1:], capture_output=True, text=True)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        sys.stdout.write(f"{p.returncode} {time.perf_counter() - t} {peak}\\n")
        sys.stdout.write(p.stderr)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, "-m", "kazind", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    head, _, err = result.stdout.partition("\n")
    code, seconds, peak = head.split()
    return int(code), err, float(seconds), float(peak)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["ensemble", "historical", "--runs", "1000000000"], "1,000,000,000 runs"),
        (["sensitivity", "historical", "--samples", "1000000000"], "fewer --samples"),
        (["run", "historical", "--dt", "1e-9"], "28,000,000,000 steps"),
    ],
)
def test_huge_requests_are_refused_quickly_in_little_memory(tmp_path, args, words):
    code, err, seconds, peak = _kazind_peak(*args, "--out", str(tmp_path / "out"))
    assert code == 2 and words in err and len(err.strip().splitlines()) == 1, err
    assert peak < 2048, f"{peak:.0f} MiB"
    assert seconds < 60  # the 20 s on a quiet machine; BENCHMARKS.md has the figures
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _consistent(folder: Path) -> None:
    """A manifest lists files that are all there, whole; no staging of a live process."""
    manifest = read_manifest(folder)
    if manifest is not None:
        for f in manifest["files"]:
            assert _sha(folder / f["name"]) == f["sha256"], f["name"]


@pytest.mark.slow
def test_kill_9_during_an_ensemble_leaves_no_partial_or_falsely_complete_set(tmp_path):
    out = tmp_path / "ens"
    first = subprocess.run(
        [
            sys.executable,
            "-m",
            "kazind",
            "ensemble",
            "historical",
            "--runs",
            "8",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert first.returncode == 0, first.stderr
    before = {p.name: _sha(p) for p in out.iterdir() if p.is_file()}
    assert MANIFEST_NAME in before

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kazind",
            "ensemble",
            "historical",
            "integrated-development",
            "--runs",
            "40000",
            "--batch-size",
            "500",
            "--out",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        staged = list(out.glob(".kazind-staging-*/ensemble-*.nc"))
        if (
            staged and staged[0].stat().st_size > 1_000_000
        ):  # mid-stream: the NetCDF is being written
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the ensemble ended before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    after = {p.name: _sha(p) for p in out.iterdir() if p.is_file()}
    assert after == before  # the previous complete set, untouched; nothing partial in place
    _consistent(out)
    assert list(out.glob(".kazind-staging-*"))  # the killed process's staging is there ...
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "kazind",
            "ensemble",
            "historical",
            "--runs",
            "8",
            "--seed",
            "1",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    assert not list(out.glob(".kazind-staging-*"))  # ... and swept by the next run
    assert read_manifest(out)["command"].endswith("--seed 1")
    _consistent(out)
