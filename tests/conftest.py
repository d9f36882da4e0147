"""Helpers shared by the test modules."""

from __future__ import annotations

import typer

from kazind import cli
from kazind.engine import fused


def pytest_terminal_summary(terminalreporter) -> None:
    """How many fused kernels this test run compiled, and for how long: every test shares
    one disk cache (``kazind.engine.fused.cache_dir()``), so a model's kernel is compiled
    once per machine, and the historical model and every scenario that schedules constants
    share one kernel. A second run should say 0."""
    terminalreporter.write_line(
        f"kazind: {fused.compile_count()} fused kernel(s) compiled in this run "
        f"({fused.compile_seconds():.0f} s), cache {fused.cache_dir()}"
    )


def run_cli(monkeypatch, capsys, modules: list[str], *args: str) -> tuple[int, str, str]:
    """Run ``kazind ARGS`` through ``cli.main`` with only ``modules`` registered.

    Returns (exit code, stdout, stderr). A fresh app keeps a colleague's unfinished
    command module from breaking another layer's tests.
    """
    monkeypatch.setattr(cli, "COMMAND_MODULES", list(modules))
    monkeypatch.setattr(
        cli, "app", typer.Typer(pretty_exceptions_enable=False, add_completion=False)
    )
    cli.app.callback()(lambda: None)
    code = 0
    try:
        cli.main(list(args))
    except SystemExit as exc:
        code = exc.code or 0
    out, err = capsys.readouterr()
    return code, out, err
