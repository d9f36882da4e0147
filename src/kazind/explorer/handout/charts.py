"""The handout's charts: small multiples drawn as static SVG with matplotlib.

A handout must open offline in under two seconds and print on A4; plotly's charts need
its 4.6 MB JavaScript and a browser to draw them, so the handout draws its own, once,
as SVG with the text kept as text (small files that print sharply and whose words a
PDF reader can find). Each builder takes its data as arguments: lines of the
scenarios, the record's points with their verdicts, and the year a scenario departs
from history. The symbols are those of the explorer and of the key (:data:`SYMBOLS`).
"""

from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass, field

from kazind.explorer.i18n import fmt_number, fmt_percent

#: Colours of the scenarios in order (historical first), as on the page.
PALETTE = ("#1f5f99", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8d6a48", "#555555")
#: A fact's verdict -> (marker, colour): reproduced, missed, not scored; each its own shape.
SYMBOLS = {"yes": ("o", "#1b8a3a"), "no": ("X", "#c62828"), "none": ("D", "#777777")}
FONT = ["DejaVu Sans"]  # shipped with matplotlib: its metrics lay the charts out


@dataclass(frozen=True)
class Line:
    label: str
    times: tuple[float, ...]
    values: tuple[float, ...]
    colour: str
    dashed: bool = False
    band: tuple[tuple[float, ...], tuple[float, ...]] | None = None  # 5 % and 95 % of an ensemble


@dataclass(frozen=True)
class Point:
    at: float
    y: float
    verdict: str  # a key of SYMBOLS
    hollow: bool = False  # placed through a ratio or a change


@dataclass(frozen=True)
class Panel:
    title: str
    percent: bool  # values are fractions shown as percentages
    lines: tuple[Line, ...]
    points: tuple[Point, ...] = ()
    log: bool = False
    departures: tuple[tuple[float, str], ...] = field(
        default=()
    )  # (year, colour) where a scenario leaves history


def _formatter(percent: bool, lang: str):
    from matplotlib.ticker import FuncFormatter

    def fmt(v: float, _pos: int) -> str:
        if percent:
            return fmt_percent(v, lang, 0)
        if v == 0:
            return "0"
        digits = max(0, 1 - int(math.floor(math.log10(abs(v))))) if abs(v) < 10 else 0
        return fmt_number(v, lang, digits)

    return FuncFormatter(fmt)


def panels_svg(
    panels: list[Panel],
    lang: str,
    width_cm: float = 17.0,
    panel_height_cm: float = 5.2,
    description: str = "",
) -> str:
    """The panels two to a row as one SVG document (text as text, no fonts embedded)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 2 if len(panels) > 1 else 1
    rows = math.ceil(len(panels) / cols)
    inch = 2.54
    with matplotlib.rc_context(
        {
            "svg.fonttype": "none",
            "font.family": FONT,
            "font.size": 7.5,
            "axes.titlesize": 8,
            "svg.hashsalt": "kazind",
            "path.simplify": True,
        }
    ):
        fig, grid = plt.subplots(
            rows, cols, figsize=(width_cm / inch, panel_height_cm * rows / inch), squeeze=False
        )
        try:
            for i, panel in enumerate(panels):
                _draw(grid[i // cols][i % cols], panel, lang)
            for j in range(len(panels), rows * cols):
                grid[j // cols][j % cols].axis("off")
            fig.tight_layout(pad=0.4, h_pad=0.8, w_pad=1.0)
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        finally:
            plt.close(fig)
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]  # no XML prologue or DOCTYPE inside HTML
    if description:
        from html import escape

        head_end = svg.index(">") + 1
        svg = svg[:head_end] + f"<title>{escape(description)}</title>" + svg[head_end:]
        svg = svg.replace("<svg ", '<svg role="img" ', 1)
    return svg.replace("<svg ", '<svg class="chart" ', 1)


def _draw(ax, panel: Panel, lang: str) -> None:
    ax.set_title("\n".join(textwrap.wrap(panel.title, 40)), loc="left", fontweight="bold")
    for line in panel.lines:
        if line.band is not None:
            ax.fill_between(
                line.times, line.band[0], line.band[1], color=line.colour, alpha=0.15, linewidth=0
            )
    for year, colour in panel.departures:
        ax.axvline(year, color=colour, linestyle=":", linewidth=1.0)
    for line in panel.lines:
        ax.plot(
            line.times,
            line.values,
            color=line.colour,
            linewidth=1.4,
            linestyle="--" if line.dashed else "-",
        )
    for p in panel.points:
        marker, colour = SYMBOLS.get(p.verdict, SYMBOLS["none"])
        face = "white" if p.hollow else colour
        ax.plot(
            [p.at],
            [p.y],
            marker=marker,
            markersize=5,
            markerfacecolor=face,
            markeredgecolor=colour,
            markeredgewidth=1.1,
            linestyle="none",
        )
    if panel.log:
        ax.set_yscale("log")
    elif not any(v < 0 for line in panel.lines for v in line.values):
        ax.set_ylim(bottom=0)
    ax.set_xlim(1912.5, 1940.9)
    ax.set_xticks([1913, 1920, 1926, 1932, 1940])
    ax.xaxis.set_major_formatter(_year_formatter())  # years are never grouped
    ax.yaxis.set_major_formatter(_formatter(panel.percent, lang))
    ax.grid(True, color="#e6e6e6", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _year_formatter():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda v, _pos: str(int(round(v))))
