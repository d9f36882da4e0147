"""The fit report: every target, the record's value beside the model's, within tolerance or not.

Fitted and held-out targets are counted separately, so the out-of-sample test is
visible; inputs and checks are listed but not scored; facts the model cannot express
are listed with the reason.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass

import numpy as np

from kazind.engine import CompiledModel
from kazind.model.targets import TargetSet, residual, simulated


@dataclass(frozen=True)
class FitRow:
    """One target of the report (the JSON keys)."""

    fact_id: str
    target: str
    variable: str
    element: str | None
    at: float
    measure: str
    role: str
    comparison: str
    observed: float | list[float]
    simulated: float
    error: float
    relative_error: float | None
    tolerance: float
    residual: float
    within_tolerance: bool
    held_out: bool
    confidence: str
    statement: str


def fit_rows(model: CompiledModel, targets: TargetSet, lang: str = "en") -> list[FitRow]:
    """Run the model once and compare it with every target."""
    ds = model.run(outputs=targets.variables(), save_step=model.spec.time.dt, backend="numpy")
    rows = []
    for rt in targets.targets:
        sim = float(simulated(ds, rt)[0])
        res = float(residual(np.array([sim]), rt)[0])
        obs = rt.observed
        centre = float(np.mean(obs)) if isinstance(obs, tuple) else float(obs)
        error = sim - centre
        fact = rt.fact
        rows.append(
            FitRow(
                fact_id=fact.id,
                target=rt.key,
                variable=rt.target.variable,
                element=rt.target.element,
                at=rt.target.at,
                measure=rt.target.measure,
                role=rt.target.role,
                comparison=rt.comparison,
                observed=list(obs) if isinstance(obs, tuple) else float(obs),
                simulated=sim,
                error=error,
                relative_error=error / centre if centre else None,
                tolerance=rt.tolerance,
                residual=res,
                within_tolerance=bool(abs(res) <= 1.0),
                held_out=rt.target.role == "holdout",
                confidence="seed" if fact.is_seed else fact.source.confidence,
                statement=getattr(fact.statement, lang),
            )
        )
    return rows


def summary(rows: list[FitRow]) -> dict[str, str]:
    """Counts of targets within tolerance, fitted and held out apart."""
    out = {}
    for role in ("fit", "holdout"):
        sel = [r for r in rows if r.role == role]
        ok = sum(r.within_tolerance for r in sel)
        pct = 100 * ok / len(sel) if sel else 0.0
        out[role] = f"{ok} of {len(sel)} within tolerance ({pct:.0f} %)"
    scored = [r for r in rows if r.role in ("fit", "holdout")]
    ok = sum(r.within_tolerance for r in scored)
    out["all scored"] = f"{ok} of {len(scored)} within tolerance ({100 * ok / max(1, len(scored)):.0f} %)"
    return out


def as_dicts(rows: list[FitRow]) -> list[dict]:
    return [asdict(r) for r in rows]


def _fmt(x: float | list[float]) -> str:
    if isinstance(x, list):
        return "–".join(_fmt(v) for v in x)
    return f"{x:.4g}"


def to_html(rows: list[FitRow], targets: TargetSet) -> str:
    """A self-contained HTML page of the report."""
    head = ("fact", "role", "variable", "at", "observed", "simulated", "residual", "within")
    body = []
    for r in rows:
        cls = "ok" if r.within_tolerance else ("na" if r.role in ("input", "check") else "miss")
        var = r.variable + (f"[{r.element}]" if r.element else "")
        body.append(
            f'<tr class="{cls}"><td title="{html.escape(r.statement)}">{html.escape(r.fact_id)}</td>'
            f"<td>{r.role}</td><td>{html.escape(var)} ({r.measure})</td><td>{r.at:g}</td>"
            f"<td>{_fmt(r.observed)} ({r.comparison})</td><td>{_fmt(r.simulated)}</td>"
            f"<td>{r.residual:.2f}</td><td>{'yes' if r.within_tolerance else 'no'}</td></tr>"
        )
    un = "".join(
        f"<li><code>{html.escape(u.fact)}</code> ({u.use.replace('_', ' ')}): {html.escape(u.why)}</li>"
        for u in targets.unexpressed
    )
    summ = "".join(f"<li>{k}: {v}</li>" for k, v in summary(rows).items())
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>kazind fit report</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px}.ok{background:#e8f5e9}"
        ".miss{background:#ffebee}.na{color:#777}</style></head><body>"
        f"<h1>Fit report</h1><ul>{summ}</ul><table><tr>{''.join(f'<th>{h}</th>' for h in head)}</tr>"
        f"{''.join(body)}</table><h2>Facts that are not targets: inputs, and what the model cannot express</h2><ul>{un}</ul></body></html>"
    )
