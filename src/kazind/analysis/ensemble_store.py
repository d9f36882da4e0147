"""An ensemble streamed to NetCDF batch by batch, and read back a block at a time.

``kazind ensemble`` does not hold its runs: each batch's outputs are written into the
NetCDF file as they arrive (:class:`EnsembleWriter`, with the netCDF4 library, since
xarray cannot write a slab into an existing file) and the summaries (fan quantiles,
outcomes, the probability table) read the file back in blocks that fit the memory
budget (:func:`blocks`). The file is the one :func:`kazind.common.writers.write_netcdf`
writes for an ensemble held in memory: dims (run, time, ...), the draws as the
coordinate ``sample`` (run, parameter), ``failed`` (run) and the messages of failed
runs as the coordinates ``failure_run`` / ``failure_reason`` (dim ``failure``), read by
``xarray.open_dataset`` alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np

from kazind.common.errors import KazindError

__all__ = ["EnsembleWriter", "blocks", "failure_arrays"]


def blocks(n: int, bytes_per_item: float, share: float = 0.1) -> Iterator[slice]:
    """Slices of ``range(n)`` each holding at most ``share`` of the memory budget, at
    ``bytes_per_item`` bytes an item (at least one item a block)."""
    from kazind.common.resources import memory_budget

    size = max(1, int(memory_budget() * share / max(bytes_per_item, 1.0)))
    for start in range(0, n, size):
        yield slice(start, min(n, start + size))


def failure_arrays(reasons: Mapping[int, str], limit: int) -> tuple[np.ndarray, np.ndarray]:
    """(runs, messages) of the first ``limit`` failed runs, in run order."""
    runs = sorted(reasons)[:limit]
    return np.asarray(runs, dtype=np.int64), np.asarray([reasons[r] for r in runs], dtype=object)


def _attr(value):
    """A NetCDF attribute value (netCDF4 takes numbers, strings and lists of strings)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, list | tuple):
        return [str(v) for v in value] if value else ""
    return value


class EnsembleWriter:
    """Write an ensemble of ``n`` runs into ``path`` (a new NetCDF 4 file), batch by batch.

    The output variables are made at the first batch (its dims, coords and attributes
    say what they are); :meth:`write` puts a batch at its rows, in any order; :meth:`close`
    adds ``failed``, the failure messages and the attributes.
    """

    def __init__(
        self,
        path: str | Path,
        n: int,
        labels: Sequence[str],
        described: Sequence[str],
        outputs: Sequence[str],
        chunk_rows: int,
    ) -> None:
        import netCDF4

        self.path = Path(path)
        self.n = int(n)
        self.outputs = list(outputs)
        self.chunk = max(1, min(int(chunk_rows), self.n))
        self.nc = netCDF4.Dataset(self.path, "w", format="NETCDF4")
        self.nc.createDimension("run", self.n)
        self.nc.createDimension("parameter", len(labels))
        run = self.nc.createVariable("run", "i8", ("run",))
        for s in range(0, self.n, 1_000_000):
            run[s : min(self.n, s + 1_000_000)] = np.arange(s, min(self.n, s + 1_000_000))
        self.nc.createVariable("parameter", str, ("parameter",))[:] = np.asarray(
            list(labels), dtype=object
        )
        self.nc.createVariable("distribution", str, ("parameter",))[:] = np.asarray(
            list(described), dtype=object
        )
        self.nc.createVariable(
            "sample",
            "f8",
            ("run", "parameter"),
            fill_value=np.nan,
            chunksizes=(self.chunk, max(1, len(labels))),
        )
        self.made = False

    def _make(self, part) -> None:
        for dim, values in part.coords.items():
            if dim in self.nc.dimensions:
                continue
            self.nc.createDimension(dim, len(values))
            values = np.asarray(values)
            if values.dtype.kind in "USO":
                self.nc.createVariable(dim, str, (dim,))[:] = values.astype(object)
            else:
                self.nc.createVariable(dim, values.dtype, (dim,))[:] = values
        for name in self.outputs:
            dims = part.dims[name]
            shape = [self.chunk] + [len(self.nc.dimensions[d]) for d in dims[1:]]
            var = self.nc.createVariable(name, "f8", dims, fill_value=np.nan, chunksizes=shape)
            for key, value in part.attrs.get(name, {}).items():
                var.setncattr(key, _attr(value))
        self.made = True

    def write(self, start: int, part, sample_rows: np.ndarray) -> None:
        """Put the batch ``part`` (a BatchResult) and its draws at rows ``start``..."""
        if not self.made:
            self._make(part)
        stop = start + part.failed.shape[0]
        self.nc["sample"][start:stop] = sample_rows
        for name in self.outputs:
            self.nc[name][start:stop] = part.arrays[name]

    def close(
        self, failed: np.ndarray, reasons: Mapping[int, str], attrs: Mapping, limit: int
    ) -> Path:
        """Add ``failed``, the first ``limit`` failure messages and ``attrs``; close the file."""
        if not self.made:
            raise KazindError("the ensemble has no runs to write")
        var = self.nc.createVariable("failed", "i1", ("run",))
        var.setncattr("dtype", "bool")
        var.setncattr("description", "the run failed numerically; its outputs are NaN")
        for s in range(0, self.n, 1_000_000):
            var[s : min(self.n, s + 1_000_000)] = failed[s : s + 1_000_000].astype(np.int8)
        runs, messages = failure_arrays(reasons, limit)
        self.nc.createDimension("failure", len(runs))
        fr = self.nc.createVariable("failure_run", "i8", ("failure",))
        fr.setncattr("description", f"the runs that failed (the first {limit:,})")
        fm = self.nc.createVariable("failure_reason", str, ("failure",))
        fm.setncattr("description", "why each of them failed (the engine's message)")
        if len(runs):
            fr[:] = runs
            fm[:] = messages
        for key, value in attrs.items():
            self.nc.setncattr(key, _attr(value))
        self.nc.setncattr("coordinates", "sample distribution failure_run failure_reason")
        self.nc.close()
        return self.path

    def abort(self) -> None:
        """Close the file after a failure (the caller removes it)."""
        if self.nc.isopen():
            self.nc.close()
