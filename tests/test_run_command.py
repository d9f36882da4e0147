"""``kazind run``: the historical run saved as NetCDF and CSV, and its error cases."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
import typer
import xarray as xr

import kazind
import kazind.cli as cli
from kazind.commands import run as run_module
from kazind.commands.run import STABLE_OUTPUTS, parse_dt
from kazind.common.errors import KazindError
from kazind.model import build_spec


def _main(argv: list[str]) -> None:
    """``cli.main(argv)`` with only this command registered, on a fresh app."""
    saved = cli.COMMAND_MODULES, cli.app
    cli.COMMAND_MODULES = ["run"]
    cli.app = typer.Typer(pretty_exceptions_enable=False, add_completion=False)
    cli.app.callback()(lambda: None)
    try:
        cli.main(argv)
    finally:
        cli.COMMAND_MODULES, cli.app = saved


def _cli(*args: str) -> None:
    """Run ``kazind`` and require success."""
    try:
        _main(list(args))
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    _cli("run", "historical", "--out", str(out))
    return out


@pytest.fixture(scope="module")
def spec():
    return build_spec()


def test_command_is_registered():
    assert "run" in cli.COMMAND_MODULES


def test_netcdf_holds_every_output_with_dims_units_and_metadata(saved, spec):
    with xr.open_dataset(saved / "historical.nc", engine="netcdf4") as ds:
        ds.load()
    for name in STABLE_OUTPUTS:
        assert name in ds.data_vars, name
    # Every stock, flow and auxiliary of the model, arrayed over its own dims.
    computed = [v for v in spec.variables if v.kind in ("stock", "flow", "aux")]
    assert set(ds.data_vars) == {v.name for v in computed}
    for var in computed:
        assert ds[var.name].dims == ("time", *var.dims), var.name
        assert ds[var.name].attrs["units"] == var.unit
        assert ds[var.name].attrs["description"] == var.description.strip()
    for dim, elements in spec.dimensions.items():
        assert [str(e) for e in ds[dim].values] == elements
    assert ds["time"].values[0] == spec.time.start
    assert ds["time"].values[-1] == spec.time.stop
    assert np.allclose(np.diff(ds["time"].values), spec.time.save_step)
    assert "run" not in ds.dims
    attrs = ds.attrs
    assert attrs["scenario"] == "historical"
    assert attrs["kazind_version"] == kazind.__version__
    assert attrs["model"] == spec.name
    assert attrs["method"] == spec.time.method
    assert float(attrs["dt"]) == spec.time.dt
    assert int(attrs["calibrated"]) in (0, 1)
    assert attrs["date"][:2] == "20" and "T" in attrs["date"]
    assert float(ds.industrial_output_index.sel(time=1913)) == pytest.approx(100)
    assert float(ds.famine_deaths.sel(time=1913)) == 0


def test_csv_has_one_row_per_time_and_one_column_per_value(saved):
    with open(saved / "historical.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    with xr.open_dataset(saved / "historical.nc", engine="netcdf4") as ds:
        ds.load()
    assert header[0] == "time"
    assert len(body) == ds.sizes["time"]
    assert [float(r[0]) for r in body] == [float(t) for t in ds["time"].values]
    assert len(set(header)) == len(header)
    expected = 1 + sum(
        math.prod(ds.sizes[d] for d in var.dims if d != "time") for var in ds.data_vars.values()
    )
    assert len(header) == expected
    col = {name: i for i, name in enumerate(header)}
    for name in ("industrial_output_index", "population_total", "kazakh_share_of_workers"):
        assert name in col
        assert [float(r[col[name]]) for r in body] == ds[name].values.tolist()
    assert "branch_output[non_ferrous]" in col
    assert "population_by_group[kazakh]" in col
    assert "city_population[balkhash]" in col
    assert "workers_by_group[kazakh_workers]" in col
    values = [float(r[col["branch_output[coal]"]]) for r in body]
    assert values == ds.branch_output.sel(branch="coal").values.tolist()
    assert all(len(r) == len(header) for r in body)


def test_summary_table_names_the_years(tmp_path, capsys):
    _cli("run", "historical", "--out", str(tmp_path))
    printed = capsys.readouterr().out
    for year in ("1913", "1926", "1940"):
        assert year in printed
    assert "industrial output" in printed
    assert (tmp_path / "historical.nc").exists() and (tmp_path / "historical.csv").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_dt_and_method_are_applied(tmp_path, monkeypatch):
    # The command's options, not a backend, are under test (the backends agree: tests/engine):
    # on the numpy backend, so that the suite does not compile the full model's RK4 kernel
    # (over 8 minutes on a busy machine with a cold cache, as in CI).
    monkeypatch.setenv("KAZIND_BACKEND", "numpy")
    _cli("run", "historical", "--out", str(tmp_path), "--dt", "0.0833", "--method", "rk4")
    with xr.open_dataset(tmp_path / "historical.nc", engine="netcdf4") as ds:
        assert ds.attrs["method"] == "rk4"
        assert float(ds.attrs["dt"]) == 1 / 12
        assert ds.sizes["time"] == 29


def test_parse_dt():
    assert parse_dt("0.25") == 0.25
    assert parse_dt("1/12") == 1 / 12
    assert parse_dt("0.0833") == 1 / 12
    assert parse_dt("1") == 1.0
    for bad in ("0.3", "0", "-0.25", "2", "nan", "inf", "abc", "1/0"):
        with pytest.raises(KazindError):
            parse_dt(bad)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "baseline", "--out", "{out}"], "available: historical"),
        (["run"], "available: historical"),
        (["run", "historical"], "--out"),
        (["run", "historical", "--out", "{out}", "--bogus"], "--bogus"),
        (["run", "historical", "--out", "{out}", "--dt", "abc"], "--dt"),
        (["run", "historical", "--out", "{out}", "--dt", "0.3"], "--dt"),
        (["run", "historical", "--out", "{out}", "--method", "heun"], "--method"),
        (["run", "historical", "--out"], "--out"),
        (["run", "historical", "--out", "{out}", "extra"], "extra"),
    ],
)
def test_errors_are_one_line_and_non_zero(tmp_path, capsys, args, needle):
    out = tmp_path / "out"
    argv = [a.replace("{out}", str(out)) for a in args]
    with pytest.raises(SystemExit) as exc:
        _main(argv)
    assert exc.value.code != 0
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("kazind: error:")
    assert needle in lines[0]
    assert not out.exists()  # nothing written


def test_out_must_be_a_directory(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(SystemExit):
        _main(["run", "historical", "--out", str(target)])
    assert "not a directory" in capsys.readouterr().err


def test_a_failed_write_leaves_no_file(tmp_path, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(xr.Dataset, "to_netcdf", boom)
    with pytest.raises(KazindError, match="disk full"):  # one line, not an OSError traceback
        run_module.write_netcdf(xr.Dataset({"x": ("time", [1.0])}), tmp_path / "h.nc")
    assert list(tmp_path.iterdir()) == []
