"""kazind.common.writers: what each writer writes, and that a failure leaves the target untouched."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import xarray as xr

from kazind.common.errors import KazindError
from kazind.common.writers import write_csv, write_json, write_netcdf, write_records


def test_csv_floats_read_back_bit_for_bit(tmp_path):
    values = [0.1 + 0.2, 1 / 3, 1e-300, 12345.678901234567]
    path = write_csv(
        tmp_path / "x.csv", ["name", "value"], [[f"v{i}", v] for i, v in enumerate(values)]
    )
    rows = list(csv.reader(path.open()))
    assert rows[0] == ["name", "value"]
    assert [float(r[1]) for r in rows[1:]] == values


def test_records_take_their_columns_from_the_first_record(tmp_path):
    path = write_records(tmp_path / "r.csv", [{"a": 1, "b": 0.5}, {"a": 2, "b": 0.25}])
    assert path.read_text() == "a,b\n1,0.5\n2,0.25\n"


def test_json_keeps_non_latin_text(tmp_path):
    path = write_json(tmp_path / "x.json", {"title": "Қарағанды"})
    assert "Қарағанды" in path.read_text(encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == {"title": "Қарағанды"}


def test_netcdf_writes_empty_list_attributes(tmp_path):
    ds = xr.Dataset({"x": ("t", np.arange(3.0))}, attrs={"warnings": [], "seed": 1})
    back = xr.load_dataset(write_netcdf(ds, tmp_path / "x.nc"))
    assert back.attrs["warnings"] == "" and int(back.attrs["seed"]) == 1
    np.testing.assert_array_equal(back["x"].values, ds["x"].values)


def test_a_failed_write_leaves_the_old_file(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("old\n")

    def rows():
        yield [1.0]
        raise RuntimeError("disk gone")

    with pytest.raises(RuntimeError):
        write_csv(path, ["v"], rows())
    assert path.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]


def test_an_unwritable_target_is_one_line(tmp_path):
    (tmp_path / "dir.csv").mkdir()
    with pytest.raises(KazindError, match="dir.csv"):
        write_csv(tmp_path / "dir.csv", ["v"], [[1.0]])
