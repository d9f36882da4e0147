"""The command line as a user meets it: every mistake is one line and a non-zero exit."""

from __future__ import annotations

import subprocess
import sys

import pytest


def kazind(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kazind", *args], capture_output=True, text=True, timeout=120
    )


@pytest.mark.parametrize(
    "args",
    [
        ("nosuch",),
        ("facts", "show"),
        ("facts", "--bogus"),
        ("facts", "--year", "abc"),
        ("facts", "--topic", "nope"),
        ("facts", "show", "seed.no.such_fact"),
        ("places", "--kind", "volcano"),
        ("fit-report", "--format", "pdf"),
    ],
)
def test_a_mistake_is_one_line_and_fails(args):
    result = kazind(*args)
    assert result.returncode == 2, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kazind: error: "), result.stderr
    assert "Traceback" not in result.stderr


def test_no_arguments_shows_help_and_succeeds():
    result = kazind()
    assert result.returncode == 0
    assert "facts" in result.stdout and "Usage" in result.stdout


def test_version():
    result = kazind("--version")
    assert result.returncode == 0 and result.stdout.startswith("kazind ")
