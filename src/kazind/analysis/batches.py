"""Run a matrix of parameter draws on the batched engine, in one process or on Dask.

Shared by :mod:`kazind.analysis.ensemble` and :mod:`kazind.analysis.sensitivity`.
The draws are made once, up front, by the caller; here they are cut into batches of
``batch_size`` rows, each batch is one call of the engine (``backend="auto"``: the fused
kernel for the full model, on every core of the process), and the results are put back
in row order. Since the engine's result for one run does not depend on the batch it ran
in, nor on the process or the number of threads, the result is the same to the bit
however the rows are batched and wherever the batches run (tested).

A run that fails numerically has NaN outputs, ``failed`` marks it and ``reasons`` keeps
the engine's message (the engine's ``on_failure="nan"``: the other runs of its batch are
unaffected and nothing is run twice but the failing run, to find its exact step).

Dask: ``workers=N`` starts a local cluster of N processes with one thread each (each
worker's engine then runs on one thread: ``KAZIND_THREADS=1``); ``scheduler=ADDRESS`` (or
a ``distributed.Client``) uses an existing cluster. Each worker process compiles the
model once and keeps it, keyed by the spec's hash (the fused kernel itself comes from
the disk cache).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kazind.common.checks import check_count
from kazind.common.errors import KazindError
from kazind.engine import Constant, ModelSpec, SimulationError

DEFAULT_BATCH_SIZE = 2000  # throughput peaks at batches of 2,000-4,000 (BENCHMARKS.md)
SCHEDULER_TIMEOUT_S = 5


# ---------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Target:
    """What runs: a scenario's name and spec, and the parameters the scenario sets
    itself (those keep the scenario's value in every draw)."""

    name: str
    spec: ModelSpec
    fixed: frozenset[str] = frozenset()


def _declared_labels(scenario) -> set[str]:
    """``name`` / ``name[element]`` of every parameter and schedule a scenario sets."""
    labels: set[str] = set()
    for name, value in (getattr(scenario, "parameters", None) or {}).items():
        if isinstance(value, dict):
            labels.update(f"{name}[{e}]" for e in value)
        else:
            labels.add(str(name))
    for name in getattr(scenario, "schedules", None) or {}:
        labels.add(str(name))
    return labels


def resolve_target(scenario) -> Target:
    """A :class:`Target` from a scenario name or path, a loaded scenario, or a ModelSpec.

    Scenarios come from :mod:`kazind.scenarios` (``load_scenario``, ``scenario_spec``).
    """
    if isinstance(scenario, Target):
        return scenario
    if isinstance(scenario, ModelSpec):
        return Target(scenario.name, scenario)
    from kazind.scenarios import load_scenario, scenario_spec

    loaded = (
        load_scenario(str(scenario) if isinstance(scenario, Path) else scenario)
        if isinstance(scenario, str | Path)
        else scenario
    )
    spec = scenario_spec(loaded)
    # A constant whose change waits for the scenario's start keeps its own name for its
    # historical value (the scenario's is ``X__scenario``): the draws still move it.
    from kazind.scenarios.apply import switched_constants

    late = set(switched_constants(spec))
    fixed = {label for label in _declared_labels(loaded) if split_label(label)[0] not in late}
    return Target(str(getattr(loaded, "name", spec.name)), spec, frozenset(fixed))


def split_label(label: str) -> tuple[str, str | None]:
    if label.endswith("]") and "[" in label:
        name, element = label[:-1].split("[", 1)
        return name, element
    return label, None


def sampled_labels(spec: ModelSpec, labels: Sequence[str], fixed: frozenset[str]) -> list[str]:
    """The labels of ``labels`` a run of ``spec`` takes from the draw: not set by the
    scenario, and still a constant in its spec (a scheduled constant is a series)."""
    out = []
    for label in labels:
        name, _ = split_label(label)
        if label in fixed or name in fixed:
            continue
        if name in spec.names() and isinstance(spec.variable(name), Constant):
            out.append(label)
    return out


def engine_params(
    spec: ModelSpec, labels: Sequence[str], values: np.ndarray
) -> dict[str, np.ndarray]:
    """Engine ``params`` from a (B, p) matrix whose column j is ``labels[j]``."""
    batch = values.shape[0]
    out: dict[str, np.ndarray] = {}
    for j, label in enumerate(labels):
        name, element = split_label(label)
        var = spec.variable(name)
        if element is None:
            out[name] = np.ascontiguousarray(values[:, j], dtype=float)
            continue
        elements = spec.dimensions[var.dims[0]]
        if name not in out:
            base = [
                var.value.get(e, var.value.get("*")) if isinstance(var.value, dict) else var.value
                for e in elements
            ]
            out[name] = np.tile(np.asarray(base, float), (batch, 1))
        out[name][:, elements.index(element)] = values[:, j]
    return out


# ---------------------------------------------------------------- one batch


@dataclass(frozen=True)
class Job:
    """Everything a batch needs besides its rows; sent once to each Dask worker."""

    key: str  # sha256 of the spec: the compiled-model cache key
    spec: ModelSpec
    labels: tuple[str, ...]
    outputs: tuple[str, ...]
    outcomes: tuple | None = None  # Outcome objects: return (B, k) outcome values instead
    save_step: float | None = None  # None: the model's (once a year)


def make_job(
    spec: ModelSpec,
    labels: Sequence[str],
    outputs: Sequence[str],
    outcomes=None,
    save_step: float | None = None,
) -> Job:
    key = hashlib.sha256(spec.model_dump_json().encode()).hexdigest()
    return Job(
        key,
        spec,
        tuple(labels),
        tuple(outputs),
        tuple(outcomes) if outcomes is not None else None,
        None if save_step is None else float(save_step),
    )


@dataclass
class BatchResult:
    """Outputs of consecutive rows: arrays (B, time, ...) by name, or outcomes (B, k)."""

    arrays: dict[str, np.ndarray]
    failed: np.ndarray
    dims: dict[str, tuple[str, ...]] = field(default_factory=dict)
    attrs: dict[str, dict] = field(default_factory=dict)
    coords: dict[str, np.ndarray] = field(default_factory=dict)
    ds_attrs: dict = field(default_factory=dict)
    reasons: dict[int, str] = field(default_factory=dict)  # failed row -> the engine's message


_MODELS: dict[str, object] = {}


def compiled(job: Job):
    """The compiled model of ``job.spec``, compiled once per process."""
    model = _MODELS.get(job.key)
    if model is None:
        from kazind.engine import compile_model

        if len(_MODELS) >= 8:
            _MODELS.pop(next(iter(_MODELS)))
        model = _MODELS[job.key] = compile_model(job.spec)
    return model


def _engine_run(job: Job, values: np.ndarray) -> BatchResult:
    """One call of the engine on the rows ``values``; failed runs NaN, marked, explained."""
    model = compiled(job)
    params = engine_params(job.spec, job.labels, values) if job.labels else None
    with np.errstate(all="ignore"):
        ds = model.run(
            params=params, outputs=list(job.outputs), save_step=job.save_step, on_failure="nan"
        )
    batch = values.shape[0]
    failed = np.zeros(batch, bool)
    failed[list(ds.attrs["failed_runs"])] = True
    reasons = dict(zip(ds.attrs["failed_runs"], ds.attrs["failure_reasons"], strict=True))
    if job.outcomes is not None:
        matrix = (
            np.column_stack([o.values(ds) for o in job.outcomes])
            if job.outcomes
            else np.empty((batch, 0))
        )
        return BatchResult({"outcomes": np.array(matrix, dtype=float)}, failed, reasons=reasons)
    # copies: each output contiguous, and the engine's buffer of every output freed
    arrays = {name: np.array(ds[name].values, dtype=float) for name in job.outputs}
    coords = {d: np.asarray(ds[d].values) for d in ds.dims if d != "run"}
    ds_attrs = {k: v for k, v in ds.attrs.items() if k not in ("failed_runs", "failure_reasons")}
    return BatchResult(
        arrays,
        failed,
        dims={name: tuple(ds[name].dims) for name in job.outputs},
        attrs={name: dict(ds[name].attrs) for name in job.outputs},
        coords=coords,
        ds_attrs=ds_attrs,
        reasons=reasons,
    )


def _nan_like(template: BatchResult, reasons: list[str]) -> BatchResult:
    """NaN outputs for ``len(reasons)`` failed runs, with shapes from ``template``."""
    n = len(reasons)
    arrays = {k: np.full((n, *v.shape[1:]), np.nan) for k, v in template.arrays.items()}
    return BatchResult(
        arrays,
        np.ones(n, bool),
        template.dims,
        template.attrs,
        template.coords,
        template.ds_attrs,
        dict(enumerate(reasons)),
    )


def _concat(parts: list[BatchResult]) -> BatchResult:
    first = parts[0]
    if len(parts) == 1:
        return first
    arrays = {k: np.concatenate([p.arrays[k] for p in parts]) for k in first.arrays}
    reasons: dict[int, str] = {}
    offset = 0
    for p in parts:
        reasons.update({offset + i: why for i, why in p.reasons.items()})
        offset += p.failed.shape[0]
    return BatchResult(
        arrays,
        np.concatenate([p.failed for p in parts]),
        first.dims,
        first.attrs,
        first.coords,
        first.ds_attrs,
        reasons,
    )


def _run_or_split(job: Job, values: np.ndarray) -> BatchResult | list[str]:
    """Run ``values``. The engine marks its own numerical failures; a SimulationError that
    escapes all the same (from an outcome, say) splits the batch until the failing runs
    stand alone. Where every run failed, each one's message instead (the caller fills NaN)."""
    try:
        return _engine_run(job, values)
    except SimulationError as exc:
        if values.shape[0] == 1:
            return [" ".join(str(exc).split())]
    half = values.shape[0] // 2
    left, right = _run_or_split(job, values[:half]), _run_or_split(job, values[half:])
    if isinstance(left, list) and isinstance(right, list):
        return left + right
    template = right if isinstance(left, list) else left
    return _concat(
        [_nan_like(template, part) if isinstance(part, list) else part for part in (left, right)]
    )


def run_batch(job: Job, values: np.ndarray) -> BatchResult:
    """Run the rows ``values`` (B, p) of ``job`` on the engine, in this process.

    Runs that fail are NaN, ``failed`` marks them and ``reasons`` keeps each one's message.
    """
    values = np.asarray(values, dtype=float)
    result = _run_or_split(job, values)
    if isinstance(
        result, list
    ):  # every run failed: take shapes from one run of the spec's own values
        template = _engine_run(
            Job(job.key, job.spec, (), job.outputs, job.outcomes, job.save_step), values[:1, :0]
        )
        return _nan_like(template, result)
    return result


# ---------------------------------------------------------------- many batches


def _check_count(name: str, value, minimum: int = 1) -> int:
    return check_count(name, value, minimum)


@contextlib.contextmanager
def dask_client(workers: int | None = None, scheduler=None) -> Iterator[object | None]:
    """A Dask client for ``workers`` local processes or the cluster at ``scheduler``
    (an address or a ``distributed.Client``); None when neither is given."""
    if workers is not None and scheduler is not None:
        raise KazindError("give workers or a scheduler, not both")
    if workers is None and scheduler is None:
        yield None
        return
    from distributed import Client, LocalCluster

    if scheduler is not None and not isinstance(scheduler, str):
        yield scheduler  # a Client the caller owns
        return
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=f"{SCHEDULER_TIMEOUT_S}s")
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise KazindError(f"cannot reach the Dask scheduler at {scheduler}: {reason}") from None
        with client:
            yield client
        return
    _check_count("workers", workers)
    cluster = LocalCluster(
        n_workers=int(workers),
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.ERROR,
        env={"KAZIND_THREADS": "1"},  # one process per core: the fused kernel's threads would fight
    )
    try:
        with Client(cluster) as client:
            yield client
    finally:
        cluster.close()


def _progress(description: str | None, total: int):
    if description is None:
        return contextlib.nullcontext(None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("runs"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    )


class Rows:
    """Rows of a parameter matrix made on demand, ``rows(start, stop)`` (n, p) in total,
    so that a large ensemble never holds all its draws at once."""

    def __init__(self, n: int, p: int, make: Callable[[int, int], np.ndarray]) -> None:
        self.n, self.p, self.make = int(n), int(p), make

    @classmethod
    def of(cls, values: np.ndarray | Rows) -> Rows:
        if isinstance(values, Rows):
            return values
        matrix = np.asarray(values, dtype=float)
        if matrix.ndim != 2:
            raise KazindError(
                f"the parameter matrix must be (runs, parameters), got shape {matrix.shape}"
            )
        return cls(matrix.shape[0], matrix.shape[1], lambda a, b: matrix[a:b])


def batch_memory(job: Job, batch_size: int, n: int) -> int:
    """Bytes one engine batch of ``job`` holds at its peak (see :func:`run_memory`)."""
    from kazind.scenarios.run import run_memory

    runs = min(batch_size, n)
    if job.outcomes is not None:  # only the outcomes come back
        return run_memory(
            job.spec, runs, outputs=job.outputs, backend="numpy", save_step=job.save_step
        ) + (16 * runs * len(job.outcomes))
    return run_memory(job.spec, runs, outputs=job.outputs, backend="numpy", save_step=job.save_step)


def result_memory(job: Job, n: int) -> int:
    """Bytes of the outputs of ``n`` runs of ``job`` held in memory (twice while joined)."""
    if job.outcomes is not None:
        return 2 * 8 * n * len(job.outcomes)
    spec = job.spec
    ts = spec.time
    n_save = round((ts.stop - ts.start) / (job.save_step or ts.save_step or ts.dt)) + 1
    stored = sum(math.prod(spec.shape(name)) for name in job.outputs)
    return 2 * 8 * n * n_save * stored


def run_matrix(
    job: Job,
    values: np.ndarray | Rows,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int | None = None,
    scheduler=None,
    progress: str | None = None,
    sink: Callable[[int, BatchResult], None] | None = None,
) -> BatchResult:
    """Run every row of ``values`` ((n, p) or :class:`Rows`) in batches; results in row order.

    ``progress``: a description to show a progress bar (per batch) on stderr.
    ``sink``: called as ``sink(first_row, batch_result)`` for each batch as it arrives
    (in any order on Dask), which then is not kept: the result holds only ``failed``,
    ``reasons`` and the outputs' dims, coords and attributes. Without a sink every
    output is held, and a request that will not fit in memory is refused first.
    Batches are made as they are sent, and at most a few per worker are in flight.
    """
    rows = Rows.of(values)
    n = _check_count("runs", rows.n)
    batch_size = _check_count("batch size", batch_size)
    from kazind.common.resources import require_memory

    batch = min(batch_size, n)
    held = 0 if sink is not None else result_memory(job, n)
    if scheduler is None:  # the engine runs here, or in ``workers`` processes of this machine
        held += batch_memory(job, batch_size, n) * (workers or 1) + (
            result_memory(job, batch) if workers else 0
        )
    else:  # a cluster's workers hold their own batches; here a few results arrive at a time
        held += result_memory(job, batch) * 8
    require_memory(
        held,
        f"{n:,} runs in batches of {batch:,}",
        "use fewer runs, a smaller --batch-size, fewer stored outputs, or write to disk "
        "(kazind ensemble --out streams its runs to NetCDF)",
    )
    starts = list(range(0, n, batch_size))
    failed = np.zeros(n, bool)
    reasons: dict[int, str] = {}
    parts: dict[int, BatchResult] = {}
    meta: list[BatchResult] = []

    def take(i: int, part: BatchResult) -> None:
        start = starts[i]
        failed[start : start + part.failed.shape[0]] = part.failed
        reasons.update({start + r: why for r, why in part.reasons.items()})
        if not meta:
            meta.append(part)
        if sink is not None:
            sink(start, part)
        else:
            parts[i] = part

    def chunk(i: int) -> np.ndarray:
        return np.asarray(rows.make(starts[i], min(starts[i] + batch_size, n)), dtype=float)

    with dask_client(workers, scheduler) as client, _progress(progress, n) as bar:
        task = bar.add_task(progress, total=n) if bar is not None else None
        if client is None:
            for i in range(len(starts)):
                values_i = chunk(i)
                take(i, run_batch(job, values_i))
                if bar is not None:
                    bar.advance(task, values_i.shape[0])
        else:
            from distributed import as_completed

            job_future = client.scatter(job, broadcast=True, hash=False)
            from kazind.common.resources import memory_budget

            # two batches per worker, as long as their results fit a quarter of the budget here
            room = int(memory_budget() * 0.25 // max(1, result_memory(job, min(batch_size, n))))
            in_flight = max(
                2, min(2 * max(1, len(client.scheduler_info().get("workers", {}))), room)
            )
            pending = iter(range(len(starts)))
            index: dict[str, int] = {}

            def submit(queue) -> None:
                i = next(pending, None)
                if i is not None:
                    future = client.submit(run_batch, job_future, chunk(i), pure=False)
                    index[future.key] = i
                    queue.add(future)

            queue = as_completed([])
            for _ in range(in_flight):
                submit(queue)
            for future in queue:
                i = index.pop(future.key)
                part = future.result()
                future.release()
                take(i, part)
                if bar is not None:
                    bar.advance(task, part.failed.shape[0])
                submit(queue)
    first = meta[0]
    if sink is not None:
        return BatchResult(
            {}, failed, first.dims, first.attrs, first.coords, first.ds_attrs, reasons
        )
    joined = _concat([parts[i] for i in range(len(starts))])
    joined.reasons = reasons
    return joined
