"""The analysis layer's charts: ensembles' fan charts, scenario comparisons and
sensitivity indices, as plotly
figures (for HTML) and as PNG files, on one frame (a grid of panels, written atomically).

PNGs are drawn with matplotlib because plotly 7.1 can export images only through
kaleido >= 1, which needs an installed Chrome (see README).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import xarray as xr

from kazind.analysis.sensitivity import get_method
from kazind.analysis.summaries import fan_quantiles
from kazind.common.atomic import atomic_path

__all__ = [
    "comparison_chart",
    "comparison_lines",
    "fan_chart",
    "literal",
    "mpl_literal",
    "panel_grid",
    "sensitivity_chart",
    "write_comparison_png",
    "write_fan_png",
    "write_sensitivity_png",
]


def literal(text: str) -> str:
    """``text`` for a plotly label, shown as written: plotly reads a few HTML tags in
    labels (``<b>``, ``<br>``, ``<a href>``) and decodes entities, so a user's scenario
    title ``<b>x</b>`` would be drawn bold; its ``&``, ``<`` and ``>`` become entities."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mpl_literal(text: str) -> str:
    """``text`` for a matplotlib label, shown as written: a ``$`` would start mathtext
    (``$\\foo$`` makes ``savefig`` fail), so each is escaped."""
    return str(text).replace("$", r"\$")


@contextlib.contextmanager
def panel_grid(path: str | Path, panels: int, panel_size: tuple[float, float]) -> Iterator[tuple]:
    """Yield ``(fig, axes)`` with one axis per panel, two columns wide; on leaving the
    block, blank the spare cells, lay the figure out and write it to ``path`` as PNG,
    atomically. The figure is closed whatever happens."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 2 if panels > 1 else 1
    rows = math.ceil(panels / cols)
    fig, grid = plt.subplots(
        rows, cols, figsize=(panel_size[0] * cols, panel_size[1] * rows), squeeze=False
    )
    try:
        yield fig, [grid[i // cols][i % cols] for i in range(panels)]
        for j in range(panels, rows * cols):
            grid[j // cols][j % cols].axis("off")
        fig.tight_layout(rect=(0, 0, 1, 0.97))
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=110)
    finally:
        plt.close(fig)


# ---------------------------------------------------------------- ensembles' fan charts


def fan_chart(
    ensembles: Mapping[str, xr.Dataset] | xr.Dataset, variables: Sequence[str] | None = None
):
    """A plotly figure: one panel per variable, per scenario a median line with 50 % and
    90 % bands over time."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    ensembles, variables, rows, cols = _panels(ensembles, variables)
    first = next(iter(ensembles.values()))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(variables), vertical_spacing=0.06)
    colours = ["31, 119, 180", "214, 39, 40", "44, 160, 44", "148, 103, 189"]
    for k, (name, ens) in enumerate(ensembles.items()):
        rgb = colours[k % len(colours)]
        for i, var in enumerate(variables):
            q = fan_quantiles(ens, var)
            t = q["time"].values
            row, col = i // cols + 1, i % cols + 1
            show = i == 0
            for lo, hi, alpha, band in ((0.05, 0.95, 0.15, "90 %"), (0.25, 0.75, 0.3, "50 %")):
                fig.add_trace(
                    go.Scatter(
                        x=t,
                        y=q.sel(quantile=hi).values,
                        mode="lines",
                        line={"width": 0},
                        hoverinfo="skip",
                        showlegend=False,
                        legendgroup=f"{name}{band}",
                    ),
                    row=row,
                    col=col,
                )
                fig.add_trace(
                    go.Scatter(
                        x=t,
                        y=q.sel(quantile=lo).values,
                        mode="lines",
                        line={"width": 0},
                        fill="tonexty",
                        fillcolor=f"rgba({rgb}, {alpha})",
                        name=f"{name}: {band} band",
                        legendgroup=f"{name}{band}",
                        showlegend=show,
                    ),
                    row=row,
                    col=col,
                )
            fig.add_trace(
                go.Scatter(
                    x=t,
                    y=q.sel(quantile=0.5).values,
                    mode="lines",
                    line={"color": f"rgb({rgb})", "width": 2},
                    name=f"{name}: median",
                    legendgroup=f"{name}median",
                    showlegend=show,
                ),
                row=row,
                col=col,
            )
    n = first.sizes["run"]
    fig.update_layout(
        title=f"{' vs '.join(ensembles)}: {n:,} runs over the calibrated parameters' uncertainty "
        f"(seed {first.attrs.get('seed')}); median, 50 % and 90 % bands",
        height=320 * rows,
        template="plotly_white",
    )
    return fig


def write_fan_png(
    ensembles: Mapping[str, xr.Dataset] | xr.Dataset,
    path: str | Path,
    variables: Sequence[str] | None = None,
) -> Path:
    """The fan charts as a PNG, with matplotlib (plotly 7.1 cannot export PNG here: it
    rejects kaleido 0.2.1 and kaleido 1 needs a Chrome), written atomically."""
    ensembles, variables, _, _ = _panels(ensembles, variables)
    first = next(iter(ensembles.values()))
    colours = ["tab:blue", "tab:red", "tab:green", "tab:purple"]
    with panel_grid(path, len(variables), (6.5, 3.0)) as (fig, axes):
        for k, (name, ens) in enumerate(ensembles.items()):
            colour = colours[k % len(colours)]
            for ax, var in zip(axes, variables, strict=True):
                q = fan_quantiles(ens, var)
                t = q["time"].values
                ax.fill_between(
                    t,
                    q.sel(quantile=0.05).values,
                    q.sel(quantile=0.95).values,
                    color=colour,
                    alpha=0.15,
                    linewidth=0,
                    label=f"{name}: 90 %",
                )
                ax.fill_between(
                    t,
                    q.sel(quantile=0.25).values,
                    q.sel(quantile=0.75).values,
                    color=colour,
                    alpha=0.3,
                    linewidth=0,
                    label=f"{name}: 50 %",
                )
                ax.plot(
                    t,
                    q.sel(quantile=0.5).values,
                    color=colour,
                    linewidth=1.5,
                    label=f"{name}: median",
                )
                ax.set_title(var, fontsize=9)
                ax.tick_params(labelsize=8)
        axes[0].legend(fontsize=7, loc="upper left")
        fig.suptitle(
            f"{' vs '.join(ensembles)}: {first.sizes['run']:,} runs, seed {first.attrs.get('seed')}; "
            "median, 50 % and 90 % bands",
            fontsize=10,
        )
    return Path(path)


def _panels(ensembles, variables):
    """Scenario -> ensemble, the variables to draw (all (run, time) ones by default),
    and a grid of two columns for them: what both fan-chart renderers need."""
    if isinstance(ensembles, xr.Dataset):
        ensembles = {ensembles.attrs.get("scenario", "ensemble"): ensembles}
    first = next(iter(ensembles.values()))
    if variables is None:
        variables = [v for v in first.data_vars if first[v].dims == ("run", "time")]
    cols = 2 if len(variables) > 1 else 1
    return ensembles, list(variables), math.ceil(len(variables) / cols), cols


# ---------------------------------------------------------------- sensitivity indices


def _most_influential(ds: xr.Dataset, key: str, outcome: str, top: int) -> np.ndarray:
    """Positions of the ``top`` parameters with the largest index ``key`` for ``outcome``
    (NaN last, ties in the dataset's order): the bars both sensitivity charts draw."""
    values = ds[key].sel(outcome=outcome).values
    return np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")[:top]


def sensitivity_chart(ds: xr.Dataset, top: int = 15):
    """A plotly figure: per outcome, bars of ST and S1 (Sobol) or mu* (Morris) for the
    ``top`` most influential parameters, with confidence intervals."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    how = get_method(ds.attrs.get("method"))
    key = how.bars[0][0]
    outcomes = [str(o) for o in ds["outcome"].values]
    titles = [str(t) for t in ds["outcome_label"].values]
    cols = 2 if len(outcomes) > 1 else 1
    rows = math.ceil(len(outcomes) / cols)
    fig = make_subplots(
        rows=rows, cols=cols, subplot_titles=titles, vertical_spacing=0.5 / max(rows, 1)
    )
    colours = ("rgb(31, 119, 180)", "rgb(255, 127, 14)")
    bars = [(name, conf, colour) for (name, conf), colour in zip(how.bars, colours, strict=True)]
    for i, o in enumerate(outcomes):
        row, col = i // cols + 1, i % cols + 1
        order = _most_influential(ds, key, o, top)
        names = [str(ds["parameter"].values[j]) for j in order]
        for name, conf, colour in bars:
            err = {"type": "data", "array": ds[conf].sel(outcome=o).values[order]} if conf else None
            fig.add_trace(
                go.Bar(
                    x=names,
                    y=ds[name].sel(outcome=o).values[order],
                    name=name,
                    error_y=err,
                    marker_color=colour,
                    legendgroup=name,
                    showlegend=i == 0,
                ),
                row=row,
                col=col,
            )
    what = " and ".join(how.indices[name].format(conf="") for name, _ in how.bars)
    fig.update_layout(
        title=f"{ds.attrs.get('scenario')}: {what}, N = {ds.attrs.get('N')}, seed {ds.attrs.get('seed')} "
        f"({ds.attrs.get('runs'):,} runs)",
        barmode="group",
        height=380 * rows,
        template="plotly_white",
    )
    return fig


def write_sensitivity_png(ds: xr.Dataset, path: str | Path, top: int = 10) -> Path:
    """The bar charts of :func:`sensitivity_chart` as a PNG (matplotlib), atomically."""
    bars = get_method(ds.attrs.get("method")).bars
    outcomes = [str(o) for o in ds["outcome"].values]
    with panel_grid(path, len(outcomes), (7.0, 3.4)) as (fig, axes):
        for ax, o in zip(axes, outcomes, strict=True):
            order = _most_influential(ds, bars[0][0], o, top)
            x = np.arange(len(order))
            for k, (name, conf) in enumerate(bars):
                err = ds[conf].sel(outcome=o).values[order] if conf else None
                ax.bar(
                    x + (k - 0.5) * 0.4,
                    ds[name].sel(outcome=o).values[order],
                    0.4,
                    yerr=err,
                    label=name,
                    capsize=2,
                )
            ax.set_xticks(
                x,
                [str(ds["parameter"].values[j]) for j in order],
                rotation=45,
                ha="right",
                fontsize=7,
            )
            ax.set_title(str(ds["outcome_label"].sel(outcome=o).values), fontsize=8)
            ax.tick_params(axis="y", labelsize=7)
        axes[0].legend(fontsize=7)
        fig.suptitle(
            f"{ds.attrs.get('scenario')}: {ds.attrs.get('method')}, N = {ds.attrs.get('N')}, "
            f"seed {ds.attrs.get('seed')}",
            fontsize=10,
        )
    return Path(path)


# ---------------------------------------------------------------- scenario comparisons

#: A comparison panel: (output, scale, title by language, y tick format: "" or ".0%").
Panel = tuple[str, float, Mapping[str, str], str]


def comparison_lines(cmp, scenarios: Sequence, panels: Sequence[Panel]) -> list:
    """Per panel, ``(panel, {scenario: (years, central, low, high)})`` from a
    :class:`~kazind.analysis.compare.Comparison`: the calibrated run and, where the
    comparison drew the posterior, its 90 % band (``low``/``high`` None otherwise)."""
    ds = cmp.central
    years = ds["time"].values
    out = []
    for panel in panels:
        var, scale = panel[0], panel[1]
        lines = {}
        for s in scenarios:
            central = ds[var].sel(scenario=s.name).values * scale
            band = cmp.bands.get(s.name, {}).get(var)
            if band is None:
                lines[s.name] = (years, central, None, None)
            else:
                lines[s.name] = (
                    band["time"].values,
                    central,
                    band.sel(quantile=0.05).values * scale,
                    band.sel(quantile=0.95).values * scale,
                )
        out.append((panel, lines))
    return out


def comparison_chart(cmp, scenarios: Sequence, panels: Sequence[Panel], lang: str, title: str):
    """A plotly figure of the compared scenarios: one panel per output, per scenario its
    calibrated path and its 90 % band; labels in ``lang``, shown as written."""
    import plotly.graph_objects as go
    from plotly.colors import hex_to_rgb, qualitative
    from plotly.subplots import make_subplots

    drawn = comparison_lines(cmp, scenarios, panels)
    cols, nrows = 2, (len(drawn) + 1) // 2
    fig = make_subplots(
        rows=nrows, cols=cols, subplot_titles=[p[2][lang] for p, _ in drawn], vertical_spacing=0.06
    )
    colors = qualitative.D3
    for i, ((_var, _scale, _title, fmt), lines) in enumerate(drawn):
        r, c = i // cols + 1, i % cols + 1
        for j, s in enumerate(scenarios):
            colour = colors[j % len(colors)]
            years, central, low, high = lines[s.name]
            name = literal(s.title.get(lang, s.name))
            if low is not None:
                rgb = ", ".join(str(x) for x in hex_to_rgb(colour))
                common = {"mode": "lines", "showlegend": False, "legendgroup": s.name}
                fig.add_trace(
                    go.Scatter(x=years, y=high, line={"width": 0}, hoverinfo="skip", **common),
                    row=r,
                    col=c,
                )
                fig.add_trace(
                    go.Scatter(
                        x=years,
                        y=low,
                        line={"width": 0},
                        fill="tonexty",
                        fillcolor=f"rgba({rgb}, 0.18)",
                        name=f"{name}: 90 %",
                        hoverinfo="skip",
                        **common,
                    ),
                    row=r,
                    col=c,
                )
            fig.add_trace(
                go.Scatter(
                    x=cmp.central["time"].values,
                    y=central,
                    mode="lines",
                    name=name,
                    legendgroup=s.name,
                    showlegend=i == 0,
                    line={"color": colour},
                ),
                row=r,
                col=c,
            )
        if fmt:
            fig.update_yaxes(tickformat=fmt, row=r, col=c)
    fig.update_layout(
        height=320 * nrows,
        width=1200,
        title=literal(title),
        legend={"orientation": "h", "y": -0.03},
        template="plotly_white",
    )
    return fig


def write_comparison_png(
    cmp, scenarios: Sequence, panels: Sequence[Panel], path: str | Path, lang: str, title: str
) -> Path:
    """The comparison's panels as a PNG (matplotlib), atomically."""
    from matplotlib.ticker import PercentFormatter

    drawn = comparison_lines(cmp, scenarios, panels)
    with panel_grid(path, len(drawn), (6.0, 3.0)) as (fig, axes):
        for ax, ((_var, _scale, panel_title, fmt), lines) in zip(axes, drawn, strict=True):
            for j, s in enumerate(scenarios):
                years, central, low, high = lines[s.name]
                if low is not None:
                    ax.fill_between(years, low, high, color=f"C{j}", alpha=0.18, linewidth=0)
                ax.plot(
                    cmp.central["time"].values,
                    central,
                    color=f"C{j}",
                    linewidth=1.6,
                    label=mpl_literal(s.title.get(lang, s.name)),
                )
            ax.set_title(panel_title[lang], fontsize=10)
            ax.grid(alpha=0.3)
            if fmt:
                ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        axes[0].legend(fontsize=7, loc="upper left")
        fig.suptitle(mpl_literal(title), fontsize=10)
    return Path(path)
