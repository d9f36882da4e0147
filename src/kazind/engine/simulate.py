"""Compile a spec and run it: :func:`compile_model` -> :class:`CompiledModel` -> ``xarray.Dataset``.

``compile_model`` parses and checks every equation (syntax, names, arity, dimensions,
units, loops) and lowers the model to scalar slots; ``CompiledModel.run`` builds (and
caches) the generated step code for the requested backend, method and outputs, runs a
batch of parameter sets, checks the state after each step and returns a Dataset. See
docs/engine.md for the semantics.
"""

from __future__ import annotations

import contextlib
import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from kazind.engine import expr as E
from kazind.engine import fused, resources
from kazind.engine.codegen import PipelineTooLong, Plan, compile_source, generate, uses
from kazind.engine.errors import EngineError, SimulationError
from kazind.engine.graph import topological_order
from kazind.engine.lower import Lowered, Ref, SeriesAt, Slot, TimeNow, lower, refs
from kazind.engine.params import did_you_mean, labelled_params, resolve
from kazind.engine.spec import (
    Aux,
    Constant,
    Flow,
    ModelSpec,
    Stock,
    TimeSeries,
    check_time,
    element_values,
)
from kazind.engine.units import UnitChecker

_AUX_KINDS = ("aux", "haux", "fixed")
BACKENDS = ("auto", "numpy", "scalar", "fused")
ON_FAILURE = ("raise", "nan")
#: ``auto`` runs a model of at least this many values (slots) on the fused backend, and
#: a run of at least this many runs x steps x values; smaller runs are not worth a compile.
AUTO_FUSED_SLOTS = 200
AUTO_FUSED_WORK = 5_000_000
_CHECK_EVERY = 8  # numpy backend: test the state's finiteness every this many steps


def parse_equations(spec: ModelSpec) -> dict[str, dict[str, tuple[E.Node, str]]]:
    """Parse every equation and initial value: ``{var: {key: (tree, text)}}`` (see lower)."""
    trees: dict[str, dict[str, tuple[E.Node, str]]] = {}
    for var in spec.variables:
        if isinstance(var, Stock):
            source: Any = var.initial
        elif isinstance(var, Flow | Aux):
            source = var.equation
        else:
            continue
        items = source.items() if isinstance(source, dict) else [("", source)]
        per_key = {}
        for key, text in items:
            if isinstance(text, str):
                per_key[key] = (E.parse(text, var.name), text)
            else:
                per_key[key] = (E.Num(float(text)), repr(float(text)))
        trees[var.name] = per_key
    return trees


def check_units(spec: ModelSpec, trees: dict[str, dict[str, tuple[E.Node, str]]]) -> None:
    """Every equation's unit must be its variable's; stocks' flows must be unit per time."""
    checker = UnitChecker(spec)
    for var in spec.variables:
        for tree, text in trees.get(var.name, {}).values():
            checker.check_equation(
                var.name, tree, text, "initial value" if var.kind == "stock" else ""
            )
        if isinstance(var, Stock):
            checker.check_stock_flows(var)


def compile_model(spec: ModelSpec) -> CompiledModel:
    """Check and lower ``spec`` into a model that runs batches of parameter sets.

    Parameters
    ----------
    spec
        The model (copied: later changes to it do not reach the compiled model).

    Returns
    -------
    CompiledModel
        Its :meth:`~CompiledModel.run` simulates; the fused kernel is compiled on first
        use (or by :meth:`~CompiledModel.warm`).

    Raises
    ------
    EngineError
        Naming the variable and its equation: a syntax error, an unknown name or
        function, a wrong number of arguments, a unit mismatch or an algebraic loop.

    Examples
    --------
    >>> from kazind.engine.examples import exponential_growth
    >>> model = compile_model(exponential_growth(rate=0.1, dt=1.0))
    >>> ds = model.run(outputs=["population"], backend="numpy")
    >>> round(float(ds["population"].isel(run=0, time=1)), 6)
    110.0
    """
    if not isinstance(spec, ModelSpec):
        raise EngineError(f"compile_model needs a ModelSpec, got {type(spec).__name__}")
    spec = spec.model_copy(deep=True)
    trees = parse_equations(spec)
    lowered = lower(spec, trees)
    check_units(spec, trees)
    return CompiledModel(spec, lowered)


def _uncheckedmodel(spec: ModelSpec) -> CompiledModel:
    """A model lowered without the unit checks: the fused backend's canonical form of a
    model already checked (the same equations, its step series as constants)."""
    return CompiledModel(spec, lower(spec, parse_equations(spec)))


def _variable_checked(dims: tuple, data: np.ndarray, attrs: dict) -> xr.Variable:
    return xr.Variable(dims, data, attrs=attrs, fastpath=True)


def _variable_direct(dims: tuple, data: np.ndarray, attrs: dict) -> xr.Variable:
    """An ``xarray.Variable`` of an engine output without xarray's checks (dims and data
    are the engine's own, already right): a few microseconds less per variable, which
    for a model of 300 variables is most of a single run's time."""
    var = object.__new__(xr.Variable)
    var._dims = dims
    var._data = data
    var._attrs = attrs
    var._encoding = None
    return var


def _pick_variable_builder():
    """The direct builder if it gives what xarray's own constructor gives (checked once
    at import, so another xarray version falls back to the checked one)."""
    try:
        data = np.arange(6.0).reshape(1, 2, 3)
        dims = ("run", "time", "x")
        a = _variable_direct(dims, data, {"units": "t"})
        b = _variable_checked(dims, data, {"units": "t"})
        if a.identical(b) and a.dims == b.dims and repr(a) == repr(b):
            return _variable_direct
    except Exception:  # an xarray without these slots: use the checked constructor
        pass
    return _variable_checked


_variable = _pick_variable_builder()


@dataclass
class _Coords:
    variables: dict[str, Any]
    coord_names: set[str]
    dims: dict[str, int]
    indexes: dict[str, Any]


@dataclass
class _Orders:
    run: list[int]
    init: list[int]
    static: set[int]


class CompiledModel:
    """A checked, lowered model; :meth:`run` simulates batches of parameter sets."""

    def __init__(self, spec: ModelSpec, lowered: Lowered) -> None:
        self.spec = spec
        self.lowered = lowered
        self._orders = self._order()
        self._cache: dict[tuple, tuple[Plan, Any]] = {}
        self._plans: dict[tuple, Plan] = {}

    # -- ordering --------------------------------------------------------------------------
    def _label(self, s: int) -> str:
        return self.lowered.slots[s].label

    def _order(self) -> _Orders:
        slots = self.lowered.slots
        aux_like = [i for i, s in enumerate(slots) if s.kind in _AUX_KINDS]
        run_deps = {i: refs(slots[i].expr) if slots[i].kind != "fixed" else set() for i in aux_like}
        run = topological_order(aux_like, run_deps, self._label)
        init_nodes = [i for i, s in enumerate(slots) if s.kind != "const"]
        init_deps = {}
        for i in init_nodes:
            s = slots[i]
            if s.kind in ("stock", "hstock"):
                init_deps[i] = refs(s.init)
            elif s.kind == "fixed":
                init_deps[i] = refs(s.init) | refs(s.tau)
            else:
                init_deps[i] = refs(s.expr)
        init = topological_order(init_nodes, init_deps, self._label, "loop among initial values")
        static: set[int] = set()
        for i in run:
            s = slots[i]
            if s.kind == "fixed" or uses(s.expr, (TimeNow, SeriesAt)):
                continue
            if all(slots[r].kind == "const" or r in static for r in refs(s.expr)):
                static.add(i)
        return _Orders(run, init, static)

    def _plan(self, method: str, outputs: tuple[str, ...]) -> Plan:
        """The plan of a run (cached per method and outputs)."""
        key = (method, tuple(outputs))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._make_plan(method, tuple(outputs))
        return plan

    def _make_plan(self, method: str, outputs: tuple[str, ...]) -> Plan:
        slots = self.lowered.slots
        out_ir = [ir for name in outputs for ir in self._output_ir(name)]
        needed: set[int] = set()
        todo = [i for i, s in enumerate(slots) if s.kind == "stock"]
        for ir in out_ir:
            todo += list(refs(ir))
        while todo:
            i = todo.pop()
            if i in needed:
                continue
            needed.add(i)
            todo += list(refs(slots[i].expr))
        fixed = [i for i in range(len(slots)) if i in needed and slots[i].kind == "fixed"]
        if fixed and method != "euler":
            names = sorted({slots[i].var for i in fixed})
            raise EngineError(
                f"delay_fixed requires method 'euler' (used by {', '.join(map(repr, names))})"
            )
        states = [
            i for i in range(len(slots)) if i in needed and slots[i].kind in ("stock", "hstock")
        ]
        states.sort(key=lambda i: not slots[i].non_negative)
        static = [i for i in self._orders.run if i in needed and i in self._orders.static]
        # delay_fixed slots are read from their pipeline, not computed from their input
        loop = [
            i
            for i in self._orders.run
            if i in needed and i not in self._orders.static and slots[i].kind != "fixed"
        ]
        # initial phase: state, static auxes and pipelines, with what they need at the start
        init_needed: set[int] = set()
        todo = states + static + fixed
        while todo:
            i = todo.pop()
            if i in init_needed:
                continue
            init_needed.add(i)
            s = slots[i]
            if s.kind == "const":
                continue
            if s.kind in ("stock", "hstock"):
                todo += list(refs(s.init))
            elif s.kind == "fixed":
                todo += list(refs(s.init) | refs(s.tau))
            else:
                todo += list(refs(s.expr))
        init = [i for i in self._orders.init if i in init_needed]
        params = {i: n for n, i in enumerate(i for i, s in enumerate(slots) if s.kind == "const")}
        return Plan(
            lowered=self.lowered,
            method=method,
            state_rows={s: row for row, s in enumerate(states)},
            n_nonneg=sum(1 for s in states if slots[s].non_negative),
            params=params,
            init_order=init,
            static=static,
            loop_order=loop,
            fixed=fixed,
            outputs=out_ir,
        )

    def _output_ir(self, name: str) -> list[Any]:
        var = self.spec.variable(name)
        if isinstance(var, TimeSeries):
            return [SeriesAt(self.lowered.series.index(var))]
        return [Ref(s) for s in self.lowered.var_slots[name]]

    def source(self, backend: str = "numpy", method: str = "euler", outputs: Any = None) -> str:
        """The generated Python source (for inspection and debugging)."""
        return generate(self._plan(method, self._outputs(outputs)), backend)

    def _compiled(self, backend: str, method: str, outputs: tuple[str, ...]) -> tuple[Plan, Any]:
        key = (backend, method, outputs)
        if key not in self._cache:
            plan = self._plan(method, outputs)
            self._cache[key] = (plan, compile_source(generate(plan, backend), backend))
        return self._cache[key]

    # -- arguments -------------------------------------------------------------------------
    def _outputs(self, outputs: Any) -> tuple[str, ...]:
        if outputs is None:
            default = self._cache.get(("default-outputs",))
            if default is None:
                default = tuple(
                    v.name for v in self.spec.variables if isinstance(v, Stock | Flow | Aux)
                )
                self._cache[("default-outputs",)] = default
            return default
        if isinstance(outputs, str):
            outputs = [outputs]
        names = tuple(dict.fromkeys(outputs))
        storable = self._cache.get(("storable",))
        if storable is None:
            storable = self._cache[("storable",)] = dict.fromkeys(
                v.name
                for v in self.spec.variables
                if v.kind in ("stock", "flow", "aux", "constant", "series")
            )
        for name in names:
            if name not in storable:
                hint = did_you_mean(str(name), list(storable))
                what = "not a stored kind (lookup)" if name in self.spec.names() else "unknown"
                raise EngineError(f"outputs: {what} variable {name!r}{hint}")
        return names

    def _params(self, params: dict | None) -> tuple[list[Any], int | None, dict[str, np.ndarray]]:
        """Per const slot: a float or a per-run array; the batch size; the given values."""
        slots = self.lowered.slots
        defaults = self._cache.get(("param-defaults",))
        if defaults is None:
            defaults = {}
            for var in self.spec.constants():
                for s, v in zip(
                    self.lowered.var_slots[var.name],
                    element_values(self.spec, var, var.value),
                    strict=True,
                ):
                    defaults[s] = float(v)
            order = [i for i, s in enumerate(slots) if s.kind == "const"]
            constants = {c.name: c for c in self.spec.constants()}
            self._cache[("param-defaults",)] = defaults = (defaults, order, constants)
        if not params:
            plain = self._cache.get(("param-values",))
            if plain is None:  # shared by every call without params: callers only read it
                plain = self._cache[("param-values",)] = [defaults[0][i] for i in defaults[1]]
            return plain, None, {}
        values, order, constants = dict(defaults[0]), defaults[1], defaults[2]
        batch: int | None = None
        given: dict[str, np.ndarray] = {}
        for name, raw in labelled_params(self.spec, params or {}).items():
            var = constants.get(name)
            if var is None:
                resolve(self.spec, str(name))  # raises, naming the nearest constants
            arr = np.asarray(raw, dtype=float)
            shape = self.spec.shape(name)
            if arr.shape == () or arr.shape == shape:
                per_run = False
            elif arr.shape[1:] == shape and arr.ndim == len(shape) + 1:
                per_run = True
            else:
                want = (
                    f"a scalar, {shape}, or (B, {', '.join(map(str, shape))})"
                    if shape
                    else "a scalar or (B,)"
                )
                raise EngineError(f"parameter {name!r}: shape {arr.shape} is not {want}")
            if per_run:
                if batch is not None and arr.shape[0] != batch:
                    raise EngineError(
                        f"parameter {name!r}: batch size {arr.shape[0]} differs from {batch}"
                    )
                batch = arr.shape[0]
            self._check_bounds(var, arr, per_run)
            given[name] = arr
            flat = arr.reshape((arr.shape[0], -1) if per_run else (-1,))
            for e, s in enumerate(self.lowered.var_slots[name]):
                if per_run:
                    values[s] = np.ascontiguousarray(flat[:, e if flat.shape[1] > 1 else 0])
                else:
                    values[s] = float(flat[e if flat.size > 1 else 0])
        return [values[i] for i in order], batch, given

    def _check_bounds(self, var: Constant, arr: np.ndarray, per_run: bool) -> None:
        bad = ~np.isfinite(arr)
        why = "is not finite"
        if not bad.any() and var.bounds is not None:
            low, high = var.bounds
            bad = (arr < low) | (arr > high)
            why = f"lies outside the bounds [{low!r}, {high!r}]"
        if bad.any():
            index = np.argwhere(bad)[0] if arr.ndim else ()
            value = arr[tuple(index)] if arr.ndim else arr[()]
            run = f" (run {int(index[0])})" if per_run else ""
            raise EngineError(f"parameter {var.name!r}: value {float(value)!r}{run} {why}")

    def _series(
        self, series: dict | None, n_steps: int, step: float
    ) -> tuple[list[Any], int | None]:
        """Every series on the half-step grid of ``n_steps`` steps of ``step`` (the model's
        own cached per grid, an override interpolated), and the batch size they imply."""
        grid_key = ("series-grid", n_steps, step)
        cached = self._cache.get(grid_key)
        if cached is None:
            grid = self.spec.time.start + np.arange(2 * n_steps + 1) * (step * 0.5)
            values = [np.interp(grid, v.times, v.values) for v in self.lowered.series]
            for arr in values:
                arr.flags.writeable = False  # shared by every run on this grid
            cached = self._cache[grid_key] = (values, grid)
        if not series:
            return cached[0], None
        grid = cached[1]
        known = {v.name: v for v in self.lowered.series}
        overrides = dict(series)
        batch: int | None = None
        for name in overrides:
            if name not in known:
                hint = did_you_mean(str(name), list(known))
                raise EngineError(f"series {name!r} is not a time series of the model{hint}")
        out = []
        cached = cached[0]
        for i, var in enumerate(self.lowered.series):
            if var.name not in overrides:
                out.append(cached[i])
                continue
            try:
                times, values = overrides[var.name]
            except (TypeError, ValueError):
                raise EngineError(f"series {var.name!r}: give (times, values)") from None
            times = np.asarray(times, dtype=float)
            values = np.asarray(values, dtype=float)
            if (
                times.ndim != 1
                or values.shape[-1:] != times.shape
                or values.ndim > 2
                or not len(times)
            ):
                raise EngineError(
                    f"series {var.name!r}: times {times.shape} and values {values.shape} do not match"
                )
            if (
                np.any(np.diff(times) <= 0)
                or not np.isfinite(times).all()
                or not np.isfinite(values).all()
            ):
                raise EngineError(f"series {var.name!r}: times must increase, values be finite")
            if values.ndim == 1:
                out.append(np.interp(grid, times, values))
                continue
            if batch is not None and values.shape[0] != batch:
                raise EngineError(
                    f"series {var.name!r}: batch size {values.shape[0]} differs from {batch}"
                )
            batch = values.shape[0]
            out.append(np.stack([np.interp(grid, times, row) for row in values], axis=1))
        return out, batch

    # -- resources -------------------------------------------------------------------------
    def _steps(self, step: float, save: float) -> tuple[int, int]:
        """Steps and the save interval in steps; refuses a step count beyond the limit."""
        ts = self.spec.time
        check_time(ts.start, ts.stop, step, save)
        n_steps = round((ts.stop - ts.start) / step)
        if n_steps > resources.MAX_STEPS:
            raise EngineError(
                f"dt = {step!r} gives {n_steps:,} steps from {ts.start!r} to {ts.stop!r}; the "
                f"engine runs at most {resources.MAX_STEPS:,} (use a larger dt)"
            )
        return n_steps, round(save / step)

    def memory_estimate(
        self,
        runs: int = 1,
        outputs: list[str] | None = None,
        method: str | None = None,
        dt: float | None = None,
        save_step: float | None = None,
        backend: str = "numpy",
        series_per_run: int = 0,
    ) -> resources.Estimate:
        """The memory a :meth:`run` of ``runs`` parameter sets needs, estimated before any
        allocation from runs x steps x stored values (see :mod:`kazind.engine.resources`).

        Use it to refuse a request early; :meth:`run` itself refuses a run that does not
        fit in the memory available with :class:`EngineError`.
        """
        ts = self.spec.time
        step = float(dt if dt is not None else ts.dt)
        save = save_step if save_step is not None else ts.save_step
        n_steps, save_every = self._steps(step, float(save if save is not None else step))
        names = self._outputs(outputs)
        plan = self._plan(method or ts.method, names)
        n_save = n_steps // save_every + 1
        computed = 0 if backend == "fused" else len(plan.loop_order) + len(plan.static)
        return resources.estimate_bytes(
            runs=runs,
            steps=n_steps,
            saves=n_save,
            stored=len(plan.outputs),
            state=len(plan.state_rows),
            computed=computed,
            series=len(self.lowered.series),
            series_per_run=series_per_run,
            rk4=plan.method == "rk4",
        )

    def _check_memory(self, runs, names, method, n_steps, save_every, backend, per_run) -> None:
        plan = self._plan(method, names)
        estimate = resources.estimate_bytes(
            runs=runs,
            steps=n_steps,
            saves=n_steps // save_every + 1,
            stored=len(plan.outputs),
            state=len(plan.state_rows),
            computed=0 if backend == "fused" else len(plan.loop_order) + len(plan.static),
            series=len(self.lowered.series),
            series_per_run=per_run,
            rk4=method == "rk4",
        )
        resources.check_fits(estimate, runs)

    # -- running ---------------------------------------------------------------------------
    def run(
        self,
        params: dict[str, Any] | None = None,
        series: dict[str, Any] | None = None,
        outputs: list[str] | None = None,
        method: str | None = None,
        dt: float | None = None,
        save_step: float | None = None,
        backend: str = "auto",
        threads: int | None = None,
        on_failure: str = "raise",
    ) -> xr.Dataset:
        """Simulate a batch of parameter sets (docs/engine.md has the whole contract).

        Parameters
        ----------
        params
            Constant name -> value: a number for every run, or ``(B,)`` / ``(B, n)``
            arrays for a batch of ``B`` runs (see :func:`~kazind.engine.engine_params`).
        series
            Time series name -> ``(times, values)`` replacing the spec's, per run or shared.
        outputs
            The variables to return (default: every stock, flow and auxiliary).
        method, dt, save_step
            Integration method (``"euler"`` or ``"rk4"``), step and saving interval
            (default: the spec's).
        backend
            ``"auto"`` (fused for large models and batches, see :meth:`auto_backend`),
            ``"numpy"``, ``"scalar"`` or ``"fused"``.
        threads
            How many threads the fused backend splits the batch over (default:
            ``KAZIND_THREADS``, else every core).
        on_failure
            ``"raise"`` (the first run that fails numerically raises
            :class:`SimulationError`) or ``"nan"`` (its outputs are NaN, the Dataset's
            attributes ``failed_runs`` and ``failure_reasons`` list the runs that failed
            and the message of each, the other runs are unaffected).

        Returns
        -------
        xarray.Dataset
            One variable per output with dimensions ``(run, time, *its dimensions)``.

        Examples
        --------
        >>> import numpy as np
        >>> from kazind.engine.examples import exponential_growth
        >>> model = compile_model(exponential_growth(dt=1.0))
        >>> ds = model.run(params={"growth_rate": np.array([0.0, 0.5])}, outputs=["population"])
        >>> ds["population"].isel(time=2).values.tolist()
        [100.0, 225.0]
        """
        ts = self.spec.time
        method = method or ts.method
        if method not in ("euler", "rk4"):
            raise EngineError(f"method must be 'euler' or 'rk4', got {method!r}")
        if backend not in BACKENDS:
            raise EngineError(
                f"backend must be one of {', '.join(map(repr, BACKENDS))}, got {backend!r}"
            )
        if on_failure not in ON_FAILURE:
            raise EngineError(f"on_failure must be 'raise' or 'nan', got {on_failure!r}")
        step = float(dt if dt is not None else ts.dt)
        if save_step is None:
            save_step = ts.save_step if ts.save_step is not None else step
        save = float(save_step)
        n_steps, save_every = self._steps(step, save)
        names = self._outputs(outputs)
        pvals, b1, given = self._params(params)
        per_run_series = sum(
            1
            for v in (series or {}).values()
            if isinstance(v, tuple | list) and len(v) == 2 and np.ndim(v[1]) == 2
        )
        self._check_memory(b1 or 1, names, method, n_steps, save_every, backend, per_run_series)
        svals, b2 = self._series(series, n_steps, step)
        if b1 is not None and b2 is not None and b1 != b2:
            raise EngineError(f"batch size {b1} of params differs from {b2} of series")
        batch = b1 or b2 or 1
        if backend == "auto":
            backend = self.auto_backend(batch, method, n_steps)
        reasons: dict[int, str] = {}
        if backend == "fused":
            data, reasons = self._run_fused(
                method,
                names,
                pvals,
                svals,
                batch,
                n_steps,
                save_every,
                step,
                threads,
                on_failure,
                not series,
            )
            layout = "bto"
        else:
            plan, fn = self._compiled(backend, method, names)
            lookups = [
                (np.asarray(v.x, float), np.asarray(v.y, float)) for v in self.lowered.lookups
            ]
            args = (n_steps, save_every, float(ts.start), step)
            if backend == "numpy":
                data, reasons = self._numpy_runs(
                    plan, fn, pvals, svals, lookups, batch, args, on_failure
                )
            else:
                data, reasons = self._scalar_runs(
                    plan, fn, names, pvals, svals, lookups, batch, args, on_failure
                )
            layout = "otb"
        ds = self._dataset(names, data, n_steps, save_every, step, method, given, batch, layout)
        if on_failure == "nan":
            ds.attrs["failed_runs"] = sorted(reasons)
            ds.attrs["failure_reasons"] = [reasons[r] for r in sorted(reasons)]
        return ds

    def _numpy_runs(self, plan, fn, pvals, svals, lookups, batch, args, on_failure, offset=0):
        """The numpy backend's outputs; with ``on_failure="nan"`` a batch that fails is cut
        in halves until each failing run stands alone (NaN outputs, its message kept)."""
        if on_failure == "raise":
            return self._run_numpy(plan, fn, pvals, svals, lookups, batch, args, offset), {}
        try:
            return self._run_numpy(plan, fn, pvals, svals, lookups, batch, args, offset), {}
        except SimulationError as exc:
            if batch == 1:
                n_save = args[0] // args[1] + 1
                return np.full((len(plan.outputs), n_save, 1), np.nan), {
                    offset: " ".join(str(exc).split())
                }
        half = batch // 2
        parts = []
        reasons: dict[int, str] = {}
        for lo, hi in ((0, half), (half, batch)):
            pv = [v[lo:hi] if isinstance(v, np.ndarray) else v for v in pvals]
            sv = [v[:, lo:hi] if v.ndim == 2 else v for v in svals]
            data, why = self._numpy_runs(
                plan, fn, pv, sv, lookups, hi - lo, args, on_failure, offset + lo
            )
            parts.append(data)
            reasons.update(why)
        return np.concatenate(parts, axis=2), reasons

    def _scalar_runs(self, plan, fn, names, pvals, svals, lookups, batch, args, on_failure):
        """The scalar backend's outputs, run by run (a failed run NaN with ``"nan"``)."""
        runs, reasons = [], {}
        lk = [(x.tolist(), y.tolist()) for x, y in lookups]
        for b in range(batch):
            p = [float(v[b]) if isinstance(v, np.ndarray) else float(v) for v in pvals]
            s = [(v[:, b] if v.ndim == 2 else v).tolist() for v in svals]
            try:
                runs.append(
                    self._run_scalar(plan, fn, p, s, lk, args, b, (names, pvals, svals, lookups))
                )
            except SimulationError as exc:
                if on_failure == "raise":
                    raise
                reasons[b] = " ".join(str(exc).split())
                runs.append(np.full((len(plan.outputs), args[0] // args[1] + 1, 1), np.nan))
        return np.concatenate(runs, axis=2), reasons

    def _run_numpy(self, plan, fn, pvals, svals, lookups, batch, args, run_offset=0, exact=False):
        n_state = len(plan.state_rows)
        n_steps, save_every = args[0], args[1]
        n_save = n_steps // save_every + 1
        S = np.zeros((n_state, batch))
        D = np.zeros((n_state, batch))
        out = np.empty((len(plan.outputs), n_save, batch))
        P = [np.float64(v) if not isinstance(v, np.ndarray) else v for v in pvals]
        FX = [None] * len(plan.fixed)
        with np.errstate(all="ignore"), self._pipeline_errors(plan):
            status = fn(S, D, P, svals, lookups, FX, out, *args, 1 if exact else _CHECK_EVERY)
        if status >= 0 and not exact:
            # re-run the first failing run alone, checking every step, to find the exact step
            run = self._failing_run(plan, S)
            pv = [v[run : run + 1] if isinstance(v, np.ndarray) else v for v in pvals]
            sv = [v[:, run : run + 1] if v.ndim == 2 else v for v in svals]
            self._run_numpy(plan, fn, pv, sv, lookups, 1, args, run_offset + run, exact=True)
        if status >= 0:
            self._state_failure(plan, S, out, status, args, run_offset)
        if not np.isfinite(out).all():
            self._output_failure(plan, out, n_save, args, run_offset)
        return out

    def _run_scalar(self, plan, fn, p, s, lk, args, b, batch_inputs):
        S = [0.0] * len(plan.state_rows)
        out: list[tuple] = []
        try:
            with self._pipeline_errors(plan):
                status = fn(S, None, p, s, lk, [None] * len(plan.fixed), out, *args, 1)
            error = None
        except (ArithmeticError, ValueError) as exc:
            status, error = 0, exc
        if status >= 0:
            # Repeat the run with the numpy backend, which has inf/nan instead of exceptions:
            # it names the culprit, or, if the exception only hit a value that does not
            # matter (an unused branch, an overflow inside a comparison), gives the result.
            names, pvals, svals, lookups = batch_inputs
            np_plan, np_fn = self._compiled("numpy", plan.method, names)
            pv = [v[b : b + 1] if isinstance(v, np.ndarray) else v for v in pvals]
            sv = [v[:, b : b + 1] if v.ndim == 2 else v for v in svals]
            if error is None:
                self._run_numpy(np_plan, np_fn, pv, sv, lookups, 1, args, b, exact=True)
                raise SimulationError(f"the state failed the check in run {b}")
            return self._run_numpy(np_plan, np_fn, pv, sv, lookups, 1, args, b, exact=True)
        out = np.array(out, dtype=float).reshape(len(out), len(plan.outputs))
        out = out.T[:, :, None]
        if not np.isfinite(out).all():
            self._output_failure(plan, out, out.shape[1], args, b)
        return out

    # -- huge ensembles: chunks and streamed statistics ------------------------------------
    def _batch_of(self, params: dict | None, series: dict | None) -> int:
        """The batch size ``params`` and ``series`` imply (1 if nothing is per run)."""
        sizes = set()
        for name, raw in labelled_params(self.spec, params or {}).items():
            arr = np.asarray(raw)
            shape = self.spec.shape(name) if name in self.spec.names() else ()
            if arr.ndim == len(shape) + 1:
                sizes.add(arr.shape[0])
        for value in (series or {}).values():
            if isinstance(value, tuple | list) and len(value) == 2 and np.ndim(value[1]) == 2:
                sizes.add(np.shape(value[1])[0])
        if len(sizes) > 1:
            raise EngineError(f"params and series give different batch sizes: {sorted(sizes)}")
        return sizes.pop() if sizes else 1

    def _slice_inputs(self, params, series, lo: int, hi: int, batch: int):
        out_p = {}
        for name, raw in labelled_params(self.spec, params or {}).items():
            arr = np.asarray(raw)
            shape = self.spec.shape(name) if name in self.spec.names() else ()
            out_p[name] = arr[lo:hi] if arr.ndim == len(shape) + 1 and batch > 1 else raw
        out_s = {}
        for name, value in (series or {}).items():
            if isinstance(value, tuple | list) and len(value) == 2 and np.ndim(value[1]) == 2:
                out_s[name] = (value[0], np.asarray(value[1])[lo:hi])
            else:
                out_s[name] = value
        return out_p, out_s

    def run_chunks(
        self,
        params: dict[str, Any] | None = None,
        series: dict[str, Any] | None = None,
        chunk_size: int = 10_000,
        **kw: Any,
    ):
        """Yield the runs of a batch as Datasets of at most ``chunk_size`` runs each, in
        order (``run`` numbered as in the whole batch), so that a batch far larger than
        memory can be streamed to disk or reduced; ``kw`` as for :meth:`run`.

        Each chunk's runs equal the same runs of one big call to the bit (a run does not
        depend on the batch it is in).
        """
        if isinstance(chunk_size, bool) or not isinstance(chunk_size, int) or chunk_size < 1:
            raise EngineError(f"chunk_size must be a whole number >= 1, got {chunk_size!r}")
        batch = self._batch_of(params, series)
        for lo in range(0, batch, chunk_size):
            hi = min(lo + chunk_size, batch)
            p, s = self._slice_inputs(params, series, lo, hi, batch)
            ds = self.run(params=p, series=s, **kw)
            yield ds.assign_coords(run=np.arange(lo, hi))

    def run_statistics(
        self,
        params: dict[str, Any] | None = None,
        series: dict[str, Any] | None = None,
        chunk_size: int = 10_000,
        **kw: Any,
    ) -> xr.Dataset:
        """Mean, standard deviation, minimum and maximum over the runs of a batch, computed
        chunk by chunk (memory: one chunk), with Chan's pairwise update of mean and
        variance. The result's variables have dims ``(statistic, time, *dims)``."""
        count = 0
        mean: dict[str, np.ndarray] = {}
        m2: dict[str, np.ndarray] = {}
        low: dict[str, np.ndarray] = {}
        high: dict[str, np.ndarray] = {}
        template = None
        for ds in self.run_chunks(params, series, chunk_size, **kw):
            n = ds.sizes["run"]
            for name in ds.data_vars:
                values = ds[name].values
                c_mean = values.mean(axis=0)
                c_m2 = ((values - c_mean) ** 2).sum(axis=0)
                if name not in mean:
                    mean[name], m2[name] = c_mean, c_m2
                    low[name], high[name] = values.min(axis=0), values.max(axis=0)
                    continue
                delta = c_mean - mean[name]
                total = count + n
                mean[name] = mean[name] + delta * (n / total)
                m2[name] = m2[name] + c_m2 + delta**2 * (count * n / total)
                low[name] = np.minimum(low[name], values.min(axis=0))
                high[name] = np.maximum(high[name], values.max(axis=0))
            count += n
            template = ds
        stats = ["mean", "std", "min", "max"]
        out = {}
        for name in mean:
            std = np.sqrt(m2[name] / (count - 1)) if count > 1 else np.zeros_like(m2[name])
            data = np.stack([mean[name], std, low[name], high[name]])
            var = template[name]
            out[name] = xr.Variable(("statistic", *var.dims[1:]), data, attrs=dict(var.attrs))
        coords = {"statistic": stats, "time": template["time"].values}
        for dim in self.spec.dimensions:
            coords[dim] = template[dim].values
        result = xr.Dataset(out, coords=coords)
        result.attrs.update(dict(template.attrs), runs=count)
        return result

    # -- the fused backend -----------------------------------------------------------------
    def _backend(self, method: str) -> fused.Backend:
        """The fused backend of ``method`` (its canonical structure, kernel and packing)."""
        key = ("fused-backend", method)
        backend = self._cache.get(key)
        if backend is None:
            backend = self._cache[key] = fused.Backend(self, method, _uncheckedmodel)
        return backend

    def fused_ready(self, method: str | None = None) -> bool:
        """True when the fused kernel of ``method`` is compiled (in this process or on disk)."""
        if not fused.available():
            return False
        return self._backend(method or self.spec.time.method).ready()

    def kernel_key(self, method: str | None = None) -> str | None:
        """The disk-cache key of the fused kernel of ``method`` (models that share it run
        on one compiled kernel); None when numba is missing."""
        if not fused.available():
            return None
        return self._backend(method or self.spec.time.method).key

    def warm(self, method: str | None = None) -> CompiledModel:
        """Compile (or load from the disk cache) the fused kernel now, so that the first
        run does not wait for it; a no-op when numba is missing. Returns the model."""
        if fused.available():
            self._backend(method or self.spec.time.method).kernel()
        return self

    def auto_backend(
        self, batch: int, method: str | None = None, n_steps: int | None = None
    ) -> str:
        """The backend ``backend="auto"`` picks: ``KAZIND_BACKEND`` if set; else ``fused``
        when numba is installed and the model is large (at least :data:`AUTO_FUSED_SLOTS`
        values) or the run is (runs x steps x values >= :data:`AUTO_FUSED_WORK`); else
        ``scalar`` for one run and ``numpy`` for a batch.

        The choice depends on the call only (never on what ran before or on the cache), so
        the same call gives the same numbers to the bit. Call :meth:`warm` to compile the
        kernel ahead (a server at start).
        """
        env = os.environ.get("KAZIND_BACKEND", "").strip()
        if env:
            if env not in BACKENDS[1:]:
                raise EngineError(f"KAZIND_BACKEND={env!r} is not one of {', '.join(BACKENDS[1:])}")
            return env
        if fused.available():
            size = len(self.lowered.slots)
            steps = n_steps if n_steps is not None else self.spec.time.n_steps()
            if size >= AUTO_FUSED_SLOTS or batch * steps * size >= AUTO_FUSED_WORK:
                return "fused"
        return "scalar" if batch == 1 else "numpy"

    def _run_fused(
        self,
        method,
        names,
        pvals,
        svals,
        batch,
        n_steps,
        save_every,
        dt,
        threads,
        on_failure="raise",
        cacheable=False,
    ):
        """The fused kernel's outputs ``(run, time, output + spare)`` and, with
        ``on_failure="nan"``, the failed runs' messages (their outputs NaN)."""
        if not fused.available():
            raise EngineError("backend 'fused' needs numba, which is not installed")
        backend = self._backend(method)
        t0 = float(self.spec.time.start)
        out, status, state = backend.call(
            pvals, svals, batch, names, n_steps, save_every, t0, dt, threads, cacheable
        )
        failed = np.flatnonzero(status != -1)
        reasons: dict[int, str] = {}
        if not failed.size:
            return out, reasons
        pipes = failed[status[failed] <= fused.PIPELINE_FAILED]
        if on_failure == "raise" or pipes.size:  # a pipeline over the cap is the model's error
            run = int(failed[0] if on_failure == "raise" else pipes[0])
            self._fused_failure(method, names, pvals, svals, run, n_steps, save_every, dt)
        exact = backend.exact(failed, pvals, svals, names, n_steps, save_every, t0, dt)
        for i, run in enumerate(failed):
            error = self._fused_error(method, names, *exact, i, int(run), n_steps, save_every, dt)
            reasons[int(run)] = " ".join(str(error).split())
        out[failed] = np.nan
        return out, reasons

    def _fused_error(self, method, names, out, status, state, row, run, n_steps, save_every, dt):
        """The :class:`SimulationError` the numpy backend gives for run ``run`` of a fused
        batch, made from what the kernel wrote in row ``row`` of an exact re-run (its
        status, its state where it failed, its saved outputs)."""
        plan = self._plan(method, names)
        n_out = out.shape[2] - 1
        saved = np.moveaxis(out[row : row + 1, :, :n_out], (0, 1, 2), (2, 1, 0))
        args = (n_steps, save_every, float(self.spec.time.start), float(dt))
        code = int(status[row])
        try:
            if code == fused.OUTPUT_FAILED:
                self._output_failure(plan, saved, saved.shape[1], args, run)
            S = self._backend(method).model_state(state[row], plan)
            self._state_failure(plan, S, saved, code, args, run)
        except SimulationError as exc:
            return exc
        return SimulationError(
            f"the state failed the check at time {args[2] + max(code, 0) * dt!r} (run {run})"
        )

    def _fused_failure(self, method, names, pvals, svals, run, n_steps, save_every, dt):
        """Report the failing run ``run`` of a fused batch as the numpy backend would: by
        re-running it alone there (it names variable, time and run)."""
        np_plan, np_fn = self._compiled("numpy", method, names)
        pv = [v[run : run + 1] if isinstance(v, np.ndarray) else v for v in pvals]
        sv = [v[:, run : run + 1] if v.ndim == 2 else v for v in svals]
        lookups = [(np.asarray(v.x, float), np.asarray(v.y, float)) for v in self.lowered.lookups]
        t0 = float(self.spec.time.start)
        self._run_numpy(
            np_plan,
            np_fn,
            pv,
            sv,
            lookups,
            1,
            (n_steps, save_every, t0, float(dt)),
            run,
            exact=True,
        )
        # the reference run passed (a difference in the last bits decided): say what we know
        exact = self._backend(method).exact([run], pvals, svals, names, n_steps, save_every, t0, dt)
        raise self._fused_error(method, names, *exact, 0, run, n_steps, save_every, dt)

    # -- failures --------------------------------------------------------------------------
    @contextlib.contextmanager
    def _pipeline_errors(self, plan: Plan):
        """A delay_fixed pipeline over the memory cap as an EngineError naming its variable."""
        try:
            yield
        except PipelineTooLong as exc:
            slot = self.lowered.slots[plan.fixed[exc.index]]
            raise EngineError(
                f"delay_fixed needs a pipeline of {exc.steps:,} steps x {exc.runs:,} runs "
                f"({resources.format_bytes(exc.nbytes)}), more than the cap of "
                f"{resources.format_bytes(resources.MAX_PIPELINE_BYTES)}: use a shorter delay "
                "or a larger dt",
                where=f"variable {slot.label!r}",
            ) from None

    def _failing_run(self, plan: Plan, S: np.ndarray) -> int:
        """The lowest run index whose state is not finite or negative where it must not be."""
        bad = ~np.isfinite(S).all(axis=0)
        if plan.n_nonneg:
            bad |= (S[: plan.n_nonneg] < 0).any(axis=0)
        runs = np.flatnonzero(bad)
        return int(runs[0]) if runs.size else 0

    def _slot_label(self, slot: Slot) -> tuple[str, str]:
        note = f" ({slot.note} state)" if slot.kind == "hstock" else ""
        element = f" in element {','.join(slot.element)}" if slot.element else ""
        return slot.var, f"{element}{note}"

    def _state_failure(self, plan, S, out, k, args, run_offset) -> None:
        n_steps, save_every, t0, dt = args
        saves_done = (k - 1) // save_every + 1 if k > 0 else 0
        if saves_done and not np.isfinite(out[:, :saves_done]).all():
            self._output_failure(plan, out, saves_done, args, run_offset)
        rows = sorted(plan.state_rows.items(), key=lambda item: item[1])
        time = float(t0 + k * dt)
        for slot_id, row in rows:
            values = S[row]
            bad = np.flatnonzero(~np.isfinite(values))
            why = "non-finite value"
            if not bad.size and self.lowered.slots[slot_id].non_negative:
                bad = np.flatnonzero(values < 0)
                why = "negative value in a non-negative stock:"
            if bad.size:
                run = int(bad[0])
                var, detail = self._slot_label(self.lowered.slots[slot_id])
                raise SimulationError(
                    f"{why} {float(values[run])!r}{detail} at time {time!r} (run {run + run_offset})",
                    where=f"variable {var!r}",
                )
        raise SimulationError(f"the state failed the check at time {time!r}")

    def _output_failure(self, plan, out, n_save, args, run_offset) -> None:
        _, save_every, t0, dt = args
        bad = ~np.isfinite(out[:, :n_save])
        j, i, run = sorted(map(tuple, np.argwhere(bad)), key=lambda x: (x[1], x[0], x[2]))[0]
        ir = plan.outputs[j]
        slot = self.lowered.slots[ir.slot] if isinstance(ir, Ref) else None
        var, detail = self._slot_label(slot) if slot else ("?", "")
        time = float(t0 + i * save_every * dt)
        raise SimulationError(
            f"non-finite value {float(out[j, i, run])!r}{detail} at time {time!r} (run {run + run_offset})",
            where=f"variable {var!r}",
        )

    # -- output ----------------------------------------------------------------------------
    def _dataset(
        self, names, data, n_steps, save_every, dt, method, given, batch, layout="otb"
    ) -> xr.Dataset:
        """The Dataset of a run; ``data`` is (output, time, run) (``otb``) or, from the
        fused backend, (run, time, output) (``bto``), viewed without a copy.

        Built directly from its variables (xarray's ``Dataset._construct_direct``): the
        coordinates and their indexes are made once per batch size and time axis, so that
        a single run's Dataset costs well under a millisecond rather than several.
        """
        ts = self.spec.time
        times = ts.start + np.arange(0, n_steps + 1, save_every) * dt
        base = self._coords(batch, times)
        variables: dict[str, Any] = dict(base.variables)
        coord_names = set(base.coord_names)
        meta = self._meta()
        j = 0
        n_times = len(times)
        for name in names:
            dims, shape, unit, description = meta[name]
            n = math.prod(shape)
            if layout == "bto":
                arr = data[:, :, j : j + n].reshape((batch, n_times, *shape))
            else:
                block = data[j : j + n]
                arr = np.moveaxis(block, 2, 0).transpose(0, 2, 1).reshape((batch, n_times, *shape))
            j += n
            variables[name] = _variable(dims, arr, {"units": unit, "description": description})
        for name, arr in given.items():
            dims, shape, _, _ = meta[name]
            full = np.broadcast_to(arr, (batch, *shape)) if arr.ndim <= len(shape) else arr
            coord = f"param_{name}"
            variables[coord] = xr.Variable(("run", *dims[2:]), np.array(full))
            coord_names.add(coord)
        dims = dict(base.dims)
        attrs = {"model": self.spec.name, "method": method, "dt": dt}
        return xr.Dataset._construct_direct(
            variables, coord_names, dims=dims, attrs=attrs, indexes=dict(base.indexes)
        )

    def _meta(self) -> dict[str, tuple]:
        """Per storable variable: its Dataset dims, shape, unit and description."""
        meta = self._cache.get(("meta",))
        if meta is None:
            meta = {
                v.name: (("run", "time", *v.dims), self.spec.shape(v.name), v.unit, v.description)
                for v in self.spec.variables
            }
            self._cache[("meta",)] = meta
        return meta

    def _coords(self, batch: int, times: np.ndarray) -> _Coords:
        """The coordinate variables and indexes of a Dataset (cached per batch and times)."""
        key = ("coords", batch, len(times), float(times[0]), float(times[-1]))
        cached = self._cache.get(key)
        if cached is None:
            coords: dict[str, Any] = {"run": np.arange(batch), "time": times}
            for dim, elems in self.spec.dimensions.items():
                coords[dim] = list(elems)
            ds = xr.Dataset(coords=coords)
            cached = _Coords(dict(ds.variables), set(ds.coords), dict(ds.sizes), dict(ds.xindexes))
            if len(self._cache) > 64:  # a few batch sizes and time axes are all one meets
                for old in [k for k in list(self._cache) if k[0] == "coords"][:16]:
                    self._cache.pop(old, None)  # another thread may have taken it
            self._cache[key] = cached
        return cached
