"""The file writers every layer uses: NetCDF, CSV, JSON and self-contained HTML.

Each writes atomically through :mod:`kazind.common.atomic` (a temporary file beside the
target, renamed over it when complete), so a failure leaves the target as it was.
Numbers in CSV are written with ``repr`` (the shortest text that reads back to the same
float), so a CSV round-trips bit for bit.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kazind.common.atomic import atomic_path, atomic_write

__all__ = ["write_csv", "write_html", "write_json", "write_netcdf", "write_records"]


def write_netcdf(ds, path: str | Path) -> Path:
    """``ds`` (an ``xarray.Dataset``) as NetCDF 4, atomically.

    NetCDF has no empty list attribute: an empty list or tuple is written as ``""``.
    """
    path = Path(path)
    ds = ds.copy()
    for key, value in list(ds.attrs.items()):
        if isinstance(value, list | tuple) and not value:
            ds.attrs[key] = ""
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine="netcdf4")
    return path


def _cell(value: Any) -> Any:
    return repr(float(value)) if isinstance(value, float) else value


def write_csv(path: str | Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """A CSV file of ``header`` and ``rows``, atomically; floats written with ``repr``."""
    path = Path(path)
    with atomic_write(path) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(list(header))
        for row in rows:
            writer.writerow([_cell(v) for v in row])
    return path


def write_records(path: str | Path, records: Sequence[Mapping[str, Any]]) -> Path:
    """A CSV file with a column per key of the first record, a row per record, atomically."""
    header = list(records[0]) if records else []
    return write_csv(path, header, ([record.get(k) for k in header] for record in records))


def write_json(path: str | Path, data: Any) -> Path:
    """``data`` as indented UTF-8 JSON, atomically."""
    path = Path(path)
    with atomic_write(path) as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)
        fh.write("\n")
    return path


def write_html(fig, path: str | Path) -> Path:
    """A plotly figure as a self-contained HTML file (plotly.js included, opens offline), atomically."""
    path = Path(path)
    with atomic_write(path) as fh:
        fh.write(fig.to_html(include_plotlyjs=True, full_html=True))
    return path
