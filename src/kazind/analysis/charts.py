"""The frame shared by the analysis layer's PNG charts: a grid of panels, written atomically.

PNGs are drawn with matplotlib because plotly 7.1 can export images only through
kaleido >= 1, which needs an installed Chrome (see README).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from pathlib import Path

from kazind.common.atomic import atomic_path

__all__ = ["literal", "mpl_literal", "panel_grid"]


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
    fig, grid = plt.subplots(rows, cols, figsize=(panel_size[0] * cols, panel_size[1] * rows), squeeze=False)
    try:
        yield fig, [grid[i // cols][i % cols] for i in range(panels)]
        for j in range(panels, rows * cols):
            grid[j // cols][j % cols].axis("off")
        fig.tight_layout(rect=(0, 0, 1, 0.97))
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=110)
    finally:
        plt.close(fig)
