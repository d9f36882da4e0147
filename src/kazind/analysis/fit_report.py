"""The fit report: every target, the record's value beside the model's, and the history check.

Three parts:

- **targets** (:func:`fit_rows`): every target of ``model/data/targets.yaml`` and every
  literature check, the published value beside the model's, within tolerance or not,
  with the posterior predictive 90 % band when the calibration wrote one. Fitted and
  held-out targets are counted apart, so the out-of-sample test is visible; inputs and
  checks (a figure restated, or one of other borders) are listed but not scored.
- **history check** (:func:`history_rows`): every quantitative figure of the record
  (the source text and the outside figures) and of the literature checks, with its
  status: fitted, held out, a check, an input of the model, or not expressible (with
  the reason) — the history as an outside checker sees it.
- **posterior** (:func:`posterior_rows`): each calibrated parameter's prior against its
  posterior, R-hat and effective sample size (ArviZ), and whether the data pin it or it
  rests on its prior; a parameter on a bound carries its reason.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from kazind.common.yamlio import load_yaml
from kazind.engine import CompiledModel
from kazind.model.build import CALIBRATED_FILE
from kazind.model.targets import ResolvedTarget, TargetSet, residual, simulated


@dataclass(frozen=True)
class FitRow:
    """One target of the report (the JSON keys)."""

    fact_id: str  # the record's fact id, or the literature check's id (lit.*)
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
    p05: float | None = None  # posterior predictive band, when calibrated
    p95: float | None = None
    literature: bool = False


def predictive(path: str | Path = CALIBRATED_FILE) -> dict[str, list[float]]:
    """Posterior predictive bands written by ``kazind calibrate`` (key -> [p05, p50, p95])."""
    path = Path(path)
    if not path.exists():
        return {}
    data = load_yaml(path).data or {}
    bands = data.get("predictive") if isinstance(data, dict) else None
    return {str(k): [float(x) for x in v] for k, v in (bands or {}).items()}


def _row(rt: ResolvedTarget, sim: float, lang: str, bands: dict) -> FitRow:
    res = float(residual(np.array([sim]), rt)[0])
    obs = rt.observed
    centre = float(np.mean(obs)) if isinstance(obs, tuple) else float(obs)
    error = sim - centre
    band = bands.get(rt.key)
    return FitRow(
        fact_id=rt.source_id,
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
        confidence=rt.confidence,
        statement=rt.statement(lang),
        p05=band[0] if band else None,
        p95=band[2] if band else None,
        literature=rt.fact is None,
    )


def fit_rows(
    model: CompiledModel,
    targets: TargetSet,
    lang: str = "en",
    bands: dict | None = None,
    literature: bool = False,
) -> list[FitRow]:
    """Run the model once and compare it with every target (and, with ``literature``,
    every literature check: rows whose ``fact_id`` is a ``lit.*`` id, not a fact)."""
    ds = model.run(outputs=targets.variables(), save_step=model.spec.time.dt)
    bands = predictive() if bands is None else bands
    rows = []
    for rt in (*targets.targets, *(targets.literature if literature else ())):
        with np.errstate(all="ignore"):
            sim = float(simulated(ds, rt)[0])
        rows.append(_row(rt, sim, lang, bands))
    return rows


def summary(rows: list[FitRow]) -> dict[str, str]:
    """Counts of targets within tolerance: fitted, held out (the record's and the literature's)."""
    out = {}
    groups = {
        "fit": [r for r in rows if r.role == "fit"],
        "holdout": [r for r in rows if r.role == "holdout" and not r.literature],
        "literature (held out)": [r for r in rows if r.literature],
    }
    for name, sel in groups.items():
        ok = sum(r.within_tolerance for r in sel)
        pct = 100 * ok / len(sel) if sel else 0.0
        out[name] = f"{ok} of {len(sel)} within tolerance ({pct:.0f} %)"
    scored = [r for r in rows if r.role in ("fit", "holdout")]
    ok = sum(r.within_tolerance for r in scored)
    out["all scored"] = (
        f"{ok} of {len(scored)} within tolerance ({100 * ok / max(1, len(scored)):.0f} %)"
    )
    return out


def as_dicts(rows: list) -> list[dict]:
    return [asdict(r) for r in rows]


# ---------------------------------------------------------------- history check

STATUS = {"fit": "fitted", "holdout": "held out", "check": "check (reported)", "input": "input"}


@dataclass(frozen=True)
class HistoryRow:
    """One figure of the record or the literature, and what the model does with it."""

    source_id: str
    statement: str
    published: str
    model: str
    status: str  # fitted | held out | check (reported) | input | not expressible
    within: bool | None
    note: str


def history_rows(
    rows: list[FitRow], targets: TargetSet, facts=None, lang: str = "en"
) -> list[HistoryRow]:
    """Every quantitative figure of the record and of the literature checks, with its status."""
    from kazind.record.facts import default_table, format_value

    facts = facts or default_table()
    by_fact: dict[str, list[FitRow]] = {}
    for r in rows:
        by_fact.setdefault(r.fact_id, []).append(r)
    unexpressed = {u.fact: u for u in targets.unexpressed}
    keyed = {rt.key: rt for rt in (*targets.targets, *targets.literature)}
    out = []
    for fact in facts:
        if fact.value is None:
            continue
        statement = getattr(fact.statement, lang)
        published = format_value(fact)
        if fact.id in by_fact:
            for r in by_fact[fact.id]:
                rt = keyed[r.target]
                model = r.simulated / rt.target.scale if rt.target.observed is None else r.simulated
                unit = {"percent": " %", "dimensionless": "", "times": "x"}.get(
                    fact.unit, f" {fact.unit}"
                )
                out.append(
                    HistoryRow(
                        fact.id,
                        statement,
                        published,
                        f"{_fmt(model)}{unit if rt.target.observed is None else ''}",
                        STATUS[r.role],
                        r.within_tolerance if r.role in ("fit", "holdout") else None,
                        f"{r.variable}{f'[{r.element}]' if r.element else ''} at {r.at:g}",
                    )
                )
        elif fact.id in unexpressed:
            u = unexpressed[fact.id]
            out.append(
                HistoryRow(
                    fact.id,
                    statement,
                    published,
                    "",
                    "input" if u.use == "input" else "not expressible",
                    None,
                    u.why,
                )
            )
        else:
            out.append(
                HistoryRow(
                    fact.id,
                    statement,
                    published,
                    "",
                    "not expressible",
                    None,
                    "no link in targets.yaml",
                )
            )
    for r in rows:
        if r.literature:
            out.append(
                HistoryRow(
                    r.fact_id,
                    r.statement,
                    _fmt(r.observed),
                    _fmt(r.simulated),
                    "held out (literature)",
                    r.within_tolerance,
                    f"{r.variable}{f'[{r.element}]' if r.element else ''} at {r.at:g}",
                )
            )
    return out


# ---------------------------------------------------------------- posterior


@dataclass(frozen=True)
class PosteriorRow:
    label: str
    prior_mean: float
    prior_sd: float
    prior_source: str
    map_value: float
    posterior_mean: float | None
    posterior_sd: float | None
    p05: float | None
    p95: float | None
    rhat: float | None
    ess: float | None
    verdict: str  # "pinned by the data" | "rests on the prior"
    on_bound: str  # the reason, when the MAP value lies on a bound
    autocorrelation_time: float | None = None  # emcee's tau, in steps


def posterior_rows(path: str | Path = CALIBRATED_FILE) -> list[PosteriorRow]:
    """Each calibrated parameter's prior against its posterior (from ``calibrated.yaml``)."""
    path = Path(path)
    if not path.exists():
        return []
    params = (load_yaml(path).data or {}).get("parameters") or {}
    out = []
    for label, p in params.items():
        prior = p.get("prior") or {}
        post = p.get("posterior") or {}
        out.append(
            PosteriorRow(
                label=str(label),
                prior_mean=float(prior.get("mean", np.nan)),
                prior_sd=float(prior.get("sd", np.nan)),
                prior_source=str(prior.get("source", "")),
                map_value=float(p["value"]),
                posterior_mean=post.get("mean"),
                posterior_sd=post.get("sd"),
                p05=post.get("p05"),
                p95=post.get("p95"),
                rhat=p.get("rhat"),
                ess=p.get("ess"),
                verdict="pinned by the data" if p.get("pinned_by_data") else "rests on the prior",
                on_bound=str(p.get("on_bound", "")),
                autocorrelation_time=p.get("autocorrelation_time"),
            )
        )
    return out


def sampler_summary(path: str | Path = CALIBRATED_FILE) -> dict[str, str]:
    """How the posterior sample was drawn (``calibrated.yaml``'s posterior_sample block):
    walkers, steps, burn-in, thinning, autocorrelation time, and what it is conditional on."""
    path = Path(path)
    if not path.exists():
        return {}
    doc = load_yaml(path).data or {}
    info = doc.get("posterior_sample") or {}
    if not info:
        return {}
    tau = info.get("autocorrelation_time") or {}
    out = {
        "sampler": f"{info.get('walkers')} walkers x {info.get('steps')} steps, burn-in {info.get('burn_in')}, "
        f"thin {info.get('thin')}, acceptance {info.get('acceptance')}",
        "autocorrelation time": f"longest {tau.get('max')} steps, median {tau.get('median')}; "
        f"chain {'longer' if info.get('converged_by_tau') else 'shorter'} than 50 of them",
    }
    fixed = (doc.get("provenance") or {}).get("conditional_on")
    if fixed:
        out["conditional on"] = str(fixed)
    return out


def diagnostics_summary(rows: list[PosteriorRow]) -> dict[str, str]:
    """Worst R-hat, least ESS, counts pinned and on bounds."""
    if not rows or rows[0].rhat is None:
        return {}
    rhat = [r.rhat for r in rows if r.rhat is not None]
    ess = [r.ess for r in rows if r.ess is not None]
    pinned = sum(r.verdict == "pinned by the data" for r in rows)
    bound = [r.label for r in rows if r.on_bound]
    return {
        "parameters": str(len(rows)),
        "pinned by the data": f"{pinned} (posterior sd below half the prior's)",
        "rest on their priors": str(len(rows) - pinned),
        "R-hat": f"worst {max(rhat):.3f}; {sum(x <= 1.1 for x in rhat)} of {len(rhat)} at or below 1.1",
        "bulk effective sample size": (
            f"least {min(ess):.0f}, median {float(np.median(ess)):.0f}; "
            f"{sum(x > 400 for x in ess)} of {len(ess)} above 400"
        ),
        "on a bound": ", ".join(bound) if bound else "none",
    }


# ---------------------------------------------------------------- rendering


def _fmt(x) -> str:
    if x is None:
        return ""
    if isinstance(x, list | tuple):
        return "–".join(_fmt(v) for v in x)
    return f"{x:.4g}"


def _table(head: tuple, body: list[tuple], classes: list[str] | None = None) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    rows = []
    for i, row in enumerate(body):
        cls = f' class="{classes[i]}"' if classes else ""
        rows.append(
            f"<tr{cls}>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
        )
    return f"<table><tr>{cells}</tr>{''.join(rows)}</table>"


def to_html(
    rows: list[FitRow],
    targets: TargetSet,
    history: list[HistoryRow] | None = None,
    posterior: list[PosteriorRow] | None = None,
) -> str:
    """A self-contained HTML page of the report: targets, history check, posterior."""
    head = (
        "fact",
        "role",
        "variable",
        "at",
        "observed",
        "simulated",
        "90 % band",
        "residual",
        "within",
    )
    body, classes = [], []
    for r in rows:
        classes.append(
            "ok" if r.within_tolerance else ("na" if r.role in ("input", "check") else "miss")
        )
        var = r.variable + (f"[{r.element}]" if r.element else "")
        band = f"{_fmt(r.p05)}–{_fmt(r.p95)}" if r.p05 is not None else ""
        body.append(
            (
                r.fact_id,
                r.role,
                f"{var} ({r.measure})",
                f"{r.at:g}",
                f"{_fmt(r.observed)} ({r.comparison})",
                _fmt(r.simulated),
                band,
                f"{r.residual:.2f}",
                "yes" if r.within_tolerance else "no",
            )
        )
    summ = "".join(f"<li>{html.escape(k)}: {html.escape(v)}</li>" for k, v in summary(rows).items())
    parts = [f"<h1>Fit report</h1><ul>{summ}</ul>", _table(head, body, classes)]
    if posterior:
        diag = "".join(
            f"<li>{html.escape(k)}: {html.escape(v)}</li>"
            for k, v in diagnostics_summary(posterior).items()
        )
        pbody = [
            (
                p.label,
                f"{p.prior_mean:.4g} ± {p.prior_sd:.3g}",
                _fmt(p.map_value),
                f"{_fmt(p.posterior_mean)} ± {_fmt(p.posterior_sd)}",
                f"{_fmt(p.p05)}–{_fmt(p.p95)}",
                _fmt(p.rhat),
                _fmt(p.ess),
                p.verdict,
                p.on_bound,
                p.prior_source,
            )
            for p in posterior
        ]
        diag += "".join(
            f"<li>{html.escape(k)}: {html.escape(v)}</li>" for k, v in sampler_summary().items()
        )
        parts += [
            "<h2>Parameters: prior against posterior</h2>",
            f"<ul>{diag}</ul>",
            _table(
                (
                    "parameter",
                    "prior",
                    "MAP",
                    "posterior",
                    "90 %",
                    "R-hat",
                    "bulk ESS",
                    "verdict",
                    "on a bound",
                    "prior's source",
                ),
                pbody,
            ),
        ]
    if history:
        hbody = [
            (
                h.source_id,
                h.status,
                h.published,
                h.model,
                "" if h.within is None else ("yes" if h.within else "no"),
                h.statement,
                h.note,
            )
            for h in history
        ]
        hclasses = ["ok" if h.within else ("miss" if h.within is False else "na") for h in history]
        parts += [
            "<h2>History check: every figure of the record and the literature</h2>",
            _table(
                ("figure", "status", "published", "model", "within", "statement", "note"),
                hbody,
                hclasses,
            ),
        ]
    else:
        un = "".join(
            f"<li><code>{html.escape(u.fact)}</code> ({u.use.replace('_', ' ')}): {html.escape(u.why)}</li>"
            for u in targets.unexpressed
        )
        parts.append(
            f"<h2>Facts that are not targets: inputs, and what the model cannot express</h2><ul>{un}</ul>"
        )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>kazind fit report</title>"
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:2em}"
        "td,th{border:1px solid #ccc;padding:3px 6px;font-size:13px}.ok{background:#e8f5e9}"
        ".miss{background:#ffebee}.na{color:#777}</style></head><body>"
        + "".join(parts)
        + "</body></html>"
    )
